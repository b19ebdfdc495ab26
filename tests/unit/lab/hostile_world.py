"""A small LISP world in one process, and hostile traffic to throw at it.

The virtual Map-Server and ETRs of the lab, wired to fake ``send`` callables so
that a test sees every datagram they emit; a corpus of valid messages of every
type taken from a real exchange between them; and generators of mutated,
truncated, extended, spliced, scapy-fuzzed and random datagrams.
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from hypothesis import strategies as st
from scapy.packet import Packet, fuzz

from ansible_collections.lispnet.ms_recovery.lab import artifacts
from ansible_collections.lispnet.ms_recovery.lab.etr import VirtualEtr
from ansible_collections.lispnet.ms_recovery.lab.map_server import MapServerUnit, notify_targets
from ansible_collections.lispnet.ms_recovery.lab.ms_store import KeyedSite
from ansible_collections.lispnet.ms_recovery.lab.registration_table import host_eid
from ansible_collections.lispnet.ms_recovery.lab.shard import etr_config
from ansible_collections.lispnet.ms_recovery.lab.topology import LabSpec
from ansible_collections.lispnet.ms_recovery.plugins.module_utils.lisp.codec import (
    encode_ecm,
    encode_map_notify,
    encode_map_request,
)
from ansible_collections.lispnet.ms_recovery.plugins.module_utils.lisp.nonce import (
    NonceCounter,
)
from ansible_collections.lispnet.ms_recovery.plugins.module_utils.lisp.types import Rloc
from ansible_collections.lispnet.ms_recovery.plugins.module_utils.recovery.notifier import (
    LISP_CONTROL_PORT,
)
from ansible_collections.lispnet.ms_recovery.tests.support.lisp_layers import (
    LispControl,
    LispEcm,
    LispMapNotify,
    LispMapNotifyAck,
    LispMapRegister,
    LispMapReply,
    LispMapRequest,
)

# 8 sites: both algorithms (every 5th site uses SHA-1), proxy-reply and not.
# notify ETRs: the storm must not make even a notification-driven ETR act.
SPEC = LabSpec(sites=8, subnet=201, seed="hostile-world", password="unused", etr_behaviour="notify")
ITR = "127.201.250.1"
ATTACKER = ("127.201.250.66", 4342)
CONTROLLER = ("127.201.250.9", 50000)  # sent the corpus's unsolicited notifications
Sent = list[tuple[bytes, tuple[str, int]]]


@dataclass
class World:
    ms: MapServerUnit
    etrs: list[VirtualEtr]
    ms_sent: Sent = field(default_factory=list)
    etr_sent: dict[str, Sent] = field(default_factory=dict)

    @property
    def ms_address(self) -> tuple[str, int]:
        return (str(SPEC.service_address), LISP_CONTROL_PORT)

    def etr_address(self, index: int) -> tuple[str, int]:
        return (str(self.etrs[index].config.rloc), LISP_CONTROL_PORT)

    def register_all(self) -> None:
        """Every ETR registers; the MS's register-acks go back to the ETRs."""
        for etr in self.etrs:
            sent = self.etr_sent[etr.config.name]
            before = len(sent)
            etr.register_now()
            for data, _unused in sent[before:]:
                self.ms.on_datagram(data, self.etr_address(self.etrs.index(etr)))
        self.deliver_ms_output()

    def deliver_ms_output(self) -> None:
        by_rloc = {str(e.config.rloc): e for e in self.etrs}
        pending, self.ms_sent[:] = list(self.ms_sent), []
        for data, addr in pending:
            etr = by_rloc.get(addr[0])
            if etr is not None:
                etr.on_datagram(data, self.ms_address)

    def registrations(self) -> dict[object, object]:
        """What an operator reads: per EID, per xTR, the RLOCs and flags."""
        return {
            (r.eid, r.xtr_id): (r.site, r.rlocs, r.proxy_reply, r.source)
            for r in self.ms.table.all_records()
        }


def make_world(sites: int = SPEC.sites) -> World:
    spec = LabSpec(
        sites=sites,
        subnet=SPEC.subnet,
        seed=SPEC.seed,
        password="unused",
        etr_behaviour=SPEC.etr_behaviour,
    )
    # Never flushed: the path only names the store.
    store = artifacts.ms_store(spec, Path("/nonexistent/hostile-world"))
    ms = MapServerUnit("ms1-a", store, registration_timeout=180.0, notify_schedule=(60.0,) * 3)
    ms.role = "active"
    world = World(ms=ms, etrs=[])
    ms.attach(lambda data, addr: world.ms_sent.append((data, addr)))
    for site in range(sites):
        etr = VirtualEtr(etr_config(spec, site, 0))
        sent: Sent = []
        world.etr_sent[etr.config.name] = sent
        etr.attach(lambda data, addr, sent=sent: sent.append((data, addr)))
        world.etrs.append(etr)
    return world


# Above every nonce the corpus's controller used: a new, genuine notification.
FRESH_NONCE = (1 << 64) - 1


def unsolicited_notify(world: World, index: int, nonce: int, key: bytes | None = None) -> bytes:
    """What the MS (or the controller) sends an ETR to make it re-register."""
    target = notify_targets(*site_record(world, index))[0]
    return encode_map_notify(
        target.records,
        key=target.key if key is None else key,
        key_id=target.key_id,
        algorithm=target.algorithm,
        nonce=nonce,
    )


def site_record(world: World, index: int) -> KeyedSite:
    name = world.etrs[index].config.site
    return KeyedSite(world.ms.store.sites[name], world.ms.store.keys[name])


def ecm_request(eid_host: str, nonce: int, itr: str = ITR, sport: int = 40000) -> bytes:
    eid = host_eid(eid_host)
    inner = encode_map_request([eid], nonce=nonce, itr_rlocs=[Rloc.of(itr).address])
    return encode_ecm(
        inner, src=Rloc.of(itr).address, dst=Rloc.of(str(SPEC.service_address)).address, sport=sport
    )


def valid_corpus(world: World) -> list[bytes]:
    """Valid datagrams of every type, captured from a real exchange in ``world``.

    Map-Register (with and without proxy-reply, SHA-1 and SHA-256), the MS's
    register-ack Map-Notify, unsolicited Map-Notify, Map-Notify-Ack, ECM
    Map-Requests (IPv4 and IPv6 EIDs, registered, unregistered and unknown),
    the ECM the MS forwards to an ETR, and Map-Replies (proxy, negative, ETR).
    """
    corpus: list[bytes] = []
    for etr in world.etrs:
        sent = world.etr_sent[etr.config.name]
        etr.register_now()
        corpus.append(sent[-1][0])  # Map-Register
        world.ms.on_datagram(sent[-1][0], world.etr_address(world.etrs.index(etr)))
    corpus.extend(data for data, _unused in world.ms_sent)  # register-acks (Map-Notify)
    world.deliver_ms_output()
    nonces = NonceCounter(None)
    for index, etr in enumerate(world.etrs[:4]):
        notify = unsolicited_notify(world, index, nonces.next())
        corpus.append(notify)
        sent = world.etr_sent[etr.config.name]
        before = len(sent)
        etr.on_datagram(notify, CONTROLLER)
        for data, _unused in sent[before:]:
            corpus.append(data)  # Map-Notify-Ack, then the re-registration
            if data[0] >> 4 == 3:
                world.ms.on_datagram(data, world.etr_address(index))
    corpus.extend(data for data, _unused in world.ms_sent)  # their register-acks
    world.deliver_ms_output()
    for index in range(4):
        for eid in world.etrs[index].config.eids:
            host = str(eid.prefix.network_address + 1)
            corpus.append(ecm_request(host, nonces.next()))
    corpus.append(ecm_request("10.250.250.1", nonces.next()))  # nobody's EID
    # A bare Map-Request (not encapsulated) is not for a Map-Server or an ETR port.
    itr = Rloc.of(ITR).address
    corpus.append(encode_map_request([host_eid("10.0.0.1")], nonce=nonces.next(), itr_rlocs=[itr]))
    for data in list(corpus):
        if data[0] >> 4 == 8:
            world.ms.on_datagram(data, (ITR, 40000))
    corpus.extend(data for data, _unused in world.ms_sent)  # Map-Replies, forwarded ECMs
    for data, addr in world.ms_sent:
        if data[0] >> 4 == 8:
            for etr in world.etrs:
                if str(etr.config.rloc) == addr[0]:
                    sent = world.etr_sent[etr.config.name]
                    before = len(sent)
                    etr.on_datagram(data, world.ms_address)
                    corpus.extend(d for d, _unused in sent[before:])  # the ETR's Map-Reply
    world.ms_sent.clear()
    kinds = {data[0] >> 4 for data in corpus}
    assert kinds == {1, 2, 3, 4, 5, 8}, kinds
    return corpus


# Mutations ----------------------------------------------------------------------
def _flip_bits(rng: random.Random, data: bytes) -> bytes:
    out = bytearray(data)
    for _unused in range(rng.choice((1, 1, 1, 2, 3, 8))):
        bit = rng.randrange(len(out) * 8)
        out[bit // 8] ^= 1 << (bit % 8)
    return bytes(out)


def _set_byte(rng: random.Random, data: bytes) -> bytes:
    out = bytearray(data)
    # Length, count and type fields live in the first bytes: hit them more often.
    where = rng.randrange(min(len(out), 24)) if rng.random() < 0.5 else rng.randrange(len(out))
    out[where] = rng.choice((0x00, 0xFF, 0x7F, 0x80, 0x01, rng.randrange(256)))
    return bytes(out)


def _truncate(rng: random.Random, data: bytes) -> bytes:
    return data[: rng.randrange(len(data))]


def _extend(rng: random.Random, data: bytes) -> bytes:
    return data + rng.randbytes(rng.choice((1, 2, 4, 16, rng.randrange(1, 600))))


def _splice(rng: random.Random, data: bytes, other: bytes) -> bytes:
    return data[: rng.randrange(len(data) + 1)] + other[rng.randrange(len(other) + 1) :]


def _retype(rng: random.Random, data: bytes) -> bytes:
    return bytes([(rng.randrange(16) << 4) | (data[0] & 0x0F)]) + data[1:]


def _random(rng: random.Random, _unused: bytes) -> bytes:
    return rng.randbytes(rng.choice((0, 1, 3, 4, 15, 16, 28, rng.randrange(0, 1500))))


_UNARY = (_flip_bits, _set_byte, _truncate, _extend, _retype, _random)


def mutants(corpus: list[bytes], count: int, seed: int) -> Iterator[bytes]:
    """``count`` hostile datagrams derived from ``corpus`` (and a few copies of it)."""
    rng = random.Random(seed)
    for _unused in range(count):
        data = rng.choice(corpus)
        roll = rng.random()
        if roll < 0.01:
            yield data  # an exact copy: a replay
        elif roll < 0.1:
            yield _splice(rng, data, rng.choice(corpus))
        else:
            mutate = rng.choice(_UNARY)
            out = mutate(rng, data)
            if rng.random() < 0.2 and out:
                out = rng.choice(_UNARY)(rng, out)
            yield out


_SCAPY_LAYERS: tuple[type[Packet], ...] = (
    LispMapRegister,
    LispMapNotify,
    LispMapNotifyAck,
    LispMapRequest,
    LispMapReply,
    LispEcm,
)


def scapy_fuzzed(corpus: list[bytes], count: int, seed: int) -> list[bytes]:
    """scapy's fuzz(): random values in every field the layers declare, both on
    empty layers and on dissected valid messages (counts and lengths included)."""
    import scapy.volatile

    rng = random.Random(seed)
    scapy.volatile.random.seed(seed)  # fuzz() draws from the module's generator
    out = []
    for n in range(count):
        if n % 2:
            packet: Packet = fuzz(rng.choice(_SCAPY_LAYERS)())
        else:
            packet = fuzz(LispControl(rng.choice(corpus)))
        try:
            out.append(bytes(packet))
        except Exception:
            continue
    return out


def hostile_bytes(corpus: list[bytes]) -> st.SearchStrategy[bytes]:
    """For hypothesis: arbitrary bytes, or a valid message cut anywhere and extended."""

    def cut_and_extend(parts: tuple[bytes, bytes, int]) -> bytes:
        valid, tail, cut = parts
        return valid[: cut % (len(valid) + 1)] + tail

    spliced = st.tuples(st.sampled_from(corpus), st.binary(max_size=64), st.integers(0, 4096))
    return st.one_of(st.binary(max_size=1600), spliced.map(cut_and_extend))
