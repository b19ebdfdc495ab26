"""The MS's Map-Notify that acks an ETR's Map-Register: taken by that ETR in both
the RFC's form (I bit and trailer) and lispers.net's (trailer, no flag); never
taken as a re-registration request by a sibling ETR (same site, same key) that
it is replayed to."""

from __future__ import annotations

from pathlib import Path

from ansible_collections.lispnet.ms_recovery.lab import artifacts
from ansible_collections.lispnet.ms_recovery.lab.etr import VirtualEtr
from ansible_collections.lispnet.ms_recovery.lab.map_server import MapServerUnit
from ansible_collections.lispnet.ms_recovery.lab.shard import etr_config
from ansible_collections.lispnet.ms_recovery.lab.topology import LabSpec
from ansible_collections.lispnet.ms_recovery.plugins.module_utils.lisp.auth import seal

SPEC = LabSpec(
    sites=1, etrs_per_site=2, subnet=205, seed="acks", password="unused", etr_behaviour="notify"
)
MS = (str(SPEC.service_address), 4342)
Sent = list[tuple[bytes, tuple[str, int]]]


def _world() -> tuple[list[VirtualEtr], list[Sent], bytes]:
    """Two sibling ETRs; the first registered, and the MS's ack of it."""
    store = artifacts.ms_store(SPEC, Path("/nonexistent/acks"))
    ms = MapServerUnit("ms1-a", store, registration_timeout=180.0, notify_schedule=(60.0,))
    ms.role = "active"
    ms_sent: Sent = []
    ms.attach(lambda data, addr: ms_sent.append((data, addr)))
    etrs, sents = [], []
    for n in range(2):
        etr = VirtualEtr(etr_config(SPEC, 0, n))
        sent: Sent = []
        etr.attach(lambda data, addr, sent=sent: sent.append((data, addr)))
        etrs.append(etr)
        sents.append(sent)
    etrs[0].register_now()
    ms.on_datagram(sents[0][0][0], (str(etrs[0].config.rloc), 4342))
    assert len(ms_sent) == 1
    return etrs, sents, ms_sent[0][0]


def test_the_ack_of_a_register_counts_for_its_etr() -> None:
    etrs, _unused, ack = _world()
    etrs[0].on_datagram(ack, MS)
    assert etrs[0].counters["register-acks"] == 1


def test_a_lispers_net_style_ack_counts_for_its_etr() -> None:
    etrs, _unused, ack = _world()
    unflagged = seal(bytes([ack[0] & ~0x08]) + ack[1:], etrs[0].config.key)
    etrs[0].on_datagram(unflagged, MS)
    assert etrs[0].counters["register-acks"] == 1
    assert etrs[0].counters["malformed"] == 0


def test_an_ack_replayed_to_a_sibling_triggers_nothing() -> None:
    etrs, sents, ack = _world()
    sents[1].clear()
    etrs[1].on_datagram(ack, MS)
    assert sents[1] == []  # no Map-Notify-Ack, no Map-Register
    assert etrs[1].counters["reregistrations-triggered"] == 0
    assert etrs[1].counters["notify-replays"] == 1


def test_its_own_old_ack_after_a_reboot_triggers_nothing() -> None:
    etrs, _unused, ack = _world()
    rebooted = VirtualEtr(etrs[0].config, replay_guard=etrs[0].replay_guard)
    sent: Sent = []
    rebooted.attach(lambda data, addr: sent.append((data, addr)))
    rebooted.on_datagram(ack, MS)  # its register is not outstanding any more
    assert sent == []
    assert rebooted.counters["reregistrations-triggered"] == 0
