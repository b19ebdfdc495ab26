# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""When the Map-Server was down: the best bound the tool honestly has.

No platform tells when a unit went down (a rebooting router writes nothing at
that moment; IOS-XE's reload history and the lispnet-ms-recovery ms-boot
notification only say when it came back). So the down window is bounded by
what the tool saw and what the unit reports:

* went down after ``down_after``: the tool's last read of the unit still
  serving in its previous boot (reboot), or of the previously active unit
  still active (switchover) - ``ms_state``'s sightings (state/claims.py).
  Unknown (None) when the tool never saw it before: a first run, a lost
  claims file, or clocks that disagree.
* went down at the latest at ``down_by`` and was back at ``back_at``: the new
  boot time for a reboot (every platform reports it); for a switchover the
  time the platform reports (IOS-XE ha-oper last-switchover-time), else only
  "at the latest" the read that found the switchover (``back_exact`` false).

The controller's clock (sightings, reads) and the unit's (boot and switchover
times) meet here: with NTP on both the bounds hold to its accuracy; a
sighting later than the unit's own back time means they disagree, and that
bound is dropped rather than shown inverted.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from ansible_collections.lispnet.ms_recovery.plugins.module_utils.model.ms import MsUnitInfo
from ansible_collections.lispnet.ms_recovery.plugins.module_utils.model.times import (
    format_time,
    parse_time,
)
from ansible_collections.lispnet.ms_recovery.plugins.module_utils.model.unit_events import (
    BOOT_TOLERANCE,
)
from ansible_collections.lispnet.ms_recovery.plugins.module_utils.state.claims import Sighting
from ansible_collections.lispnet.ms_recovery.plugins.module_utils.state.records import (
    service_text,
)


@dataclass(frozen=True)
class DownWindow:
    event: str
    down_after: datetime | None
    down_after_source: str
    down_by: datetime
    back_at: datetime
    back_exact: bool
    back_source: str

    def to_json(self) -> dict[str, Any]:
        return {
            "event": self.event,
            "down_after": None if self.down_after is None else format_time(self.down_after),
            "down_after_source": self.down_after_source,
            "down_by": format_time(self.down_by),
            "back_at": format_time(self.back_at),
            "back_exact": self.back_exact,
            "back_source": self.back_source,
        }


@dataclass(frozen=True)
class UnitRead:
    """One read of a unit: what it reports and when the read was sent and answered."""

    unit: MsUnitInfo
    sent_at: datetime
    answered_at: datetime


def _lower_bound(
    candidates: list[tuple[datetime, str]], back_at: datetime, none_why: str
) -> tuple[datetime | None, str]:
    """The latest of the candidate sightings (instant, what it was) that is not
    after the unit's own back time."""
    if not candidates:
        return None, f"unknown: {none_why}"
    valid = [c for c in candidates if c[0] <= back_at]
    if not valid:
        at, what = max(candidates)
        return None, (
            f"unknown: {what} ({format_time(at)}) is later than the unit's own time"
            f" ({format_time(back_at)}): the controller's and the Map-Server's clocks disagree"
        )
    return max(valid)


def _reboot(
    read: UnitRead, previous: MsUnitInfo | None, sightings: Sequence[Sighting], source: str
) -> DownWindow:
    record = read.unit
    old_boot = None if previous is None else previous.boot_time
    # A sighting of another boot says nothing of this outage.
    candidates = [
        (s.at, f"{s.seen_by} of {record.unit_name} up in its previous boot")
        for s in sightings
        if s.unit == record.unit_name
        and s.boot_time is not None
        and old_boot is not None
        and abs(s.boot_time - old_boot) <= BOOT_TOLERANCE
    ]
    after, after_source = _lower_bound(
        candidates,
        record.boot_time,
        f"ms_state never read {record.unit_name} in its previous boot"
        " (first run, or no claims file)",
    )
    return DownWindow(
        event="reboot",
        down_after=after,
        down_after_source=after_source,
        down_by=record.boot_time,
        back_at=record.boot_time,
        back_exact=True,
        back_source=source,
    )


def _switchover(read: UnitRead, sightings: Sequence[Sighting], source: str | None) -> DownWindow:
    record = read.unit
    if record.switchover_time is not None and source:
        back, exact, back_source = record.switchover_time, True, source
    else:
        back, exact = read.answered_at, False
        back_source = (
            f"at the latest: ms_state's read that found {record.unit_name} active"
            " (the platform reports no switchover time)"
        )
    # The unit that was active before: the latest read of another unit of the
    # pair as active (the service was on it then, so the switchover came later).
    candidates = [
        (s.active_at, f"{s.seen_by} of the previous active unit {s.unit} still active")
        for s in sightings
        if s.unit != record.unit_name
        and s.active_at is not None
        and s.service_address in (service_text(record), None)
    ]
    after, after_source = _lower_bound(
        candidates,
        back,
        "ms_state never read the previously active unit while it was active",
    )
    return DownWindow(
        event="switchover",
        down_after=after,
        down_after_source=after_source,
        down_by=back,
        back_at=back,
        back_exact=exact,
        back_source=back_source,
    )


def watch_sightings(event: Mapping[str, Any] | None) -> list[Sighting]:
    """The ms_watch event source's last polls of a unit serving, from the event
    that started this run (``ansible_eda.event.lisp_ms``): taken seconds before
    the outage, where ms_state's own last read may be a run long ago. Raises
    ValueError naming a field whose time cannot be read."""
    if not event:
        return []

    def when(key: str) -> datetime | None:
        text = event.get(key)
        if text is None:
            return None
        try:
            return parse_time(str(text))
        except ValueError:
            raise ValueError(f"watch_event.{key}: not a date-and-time: {text!r}") from None

    by = "ms_watch's last poll"
    kind, unit = event.get("event"), str(event.get("unit") or "")
    if kind == "reboot":
        at, boot = when("previous_boot_seen_at"), when("previous_boot_time")
        if at is None or boot is None or not unit:
            return []
        return [Sighting(unit, "", "", boot, at, seen_by=by)]
    if kind == "switchover":
        at, old = when("previous_active_seen_at"), str(event.get("previous_active") or "")
        if at is None or not old:
            return []
        # No service address in the event: any unit's old activity bounds the pair's.
        return [Sighting(old, "active", None, None, at, at, seen_by=by)]
    return []


def bound_down_window(
    event: str,
    read: UnitRead,
    previous: MsUnitInfo | None,
    sightings: Sequence[Sighting],
    *,
    reboot_source: str | None,
    switchover_source: str | None,
) -> DownWindow | None:
    """The down window of ``event`` (None when nothing went down).
    ``sightings``: as read before this run recorded its own;
    ``reboot_source`` / ``switchover_source``: where the platform's boot time
    and switchover time come from (Capabilities.reboot / .switchover_time)."""
    if event == "reboot":
        return _reboot(read, previous, sightings, reboot_source or "the unit's boot time")
    if event == "switchover":
        return _switchover(read, sightings, switchover_source)
    return None
