"""The report's MS part names a split brain and every attempt of a run that
rode through another reboot; a healthy rerun is still the same report."""

from __future__ import annotations

from ansible_collections.lispnet.ms_recovery.plugins.module_utils.report.files import substance
from ansible_collections.lispnet.ms_recovery.plugins.module_utils.report.parts import (
    parse_ms_state,
)

STATE = {
    "event": "reboot",
    "active": True,
    "unit": {"name": "ms1-a", "role": "active", "boot_time": "t", "reboot_count": 2},
    "active_units": ["ms1-a", "ms1-b"],
    "events": [{"attempt": 1, "event": "reboot"}, {"attempt": 2, "event": "reboot"}],
    "interruptions": [{"attempt": 1, "error": "attempt 1, Ask: Not connected"}],
}


def test_split_brain_events_and_interruptions_are_parsed() -> None:
    part = parse_ms_state(STATE)
    assert part.active_units == ("ms1-a", "ms1-b")
    assert part.events == ("reboot", "reboot")
    assert part.interruptions == ("attempt 1, Ask: Not connected",)


def test_without_them_the_part_is_as_before() -> None:
    part = parse_ms_state({k: v for k, v in STATE.items() if k in ("event", "active", "unit")})
    assert part.active_units == () and part.events == () and part.interruptions == ()


def test_a_first_seen_unit_and_a_quiet_one_are_the_same_report() -> None:
    assert substance({"events": ["first_seen"]}) == substance({"events": ["none"]})
