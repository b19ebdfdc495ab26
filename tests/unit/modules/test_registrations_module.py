"""The registrations module shell: options, standby skip, fail_on, the
inventory handed over by the action plugin, and failures naming the target."""

from __future__ import annotations

import ipaddress
import json
from datetime import UTC, datetime
from typing import Any

import pytest
from ansible.module_utils.testing import patch_module_args

from ansible_collections.lispnet.ms_recovery.plugins.module_utils.eid_inventory import (
    EidInventory,
    Etr,
    MapServer,
    MsUnit,
    NetconfEndpoint,
    Secret,
    Site,
)
from ansible_collections.lispnet.ms_recovery.plugins.module_utils.eid_inventory.handover import (
    handover_text,
)
from ansible_collections.lispnet.ms_recovery.plugins.module_utils.lisp.auth import Algorithm
from ansible_collections.lispnet.ms_recovery.plugins.module_utils.lisp.types import Eid, Rloc
from ansible_collections.lispnet.ms_recovery.plugins.module_utils.model.ms import (
    MsSnapshot,
    MsUnitInfo,
)
from ansible_collections.lispnet.ms_recovery.plugins.module_utils.model.registration import (
    Registration,
)
from ansible_collections.lispnet.ms_recovery.plugins.module_utils.netconf_session import (
    NetconfFailure,
)
from ansible_collections.lispnet.ms_recovery.plugins.modules import registrations

NOW = datetime.now(UTC)
SERVICE = ipaddress.ip_address("192.0.2.100")
KEY = "sekrit-site-key-0001"


def inventory() -> EidInventory:
    sites = tuple(
        Site(
            f"site-{i}",
            i,
            ("ms1",),
            0,
            Algorithm.HMAC_SHA_256,
            Secret(f"{KEY}-{i}"),
            (Etr(f"site-{i}-etr1", ipaddress.ip_address(f"10.255.0.{i}")),),
            (Eid.parse(f"10.{i}.0.0/24"), Eid.parse(f"10.{i}.1.0/24")),
        )
        for i in range(1, 4)
    )
    units = (MsUnit("ms1-a", NetconfEndpoint("h")), MsUnit("ms1-b", NetconfEndpoint("h")))
    return EidInventory((MapServer("ms1", SERVICE, units),), sites, "eids.yml")


def table(sites: range) -> tuple[Registration, ...]:
    inv = inventory()
    return tuple(
        Registration(
            eid=eid,
            site=s.name,
            site_id=s.site_id,
            xtr_id=None,
            rlocs=(Rloc(s.etrs[0].rloc),),
            ttl=1440,
            source=s.etrs[0].rloc,
            source_port=4342,
            first_registered=NOW,
            last_registered=NOW,
            proxy_reply=False,
            want_map_notify=True,
            authoritative=True,
        )
        for s in inv.sites
        if s.site_id in sites
        for eid in s.eids
    )


class FakePlatform:
    name = "fake"

    def __init__(self, role: str = "active", records: tuple = (), fail: str | None = None) -> None:
        self.role, self.records, self.fail = role, records, fail

    def read_ms_unit(self, session: object) -> MsSnapshot:
        if self.fail:
            raise NetconfFailure(self.fail)
        return MsSnapshot(
            MsUnitInfo(f"ms1-{'a' if self.role == 'active' else 'b'}", self.role, SERVICE, NOW, 0)
        )

    def read_registered(self, session: object, known: object = ()) -> tuple:
        return self.records


def run(
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    platform: FakePlatform,
    **args: Any,
) -> dict[str, Any]:
    monkeypatch.setattr(registrations, "get_platform", lambda name: platform)
    monkeypatch.setattr(registrations, "session_from_module", lambda module: object())
    args.setdefault("eid_inventory", "eids.yml")
    args.setdefault("_eid_inventory_text", handover_text(inventory()))
    with patch_module_args(args), pytest.raises(SystemExit):
        registrations.main()
    out = capsys.readouterr().out
    assert KEY not in out  # the handed-over keys never come back
    return json.loads(out)


def test_complete_table(monkeypatch, capsys) -> None:
    result = run(monkeypatch, capsys, FakePlatform(records=table(range(1, 4))))
    assert result["complete"] is True and result["changed"] is False
    assert result["unit"] == {"name": "ms1-a", "role": "active"} and result["active"] is True
    assert result["expected"] == result["registered"] == 6 and result["map_server"] == "ms1"
    assert "failed" not in result or not result["failed"]


def test_fail_on_names_the_missing_site(monkeypatch, capsys) -> None:
    result = run(
        monkeypatch,
        capsys,
        FakePlatform(records=table(range(1, 3))),
        fail_on={"missing": 0, "rloc_mismatch": 0},
    )
    assert result["failed"] is True and result["changed"] is False
    assert result["counts"]["missing"] == 2
    assert result["missing_sites"] == [{"site": "site-3", "missing": 2}]
    assert "missing 2 > 0: site-3 [0]10.3.0.0/24, site-3 [0]10.3.1.0/24" in result["msg"]
    assert "ms1 (unit ms1-a)" in result["msg"]


def test_below_threshold_passes(monkeypatch, capsys) -> None:
    result = run(
        monkeypatch, capsys, FakePlatform(records=table(range(1, 3))), fail_on={"missing": 2}
    )
    assert not result.get("failed") and result["complete"] is False


def test_standby_is_skipped_or_checked(monkeypatch, capsys) -> None:
    skipped = run(monkeypatch, capsys, FakePlatform(role="standby"), fail_on={"missing": 0})
    assert skipped["skipped"] is True and skipped["active"] is False
    checked = run(monkeypatch, capsys, FakePlatform(role="standby"), on_standby="check")
    assert checked["counts"]["missing"] == 6


def test_unknown_fail_on_key(monkeypatch, capsys) -> None:
    result = run(monkeypatch, capsys, FakePlatform(), fail_on={"mising": 0})
    assert result["failed"] and "fail_on: unknown mising; valid: missing" in result["msg"]


def test_netconf_failure(monkeypatch, capsys) -> None:
    result = run(
        monkeypatch, capsys, FakePlatform(fail="get failed: Not connected to NETCONF server")
    )
    assert result["failed"]
    assert result["msg"].startswith("NETCONF: get failed: Not connected")
    assert "meta: reset_connection" in result["msg"]


def test_inventory_problems_without_the_action_plugin(monkeypatch, capsys, tmp_path) -> None:
    bad = tmp_path / "eids.yml"
    bad.write_text("map_servers: []\nsites:\n  - name: x\n")
    result = run(
        monkeypatch, capsys, FakePlatform(), eid_inventory=str(bad), _eid_inventory_text=None
    )
    assert result["failed"] and result["msg"].startswith("invalid EID inventory (")
    assert f"{bad}:3: sites[0]" in result["msg"]
    assert any(p.startswith(f"{bad}:3:") for p in result["problems"])
