# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The hand-back as a step of its own: an earlier reregister result is followed
until each bridged site shows its own ETRs' registration, and returned with
etr_confirmed filled in; sites already confirmed or not bridged are left as they were."""

from __future__ import annotations

import ipaddress
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import pytest

from ansible_collections.lispnet.ms_recovery.lab import artifacts
from ansible_collections.lispnet.ms_recovery.lab.topology import LabSpec
from ansible_collections.lispnet.ms_recovery.plugins.module_utils.eid_inventory import (
    EidInventory,
)
from ansible_collections.lispnet.ms_recovery.plugins.module_utils.lisp.types import Rloc
from ansible_collections.lispnet.ms_recovery.plugins.module_utils.model.registration import (
    Registration,
)
from ansible_collections.lispnet.ms_recovery.plugins.module_utils.recovery.bridge_handback import (
    HandbackError,
    parse_source,
    run_handback,
    waiting_bridges,
)

SPEC = LabSpec(sites=3, eids_per_site=2, subnet=204, password="x")
BRIDGE_SOURCE = "127.0.0.1:40001"
BRIDGED = "2026-12-04T05:00:01+00:00"
# The bridge, known to the MS by its source address and port (no xTR-ID).
BRIDGE = (ipaddress.ip_address("127.0.0.1"), 40001)
ETR_XTR_ID = bytes(range(16))


@pytest.fixture(scope="module")
def inventory() -> Iterator[EidInventory]:
    yield artifacts.eid_inventory(SPEC, "t")


def earlier(inventory: EidInventory) -> dict[str, Any]:
    a, b, c = (site.name for site in inventory.sites)
    return {
        "map_server": inventory.map_servers[0].name,
        "sources": [BRIDGE_SOURCE],
        "sites": [
            {"site": a, "method": "register", "bridged": BRIDGED, "etr_confirmed": None,
             "bridge_withdrawn": None, "etrs": [{"etr": "map-register 1/1", "acked": True}]},
            {"site": b, "method": "ms", "etr_confirmed": None},
            {"site": c, "method": "register", "bridged": None, "etr_confirmed": None},
        ],
    }  # fmt: skip


def briefs(inventory: EidInventory, who: bytes | tuple[object, int]) -> list[Registration]:
    now = datetime.now(UTC)
    xtr_id, source, port = (who, None, 0) if isinstance(who, bytes) else (None, *who)
    return [
        Registration(
            eid,
            site.name,
            tuple(Rloc(rloc) for rloc in site.rlocs),
            now,
            xtr_id=xtr_id,
            source=source,  # type: ignore[arg-type]
            source_port=port,
        )
        for site in inventory.sites
        for eid in site.eids
    ]


def test_only_bridged_sites_not_yet_confirmed_are_followed(inventory: EidInventory) -> None:
    assert list(waiting_bridges(inventory, earlier(inventory))) == [inventory.sites[0].name]


def test_the_bridge_alone_does_not_confirm_the_site(inventory: EidInventory) -> None:
    result = run_handback(
        inventory,
        earlier(inventory),
        lambda: briefs(inventory, BRIDGE),
        timeout=0.0,
        withdraw=False,
    )
    assert result["handback"]["waiting"] == [inventory.sites[0].name]
    assert result["sites"][0]["etr_confirmed"] is None


def test_the_etrs_own_registration_confirms_it(inventory: EidInventory) -> None:
    previous = earlier(inventory)
    result = run_handback(
        inventory,
        previous,
        # The MS shows the bridge and, beside it, the ETR's own registration.
        lambda: briefs(inventory, BRIDGE) + briefs(inventory, ETR_XTR_ID),
        timeout=5.0,
        withdraw=False,
    )
    first = result["sites"][0]
    assert first["etr_confirmed"] and first["etr_confirmed"] >= BRIDGED
    assert first["bridge_withdrawn"] is None  # not asked to withdraw
    assert result["handback"] == {
        "followed": 1, "confirmed": 1, "withdrawn": 0, "waiting": [], "withdraw_error": None,
        "not_followed": None,
    }  # fmt: skip
    assert result["sites"][1:] == previous["sites"][1:]
    assert previous["sites"][0]["etr_confirmed"] is None  # the input is not changed


def test_a_result_without_a_bridge_source_is_refused(inventory: EidInventory) -> None:
    previous = {**earlier(inventory), "sources": []}
    with pytest.raises(HandbackError, match="no bridge source"):
        run_handback(inventory, previous, lambda: [], timeout=0.0, withdraw=False)


@pytest.mark.parametrize(
    ("text", "expected"),
    [("127.0.0.1:4000", ("127.0.0.1", 4000)), ("[::1]:4001", ("::1", 4001))],
)
def test_parse_source(text: str, expected: tuple[str, int]) -> None:
    assert parse_source(text) == expected


@pytest.mark.parametrize("text", ["127.0.0.1", ":4000", "127.0.0.1:x"])
def test_parse_source_refuses(text: str) -> None:
    with pytest.raises(HandbackError):
        parse_source(text)


def test_a_table_that_never_shows_the_bridge_says_why_it_is_not_followed(
    inventory: EidInventory,
) -> None:
    """A standard IETF server keys the bridge by an xTR-ID of its own and
    tells no source: the bridge cannot be told from an ETR's registration."""
    result = run_handback(
        inventory,
        earlier(inventory),
        lambda: briefs(inventory, ETR_XTR_ID),
        timeout=60.0,
        withdraw=False,
    )
    assert result["handback"]["waiting"] == [inventory.sites[0].name]
    assert "no registration source" in result["handback"]["not_followed"]
    assert result["sites"][0]["etr_confirmed"] is None
