"""The virtual MS keeps registrations per registrant: a controller's bridge
never replaces an ETR's registration, and a record with TTL 0 in a
Map-Register with the T bit (RFC 9301 section 5.6) withdraws only its sender's
own; without the T bit the Map-Server's default timeout applies and TTL 0
withdraws nothing."""

from __future__ import annotations

import ipaddress

from ansible_collections.lispnet.ms_recovery.lab import artifacts
from ansible_collections.lispnet.ms_recovery.lab.topology import LabSpec
from ansible_collections.lispnet.ms_recovery.plugins.module_utils.lisp.codec import (
    MapNotifyMessage,
    decode,
    encode_map_register,
)
from ansible_collections.lispnet.ms_recovery.plugins.module_utils.recovery.bridge_plan import (
    WITHDRAW_TTL,
    bridge_targets,
    site_records,
)
from ansible_collections.lispnet.ms_recovery.tests.unit.lab.hostile_world import (
    CONTROLLER,
    make_world,
)


def test_the_virtual_ms_keeps_a_bridge_beside_an_etr_and_withdraws_only_it() -> None:
    world = make_world(sites=2)
    world.register_all()
    before = {(r.eid, r.xtr_id): (r.rlocs, r.last_registered) for r in world.ms.table.all_records()}
    inventory = artifacts.eid_inventory(
        LabSpec(sites=2, subnet=201, seed="hostile-world", password="unused"), "t"
    )
    site = inventory.sites[0]
    ms = ipaddress.ip_address(world.ms_address[0])
    for withdraw in (False, True):
        world.ms_sent.clear()
        raw = bridge_targets([site], ms, withdraw=withdraw)[0].build(1000 + withdraw)  # type: ignore[misc]
        world.ms.on_datagram(raw, CONTROLLER)
        notify = decode(world.ms_sent[-1][0])
        assert isinstance(notify, MapNotifyMessage) and notify.nonce == 1000 + withdraw
        records = world.ms.table.all_records()
        bridged = [r for r in records if r.xtr_id is None]
        assert len(bridged) == (0 if withdraw else len(site.eids))
        # The ETRs' own registrations are untouched either way.
        etrs = {(r.eid, r.xtr_id): (r.rlocs, r.last_registered) for r in records if r.xtr_id}
        assert etrs == before
    assert world.ms.counters["registrations-withdrawn"] == len(site.eids)


def test_ttl_zero_without_the_t_bit_withdraws_nothing() -> None:
    world = make_world(sites=2)
    inventory = artifacts.eid_inventory(
        LabSpec(sites=2, subnet=201, seed="hostile-world", password="unused"), "t"
    )
    site = inventory.sites[0]
    ms = ipaddress.ip_address(world.ms_address[0])
    world.ms.on_datagram(bridge_targets([site], ms)[0].build(2000), CONTROLLER)  # type: ignore[misc]
    no_t_bit = encode_map_register(
        site_records(site, ttl=WITHDRAW_TTL),
        key=site.key.reveal(),
        key_id=site.key_id,
        algorithm=site.algorithm,
        nonce=2001,
    )
    world.ms.on_datagram(no_t_bit, CONTROLLER)
    bridged = [r for r in world.ms.table.all_records() if r.xtr_id is None]
    assert {r.eid for r in bridged} == set(site.eids)
    assert world.ms.counters["registrations-withdrawn"] == 0
