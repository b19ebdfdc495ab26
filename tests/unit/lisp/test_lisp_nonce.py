# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
from __future__ import annotations

import itertools
import time

import pytest

from ansible_collections.lispnet.ms_recovery.plugins.module_utils.lisp import nonce
from ansible_collections.lispnet.ms_recovery.plugins.module_utils.lisp.nonce import (
    MonotonicNonce,
    new_nonce,
)


def test_random_nonces_are_64_bit_and_distinct() -> None:
    values = {new_nonce() for _ in range(1000)}
    assert len(values) == 1000
    assert all(0 <= v < 2**64 for v in values)
    assert max(values) >= 2**60


def test_monotonic_within_an_instance() -> None:
    source = MonotonicNonce()
    values = [source.next() for _ in range(10_000)]
    assert all(a < b for a, b in itertools.pairwise(values))
    assert all(0 <= v < 2**64 for v in values)


def test_bumps_when_clock_stands_still(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(nonce.time, "time_ns", lambda: 1_700_000_000_000_000_000)
    source = MonotonicNonce()
    values = [source.next() for _ in range(100)]
    assert all(a < b for a, b in itertools.pairwise(values))


def test_survives_clock_stepping_back(monkeypatch: pytest.MonkeyPatch) -> None:
    source = MonotonicNonce()
    first = source.next()
    monkeypatch.setattr(nonce.time, "time_ns", lambda: 1_000_000_000)
    assert source.next() > first


def test_restarted_sender_starts_above_earlier_nonces() -> None:
    # A new instance stands for a restarted process: no state is shared.
    before = MonotonicNonce()
    last = max(before.next() for _ in range(100))
    time.sleep(0.002)
    assert MonotonicNonce().next() > last
