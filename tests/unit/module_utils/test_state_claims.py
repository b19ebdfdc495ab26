"""Split brain from the units' recorded claims: same pair, within the window."""

from __future__ import annotations

from pathlib import Path

from ansible_collections.lispnet.ms_recovery.plugins.module_utils.state.claims import (
    claims_path,
    record_claim,
)

PAIR = "127.100.0.1"


def test_two_active_claims_within_the_window_are_a_split_brain(tmp_path: Path) -> None:
    state = tmp_path / "ms1.json"
    assert record_claim(state, "ms1-a", "active", PAIR, now=100.0) == ["ms1-a"]
    assert record_claim(state, "ms1-b", "active", PAIR, now=102.0) == ["ms1-a", "ms1-b"]
    assert claims_path(state).exists()


def test_an_old_claim_or_a_standby_or_another_pair_is_not(tmp_path: Path) -> None:
    state = tmp_path / "ms1.json"
    record_claim(state, "ms1-a", "active", PAIR, now=100.0)
    # Ten minutes later the service moved: a switchover, not a split brain.
    assert record_claim(state, "ms1-b", "active", PAIR, now=700.0) == ["ms1-b"]
    assert record_claim(state, "ms1-a", "standby", PAIR, now=701.0) == ["ms1-b"]
    assert record_claim(state, "other-a", "active", "127.200.0.1", now=702.0) == ["other-a"]


def test_check_mode_reads_but_does_not_write(tmp_path: Path) -> None:
    state = tmp_path / "ms1.json"
    record_claim(state, "ms1-a", "active", PAIR, now=100.0)
    assert record_claim(state, "ms1-b", "active", PAIR, now=101.0, write=False) == [
        "ms1-a",
        "ms1-b",
    ]
    assert record_claim(state, "ms1-a", "active", PAIR, now=102.0) == ["ms1-a"]


def test_a_damaged_claims_file_is_treated_as_empty(tmp_path: Path) -> None:
    state = tmp_path / "ms1.json"
    claims_path(state).write_text("{not json")
    assert record_claim(state, "ms1-a", "active", PAIR, now=1.0) == ["ms1-a"]
