"""Per-source token buckets: how often one address may make a router answer.

The virtual MS answers Map-Requests from anyone (that is its job), and an
answer goes to an address the request names: unlimited, a spoofed stream of
requests turns the MS into a reflector. Each source gets ``rate`` answers per
second after a ``burst``; the table of sources is bounded (least recently seen
forgotten first), so spoofing many sources costs no memory either.
"""

from __future__ import annotations

from collections import OrderedDict

MAX_SOURCES = 4096


class PerSourceLimit:
    def __init__(self, rate: float, burst: float, max_sources: int = MAX_SOURCES) -> None:
        self.rate = rate
        self.burst = burst
        self.max_sources = max_sources
        self._buckets: OrderedDict[str, tuple[float, float]] = OrderedDict()  # tokens, at

    def allow(self, source: str, now: float) -> bool:
        """Take one token of ``source``'s bucket; False when it has none."""
        tokens, at = self._buckets.pop(source, (self.burst, now))
        tokens = min(self.burst, tokens + (now - at) * self.rate)
        allowed = tokens >= 1.0
        self._buckets[source] = (tokens - 1.0 if allowed else tokens, now)
        if len(self._buckets) > self.max_sources:
            self._buckets.popitem(last=False)
        return allowed

    def clear(self) -> None:
        self._buckets.clear()
