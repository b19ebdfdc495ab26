"""The negative window: how long ITRs asking for configured EIDs are turned away.

A background thread plays an ITR: from the reboot on it sends ECM Map-Requests
(the collection's own resolver) for a sample of the inventory's EIDs, every
``interval`` seconds for each EID not yet answered positively, and notes the
first positive answer per EID. The window ends when every probed EID has had
one (an answer with the site's RLOCs); no answer (MS down) and negative
answers both count as turned away.
"""

from __future__ import annotations

import asyncio
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from ansible_collections.lispnet.ms_recovery.plugins.module_utils.eid_inventory import (
    EidInventory,
)
from ansible_collections.lispnet.ms_recovery.plugins.module_utils.recovery.resolver import (
    classify,
    plan_queries,
)
from ansible_collections.lispnet.ms_recovery.plugins.module_utils.recovery.resolver_udp import (
    ProbeSettings,
    Resolver,
)


@dataclass
class ProbeResult:
    started: float = 0.0  # time.time() of the first request
    first_ok: dict[str, float] = field(default_factory=dict)  # EID -> time.time()
    statuses: Counter[str] = field(default_factory=Counter)  # every answer seen
    probed: int = 0
    finished: bool = False  # every probed EID answered positively

    def window_end(self) -> float | None:
        return max(self.first_ok.values()) if self.finished and self.first_ok else None

    def as_json(self) -> dict[str, Any]:
        return {
            "probed_eids": self.probed,
            "requests_by_status": dict(self.statuses),
            "all_positive": self.finished,
        }


class NegativeProbe:
    def __init__(
        self,
        inventory: EidInventory,
        *,
        sample: int = 20,
        interval: float = 0.05,
        timeout: float = 0.25,
        limit: float = 120.0,
    ) -> None:
        self.queries = plan_queries(inventory, inventory.map_servers[0].name, sample=sample)
        self.map_server = inventory.map_servers[0].lisp_address
        self.interval, self.timeout, self.limit = interval, timeout, limit
        self.result = ProbeResult(probed=len(self.queries))
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="negative-probe", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self, wait: float = 5.0) -> ProbeResult:
        self._stop.set()
        self._thread.join(timeout=wait)
        return self.result

    def wait(self, timeout: float) -> bool:
        """True when the window closed (all positive) within ``timeout`` s."""
        self._thread.join(timeout=timeout)
        return self.result.finished

    def _run(self) -> None:
        asyncio.run(self._probe())

    async def _probe(self) -> None:
        settings = ProbeSettings(timeout=self.timeout, retries=0, concurrency=len(self.queries))
        pending = {q.asked: q for q in self.queries}
        self.result.started = time.time()
        deadline = time.monotonic() + self.limit
        async with Resolver(self.map_server, settings) as resolver:

            async def one(query: Any) -> None:
                answer, attempts = await resolver.ask(query)
                status = str(classify(query, answer, attempts)["status"])
                self.result.statuses[status] += 1
                if status == "ok" and query.asked in pending:
                    self.result.first_ok[query.asked] = time.time()
                    del pending[query.asked]

            while pending and not self._stop.is_set() and time.monotonic() < deadline:
                round_started = time.monotonic()
                # Each round asks every pending EID once and waits for all
                # answers (or timeouts) before the next one.
                await asyncio.gather(*(one(q) for q in list(pending.values())))
                rest = self.interval - (time.monotonic() - round_started)
                if rest > 0:
                    await asyncio.sleep(rest)
        self.result.finished = not pending
