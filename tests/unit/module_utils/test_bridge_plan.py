"""Bridge registrations: packing, what a bridge Map-Register carries, stale
safety, and when a site counts as handed back to its ETRs."""

from __future__ import annotations

import asyncio
import ipaddress
import os
from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, datetime

import pytest

from ansible_collections.lispnet.ms_recovery.lab import artifacts
from ansible_collections.lispnet.ms_recovery.lab.topology import LabSpec
from ansible_collections.lispnet.ms_recovery.plugins.module_utils.eid_inventory import (
    EidInventory,
    InventoryError,
    dump_inventory,
    parse_inventory,
)
from ansible_collections.lispnet.ms_recovery.plugins.module_utils.lisp.auth import verify
from ansible_collections.lispnet.ms_recovery.plugins.module_utils.lisp.codec import (
    MapRegisterMessage,
    decode,
)
from ansible_collections.lispnet.ms_recovery.plugins.module_utils.lisp.encode import (
    authenticated_header_length,
    record_length,
)
from ansible_collections.lispnet.ms_recovery.plugins.module_utils.lisp.types import (
    Eid,
    IPAddress,
    Rloc,
)
from ansible_collections.lispnet.ms_recovery.plugins.module_utils.model.registration import (
    Registration,
)
from ansible_collections.lispnet.ms_recovery.plugins.module_utils.recovery.bridge_plan import (
    MESSAGE_LIMIT,
    bridge_targets,
    etr_confirmed,
    pack,
    site_records,
    stale_sites,
)
from ansible_collections.lispnet.ms_recovery.plugins.module_utils.recovery.bridge_run import (
    SiteBridge,
    auto_methods,
    hand_back,
)
from ansible_collections.lispnet.ms_recovery.plugins.module_utils.recovery.notifier import (
    NotifyResult,
)

SPEC = LabSpec(sites=3, eids_per_site=300, etrs_per_site=2, subnet=203, password="x")


@pytest.fixture(scope="module")
def inventory() -> Iterator[EidInventory]:
    # A fixture, not a module global: freed after these tests, so that later
    # timing-sensitive tests do not pay for collecting it.
    yield artifacts.eid_inventory(SPEC, "test")


def test_records_pack_into_the_fewest_messages_under_the_limit(inventory: EidInventory) -> None:
    site = inventory.sites[0]
    header = authenticated_header_length(site.algorithm)
    groups = pack(site_records(site), header)
    targets = bridge_targets([site], ms(inventory))
    sizes = [len(t.build(1)) for t in targets]  # type: ignore[misc]
    assert len(groups) == len(targets) > 1
    assert all(size <= MESSAGE_LIMIT for size in sizes)
    # Fewest: no message could also have taken the next one's first record.
    for size, following in zip(sizes[:-1], groups[1:], strict=True):
        assert size + record_length(following[0]) > MESSAGE_LIMIT
    assert [r.eid for g in groups for r in g] == list(site.eids)


def test_a_bridge_register_is_authenticated_without_xtr_id_and_wants_a_notify(
    inventory: EidInventory,
) -> None:
    site = inventory.sites[1]
    target = bridge_targets([site], ms(inventory))[0]
    raw = target.build(77)  # type: ignore[misc]
    message = decode(raw)
    assert isinstance(message, MapRegisterMessage)
    assert verify(raw, site.key.reveal(), site.algorithm)
    assert message.want_map_notify and message.xtr_id is None and message.nonce == 77
    assert not message.ttl_timeout  # the Map-Server's default timeout applies
    assert {r.address for r in message.records[0].rlocs} == site.rlocs
    withdraw = decode(bridge_targets([site], ms(inventory), withdraw=True)[0].build(78))  # type: ignore[misc]
    assert isinstance(withdraw, MapRegisterMessage)
    # RFC 9301 5.6: the T bit has the MS time the registration out by the TTL, 0.
    assert {r.ttl for r in withdraw.records} == {0} and withdraw.ttl_timeout


def test_stale_sites_from_drift_and_inventory_age(
    inventory: EidInventory, tmp_path: object
) -> None:
    sites = inventory.sites
    drift = {"sites_removed": [sites[0].name], "rlocs": {sites[1].name: {}}, "eids": {}}
    reasons = stale_sites(sites, drift, None, None)
    assert set(reasons) == {sites[0].name, sites[1].name}
    assert "rlocs drifted" in reasons[sites[1].name]
    path = os.path.join(str(tmp_path), "eids.yml")
    with open(path, "w", encoding="utf-8") as handle:
        handle.write("x")
    mtime = os.stat(path).st_mtime
    assert stale_sites(sites, None, path, 60.0, now=mtime + 30) == {}
    old = stale_sites(sites, None, path, 60.0, now=mtime + 61)
    assert set(old) == {s.name for s in sites} and "old" in old[sites[2].name]


def ms(inventory: EidInventory) -> IPAddress:
    return inventory.map_servers[0].lisp_address


BRIDGE = ipaddress.ip_address("127.0.0.1")
# The bridge as a read that tells the source names it (IOS-XE, the lispnet
# augment): it sends no xTR-ID.
BRIDGE_REGISTRANTS = frozenset({(BRIDGE, 5555)})


def _brief(
    eid: Eid, rlocs: frozenset[IPAddress], registrant: bytes | IPAddress | None
) -> Registration:
    """A brief read's value: by an xTR-ID, by source (port 5555), or (None)
    by no registrant the read tells."""
    locators = tuple(Rloc(address) for address in sorted(rlocs))
    if isinstance(registrant, bytes):
        return Registration(eid, "s", locators, datetime.now(UTC), xtr_id=registrant)
    if registrant is None:
        return Registration(eid, "s", locators, datetime.now(UTC))
    return Registration(eid, "s", locators, datetime.now(UTC), source=registrant, source_port=5555)


def test_hand_back_waits_for_every_etr_rloc_not_the_bridge(inventory: EidInventory) -> None:
    site = inventory.sites[0]
    first, second = sorted(site.rlocs)
    bridge = BRIDGE_REGISTRANTS
    records = [_brief(eid, frozenset(site.rlocs), BRIDGE) for eid in site.eids]
    assert etr_confirmed([site], records, bridge).waiting == (site.name,)
    records += [_brief(eid, frozenset({first}), b"\xaa" * 16) for eid in site.eids]
    assert etr_confirmed([site], records, bridge).waiting == (site.name,)
    records += [_brief(eid, frozenset({second}), b"\xbb" * 16) for eid in site.eids]
    assert etr_confirmed([site], records, bridge).confirmed == (site.name,)


def test_a_bridge_carries_the_stored_proxy_reply_priority_and_weight() -> None:
    text = """
map_servers:
  - {name: ms1, lisp_address: 127.1.0.1, units: [{name: a, netconf: {host: 127.1.0.2}}]}
sites:
  - name: s1
    site_id: 1
    map_server: ms1
    key_id: 0
    algorithm: hmac-sha-256
    key: k
    proxy_reply: true
    etrs: [{name: e1, rloc: 127.1.1.1, priority: 2, weight: 30}]
    eids: [{prefix: 10.1.0.0/24}]
"""
    inventory = parse_inventory(text, "eids.yml")
    assert parse_inventory(dump_inventory(inventory, keys="plain"), "again") == inventory
    site = inventory.sites[0]
    message = decode(bridge_targets([site], ms(inventory))[0].build(5))  # type: ignore[misc]
    assert isinstance(message, MapRegisterMessage) and message.proxy_reply
    (rloc,) = message.records[0].rlocs
    assert (rloc.priority, rloc.weight, rloc.local) == (2, 30, False)
    bad = text.replace("proxy_reply: true", "proxy_reply: maybe").replace(
        "weight: 30", "weight: 300"
    )
    with pytest.raises(InventoryError) as error:
        parse_inventory(bad, "eids.yml")
    fields = {p.field for p in error.value.problems}
    assert fields == {"sites[0].proxy_reply", "sites[0].etrs[0].weight"}


def test_auto_bridges_standard_etrs_and_notifies_the_rest_by_what_the_ms_offers() -> None:
    spec = LabSpec(sites=4, etrs_per_site=1, subnet=203, password="x", etr_behaviour="notify")
    sites = artifacts.eid_inventory(spec, "test").sites
    notify = sites[0]
    standard = replace(
        sites[1], etrs=tuple(replace(e, supports=frozenset()) for e in sites[1].etrs)
    )
    assert auto_methods([notify, standard], netconf=True, ms_native=True) == {
        notify.name: "ms",
        standard.name: "register",
    }
    # A standard (IETF-only or IOS-XE) Map-Server cannot notify ETRs itself: the
    # controller does, never the MS-native RPC the server would refuse.
    assert auto_methods([notify, standard], netconf=True, ms_native=False) == {
        notify.name: "lisp",
        standard.name: "register",
    }
    # Reached over LISP only: a bridge, which the MS itself confirms, for every site.
    assert set(auto_methods([notify, standard], netconf=False, ms_native=False).values()) == {
        "register"
    }


def test_no_hand_back_when_the_bridge_is_not_seen_under_its_own_key(
    inventory: EidInventory,
) -> None:
    """A server that keys the bridge otherwise than predicted (or names no
    registrant at all) must not have the bridge taken for the ETRs' own."""
    site = inventory.sites[0]
    bridge = BRIDGE_REGISTRANTS
    # The bridge's record under a key the server chose: it looks like an ETR's.
    records = [_brief(eid, frozenset(site.rlocs), b"\xcc" * 16) for eid in site.eids]
    assert etr_confirmed([site], records, bridge).waiting == (site.name,)
    # Registrants unnamed (a merged brief, as IOS-XE's): nothing can be told apart.
    unnamed = [_brief(eid, frozenset(site.rlocs), None) for eid in site.eids]
    assert etr_confirmed([site], unnamed, bridge).waiting == (site.name,)
    # Once the bridge shows under its own key beside them, the ETRs' count.
    records += [_brief(eid, frozenset(site.rlocs), BRIDGE) for eid in site.eids]
    assert etr_confirmed([site], records, bridge).confirmed == (site.name,)


class _Sender:
    """What hand_back asks of the bridge's sender when nothing is handed back."""

    registrants = BRIDGE_REGISTRANTS


def test_hand_back_gives_up_at_once_when_the_ms_never_shows_the_bridge_key(
    inventory: EidInventory,
) -> None:
    site = inventory.sites[0]
    bridge = SiteBridge(site, [NotifyResult(site.name, "bridge", "127.0.0.1", acked=True)])
    reads: list[int] = []

    def read_briefs() -> list[Registration]:
        reads.append(1)
        return [_brief(eid, frozenset(site.rlocs), None) for eid in site.eids]

    ticks = iter(range(0, 10_000, 25))  # each reading of the clock: 25 s later
    asyncio.run(
        hand_back(_Sender(), {site.name: bridge}, read_briefs, 60.0, clock=lambda: next(ticks))  # type: ignore[arg-type]
    )
    assert reads == [1]
    assert bridge.etr_confirmed_at is None and bridge.withdrawn_at is None
