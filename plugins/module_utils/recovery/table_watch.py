# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Poll the Map-Server's table until the selected sites are whole again.

The samples form the recovery curve of the report (seconds since the first
notification, registered EIDs). The clock and the sleep are injected so the
loop is unit-tested without waiting.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field

from ansible_collections.lispnet.ms_recovery.plugins.module_utils.eid_inventory import Site
from ansible_collections.lispnet.ms_recovery.plugins.module_utils.model.registered import (
    RegisteredTable,
)
from ansible_collections.lispnet.ms_recovery.plugins.module_utils.recovery.reregister_plan import (
    Completeness,
    completeness,
)

# Fast enough to see a recovery of a few hundred milliseconds, slow enough that
# polling a large table does not load the Map-Server it is watching.
FIRST_POLL_INTERVAL = 0.1
MAX_POLL_INTERVAL = 1.0
# With a count reader: the count is cheap, so it is polled at a steady pace,
# and the full table read at least this often (to notice ETRs that gave up).
COUNT_POLL_INTERVAL = 0.05
FULL_READ_EVERY = 10.0


@dataclass
class Watch:
    """Samples are [seconds since ``started``, registered EIDs]; one is kept per
    change of the count, plus the last one, so the curve stays short."""

    started: float
    clock: Callable[[], float] = time.monotonic
    progress: list[list[float]] = field(default_factory=list)
    elapsed: float | None = None  # seconds from the first notification to whole

    def record(self, state: Completeness) -> None:
        self._sample(state.registered)
        if state.complete and self.elapsed is None:
            self.elapsed = self.progress[-1][0]

    def record_count(self, registered: int) -> None:
        """A sample from the cheap count, which cannot tell the table is whole."""
        self._sample(registered)

    def _sample(self, registered: int) -> None:
        now = round(self.clock() - self.started, 3)
        sample = [now, registered]
        if len(self.progress) >= 2 and self.progress[-1][1] == self.progress[-2][1] == sample[1]:
            self.progress[-1] = sample
        else:
            self.progress.append(sample)


async def wait_until_whole(
    sites: Sequence[Site],
    read_table: Callable[[], RegisteredTable],
    watch: Watch,
    timeout: float,
    *,
    sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    keep_going: Callable[[], bool] = lambda: False,
    give_up: Callable[[Completeness], bool] = lambda state: False,
    read_count: Callable[[], int | None] | None = None,
) -> Completeness:
    """Read until every EID of ``sites`` is registered or ``timeout`` seconds
    after ``watch.started`` have passed; returns the last state read.

    ``read_table`` blocks (NETCONF), so it runs in a worker thread while the
    notifications go on in the event loop; reads never overlap, so one
    NETCONF session is enough. ``keep_going`` holds the loop open after the
    table is whole (notifications still waiting for acks) within the same bound;
    ``give_up`` ends it early when nothing more can come of the notifications.
    """
    deadline = watch.started + timeout
    interval = FIRST_POLL_INTERVAL
    needed = sum(len(site.eids) for site in sites)
    state: Completeness | None = None
    last_full = watch.clock()
    while True:
        # With a cheap count (the MS summary), the whole table is only read
        # once the count says it may be whole, or every FULL_READ_EVERY s (for
        # give_up): reading 50,000 entries costs the MS and this controller
        # seconds, the count milliseconds.
        count = None
        if read_count is not None and state is not None:
            count = await asyncio.to_thread(read_count)
            if count is None:  # the MS does not report it: full reads only
                read_count = None
        now = watch.clock()
        # At the deadline the whole table is read once more: the result must
        # judge every site on what the MS has now, not on the first read.
        if (
            count is not None
            and count < needed
            and now - last_full < FULL_READ_EVERY
            and now < deadline
        ):
            watch.record_count(count)
            await sleep(max(0.0, min(COUNT_POLL_INTERVAL, deadline - now)))
            continue
        state = completeness(sites, await asyncio.to_thread(read_table))
        last_full = watch.clock()
        watch.record(state)
        now = watch.clock()
        if (state.complete and not keep_going()) or now >= deadline or give_up(state):
            return state
        if read_count is not None:
            await sleep(max(0.0, min(COUNT_POLL_INTERVAL, deadline - now)))
            continue
        await sleep(max(0.0, min(interval, deadline - now)))
        interval = min(interval * 1.5, MAX_POLL_INTERVAL)
