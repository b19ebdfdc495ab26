"""The model's lookups and the Secret wrapper."""

from __future__ import annotations

import copy
import dataclasses
import ipaddress
import pickle
from pathlib import Path

import pytest

from ansible_collections.lispnet.ms_recovery.plugins.module_utils.eid_inventory import (
    EidInventory,
    Secret,
    UnknownNameError,
    check_inventory,
    load_inventory,
    parse_inventory,
)
from ansible_collections.lispnet.ms_recovery.plugins.module_utils.lisp.auth import Algorithm
from ansible_collections.lispnet.ms_recovery.plugins.module_utils.lisp.types import Eid
from ansible_collections.lispnet.ms_recovery.tests.unit.eid_inventory.eid_inventory_builders import (  # noqa: E501
    KEY,
    base,
    to_yaml,
)

EXAMPLE = Path(__file__).resolve().parents[3] / "inventory" / "eids.example.yml"


def _inventory() -> EidInventory:
    data = base()
    data["sites"][1]["map_server"] = "ms2"
    data["sites"][0]["eids"].append({"prefix": "2001:db8:1::/48", "instance_id": 100})
    data["sites"][0]["etrs"].append({"name": "site-0001-etr2", "rloc": "127.100.1.2"})
    return parse_inventory(to_yaml(data), "eids.yml")


def test_fields_are_typed() -> None:
    site = _inventory().site("site-0001")
    assert site.site_id == 1 and site.key_id == 0
    assert site.algorithm is Algorithm.HMAC_SHA_256
    assert site.key.reveal() == KEY.encode()
    assert site.etrs[0].netconf is not None and site.etrs[0].netconf.port == 8830
    assert site.etrs[1].netconf is None
    assert site.eids[1] == Eid(100, ipaddress.ip_network("2001:db8:1::/48"))
    ms1 = _inventory().map_server("ms1")
    assert ms1.lisp_address == ipaddress.ip_address("127.100.0.1")
    assert ms1.units[1].netconf.port == 830  # default


def test_lookups() -> None:
    inventory = _inventory()
    assert [s.name for s in inventory.sites_of("ms1")] == ["site-0001"]
    assert [s.name for s in inventory.sites_of("ms2")] == ["site-0002"]
    owner = inventory.eid_owner()
    assert {eid: s.name for eid, s in owner.items()} == {
        Eid.parse("10.1.0.0/24"): "site-0001",
        Eid.parse("[100]2001:db8:1::/48"): "site-0001",
        Eid.parse("10.2.0.0/24"): "site-0002",
    }
    rlocs = frozenset(map(ipaddress.ip_address, ["127.100.1.1", "127.100.1.2"]))
    assert inventory.expected("ms1") == {
        Eid.parse("10.1.0.0/24"): rlocs,
        Eid.parse("[100]2001:db8:1::/48"): rlocs,
    }
    assert inventory.counts() == {
        "map_servers": 2,
        "ms_units": 3,
        "sites": 2,
        "etrs": 3,
        "eids": 3,
        "eids_ipv4": 2,
        "eids_ipv6": 1,
    }


def test_select_sites() -> None:
    inventory = _inventory()
    assert inventory.select_sites(None) == inventory.sites
    assert [s.name for s in inventory.select_sites(["site-0002", "site-0001"])] == [
        "site-0001",
        "site-0002",
    ]
    assert [s.name for s in inventory.select_sites("site-0002")] == ["site-0002"]
    assert inventory.select_sites([]) == ()


def test_unknown_names_are_named_with_a_suggestion() -> None:
    inventory = _inventory()
    with pytest.raises(UnknownNameError) as caught:
        inventory.select_sites(["site-0001", "site-001", "nowhere"])
    message = str(caught.value)
    assert "unknown sites: 'nowhere', 'site-001' (did you mean 'site-0001'?)" in message
    assert "known: site-0001, site-0002" in message
    assert caught.value.unknown == ["nowhere", "site-001"]
    assert isinstance(caught.value, KeyError)
    for call in (
        lambda: inventory.site("x"),
        lambda: inventory.map_server("ms3"),
        lambda: inventory.sites_of("ms3"),
        lambda: inventory.expected("ms3"),
    ):
        with pytest.raises(UnknownNameError):
            call()


def test_model_is_frozen_and_hashable() -> None:
    inventory = _inventory()
    with pytest.raises(dataclasses.FrozenInstanceError):
        inventory.sites[0].name = "other"  # type: ignore[misc]
    assert len({inventory.sites[0], inventory.sites[0]}) == 1
    assert copy.deepcopy(inventory) == inventory
    assert pickle.loads(pickle.dumps(inventory)) == inventory


def test_source_is_not_part_of_equality() -> None:
    text = to_yaml(base())
    assert parse_inventory(text, "a.yml") == parse_inventory(text, "b.yml")


def test_secret_never_shows_its_value() -> None:
    secret = Secret(KEY, vault="$ANSIBLE_VAULT;1.1;AES256\n00\n")
    assert repr(secret) == str(secret) == f"{secret}" == "<secret>"
    assert KEY not in repr(_inventory())
    assert KEY not in str(_inventory().sites)
    assert secret.reveal() == KEY.encode()
    assert secret == Secret(KEY.encode()) and hash(secret) == hash(Secret(KEY))
    assert secret != Secret("other")
    assert not Secret("") and len(secret) == len(KEY)


def test_check_inventory_applies_the_rules_to_a_model_built_in_code() -> None:
    inventory = _inventory()
    assert check_inventory(inventory) == []
    first, second = inventory.sites
    clash = dataclasses.replace(
        second,
        site_id=first.site_id,
        map_servers=("ms9",),
        eids=(*second.eids, Eid.parse("10.1.0.0/25")),
        key=Secret(""),
        algorithm=Algorithm.NONE,
    )
    problems = check_inventory(dataclasses.replace(inventory, sites=(first, clash)))
    text = "\n".join(map(str, problems))
    for words in (
        "sites[1].site_id: duplicate site_id 1",
        "unknown map_server 'ms9'",
        "overlaps EID [0]10.1.0.0/24 of site 'site-0001'",
        "sites[1].key: must not be empty",
        "sites[1].algorithm: algorithm 'none' is not allowed",
    ):
        assert words in text


def test_example_file_loads() -> None:
    inventory = load_inventory(EXAMPLE)
    assert inventory.source == str(EXAMPLE)
    assert len(inventory.sites) == 2
    eids = [eid for site in inventory.sites for eid in site.eids]
    assert any(eid.prefix.version == 6 for eid in eids)
    assert any(eid.instance_id == 100 for eid in eids)
    assert check_inventory(inventory) == []
