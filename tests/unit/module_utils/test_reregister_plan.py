"""Target selection for reregister: only_missing, site scope, completeness, check-mode plan."""

from __future__ import annotations

import dataclasses
import ipaddress
from datetime import UTC, datetime

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
from ansible_collections.lispnet.ms_recovery.plugins.module_utils.model.registered import (
    exact,
    present,
    registered_table,
    whole,
)
from ansible_collections.lispnet.ms_recovery.plugins.module_utils.model.registration import (
    Registration,
)
from ansible_collections.lispnet.ms_recovery.plugins.module_utils.recovery.reregister_plan import (
    MAX_LISTED_MISSING,
    completeness,
    default_map_server,
    make_plan,
    select_sites,
)

KEY = "unit-test-site-key"


def eid(text: str) -> Eid:
    return Eid.parse(text)


def make_site(name: str, site_id: int, eids: list[str], rlocs: list[str], ms: str = "ms1") -> Site:
    etrs = tuple(
        Etr(f"{name}-etr{i + 1}", ipaddress.ip_address(r), NetconfEndpoint(r, 8830))
        for i, r in enumerate(rlocs)
    )
    return Site(
        name=name,
        site_id=site_id,
        map_servers=(ms,),
        key_id=0,
        algorithm=Algorithm.HMAC_SHA_256,
        key=Secret(KEY.encode()),
        etrs=etrs,
        eids=tuple(eid(e) for e in eids),
    )


def make_inventory(*sites: Site, map_servers: tuple[str, ...] = ("ms1",)) -> EidInventory:
    servers = tuple(
        MapServer(
            name,
            ipaddress.ip_address(f"127.0.0.{i + 1}"),
            (MsUnit(f"{name}-a", NetconfEndpoint(f"127.0.0.{i + 1}")),),
        )
        for i, name in enumerate(map_servers)
    )
    return EidInventory(map_servers=servers, sites=sites)


def record(prefix: str, *rlocs: str, site: str = "s") -> Registration:
    now = datetime.now(UTC)
    return Registration(
        eid=eid(prefix),
        site=site,
        site_id=1,
        xtr_id=None,
        rlocs=tuple(Rloc.of(r) for r in rlocs),
        ttl=1440,
        source=ipaddress.ip_address(rlocs[0]) if rlocs else ipaddress.ip_address("127.0.0.9"),
        source_port=4342,
        first_registered=now,
        last_registered=now,
        proxy_reply=False,
        want_map_notify=True,
        authoritative=True,
    )


SITE_A = make_site("site-a", 1, ["10.1.0.0/24", "2001:db8:1::/48"], ["127.10.1.1"])
# Two ETRs: whole only when both have registered.
SITE_B = make_site("site-b", 2, ["10.2.0.0/24"], ["127.10.2.1", "127.10.2.2"])
SITE_C = make_site("site-c", 3, ["[7]10.3.0.0/24"], ["127.10.3.1"])
INVENTORY = make_inventory(SITE_A, SITE_B, SITE_C)
WHOLE = registered_table(
    [
        record("10.1.0.0/24", "127.10.1.1"),
        record("2001:db8:1::/48", "127.10.1.1"),
        record("10.2.0.0/24", "127.10.2.1"),
        record("10.2.0.0/24", "127.10.2.2"),
        record("[7]10.3.0.0/24", "127.10.3.1"),
    ]
)


def without(table: dict, *prefixes: str) -> dict:
    return {k: v for k, v in table.items() if str(k) not in prefixes}


def test_registered_table_merges_the_rlocs_of_every_xtr() -> None:
    assert WHOLE[eid("10.2.0.0/24")] == frozenset(
        ipaddress.ip_address(a) for a in ("127.10.2.1", "127.10.2.2")
    )


def test_a_healthy_table_targets_nothing() -> None:
    plan = make_plan(INVENTORY.sites, WHOLE, only_missing=True)
    assert plan.targets == ()
    assert plan.selected == INVENTORY.sites


def test_only_sites_with_a_missing_eid_are_targeted() -> None:
    plan = make_plan(INVENTORY.sites, without(WHOLE, "[0]2001:db8:1::/48"), only_missing=True)
    assert plan.target_names == ["site-a"]
    assert [str(e) for e in plan.targets[0].missing] == ["[0]2001:db8:1::/48"]


def test_an_eid_held_by_one_of_two_etrs_counts_as_missing() -> None:
    table = dict(WHOLE)
    table[eid("10.2.0.0/24")] = frozenset({ipaddress.ip_address("127.10.2.1")})
    assert make_plan(INVENTORY.sites, table, only_missing=True).target_names == ["site-b"]


def test_without_only_missing_every_selected_site_is_targeted() -> None:
    plan = make_plan(INVENTORY.sites, None, only_missing=False)
    assert plan.target_names == ["site-a", "site-b", "site-c"]
    # Also when the table was read and is whole.
    assert make_plan(INVENTORY.sites, WHOLE, only_missing=False).target_names == [
        "site-a",
        "site-b",
        "site-c",
    ]


def test_an_empty_table_after_a_reboot_targets_every_site() -> None:
    plan = make_plan(INVENTORY.sites, {}, only_missing=True)
    assert plan.target_names == ["site-a", "site-b", "site-c"]


def test_check_mode_plan_lists_each_etr_and_missing_eid() -> None:
    plan = make_plan(INVENTORY.sites, without(WHOLE, "[0]10.2.0.0/24"), only_missing=True)
    assert plan.as_check_mode_sites() == [
        {
            "site": "site-b",
            "etrs": [
                {"etr": "site-b-etr1", "rloc": "127.10.2.1", "acked": False, "retries": 0,
                 "error": None},
                {"etr": "site-b-etr2", "rloc": "127.10.2.2", "acked": False, "retries": 0,
                 "error": None},
            ],
            "recovered": False,
            "missing_eids": ["[0]10.2.0.0/24"],
        }
    ]  # fmt: skip


def test_site_scope_defaults_to_the_map_servers_sites() -> None:
    other = make_site("site-x", 9, ["10.9.0.0/24"], ["127.10.9.1"], ms="ms2")
    inventory = make_inventory(SITE_A, other, map_servers=("ms1", "ms2"))
    assert select_sites(inventory, "ms1", None) == (SITE_A,)
    assert select_sites(inventory, "ms2", []) == (other,)
    with pytest.raises(ValueError, match="site-x register to another map-server"):
        select_sites(inventory, "ms1", ["site-a", "site-x"])
    with pytest.raises(UnknownNameError):
        select_sites(inventory, "ms1", ["site-zz"])


def test_a_redundant_site_is_in_the_scope_of_each_of_its_map_servers() -> None:
    shared = make_site("site-x", 9, ["10.9.0.0/24"], ["127.10.9.1"], ms="ms2")
    shared = dataclasses.replace(shared, map_servers=("ms2", "ms1"))
    inventory = make_inventory(SITE_A, shared, map_servers=("ms1", "ms2"))
    assert select_sites(inventory, "ms1", None) == (SITE_A, shared)
    assert select_sites(inventory, "ms2", None) == (shared,)
    assert select_sites(inventory, "ms2", ["site-x"]) == (shared,)
    with pytest.raises(ValueError, match="site-a register to another map-server, not ms2"):
        select_sites(inventory, "ms2", ["site-a", "site-x"])


def test_the_map_server_is_needed_only_when_there_are_several() -> None:
    assert default_map_server(INVENTORY, None) == "ms1"
    two = make_inventory(SITE_A, map_servers=("ms1", "ms2"))
    with pytest.raises(ValueError, match="several map-servers"):
        default_map_server(two, None)
    assert default_map_server(two, "ms2") == "ms2"
    with pytest.raises(UnknownNameError):
        default_map_server(two, "ms3")


def test_completeness_counts_and_names_unrecovered_sites() -> None:
    state = completeness(INVENTORY.sites, without(WHOLE, "[7]10.3.0.0/24", "[0]10.1.0.0/24"))
    assert (state.expected, state.registered, state.complete) == (4, 2, False)
    assert state.unrecovered_sites == ("site-a", "site-c")
    result = state.as_result()
    assert result["missing"] == ["[0]10.1.0.0/24", "[7]10.3.0.0/24"]
    assert result["missing_count"] == 2
    assert completeness(INVENTORY.sites, WHOLE).as_result()["complete"] is True


def test_the_missing_list_is_capped_but_the_count_is_exact() -> None:
    big = make_site("big", 5, [f"10.{i // 256}.{i % 256}.0/24" for i in range(300)], ["127.1.1.1"])
    result = completeness([big], {}).as_result()
    assert len(result["missing"]) == MAX_LISTED_MISSING
    assert result["missing_count"] == 300


def test_registered_predicates_name_the_three_meanings() -> None:
    stored = frozenset({ipaddress.ip_address("127.10.1.1"), ipaddress.ip_address("127.10.1.2")})
    one = frozenset({ipaddress.ip_address("127.10.1.1")})
    more = stored | {ipaddress.ip_address("127.10.9.9")}
    assert not present(None) and not whole(None, stored) and not exact(None, stored)
    assert present(one) and not whole(one, stored) and not exact(one, stored)
    assert whole(stored, stored) and exact(stored, stored)
    assert whole(more, stored) and not exact(more, stored)
