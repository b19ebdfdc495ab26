# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""64-bit nonces: random ones, and a counter that only ever grows (replay protection).

A receiver drops an authenticated message whose nonce is not greater than the
last one it accepted from the same sender (RFC 9301: "a persisted counter per
key"). So a sender's nonces must grow across its restarts and must not depend
on its clock: a clock stepped back, or two senders with skewed clocks behind one
address, would make every receiver drop everything as replays.

:class:`NonceCounter` keeps its high-water mark in a file. It reserves nonces in
blocks: the file holds the end of the last block handed out, written (fsync'ed,
atomically) before any nonce of the block is used, so after a crash or a reboot
the next block starts above everything sent before. The clock is read once, when
the file is created: the counter starts where the earlier wall-clock scheme
would have (milliseconds in the high 48 bits, 16 random bits below), so
receivers that remember such nonces accept the new ones; after that only the
file counts. Processes
sharing the file (Ansible forks) reserve under ``flock``, so their blocks never
overlap.
"""

from __future__ import annotations

import fcntl
import os
import secrets
import threading
import time
from pathlib import Path

from ansible_collections.lispnet.ms_recovery.plugins.module_utils.atomic_file import (
    atomic_write_text,
)

NONCE_BITS = 64
_MAX = (1 << NONCE_BITS) - 1
# Nonces reserved per write of the file: a run of 10,000 notifications writes once,
# and 2**48 reservations fit in the nonce space.
DEFAULT_BLOCK = 1 << 16
# Where the clock-derived start puts a new counter: milliseconds since the epoch in
# the high 48 bits, as the earlier wall-clock nonces...
_CLOCK_SHIFT = 16
# ...with random low bits, as there, so that counters created in the same
# millisecond (an ETR's and its MS's) rarely hand out the same values: an ETR
# takes a Map-Notify whose nonce is one of its own Map-Registers' for the MS's
# ack of that register.
_START_JITTER_BITS = _CLOCK_SHIFT

# Where the controller keeps its counter unless a task says otherwise (the
# reregister and bridge_handback modules share it).
DEFAULT_NONCE_FILE = "~/.local/state/lispnet_ms_recovery/notify.nonce"


def new_nonce() -> int:
    return secrets.randbits(NONCE_BITS)


def clock_start() -> int:
    """A new counter's first value (read once, when its file is created)."""
    return ((time.time_ns() // 1_000_000) << _CLOCK_SHIFT) + secrets.randbits(_START_JITTER_BITS)


class NonceCounterError(OSError):
    """The counter's file cannot be read or written; nothing is sent without it."""


class NonceCounter:
    """Strictly increasing nonces, persisted in ``path`` (in memory when None).

    One instance per sender address: every message it sends, to whichever
    receiver and under whichever key, takes the next value, so the nonces are
    increasing per key too. Thread-safe.
    """

    def __init__(self, path: str | os.PathLike[str] | None, *, block: int = DEFAULT_BLOCK) -> None:
        if block < 1:
            raise ValueError("block must be at least 1")
        self.path = None if path is None else Path(path)
        self._block = block
        self._lock = threading.Lock()
        self._next = 0
        self._end = 0  # _next == _end: the block is used up

    def next(self) -> int:
        with self._lock:
            if self._next >= self._end:
                self._reserve()
            value = self._next
            self._next += 1
            return value

    def _reserve(self) -> None:
        if self.path is None:
            start = max(self._end, clock_start())
        else:
            start = self._reserve_in_file(self.path)
        end = start + self._block
        if end > _MAX:
            raise NonceCounterError("nonce space exhausted")
        self._next, self._end = start, end

    def _reserve_in_file(self, path: Path) -> int:
        try:
            path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
            fd = os.open(f"{path}.lock", os.O_RDWR | os.O_CREAT, 0o600)
        except OSError as exc:
            raise NonceCounterError(f"nonce counter {path}: {exc}") from None
        try:
            fcntl.flock(fd, fcntl.LOCK_EX)
            stored = _read(path)
            start = clock_start() if stored is None else stored
            start = max(start, self._end)
            atomic_write_text(path, f"{start + self._block}\n")
            return start
        except OSError as exc:
            raise NonceCounterError(f"nonce counter {path}: {exc}") from None
        finally:
            os.close(fd)  # releases the lock


def _read(path: Path) -> int | None:
    """The end of the last block handed out, None before the first."""
    try:
        text = path.read_text(encoding="ascii").strip()
    except FileNotFoundError:
        return None
    try:
        value = int(text)
    except ValueError:
        raise NonceCounterError(
            f"nonce counter {path}: not a number ({text[:20]!r});"
            " remove the file to start again from the clock"
        ) from None
    if not 0 <= value <= _MAX:
        raise NonceCounterError(f"nonce counter {path}: {value} is not a 64-bit value")
    return value
