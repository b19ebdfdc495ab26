"""Warnings about weak site keys: short, shared, HMAC-SHA-1; never the key itself."""

from __future__ import annotations

from typing import Any

from ansible_collections.lispnet.ms_recovery.plugins.module_utils.eid_inventory import (
    EidInventory,
    parse_inventory,
)
from ansible_collections.lispnet.ms_recovery.plugins.module_utils.eid_inventory.key_advice import (
    key_warnings,
)
from ansible_collections.lispnet.ms_recovery.tests.unit.eid_inventory.eid_inventory_builders import (  # noqa: E501
    base,
    site,
    to_yaml,
)


def inventory_of(*sites: dict[str, Any]) -> EidInventory:
    data = base()
    data["sites"] = list(sites)
    return parse_inventory(to_yaml(data), "eids.yml")


def numbered(n: int, **extra: Any) -> dict[str, Any]:
    return site(f"s{n}", n, f"10.{n}.0.0/24", f"127.100.{n}.1", **extra)


def test_good_keys_give_no_warning() -> None:
    assert key_warnings(inventory_of(numbered(1, key="k" * 16), numbered(2, key="j" * 16))) == []


def test_short_shared_and_sha1_keys_are_named_by_site() -> None:
    inventory = inventory_of(
        numbered(1, key="tiny-key"),
        numbered(2, key="shared-key-0123456789"),
        numbered(3, key="shared-key-0123456789"),
        numbered(4, key="a-long-enough-key-4", algorithm="hmac-sha-1"),
    )
    warnings = key_warnings(inventory)
    assert len(warnings) == 3, warnings
    short, shared, sha1 = warnings
    assert short.startswith("eids.yml: 1 site key(s) shorter than 16 bytes (s1)")
    assert "sites s2, s3 share one key" in shared
    assert "HMAC-SHA-1 (s4)" in sha1
    for text in warnings:
        for s in inventory.sites:
            assert s.key.reveal().decode() not in text


def test_many_sites_make_short_warnings() -> None:
    inventory = inventory_of(*(numbered(n, key="same-key") for n in range(1, 50)))
    warnings = key_warnings(inventory)
    assert len(warnings) == 2
    assert "49 site key(s)" in warnings[0] and "and 44 more" in warnings[0]
    assert "and 44 more share one key" in warnings[1]
