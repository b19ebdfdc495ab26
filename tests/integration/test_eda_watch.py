"""The ms_watch event source, run in-process against a real lab.

It is loaded by path, as ansible-rulebook loads it (runpy), and its events are
read from the queue ansible-rulebook would give it. Latencies are printed
(``pytest -s``), not asserted.
"""

from __future__ import annotations

import asyncio
import runpy
import socket
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import pytest

from ansible_collections.lispnet.ms_recovery.lab import paths
from ansible_collections.lispnet.ms_recovery.tests.support.lab import Lab

pytestmark = pytest.mark.integration

SOURCE = Path(__file__).resolve().parents[2] / "extensions/eda/plugins/event_source/ms_watch.py"
WAIT = 30.0


def source_args(lab: Lab) -> dict[str, Any]:
    return {
        "eid_inventory": str(lab.eids),
        "username": lab.spec.username,
        "password": lab.spec.password,
        "ssh_config": str(paths.ssh_config(lab.dir)),
        "poll_interval": 2,
    }


class Source:
    def __init__(self, queue: asyncio.Queue[dict[str, Any]]) -> None:
        self.queue = queue

    async def next(self, kind: str) -> tuple[dict[str, Any], float]:
        """The next event of ``kind`` (others are skipped) and when it arrived."""
        deadline = time.monotonic() + WAIT
        while True:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise AssertionError(f"no {kind} event within {WAIT} s")
            event = (await asyncio.wait_for(self.queue.get(), remaining))["lisp_ms"]
            if event["event"] == kind:
                return event, time.monotonic()


@asynccontextmanager
async def running_source(lab: Lab) -> AsyncIterator[Source]:
    main = runpy.run_path(str(SOURCE))["main"]
    queue: asyncio.Queue[dict[str, Any]] = asyncio.Queue()
    task = asyncio.create_task(main(queue, source_args(lab)))
    await asyncio.sleep(3.0)  # connected and a first poll done: the baseline
    assert not task.done(), task.exception() if task.done() else None
    assert queue.empty(), "a healthy lab is no event"
    try:
        yield Source(queue)
    finally:
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)


def wait_listening(host: str, port: int) -> float:
    """When the unit's NETCONF port accepts connections again (monotonic)."""
    deadline = time.monotonic() + WAIT
    while time.monotonic() < deadline:
        try:
            socket.create_connection((host, port), timeout=0.2).close()
            return time.monotonic()
        except OSError:
            time.sleep(0.02)
    raise AssertionError(f"{host}:{port} did not come back within {WAIT} s")


def test_reboot_then_deficit_are_reported(lab: Lab) -> None:
    async def scenario() -> None:
        async with running_source(lab) as source:
            started = time.monotonic()
            await asyncio.to_thread(lab.control, "reboot", down_for=1)
            back = await asyncio.to_thread(
                wait_listening, str(lab.spec.unit_address(0)), lab.spec.netconf_port
            )
            event, arrived = await source.next("reboot")
            assert event["unit"] == "ms1-a"
            assert event["map_server"] == "ms1"
            assert event["boot_time"] > event["previous_boot_time"]
            print(
                f"\nreboot: NETCONF back {back - started:.2f} s after the reboot command, "
                f"event {arrived - back:.2f} s later (detected by {event['detected_by']})"
            )
            # Nobody recovers the table here: the MS says it stays short.
            deficit, _unused = await source.next("registration_deficit")
            assert deficit["unit"] == "ms1-a"
            assert deficit["boot_time"] == event["boot_time"]
            assert deficit["registered"] < deficit["expected"]

    asyncio.run(scenario())


def test_switchover_is_reported_once(lab: Lab) -> None:
    async def scenario() -> None:
        async with running_source(lab) as source:
            started = time.monotonic()
            await asyncio.to_thread(lab.control, "switchover")
            event, arrived = await source.next("switchover")
            assert (event["unit"], event["previous_active"]) == ("ms1-b", "ms1-a")
            print(
                f"\nswitchover: event {arrived - started:.2f} s after the command "
                f"(detected by {event['detected_by']})"
            )
            await asyncio.sleep(5.0)  # both units notified, and polls ran since
            repeats = [
                e
                for e in (source.queue.get_nowait() for _unused in range(source.queue.qsize()))
                if e["lisp_ms"]["event"] == "switchover"
            ]
            assert repeats == []

    asyncio.run(scenario())
