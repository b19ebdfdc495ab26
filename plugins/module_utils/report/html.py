# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""report.html: summary, recovery curve (inline SVG), checks and per-site results."""

from __future__ import annotations

from typing import Any

from ansible_collections.lispnet.ms_recovery.plugins.module_utils.report.html_template import (
    REPORT_TEMPLATE,
)
from ansible_collections.lispnet.ms_recovery.plugins.module_utils.report.model import (
    RecoveryReport,
)
from ansible_collections.lispnet.ms_recovery.plugins.module_utils.report.summary import (
    headline,
    summary_facts,
)
from ansible_collections.lispnet.ms_recovery.plugins.module_utils.report.svg import (
    DownBand,
    recovery_curve_svg,
)

# A page listing 10,000 bad EIDs helps nobody; report.json keeps the complete lists.
MAX_PROBLEM_ROWS = 200


def _checks(report: RecoveryReport) -> list[dict[str, str]]:
    checks = []
    reg = report.registrations
    if reg is None:
        checks.append(
            {
                "name": "Registrations complete",
                "verdict": "skipped",
                "css": "skip",
                "details": "not checked",
            }
        )
    else:
        details = ", ".join(f"{k.replace('_', ' ')} {v}" for k, v in reg.counts.items())
        checks.append(
            {
                "name": "Registrations complete",
                "verdict": "OK" if reg.complete else "FAIL",
                "css": "ok" if reg.complete else "fail",
                "details": details,
            }
        )
    mr = report.map_request
    if mr is None:
        checks.append(
            {"name": "Map-Requests", "verdict": "skipped", "css": "skip", "details": "not checked"}
        )
    else:
        details = ", ".join(f"{k.replace('_', ' ')} {v}" for k, v in mr.counts.items())
        checks.append(
            {
                "name": "Map-Requests",
                "verdict": "OK" if mr.ok else "FAIL",
                "css": "ok" if mr.ok else "fail",
                "details": details,
            }
        )
    return checks


def _problems(report: RecoveryReport) -> list[tuple[str, str]]:
    rows: list[tuple[str, str]] = []
    reg = report.registrations
    if reg is not None:
        rows += [("missing", x) for x in reg.missing]
        rows += [("unexpected", x) for x in reg.unexpected]
        rows += [("rloc mismatch", x) for x in reg.rloc_mismatch]
    elif report.reregister is not None:
        rows += [("missing", x) for x in report.reregister.missing]
    if report.map_request is not None:
        rows += [
            (
                f"map-request {r.status.replace('_', ' ')}",
                f"{r.eid} site {r.site or '-'} rlocs {','.join(r.rlocs) or '-'}"
                f" expected {','.join(r.expected_rlocs) or '-'}",
            )
            for r in report.map_request.failures
        ]
    return rows


def html_context(report: RecoveryReport) -> dict[str, Any]:
    """Everything the template sees: fields of the model only, never raw inputs."""
    progress = report.reregister.progress if report.reregister else ()
    problems = _problems(report)
    timeline = report.timeline
    down = None
    if timeline is not None and timeline.down_by_back is not None:
        down = DownBand(timeline.down_after_back, timeline.down_by_back)
    return {
        "title": report.title,
        "generated_at": report.generated_at,
        "ok": report.checks_ok,
        "headline": headline(report),
        "facts": summary_facts(report),
        "svg": recovery_curve_svg(
            progress,
            report.expected_eids,
            report.baseline.register_interval,
            since_back=timeline.acted_after_back if timeline else None,
            down=down,
            origin="the MS came back"
            if timeline is None or timeline.back_exact
            else "the MS was seen back",
        ),
        "register_interval": f"{report.baseline.register_interval:g}",
        "failed": report.failed,
        "checks": _checks(report),
        "problems": problems[:MAX_PROBLEM_ROWS],
        "problems_more": max(0, len(problems) - MAX_PROBLEM_ROWS),
        "notes": report.notes,
        "sites": report.sites,
    }


def to_html(report: RecoveryReport) -> str:
    # Imported here so that JSON and JUnit output work on a host without jinja2.
    from jinja2 import Environment, StrictUndefined
    from markupsafe import Markup

    env = Environment(autoescape=True, undefined=StrictUndefined, keep_trailing_newline=True)
    context = html_context(report)
    # The SVG is built by recovery_curve_svg, which escapes every text it draws.
    context["svg"] = Markup(context["svg"])
    return env.from_string(REPORT_TEMPLATE).render(**context)
