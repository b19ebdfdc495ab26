"""The Notifier against a fake network: retransmit schedule, acks, send failures,
pacing order and cancellation, with schedules of milliseconds."""

from __future__ import annotations

import asyncio
import ipaddress
import itertools
from collections.abc import Callable

import pytest

from ansible_collections.lispnet.ms_recovery.plugins.module_utils.lisp.auth import Algorithm
from ansible_collections.lispnet.ms_recovery.plugins.module_utils.lisp.codec import (
    MapNotifyMessage,
    decode,
    encode_map_notify_ack,
)
from ansible_collections.lispnet.ms_recovery.plugins.module_utils.lisp.types import Eid
from ansible_collections.lispnet.ms_recovery.plugins.module_utils.recovery.notifier import (
    Notifier,
    NotifyResult,
    NotifyTarget,
    site_targets,
)

KEY = b"site-key"
FAST = (0.01, 0.01, 0.02)
Sent = list[tuple[bytes, tuple[str, int]]]


def targets(count: int) -> list[NotifyTarget]:
    return [
        target
        for n in range(count)
        for target in site_targets(
            f"site-{n}",
            key=KEY,
            key_id=0,
            algorithm=Algorithm.HMAC_SHA_256,
            eids=[Eid.parse(f"10.{n}.0.0/24")],
            etrs=[(f"etr-{n}", ipaddress.ip_address(f"127.0.9.{n + 1}"))],
        )
    ]


Ack = tuple[MapNotifyMessage, bytes, tuple[str, int]]


def ack_for(data: bytes, key: bytes = KEY, key_id: int | None = None) -> Ack:
    """What an ETR answers to a Map-Notify: its records and nonce, sealed with
    ``key``, from its own address (each site here has one ETR, so the one RLOC of
    the records is the ETR the notification went to)."""
    notify = decode(data)
    assert isinstance(notify, MapNotifyMessage) and not notify.is_ack
    raw = encode_map_notify_ack(
        notify.records,
        key=key,
        key_id=notify.key_id if key_id is None else key_id,
        algorithm=Algorithm(notify.algorithm),
        nonce=notify.nonce,
    )
    message = decode(raw)
    assert isinstance(message, MapNotifyMessage)
    return message, raw, (str(notify.records[0].rlocs[0].address), 4342)


def run(
    notify_targets: list[NotifyTarget],
    *,
    answer: Callable[[Notifier, bytes, int], None] | None = None,
    fail: Callable[[int], OSError | None] | None = None,
    schedule: tuple[float, ...] = FAST,
    **kwargs: float,
) -> tuple[list[NotifyResult], Sent]:
    """notify() with a send that records every datagram; ``answer`` is called
    with each (and how many were sent before), ``fail`` with the number of the
    send call may make it raise."""
    sent: Sent = []
    calls = itertools.count()

    async def scenario() -> list[NotifyResult]:
        def send(data: bytes, addr: tuple[str, int]) -> None:
            error = fail(next(calls)) if fail else None
            if error is not None:
                raise error
            sent.append((data, addr))
            if answer is not None:
                asyncio.get_running_loop().call_soon(answer, notifier, data, len(sent) - 1)

        notifier = Notifier(send, itertools.count(1).__next__, schedule=schedule, **kwargs)
        results = await notifier.notify(notify_targets)
        assert notifier.outstanding == 0
        return results

    return asyncio.run(scenario()), sent


def ack_at_once(notifier: Notifier, data: bytes, _unused: int) -> None:
    assert notifier.on_ack(*ack_for(data))


def test_acked_targets_report_in_order_without_retries() -> None:
    batch = targets(5)
    results, sent = run(batch, answer=ack_at_once)
    assert [r.etr for r in results] == [t.etr for t in batch]
    assert [r.rloc for r in results] == [str(t.rloc) for t in batch]
    assert all(r.acked and r.retries == 0 and r.error is None for r in results)
    assert all(r.ack_after is not None and r.ack_after >= 0 for r in results)
    assert [addr for _unused, addr in sent] == [(str(t.rloc), t.port) for t in batch]


def test_unacked_target_is_sent_once_per_schedule_step() -> None:
    results, sent = run(targets(2))
    assert len(sent) == 2 * len(FAST)
    for result in results:
        assert not result.acked
        assert result.retries == len(FAST) - 1
        assert result.error == f"no Map-Notify-Ack after {len(FAST)} sends"
    # A retransmission is the same message (same nonce), not a new one.
    assert len({data for data, _unused in sent}) == 2


def test_ack_after_a_retransmission_counts_the_retries() -> None:
    def ack_second_send(notifier: Notifier, data: bytes, index: int) -> None:
        if index == 1:
            ack_at_once(notifier, data, index)

    (result,), sent = run(targets(1), answer=ack_second_send)
    assert result.acked and result.retries == 1 and result.error is None
    assert len(sent) == 2


def test_forged_and_stray_acks_do_not_stop_retransmission() -> None:
    def forge(notifier: Notifier, data: bytes, _unused: int) -> None:
        assert not notifier.on_ack(*ack_for(data, key=b"not-the-key"))
        stray, raw, source = ack_for(data)
        assert not notifier.on_ack(
            MapNotifyMessage(stray.nonce + 1000, 0, stray.algorithm, (), None, None, True),
            raw,
            source,
        )

    (result,), sent = run(targets(1), answer=forge)
    assert not result.acked and len(sent) == len(FAST)


def test_an_ack_counts_only_from_the_etr_it_answers() -> None:
    """A sibling ETR shares the site key: its answer to a relayed copy comes
    from its own address (or another port) and must not ack the target."""

    def relayed(notifier: Notifier, data: bytes, _unused: int) -> None:
        message, raw, (address, port) = ack_for(data)
        assert not notifier.on_ack(message, raw, ("127.0.9.200", port))
        assert not notifier.on_ack(message, raw, (address, port + 1))

    (result,), sent = run(targets(1), answer=relayed)
    assert not result.acked and len(sent) == len(FAST)


def test_an_ack_with_another_key_id_does_not_count() -> None:
    def other_key_id(notifier: Notifier, data: bytes, _unused: int) -> None:
        assert not notifier.on_ack(*ack_for(data, key_id=7))

    (result,), _unused = run(targets(1), answer=other_key_id)
    assert not result.acked


def test_an_ack_from_the_ipv6_spelling_of_the_etr_counts() -> None:
    target = site_targets(
        "s6",
        key=KEY,
        key_id=0,
        algorithm=Algorithm.HMAC_SHA_256,
        eids=[Eid.parse("2001:db8::/48")],
        etrs=[("e6", ipaddress.ip_address("::1"))],
    )

    def ack_v6(notifier: Notifier, data: bytes, _unused: int) -> None:
        message, raw, _source = ack_for(data)
        assert notifier.on_ack(message, raw, ("0:0::1", 4342, 0, 0))  # type: ignore[arg-type]

    (result,), _unused = run(target, answer=ack_v6)
    assert result.acked


def test_send_failure_stops_that_target_only() -> None:
    def first_send_fails(count: int) -> OSError | None:
        return OSError(101, "Network is unreachable") if count == 0 else None

    results, sent = run(targets(2), answer=ack_at_once, fail=first_send_fails)
    assert results[0].error == "send failed: Network is unreachable"
    assert not results[0].acked and results[0].retries == 0
    assert results[1].acked
    assert len(sent) == 1


def test_an_empty_schedule_sends_nothing() -> None:
    (result,), sent = run(targets(1), schedule=())
    assert sent == [] and result.error == "no Map-Notify-Ack after 0 sends"


def test_pacing_keeps_target_order() -> None:
    batch = targets(3)
    many = [t for _unused in range(50) for t in batch]  # 150 sends: a paced step after the burst
    results, sent = run(many, answer=ack_at_once, pace_per_second=100000.0, burst=10)
    assert [addr[0] for _unused, addr in sent] == [str(t.rloc) for t in many]
    assert all(r.acked for r in results)


def test_cancelling_notify_stops_every_retransmission() -> None:
    sent: Sent = []

    async def scenario() -> None:
        notifier = Notifier(
            lambda data, addr: sent.append((data, addr)),
            itertools.count(1).__next__,
            schedule=(0.01,) * 100,
        )
        job = asyncio.ensure_future(notifier.notify(targets(3)))
        await asyncio.sleep(0.05)
        assert sent and notifier.outstanding == 3
        job.cancel()
        with pytest.raises(asyncio.CancelledError):
            await job
        assert notifier.outstanding == 0
        count = len(sent)
        await asyncio.sleep(0.05)
        assert len(sent) == count

    asyncio.run(scenario())


def test_a_send_error_on_retransmission_is_raised_not_hung() -> None:
    def second_send_breaks(count: int) -> OSError | None:
        if count == 1:
            raise RuntimeError("socket closed under us")
        return None

    with pytest.raises(RuntimeError, match="socket closed"):
        run(targets(1), fail=second_send_breaks)


def test_a_slow_pace_spaces_every_first_send() -> None:
    # 40 a second: first send i never leaves before i / 40 s after notify() began
    # (each at its own instant, not in steps of 64). Only lower bounds, from the
    # start: a loaded machine makes sends later, never earlier.
    instants: list[float] = []

    async def scenario() -> tuple[float, list[NotifyResult]]:
        loop = asyncio.get_running_loop()

        def send(data: bytes, addr: tuple[str, int]) -> None:
            instants.append(loop.time())
            loop.call_soon(ack_at_once, notifier, data, len(instants) - 1)

        notifier = Notifier(send, itertools.count(1).__next__, schedule=FAST, pace_per_second=40.0)
        began = loop.time()
        return began, await notifier.notify(targets(4))

    began, results = asyncio.run(scenario())
    assert all(r.acked for r in results)
    assert len(instants) == 4
    assert all(at >= began + index * 0.025 - 0.001 for index, at in enumerate(instants))


def test_stop_ends_sending_and_waiting_and_returns_every_target() -> None:
    sent: Sent = []
    first_sends: list[int] = []

    async def scenario() -> list[NotifyResult]:
        stop = asyncio.Event()

        def send(data: bytes, addr: tuple[str, int]) -> None:
            sent.append((data, addr))
            if len(sent) == 3:  # the third target goes out, is never acked, and then: stop
                asyncio.get_running_loop().call_later(0.02, stop.set)
            elif len(sent) < 3:
                asyncio.get_running_loop().call_soon(ack_at_once, notifier, data, 0)

        notifier = Notifier(
            send, itertools.count(1).__next__, schedule=(30.0,), pace_per_second=20.0
        )
        results = await asyncio.wait_for(
            notifier.notify(
                targets(10), on_first_send=lambda: first_sends.append(len(sent)), stop=stop
            ),
            5.0,  # a bound for the test only: without stop it would wait 30 s for an ack
        )
        assert notifier.outstanding == 0
        count = len(sent)
        await asyncio.sleep(0.1)
        assert len(sent) == count  # nothing after stop: no sends, no retransmissions
        return results

    results = asyncio.run(scenario())
    assert first_sends == [0, 1, 2]  # called right before each first transmission
    assert [r.etr for r in results] == [t.etr for t in targets(10)]
    assert [r.acked for r in results] == [True, True] + [False] * 8
    assert all(r.error is None for r in results)  # the caller says why it stopped
