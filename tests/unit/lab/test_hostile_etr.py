"""The virtual ETR under a storm of hostile datagrams on UDP 4342.

Nothing hostile may make it re-register, ack, or raise; drops are counted; and
afterwards a genuine notification still makes it ack and re-register, and its
Map-Register is still accepted by the Map-Server.
"""

from __future__ import annotations

from collections import Counter

from hypothesis import HealthCheck, given, settings

from ansible_collections.lispnet.ms_recovery.plugins.module_utils.lisp.codec import (
    MapNotifyMessage,
    decode,
)
from ansible_collections.lispnet.ms_recovery.tests.unit.lab.hostile_world import (
    ATTACKER,
    CONTROLLER,
    FRESH_NONCE,
    hostile_bytes,
    make_world,
    mutants,
    scapy_fuzzed,
    unsolicited_notify,
    valid_corpus,
)

STORM = 100_000


def test_the_etr_survives_100k_hostile_datagrams() -> None:
    world = make_world()
    corpus = valid_corpus(world)
    etr = world.etrs[0]
    sent = world.etr_sent[etr.config.name]
    sent.clear()
    before = Counter(etr.counters)
    # Spoofed sources too: the MS's address, which the ETR trusts no more than any other.
    sources = (ATTACKER, world.ms_address)

    storm = [*mutants(corpus, STORM, seed=8), *scapy_fuzzed(corpus, 2_000, seed=8)]
    for n, data in enumerate(storm):
        etr.on_datagram(data, sources[n % 2])  # anything raised fails the test

    after = etr.counters
    assert after["reregistrations-triggered"] == before["reregistrations-triggered"]
    assert after["map-notifies-accepted"] == before["map-notifies-accepted"]
    assert after["map-registers-sent"] == before["map-registers-sent"]
    for dropped in ("malformed", "notify-auth-failures", "notify-replays", "ignored"):
        assert after[dropped] > before[dropped], dropped
    # No Map-Register and no Map-Notify-Ack went out; only Map-Replies to the
    # (unauthenticated by design) Map-Requests for its own EIDs.
    assert {data[0] >> 4 for data, _unused in sent} <= {2}

    # Still a working ETR: a genuine fresh notification is acked and acted upon...
    sent.clear()
    notify = unsolicited_notify(world, 0, FRESH_NONCE)
    etr.on_datagram(notify, CONTROLLER)
    kinds = [data[0] >> 4 for data, _unused in sent]
    assert kinds == [5, 3]  # Map-Notify-Ack to the sender, then a Map-Register to the MS
    ack = decode(sent[0][0])
    assert isinstance(ack, MapNotifyMessage) and ack.is_ack
    assert sent[0][1] == CONTROLLER and sent[1][1] == world.ms_address
    assert etr.counters["reregistrations-triggered"] == before["reregistrations-triggered"] + 1
    # ... and the Map-Server accepts the re-registration it sent.
    accepted = world.ms.counters["map-registers-accepted"]
    world.ms.on_datagram(sent[1][0], world.etr_address(0))
    assert world.ms.counters["map-registers-accepted"] == accepted + 1


world_for_properties = make_world()
corpus_for_properties = valid_corpus(world_for_properties)
for _sent in world_for_properties.etr_sent.values():
    _sent.clear()


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(hostile_bytes(corpus_for_properties))
def test_no_datagram_from_a_stranger_triggers_a_reregistration(data: bytes) -> None:
    etr = world_for_properties.etrs[1]
    sent = world_for_properties.etr_sent[etr.config.name]
    triggered = etr.counters["reregistrations-triggered"]
    etr.on_datagram(data, ATTACKER)
    assert etr.counters["reregistrations-triggered"] == triggered
    assert all(out[0] >> 4 == 2 for out, _unused in sent)
    sent.clear()
