# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
from __future__ import annotations

import itertools
from pathlib import Path

import pytest

from ansible_collections.lispnet.ms_recovery.plugins.module_utils.lisp import nonce
from ansible_collections.lispnet.ms_recovery.plugins.module_utils.lisp.nonce import (
    NonceCounter,
    NonceCounterError,
    new_nonce,
)


def test_random_nonces_are_64_bit_and_distinct() -> None:
    values = {new_nonce() for _unused in range(1000)}
    assert len(values) == 1000
    assert all(0 <= v < 2**64 for v in values)
    assert max(values) >= 2**60


def test_increasing_within_an_instance_across_blocks(tmp_path: Path) -> None:
    source = NonceCounter(tmp_path / "n", block=7)
    values = [source.next() for _unused in range(1000)]
    assert all(a < b for a, b in itertools.pairwise(values))
    assert all(0 <= v < 2**64 for v in values)


def test_a_restart_after_the_clock_stepped_back_starts_above_earlier_nonces(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    before = NonceCounter(tmp_path / "n")
    last = max(before.next() for _unused in range(100))
    # A new instance stands for a restarted process; its clock now says 1970.
    monkeypatch.setattr(nonce.time, "time_ns", lambda: 1_000_000_000)
    assert NonceCounter(tmp_path / "n").next() > last


def test_the_clock_is_read_only_when_the_file_is_created(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(nonce.time, "time_ns", lambda: 1_700_000_000_000_000_000)
    first = NonceCounter(tmp_path / "n", block=10).next()
    # At or above what the wall-clock scheme sent then, by a random offset.
    assert first >> 16 == 1_700_000_000_000
    monkeypatch.setattr(nonce.time, "time_ns", lambda: 1_800_000_000_000_000_000)
    assert NonceCounter(tmp_path / "n", block=10).next() == first + 10


def test_senders_sharing_the_file_never_hand_out_the_same_nonce(tmp_path: Path) -> None:
    a, b = NonceCounter(tmp_path / "n", block=5), NonceCounter(tmp_path / "n", block=5)
    values = [source.next() for _unused in range(40) for source in (a, b)]
    assert len(set(values)) == len(values)


def test_the_file_holds_only_the_high_water_mark(tmp_path: Path) -> None:
    source = NonceCounter(tmp_path / "state" / "n", block=100)
    value = source.next()
    assert (tmp_path / "state" / "n").read_text() == f"{value + 100}\n"
    assert (tmp_path / "state" / "n").stat().st_mode & 0o777 == 0o600


def test_a_damaged_file_is_named_and_nothing_is_handed_out(tmp_path: Path) -> None:
    (tmp_path / "n").write_text("garbage")
    with pytest.raises(NonceCounterError, match=r"nonce counter .*/n: not a number"):
        NonceCounter(tmp_path / "n").next()


def test_counters_created_in_the_same_millisecond_start_apart(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(nonce.time, "time_ns", lambda: 1_700_000_000_000_000_000)
    starts = {NonceCounter(None).next() for _unused in range(20)}
    assert len(starts) > 15  # 16 random bits each


def test_in_memory_counter_increases() -> None:
    source = NonceCounter(None, block=3)
    values = [source.next() for _unused in range(10)]
    assert all(a < b for a, b in itertools.pairwise(values))
