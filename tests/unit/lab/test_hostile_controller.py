"""The controller's receive paths under hostile datagrams.

``reregister`` (method lisp) waits for Map-Notify-Acks and ``map_request``
waits for Map-Replies on an ephemeral UDP socket. Their real receive functions
are driven here (``open_udp`` replaced by a fake that hands the test the
handler), with the lab's MS and ETRs in process as the genuine peers.
"""

from __future__ import annotations

import asyncio
import ipaddress
from collections.abc import Callable
from typing import Any

import pytest

from ansible_collections.lispnet.ms_recovery.lab import artifacts
from ansible_collections.lispnet.ms_recovery.plugins.module_utils.lisp.codec import (
    MalformedMessage,
    MapReplyMessage,
    decode,
)
from ansible_collections.lispnet.ms_recovery.plugins.module_utils.recovery import (
    controller_notify,
    resolver_udp,
)
from ansible_collections.lispnet.ms_recovery.plugins.module_utils.recovery.resolver import (
    plan_queries,
)
from ansible_collections.lispnet.ms_recovery.tests.unit.lab.hostile_world import (
    ATTACKER,
    ITR,
    SPEC,
    World,
    make_world,
    mutants,
    scapy_fuzzed,
    valid_corpus,
)

STORM = 100_000
Handler = Callable[[bytes, tuple[str, int]], None]


class FakeTransport:
    def __init__(self, handler: Handler, port: int) -> None:
        self.handler = handler
        self.port = port
        self.sent: list[tuple[bytes, tuple[str, int]]] = []

    def sendto(self, data: bytes, addr: tuple[str, int]) -> None:
        self.sent.append((data, addr))

    def get_extra_info(self, name: str) -> Any:
        assert name == "sockname"
        return (ITR, self.port)

    def close(self) -> None:
        pass


@pytest.fixture
def transports(monkeypatch: pytest.MonkeyPatch) -> list[FakeTransport]:
    opened: list[FakeTransport] = []

    async def fake_open_udp(host: str, port: int, handler: Handler, *_unused: Any) -> FakeTransport:
        transport = FakeTransport(handler, 50000 + len(opened))
        opened.append(transport)
        return transport

    monkeypatch.setattr(controller_notify, "open_udp", fake_open_udp)
    monkeypatch.setattr(resolver_udp, "open_udp", fake_open_udp)
    return opened


def storm_of(world: World, extra: list[bytes], count: int) -> list[bytes]:
    corpus = valid_corpus(world) + extra
    return [*mutants(corpus, count, seed=17), *scapy_fuzzed(corpus, 2_000, seed=17)]


async def _until(check: Callable[[], bool]) -> None:
    for _unused in range(1000):
        if check():
            return
        await asyncio.sleep(0.001)
    raise AssertionError("condition not reached")


def test_controller_notifications_survive_100k_hostile_acks(
    transports: list[FakeTransport],
) -> None:
    world = make_world()
    inventory = artifacts.eid_inventory(SPEC, "hostile")
    targets = controller_notify.targets_for_sites(inventory.sites)
    settings = controller_notify.NotifySettings(ack_timeout=60.0, retries=0, pace=1e6)

    async def scenario() -> None:
        run = asyncio.ensure_future(controller_notify.notify_from_controller(targets, settings))
        await _until(lambda: bool(transports) and len(transports[0].sent) == len(targets))
        transport = transports[0]
        by_rloc = {str(e.config.rloc): e for e in world.etrs}
        acks: list[tuple[bytes, tuple[str, int]]] = []
        for data, addr in transport.sent:
            etr = by_rloc[addr[0]]
            sent = world.etr_sent[etr.config.name]
            before = len(sent)
            etr.on_datagram(data, (ITR, transport.port))
            acks += [
                (d, (str(etr.config.rloc), 4342)) for d, _unused in sent[before:] if d[0] >> 4 == 5
            ]
        assert len(acks) == len(targets)
        genuine = {d for d, _unused in acks}
        for n, data in enumerate(storm_of(world, [d for d, _unused in acks], STORM)):
            if data not in genuine:  # an exact copy is a genuine ack
                transport.handler(data, acks[n % len(acks)][1] if n % 2 else ATTACKER)
        assert not run.done()
        for data, addr in acks:
            transport.handler(data, addr)
        result = await asyncio.wait_for(run, timeout=5)
        assert [r.acked for r in result.results] == [True] * len(targets)
        assert all(r.error is None for r in result.results)

    asyncio.run(scenario())


def test_map_request_probe_survives_100k_hostile_replies(transports: list[FakeTransport]) -> None:
    """Map-Replies are matched by nonce only (RFC 9301: they carry no MAC), so
    what is checked is that nothing without the request's nonce is taken as
    the answer and that nothing malformed hurts the resolver."""
    world = make_world()
    world.register_all()
    inventory = artifacts.eid_inventory(SPEC, "hostile")
    # Site 2's IPv4 EID: not proxy-replied, so the MS forwards the request to the ETR.
    query = next(q for q in plan_queries(inventory, "ms1") if q.site == "site-00002")
    settings = resolver_udp.ProbeSettings(timeout=60.0, retries=0, source_address=ITR)
    map_server = ipaddress.ip_address(str(SPEC.service_address))

    async def scenario() -> None:
        async with resolver_udp.Resolver(map_server, settings) as resolver:
            ask = asyncio.ensure_future(resolver.ask(query))
            transport = transports[0]
            await _until(lambda: len(transport.sent) == 1)
            request, _unused = transport.sent[0]
            nonce = decode(request).message.nonce  # type: ignore[union-attr]
            world.ms.on_datagram(request, (ITR, transport.port))
            genuine = genuine_reply(world, nonce)
            hostile = storm_of(world, [genuine], STORM)
            for n, data in enumerate(hostile):
                if not carries_nonce(data, nonce):
                    transport.handler(data, ATTACKER if n % 2 else world.ms_address)
            assert not ask.done()
            transport.handler(genuine, world.etr_address(1))
            answer, attempts = await asyncio.wait_for(ask, timeout=5)
            assert answer is not None and attempts == 1
            assert answer.reply == decode(genuine)

    asyncio.run(scenario())


def genuine_reply(world: World, nonce: int) -> bytes:
    """The MS forwards the request to the ETR, which answers the ITR."""
    forwarded = [(d, a) for d, a in world.ms_sent if d[0] >> 4 == 8]
    assert len(forwarded) == 1
    world.ms_sent.clear()
    etr = world.etrs[1]
    sent = world.etr_sent[etr.config.name]
    before = len(sent)
    etr.on_datagram(forwarded[0][0], world.ms_address)
    (reply, addr), *_unused = sent[before:]
    assert addr[0] == ITR
    message = decode(reply)
    assert isinstance(message, MapReplyMessage) and message.nonce == nonce
    return reply


def carries_nonce(data: bytes, nonce: int) -> bool:
    try:
        message = decode(data)
    except MalformedMessage:
        return False
    return isinstance(message, MapReplyMessage) and message.nonce == nonce
