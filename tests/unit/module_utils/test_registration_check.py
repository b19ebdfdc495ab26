"""The table-vs-inventory comparison: every category, exact counts with
capped lists, RLOC sets folded over several xTRs, thresholds and messages,
and a 50,000-EID table."""

from __future__ import annotations

import ipaddress
from datetime import UTC, datetime, timedelta

import pytest

from ansible_collections.lispnet.ms_recovery.plugins.module_utils.eid_inventory import (
    EidInventory,
    Etr,
    MapServer,
    MsUnit,
    NetconfEndpoint,
    Secret,
    Site,
    UnknownNameError,
)
from ansible_collections.lispnet.ms_recovery.plugins.module_utils.lisp.auth import Algorithm
from ansible_collections.lispnet.ms_recovery.plugins.module_utils.lisp.types import Eid, Rloc
from ansible_collections.lispnet.ms_recovery.plugins.module_utils.model.registration import (
    Registration,
)
from ansible_collections.lispnet.ms_recovery.plugins.module_utils.registration_check import (
    check_registrations,
    failure_message,
    threshold_failures,
)

NOW = datetime(2025, 3, 1, 12, 0, tzinfo=UTC)
ip = ipaddress.ip_address


def site(index: int, eids: int = 2, rlocs: int = 1, ms: str = "ms1") -> Site:
    return Site(
        name=f"site-{index}",
        site_id=index,
        map_servers=(ms,),
        key_id=0,
        algorithm=Algorithm.HMAC_SHA_256,
        key=Secret("k"),
        etrs=tuple(
            Etr(f"site-{index}-etr{r}", ip(f"10.255.{index % 250}.{r + 1}")) for r in range(rlocs)
        ),
        eids=tuple(
            Eid(0, ipaddress.IPv4Network(((10 << 24) + (index << 12) + (e << 8), 24)))
            for e in range(eids)
        ),
    )


def inventory(*sites: Site) -> EidInventory:
    servers = tuple(
        MapServer(name, ip("192.0.2.1"), (MsUnit(f"{name}-a", NetconfEndpoint("h")),))
        for name in sorted({m for s in sites for m in s.map_servers} | {"ms1"})
    )
    return EidInventory(servers, sites)


def record(
    eid: Eid, site_name: str, rlocs: list[str], age: float = 10.0, xtr: int = 0
) -> Registration:
    when = NOW - timedelta(seconds=age)
    return Registration(
        eid=eid,
        site=site_name,
        site_id=0,
        xtr_id=bytes([xtr]) * 16,
        rlocs=tuple(Rloc(ip(r)) for r in rlocs),
        ttl=1440,
        source=ip(rlocs[0]) if rlocs else ip("0.0.0.0"),
        source_port=4342,
        first_registered=when,
        last_registered=when,
        proxy_reply=False,
        want_map_notify=True,
        authoritative=True,
    )


def registered(s: Site, age: float = 10.0) -> list[Registration]:
    return [record(eid, s.name, [str(e.rloc) for e in s.etrs], age) for eid in s.eids]


def test_whole_table_is_complete() -> None:
    sites = [site(1), site(2, rlocs=2)]
    table = [r for s in sites for r in registered(s)]
    report = check_registrations(table, inventory(*sites), "ms1", now=NOW, stale_after=180)
    assert report.complete
    assert (report.expected, report.registered) == (4, 4)
    assert report.counts == {
        "missing": 0,
        "unexpected": 0,
        "rloc_mismatch": 0,
        "stale": 0,
        "missing_sites": 0,
    }
    assert not report.truncated
    result = report.as_result()
    assert result["complete"] is True and result["missing"] == [] and result["map_server"] == "ms1"


def test_every_category() -> None:
    a, b, c = site(1), site(2), site(3, rlocs=2)
    stranger = Eid.parse("[0]172.16.0.0/24")
    table = [
        *registered(a),  # whole
        record(b.eids[0], b.name, [str(b.etrs[0].rloc)], age=500),  # stale, b.eids[1] missing
        record(c.eids[0], c.name, [str(c.etrs[0].rloc)]),  # one of two RLOCs: mismatch
        record(stranger, "rogue", ["198.51.100.7"]),  # unexpected
    ]
    report = check_registrations(table, inventory(a, b, c), "ms1", now=NOW, stale_after=180)
    assert not report.complete
    assert report.counts == {
        "missing": 2,
        "unexpected": 1,
        "rloc_mismatch": 1,
        "stale": 1,
        "missing_sites": 2,
    }
    assert report.lists["missing"] == [
        {"site": "site-2", "eid": str(b.eids[1].prefix), "instance_id": 0},
        {"site": "site-3", "eid": str(c.eids[1].prefix), "instance_id": 0},
    ]
    assert report.missing_sites == [
        {"site": "site-2", "missing": 1},
        {"site": "site-3", "missing": 1},
    ]
    (mismatch,) = report.lists["rloc_mismatch"]
    assert mismatch["expected_rlocs"] == sorted(str(e.rloc) for e in c.etrs)
    assert mismatch["registered_rlocs"] == [str(c.etrs[0].rloc)]
    (unexpected,) = report.lists["unexpected"]
    assert unexpected == {
        "site": "rogue",
        "eid": "172.16.0.0/24",
        "instance_id": 0,
        "rlocs": ["198.51.100.7"],
    }
    (stale,) = report.lists["stale"]
    assert stale["site"] == "site-2" and stale["age"] == 500.0


def test_rlocs_of_several_xtrs_are_folded() -> None:
    s = site(1, eids=1, rlocs=2)
    first, second = (str(e.rloc) for e in s.etrs)
    table = [record(s.eids[0], s.name, [first], xtr=1), record(s.eids[0], s.name, [second], xtr=2)]
    report = check_registrations(table, inventory(s), "ms1", now=NOW)
    assert report.complete and report.registered == 1


def test_newest_registration_decides_staleness() -> None:
    s = site(1, eids=1, rlocs=2)
    first, second = (str(e.rloc) for e in s.etrs)
    table = [
        record(s.eids[0], s.name, [first], age=900, xtr=1),
        record(s.eids[0], s.name, [second], age=5, xtr=2),
    ]
    assert (
        check_registrations(table, inventory(s), "ms1", now=NOW, stale_after=60).counts["stale"]
        == 0
    )
    # Without stale_after nothing is stale, however old.
    old = registered(s, age=10**6)
    assert check_registrations(old, inventory(s), "ms1", now=NOW).counts["stale"] == 0


def test_other_map_servers_sites_are_unexpected_here() -> None:
    mine, theirs = site(1), site(2, ms="ms2")
    table = registered(mine) + registered(theirs)
    report = check_registrations(table, inventory(mine, theirs), "ms1", now=NOW)
    assert report.expected == 2 and report.counts["unexpected"] == 2
    with pytest.raises(UnknownNameError, match="did you mean 'ms1'"):
        check_registrations(table, inventory(mine, theirs), "ms11", now=NOW)


def test_lists_are_capped_counts_are_not() -> None:
    sites = [site(i, eids=3) for i in range(1, 11)]
    report = check_registrations([], inventory(*sites), "ms1", now=NOW, max_list=4)
    assert report.counts["missing"] == 30 and report.counts["missing_sites"] == 10
    assert len(report.lists["missing"]) == 4 and len(report.missing_sites) == 4
    assert report.truncated
    assert report.lists["missing"][0]["site"] == "site-1"  # inventory order


def test_thresholds_and_message() -> None:
    sites = [site(i, eids=2) for i in range(1, 9)]
    report = check_registrations(registered(sites[0]), inventory(*sites), "ms1", now=NOW)
    assert threshold_failures(report, {"missing": 14}) == []
    lines = threshold_failures(report, {"missing": 0, "rloc_mismatch": 0, "missing_sites": 3})
    assert len(lines) == 2
    assert lines[0].startswith("missing 14 > 0: site-2 [0]")
    assert lines[0].endswith("and 9 more")
    assert lines[1] == (
        "missing_sites 7 > 3: site-2 (2 EIDs), site-3 (2 EIDs), site-4 (2 EIDs),"
        " site-5 (2 EIDs), site-6 (2 EIDs) and 2 more"
    )
    message = failure_message(report, lines, "ms1-a")
    assert message.startswith("registration table of ms1 (unit ms1-a) fails the fail_on")
    assert "(2/16 expected EIDs registered)" in message
    with pytest.raises(ValueError, match="unknown key missed; valid: missing"):
        threshold_failures(report, {"missed": 0})


def test_fifty_thousand_eids() -> None:
    # 5,000 sites x 10 EIDs, half the sites registered, one RLOC wrong.
    sites = [site(i, eids=10) for i in range(1, 5001)]
    table = [r for s in sites[:2500] for r in registered(s)]
    table[0] = record(sites[0].eids[0], sites[0].name, ["203.0.113.9"])
    report = check_registrations(table, inventory(*sites), "ms1", now=NOW, stale_after=180)
    assert report.expected == 50_000 and report.registered == 25_000
    assert report.counts["missing"] == 25_000 and report.counts["missing_sites"] == 2500
    assert report.counts["rloc_mismatch"] == 1
    assert len(report.lists["missing"]) == 100
