"""Network faults for the lab: lose, duplicate or delay the LISP datagrams a router sends.

Every lab router sends its LISP datagrams through :meth:`FaultSpec.sender`, so
one setting (``lisplab up --loss/--duplicate/--delay``) hurts both directions of
every exchange: notifications and their acks, registrations and theirs. The
faults are injected on the sending side because the receiving side is the code
under test; a datagram lost there would never exercise the sender's retries.

Each router draws from its own random stream, seeded from ``--fault-seed`` and
the router's name, so a seeded lab loses the same messages of the same router
however the processes interleave.
"""

from __future__ import annotations

import asyncio
import logging
import random
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass

log = logging.getLogger(__name__)

Sender = Callable[[bytes, tuple[str, int]], None]
MAX_DELAY_MS = 10_000.0  # longer than any retransmission schedule is no longer a delay


@dataclass(frozen=True)
class FaultSpec:
    loss: float = 0.0  # probability that a datagram is dropped
    duplicate: float = 0.0  # probability that a (surviving) datagram is sent twice
    delay_ms: float = 0.0  # added to every datagram, order kept
    seed: int | None = None  # None: a fresh random stream per run

    def __post_init__(self) -> None:
        if not 0.0 <= self.loss < 1.0:
            raise ValueError(f"loss must be in [0, 1), got {self.loss}")
        if not 0.0 <= self.duplicate <= 1.0:
            raise ValueError(f"duplicate must be in [0, 1], got {self.duplicate}")
        if not 0.0 <= self.delay_ms <= MAX_DELAY_MS:
            raise ValueError(f"delay must be 0..{MAX_DELAY_MS:g} ms, got {self.delay_ms}")

    @property
    def active(self) -> bool:
        return bool(self.loss or self.duplicate or self.delay_ms)

    def rng(self, router: str) -> random.Random:
        # A str seed is hashed with SHA-512 by random.Random: stable across runs.
        return random.Random(f"{self.seed}:{router}") if self.seed is not None else random.Random()

    def sender(self, send: Sender, router: str, counters: Counter[str]) -> Sender:
        """``send`` itself when there is nothing to inject, else a faulty wrapper."""
        if not self.active:
            return send
        return FaultySender(send, self, self.rng(router), counters)


class FaultySender:
    """A ``send(data, addr)`` that loses, duplicates and delays as its spec says."""

    def __init__(
        self, send: Sender, spec: FaultSpec, rng: random.Random, counters: Counter[str]
    ) -> None:
        self._send = send
        self._spec = spec
        self._rng = rng
        self.counters = counters

    def __call__(self, data: bytes, addr: tuple[str, int]) -> None:
        # Both draws are taken for every datagram so that one setting does not
        # shift the random stream of the other between runs.
        lost = self._rng.random() < self._spec.loss
        twice = self._rng.random() < self._spec.duplicate
        if lost:
            self.counters["dropped"] += 1
            return
        copies = 2 if twice else 1
        if twice:
            self.counters["duplicated"] += 1
        for _unused in range(copies):
            if self._spec.delay_ms:
                self.counters["delayed"] += 1
                loop = asyncio.get_running_loop()
                loop.call_later(self._spec.delay_ms / 1000.0, self._late, data, addr)
            else:
                # Errors of the real send reach the caller, as without faults.
                self._send(data, addr)

    def _late(self, data: bytes, addr: tuple[str, int]) -> None:
        # Nobody is left to tell: the router may have rebooted meanwhile.
        try:
            self._send(data, addr)
        except OSError as exc:
            self.counters["delayed-send-errors"] += 1
            log.debug("delayed send to %s failed: %s", addr, exc)
