"""The ms_watch loop with fake NETCONF links: reconnects, polling fallback, events."""

from __future__ import annotations

import asyncio
import queue
import threading
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from ansible_collections.lispnet.ms_recovery.extensions.eda.watch.config import (
    UnitEndpoint,
    WatchConfig,
)
from ansible_collections.lispnet.ms_recovery.extensions.eda.watch.detector import (
    PollReading,
    WatchEvent,
)
from ansible_collections.lispnet.ms_recovery.extensions.eda.watch.watcher import Backoff, watch
from ansible_collections.lispnet.ms_recovery.plugins.module_utils.model.events import (
    MsEvent,
)
from ansible_collections.lispnet.ms_recovery.plugins.module_utils.model.ms import (
    MsSummary,
    MsUnitInfo,
)
from ansible_collections.lispnet.ms_recovery.plugins.module_utils.netconf_session import (
    NetconfFailure,
)

T0 = datetime(2025, 3, 1, 12, 0, tzinfo=UTC)
WAIT = 5.0


class FakeUnit:
    """A Map-Server unit's state; links (sessions) to it die when it reboots."""

    def __init__(self, name: str, role: str, subscribe: bool = True) -> None:
        unit = MsUnitInfo(name, role, None, T0, 0)
        self.reading = PollReading(unit, MsSummary(None, None, {}, 10, 10))
        self.subscribe = subscribe
        self.up = True
        self.generation = 0
        self.opens = 0
        self.notes: queue.Queue[MsEvent] = queue.Queue()
        self.lock = threading.Lock()

    def reboot(self, boot: datetime) -> None:
        with self.lock:
            self.generation += 1
            assert self.reading.unit is not None
            self.reading = replace(self.reading, unit=replace(self.reading.unit, boot_time=boot))

    def set_role(self, role: str) -> None:
        with self.lock:
            assert self.reading.unit is not None
            self.reading = replace(self.reading, unit=replace(self.reading.unit, ha_role=role))

    def set_down(self, down: bool) -> None:
        with self.lock:
            self.up = not down
            if down:
                self.generation += 1


class FakeLink:
    def __init__(self, unit: FakeUnit) -> None:
        self.unit = unit
        self.generation = unit.generation
        self.subscribed = unit.subscribe

    def _alive(self) -> None:
        if not self.unit.up or self.unit.generation != self.generation:
            raise NetconfFailure("session closed")

    def poll(self) -> PollReading:
        self._alive()
        return self.unit.reading

    def next_notification(self, timeout: float) -> MsEvent | None:
        try:
            return self.unit.notes.get(timeout=timeout)
        except queue.Empty:
            self._alive()
            return None

    def close(self) -> None:
        pass


def fake_opener(units: dict[str, FakeUnit]) -> Any:
    def open_link(endpoint: UnitEndpoint, config: WatchConfig) -> FakeLink:
        unit = units[endpoint.name]
        unit.opens += 1
        if not unit.up:
            raise NetconfFailure("connection refused")
        return FakeLink(unit)

    return open_link


def config(*names: str, **kw: Any) -> WatchConfig:
    options: dict[str, Any] = {
        "poll_interval": 0.05,
        "reconnect_min": 0.01,
        "reconnect_max": 0.05,
        "deficit_after": 0.2,
        "dedup_window": 1.0,
        **kw,
    }
    units = tuple(UnitEndpoint(n, "127.0.0.1", 830, "ms1") for n in names)
    return WatchConfig(units=units, username="u", password="p", **options)


class Running:
    """watch() in a task, its events in a queue."""

    def __init__(self, cfg: WatchConfig, units: dict[str, FakeUnit]) -> None:
        self.events: asyncio.Queue[dict[str, Any]] = asyncio.Queue()

        async def emit(event: WatchEvent) -> None:
            await self.events.put(event.payload()["lisp_ms"])

        self.task = asyncio.create_task(watch(cfg, emit, open_link=fake_opener(units)))

    async def next(self) -> dict[str, Any]:
        return await asyncio.wait_for(self.events.get(), WAIT)

    async def settle(self, units: dict[str, FakeUnit]) -> None:
        """Until every unit has a session and a poll or two happened."""
        for _unused in range(200):
            if all(u.opens for u in units.values()):
                break
            await asyncio.sleep(0.01)
        await asyncio.sleep(0.2)

    async def stop(self) -> None:
        self.task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await self.task


def test_backoff_doubles_up_to_its_cap_and_resets() -> None:
    backoff = Backoff(0.25, 2.0)
    assert [backoff.next() for _unused in range(6)] == [0.25, 0.5, 1.0, 2.0, 2.0, 2.0]
    backoff.reset()
    assert backoff.next() == 0.25


async def _reboot_scenario(subscribe: bool) -> tuple[dict[str, Any], FakeUnit]:
    units = {"ms1-a": FakeUnit("ms1-a", "active", subscribe)}
    run = Running(config("ms1-a"), units)
    await run.settle(units)
    unit = units["ms1-a"]
    unit.set_down(True)
    await asyncio.sleep(0.3)  # several refused reconnects
    opens_while_down = unit.opens
    unit.reboot(T0 + timedelta(minutes=1))
    unit.set_down(False)
    event = await run.next()
    await run.stop()
    assert opens_while_down >= 3  # it kept trying, with a bounded delay
    return event, unit


def test_reboot_is_detected_by_poll_after_reconnecting() -> None:
    event, _unused = asyncio.run(_reboot_scenario(subscribe=True))
    assert event["event"] == "reboot"
    assert event["unit"] == "ms1-a"
    assert event["detected_by"] == "poll"
    assert event["boot_time"] == (T0 + timedelta(minutes=1)).isoformat()


def test_a_unit_without_notifications_is_polled() -> None:
    event, _unused = asyncio.run(_reboot_scenario(subscribe=False))
    assert (event["event"], event["detected_by"]) == ("reboot", "poll")


def test_notifications_become_events_and_polls_do_not_repeat_them() -> None:
    async def scenario() -> list[dict[str, Any]]:
        units = {"ms1-a": FakeUnit("ms1-a", "active"), "ms1-b": FakeUnit("ms1-b", "standby")}
        run = Running(config("ms1-a", "ms1-b"), units)
        await run.settle(units)
        details = {"new-active": "ms1-b", "previous-active": "ms1-a"}
        # the pair switches over and both units say so; the roles a poll reads change
        # only once the notification is out, since polls run in threads and a poll
        # that saw the new roles first would (rightly) report the switchover itself
        for name in units:
            units[name].notes.put(MsEvent("ha-switchover", name, T0, details))
        first = await run.next()
        units["ms1-a"].set_role("standby")
        units["ms1-b"].set_role("active")
        await asyncio.sleep(0.5)  # many polls later
        rest = [run.events.get_nowait() for _unused in range(run.events.qsize())]
        await run.stop()
        return [first, *rest]

    events = asyncio.run(scenario())
    assert [(e["event"], e["unit"], e["detected_by"]) for e in events] == [
        ("switchover", "ms1-b", "notification")
    ]


def test_a_polled_deficit_is_reported_once() -> None:
    async def scenario() -> list[dict[str, Any]]:
        units = {"ms1-a": FakeUnit("ms1-a", "active", subscribe=False)}
        run = Running(config("ms1-a"), units)
        await run.settle(units)
        short = MsSummary(None, None, {}, 10, 7)
        units["ms1-a"].reading = replace(units["ms1-a"].reading, summary=short)
        first = await run.next()
        await asyncio.sleep(0.5)
        rest = [run.events.get_nowait() for _unused in range(run.events.qsize())]
        await run.stop()
        return [first, *rest]

    events = asyncio.run(scenario())
    assert [(e["event"], e["expected"], e["registered"]) for e in events] == [
        ("registration_deficit", 10, 7)
    ]


def test_a_failing_unit_does_not_stop_the_others() -> None:
    async def scenario() -> dict[str, Any]:
        units = {"ms1-a": FakeUnit("ms1-a", "active"), "ms1-b": FakeUnit("ms1-b", "standby")}
        units["ms1-b"].set_down(True)  # never reachable
        run = Running(config("ms1-a", "ms1-b"), units)
        await asyncio.sleep(0.3)
        units["ms1-a"].reboot(T0 + timedelta(minutes=3))
        event = await run.next()
        await run.stop()
        assert units["ms1-b"].opens >= 3
        return event

    assert asyncio.run(scenario())["unit"] == "ms1-a"
