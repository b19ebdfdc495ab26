# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The recovery curve as a self-contained SVG (no scripts, no external references).

Registered EIDs over time: the tool's samples as a solid line, the passive
baseline (the ETRs' own register timers, min(1, t / interval) of the expected
EIDs) dashed, and the 100 % line. The x axis runs to the register interval so
the baseline's whole ramp is visible next to the tool's. On the outage's axis
(zero: the MS came back) the MS's down window is a shaded band left of zero.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from xml.sax.saxutils import escape, quoteattr

WIDTH, HEIGHT = 720, 360
LEFT, RIGHT, TOP, BOTTOM = 64, 24, 28, 56
PLOT_W, PLOT_H = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM
TOOL_COLOUR = "#1f6feb"
BASELINE_COLOUR = "#9a6700"
FULL_COLOUR = "#2da44e"
DOWN_COLOUR = "#cf222e"
# The band of an outage whose start lies far back (the last run, a day ago) is
# cut at this share of the axis's positive side, so the recovery stays readable.
DOWN_SHARE = 0.5


@dataclass(frozen=True)
class DownBand:
    """The MS's down window in seconds on the outage's axis (zero or less):
    it went down after ``start`` (None: unknown) and by ``end``."""

    start: float | None
    end: float = 0.0


def nice_ticks(maximum: float, target: int = 6) -> list[float]:
    """Round tick values (1, 2, 5 x 10^k steps) from 0 to at least ``maximum``."""
    if maximum <= 0:
        return [0.0, 1.0]
    raw = maximum / target
    power = 10 ** math.floor(math.log10(raw))
    step = next(m * power for m in (1, 2, 5, 10) if m * power >= raw)
    count = math.ceil(maximum / step - 1e-9)
    return [round(i * step, 10) for i in range(count + 1)]


def axis_ticks(low: float, high: float, target: int = 6) -> list[float]:
    """Round ticks covering ``low`` (zero or less) to ``high``, zero among them."""
    if low >= 0:
        return nice_ticks(high, target)
    step = nice_ticks(high - low, target)[1]
    first = math.floor(low / step + 1e-9)
    last = max(1, math.ceil(high / step - 1e-9))
    return [round(i * step, 10) for i in range(first, last + 1)]


def _num(value: float) -> str:
    """Compact coordinates keep a many-sample polyline small."""
    text = f"{value:.1f}"
    return text[:-2] if text.endswith(".0") else text


def _tick_label(value: float) -> str:
    return f"{value:g}"


def _attrs(attrs: dict[str, str]) -> str:
    """Keyword names to SVG attributes: ``class_`` is class, ``stroke_width`` stroke-width."""
    return "".join(f" {k.rstrip('_').replace('_', '-')}={quoteattr(v)}" for k, v in attrs.items())


def _text(x: float, y: float, body: str, **attrs: str) -> str:
    extra = _attrs(attrs)
    return f'<text x="{_num(x)}" y="{_num(y)}"{extra}>{escape(body)}</text>'


def _line(x1: float, y1: float, x2: float, y2: float, **attrs: str) -> str:
    extra = _attrs(attrs)
    return f'<line x1="{_num(x1)}" y1="{_num(y1)}" x2="{_num(x2)}" y2="{_num(y2)}"{extra}/>'


def _polyline(points: Sequence[tuple[float, float]], **attrs: str) -> str:
    extra = _attrs(attrs)
    coords = " ".join(f"{_num(x)},{_num(y)}" for x, y in points)
    return f'<polyline points="{coords}" fill="none"{extra}/>'


def recovery_curve_svg(
    progress: Sequence[Sequence[float]],
    expected: int | None,
    register_interval: float | None,
    since_back: float | None = None,
    down: DownBand | None = None,
    origin: str = "the MS came back",
) -> str:
    """SVG text; ``progress`` is [[seconds, registered_count], ...] from the re-registration.

    With ``since_back`` (seconds from the MS coming back to the re-registration's
    start), the time axis starts when the MS came back (``origin`` names that
    instant), so the wait before the tool acted, the tool's curve and the
    passive baseline share one axis; ``down`` adds the MS's down window left of
    zero."""
    shift = since_back if since_back is not None and since_back >= 0 else 0.0
    if not shift:
        down, origin = None, "the re-registration started"
    samples = sorted((float(t) + shift, float(n)) for t, n in progress)
    interval = register_interval if register_interval and register_interval > 0 else None
    x_max_data = max([t for t, _n in samples] + [interval or 0.0])
    y_max_data = max([n for _t, n in samples] + [float(expected or 0)])
    x_min_data = 0.0
    if down is not None:
        limit = -DOWN_SHARE * (x_max_data or 1.0)
        wanted = down.start if down.start is not None else limit
        x_min_data = min(down.end, max(wanted, limit))
    x_ticks = axis_ticks(x_min_data, x_max_data or 1.0)
    y_ticks = nice_ticks(y_max_data or 1.0, target=5)
    x_min, x_max, y_max = x_ticks[0], x_ticks[-1], y_ticks[-1]

    def px(t: float) -> float:
        return LEFT + PLOT_W * (t - x_min) / (x_max - x_min)

    def py(n: float) -> float:
        return TOP + PLOT_H * (1 - n / y_max)

    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{WIDTH}" height="{HEIGHT}"'
        f' viewBox="0 0 {WIDTH} {HEIGHT}" role="img" class="recovery-curve"'
        ' font-family="sans-serif" font-size="12">',
        f"<title>Registered EIDs over time since {origin}</title>",
        f'<rect x="0" y="0" width="{WIDTH}" height="{HEIGHT}" fill="#ffffff"/>',
    ]
    for t in x_ticks:
        out.append(_line(px(t), TOP, px(t), TOP + PLOT_H, stroke="#e6e6e6"))
        out.append(_text(px(t), TOP + PLOT_H + 16, _tick_label(t), text_anchor="middle"))
    for n in y_ticks:
        out.append(_line(LEFT, py(n), LEFT + PLOT_W, py(n), stroke="#e6e6e6"))
        out.append(_text(LEFT - 6, py(n) + 4, _tick_label(n), text_anchor="end"))
    out.append(_line(LEFT, TOP + PLOT_H, LEFT + PLOT_W, TOP + PLOT_H, stroke="#333333"))
    out.append(_line(LEFT, TOP, LEFT, TOP + PLOT_H, stroke="#333333"))
    out.append(
        _text(
            LEFT + PLOT_W / 2,
            HEIGHT - 14,
            f"seconds since {origin}",
            text_anchor="middle",
        )
    )
    out.append(
        _text(
            16,
            TOP + PLOT_H / 2,
            "registered EIDs",
            text_anchor="middle",
            transform=f"rotate(-90 16 {_num(TOP + PLOT_H / 2)})",
        )
    )
    legend = []
    if down is not None:
        out.extend(_down_band(down, px, x_min))
        legend.append((DOWN_COLOUR, "", "MS down (bounds: see the summary)"))
    if expected:
        out.append(
            _line(
                LEFT,
                py(expected),
                LEFT + PLOT_W,
                py(expected),
                stroke=FULL_COLOUR,
                stroke_width="1",
                class_="full",
            )
        )
        out.append(
            _text(
                LEFT + PLOT_W - 4,
                py(expected) - 5,
                f"100 % ({expected} EIDs)",
                text_anchor="end",
                fill=FULL_COLOUR,
            )
        )
        if interval:
            # x_max >= interval (the axis always reaches it), so the ramp is whole.
            baseline = [(0.0, 0.0), (interval, float(expected))]
            if x_min < 0:
                baseline.insert(0, (x_min, 0.0))  # the outage: the table was empty
            if interval < x_max:
                baseline.append((x_max, float(expected)))
            out.append(
                _polyline(
                    [(px(t), py(n)) for t, n in baseline],
                    stroke=BASELINE_COLOUR,
                    stroke_width="2",
                    stroke_dasharray="6 4",
                    class_="baseline",
                )
            )
            legend.append(
                (
                    BASELINE_COLOUR,
                    "6 4",
                    f"without the tool (estimate, {interval:g} s register interval)",
                )
            )
    if samples:
        points = [(px(t), py(n)) for t, n in samples]
        if len(points) == 1:
            # A lone sample still needs a visible mark and a valid two-point polyline.
            points.append(points[0])
            out.append(
                f'<circle cx="{_num(points[0][0])}" cy="{_num(points[0][1])}" r="3"'
                f' fill="{TOOL_COLOUR}"/>'
            )
        if shift:
            # The table as the tool found it, from the MS's return until it acted.
            out.append(
                _polyline(
                    [(px(0.0), points[0][1]), points[0]],
                    stroke=TOOL_COLOUR,
                    stroke_width="1.5",
                    stroke_dasharray="2 3",
                    class_="waiting",
                )
            )
            out.append(_line(points[0][0], TOP, points[0][0], TOP + PLOT_H, stroke="#8c959f"))
            out.append(_text(points[0][0] + 4, TOP + 12, f"tool acted at {shift:g} s"))
        out.append(_polyline(points, stroke=TOOL_COLOUR, stroke_width="2.5", class_="tool"))
        full = next((t for t, n in samples if expected and n >= expected), None)
        if full is not None:
            # Next to a steep curve on a long axis the finish time is unreadable; spell it out.
            out.append(
                f'<circle cx="{_num(px(full))}" cy="{_num(py(expected or 0))}" r="4"'
                f' fill="{TOOL_COLOUR}" class="full-at"/>'
            )
            out.append(
                _text(
                    px(full) + 8,
                    py(expected or 0) + 16,
                    f"all registered at {full:.3g} s",
                    fill=TOOL_COLOUR,
                )
            )
        legend.insert(0, (TOOL_COLOUR, "", "with the tool (measured)"))
    else:
        out.append(
            _text(
                LEFT + PLOT_W / 2,
                TOP + PLOT_H / 2,
                "no progress samples",
                text_anchor="middle",
                fill="#666666",
            )
        )
    # Bottom right stays clear: the tool's curve is up by then and the baseline ramp above it.
    legend_x = LEFT + PLOT_W - 330
    if legend:
        top = TOP + PLOT_H - 26 - 18 * (len(legend) - 1)
        out.append(
            f'<rect x="{_num(legend_x - 8)}" y="{_num(top)}" width="330"'
            f' height="{18 * len(legend) + 6}" fill="#ffffff" fill-opacity="0.85"/>'
        )
    for i, (colour, dash, label) in enumerate(legend):
        y = TOP + PLOT_H - 14 - 18 * (len(legend) - 1 - i)
        attrs = {"stroke": colour, "stroke_width": "2.5"}
        if dash:
            attrs["stroke_dasharray"] = dash
        out.append(_line(legend_x, y, legend_x + 28, y, **attrs))
        out.append(_text(legend_x + 34, y + 4, label))
    out.append("</svg>")
    return "\n".join(out) + "\n"


def _down_band(down: DownBand, px: Callable[[float], float], x_min: float) -> list[str]:
    """A shaded band from the last sighting of the MS up (or the axis's left
    edge, when that lies further back or is unknown) to its return."""
    clipped = down.start is None or down.start < x_min
    left, right = px(x_min if clipped else down.start or 0.0), px(down.end)
    if down.start is None:
        label = "MS down since: unknown"
    elif clipped:
        label = f"MS down since {-down.start:.3g} s before"
    else:
        label = f"MS down at most {down.end - down.start:.3g} s"
    # Inside the band when it is wide enough, else just right of it.
    inside = right - left >= 7 * len(label)
    x, anchor = (right - 4, "end") if inside else (right + 4, "start")
    return [
        f'<rect x="{_num(left)}" y="{TOP}" width="{_num(max(right - left, 2.0))}"'
        f' height="{PLOT_H}" fill="{DOWN_COLOUR}" fill-opacity="0.15" class="down-window"/>',
        _line(right, TOP, right, TOP + PLOT_H, stroke=DOWN_COLOUR, stroke_width="1.5"),
        _text(x, TOP + 30, label, fill=DOWN_COLOUR, text_anchor=anchor, class_="down-label"),
    ]
