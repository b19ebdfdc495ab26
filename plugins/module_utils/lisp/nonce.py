# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""64-bit nonces: random ones, and ones that only ever grow (replay protection)."""

from __future__ import annotations

import secrets
import threading
import time

NONCE_BITS = 64
_RANDOM_BITS = 16
# 48 bits of milliseconds last until the year 10889, so the counter never wraps.
_TIME_BITS = NONCE_BITS - _RANDOM_BITS
_MAX = (1 << NONCE_BITS) - 1


def new_nonce() -> int:
    return secrets.randbits(NONCE_BITS)


class MonotonicNonce:
    """Nonces strictly increasing within this instance and across restarts.

    A receiver drops a message whose nonce is not greater than the last one it
    saw from the same sender. Deriving the high bits from the wall clock means
    a restarted sender starts above everything it sent before without storing
    anything; the random low bits keep nonces hard to predict.
    """

    def __init__(self) -> None:
        self._last = 0
        self._lock = threading.Lock()

    def next(self) -> int:
        millis = time.time_ns() // 1_000_000
        candidate = ((millis & ((1 << _TIME_BITS) - 1)) << _RANDOM_BITS) | secrets.randbits(
            _RANDOM_BITS
        )
        with self._lock:
            # Same millisecond (or a clock stepped back): still move forward.
            if candidate <= self._last:
                candidate = self._last + 1
            if candidate > _MAX:
                raise OverflowError("nonce space exhausted")
            self._last = candidate
            return candidate
