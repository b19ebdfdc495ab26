"""HTML page and the recovery-curve SVG: well-formed, complete, escaped."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from html.parser import HTMLParser

import pytest

from ansible_collections.lispnet.ms_recovery.plugins.module_utils.report import (
    build_report,
    recovery_curve_svg,
    to_html,
)
from ansible_collections.lispnet.ms_recovery.plugins.module_utils.report.svg import (
    LEFT,
    PLOT_W,
    nice_ticks,
)
from ansible_collections.lispnet.ms_recovery.tests.unit.module_utils.test_report_samples import (
    full_success,
    hostile,
    ms_state,
    one_site_failed,
)

SVG = "{http://www.w3.org/2000/svg}"


def _svg_from_html(page: str) -> ET.Element:
    match = re.search(r"<svg .*?</svg>", page, re.S)
    assert match, "no inline SVG"
    return ET.fromstring(match.group(0))


def _polyline(svg: ET.Element, css: str) -> list[tuple[float, float]]:
    [line] = [p for p in svg.iter(f"{SVG}polyline") if p.get("class") == css]
    return [tuple(map(float, pair.split(","))) for pair in line.get("points").split()]


class _Collect(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.tags: list[str] = []
        self.text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list) -> None:
        self.tags.append(tag)

    def handle_data(self, data: str) -> None:
        self.text.append(data)


def test_svg_is_well_formed_with_curve_baseline_and_full_line() -> None:
    svg = ET.fromstring(recovery_curve_svg([[0, 0], [0.4, 12], [0.8, 20]], 20, 60))
    assert svg.tag == f"{SVG}svg"
    tool = _polyline(svg, "tool")
    assert len(tool) == 3
    baseline = [p for p in svg.iter(f"{SVG}polyline") if p.get("class") == "baseline"]
    assert baseline[0].get("stroke-dasharray")
    # The baseline ramps from 0 at t=0 to 100 % at the register interval, the axis end.
    ramp = _polyline(svg, "baseline")
    assert ramp[0][0] == LEFT and ramp[-1][0] == LEFT + PLOT_W
    [full] = [line for line in svg.iter(f"{SVG}line") if line.get("class") == "full"]
    assert float(full.get("y1")) == pytest.approx(ramp[-1][1])
    assert tool[-1][1] == pytest.approx(ramp[-1][1])  # the tool reached 100 %
    texts = " ".join(t.text or "" for t in svg.iter(f"{SVG}text"))
    assert "seconds" in texts and "registered EIDs" in texts
    assert "estimate" in texts and "60 s register interval" in texts
    assert "all registered at 0.8 s" in texts
    assert {"0", "10", "20", "30", "40", "50", "60"} <= {t.text for t in svg.iter(f"{SVG}text")}


def test_svg_tool_curve_rises_left_to_right() -> None:
    svg = ET.fromstring(recovery_curve_svg([[0.8, 20], [0, 0], [0.4, 12]], 20, 60))
    xs = [x for x, _unused in _polyline(svg, "tool")]
    ys = [y for _unused, y in _polyline(svg, "tool")]
    assert xs == sorted(xs)
    assert ys == sorted(ys, reverse=True)  # SVG y grows downwards


def test_svg_axis_covers_samples_beyond_the_interval() -> None:
    svg = ET.fromstring(recovery_curve_svg([[0, 0], [90, 10]], 10, 60))
    ramp = _polyline(svg, "baseline")
    assert len(ramp) == 3  # up to the interval, then flat to the axis end
    assert max(x for x, _unused in _polyline(svg, "tool")) <= LEFT + PLOT_W


@pytest.mark.parametrize(
    ("progress", "expected", "interval"),
    [([], 20, 60), ([[0.5, 3]], 20, 60), ([[0, 0], [1, 5]], None, 60), ([[0, 0]], 0, None)],
)
def test_svg_degenerate_inputs_stay_well_formed(progress, expected, interval) -> None:
    svg = ET.fromstring(recovery_curve_svg(progress, expected, interval))
    baselines = [p for p in svg.iter(f"{SVG}polyline") if p.get("class") == "baseline"]
    assert bool(baselines) == bool(expected and interval)
    if progress:
        assert len(_polyline(svg, "tool")) >= 2


@pytest.mark.parametrize(
    ("maximum", "ticks"),
    [(60, [0, 10, 20, 30, 40, 50, 60]), (20, [0, 5, 10, 15, 20]), (0.8, None), (0, [0, 1])],
)
def test_nice_ticks(maximum: float, ticks: list[float] | None) -> None:
    result = nice_ticks(maximum, target=6 if maximum != 20 else 5)
    if ticks is not None:
        assert result == ticks
    assert result[0] == 0 and result[-1] >= maximum


def test_html_has_summary_curve_and_sites() -> None:
    page = to_html(build_report(full_success(), generated_at="2024-05-01T10:01:00Z"))
    svg = _svg_from_html(page)
    assert _polyline(svg, "tool") and _polyline(svg, "baseline")
    parser = _Collect()
    parser.feed(page)
    text = " ".join(parser.text)
    assert "Generated 2024-05-01T10:01:00Z" in text
    assert "5 / 5" in text
    assert "about 0 of 5 sites would have been back by then" in text
    assert "estimate" in text
    assert all(f"site-0000{i}" in text for i in range(1, 6))
    assert "script" not in parser.tags


def test_html_failure_lists_failed_site_and_problems() -> None:
    page = to_html(build_report(one_site_failed()))
    assert "Failed sites (1)" in page
    assert "no Map-Notify-Ack after 3 retries" in page
    assert "10.0.3.1/32" in page
    assert 'class="fail">FAIL' in page


def test_html_without_reregister_still_renders() -> None:
    page = to_html(build_report({"ms_state": ms_state("none")}))
    svg = _svg_from_html(page)
    assert not [p for p in svg.iter(f"{SVG}polyline") if p.get("class") == "tool"]
    assert "no progress samples" in page


def test_hostile_names_are_escaped() -> None:
    evil = '<script>alert("x")</script>'
    report = build_report(hostile(one_site_failed(), evil), title=f"</title>{evil}")
    page = to_html(report)
    assert "<script>" not in page
    assert "&lt;script&gt;" in page
    parser = _Collect()
    parser.feed(page)
    assert "script" not in parser.tags
    assert parser.tags.count("title") == 2  # the page's and the SVG's, nothing injected
    ET.fromstring(re.search(r"<svg .*?</svg>", page, re.S).group(0))


def test_unknown_input_keys_do_not_reach_the_page() -> None:
    results = full_success()
    results["reregister"]["debug_blob"] = "SECRET-BLOB"
    results["reregister"]["sites"][0]["etrs"][0]["key"] = "SECRET-KEY"
    results["ms_state"]["unit"]["password"] = "SECRET-PW"
    page = to_html(build_report(results))
    assert "SECRET" not in page
