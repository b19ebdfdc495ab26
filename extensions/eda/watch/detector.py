# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""What counts as an event, from polls and notifications of one Map-Server's units.

Pure state, no I/O, so the rules are unit-tested. The model is of state
transitions, not of messages: a reboot is a unit's boot time moving forward,
a switchover is the pair's active unit changing. A notification and a poll
that report the same change therefore yield one event, whichever comes first
(the notification usually; the poll after a reboot, because the reboot dropped
the subscribed session). ``dedup_window`` is a last guard against repeats.

Stale reads: a poll that began before the last switchover was taken into
account may report the old roles; its role is ignored. Boot times only move
forward, so a stale poll cannot report a reboot either.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from ansible_collections.lispnet.ms_recovery.plugins.module_utils.model.events import (
    MsEvent,
)
from ansible_collections.lispnet.ms_recovery.plugins.module_utils.model.ms import (
    MsSummary,
    MsUnitInfo,
)
from ansible_collections.lispnet.ms_recovery.plugins.module_utils.model.times import (
    format_time,
    parse_time,
)
from ansible_collections.lispnet.ms_recovery.plugins.module_utils.model.unit_events import (
    rebooted,
)

REBOOT = "reboot"
SWITCHOVER = "switchover"
DEFICIT = "registration_deficit"


@dataclass(frozen=True)
class PollReading:
    """One cheap read of a unit: the platform's own values (its unit state
    and summary counts, ``read_ms_unit_summary``), either None when the
    reply lacked it."""

    unit: MsUnitInfo | None
    summary: MsSummary | None = None


@dataclass(frozen=True)
class WatchEvent:
    event: str
    map_server: str
    unit: str
    boot_time: datetime | None
    detected_by: str  # "notification" | "poll"
    detected_at: datetime
    details: dict[str, Any] = field(default_factory=dict)

    def identity(self) -> tuple[Any, ...]:
        if self.event == SWITCHOVER:
            return (self.event, self.map_server, self.unit, self.details.get("previous_active"))
        return (self.event, self.map_server, self.unit, self.boot_time)

    def payload(self) -> dict[str, Any]:
        """What goes on the rulebook's queue."""
        body = {
            "event": self.event,
            "unit": self.unit,
            "map_server": self.map_server,
            "boot_time": format_time(self.boot_time) if self.boot_time else None,
            "detected_by": self.detected_by,
            "detected_at": format_time(self.detected_at),
        }
        body.update(self.details)
        return {"lisp_ms": body}


@dataclass
class _Unit:
    boot_time: datetime | None = None
    reboot_count: int | None = None
    role: str | None = None
    short_since: float | None = None
    deficit_reported: bool = False
    # When a poll last read it in its current boot, and as active (wall clock
    # of the poll's start): the lower bounds of a later outage, as ms_state's
    # sightings (state/down_window.py), only seconds apart.
    seen_up_at: datetime | None = None
    active_seen_at: datetime | None = None

    def new_term(self) -> None:
        """A reboot or becoming active: the deficit clock starts over."""
        self.short_since = None
        self.deficit_reported = False


class Detector:
    """Events of one Map-Server (an HA pair of units, or a single unit)."""

    def __init__(
        self,
        map_server: str,
        *,
        deficit_after: float = 10.0,
        dedup_window: float = 10.0,
        clock: Callable[[], float],
        wallclock: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self.map_server = map_server
        self.deficit_after = deficit_after
        self.dedup_window = dedup_window
        self.clock = clock
        self.wallclock = wallclock
        self.units: dict[str, _Unit] = {}
        self.active: str | None = None
        self.last_switchover_at = float("-inf")
        self._recent: dict[tuple[Any, ...], float] = {}

    # -- inputs ---------------------------------------------------------------

    def observe_poll(
        self, endpoint: str, reading: PollReading, started_at: float
    ) -> list[WatchEvent]:
        """A poll of ``endpoint`` that began at ``started_at`` (``clock`` time)."""
        info = reading.unit
        name = (info.unit_name if info else None) or endpoint
        unit = self.units.setdefault(name, _Unit())
        read_at = self.wallclock() - timedelta(seconds=max(0.0, self.clock() - started_at))
        events: list[WatchEvent] = []
        if info is not None:
            events += self._boot(name, info.boot_time, "poll", {}, info.reboot_count)
            if unit.boot_time == info.boot_time:  # not a stale read of an older boot
                unit.seen_up_at = read_at
        if info is not None and started_at >= self.last_switchover_at:
            unit.role = info.ha_role
            if info.ha_role == "active":
                events += self._active(name, None, "poll", {})
                unit.active_seen_at = read_at
        if unit.role == "active" and self.deficit_after > 0:
            events += self._deficit_poll(name, unit, reading)
        return self._dedup(events)

    def observe_notification(self, endpoint: str, note: MsEvent) -> list[WatchEvent]:
        """A notification received on ``endpoint``'s session."""
        name = note.unit or endpoint
        detail: dict[str, Any] = {"event_time": format_time(note.time)}
        events: list[WatchEvent] = []
        if note.kind == "ms-boot" and note.details.get("boot-time"):
            detail["reason"] = note.details.get("reason")
            events += self._boot(
                name, parse_time(note.details["boot-time"]), "notification", detail
            )
        elif note.kind == "ha-switchover" and note.details.get("new-active"):
            previous = note.details.get("previous-active") or None
            events += self._active(note.details["new-active"], previous, "notification", detail)
        elif note.kind == "registration-deficit":
            unit = self.units.setdefault(name, _Unit())
            if not unit.deficit_reported:
                unit.deficit_reported = True
                detail.update(_counts(note.details))
                events.append(self._event(DEFICIT, name, "notification", detail))
        return self._dedup(events)

    # -- rules ----------------------------------------------------------------

    def _boot(
        self,
        name: str,
        boot_time: datetime,
        how: str,
        detail: dict[str, Any],
        reboot_count: int | None = None,
    ) -> list[WatchEvent]:
        """``reboot_count``: where the read has one (a poll; a notification
        has none), the rule ms_state applies counts it too."""
        unit = self.units.setdefault(name, _Unit())
        previous, previous_count = unit.boot_time, unit.reboot_count
        if previous is not None and not rebooted(previous, boot_time, previous_count, reboot_count):
            # The same boot, or a stale read of an older one: a count only
            # moves forward, so a stale one never lowers the baseline.
            if reboot_count is not None:
                unit.reboot_count = max(reboot_count, previous_count or 0)
            return []
        seen_up = unit.seen_up_at
        unit.boot_time = boot_time
        unit.seen_up_at = None  # not yet read in this boot
        # A boot seen by notification has no count: the next poll sets it.
        unit.reboot_count = reboot_count
        unit.new_term()
        if previous is None:
            return []  # first sight: a baseline, not a reboot we saw happen
        detail = {
            **detail,
            "previous_boot_time": format_time(previous),
            "previous_boot_seen_at": None if seen_up is None else format_time(seen_up),
        }
        return [self._event(REBOOT, name, how, detail)]

    def _active(
        self, name: str, previous: str | None, how: str, detail: dict[str, Any]
    ) -> list[WatchEvent]:
        known = self.active
        if known == name:
            return []
        self.active = name
        self.last_switchover_at = self.clock()
        for unit_name, unit in self.units.items():
            if unit_name != name and unit.role == "active":
                unit.role = "standby"
        unit = self.units.setdefault(name, _Unit())
        unit.role = "active"
        unit.new_term()
        previous = previous or known
        if known is None and how == "poll":
            return []  # first sight of the active unit
        old = self.units.get(previous) if previous else None
        seen_at = None if old is None or old.active_seen_at is None else old.active_seen_at
        detail = {
            **detail,
            "new_active": name,
            "previous_active": previous,
            "previous_active_seen_at": None if seen_at is None else format_time(seen_at),
        }
        return [self._event(SWITCHOVER, name, how, detail)]

    def _deficit_poll(self, name: str, unit: _Unit, reading: PollReading) -> list[WatchEvent]:
        summary = reading.summary
        expected = None if summary is None else summary.expected_eids
        registered = None if summary is None else summary.registered_eids
        if expected is None or registered is None or registered >= expected:
            unit.short_since = None
            return []
        now = self.clock()
        if unit.short_since is None:
            unit.short_since = now
        if unit.deficit_reported or now - unit.short_since < self.deficit_after:
            return []
        unit.deficit_reported = True
        counts = {"expected": expected, "registered": registered}
        return [self._event(DEFICIT, name, "poll", counts)]

    def _event(self, kind: str, name: str, how: str, detail: dict[str, Any]) -> WatchEvent:
        boot = self.units[name].boot_time if name in self.units else None
        return WatchEvent(kind, self.map_server, name, boot, how, self.wallclock(), detail)

    def _dedup(self, events: list[WatchEvent]) -> list[WatchEvent]:
        now = self.clock()
        self._recent = {k: t for k, t in self._recent.items() if now - t < self.dedup_window}
        kept = []
        for event in events:
            key = event.identity()
            if key in self._recent:
                continue
            self._recent[key] = now
            kept.append(event)
        return kept


def _counts(details: dict[str, str]) -> dict[str, int | None]:
    def number(text: str | None) -> int | None:
        try:
            return int(text) if text is not None else None
        except ValueError:
            return None

    return {
        "expected": number(details.get("expected")),
        "registered": number(details.get("registered")),
    }
