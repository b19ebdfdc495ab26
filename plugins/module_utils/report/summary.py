# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The closing table of a recovery run: fixed width, plain ASCII, for terminals and CI logs."""

from __future__ import annotations

from ansible_collections.lispnet.ms_recovery.plugins.module_utils.report.model import (
    RecoveryReport,
    format_seconds,
    instant,
)
from ansible_collections.lispnet.ms_recovery.plugins.module_utils.report.parts import (
    DownWindowPart,
    ReregisterPart,
)

LABEL_WIDTH = 18
# A CI log with thousands of failed sites is useless; the full list is in report.json.
MAX_FAILURE_LINES = 20
_NAME_WIDTH = 24


Row = tuple[str, str]


def _row(label: str, value: str) -> Row:
    return (label, value)


def _verdict(ok: bool) -> str:
    return "OK" if ok else "FAIL"


def _ms_line(report: RecoveryReport) -> Row | None:
    ms = report.ms
    if ms is None:
        return None
    unit = ms.unit_name or "?"
    details = [f"role {ms.role}"] if ms.role else []
    details.append(f"event {ms.event}")
    if ms.reboot_count is not None:
        details.append(f"reboots {ms.reboot_count}")
    if ms.boot_time:
        details.append(f"booted {ms.boot_time}")
    if ms.interruptions:
        details.append(
            f"interrupted {len(ms.interruptions)} time(s), events {', '.join(ms.events)}"
        )
    if len(ms.active_units) > 1:
        details.append(f"SPLIT BRAIN: {', '.join(ms.active_units)} all claim active")
    return _row("MS unit", f"{unit}: {', '.join(details)}")


def down_window_text(window: DownWindowPart) -> str:
    """The outage's bound in words: "between X and Y", or "at the latest from Y"
    with why its start is unknown; then where the back time comes from."""
    back = "back at" if window.back_exact else "back at the latest at"
    if window.down_after is None:
        down = f"down at the latest from {window.down_by}, since when is {window.down_after_source}"
    else:
        try:
            span = (instant(window.back_at) - instant(window.down_after)).total_seconds()
            at_most = f" (at most {format_seconds(span)})"
        except ValueError:
            at_most = ""
        down = (
            f"down between {window.down_after} and {window.down_by}{at_most};"
            f" the start from {window.down_after_source}"
        )
    return f"{down}; {back} {window.back_at} ({window.back_source})"


def _count_pair(done: int | None, total: int | None) -> str:
    if done is None and total is None:
        return "n/a"
    return f"{'?' if done is None else done} / {'?' if total is None else total}"


def _served_by(rr: ReregisterPart) -> str:
    """Sites per method (' 869 sites by register;'): a bridge registration is
    not a notification, and auto mixes methods."""
    counts: dict[str, int] = {}
    for entry in rr.sites:
        if entry.served.method:
            counts[entry.served.method] = counts.get(entry.served.method, 0) + 1
    if not counts:
        return ""
    return " " + ", ".join(f"{n} sites by {m}" for m, n in sorted(counts.items())) + ";"


def _recovery_lines(report: RecoveryReport) -> list[Row]:
    rr = report.reregister
    if rr is None:
        event = report.ms.event if report.ms else None
        why = "MS healthy, nothing to recover" if event == "none" else "no re-registration result"
        return [_row("Re-registration", f"skipped ({why})")]
    lines = [
        _row(
            "Re-registration",
            f"{rr.method or '?'}:{_served_by(rr)} {rr.sent if rr.sent is not None else '?'}"
            f" messages sent, {rr.acked if rr.acked is not None else '?'} acknowledged",
        )
    ]
    ttr = report.time_to_full_recovery
    if ttr is None and rr.complete and not rr.sent:
        lines.append(_row("Full recovery", "table already complete, nothing sent"))
    elif ttr is None:
        lines.append(_row("Full recovery", "NOT reached"))
    else:
        lines.append(_row("Full recovery", format_seconds(ttr)))
        lines.append(
            _row(
                "Without the tool",
                f"about {report.baseline_sites_back} of {report.total_sites} sites would have"
                f" been back by then ({report.baseline.label})",
            )
        )
    return lines


def _check_lines(report: RecoveryReport) -> list[Row]:
    lines: list[Row] = []
    reg = report.registrations
    if reg is not None:
        c = reg.counts
        lines.append(
            _row(
                "Registrations",
                f"{_verdict(reg.complete)}: expected {c['expected']}, registered"
                f" {c['registered']}, missing {c['missing']}, unexpected {c['unexpected']},"
                f" rloc mismatch {c['rloc_mismatch']}, stale {c['stale']}",
            )
        )
    mr = report.map_request
    if mr is not None:
        c = mr.counts
        lines.append(
            _row(
                "Map-Requests",
                f"{_verdict(mr.ok)}: ok {c['ok']}, negative {c['negative']},"
                f" rloc mismatch {c['rloc_mismatch']}, timeout {c['timeout']}",
            )
        )
    return lines


def _failure_lines(report: RecoveryReport) -> list[str]:
    failed = report.failed
    if not failed:
        return []
    width = min(_NAME_WIDTH, max(len(s.name) for s in failed)) + 2
    lines = [f"Failed sites ({len(failed)})"]
    for site in failed[:MAX_FAILURE_LINES]:
        lines.append(f"  {site.name:<{width}}{site.reason or 'not recovered'}")
    if len(failed) > MAX_FAILURE_LINES:
        lines.append(f"  ... and {len(failed) - MAX_FAILURE_LINES} more (see report.json)")
    return lines


def summary_facts(report: RecoveryReport) -> list[Row]:
    """(label, value) rows shared by the terminal table and the HTML page."""
    rows: list[Row] = []
    ms_line = _ms_line(report)
    if ms_line:
        rows.append(ms_line)
    if report.ms is not None and report.ms.down_window is not None:
        rows.append(_row("MS down", down_window_text(report.ms.down_window)))
    rows.append(_row("Sites recovered", _count_pair(report.recovered_sites, report.total_sites)))
    rows.append(_row("EIDs registered", _count_pair(report.registered_eids, report.expected_eids)))
    rows.extend(_recovery_lines(report))
    rows.extend(_check_lines(report))
    rows.extend(_row("Note", note) for note in report.notes)
    rows.append(_row("Result", _verdict(report.checks_ok)))
    return rows


def headline(report: RecoveryReport) -> str:
    """The one line that matters: when the table was whole, on the outage's axis,
    against what the ETRs' own timers would have taken."""
    interval = report.baseline.register_interval
    without = (
        f"without the tool up to {format_seconds(interval)}"
        f" (about {format_seconds(interval / 2)} on average)"
    )
    failed = report.failed
    if failed:
        names = ", ".join(s.name for s in failed[:MAX_FAILURE_LINES])
        more = (
            f" and {len(failed) - MAX_FAILURE_LINES} more"
            if len(failed) > MAX_FAILURE_LINES
            else ""
        )
        return f"NOT whole: {len(failed)} site(s) failed: {names}{more}"
    ttr = report.time_to_full_recovery
    rr = report.reregister
    if ttr is None:
        if rr is not None and rr.complete and not rr.sent:
            return "Table complete: nothing to recover, nothing sent"
        return "NOT whole: the table was not complete at the end of the run"
    timeline = report.timeline
    if timeline is not None and timeline.whole_after_back is not None:
        # Not exact: zero is the read that found the switchover, so the true
        # figure is at least this one.
        back = "the MS came back" if timeline.back_exact else "the MS was seen back (at the latest)"
        return (
            f"Table whole {format_seconds(timeline.whole_after_back)} after {back}"
            f" (the tool acted at {format_seconds(timeline.acted_after_back)}), {without}"
        )
    return f"Table whole {format_seconds(ttr)} after the tool acted, {without}"


def summary_lines(report: RecoveryReport) -> list[str]:
    head = f"== {report.title} =="
    lines = [head if report.generated_at is None else f"{head} {report.generated_at}"]
    lines.append(headline(report))
    lines.extend(f"{label:<{LABEL_WIDTH}}{value}" for label, value in summary_facts(report))
    lines.extend(_failure_lines(report))
    return lines
