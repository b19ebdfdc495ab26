# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The four result parts a report is built from, read from the other modules' returns.

Only the documented keys are read; anything else in a result (``invocation``,
``changed``, keys of a later version) is ignored, never carried into a report.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from ansible_collections.lispnet.ms_recovery.plugins.module_utils.report.fields import (
    ReportInputError,
    clean_text,
    get_bool,
    get_float,
    get_int,
    get_list,
    get_mapping,
    get_str,
    get_str_list,
    to_float,
    to_int,
)

MS_EVENTS = ("none", "first_seen", "reboot", "switchover")
MAP_REQUEST_STATUSES = ("ok", "negative", "rloc_mismatch", "timeout")
REGISTRATION_COUNTS = ("expected", "registered", "missing", "unexpected", "rloc_mismatch", "stale")


@dataclass(frozen=True)
class DownWindowPart:
    """ms_state's bound of the outage (state/down_window.py), times as UTC text:
    went down after ``down_after`` (None: unknown) and by ``down_by``, back at
    ``back_at`` (at the latest there, when not ``back_exact``)."""

    event: str
    down_after: str | None
    down_after_source: str
    down_by: str
    back_at: str
    back_exact: bool
    back_source: str


@dataclass(frozen=True)
class MsStatePart:
    event: str
    unit_name: str | None
    role: str | None
    boot_time: str | None
    reboot_count: int | None
    active: bool | None
    expected: int | None
    registered: int | None
    missing: int | None
    # More than one name: a split brain (every unit of the pair claiming active).
    active_units: tuple[str, ...] = ()
    map_server: str | None = None
    # The event each detection of the run found, one per attempt, and why each
    # earlier attempt was interrupted (the MS rebooted or switched over again).
    events: tuple[str, ...] = ()
    interruptions: tuple[str, ...] = ()
    down_window: DownWindowPart | None = None


@dataclass(frozen=True)
class EtrOutcome:
    etr: str
    rloc: str | None
    acked: bool
    retries: int
    error: str | None


@dataclass(frozen=True)
class SiteBridgeTimes:
    """How a site was served and, when bridged, when the MS confirmed the
    bridge, its own ETR registration showed and the bridge was withdrawn (UTC)."""

    method: str | None = None
    bridged: str | None = None
    etr_confirmed: str | None = None
    bridge_withdrawn: str | None = None


@dataclass(frozen=True)
class SiteEntry:
    site: str
    etrs: tuple[EtrOutcome, ...]
    recovered: bool
    served: SiteBridgeTimes = field(default_factory=SiteBridgeTimes)


@dataclass(frozen=True)
class ReregisterPart:
    method: str | None
    sent: int | None
    acked: int | None
    targeted_sites: int | None
    failed_sites: tuple[str, ...]
    unreachable_etrs: tuple[str, ...]
    complete: bool
    expected: int | None
    registered: int | None
    missing: tuple[str, ...]
    elapsed: float | None
    progress: tuple[tuple[float, int], ...]
    sites: tuple[SiteEntry, ...]
    acted_at: str | None = None  # wall clock of elapsed/progress time zero
    whole_sites: tuple[str, ...] = ()  # registered before the tool acted


@dataclass(frozen=True)
class RegistrationsPart:
    complete: bool
    counts: dict[str, int]
    missing: tuple[str, ...]
    unexpected: tuple[str, ...]
    rloc_mismatch: tuple[str, ...]


@dataclass(frozen=True)
class MapRequestResult:
    eid: str
    site: str | None
    status: str
    rlocs: tuple[str, ...]
    expected_rlocs: tuple[str, ...]
    latency_ms: float | None


@dataclass(frozen=True)
class MapRequestPart:
    results: tuple[MapRequestResult, ...]
    counts: dict[str, int]

    @property
    def failures(self) -> tuple[MapRequestResult, ...]:
        return tuple(r for r in self.results if r.status != "ok")

    @property
    def total(self) -> int:
        return sum(self.counts.values())

    @property
    def ok(self) -> bool:
        """Judged on the counts: a caller may have trimmed the result list."""
        return self.total > 0 and self.total == self.counts["ok"]


def _active(value: Any, unit_name: str | None) -> bool | None:
    """``active`` may be a flag (this unit is active) or the active unit's name;
    the report holds a JSON boolean either way."""
    if value is None or isinstance(value, bool):
        return value
    text = clean_text(value)
    if text.lower() in {"true", "yes"}:
        return True
    if text.lower() in {"false", "no"}:
        return False
    return unit_name is not None and text == unit_name


def _count(data: Mapping[str, Any], key: str, path: str) -> int | None:
    """A count, or the length when a module returned the list itself."""
    value = data.get(key)
    if isinstance(value, (list, tuple)):
        return len(value)
    return get_int(data, key, path)


def _parse_down_window(data: Mapping[str, Any], path: str) -> DownWindowPart | None:
    window = get_mapping(data, "down_window", path)
    if window is None:
        return None
    where = f"{path}.down_window"

    def required(key: str) -> str:
        value = get_str(window, key, where)
        if not value:
            raise ReportInputError(f"{where}.{key}: missing")
        return value

    return DownWindowPart(
        event=required("event"),
        down_after=get_str(window, "down_after", where),
        down_after_source=get_str(window, "down_after_source", where) or "unknown",
        down_by=required("down_by"),
        back_at=required("back_at"),
        back_exact=bool(get_bool(window, "back_exact", where)),
        back_source=get_str(window, "back_source", where) or "unknown",
    )


def parse_ms_state(data: Mapping[str, Any]) -> MsStatePart:
    path = "ms_state"
    event = get_str(data, "event", path) or "none"
    if event not in MS_EVENTS:
        raise ReportInputError(
            f"{path}.event: expected one of {', '.join(MS_EVENTS)}, got {event!r}"
        )
    unit = get_mapping(data, "unit", path) or {}
    unit_name = get_str(unit, "name", f"{path}.unit")
    return MsStatePart(
        event=event,
        unit_name=unit_name,
        role=get_str(unit, "role", f"{path}.unit"),
        boot_time=get_str(unit, "boot_time", f"{path}.unit"),
        reboot_count=get_int(unit, "reboot_count", f"{path}.unit"),
        active=_active(data.get("active"), unit_name),
        expected=_count(data, "expected", path),
        registered=_count(data, "registered", path),
        missing=_count(data, "missing", path),
        active_units=get_str_list(data, "active_units", path),
        map_server=get_str(data, "map_server", path),
        events=tuple(
            get_str(e, "event", f"{path}.events") or "none"
            for e in get_list(data, "events", path)
            if isinstance(e, Mapping)
        ),
        interruptions=tuple(
            get_str(i, "error", f"{path}.interruptions") or "interrupted"
            for i in get_list(data, "interruptions", path)
            if isinstance(i, Mapping)
        ),
        down_window=_parse_down_window(data, path),
    )


def _parse_progress(data: Mapping[str, Any], path: str) -> tuple[tuple[float, int], ...]:
    points = []
    for i, point in enumerate(get_list(data, "progress", path)):
        where = f"{path}.progress[{i}]"
        if isinstance(point, (str, bytes, Mapping)) or len(point) != 2:
            raise ReportInputError(f"{where}: expected [seconds, registered_count]")
        points.append((to_float(point[0], where), to_int(point[1], where)))
    # Samples from concurrent pollers may arrive out of order; the curve needs time order.
    return tuple(sorted(points))


def _parse_etr(data: Any, where: str) -> EtrOutcome:
    if not isinstance(data, Mapping):
        raise ReportInputError(f"{where}: expected a mapping")
    return EtrOutcome(
        etr=get_str(data, "etr", where) or "?",
        rloc=get_str(data, "rloc", where),
        acked=bool(get_bool(data, "acked", where)),
        retries=get_int(data, "retries", where) or 0,
        error=get_str(data, "error", where),
    )


def _parse_site(data: Any, where: str) -> SiteEntry:
    if not isinstance(data, Mapping):
        raise ReportInputError(f"{where}: expected a mapping")
    etrs = tuple(
        _parse_etr(etr, f"{where}.etrs[{i}]") for i, etr in enumerate(get_list(data, "etrs", where))
    )
    name = get_str(data, "site", where)
    if not name:
        raise ReportInputError(f"{where}.site: missing")
    served = SiteBridgeTimes(
        method=get_str(data, "method", where),
        bridged=get_str(data, "bridged", where),
        etr_confirmed=get_str(data, "etr_confirmed", where),
        bridge_withdrawn=get_str(data, "bridge_withdrawn", where),
    )
    return SiteEntry(
        site=name,
        etrs=etrs,
        recovered=bool(get_bool(data, "recovered", where)),
        served=served,
    )


def parse_reregister(data: Mapping[str, Any]) -> ReregisterPart:
    path = "reregister"
    targeted = data.get("targeted_sites")
    return ReregisterPart(
        method=get_str(data, "method", path),
        sent=get_int(data, "sent", path),
        acked=get_int(data, "acked", path),
        targeted_sites=len(targeted)
        if isinstance(targeted, (list, tuple))
        else get_int(data, "targeted_sites", path),
        failed_sites=get_str_list(data, "failed_sites", path),
        unreachable_etrs=get_str_list(data, "unreachable_etrs", path),
        complete=bool(get_bool(data, "complete", path)),
        expected=get_int(data, "expected", path),
        registered=get_int(data, "registered", path),
        missing=get_str_list(data, "missing", path),
        elapsed=get_float(data, "elapsed", path),
        progress=_parse_progress(data, path),
        acted_at=get_str(data, "acted_at", path),
        whole_sites=get_str_list(data, "whole_sites", path),
        sites=tuple(
            _parse_site(site, f"{path}.sites[{i}]")
            for i, site in enumerate(get_list(data, "sites", path))
        ),
    )


def parse_registrations(data: Mapping[str, Any]) -> RegistrationsPart:
    path = "registrations"
    counts_in = get_mapping(data, "counts", path) or {}
    counts = {key: get_int(counts_in, key, f"{path}.counts") or 0 for key in REGISTRATION_COUNTS}
    return RegistrationsPart(
        complete=bool(get_bool(data, "complete", path)),
        counts=counts,
        missing=get_str_list(data, "missing", path),
        unexpected=get_str_list(data, "unexpected", path),
        rloc_mismatch=get_str_list(data, "rloc_mismatch", path),
    )


def _parse_map_result(data: Any, where: str) -> MapRequestResult:
    if not isinstance(data, Mapping):
        raise ReportInputError(f"{where}: expected a mapping")
    status = get_str(data, "status", where) or ""
    if status not in MAP_REQUEST_STATUSES:
        raise ReportInputError(
            f"{where}.status: expected one of {', '.join(MAP_REQUEST_STATUSES)}, got {status!r}"
        )
    return MapRequestResult(
        eid=get_str(data, "eid", where) or "?",
        site=get_str(data, "site", where),
        status=status,
        rlocs=get_str_list(data, "rlocs", where),
        expected_rlocs=get_str_list(data, "expected_rlocs", where),
        latency_ms=get_float(data, "latency_ms", where),
    )


def parse_map_request(data: Mapping[str, Any]) -> MapRequestPart:
    path = "map_request"
    results = tuple(
        _parse_map_result(r, f"{path}.results[{i}]")
        for i, r in enumerate(get_list(data, "results", path))
    )
    # The map_request module returns its counts as "summary" (with total and latency).
    key = "counts" if data.get("counts") is not None else "summary"
    counts_in = get_mapping(data, key, path)
    if counts_in is None:
        # A caller that trimmed the result list still has counts; without counts, count the list.
        counts = {s: sum(1 for r in results if r.status == s) for s in MAP_REQUEST_STATUSES}
    else:
        counts = {s: get_int(counts_in, s, f"{path}.counts") or 0 for s in MAP_REQUEST_STATUSES}
    return MapRequestPart(results=results, counts=counts)
