# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The watch loop: one task per unit, reconnecting across reboots.

Per unit: connect, subscribe, then alternate a poll (every ``poll_interval``)
with waiting for notifications until the next poll is due. Any failure closes
the session and reconnects with a bounded exponential backoff, so a unit that
comes back from a reboot is reached within ``reconnect_max`` seconds.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from typing import Any, TypeVar

from ansible_collections.lispnet.ms_recovery.extensions.eda.watch.config import (
    UnitEndpoint,
    WatchConfig,
)
from ansible_collections.lispnet.ms_recovery.extensions.eda.watch.detector import (
    Detector,
    WatchEvent,
)
from ansible_collections.lispnet.ms_recovery.extensions.eda.watch.link import (
    NcclientLink,
    UnitLink,
)

log = logging.getLogger(__name__)
_R = TypeVar("_R")
OpenLink = Callable[[UnitEndpoint, WatchConfig], UnitLink]
Emit = Callable[[WatchEvent], Awaitable[None]]


class Backoff:
    """Reconnect delays: min, doubling, capped at max; reset once connected."""

    def __init__(self, minimum: float, maximum: float) -> None:
        self.minimum, self.maximum = minimum, max(minimum, maximum)
        self.current = minimum

    def next(self) -> float:
        delay = self.current
        self.current = min(self.current * 2, self.maximum)
        return delay

    def reset(self) -> None:
        self.current = self.minimum


class UnitWatcher:
    def __init__(
        self,
        endpoint: UnitEndpoint,
        config: WatchConfig,
        detector: Detector,
        emit: Emit,
        *,
        open_link: OpenLink,
        executor: ThreadPoolExecutor | None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.endpoint = endpoint
        self.config = config
        self.detector = detector
        self.emit = emit
        self.open_link = open_link
        self.executor = executor
        self.clock = clock
        self.backoff = Backoff(config.reconnect_min, config.reconnect_max)
        self.connects = 0  # sessions opened, for tests and logs

    async def _blocking(self, func: Callable[..., _R], *args: Any) -> _R:
        return await asyncio.get_running_loop().run_in_executor(self.executor, func, *args)

    async def run(self) -> None:
        while True:
            try:
                link = await self._blocking(self.open_link, self.endpoint, self.config)
            except Exception as exc:
                delay = self.backoff.next()
                log.debug(
                    "%s: connect failed (%s); retry in %.2f s", self.endpoint.name, exc, delay
                )
                await asyncio.sleep(delay)
                continue
            self.connects += 1
            self.backoff.reset()
            log.info("%s: connected (subscribed: %s)", self.endpoint.name, link.subscribed)
            try:
                await self._session(link)
            except Exception as exc:
                log.info("%s: session lost (%s); reconnecting", self.endpoint.name, exc)
            finally:
                # Fire and forget: closing a dead session may wait for its timeout.
                asyncio.get_running_loop().run_in_executor(self.executor, _quiet_close, link)
            await asyncio.sleep(self.backoff.next())

    async def _session(self, link: UnitLink) -> None:
        next_poll = self.clock()
        while True:
            if self.clock() >= next_poll:
                started = self.clock()
                reading = await self._blocking(link.poll)
                await self._publish(
                    self.detector.observe_poll(self.endpoint.name, reading, started)
                )
                next_poll = started + self.config.poll_interval
            wait = max(0.0, next_poll - self.clock())
            if not link.subscribed:
                await asyncio.sleep(wait)
                continue
            note = await self._blocking(link.next_notification, wait)
            if note is not None:
                await self._publish(self.detector.observe_notification(self.endpoint.name, note))

    async def _publish(self, events: Iterable[WatchEvent]) -> None:
        for event in events:
            log.info(
                "%s: %s of %s (%s)", event.map_server, event.event, event.unit, event.detected_by
            )
            await self.emit(event)


def _quiet_close(link: UnitLink) -> None:
    try:
        link.close()
    except Exception:  # already gone: that is usually why it is being closed
        pass


async def watch(
    config: WatchConfig,
    emit: Emit,
    *,
    open_link: OpenLink = NcclientLink.open,
    clock: Callable[[], float] = time.monotonic,
) -> None:
    """Watch every unit of ``config`` until cancelled."""
    detectors: dict[str, Detector] = {}
    for unit in config.units:
        detectors.setdefault(
            unit.map_server,
            Detector(
                unit.map_server,
                deficit_after=config.deficit_after,
                dedup_window=config.dedup_window,
                clock=clock,
            ),
        )
    # Own threads, two per unit (a call and a lingering close): the default pool is
    # small and shared; a unit's calls are sequential.
    executor = ThreadPoolExecutor(
        max_workers=2 * len(config.units) + 1, thread_name_prefix="ms_watch"
    )
    watchers = [
        UnitWatcher(
            unit,
            config,
            detectors[unit.map_server],
            emit,
            open_link=open_link,
            executor=executor,
            clock=clock,
        )
        for unit in config.units
    ]
    tasks = [asyncio.create_task(w.run(), name=f"ms_watch:{w.endpoint.name}") for w in watchers]
    try:
        await asyncio.gather(*tasks)
    finally:
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        executor.shutdown(wait=False, cancel_futures=True)
