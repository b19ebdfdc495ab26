"""Host keys pinned from known_hosts: parsed once, only for plain SSH configs."""

from __future__ import annotations

from pathlib import Path

import paramiko
import pytest

from ansible_collections.lispnet.ms_recovery.plugins.module_utils.known_hosts import (
    HostKeysWithMarkers,
    RevokedHostKey,
    known_hosts_in_use,
    pinnable_known_hosts,
    pinned_key,
    refuse_revoked_host_key,
    refuse_revoked_presented_key,
    refusing_revoked_keys,
)


def _files(tmp_path: Path, extra: str = "") -> Path:
    known = tmp_path / "known_hosts"
    known.write_text(
        "# a comment\n"
        "[127.0.0.5]:8830 ssh-ed25519 AAAAfive\n"
        "127.0.0.6,[127.0.0.7]:8830 ssh-ed25519 AAAAsix\n"
        "|1|hashed= ssh-ed25519 AAAAhashed\n"
    )
    config = tmp_path / "ssh_config"
    config.write_text(f"Host *\n    UserKnownHostsFile {known}\n{extra}")
    return config


def test_keys_are_found_by_host_and_port(tmp_path: Path) -> None:
    config = str(_files(tmp_path))
    known = pinnable_known_hosts(config, "127.0.0.5")
    assert pinned_key(known, "127.0.0.5", 8830) == "AAAAfive"
    assert pinned_key(known, "127.0.0.6", 22) == "AAAAsix"
    assert pinned_key(known, "127.0.0.7", 8830) == "AAAAsix"
    assert pinned_key(known, "127.0.0.5", 22) is None  # another port, another entry
    assert pinned_key(known, "127.0.0.9", 8830) is None  # unknown: ncclient refuses it


def test_a_config_with_more_than_known_hosts_is_left_to_ncclient(tmp_path: Path) -> None:
    config = str(_files(tmp_path, "    ProxyCommand nc %h %p\n"))
    assert pinnable_known_hosts(config, "127.0.0.5") is None
    assert pinnable_known_hosts(None, "127.0.0.5") is None


def test_a_missing_file_pins_nothing(tmp_path: Path) -> None:
    assert pinned_key(str(tmp_path / "absent"), "127.0.0.5", 8830) is None


def test_a_revoked_key_is_never_pinned(tmp_path: Path) -> None:
    config = _files(tmp_path)
    known = pinnable_known_hosts(str(config), "127.0.0.5")
    assert known is not None
    with open(known, "a") as handle:
        handle.write("@revoked * ssh-ed25519 AAAAsix\n")
        handle.write("@revoked [127.0.0.5]:8830,!127.0.0.9 ssh-ed25519 AAAAfive\n")
    with pytest.raises(RevokedHostKey, match=rf"\[127.0.0.5\]:8830: .* @revoked at {known}:6;"):
        pinned_key(known, "127.0.0.5", 8830)
    with pytest.raises(RevokedHostKey):
        pinned_key(known, "127.0.0.6", 22)  # revoked for every host
    with pytest.raises(RevokedHostKey):
        pinned_key(known, "127.0.0.7", 8830)


def test_a_revoked_line_for_other_hosts_or_keys_changes_nothing(tmp_path: Path) -> None:
    config = _files(tmp_path)
    known = pinnable_known_hosts(str(config), "127.0.0.5")
    assert known is not None
    with open(known, "a") as handle:
        handle.write("@revoked 127.0.0.6 ssh-ed25519 AAAAfive\n")  # another host
        handle.write("@revoked *,![127.0.0.5]:8830 ssh-ed25519 AAAAfive\n")  # negated
        handle.write("@revoked * ssh-ed25519 AAAAother\n")  # another key
    assert pinned_key(known, "127.0.0.5", 8830) == "AAAAfive"


def test_a_hashed_revoked_pattern_matches_its_host_only(tmp_path: Path) -> None:
    known = tmp_path / "known_hosts"
    hashed = paramiko.HostKeys.hash_host("[127.0.0.5]:8830")
    known.write_text(
        f"@revoked {hashed} ssh-ed25519 AAAAfive\n@revoked |1|bad| ssh-ed25519 AAAAx\n"
    )
    with pytest.raises(RevokedHostKey, match=rf"@revoked at {known}:1;"):
        refuse_revoked_host_key(str(known), "127.0.0.5", 8830, "AAAAfive")
    refuse_revoked_host_key(str(known), "127.0.0.6", 8830, "AAAAfive")  # another host
    refuse_revoked_host_key(str(known), "127.0.0.5", 8830, "AAAAother")  # another key
    refuse_revoked_host_key(str(known), "127.0.0.5", 8830, "AAAAx")  # malformed salt


def test_a_presented_key_is_checked_only_while_armed(tmp_path: Path) -> None:
    key = paramiko.Ed25519Key.from_private_key_file(_ed25519(tmp_path))
    known = tmp_path / "known_hosts"
    known.write_text(f"@revoked [127.0.0.5]:830 ssh-ed25519 {key.get_base64()}\n")
    refuse_revoked_presented_key(key)  # nothing armed
    with refusing_revoked_keys(None, "127.0.0.5", 830):
        refuse_revoked_presented_key(key)  # host keys unchecked
    with (
        refusing_revoked_keys(str(known), "127.0.0.5", 830),
        pytest.raises(RevokedHostKey, match=r"127\.0\.0\.5"),
    ):
        refuse_revoked_presented_key(key)
    refuse_revoked_presented_key(key)  # disarmed again


def _ed25519(tmp_path: Path) -> str:
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    path = tmp_path / "host.key"
    path.write_bytes(
        Ed25519PrivateKey.generate().private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.OpenSSH,
            serialization.NoEncryption(),
        )
    )
    return str(path)


def test_the_known_hosts_in_use_follows_the_ssh_config(tmp_path: Path) -> None:
    config = _files(tmp_path, "Host router\n    HostName 127.0.0.5\n")
    assert known_hosts_in_use(str(config), "router") == (str(tmp_path / "known_hosts"), "127.0.0.5")
    default = str(Path("~/.ssh/known_hosts").expanduser())
    assert known_hosts_in_use(None, "127.0.0.5") == (default, "127.0.0.5")
    assert known_hosts_in_use(str(tmp_path / "absent"), "127.0.0.5") == (default, "127.0.0.5")


def test_ncclient_host_keys_read_a_file_with_marker_lines(tmp_path: Path) -> None:
    key = paramiko.Ed25519Key.from_private_key_file(_ed25519(tmp_path))
    known = tmp_path / "known_hosts"
    known.write_text(
        f"@revoked * ssh-ed25519 {key.get_base64()}\n"
        f"[127.0.0.5]:8830 ssh-ed25519 {key.get_base64()}\n"
        f"@cert-authority *.example ssh-ed25519 {key.get_base64()}\n"
    )
    with pytest.raises(paramiko.hostkeys.InvalidHostKey):
        paramiko.HostKeys(str(known))  # why ncclient gets the marker-aware one
    host_keys = HostKeysWithMarkers()
    host_keys.load(str(known))
    assert host_keys.check("[127.0.0.5]:8830", key)
    assert len(host_keys.keys()) == 1
