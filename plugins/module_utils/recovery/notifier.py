# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Send re-registration notifications (unsolicited Map-Notify) and wait for acks.

One engine for both senders: the virtual Map-Server (MS-native recovery) and the
controller (``reregister`` with ``method: lisp``). It does no socket I/O itself:
the owner passes a ``send`` callable and feeds every Map-Notify-Ack it receives
to :meth:`Notifier.on_ack`, because the MS must share its one UDP socket on the
service address with Map-Register traffic.
"""

from __future__ import annotations

import asyncio
import ipaddress
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field

from ansible_collections.lispnet.ms_recovery.plugins.module_utils.lisp.auth import Algorithm, verify
from ansible_collections.lispnet.ms_recovery.plugins.module_utils.lisp.codec import (
    MapNotifyMessage,
    encode_map_notify,
)
from ansible_collections.lispnet.ms_recovery.plugins.module_utils.lisp.types import (
    Eid,
    IPAddress,
    Mapping,
    Rloc,
)

LISP_CONTROL_PORT = 4342

# RFC 9301 section 5.7: an unsolicited Map-Notify is retransmitted until acked,
# up to 3 times at 3 s, then 3 more with doubling backoff. Each number is how long
# to wait for the ack after one transmission, so there are as many sends as waits.
RFC_RETRANSMIT_SCHEDULE: tuple[float, ...] = (3.0, 3.0, 3.0, 3.0, 6.0, 12.0, 24.0)


@dataclass(frozen=True)
class NotifyTarget:
    """One ETR to notify, with everything needed to build and check the message."""

    site: str
    etr: str
    rloc: IPAddress
    records: tuple[Mapping, ...]
    key: bytes = field(repr=False)
    key_id: int
    algorithm: int
    port: int = LISP_CONTROL_PORT
    # Nonce -> the message to send, for senders of something else than an
    # unsolicited Map-Notify (a bridge Map-Register); None: the Map-Notify.
    build: Callable[[int], bytes] | None = field(default=None, repr=False, compare=False)


@dataclass
class NotifyResult:
    site: str
    etr: str
    rloc: str
    acked: bool = False
    retries: int = 0
    error: str | None = None
    ack_after: float | None = None  # seconds from first send to the ack
    acked_at: float | None = None  # wall-clock time (time.time()) of the ack

    def as_dict(self) -> dict[str, object]:
        return {
            "site": self.site,
            "etr": self.etr,
            "rloc": self.rloc,
            "acked": self.acked,
            "retries": self.retries,
            "error": self.error,
            "ack_after": None if self.ack_after is None else round(self.ack_after, 4),
        }


class _Batch:
    """One notify() call: how many of its targets still wait, and its wake-up."""

    __slots__ = ("done", "loop", "waiting")

    def __init__(self, loop: asyncio.AbstractEventLoop, size: int) -> None:
        self.loop = loop
        self.done: asyncio.Future[None] = loop.create_future()
        self.waiting = size

    def finish_one(self) -> None:
        self.waiting -= 1
        if self.waiting == 0 and not self.done.done():
            self.done.set_result(None)

    def fail(self, exc: Exception) -> None:
        if not self.done.done():
            self.done.set_exception(exc)


# Shorter waits than this are not worth a sleep: the loop's own turn takes about as long.
_MIN_SLEEP = 0.002


async def _sleep(seconds: float, stop: asyncio.Event | None) -> None:
    """Sleep, but wake up as soon as ``stop`` is set."""
    if stop is None or seconds <= 0:
        await asyncio.sleep(seconds)
        return
    try:
        await asyncio.wait_for(stop.wait(), seconds)
    except TimeoutError:
        pass


async def _until_done(batch: _Batch, stop: asyncio.Event | None) -> None:
    if stop is None:
        await batch.done
        return
    stopped = asyncio.ensure_future(stop.wait())
    try:
        await asyncio.wait((batch.done, stopped), return_when=asyncio.FIRST_COMPLETED)
    finally:
        stopped.cancel()
    if batch.done.done():
        batch.done.result()  # a send error raised in a timer callback


@dataclass(slots=True, eq=False)
class _Pending:
    """One target in flight: its message and where its retransmit schedule is."""

    target: NotifyTarget
    address: tuple[str, int]
    nonce: int
    result: NotifyResult
    batch: _Batch
    message: bytes = b""
    attempt: int = 0
    first_sent: float = 0.0
    timer: asyncio.TimerHandle | None = None
    finished: bool = False


def site_targets(
    site: str,
    *,
    key: bytes,
    key_id: int,
    algorithm: int,
    eids: Sequence[Eid],
    etrs: Sequence[tuple[str, IPAddress]],
) -> list[NotifyTarget]:
    """One notification per ETR of a site; each carries all the site's EID-records
    with all its ETRs' RLOCs, so the ETR can check it is about its own site."""
    rlocs = tuple(Rloc(rloc) for _name, rloc in etrs)
    records = tuple(Mapping(eid, rlocs) for eid in eids)
    return [
        NotifyTarget(
            site=site,
            etr=name,
            rloc=rloc,
            records=records,
            key=key,
            key_id=key_id,
            algorithm=algorithm,
        )
        for name, rloc in etrs
    ]


Sender = Callable[[bytes, tuple[str, int]], None]


def _same_endpoint(source: tuple[str, int], expected: tuple[str, int]) -> bool:
    """Address and port equal; the address compared as an IP (an IPv6 socket
    reports its own spelling, and a 4-tuple with flow info and scope)."""
    if source[1] != expected[1]:
        return False
    try:
        return ipaddress.ip_address(source[0].split("%", 1)[0]) == ipaddress.ip_address(expected[0])
    except ValueError:
        return False


class Notifier:
    """Retransmit-until-acked delivery of authenticated Map-Notify messages."""

    def __init__(
        self,
        send: Sender,
        next_nonce: Callable[[], int],
        *,
        schedule: Sequence[float] = RFC_RETRANSMIT_SCHEDULE,
        pace_per_second: float = 20000.0,
        burst: int = 0,
        answer_is_ack: bool = True,
    ) -> None:
        self._send = send
        self._next_nonce = next_nonce
        self._schedule = tuple(schedule)
        self._pace = max(pace_per_second, 0.001)
        # The first ``burst`` notifications go out unpaced: a receiver's socket
        # queue absorbs them, and a small recovery is then not slowed at all.
        self._burst = max(burst, 0)
        self._pending: dict[int, _Pending] = {}
        # What completes a target: a Map-Notify-Ack (to a Map-Notify), or the
        # Map-Notify by which a Map-Server confirms a Map-Register (M bit).
        self._answer_is_ack = answer_is_ack

    @property
    def outstanding(self) -> int:
        return len(self._pending)

    def expects(self, nonce: int) -> bool:
        """Whether a notification with this nonce awaits its ack: a receiver
        asks before decoding (or caching) anything of a datagram."""
        return nonce in self._pending

    def on_ack(self, message: MapNotifyMessage, raw: bytes, source: tuple[str, int]) -> bool:
        """Feed a received Map-Notify-Ack; True when it completed one of ours.

        An ack counts only for the ETR it answers: its nonce is one we sent, it
        comes from that ETR's address and port (``source``, as the socket
        reported it), names the key id we used and authenticates with that key.
        The ETRs of a site share its key, so without the source check a sibling
        answering a relayed copy would mark a dead ETR acked. A forged, stray
        or relayed ack must not stop retransmission.
        """
        pending = self._pending.get(message.nonce)
        if pending is None or message.is_ack != self._answer_is_ack:
            return False
        if not _same_endpoint(source, pending.address):
            return False
        target = pending.target
        if message.key_id != target.key_id or message.algorithm != target.algorithm:
            return False
        if not verify(raw, target.key, Algorithm(target.algorithm)):
            return False
        if not pending.result.acked:
            pending.result.acked = True
            pending.result.ack_after = time.monotonic() - pending.first_sent
            pending.result.acked_at = time.time()
            self._finish(pending)
        return True

    async def notify(
        self,
        targets: Iterable[NotifyTarget],
        *,
        on_first_send: Callable[[], None] | None = None,
        stop: asyncio.Event | None = None,
        progress: list[NotifyResult] | None = None,
    ) -> list[NotifyResult]:
        """Notify every target; return one result per target, in order.

        Each message is encoded just before its first send, so the first one
        leaves at once however many follow. After the first ``burst`` targets,
        first sends keep to ``pace_per_second``, each at its own instant (a
        few per second as exactly as thousands). Retransmissions are timer
        callbacks rather than a task per target: at 10,000 targets tasks were
        a good part of the sender's time. ``on_first_send`` is called right
        before each target's first transmission. Once ``stop`` is set nothing
        more is sent and the results come back as they are: targets without an
        ack (sent or not) are neither acked nor in error. Cancelling this
        coroutine cancels every retransmission still scheduled. ``progress``
        gets each target's result as it is first sent, updated in place as its
        ack comes: a caller that cannot wait for the end reads it meanwhile.
        """
        targets = list(targets)
        if not targets:
            return []
        loop = asyncio.get_running_loop()
        batch = _Batch(loop, len(targets))
        started: list[_Pending] = []
        gap = 1.0 / self._pace
        paced_from = loop.time()
        try:
            for index, target in enumerate(targets):
                paced = index - self._burst
                if paced == 0:
                    paced_from = loop.time()
                if paced > 0:
                    ahead = paced_from + paced * gap - loop.time()
                    # Sleep when ahead of the pace; when behind, still yield now
                    # and then so that acks are read while thousands go out.
                    if ahead > _MIN_SLEEP or paced % 64 == 0:
                        await _sleep(max(ahead, 0.0), stop)
                if stop is not None and stop.is_set():
                    break
                pending = self._track(target, batch)
                started.append(pending)
                if progress is not None:
                    progress.append(pending.result)
                if on_first_send is not None:
                    on_first_send()
                self._first_send(pending)
            await _until_done(batch, stop)
        finally:
            for pending in started:
                if pending.timer is not None:
                    pending.timer.cancel()
                self._pending.pop(pending.nonce, None)
        unsent = targets[len(started) :]
        return [p.result for p in started] + [
            NotifyResult(site=t.site, etr=t.etr, rloc=str(t.rloc)) for t in unsent
        ]

    def _track(self, target: NotifyTarget, batch: _Batch) -> _Pending:
        nonce = self._next_nonce()
        rloc = str(target.rloc)  # once: the result and every send need the text
        pending = _Pending(
            target=target,
            address=(rloc, target.port),
            nonce=nonce,
            result=NotifyResult(site=target.site, etr=target.etr, rloc=rloc),
            batch=batch,
        )
        self._pending[nonce] = pending
        return pending

    def _first_send(self, pending: _Pending) -> None:
        if not self._schedule:
            pending.first_sent = time.monotonic()
            self._give_up(pending)
            return
        target = pending.target
        if target.build is not None:
            pending.message = target.build(pending.nonce)
        else:
            pending.message = encode_map_notify(
                target.records,
                key=target.key,
                key_id=target.key_id,
                algorithm=Algorithm(target.algorithm),
                nonce=pending.nonce,
            )
        pending.first_sent = time.monotonic()
        self._transmit(pending)

    def _transmit(self, pending: _Pending) -> None:
        """Send the attempt ``pending.attempt`` and wait its time for the ack."""
        pending.result.retries = pending.attempt
        try:
            self._send(pending.message, pending.address)
        except OSError as exc:
            pending.result.error = f"send failed: {exc.strerror or exc}"
            self._finish(pending)
            return
        wait = self._schedule[pending.attempt]
        pending.timer = pending.batch.loop.call_later(wait, self._on_timeout, pending)

    def _on_timeout(self, pending: _Pending) -> None:
        pending.timer = None
        pending.attempt += 1
        try:
            if pending.attempt < len(self._schedule):
                self._transmit(pending)
            else:
                self._give_up(pending)
        except Exception as exc:
            # Raised by send() in a timer callback: notify() raises it, as it
            # would for the first send, instead of waiting forever.
            pending.batch.fail(exc)

    def _give_up(self, pending: _Pending) -> None:
        answer = "Map-Notify-Ack" if self._answer_is_ack else "Map-Notify"
        pending.result.error = f"no {answer} after {len(self._schedule)} sends"
        self._finish(pending)

    def _finish(self, pending: _Pending) -> None:
        if pending.finished:
            return
        pending.finished = True
        if pending.timer is not None:
            pending.timer.cancel()
            pending.timer = None
        pending.batch.finish_one()
