"""wait_until_whole with a cheap count: the whole table is read only when it may be whole."""

from __future__ import annotations

import asyncio

from ansible_collections.lispnet.ms_recovery.plugins.module_utils.recovery.table_watch import (
    Watch,
    wait_until_whole,
)
from ansible_collections.lispnet.ms_recovery.tests.unit.module_utils.test_reregister_plan import (
    make_site,
)

SITES = (
    make_site("a", 1, ["10.0.0.0/24", "10.0.1.0/24"], ["192.0.2.1"]),
    make_site("b", 2, ["10.0.2.0/24"], ["192.0.2.2"]),
)


class Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        self.now += seconds


def _table(n: int) -> dict:
    eids = [e for s in SITES for e in s.eids][:n]
    owner = {e: s for s in SITES for e in s.eids}
    return {e: frozenset(owner[e].rlocs) for e in eids}


def test_full_reads_wait_for_the_count() -> None:
    clock = Clock()
    counts = iter([0, 1, 2, 3, 3])
    full_reads: list[int] = []
    registered = {"n": 0}

    def read_count() -> int:
        registered["n"] = next(counts)
        return registered["n"]

    def read_table() -> dict:
        full_reads.append(registered["n"])
        return _table(registered["n"])

    watch = Watch(started=0.0, clock=clock)
    state = asyncio.run(
        wait_until_whole(SITES, read_table, watch, 30.0, sleep=clock.sleep, read_count=read_count)
    )
    assert state.complete
    assert full_reads == [0, 3]  # the first read, then once the count reached 3
    assert sorted({n for _unused, n in watch.progress}) == [0, 1, 2, 3]  # the count fed the curve
    assert watch.elapsed is not None


def test_without_a_count_from_the_ms_every_poll_reads_the_table() -> None:
    clock = Clock()
    reads = iter([0, 1, 3])
    full_reads: list[int] = []

    def read_table() -> dict:
        n = next(reads)
        full_reads.append(n)
        return _table(n)

    state = asyncio.run(
        wait_until_whole(
            SITES,
            read_table,
            Watch(started=0.0, clock=clock),
            30.0,
            sleep=clock.sleep,
            read_count=lambda: None,
        )
    )
    assert state.complete
    assert full_reads == [0, 1, 3]


def test_the_bound_holds_when_the_count_never_gets_there() -> None:
    clock = Clock()
    state = asyncio.run(
        wait_until_whole(
            SITES,
            lambda: _table(1),
            Watch(started=0.0, clock=clock),
            2.0,
            sleep=clock.sleep,
            read_count=lambda: 1,
        )
    )
    assert not state.complete
    assert clock.now <= 2.0 + 1e-9


def test_the_deadline_judges_on_a_fresh_full_read() -> None:
    # One site never comes back, so the count stays short until the deadline:
    # the result must still reflect the sites that did come back since the
    # first read, not that first (empty) read.
    clock = Clock()
    full_reads: list[int] = []
    registered = {"n": 0}

    def read_count() -> int:
        registered["n"] = 2  # site a is back, site b is not
        return registered["n"]

    def read_table() -> dict:
        full_reads.append(registered["n"])
        return _table(registered["n"])

    state = asyncio.run(
        wait_until_whole(
            SITES,
            read_table,
            Watch(started=0.0, clock=clock),
            5.0,
            sleep=clock.sleep,
            read_count=read_count,
        )
    )
    assert not state.complete
    assert full_reads == [0, 2]  # the first read, then one at the deadline
    assert state.registered == 2
