# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""RecoveryReport: what one recovery run achieved, per site, with the passive baseline."""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from ansible_collections.lispnet.ms_recovery.plugins.module_utils.report.fields import (
    ReportInputError,
    clean_text,
)
from ansible_collections.lispnet.ms_recovery.plugins.module_utils.report.parts import (
    EtrOutcome,
    MapRequestPart,
    MsStatePart,
    RegistrationsPart,
    ReregisterPart,
    SiteBridgeTimes,
    SiteEntry,
    parse_map_request,
    parse_ms_state,
    parse_registrations,
    parse_reregister,
)

DEFAULT_REGISTER_INTERVAL = 60.0
DEFAULT_TITLE = "LISP Map-Server recovery"
RESULT_PARTS = ("ms_state", "reregister", "registrations", "map_request")
_PARSERS = {
    "ms_state": parse_ms_state,
    "reregister": parse_reregister,
    "registrations": parse_registrations,
    "map_request": parse_map_request,
}


@dataclass(frozen=True)
class SiteOutcome:
    """A site's verdict; ``source`` says which result decided it."""

    name: str
    recovered: bool
    reason: str | None
    source: str
    etrs: tuple[EtrOutcome, ...] = ()
    served: SiteBridgeTimes = field(default_factory=SiteBridgeTimes)


@dataclass(frozen=True)
class PassiveBaseline:
    """Estimate of recovery without the tool: ETRs re-register only on their own timer.

    With the ETRs' timer phases spread uniformly over the register interval, the
    share of sites back by ``t`` is min(1, t / interval).
    """

    register_interval: float

    def share_at(self, seconds: float) -> float:
        return min(1.0, max(0.0, seconds) / self.register_interval)

    def sites_back_at(self, seconds: float, total_sites: int) -> int:
        # Round half up: "about N sites" should not flip between banker's-rounding neighbours.
        return math.floor(total_sites * self.share_at(seconds) + 0.5)

    @property
    def label(self) -> str:
        return f"estimate from the {format_seconds(self.register_interval)} register interval"


@dataclass(frozen=True)
class Timeline:
    """Seconds on one axis whose zero is the MS coming back from the outage: its
    new boot, or the switchover (at the latest then when not ``back_exact``).

    The down window, when ms_state bounded it: the MS went down after
    ``down_after`` (None: unknown, ``down_after_source`` says why) and at the
    latest at ``down_by``; ``*_after_back`` are the same instants in seconds
    on the axis (zero or less)."""

    ms_back_at: str
    back_exact: bool
    back_source: str
    acted_at: str
    acted_after_back: float
    whole_after_back: float | None
    down_after: str | None = None
    down_after_source: str | None = None
    down_after_back: float | None = None
    down_by: str | None = None
    down_by_back: float | None = None


def instant(text: str) -> datetime:
    """RFC 3339 text as an aware datetime (naive text is taken as UTC)."""
    value = datetime.fromisoformat(text.replace("Z", "+00:00"))
    return value if value.tzinfo is not None else value.replace(tzinfo=UTC)


@dataclass(frozen=True)
class RecoveryReport:
    title: str
    generated_at: str | None
    baseline: PassiveBaseline
    ms: MsStatePart | None
    reregister: ReregisterPart | None
    registrations: RegistrationsPart | None
    map_request: MapRequestPart | None
    sites: tuple[SiteOutcome, ...]
    notes: tuple[str, ...] = ()

    @property
    def total_sites(self) -> int:
        if not self.sites and self.reregister and self.reregister.targeted_sites:
            return self.reregister.targeted_sites
        return len(self.sites)

    @property
    def recovered_sites(self) -> int:
        if not self.sites and self.reregister and self.reregister.targeted_sites:
            return self.reregister.targeted_sites - len(self.reregister.failed_sites)
        return sum(1 for s in self.sites if s.recovered)

    @property
    def failed(self) -> tuple[SiteOutcome, ...]:
        return tuple(s for s in self.sites if not s.recovered)

    @property
    def time_to_full_recovery(self) -> float | None:
        """Seconds from the first notification to a full table; None if not reached."""
        if self.reregister is None or not self.reregister.complete:
            return None
        return self.reregister.elapsed

    @property
    def timeline(self) -> Timeline | None:
        """The outage's time axis: zero when the MS came back (ms_state's down
        window; without one, the boot time of a reboot)."""
        ms, rr = self.ms, self.reregister
        if ms is None or rr is None or not rr.acted_at:
            return None
        window = ms.down_window
        if window is not None:
            back_text, exact, source = window.back_at, window.back_exact, window.back_source
        elif ms.event == "reboot" and ms.boot_time:
            back_text, exact, source = ms.boot_time, True, "the unit's boot time"
        else:
            return None  # a switchover without its time: no zero to put on the axis
        try:
            back = instant(back_text)
            acted_after = (instant(rr.acted_at) - back).total_seconds()
            down_after = (
                None
                if window is None or window.down_after is None
                else (instant(window.down_after) - back).total_seconds()
            )
            down_by = None if window is None else (instant(window.down_by) - back).total_seconds()
        except ValueError:
            return None
        ttr = self.time_to_full_recovery
        return Timeline(
            ms_back_at=back_text,
            back_exact=exact,
            back_source=source,
            acted_at=rr.acted_at,
            acted_after_back=acted_after,
            whole_after_back=None if ttr is None else acted_after + ttr,
            down_after=None if window is None else window.down_after,
            down_after_source=None if window is None else window.down_after_source,
            down_after_back=down_after,
            down_by=None if window is None else window.down_by,
            down_by_back=down_by,
        )

    @property
    def baseline_sites_back(self) -> int | None:
        """Sites the ETRs' own timers would have brought back by the tool's finish."""
        ttr = self.time_to_full_recovery
        if ttr is None:
            return None
        return self.baseline.sites_back_at(ttr, self.total_sites)

    @property
    def expected_eids(self) -> int | None:
        for part in (self.reregister, self.ms):
            if part is not None and part.expected is not None:
                return part.expected
        if self.registrations is not None:
            return self.registrations.counts["expected"]
        return None

    @property
    def registered_eids(self) -> int | None:
        # The registrations check reads the table last, so it is the freshest count.
        if self.registrations is not None:
            return self.registrations.counts["registered"]
        for part in (self.reregister, self.ms):
            if part is not None and part.registered is not None:
                return part.registered
        return None

    @property
    def checks_ok(self) -> bool:
        """Every part present says the MS is back in full, and no part's task failed.

        No part at all is not a success: the report has nothing to vouch for.
        """
        parts = (self.ms, self.reregister, self.registrations, self.map_request)
        expected, registered = self.expected_eids, self.registered_eids
        return (
            any(part is not None for part in parts)
            and not self.notes
            and not self.failed
            and (self.reregister is None or self.reregister.complete)
            and (self.registrations is None or self.registrations.complete)
            and (self.map_request is None or self.map_request.ok)
            and (expected is None or registered is None or registered >= expected)
        )


def format_seconds(seconds: float) -> str:
    if seconds >= 10 or seconds == int(seconds):
        return f"{seconds:.0f} s" if seconds == int(seconds) else f"{seconds:.1f} s"
    return f"{seconds:.2f} s"


def _etr_problem(etr: EtrOutcome, unreachable: frozenset[str]) -> str | None:
    where = f"{etr.etr} ({etr.rloc})" if etr.rloc else etr.etr
    if etr.error:
        return f"{where}: {etr.error}"
    if etr.etr in unreachable:
        return f"{where}: unreachable"
    if not etr.acked:
        return f"{where}: no Map-Notify-Ack after {etr.retries} retries"
    return None


def _site_reason(entry: SiteEntry, unreachable: frozenset[str]) -> str:
    problems = [p for p in (_etr_problem(e, unreachable) for e in entry.etrs) if p]
    if problems:
        return "; ".join(problems)
    if not entry.etrs:
        return "no ETR was notified"
    return "ETRs acknowledged but the site's EIDs are not all registered"


def _sites_from_reregister(part: ReregisterPart) -> tuple[SiteOutcome, ...]:
    failed = set(part.failed_sites)
    unreachable = frozenset(part.unreachable_etrs)
    outcomes = []
    for entry in part.sites:
        recovered = entry.recovered and entry.site not in failed
        outcomes.append(
            SiteOutcome(
                name=entry.site,
                recovered=recovered,
                reason=None if recovered else _site_reason(entry, unreachable),
                source="reregister",
                etrs=entry.etrs,
                served=entry.served,
            )
        )
    listed = {entry.site for entry in part.sites}
    # A site the tool gave up on before any per-site result still counts as a failure.
    for name in part.failed_sites:
        if name not in listed:
            outcomes.append(SiteOutcome(name, False, "re-registration failed", source="reregister"))
            listed.add(name)
    # Every site of the Map-Server counts, also those back before the tool acted.
    for name in part.whole_sites:
        if name not in listed:
            outcomes.append(
                SiteOutcome(name, True, "registered before the tool acted", source="reregister")
            )
            listed.add(name)
    return tuple(outcomes)


def _sites_from_map_request(part: MapRequestPart) -> tuple[SiteOutcome, ...]:
    """Without a re-registration (healthy MS), a site is judged by its Map-Request answers."""
    by_site: dict[str, list[Any]] = {}
    for result in part.results:
        if result.site:
            by_site.setdefault(result.site, []).append(result)
    outcomes = []
    for name, results in by_site.items():
        bad = [r for r in results if r.status != "ok"]
        reason = "; ".join(f"{r.eid}: map-request {r.status}" for r in bad) or None
        outcomes.append(SiteOutcome(name, not bad, reason, source="map_request"))
    return tuple(outcomes)


# A failed task's result that still has this field carries its data (e.g. reregister with
# fail_on_incomplete: the per-site results of an incomplete recovery): keep it.
_DATA_FIELD = {
    "ms_state": "event",
    "reregister": "sites",
    "registrations": "counts",
    "map_request": "results",
}


def _unwrap(name: str, value: Any, notes: list[str]) -> Mapping[str, Any] | None:
    """Registered task results: a skipped task is an absent part, a failed one also a note."""
    if value is None:
        return None
    if not isinstance(value, Mapping):
        raise ReportInputError(f"{name}: expected a mapping, got {type(value).__name__}")
    if value.get("skipped") is True:
        return None
    if value.get("failed") is True:
        notes.append(f"{name}: the task failed: {clean_text(value.get('msg', 'no message'))}")
        return value if value.get(_DATA_FIELD[name]) is not None else None
    return value


def _titled(title: str, ms: MsStatePart | None) -> str:
    """The default title names the Map-Server (and unit) the report is about."""
    if title != DEFAULT_TITLE or ms is None or not (ms.map_server or ms.unit_name):
        return title
    if ms.map_server and ms.unit_name:
        return f"{title}: {ms.map_server} ({ms.unit_name})"
    return f"{title}: {ms.map_server or ms.unit_name}"


def build_report(
    results: Mapping[str, Any] | None,
    register_interval: float = DEFAULT_REGISTER_INTERVAL,
    title: str = DEFAULT_TITLE,
    generated_at: str | None = None,
) -> RecoveryReport:
    """Build the report; raises ReportInputError naming the field that has the wrong shape."""
    if register_interval <= 0:
        raise ReportInputError("register_interval: must be greater than 0")
    results = results or {}
    unknown = sorted(set(results) - set(RESULT_PARTS))
    if unknown:
        raise ReportInputError(
            f"results: unknown part(s) {', '.join(unknown)}; expected {', '.join(RESULT_PARTS)}"
        )
    notes: list[str] = []
    parts: dict[str, Any] = {}
    for name in RESULT_PARTS:
        data = _unwrap(name, results.get(name), notes)
        parts[name] = None if data is None else _PARSERS[name](data)
    if parts["reregister"] is not None:
        sites = _sites_from_reregister(parts["reregister"])
    elif parts["map_request"] is not None:
        sites = _sites_from_map_request(parts["map_request"])
    else:
        sites = ()
    return RecoveryReport(
        title=clean_text(_titled(title, parts["ms_state"])),
        generated_at=None if generated_at is None else clean_text(generated_at),
        baseline=PassiveBaseline(float(register_interval)),
        ms=parts["ms_state"],
        reregister=parts["reregister"],
        registrations=parts["registrations"],
        map_request=parts["map_request"],
        sites=sites,
        notes=tuple(notes),
    )
