"""Writing an inventory back: round trips, stable order, key handling."""

from __future__ import annotations

import dataclasses

import pytest
import yaml
from hypothesis import given, settings

from ansible_collections.lispnet.ms_recovery.plugins.module_utils.eid_inventory import (
    EidInventory,
    InventoryError,
    dump_inventory,
    inventory_to_dict,
    parse_inventory,
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


def test_dump_load_dump_is_a_fixed_point() -> None:
    inventory = _rich()
    first = dump_inventory(inventory, keys="plain")
    again = parse_inventory(first, "snapshot.yml")
    assert dump_inventory(again, keys="plain") == first
    # Same content; only the order of entries became the canonical (sorted) one.
    assert {e: s.name for e, s in again.eid_owner().items()} == {
        e: s.name for e, s in inventory.eid_owner().items()
    }
    assert again.expected("ms1") == inventory.expected("ms1")
    assert [again.site(s.name).key for s in inventory.sites] == [s.key for s in inventory.sites]
    # Once canonical, equality survives the round trip too.
    assert parse_inventory(dump_inventory(again, keys="plain"), "s2.yml") == again


def test_order_of_construction_does_not_change_the_text() -> None:
    inventory = _rich()
    shuffled = dataclasses.replace(
        inventory,
        map_servers=tuple(reversed(inventory.map_servers)),
        sites=tuple(
            dataclasses.replace(s, eids=tuple(reversed(s.eids)), etrs=tuple(reversed(s.etrs)))
            for s in reversed(inventory.sites)
        ),
    )
    assert dump_inventory(shuffled, keys="plain") == dump_inventory(inventory, keys="plain")


def test_dict_form() -> None:
    data = inventory_to_dict(_rich(), keys="omit")
    assert [s["name"] for s in data["sites"]] == ["site-0001", "site-0002"]
    first = data["sites"][0]
    assert list(first) == [
        "name",
        "site_id",
        "map_server",
        "key_id",
        "algorithm",
        "etrs",
        "eids",
    ]
    assert first["eids"][0] == {"prefix": "10.1.0.0/24", "instance_id": 0}
    assert first["eids"][-1] == {"prefix": "10.1.0.0/24", "instance_id": 100}
    assert data["sites"][1]["etrs"][0] == {"name": "a-etr", "rloc": "::ffff:7f00:9"}


def test_omit_leaves_keys_out() -> None:
    text = dump_inventory(_rich(), keys="omit")
    assert KEY not in text and "key:" not in text.replace("key_id:", "")


def test_keep_vault_writes_the_ciphertext_back() -> None:
    text = to_yaml(base())
    text = text.replace(f"  key: {KEY}\n", "  key: " + vault_block(fake_vault("one"), 4), 1)
    text = text.replace(f"  key: {KEY}\n", "  key: " + vault_block(fake_vault("two"), 4), 1)
    inventory = parse_inventory(text, "eids.yml", fake_decrypt)
    kept = dump_inventory(inventory, keys="keep-vault")
    assert "key: !vault |" in kept and "one" not in kept
    assert parse_inventory(kept, "snapshot.yml", fake_decrypt) == inventory
    assert dump_inventory(parse_inventory(kept, "s.yml", fake_decrypt), keys="keep-vault") == kept
    # The plain form of the same inventory still loads without any vault secret.
    assert parse_inventory(dump_inventory(inventory, keys="plain"), "p.yml") == inventory


def test_keep_vault_refuses_a_key_that_was_never_vaulted() -> None:
    with pytest.raises(ValueError, match=r"site-0001.*not read from a vault value"):
        dump_inventory(_rich(), keys="keep-vault")


def test_unknown_key_mode() -> None:
    with pytest.raises(ValueError, match="keys must be one of plain, omit, keep-vault"):
        dump_inventory(_rich(), keys="clear")  # type: ignore[arg-type]


def test_omitted_keys_do_not_load_back() -> None:
    with pytest.raises(InventoryError, match=r"sites\[0\]\.key: missing required field"):
        parse_inventory(dump_inventory(_rich(), keys="omit"), "o.yml")


# Keys that YAML would turn into something else if written unquoted.
_AWKWARD = [
    "0123",
    "yes",
    "null",
    "~",
    "1:20",
    " padded ",
    "#hash",
    "a: b",
    "'quote\"",
    "ключ",
    "-",
]


@pytest.mark.parametrize("key", _AWKWARD)
def test_awkward_keys_survive(key: str) -> None:
    data = base()
    data["sites"][0]["key"] = key
    inventory = parse_inventory(yaml.safe_dump(data), "eids.yml")
    assert inventory.sites[0].key.reveal() == key.encode()
    text = dump_inventory(inventory, keys="plain")
    assert parse_inventory(text, "s.yml").sites[0].key.reveal() == key.encode()


@settings(max_examples=60, deadline=None)
@given(text=varied_inventories())
def test_round_trip_property(text: str) -> None:
    inventory = parse_inventory(text, "eids.yml")
    dumped = dump_inventory(inventory, keys="plain")
    again = parse_inventory(dumped, "s.yml")
    assert again == inventory
    assert dump_inventory(again, keys="plain") == dumped
