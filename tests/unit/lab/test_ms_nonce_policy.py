"""The virtual MS's nonces as RFC 9301 5.6 says and deployed ETRs need: the last
nonce per xTR-ID and key (persisted), no tracking without an xTR-ID, and an exact
retransmission answered again but never applied twice."""

from __future__ import annotations

from pathlib import Path

import pytest

from ansible_collections.lispnet.ms_recovery.lab import artifacts
from ansible_collections.lispnet.ms_recovery.lab.map_server import MapServerUnit
from ansible_collections.lispnet.ms_recovery.lab.ms_store import MsStore
from ansible_collections.lispnet.ms_recovery.lab.register_nonces import (
    RETRANSMISSION_WINDOW_S,
    RegisterNonces,
    Verdict,
)
from ansible_collections.lispnet.ms_recovery.lab.topology import LabSpec
from ansible_collections.lispnet.ms_recovery.plugins.module_utils.lisp.auth import (
    algorithm_from_name,
)
from ansible_collections.lispnet.ms_recovery.plugins.module_utils.lisp.codec import (
    encode_map_register,
)
from ansible_collections.lispnet.ms_recovery.plugins.module_utils.lisp.types import Mapping, Rloc

SPEC = LabSpec(sites=2, subnet=204, seed="nonces", password="unused")
ETR = ("127.204.1.1", 4342)
Sent = list[tuple[bytes, tuple[str, int]]]


def _ms(store: MsStore) -> tuple[MapServerUnit, Sent]:
    ms = MapServerUnit("ms1-a", store, registration_timeout=180.0, notify_schedule=(60.0,))
    ms.role = "active"
    sent: Sent = []
    ms.attach(lambda data, addr: sent.append((data, addr)))
    return ms, sent


def _register(nonce: int, xtr_id: bytes | None = None, site: int = 0) -> bytes:
    rloc = Rloc.of(ETR[0])
    return encode_map_register(
        [Mapping(eid, (rloc,)) for eid in SPEC.site_eids(site)],
        key=SPEC.site_key(site),
        key_id=0,
        algorithm=algorithm_from_name(SPEC.site_algorithm(site)),
        nonce=nonce,
        want_map_notify=True,
        xtr_id=xtr_id,
        site_id=None if xtr_id is None else site + 1,
    )


@pytest.fixture
def store(tmp_path: Path) -> MsStore:
    return artifacts.ms_store(SPEC, tmp_path / "ms.json")


def test_no_xtr_id_clock_derived_nonces_are_all_accepted(store: MsStore) -> None:
    # OpenOverlayRouter: no xTR-ID, nonces from the clock that do not always grow.
    ms, sent = _ms(store)
    nonces = [0x5F00_0000_1000, 0x5E00_0000_9000, 0x6000_0000_0001, 0x1000, 0x5F00_0000_1000 - 1]
    for nonce in nonces:
        ms.on_datagram(_register(nonce), ETR)
    assert ms.counters["map-registers-accepted"] == len(nonces)
    assert ms.counters["replays"] == 0
    assert [data[0] >> 4 for data, _unused in sent] == [4] * len(nonces)  # each confirmed
    assert store.last_nonce == {}  # nothing to track without an identity


def test_an_exact_resend_is_answered_again_not_applied_twice(store: MsStore) -> None:
    # lispers.net: the same Map-Register (same nonce) again, a few seconds later.
    ms, sent = _ms(store)
    register = _register(0xAABBCCDDDFDFDF01, xtr_id=b"L" * 16)
    ms.on_datagram(register, ETR)
    ms.on_datagram(register, ETR)
    assert ms.counters["map-registers-accepted"] == 1
    assert ms.counters["register-retransmissions"] == 1
    assert len(sent) == 2 and sent[0] == sent[1]  # the same Map-Notify, twice


def test_an_exact_resend_without_xtr_id_is_not_applied_twice(store: MsStore) -> None:
    ms, sent = _ms(store)
    register = _register(77)
    ms.on_datagram(register, ETR)
    ms.on_datagram(register, ETR)
    assert ms.counters["map-registers-accepted"] == 1
    assert ms.counters["register-retransmissions"] == 1
    assert len(sent) == 2


def test_the_same_bytes_from_elsewhere_are_a_replay(store: MsStore) -> None:
    ms, sent = _ms(store)
    register = _register(78)
    ms.on_datagram(register, ETR)
    ms.on_datagram(register, ("127.204.250.66", 4342))
    assert ms.counters["replays"] == 1
    assert len(sent) == 1


def test_with_an_xtr_id_an_older_nonce_is_a_replay(store: MsStore) -> None:
    ms, _unused = _ms(store)
    ms.on_datagram(_register(10, xtr_id=b"A" * 16), ETR)
    ms.on_datagram(_register(9, xtr_id=b"A" * 16), ETR)
    ms.on_datagram(_register(10, xtr_id=b"A" * 16, site=0)[:-1] + b"\x00", ETR)  # forged
    assert ms.counters["map-registers-accepted"] == 1
    assert ms.counters["replays"] == 1
    # Another xTR-ID of the same site has a nonce state of its own.
    ms.on_datagram(_register(5, xtr_id=b"B" * 16), ETR)
    assert ms.counters["map-registers-accepted"] == 2


def test_nonce_state_survives_a_reboot_of_the_ms(store: MsStore) -> None:
    ms, _unused = _ms(store)
    captured = _register(1000, xtr_id=b"A" * 16)
    ms.on_datagram(captured, ETR)
    store.flush(force=True)

    rebooted, sent = _ms(MsStore.load(store.path))
    rebooted.on_datagram(captured, ETR)  # the capture, replayed after the reboot
    assert rebooted.counters["replays"] == 1
    assert sent == []
    rebooted.on_datagram(_register(1001, xtr_id=b"A" * 16), ETR)
    assert rebooted.counters["map-registers-accepted"] == 1


def test_a_resend_after_the_window_is_judged_by_its_nonce() -> None:
    nonces = RegisterNonces({})
    assert nonces.judge("x", 5, b"reg", ETR, now=0.0) is Verdict.NEW
    assert nonces.judge("x", 5, b"reg", ETR, now=1.0) is Verdict.RETRANSMISSION
    late = RETRANSMISSION_WINDOW_S + 1.0
    assert nonces.judge("x", 5, b"reg", ETR, now=late) is Verdict.REPLAY
    assert nonces.judge(None, 5, b"oor", ETR, now=0.0) is Verdict.NEW
    assert nonces.judge(None, 5, b"oor", ETR, now=late) is Verdict.NEW  # MAC only
