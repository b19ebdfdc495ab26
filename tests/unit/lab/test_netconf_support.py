"""rpc-error rendering, host keys, known_hosts lines, the notification hub, hello."""

from __future__ import annotations

import os
import stat
from datetime import UTC, datetime
from pathlib import Path

import paramiko
import pytest
from lxml import etree

from ansible_collections.lispnet.ms_recovery.lab.netconf import (
    NotificationHub,
    RpcError,
    known_hosts_line,
    load_or_create_host_key,
)
from ansible_collections.lispnet.ms_recovery.lab.netconf.errors import info_element
from ansible_collections.lispnet.ms_recovery.lab.netconf.notifications import event_time
from ansible_collections.lispnet.ms_recovery.lab.netconf.session import build_hello, parse_message

NC = "urn:ietf:params:xml:ns:netconf:base:1.0"


def _t(local: str) -> str:
    return f"{{{NC}}}{local}"


def test_rpc_error_element_has_the_rfc_fields_in_order() -> None:
    err = RpcError(
        "data-missing",
        "no such interface",
        error_type="application",
        path="/top/if[name='x']",
        info=[info_element("bad-element", "if")],
    ).to_element()
    assert [etree.QName(c).localname for c in err] == [
        "error-type",
        "error-tag",
        "error-severity",
        "error-path",
        "error-message",
        "error-info",
    ]
    assert err.findtext(_t("error-tag")) == "data-missing"
    assert err.findtext(_t("error-severity")) == "error"
    assert err.findtext(f"{_t('error-info')}/{_t('bad-element')}") == "if"


def test_host_key_is_created_0600_reused_and_cached(tmp_path: Path) -> None:
    path = tmp_path / "r1" / "host.key"
    key = load_or_create_host_key(path)
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    assert load_or_create_host_key(path) is key  # one object per file
    assert key.algorithm == b"ssh-ed25519"
    # a fresh process (no cache) reads the same key back
    from ansible_collections.lispnet.ms_recovery.lab.netconf import hostkeys

    hostkeys._cache.clear()
    again = load_or_create_host_key(path)
    assert again.export_public_key() == key.export_public_key()
    assert not list(path.parent.glob(".*.tmp"))


def test_rsa_host_key_is_served_with_sha2_signatures_only(tmp_path: Path) -> None:
    from ansible_collections.lispnet.ms_recovery.lab.netconf.hostkeys import (
        RSA,
        server_host_key,
    )

    key = load_or_create_host_key(tmp_path / "rsa.key", RSA)
    assert key.algorithm == b"ssh-rsa"
    assert known_hosts_line("127.0.0.6", 8830, key).startswith("[127.0.0.6]:8830 ssh-rsa AAAA")
    served = server_host_key(key)
    assert set(served.host_key_algorithms) == {b"rsa-sha2-512", b"rsa-sha2-256"}
    # An existing key keeps its type, whatever is asked for.
    assert load_or_create_host_key(tmp_path / "rsa.key") is key
    ed = load_or_create_host_key(tmp_path / "ed.key")
    assert server_host_key(ed) is ed
    with pytest.raises(ValueError, match="host key algorithm"):
        load_or_create_host_key(tmp_path / "dsa.key", "ssh-dss")


def test_known_hosts_line_is_readable_by_paramiko(tmp_path: Path) -> None:
    key = load_or_create_host_key(tmp_path / "k")
    line = known_hosts_line("127.0.0.5", 8830, key)
    assert line.startswith("[127.0.0.5]:8830 ssh-ed25519 AAAA")
    assert known_hosts_line("127.0.0.5", 22, key).startswith("127.0.0.5 ssh-ed25519 ")
    kh = tmp_path / "known_hosts"
    kh.write_text(line + "\n")
    hk = paramiko.HostKeys(str(kh))
    assert hk.lookup("[127.0.0.5]:8830") is not None


def test_hub_stamps_event_time_and_survives_a_broken_subscriber() -> None:
    hub = NotificationHub()
    got: list[etree._Element] = []

    def broken(_note: etree._Element) -> None:
        raise RuntimeError("boom")

    hub.subscribe(broken)
    token = hub.subscribe(got.append)
    when = datetime(2024, 5, 6, 7, 8, 9, 123456, tzinfo=UTC)
    hub.publish(etree.Element("{urn:x}ev"), when)
    assert len(got) == 1
    note = got[0]
    assert note.tag == "{urn:ietf:params:xml:ns:netconf:notification:1.0}notification"
    assert note[0].text == "2024-05-06T07:08:09.123456Z"
    assert note[1].tag == "{urn:x}ev"
    hub.unsubscribe(token)
    hub.publish(etree.Element("{urn:x}ev"))
    assert len(got) == 1
    assert event_time().endswith("Z")


def test_hello_escapes_ampersand_and_carries_session_id() -> None:
    raw = build_hello(7, ["urn:x?module=x&revision=2024-01-01"])
    assert b"&amp;revision" in raw
    root = parse_message(raw)
    caps = [c.text for c in root.iter(_t("capability"))]
    assert "urn:ietf:params:netconf:base:1.1" in caps
    assert "urn:x?module=x&revision=2024-01-01" in caps
    assert root.findtext(_t("session-id")) == "7"


def test_parse_refuses_entities_and_doctype() -> None:
    bomb = b'<?xml version="1.0"?><!DOCTYPE r [<!ENTITY a "aaaa">]><rpc>&a;</rpc>'
    with pytest.raises(etree.XMLSyntaxError):
        parse_message(bomb)
