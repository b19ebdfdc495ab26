# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""How long ms_watch takes to report a reboot, for benchmarks.

Runs the event source's watch loop in-process with the given source arguments
(the ones a rulebook gives ``lispnet.ms_recovery.ms_watch``), waits for a
baseline poll of every unit, calls ``trigger`` (which reboots a unit: a lab
control call, a script), and times:

- ``back_after``: trigger -> the unit's NETCONF port accepts connections again;
- ``latency``: that moment -> the event (the detection latency);
- ``total``: trigger -> the event.

For an event whose unit does not go down (``switchover``), ``back_after`` is 0
and ``latency`` counts from the trigger. Every wait is bounded by ``timeout``.

    result = measure_detection_latency(
        {"eid_inventory": "eids.yml", "username": "u", "password": "p",
         "ssh_config": "ssh_config", "poll_interval": 2},
        trigger=lambda: reboot_the_active_unit(),
        unit="ms1-a",
    )
    print(result.latency, result.detected_by)
"""

from __future__ import annotations

import asyncio
import socket
import time
from collections.abc import Callable, Mapping
from dataclasses import asdict, dataclass
from typing import Any

from ansible_collections.lispnet.ms_recovery.extensions.eda.watch.config import (
    UnitEndpoint,
    WatchConfig,
    parse_args,
)
from ansible_collections.lispnet.ms_recovery.extensions.eda.watch.detector import (
    PollReading,
    WatchEvent,
)
from ansible_collections.lispnet.ms_recovery.extensions.eda.watch.link import (
    NcclientLink,
    UnitLink,
)
from ansible_collections.lispnet.ms_recovery.extensions.eda.watch.watcher import OpenLink, watch
from ansible_collections.lispnet.ms_recovery.plugins.module_utils.model.events import (
    MsEvent,
)

# (host, port) -> does it accept a TCP connection right now
Probe = Callable[[str, int], bool]
PROBE_STEP = 0.02
# The unit going down after the trigger returned: a trigger may be asynchronous.
DOWN_WAIT = 5.0


class MeasureError(RuntimeError):
    """The measurement could not be made (no baseline, no event in time)."""


@dataclass(frozen=True)
class DetectionLatency:
    event: str
    unit: str
    detected_by: str  # poll | notification
    back_after: float
    latency: float
    total: float

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def tcp_probe(host: str, port: int) -> bool:
    try:
        socket.create_connection((host, port), timeout=0.2).close()
    except OSError:
        return False
    return True


class _CountingLink:
    """A link that counts its unit's successful polls: the baseline is a poll."""

    def __init__(self, link: UnitLink, on_poll: Callable[[], None]) -> None:
        self.link = link
        self.on_poll = on_poll
        self.subscribed = link.subscribed

    def poll(self) -> PollReading:
        reading = self.link.poll()
        self.on_poll()
        return reading

    def next_notification(self, timeout: float) -> MsEvent | None:
        return self.link.next_notification(timeout)

    def close(self) -> None:
        self.link.close()


def _wait_back(endpoint: UnitEndpoint, probe: Probe, timeout: float) -> float:
    """Blocking: when the unit's port is back, after it went down (monotonic)."""
    deadline = time.monotonic() + timeout
    down_by = min(deadline, time.monotonic() + DOWN_WAIT)
    while probe(endpoint.host, endpoint.port):
        if time.monotonic() >= down_by:
            raise MeasureError(f"{endpoint.name} did not go down after the trigger")
        time.sleep(PROBE_STEP)
    while not probe(endpoint.host, endpoint.port):
        if time.monotonic() >= deadline:
            raise MeasureError(f"{endpoint.name} was not back within {timeout:g} s")
        time.sleep(PROBE_STEP)
    return time.monotonic()


async def measure_detection_latency_async(
    source_args: Mapping[str, Any],
    trigger: Callable[[], object],
    *,
    event: str = "reboot",
    unit: str | None = None,
    timeout: float = 60.0,
    open_link: OpenLink = NcclientLink.open,
    probe: Probe = tcp_probe,
) -> DetectionLatency:
    config: WatchConfig = parse_args(source_args)
    endpoint = next((u for u in config.units if unit in (None, u.name)), None)
    if endpoint is None:
        raise MeasureError(f"no unit {unit!r} among {[u.name for u in config.units]}")
    polls = dict.fromkeys((u.name for u in config.units), 0)
    events: asyncio.Queue[tuple[float, WatchEvent]] = asyncio.Queue()

    def counting(target: UnitEndpoint, cfg: WatchConfig) -> UnitLink:
        def on_poll() -> None:
            polls[target.name] += 1

        return _CountingLink(open_link(target, cfg), on_poll)

    async def emit(found: WatchEvent) -> None:
        await events.put((time.monotonic(), found))

    task = asyncio.create_task(watch(config, emit, open_link=counting))
    try:
        deadline = time.monotonic() + timeout
        while not all(polls.values()):
            if task.done() or time.monotonic() >= deadline:
                raise MeasureError(f"no baseline poll of every unit within {timeout:g} s")
            await asyncio.sleep(0.05)
        await asyncio.sleep(0.05)  # the poll's reading reaches the detector
        while not events.empty():  # what the baseline said is not the measurement
            events.get_nowait()

        started = time.monotonic()
        await asyncio.to_thread(trigger)
        back = started
        if event == "reboot":
            back = await asyncio.to_thread(_wait_back, endpoint, probe, timeout)
        deadline = time.monotonic() + timeout
        while True:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise MeasureError(f"no {event} event within {timeout:g} s")
            try:
                at, found = await asyncio.wait_for(events.get(), remaining)
            except TimeoutError:
                raise MeasureError(f"no {event} event within {timeout:g} s") from None
            if found.event == event and unit in (None, found.unit):
                break
    finally:
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)
    return DetectionLatency(
        event=found.event,
        unit=found.unit,
        detected_by=found.detected_by,
        back_after=back - started,
        latency=max(0.0, at - back),
        total=at - started,
    )


def measure_detection_latency(
    source_args: Mapping[str, Any],
    trigger: Callable[[], object],
    **options: Any,
) -> DetectionLatency:
    """Blocking wrapper of :func:`measure_detection_latency_async` (own event loop)."""
    return asyncio.run(measure_detection_latency_async(source_args, trigger, **options))
