"""Sites whose ETRs register to several Map-Servers (the redundant design):
``map_servers: [ms1, ms2]`` instead of ``map_server: ms1``. The site belongs to
each of them (sites_of, expected), round-trips through the dump and the
module handover, and every way of writing it wrong is named by field."""

from __future__ import annotations

import dataclasses
from typing import Any

import pytest

from ansible_collections.lispnet.ms_recovery.plugins.module_utils.eid_inventory import (
    InventoryError,
    check_inventory,
    dump_inventory,
    parse_inventory,
)
from ansible_collections.lispnet.ms_recovery.plugins.module_utils.eid_inventory.handover import (
    handover_text,
    inventory_from_handover,
)
from ansible_collections.lispnet.ms_recovery.tests.unit.eid_inventory.eid_inventory_builders import (  # noqa: E501
    KEY,
    base,
    to_yaml,
)


def _redundant() -> dict[str, Any]:
    """site-0002 registers to ms2 and ms1; site-0001 to ms1 alone."""
    data = base()
    del data["sites"][1]["map_server"]
    data["sites"][1]["map_servers"] = ["ms2", "ms1"]
    return data


def _problems(data: dict[str, Any]) -> str:
    with pytest.raises(InventoryError) as caught:
        parse_inventory(to_yaml(data), "eids.yml")
    text = str(caught.value)
    assert KEY not in text
    return text


def test_a_redundant_site_belongs_to_each_of_its_map_servers() -> None:
    inventory = parse_inventory(to_yaml(_redundant()), "eids.yml")
    first, second = inventory.sites
    assert first.map_servers == ("ms1",)
    assert second.map_servers == ("ms2", "ms1")  # in the order written
    assert second.registers_to("ms1") and second.registers_to("ms2")
    assert not first.registers_to("ms2")
    assert [s.name for s in inventory.sites_of("ms1")] == ["site-0001", "site-0002"]
    assert [s.name for s in inventory.sites_of("ms2")] == ["site-0002"]
    # Each Map-Server's whole table holds the shared site's EIDs.
    assert set(map(str, inventory.expected("ms2"))) == {"[0]10.2.0.0/24"}
    assert set(map(str, inventory.expected("ms1"))) == {"[0]10.1.0.0/24", "[0]10.2.0.0/24"}
    assert inventory.counts()["sites"] == 2  # one site, whatever its Map-Servers


def test_the_dump_writes_a_list_only_for_a_redundant_site() -> None:
    inventory = parse_inventory(to_yaml(_redundant()), "eids.yml")
    text = dump_inventory(inventory, keys="plain")
    assert "map_servers: [ms2, ms1]" in text
    assert "map_server: ms1" in text  # a single-Map-Server site reads as it always did
    assert parse_inventory(text, "again.yml") == inventory


def test_the_module_handover_keeps_the_map_servers() -> None:
    inventory = parse_inventory(to_yaml(_redundant()), "eids.yml")
    again = inventory_from_handover(handover_text(inventory), "eids.yml")
    assert again == inventory
    assert again.site("site-0002").map_servers == ("ms2", "ms1")


@pytest.mark.parametrize(
    ("change", "field", "words"),
    [
        (
            lambda s: s.update(map_servers=["ms1", "ms2"]),
            "sites[1].map_servers",
            "give map_server (one name) or map_servers (a list of names), not both",
        ),
        (
            lambda s: s.pop("map_server"),
            "sites[1].map_server",
            "missing required field (or map_servers, a list,",
        ),
        (
            lambda s: (s.pop("map_server"), s.update(map_servers=[])),
            "sites[1].map_servers",
            "a site needs at least one map-server",
        ),
        (
            lambda s: (s.pop("map_server"), s.update(map_servers="ms1")),
            "sites[1].map_servers",
            "expected a list",
        ),
        (
            lambda s: (s.pop("map_server"), s.update(map_servers=["ms1", "ms1"])),
            "sites[1].map_servers[1]",
            "map-server 'ms1' is listed twice (first at sites[1].map_servers[0])",
        ),
        (
            lambda s: (s.pop("map_server"), s.update(map_servers=["ms1", "ms-2"])),
            "sites[1].map_servers[1]",
            "unknown map_server 'ms-2' (did you mean 'ms2'?)",
        ),
        (
            lambda s: (s.pop("map_server"), s.update(map_servers=["ms1", None])),
            "sites[1].map_servers[1]",
            "must not be empty",
        ),
    ],
    ids=["both", "neither", "empty", "not-a-list", "twice", "unknown", "null"],
)
def test_each_mistake_is_named_by_its_field(change: Any, field: str, words: str) -> None:
    data = base()
    change(data["sites"][1])
    text = _problems(data)
    assert f"{field}: {words}" in text, text


def test_check_inventory_refuses_a_site_of_no_or_a_repeated_map_server() -> None:
    inventory = parse_inventory(to_yaml(_redundant()), "eids.yml")
    first, second = inventory.sites
    for map_servers, words in (((), "at least one map-server"), (("ms1", "ms1"), "twice")):
        broken = dataclasses.replace(second, map_servers=map_servers)
        problems = check_inventory(dataclasses.replace(inventory, sites=(first, broken)))
        assert any(p.field == "sites[1].map_servers" and words in str(p) for p in problems)
