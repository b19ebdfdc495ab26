"""The inventory an action plugin hands to its module: the same model back,
from JSON, and one clear error (never a key) for anything else."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest
from hypothesis import given, settings

from ansible_collections.lispnet.ms_recovery.plugins.module_utils.eid_inventory import (
    EidInventory,
    InventoryError,
    dump_inventory,
    inventory_to_dict,
    parse_inventory,
)
from ansible_collections.lispnet.ms_recovery.plugins.module_utils.eid_inventory.handover import (
    handover_text,
    inventory_from_handover,
    map_servers_from_handover,
)
from ansible_collections.lispnet.ms_recovery.tests.unit.eid_inventory.eid_inventory_builders import (  # noqa: E501
    KEY,
    base,
    fake_decrypt,
    fake_vault,
    rich,
    to_yaml,
    varied_inventories,
    vault_block,
)


def _rich() -> EidInventory:
    return parse_inventory(to_yaml(rich()), "eids.yml")


def _canonical(inventory: EidInventory) -> EidInventory:
    # The handover is in dump_inventory's (sorted) order, as the YAML one was.
    return parse_inventory(dump_inventory(inventory, keys="plain"), "eids.yml")


def test_the_module_gets_the_validated_inventory_back() -> None:
    inventory = _rich()
    again = inventory_from_handover(handover_text(inventory), "/srv/eids.yml")
    assert again == _canonical(inventory)
    assert again.source == "/srv/eids.yml"
    assert again.expected("ms1") == inventory.expected("ms1")
    site = again.site("site-0002")
    assert site.etrs[0].name == "a-etr" and site.etrs[0].netconf is None
    assert again.map_server("ms1").units[1].netconf.port == 830


def test_vaulted_keys_arrive_in_clear_without_their_ciphertext() -> None:
    text = to_yaml(base()).replace(
        f"  key: {KEY}\n", "  key: " + vault_block(fake_vault("vaulted-key"), 4), 1
    )
    inventory = parse_inventory(text, "eids.yml", fake_decrypt)
    again = inventory_from_handover(handover_text(inventory), "eids.yml")
    assert again.site("site-0001").key.reveal() == b"vaulted-key"
    assert again.site("site-0001").key.vault is None  # the module cannot decrypt anyway


@pytest.mark.parametrize(
    "text",
    [
        to_yaml(base()),  # the file itself, or an older collection's YAML handover
        json.dumps({"format": 99, "inventory": base()}),
        json.dumps({"format": 1}),
        json.dumps([1, 2]),
        "",
    ],
    ids=["yaml", "future-format", "no-inventory", "not-an-object", "empty"],
)
def test_anything_else_is_refused_naming_the_file(text: str) -> None:
    with pytest.raises(InventoryError, match=r"^eids\.yml: the inventory handed to the module"):
        inventory_from_handover(text, "eids.yml")


def _missing_eids(site: dict[str, Any]) -> None:
    del site["eids"]


def _key_as_rloc(site: dict[str, Any]) -> None:
    site["etrs"][0]["rloc"] = KEY  # ipaddress would quote it in its error


def _key_as_prefix(site: dict[str, Any]) -> None:
    site["eids"][0]["prefix"] = KEY


def _key_as_algorithm(site: dict[str, Any]) -> None:
    site["algorithm"] = KEY  # algorithm_from_name would quote it


def _no_rloc(site: dict[str, Any]) -> None:
    site["etrs"][0]["rloc"] = None


@pytest.mark.parametrize(
    "damage", [_missing_eids, _key_as_rloc, _key_as_prefix, _key_as_algorithm, _no_rloc]
)
def test_a_damaged_handover_never_quotes_a_value(damage: Callable[[dict[str, Any]], None]) -> None:
    data = json.loads(handover_text(_rich()))
    damage(data["inventory"]["sites"][1])
    with pytest.raises(InventoryError, match=r"^eids\.yml: the inventory handed") as raised:
        inventory_from_handover(json.dumps(data), "eids.yml")
    assert KEY not in str(raised.value)


@settings(max_examples=60, deadline=None)
@given(text=varied_inventories())
def test_handover_round_trip_property(text: str) -> None:
    inventory = parse_inventory(text, "eids.yml")
    assert inventory_from_handover(handover_text(inventory), "eids.yml") == _canonical(inventory)


def test_handover_written_site_by_site_is_the_json_of_the_whole_dict() -> None:
    inventory = _rich()
    whole = {"format": 1, "inventory": inventory_to_dict(inventory, keys="plain")}
    assert handover_text(inventory) == json.dumps(whole, separators=(",", ":"))


def _counted(inventory: EidInventory) -> dict[str, int]:
    return {ms.name: len(inventory.expected(ms.name)) for ms in inventory.map_servers}


@settings(max_examples=60, deadline=None)
@given(text=varied_inventories())
def test_ms_state_gets_the_map_servers_and_their_whole_tables_counted(text: str) -> None:
    inventory = parse_inventory(text, "eids.yml")
    outline, counts = map_servers_from_handover(handover_text(inventory), "eids.yml")
    assert outline.map_servers == _canonical(inventory).map_servers
    assert outline.sites == () and outline.source == "eids.yml"
    assert counts == _counted(inventory)


def test_a_site_on_two_map_servers_counts_on_both() -> None:
    data = rich()
    del data["sites"][1]["map_server"]
    data["sites"][1]["map_servers"] = ["ms2", "ms1"]
    inventory = parse_inventory(to_yaml(data), "eids.yml")
    _servers, counts = map_servers_from_handover(handover_text(inventory), "eids.yml")
    assert counts == {"ms1": 5, "ms2": 1} == _counted(inventory)


def _no_map_server(site: dict[str, Any]) -> None:
    del site["map_server"]


@pytest.mark.parametrize("damage", [_missing_eids, _no_map_server])
def test_a_damaged_handover_fails_the_count_too(damage: Callable[[dict[str, Any]], None]) -> None:
    data = json.loads(handover_text(_rich()))
    damage(data["inventory"]["sites"][1])
    with pytest.raises(InventoryError, match=r"^eids\.yml: the inventory handed") as raised:
        map_servers_from_handover(json.dumps(data), "eids.yml")
    assert KEY not in str(raised.value)
