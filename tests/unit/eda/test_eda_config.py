"""ms_watch arguments: hosts or the EID inventory, checked before connecting."""

from __future__ import annotations

from pathlib import Path

import pytest

from ansible_collections.lispnet.ms_recovery.extensions.eda.watch.config import (
    WatchConfigError,
    parse_args,
)

INVENTORY = """\
map_servers:
  - name: ms1
    lisp_address: 127.100.0.1
    units:
      - {name: ms1-a, netconf: {host: 127.100.0.2, port: 8830}}
      - {name: ms1-b, netconf: {host: 127.100.0.3, port: 8830}}
sites:
  - name: site-0001
    site_id: 1
    map_server: ms1
    key_id: 0
    algorithm: hmac-sha-256
    key: s3cret-site-key
    etrs:
      - {name: site-0001-etr1, rloc: 127.100.1.1}
    eids:
      - {prefix: 10.1.0.0/24}
"""
CREDS = {"username": "admin", "password": "hunter2"}


def test_hosts_with_defaults() -> None:
    cfg = parse_args(
        {"hosts": [{"name": "a", "host": "127.0.0.2", "port": 8830}, "127.0.0.3"], **CREDS}
    )
    assert [(u.name, u.host, u.port, u.map_server) for u in cfg.units] == [
        ("a", "127.0.0.2", 8830, "map-server"),
        ("127.0.0.3", "127.0.0.3", 830, "map-server"),
    ]
    assert (cfg.poll_interval, cfg.hostkey_verify, cfg.platform) == (2.0, True, "ietf")
    assert "hunter2" not in repr(cfg)


def test_units_come_from_the_eid_inventory(tmp_path: Path) -> None:
    path = tmp_path / "eids.yml"
    path.write_text(INVENTORY)
    cfg = parse_args({"eid_inventory": str(path), "poll_interval": "0.5", **CREDS})
    assert [(u.name, u.host, u.port, u.map_server) for u in cfg.units] == [
        ("ms1-a", "127.100.0.2", 8830, "ms1"),
        ("ms1-b", "127.100.0.3", 8830, "ms1"),
    ]
    assert cfg.poll_interval == 0.5


@pytest.mark.parametrize(
    ("args", "message"),
    [
        ({**CREDS}, "exactly one of hosts or eid_inventory"),
        ({"hosts": [], **CREDS}, "non-empty list"),
        ({"hosts": [{"port": 1}], **CREDS}, "hosts[0] needs a host"),
        ({"hosts": ["h"], "username": "u"}, "password is required"),
        ({"hosts": ["h"], "poll_interval": "fast", **CREDS}, "poll_interval must be a number"),
        ({"hosts": ["h"], "poll_interval": 0, **CREDS}, "poll_interval must be >="),
        ({"hosts": ["h", "h"], **CREDS}, "unique"),
        ({"hosts": ["h"], "platform": "nope", **CREDS}, "platform must be one of"),
    ],
)
def test_bad_arguments_are_named(args: dict, message: str) -> None:
    with pytest.raises(WatchConfigError) as err:
        parse_args(args)
    assert message in str(err.value)


def test_an_invalid_inventory_reports_file_and_line_without_the_key(tmp_path: Path) -> None:
    path = tmp_path / "eids.yml"
    path.write_text(
        INVENTORY.replace("port: 8830}}\n      - {name: ms1-b", "port: x}}\n      - {name: ms1-b")
    )
    with pytest.raises(WatchConfigError) as err:
        parse_args({"eid_inventory": str(path), **CREDS})
    assert str(path) in str(err.value)
    assert "s3cret-site-key" not in str(err.value)
    with pytest.raises(WatchConfigError, match="cannot read"):
        parse_args({"eid_inventory": str(tmp_path / "missing.yml"), **CREDS})
