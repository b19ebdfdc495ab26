"""Bridge registrations: packing, stale safety, hand-back, and the virtual MS's
per-registrant table (a bridge never replaces an ETR's registration; a record
with TTL 0 withdraws only its sender's)."""

from __future__ import annotations

import ipaddress
import os
from datetime import UTC, datetime

from ansible_collections.lispnet.ms_recovery.lab import artifacts
from ansible_collections.lispnet.ms_recovery.lab.topology import LabSpec
from ansible_collections.lispnet.ms_recovery.plugins.module_utils.lisp.auth import verify
from ansible_collections.lispnet.ms_recovery.plugins.module_utils.lisp.codec import (
    MapNotifyMessage,
    MapRegisterMessage,
    decode,
)
from ansible_collections.lispnet.ms_recovery.plugins.module_utils.lisp.encode import (
    authenticated_header_length,
    record_length,
)
from ansible_collections.lispnet.ms_recovery.plugins.module_utils.lisp.types import Eid
from ansible_collections.lispnet.ms_recovery.plugins.module_utils.model.ms import (
    RegistrationBrief,
)
from ansible_collections.lispnet.ms_recovery.plugins.module_utils.recovery.bridge_plan import (
    MESSAGE_LIMIT,
    bridge_targets,
    etr_confirmed,
    pack,
    site_records,
    stale_sites,
)
from ansible_collections.lispnet.ms_recovery.tests.unit.lab.hostile_world import (
    CONTROLLER,
    make_world,
)

SPEC = LabSpec(sites=3, eids_per_site=300, etrs_per_site=2, subnet=203, password="x")
INVENTORY = artifacts.eid_inventory(SPEC, "test")
MS = INVENTORY.map_servers[0].lisp_address


def test_records_pack_into_the_fewest_messages_under_the_limit() -> None:
    site = INVENTORY.sites[0]
    header = authenticated_header_length(site.algorithm)
    groups = pack(site_records(site), header)
    targets = bridge_targets([site], MS)
    sizes = [len(t.build(1)) for t in targets]  # type: ignore[misc]
    assert len(groups) == len(targets) > 1
    assert all(size <= MESSAGE_LIMIT for size in sizes)
    # Fewest: no message could also have taken the next one's first record.
    for size, following in zip(sizes[:-1], groups[1:], strict=True):
        assert size + record_length(following[0]) > MESSAGE_LIMIT
    assert [r.eid for g in groups for r in g] == list(site.eids)


def test_a_bridge_register_is_authenticated_without_xtr_id_and_wants_a_notify() -> None:
    site = INVENTORY.sites[1]
    target = bridge_targets([site], MS)[0]
    raw = target.build(77)  # type: ignore[misc]
    message = decode(raw)
    assert isinstance(message, MapRegisterMessage)
    assert verify(raw, site.key.reveal(), site.algorithm)
    assert message.want_map_notify and message.xtr_id is None and message.nonce == 77
    assert {r.address for r in message.records[0].rlocs} == site.rlocs
    withdraw = decode(bridge_targets([site], MS, withdraw=True)[0].build(78))  # type: ignore[misc]
    assert isinstance(withdraw, MapRegisterMessage)
    assert {r.ttl for r in withdraw.records} == {0}


def test_stale_sites_from_drift_and_inventory_age(tmp_path: object) -> None:
    sites = INVENTORY.sites
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


def _brief(eid: Eid, rlocs: frozenset[object], registrant: str) -> RegistrationBrief:
    return RegistrationBrief(eid, "s", rlocs, datetime.now(UTC), registrant)  # type: ignore[arg-type]


def test_hand_back_waits_for_every_etr_rloc_not_the_bridge() -> None:
    site = INVENTORY.sites[0]
    first, second = sorted(site.rlocs)
    bridge = "src-127.0.0.1:5555"
    records = [_brief(eid, frozenset(site.rlocs), bridge) for eid in site.eids]
    assert etr_confirmed([site], records, bridge).waiting == (site.name,)
    records += [_brief(eid, frozenset({first}), "aa" * 16) for eid in site.eids]
    assert etr_confirmed([site], records, bridge).waiting == (site.name,)
    records += [_brief(eid, frozenset({second}), "bb" * 16) for eid in site.eids]
    assert etr_confirmed([site], records, bridge).confirmed == (site.name,)


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
