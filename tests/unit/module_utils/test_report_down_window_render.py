"""The MS's down window on the report's time axis: summary row, headline,
report.json and the shaded band of the SVG, with "unknown" when nothing bounds it."""

from __future__ import annotations

import json
from typing import Any

import pytest
from lxml import etree

from ansible_collections.lispnet.ms_recovery.plugins.module_utils.report import (
    ReportInputError,
    build_report,
    report_to_dict,
    summary_lines,
    to_html,
)
from ansible_collections.lispnet.ms_recovery.plugins.module_utils.report.html import html_context
from ansible_collections.lispnet.ms_recovery.plugins.module_utils.report.svg import LEFT
from ansible_collections.lispnet.ms_recovery.tests.unit.module_utils.test_report_samples import (
    full_success,
)

SVG = "{http://www.w3.org/2000/svg}"


def with_window(down_after: str | None, **changes: Any) -> dict[str, Any]:
    results = full_success()
    results["reregister"]["acted_at"] = "2026-12-04T06:00:12+00:00"
    results["ms_state"]["down_window"] = {
        "event": "reboot",
        "down_after": down_after,
        "down_after_source": "ms_state's last read of ms1-a up in its previous boot"
        if down_after
        else "unknown: ms_state never read ms1-a in its previous boot (first run)",
        "down_by": "2026-12-04T06:00:00+00:00",
        "back_at": "2026-12-04T06:00:00+00:00",
        "back_exact": True,
        "back_source": "ietf-system boot-datetime",
        **changes,
    }
    return results


def _svg(results: dict[str, Any]) -> etree._Element:
    return etree.fromstring(html_context(build_report(results))["svg"].encode())


def _down_row(results: dict[str, Any]) -> str:
    return next(line for line in summary_lines(build_report(results)) if line.startswith("MS down"))


def test_a_bounded_window_is_on_the_axis_with_its_sources() -> None:
    report = build_report(with_window("2026-12-04T05:59:20+00:00"))
    timeline = report.timeline
    assert timeline is not None
    assert (timeline.down_after_back, timeline.down_by_back, timeline.acted_after_back) == (
        -40.0,
        0.0,
        12.0,
    )
    assert summary_lines(report)[1].startswith("Table whole 12.8 s after the MS came back")
    row = _down_row(with_window("2026-12-04T05:59:20+00:00"))
    assert "down between 2026-12-04T05:59:20+00:00 and 2026-12-04T06:00:00+00:00" in row
    assert "(at most 40 s)" in row and "ms_state's last read of ms1-a" in row
    assert "back at 2026-12-04T06:00:00+00:00 (ietf-system boot-datetime)" in row
    data = json.loads(json.dumps(report_to_dict(report)))
    assert data["timeline"]["down_after_back"] == -40.0
    assert data["timeline"]["back_source"] == "ietf-system boot-datetime"
    assert data["ms_state"]["down_window"]["back_exact"] is True


def test_the_band_runs_from_the_last_sighting_to_the_return() -> None:
    svg = _svg(with_window("2026-12-04T05:59:35+00:00"))
    band = svg.find(f"{SVG}rect[@class='down-window']")
    waiting = svg.find(f"{SVG}polyline[@class='waiting']")
    assert band is not None and waiting is not None
    band_right = float(band.get("x", "0")) + float(band.get("width", "0"))
    # The band ends where the wait for the tool begins: zero, the MS's return.
    assert abs(band_right - float(waiting.get("points", "").split(",")[0])) < 0.2
    assert float(band.get("x", "0")) > LEFT  # its start is known and on the axis
    label = svg.find(f"{SVG}text[@class='down-label']")
    assert label is not None and label.text == "MS down at most 25 s"
    # The axis has room left of zero for it: a tick at -20 s.
    assert "-20" in [t.text for t in svg.iter(f"{SVG}text")]


def test_an_unknown_start_is_said_and_drawn_from_the_axis_edge() -> None:
    results = with_window(None)
    row = _down_row(results)
    assert "down at the latest from 2026-12-04T06:00:00+00:00" in row
    assert "since when is unknown: ms_state never read ms1-a" in row
    svg = _svg(results)
    band = svg.find(f"{SVG}rect[@class='down-window']")
    assert band is not None and float(band.get("x", "0")) == LEFT
    label = svg.find(f"{SVG}text[@class='down-label']")
    assert label is not None and label.text == "MS down since: unknown"
    assert build_report(results).timeline.down_after_back is None  # type: ignore[union-attr]


def test_a_start_long_ago_is_cut_at_the_axis_edge_not_squashing_the_recovery() -> None:
    svg = _svg(with_window("2026-12-03T06:00:00+00:00"))
    band = svg.find(f"{SVG}rect[@class='down-window']")
    tool = svg.find(f"{SVG}polyline[@class='tool']")
    assert band is not None and tool is not None and float(band.get("x", "0")) == LEFT
    xs = [float(p.split(",")[0]) for p in tool.get("points", "").split()]
    assert max(xs) - min(xs) >= 5  # the measured rise still has a visible width
    label = svg.find(f"{SVG}text[@class='down-label']")
    assert label is not None and label.text == "MS down since 8.64e+04 s before"


def test_a_switchover_without_its_time_is_back_at_the_latest() -> None:
    results = with_window(
        "2026-12-04T05:59:50+00:00",
        event="switchover",
        back_exact=False,
        back_source="at the latest: ms_state's read that found ms1-b active",
    )
    lines = summary_lines(build_report(results))
    assert lines[1].startswith("Table whole 12.8 s after the MS was seen back (at the latest)")
    assert "back at the latest at 2026-12-04T06:00:00+00:00" in _down_row(results)
    assert "seconds since the MS was seen back" in to_html(build_report(results))


def test_a_switchover_without_a_window_gets_no_axis_from_an_old_boot() -> None:
    """Zero is never the boot time of a unit that merely switched over (days ago)."""
    results = full_success()
    results["ms_state"]["event"] = "switchover"
    results["reregister"]["acted_at"] = "2026-12-04T06:00:12+00:00"
    report = build_report(results)
    assert report.timeline is None
    assert summary_lines(report)[1].startswith("Table whole 0.80 s after the tool acted")


def test_a_window_without_its_back_time_is_refused_by_name() -> None:
    results = with_window(None)
    del results["ms_state"]["down_window"]["back_at"]
    with pytest.raises(ReportInputError, match=r"ms_state\.down_window\.back_at: missing"):
        build_report(results)
