"""A hostile network rather than hostile senders: lost, duplicated and delayed
datagrams (lab/faults.py), the ETR's Map-Register retry that rides over a lost
re-registration, and a recovery interrupted by the unit going down."""

from __future__ import annotations

import asyncio
from collections import Counter

import pytest

from ansible_collections.lispnet.ms_recovery.lab.faults import FaultSpec
from ansible_collections.lispnet.ms_recovery.lab.map_server import INTERRUPTED
from ansible_collections.lispnet.ms_recovery.lab.topology import LabSpec
from ansible_collections.lispnet.ms_recovery.tests.unit.lab.hostile_world import (
    CONTROLLER,
    FRESH_NONCE,
    World,
    make_world,
    unsolicited_notify,
)

ADDR = ("127.0.0.1", 4342)


def _drive(
    spec: FaultSpec, router: str = "r1", count: int = 2000
) -> tuple[list[int], Counter[str]]:
    delivered: list[int] = []
    counters: Counter[str] = Counter()
    send = spec.sender(
        lambda data, _unused: delivered.append(int.from_bytes(data)), router, counters
    )
    for n in range(count):
        send(n.to_bytes(2), ADDR)
    return delivered, counters


def test_no_faults_means_the_real_send() -> None:
    def real(data: bytes, addr: tuple[str, int]) -> None:
        pass

    assert FaultSpec().sender(real, "r1", Counter()) is real


def test_loss_drops_about_that_share_and_counts_it() -> None:
    delivered, counters = _drive(FaultSpec(loss=0.2, seed=1))
    assert counters["dropped"] == 2000 - len(delivered)
    assert 300 < counters["dropped"] < 500
    assert delivered == sorted(delivered)  # no reordering without delay


def test_duplicates_send_twice_in_a_row() -> None:
    delivered, counters = _drive(FaultSpec(duplicate=0.3, seed=1))
    assert len(delivered) == 2000 + counters["duplicated"]
    assert set(delivered) == set(range(2000))
    assert 450 < counters["duplicated"] < 750


def test_a_seed_gives_the_same_faults_per_router() -> None:
    spec = FaultSpec(loss=0.3, duplicate=0.2, seed=42)
    assert _drive(spec, "ms1-a") == _drive(spec, "ms1-a")
    assert _drive(spec, "ms1-a")[0] != _drive(spec, "site-00001-etr1")[0]
    # One setting does not shift the other's random stream.
    lost_only = _drive(FaultSpec(loss=0.3, seed=42), "x")[0]
    both = _drive(FaultSpec(loss=0.3, duplicate=0.2, seed=42), "x")[0]
    assert sorted(set(both)) == lost_only


def test_delay_keeps_order_and_survives_a_closed_socket() -> None:
    async def scenario() -> None:
        delivered: list[bytes] = []
        counters: Counter[str] = Counter()

        def send(data: bytes, addr: tuple[str, int]) -> None:
            if data == b"closed":
                raise OSError("socket closed")
            delivered.append(data)

        faulty = FaultSpec(delay_ms=20).sender(send, "r1", counters)
        for data in (b"a", b"b", b"closed", b"c"):
            faulty(data, ADDR)
        assert delivered == []
        await asyncio.sleep(0.2)
        assert delivered == [b"a", b"b", b"c"]
        assert counters["delayed"] == 4 and counters["delayed-send-errors"] == 1

    asyncio.run(scenario())


@pytest.mark.parametrize(
    "bad", [{"loss": 1.0}, {"loss": -0.1}, {"duplicate": 1.5}, {"delay_ms": -1}]
)
def test_impossible_fault_settings_are_refused_when_the_lab_is_described(
    bad: dict[str, float],
) -> None:
    with pytest.raises(ValueError):
        LabSpec(**bad)


def test_fault_settings_survive_the_lab_file() -> None:
    spec = LabSpec(loss=0.2, duplicate=0.1, delay_ms=5, fault_seed=9)
    assert LabSpec.from_json(spec.to_json()).faults == FaultSpec(0.2, 0.1, 5, 9)


class FakeTimers:
    """loop.call_later for a test that decides when time passes."""

    def __init__(self) -> None:
        self.pending: list[tuple[float, object, tuple[object, ...], FakeHandle]] = []

    def __call__(self, delay: float, callback: object, *args: object) -> FakeHandle:
        handle = FakeHandle()
        self.pending.append((delay, callback, args, handle))
        return handle  # type: ignore[return-value]

    def fire_next(self) -> bool:
        while self.pending:
            _unused, callback, args, handle = self.pending.pop(0)
            if not handle.cancelled:
                callback(*args)  # type: ignore[operator]
                return True
        return False


class FakeHandle:
    cancelled = False

    def cancel(self) -> None:
        self.cancelled = True


def test_a_lost_reregistration_is_retried_until_the_ms_acks_it() -> None:
    world = make_world()
    etr = world.etrs[0]
    sent = world.etr_sent[etr.config.name]
    timers = FakeTimers()
    etr.attach(lambda data, addr: sent.append((data, addr)), timers)
    etr.on_datagram(unsolicited_notify(world, 0, FRESH_NONCE), CONTROLLER)
    assert [d[0] >> 4 for d, _unused in sent] == [5, 3]
    sent.clear()  # the re-registration is lost on the way to the MS
    assert timers.fire_next()  # no register-ack: the ETR sends a fresh Map-Register
    assert [d[0] >> 4 for d, _unused in sent] == [3]
    world.ms.on_datagram(sent[0][0], world.etr_address(0))
    assert len(world.ms.table) == len(etr.config.eids)
    world.deliver_ms_output()  # the MS's register-ack stops the retries
    assert etr.counters["register-acks"] == 1
    assert not timers.fire_next()
    assert etr.register_retransmits == 1


def test_register_retries_are_bounded() -> None:
    world = make_world()
    etr = world.etrs[0]
    sent = world.etr_sent[etr.config.name]
    timers = FakeTimers()
    etr.attach(lambda data, addr: sent.append((data, addr)), timers)
    etr.register_now()  # the MS is down: nothing ever acks
    while timers.fire_next():
        pass
    assert len(sent) == 1 + len(etr.config.register_retry)
    assert etr.register_retransmits == len(etr.config.register_retry)


def test_stopping_an_etr_cancels_its_retry() -> None:
    world = make_world()
    etr = world.etrs[0]
    timers = FakeTimers()
    etr.attach(lambda data, addr: None, timers)
    etr.register_now()
    etr.detach()
    assert not timers.fire_next()


def notify_results(world: World) -> dict[str, str | None]:
    return {e.name: e.last_notify_result for s in world.ms.store.sites.values() for e in s.etrs}


def test_a_recovery_interrupted_by_a_reboot_stops_and_leaves_the_state_alone() -> None:
    world = make_world()
    world.register_all()

    async def scenario() -> None:
        job = asyncio.ensure_future(world.ms.send_reregistration(None))
        for _unused in range(100):
            if world.ms_sent:
                break
            await asyncio.sleep(0)
        assert world.ms.notifier is not None and world.ms.notifier.outstanding > 0
        stored = {
            e.name: e.last_notify_result for s in world.ms.store.sites.values() for e in s.etrs
        }
        # What MsShard does on a reboot or on losing the active role.
        world.ms.detach()
        world.ms.lose_volatile_state()
        results = await asyncio.wait_for(job, timeout=5)
        assert [r.error for r in results] == [INTERRUPTED] * len(world.etrs)
        assert not any(r.acked for r in results)
        after = {
            e.name: e.last_notify_result for s in world.ms.store.sites.values() for e in s.etrs
        }
        assert after == stored
        assert world.ms.counters == Counter()  # nothing from the old life leaks into the new
        sent = len(world.ms_sent)
        await asyncio.sleep(0.05)
        assert len(world.ms_sent) == sent  # no more retransmissions

    asyncio.run(scenario())


def test_cancelling_a_recovery_from_outside_still_cancels() -> None:
    world = make_world()

    async def scenario() -> None:
        job = asyncio.ensure_future(world.ms.send_reregistration(None))
        await asyncio.sleep(0)
        job.cancel()
        with pytest.raises(asyncio.CancelledError):
            await job

    asyncio.run(scenario())
