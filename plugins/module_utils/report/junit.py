# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""JUnit XML for CI: suite "ms_recovery", one testcase per site plus the table checks.

The layout is the common denominator that Jenkins, GitLab and pytest-style
parsers accept: <testsuites><testsuite tests= failures= errors= skipped=>
<testcase classname= name=> with at most one <failure> or <skipped> child.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET

from ansible_collections.lispnet.ms_recovery.plugins.module_utils.report.fields import clean_text
from ansible_collections.lispnet.ms_recovery.plugins.module_utils.report.model import (
    RecoveryReport,
    SiteOutcome,
)

SUITE = "ms_recovery"
SITE_CLASS = "ms_recovery.site"
CHECK_CLASS = "ms_recovery.check"
# Enough failing EIDs to start debugging; report.json has them all.
MAX_DETAIL_LINES = 50


def _detail(lines: list[str]) -> str:
    shown = lines[:MAX_DETAIL_LINES]
    if len(lines) > MAX_DETAIL_LINES:
        shown.append(f"... and {len(lines) - MAX_DETAIL_LINES} more (see report.json)")
    return "\n".join(shown)


def _testcase(suite: ET.Element, classname: str, name: str) -> ET.Element:
    return ET.SubElement(suite, "testcase", classname=classname, name=clean_text(name))


def _fail(case: ET.Element, kind: str, message: str, text: str = "") -> None:
    failure = ET.SubElement(case, "failure", type=kind, message=clean_text(message))
    failure.text = clean_text(text) if text else None


def _skip(case: ET.Element, message: str) -> None:
    ET.SubElement(case, "skipped", message=message)


def _site_case(suite: ET.Element, site: SiteOutcome) -> None:
    case = _testcase(suite, SITE_CLASS, site.name)
    if site.recovered:
        return
    lines = [
        f"{e.etr} rloc={e.rloc or '-'} acked={str(e.acked).lower()} retries={e.retries}"
        + (f" error={e.error}" if e.error else "")
        for e in site.etrs
    ]
    _fail(case, "not_recovered", site.reason or "not recovered", "\n".join(lines))


def _registrations_case(suite: ET.Element, report: RecoveryReport) -> None:
    case = _testcase(suite, CHECK_CLASS, "registrations_complete")
    reg = report.registrations
    if reg is None:
        _skip(case, "registrations were not checked")
        return
    if reg.complete:
        return
    c = reg.counts
    message = (
        f"registration table incomplete: missing {c['missing']}, unexpected {c['unexpected']},"
        f" rloc mismatch {c['rloc_mismatch']}, stale {c['stale']}"
    )
    lines = [f"missing {x}" for x in reg.missing]
    lines += [f"unexpected {x}" for x in reg.unexpected]
    lines += [f"rloc_mismatch {x}" for x in reg.rloc_mismatch]
    _fail(case, "registrations_incomplete", message, _detail(lines))


def _map_request_case(suite: ET.Element, report: RecoveryReport) -> None:
    case = _testcase(suite, CHECK_CLASS, "map_request")
    mr = report.map_request
    if mr is None:
        _skip(case, "Map-Requests were not checked")
        return
    if mr.ok:
        return
    c = mr.counts
    message = (
        f"{mr.total - c['ok']} of {mr.total} Map-Requests failed: negative {c['negative']},"
        f" rloc mismatch {c['rloc_mismatch']}, timeout {c['timeout']}"
    )
    lines = [
        f"{r.eid} site={r.site or '-'} status={r.status}"
        f" rlocs={','.join(r.rlocs) or '-'} expected={','.join(r.expected_rlocs) or '-'}"
        for r in mr.failures
    ]
    _fail(case, "map_request_failed", message, _detail(lines))


def _notes_case(suite: ET.Element, report: RecoveryReport) -> None:
    """A result part whose task failed must turn the run red, not vanish."""
    if report.notes:
        case = _testcase(suite, CHECK_CLASS, "inputs")
        _fail(case, "task_failed", report.notes[0], "\n".join(report.notes))


def to_junit(report: RecoveryReport) -> str:
    root = ET.Element("testsuites", name=clean_text(report.title))
    suite = ET.SubElement(root, "testsuite", name=SUITE)
    properties = ET.SubElement(suite, "properties")
    props = {
        "register_interval": f"{report.baseline.register_interval:g}",
        "ms_event": report.ms.event if report.ms else None,
        "method": report.reregister.method if report.reregister else None,
        "generated_at": report.generated_at,
    }
    for name, value in props.items():
        if value is not None:
            ET.SubElement(properties, "property", name=name, value=clean_text(value))
    for site in report.sites:
        _site_case(suite, site)
    _registrations_case(suite, report)
    _map_request_case(suite, report)
    _notes_case(suite, report)

    cases = suite.findall("testcase")
    counts = {
        "tests": len(cases),
        "failures": sum(1 for c in cases if c.find("failure") is not None),
        "errors": 0,
        "skipped": sum(1 for c in cases if c.find("skipped") is not None),
    }
    for key, count in counts.items():
        suite.set(key, str(count))
        root.set(key, str(count))
    ttr = report.time_to_full_recovery
    if ttr is not None:
        suite.set("time", f"{ttr:.3f}")
    ET.indent(root)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, encoding="unicode") + "\n"
