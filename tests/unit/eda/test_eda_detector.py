"""The ms_watch detector: state transitions from polls and notifications."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from ansible_collections.lispnet.ms_recovery.extensions.eda.watch.detector import (
    DEFICIT,
    REBOOT,
    SWITCHOVER,
    Detector,
    PollReading,
)
from ansible_collections.lispnet.ms_recovery.plugins.module_utils.model.events import (
    MsEvent,
)
from ansible_collections.lispnet.ms_recovery.plugins.module_utils.model.ms import (
    MsSummary,
    MsUnitInfo,
)
from ansible_collections.lispnet.ms_recovery.plugins.module_utils.model.times import (
    format_time,
)

T0 = datetime(2025, 3, 1, 12, 0, 0, tzinfo=UTC)
T1 = T0 + timedelta(minutes=5)


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def detector(clock: Clock, **kw: float) -> Detector:
    return Detector("ms1", clock=clock, wallclock=lambda: T1 + timedelta(hours=1), **kw)


def reading(
    unit: str, boot: datetime, role: str, expected: int = 10, registered: int = 10
) -> PollReading:
    counts = MsSummary(None, None, {}, expected, registered)
    return PollReading(MsUnitInfo(unit, role, None, boot, 0), counts)


def boot_note(unit: str, boot: datetime, reason: str = "reboot") -> MsEvent:
    return MsEvent("ms-boot", unit, boot, {"boot-time": format_time(boot), "reason": reason})


def switch_note(unit: str, new: str, previous: str) -> MsEvent:
    return MsEvent("ha-switchover", unit, T1, {"new-active": new, "previous-active": previous})


def baseline(d: Detector, clock: Clock) -> None:
    assert d.observe_poll("ms1-a", reading("ms1-a", T0, "active"), clock()) == []
    assert d.observe_poll("ms1-b", reading("ms1-b", T0, "standby"), clock()) == []


def test_first_sight_is_a_baseline_not_an_event() -> None:
    clock = Clock()
    d = detector(clock)
    baseline(d, clock)
    assert d.active == "ms1-a"
    assert d.observe_poll("ms1-a", reading("ms1-a", T0, "active"), clock()) == []


def test_reboot_seen_by_poll_once() -> None:
    clock = Clock()
    d = detector(clock)
    baseline(d, clock)
    clock.now += 5
    [event] = d.observe_poll("ms1-a", reading("ms1-a", T1, "active"), clock())
    assert (event.event, event.unit, event.boot_time, event.detected_by) == (
        REBOOT,
        "ms1-a",
        T1,
        "poll",
    )
    assert event.details["previous_boot_time"] == format_time(T0)
    clock.now += 2
    assert d.observe_poll("ms1-a", reading("ms1-a", T1, "active"), clock()) == []


def test_notification_and_poll_of_one_reboot_make_one_event() -> None:
    clock = Clock()
    d = detector(clock)
    baseline(d, clock)
    [event] = d.observe_notification("ms1-a", boot_note("ms1-a", T1))
    assert event.detected_by == "notification"
    assert event.details["reason"] == "reboot"
    clock.now += 20  # past the dedup window too: the state, not the window, dedups
    assert d.observe_poll("ms1-a", reading("ms1-a", T1, "active"), clock()) == []
    assert d.observe_notification("ms1-a", boot_note("ms1-a", T1)) == []


def test_a_stale_or_imprecise_boot_time_is_not_a_reboot() -> None:
    clock = Clock()
    d = detector(clock)
    baseline(d, clock)
    d.observe_poll("ms1-a", reading("ms1-a", T1, "active"), clock())
    # a poll that began before the reboot, answered late
    assert d.observe_poll("ms1-a", reading("ms1-a", T0, "active"), clock()) == []
    # the same boot reported with second precision
    truncated = T1.replace(microsecond=0) + timedelta(milliseconds=400)
    assert d.observe_poll("ms1-a", reading("ms1-a", truncated, "active"), clock()) == []


def test_switchover_notified_by_both_units_is_one_event() -> None:
    clock = Clock()
    d = detector(clock)
    baseline(d, clock)
    clock.now += 1
    [event] = d.observe_notification("ms1-a", switch_note("ms1-a", "ms1-b", "ms1-a"))
    assert (event.event, event.unit, event.detected_by) == (SWITCHOVER, "ms1-b", "notification")
    assert event.details["previous_active"] == "ms1-a"
    assert event.boot_time == T0
    assert d.observe_notification("ms1-b", switch_note("ms1-b", "ms1-b", "ms1-a")) == []
    clock.now += 1
    assert d.observe_poll("ms1-b", reading("ms1-b", T0, "active"), clock()) == []


def test_a_poll_begun_before_the_switchover_cannot_switch_back() -> None:
    clock = Clock()
    d = detector(clock)
    baseline(d, clock)
    began = clock()
    clock.now += 0.5
    d.observe_notification("ms1-b", switch_note("ms1-b", "ms1-b", "ms1-a"))
    clock.now += 0.5
    assert d.observe_poll("ms1-a", reading("ms1-a", T0, "active"), began) == []
    assert d.active == "ms1-b"
    # a poll begun afterwards is believed: ms1-a really is active again
    clock.now += 20
    [event] = d.observe_poll("ms1-a", reading("ms1-a", T0, "active"), clock())
    assert (event.event, event.unit, event.detected_by) == (SWITCHOVER, "ms1-a", "poll")
    assert event.details["previous_active"] == "ms1-b"


def test_switchover_seen_by_poll_alone() -> None:
    clock = Clock()
    d = detector(clock)
    baseline(d, clock)
    clock.now += 2
    assert d.observe_poll("ms1-a", reading("ms1-a", T0, "standby"), clock()) == []
    [event] = d.observe_poll("ms1-b", reading("ms1-b", T0, "active"), clock())
    assert (event.event, event.unit, event.details["previous_active"]) == (
        SWITCHOVER,
        "ms1-b",
        "ms1-a",
    )


def test_deficit_by_poll_needs_its_duration_and_is_reported_once_per_boot() -> None:
    clock = Clock()
    d = detector(clock, deficit_after=10.0)
    baseline(d, clock)
    short = reading("ms1-a", T0, "active", expected=10, registered=4)
    assert d.observe_poll("ms1-a", short, clock()) == []
    clock.now += 9
    assert d.observe_poll("ms1-a", short, clock()) == []
    clock.now += 2
    [event] = d.observe_poll("ms1-a", short, clock())
    assert (event.event, event.details["expected"], event.details["registered"]) == (DEFICIT, 10, 4)
    clock.now += 30
    assert d.observe_poll("ms1-a", short, clock()) == []
    # a new boot starts a new term
    clock.now += 1
    rebooted = reading("ms1-a", T1, "active", expected=10, registered=0)
    assert [e.event for e in d.observe_poll("ms1-a", rebooted, clock())] == [REBOOT]
    clock.now += 11
    assert [e.event for e in d.observe_poll("ms1-a", rebooted, clock())] == [DEFICIT]


def test_a_deficit_that_heals_in_time_is_not_reported() -> None:
    clock = Clock()
    d = detector(clock, deficit_after=10.0)
    baseline(d, clock)
    d.observe_poll("ms1-a", reading("ms1-a", T0, "active", registered=3), clock())
    clock.now += 5
    d.observe_poll("ms1-a", reading("ms1-a", T0, "active", registered=10), clock())
    clock.now += 6
    assert d.observe_poll("ms1-a", reading("ms1-a", T0, "active", registered=3), clock()) == []


def test_standby_units_have_no_deficit_and_zero_disables_it() -> None:
    clock = Clock()
    d = detector(clock, deficit_after=1.0)
    baseline(d, clock)
    for _unused in range(3):
        clock.now += 2
        assert d.observe_poll("ms1-b", reading("ms1-b", T0, "standby", registered=0), clock()) == []
    clock2 = Clock()
    off = detector(clock2, deficit_after=0.0)
    baseline(off, clock2)
    for _unused in range(3):
        clock2.now += 60
        assert (
            off.observe_poll("ms1-a", reading("ms1-a", T0, "active", registered=0), clock2()) == []
        )


def test_deficit_notification_then_poll_is_one_event() -> None:
    clock = Clock()
    d = detector(clock, deficit_after=1.0)
    baseline(d, clock)
    note = MsEvent("registration-deficit", "ms1-a", T1, {"expected": "10", "registered": "6"})
    [event] = d.observe_notification("ms1-a", note)
    assert (event.event, event.details["registered"], event.detected_by) == (
        DEFICIT,
        6,
        "notification",
    )
    short = reading("ms1-a", T0, "active", registered=6)
    for _unused in range(3):
        clock.now += 2
        assert d.observe_poll("ms1-a", short, clock()) == []


def test_dedup_window_drops_a_repeat_until_it_has_passed() -> None:
    clock = Clock()
    d = detector(clock, dedup_window=10.0)
    baseline(d, clock)
    flips = [("ms1-b", "ms1-a"), ("ms1-a", "ms1-b"), ("ms1-b", "ms1-a")]
    seen = []
    for new, old in flips:
        clock.now += 1
        seen += d.observe_notification(new, switch_note(new, new, old))
    assert [e.unit for e in seen] == ["ms1-b", "ms1-a"]  # the third repeats the first
    clock.now += 11
    [event] = d.observe_notification("ms1-a", switch_note("ms1-a", "ms1-a", "ms1-b"))
    assert event.unit == "ms1-a"


def test_foreign_or_partial_notifications_are_ignored() -> None:
    clock = Clock()
    d = detector(clock)
    baseline(d, clock)
    assert d.observe_notification("ms1-a", MsEvent("registration-change", "ms1-a", T1, {})) == []
    assert d.observe_notification("ms1-a", MsEvent("ms-boot", "ms1-a", T1, {})) == []


def test_payload_is_what_the_rulebook_matches_on() -> None:
    clock = Clock()
    d = detector(clock)
    baseline(d, clock)
    [event] = d.observe_poll("ms1-a", reading("ms1-a", T1, "active"), clock())
    body = event.payload()["lisp_ms"]
    assert body == {
        "event": "reboot",
        "unit": "ms1-a",
        "map_server": "ms1",
        "boot_time": format_time(T1),
        "detected_by": "poll",
        "detected_at": format_time(T1 + timedelta(hours=1)),
        "previous_boot_time": format_time(T0),
        "previous_boot_seen_at": format_time(T1 + timedelta(hours=1)),
    }


class Wall:
    """A wall clock that moves with the monotonic one."""

    def __init__(self, clock: Clock) -> None:
        self.clock = clock

    def __call__(self) -> datetime:
        return T1 + timedelta(seconds=self.clock.now)


def test_events_carry_when_the_unit_was_last_seen_serving() -> None:
    """The outage began after the last poll that read the old boot (reboot) or
    the previous active unit still active (switchover): the poll's start."""
    clock = Clock()
    d = Detector("ms1", clock=clock, wallclock=Wall(clock))
    baseline(d, clock)
    clock.now += 2
    started = clock()
    clock.now += 0.5  # the poll's round trip
    assert d.observe_poll("ms1-a", reading("ms1-a", T0, "active"), started) == []
    clock.now += 4
    [reboot] = d.observe_poll("ms1-a", reading("ms1-a", T1, "active"), clock())
    assert reboot.details["previous_boot_seen_at"] == format_time(T1 + timedelta(seconds=102))
    clock.now += 3
    note = switch_note("ms1-b", "ms1-b", "ms1-a")
    [switch] = d.observe_notification("ms1-b", note)
    assert switch.details["previous_active_seen_at"] == format_time(T1 + timedelta(seconds=106.5))
    # A unit first met through a notification was never read serving: unknown.
    fresh = Detector("ms1", clock=clock, wallclock=Wall(clock))
    fresh.observe_notification("ms1-a", boot_note("ms1-a", T0))
    [unknown] = fresh.observe_notification("ms1-a", boot_note("ms1-a", T1))
    assert unknown.details["previous_boot_seen_at"] is None
