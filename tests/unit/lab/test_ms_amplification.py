"""The virtual MS is no amplifier: one Map-Request makes a bounded number of
answers, and one source gets a bounded rate of them."""

from __future__ import annotations

import pytest

from ansible_collections.lispnet.ms_recovery.lab import map_server
from ansible_collections.lispnet.ms_recovery.lab.rate_limit import PerSourceLimit
from ansible_collections.lispnet.ms_recovery.lab.registration_table import host_eid
from ansible_collections.lispnet.ms_recovery.plugins.module_utils.lisp.codec import (
    encode_ecm,
    encode_map_request,
)
from ansible_collections.lispnet.ms_recovery.plugins.module_utils.lisp.types import Rloc
from ansible_collections.lispnet.ms_recovery.tests.unit.lab.hostile_world import (
    ITR,
    SPEC,
    make_world,
)

VICTIM = "127.201.250.77"


def _request(hosts: list[str], nonce: int = 1) -> bytes:
    itr = Rloc.of(VICTIM).address
    inner = encode_map_request([host_eid(h) for h in hosts], nonce=nonce, itr_rlocs=[itr])
    dst = Rloc.of(str(SPEC.service_address)).address
    return encode_ecm(inner, src=itr, dst=dst, sport=4342)


def _hosts(count: int) -> list[str]:
    # Unknown EIDs: each would get its own negative Map-Reply.
    return [f"10.250.{n // 250}.{n % 250 + 1}" for n in range(count)]


def test_one_request_for_many_eids_gets_a_bounded_number_of_answers() -> None:
    world = make_world()
    world.ms.on_datagram(_request(_hosts(60)), (VICTIM, 4342))  # ~530 octets
    assert len(world.ms_sent) == map_server.MAX_EIDS_PER_REQUEST
    assert world.ms.counters["request-eids-ignored"] == 60 - map_server.MAX_EIDS_PER_REQUEST


def test_a_2kb_request_is_not_read() -> None:
    world = make_world()
    big = _request(_hosts(255))  # the most records a Map-Request counts
    assert len(big) > 2000
    world.ms.on_datagram(big, (VICTIM, 4342))
    assert world.ms_sent == []


def test_one_source_gets_a_bounded_rate(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(map_server, "REQUEST_BURST", 50.0)
    monkeypatch.setattr(map_server, "REQUESTS_PER_SECOND", 1.0)
    world = make_world()
    request = _request(_hosts(1))
    for _unused in range(500):
        world.ms.on_datagram(request, (VICTIM, 4342))
    # The burst, and at most a few more for the time the loop took.
    assert 50 <= len(world.ms_sent) <= 55
    assert world.ms.counters["requests-rate-limited"] >= 445
    # Another source is not punished for the first one's flood.
    world.ms.on_datagram(request, (ITR, 4342))
    assert len(world.ms_sent) <= 56 and world.ms.counters["requests-rate-limited"] <= 450


def test_the_bucket_refills_and_the_table_of_sources_is_bounded() -> None:
    limit = PerSourceLimit(rate=10.0, burst=2.0, max_sources=3)
    assert [limit.allow("a", 0.0) for _unused in range(3)] == [True, True, False]
    assert limit.allow("a", 0.1)  # one token back after 0.1 s at 10/s
    for n in range(100):
        limit.allow(f"spoofed-{n}", 0.2)
    assert len(limit._buckets) == 3
