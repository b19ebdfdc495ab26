"""Host keys pinned from known_hosts: parsed once, only for plain SSH configs."""

from __future__ import annotations

from pathlib import Path

import pytest

from ansible_collections.lispnet.ms_recovery.plugins.module_utils.known_hosts import (
    RevokedHostKey,
    pinnable_known_hosts,
    pinned_key,
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
    with pytest.raises(RevokedHostKey, match=r"\[127.0.0.5\]:8830: .* @revoked"):
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
