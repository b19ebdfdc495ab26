"""The virtual Map-Server under a storm of hostile datagrams on UDP 4342.

100,000 mutated, truncated, extended and spliced copies of valid messages of
every type, plus scapy-fuzzed ones, go straight into the receive handler. None
may raise, none may change the registration table or the stored site data, and
the drops must show in the counters; afterwards the MS must still accept a
genuine registration and complete a genuine recovery.
"""

from __future__ import annotations

import asyncio
import copy
from collections import Counter

from hypothesis import HealthCheck, given, settings

from ansible_collections.lispnet.ms_recovery.lab.ms_store import MsStore
from ansible_collections.lispnet.ms_recovery.plugins.module_utils.lisp.codec import (
    MapNotifyMessage,
    decode,
)
from ansible_collections.lispnet.ms_recovery.tests.unit.lab.hostile_world import (
    ATTACKER,
    World,
    hostile_bytes,
    make_world,
    mutants,
    scapy_fuzzed,
    valid_corpus,
)

STORM = 100_000


def stored_state(store: MsStore) -> object:
    """Everything on the MS's 'disk', as comparable values."""
    sites = {
        name: (
            s.site_id,
            s.key_id,
            s.algorithm,
            store.keys[name],
            s.eids,
            [(e.name, e.rloc) for e in s.etrs],
        )
        for name, s in store.sites.items()
    }
    return sites, dict(store.eid_owner), dict(store.last_nonce)


def sent_types(world: World) -> set[int]:
    return {data[0] >> 4 for data, _unused in world.ms_sent}


def test_the_map_server_survives_100k_hostile_datagrams() -> None:
    world = make_world()
    corpus = valid_corpus(world)
    table, stored = world.registrations(), copy.deepcopy(stored_state(world.ms.store))
    before = Counter(world.ms.counters)
    assert len(table) == 2 * len(world.etrs)

    storm = [*mutants(corpus, STORM, seed=4342), *scapy_fuzzed(corpus, 2_000, seed=4342)]
    for data in storm:
        world.ms.on_datagram(data, ATTACKER)  # anything raised fails the test

    assert world.registrations() == table
    assert stored_state(world.ms.store) == stored
    after = world.ms.counters
    assert after["map-registers-accepted"] == before["map-registers-accepted"]
    for dropped in ("malformed", "auth-failures", "replays", "unknown-site", "unexpected-acks"):
        assert after[dropped] > before[dropped], dropped
    # Nothing hostile got a Map-Notify (register-ack) out of the MS; Map-Requests
    # are unauthenticated by design and get their (Map-Reply / forwarded) answers.
    assert 4 not in sent_types(world)

    # Still a working Map-Server: a genuine, fresh registration is accepted and acked.
    world.ms_sent.clear()
    etr = world.etrs[0]
    acks = etr.counters["register-acks"]
    world.register_all()
    assert world.ms.counters["map-registers-accepted"] == before["map-registers-accepted"] + len(
        world.etrs
    )
    assert etr.counters["register-acks"] == acks + 1


def test_a_recovery_in_progress_survives_hostile_acks() -> None:
    """Forged, mutated and stray Map-Notify-Acks never complete a notification;
    the genuine acks, arriving after the storm, complete every one."""
    world = make_world()
    corpus = valid_corpus(world)

    async def scenario() -> None:
        job = asyncio.ensure_future(world.ms.send_reregistration(None))
        for _unused in range(100):
            if len(world.ms_sent) >= len(world.etrs):
                break
            await asyncio.sleep(0)
        notifications = [(d, a) for d, a in world.ms_sent if d[0] >> 4 == 4]
        assert len(notifications) == len(world.etrs)
        world.ms_sent.clear()
        genuine = []
        by_rloc = {str(e.config.rloc): e for e in world.etrs}
        for data, addr in notifications:
            etr = by_rloc[addr[0]]
            sent = world.etr_sent[etr.config.name]
            before = len(sent)
            etr.on_datagram(data, world.ms_address)
            genuine += [
                (d, world.etr_address(world.etrs.index(etr))) for d, _unused in sent[before:]
            ]
        acks = [(d, a) for d, a in genuine if d[0] >> 4 == 5]
        assert len(acks) == len(world.etrs)
        genuine_bytes = {d for d, _unused in acks}
        hostile = [d for d in mutants([d for d, _unused in acks] + corpus, 30_000, seed=5) if d]
        for data in hostile:
            if data not in genuine_bytes:  # an exact copy is a genuine ack
                world.ms.on_datagram(data, acks[len(data) % len(acks)][1])
        assert world.ms.counters["notify-acks-received"] == 0
        assert world.ms.counters["unexpected-acks"] > 0
        assert not job.done()
        for data, addr in acks:
            world.ms.on_datagram(data, addr)
        results = await asyncio.wait_for(job, timeout=5)
        assert all(r.acked and r.error is None for r in results)
        assert len(results) == len(world.etrs)

    asyncio.run(scenario())


world_for_properties = make_world()
corpus_for_properties = valid_corpus(world_for_properties)


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(hostile_bytes(corpus_for_properties))
def test_any_datagram_leaves_the_registrations_alone(data: bytes) -> None:
    world = world_for_properties
    table = world.registrations()
    world.ms.on_datagram(data, ATTACKER)
    assert world.registrations() == table
    for out, _unused in world.ms_sent:
        message = decode(out)
        assert not isinstance(message, MapNotifyMessage)
    world.ms_sent.clear()
