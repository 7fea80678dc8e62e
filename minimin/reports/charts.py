"""Server-rendered SVG charts: no JavaScript, no inline styles (CSP), colours from CSS.

Every shape carries a class (``chart-income``, ``chart-expense``, ``chart-axis``...) that
minimin/reports/static/charts.css colours with the theme's CSS variables, so the charts follow
light and dark mode. Text uses ``currentColor``. The markup returned is safe to insert with
``|safe``: every label is escaped here. Each chart comes with a data table in the template
(screen readers read the table; the SVG itself is ``aria-hidden``).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from html import escape

from markupsafe import Markup


@dataclass(frozen=True)
class Series:
    """One named series of integer values (pence) with a CSS class."""

    label: str
    values: Sequence[int]
    css_class: str


#: Grid steps in pence: 1, 2, 2.5 and 5 x 10^n pounds, so every grid line falls on a value its
#: label can state exactly (£1,250 steps read as "£1k, £2k, £3k" once labels were rounded).
_STEP_FACTORS = (100, 200, 250, 500)
#: At most this many intervals between the zero line and the top line.
MAX_INTERVALS = 5


def axis_steps(peak: int, max_intervals: int = MAX_INTERVALS) -> tuple[int, int]:
    """``(step, intervals)``: the smallest nice step whose ``intervals`` (at most
    *max_intervals*) reach *peak* (pence); the grid lines are at 0, step, ... step x intervals."""
    magnitude = 1
    while True:
        for factor in _STEP_FACTORS:
            step = factor * magnitude
            intervals = max(1, -(-max(peak, 0) // step))
            if intervals <= max_intervals:
                return step, intervals
        magnitude *= 10


def axis_label(pence: int) -> str:
    """A grid line's value, exact: £750, £2.5k, £1.25m (never rounded to a neighbour)."""
    pounds = pence / 100
    if abs(pounds) >= 1_000_000:
        return f"£{pounds / 1_000_000:g}m"
    if abs(pounds) >= 1000:
        return f"£{pounds / 1000:g}k"
    return f"£{pounds:g}"


def _pounds_label(pence: int) -> str:
    pounds = pence // 100
    if abs(pounds) >= 1_000_000:
        return f"£{pounds / 1_000_000:.1f}m".replace(".0m", "m")
    if abs(pounds) >= 1000:
        return f"£{pounds // 1000}k"
    return f"£{pounds}"


@dataclass(frozen=True)
class _Layout:
    """One drawing of a bar chart: the wide one for larger screens, the narrow one for phones.

    The SVG scales with its box, text included; a 640-unit drawing squeezed onto a phone shrinks
    12-unit text to 6 px. The narrow drawing has a viewBox close to a phone's width so its text
    stays at least 12 px there (charts.css shows one drawing or the other)."""

    css_class: str
    width: int
    height: int
    left: int
    max_labels: int  # month labels along the bottom
    char_width: float  # the legend's estimate of one character, in viewBox units


WIDE = _Layout("chart-wide", 640, 260, 56, 12, 8)
NARROW = _Layout("chart-narrow", 300, 220, 46, 6, 8.5)


def bar_chart(
    categories: Sequence[str],
    series: Sequence[Series],
    *,
    title: str,
) -> Markup:
    """Grouped vertical bars: one group per category (e.g. month), one bar per series.
    Negative values are drawn as zero-height (the table shows the exact figures)."""
    return Markup(  # noqa: S704 - every text escaped in _bar_svg
        _bar_svg(categories, series, title, WIDE) + _bar_svg(categories, series, title, NARROW)
    )


def _bar_svg(
    categories: Sequence[str], series: Sequence[Series], title: str, layout: _Layout
) -> str:
    width, height, left = layout.width, layout.height, layout.left
    right, top, bottom = 8, 12, 40
    plot_w = width - left - right
    plot_h = height - top - bottom
    peak = max((max(s.values, default=0) for s in series), default=0)
    step, intervals = axis_steps(peak)
    ceiling = step * intervals
    parts = [
        f'<svg class="chart {layout.css_class}" viewBox="0 0 {width} {height}" '
        f'preserveAspectRatio="xMidYMid meet" '
        f'xmlns="http://www.w3.org/2000/svg" aria-hidden="true" focusable="false">',
        f"<title>{escape(title)}</title>",
    ]
    for i in range(intervals + 1):
        y = top + plot_h - plot_h * i / intervals
        parts.append(
            f'<line class="chart-grid" x1="{left}" x2="{width - right}" y1="{y:.1f}" y2="{y:.1f}"/>'
        )
        parts.append(
            f'<text class="chart-label" x="{left - 6}" y="{y + 4:.1f}" text-anchor="end">'
            f"{escape(axis_label(step * i))}</text>"
        )
    groups = max(len(categories), 1)
    group_w = plot_w / groups
    bar_w = max(group_w * 0.8 / max(len(series), 1), 1)
    every = max(1, -(-groups // layout.max_labels))
    for g, name in enumerate(categories):
        x0 = left + g * group_w + group_w * 0.1
        for s_index, s in enumerate(series):
            value = s.values[g] if g < len(s.values) else 0
            h = plot_h * max(value, 0) / ceiling
            x = x0 + s_index * bar_w
            parts.append(
                f'<rect class="{escape(s.css_class)}" x="{x:.1f}" y="{top + plot_h - h:.1f}" '
                f'width="{bar_w:.1f}" height="{h:.1f}"/>'
            )
        if g % every == 0:
            parts.append(
                f'<text class="chart-label" x="{left + g * group_w + group_w / 2:.1f}" '
                f'y="{height - bottom + 16}" text-anchor="middle">{escape(name)}</text>'
            )
    parts.append(
        f'<line class="chart-axis" x1="{left}" x2="{width - right}" '
        f'y1="{top + plot_h}" y2="{top + plot_h}"/>'
    )
    legend_x = float(left)
    for s in series:
        parts.append(
            f'<rect class="{escape(s.css_class)}" x="{legend_x:.1f}" y="{height - 15}" '
            f'width="10" height="10"/>'
        )
        parts.append(
            f'<text class="chart-label" x="{legend_x + 14:.1f}" y="{height - 5}">'
            f"{escape(s.label)}</text>"
        )
        legend_x += 14 + layout.char_width * len(s.label) + 16
    parts.append("</svg>")
    return "".join(parts)


def horizontal_bars(
    labels: Sequence[str],
    values: Sequence[int],
    *,
    title: str,
    css_class: str = "chart-income",
) -> Markup:
    """One horizontal bar per label (e.g. income by client), longest first as given; a wide
    and a narrow drawing, as :func:`bar_chart`."""
    return Markup(  # noqa: S704 - every text escaped in _hbar_svg
        _hbar_svg(labels, values, title, css_class, WIDE_BARS)
        + _hbar_svg(labels, values, title, css_class, NARROW_BARS)
    )


@dataclass(frozen=True)
class _BarsLayout:
    css_class: str
    width: int
    label_width: int
    label_chars: int  # longer names are cut with an ellipsis
    right: int
    row_height: int


WIDE_BARS = _BarsLayout("chart-wide", 640, 180, 24, 70, 28)
NARROW_BARS = _BarsLayout("chart-narrow", 300, 112, 12, 58, 30)


def _hbar_svg(
    labels: Sequence[str], values: Sequence[int], title: str, css_class: str, layout: _BarsLayout
) -> str:
    width, label_w, right, row_height = (
        layout.width,
        layout.label_width,
        layout.right,
        layout.row_height,
    )
    top = 8
    height = top * 2 + row_height * max(len(labels), 1)
    plot_w = width - label_w - right
    peak = max(max(values, default=0), 1)
    parts = [
        f'<svg class="chart {layout.css_class}" viewBox="0 0 {width} {height}" '
        f'preserveAspectRatio="xMidYMid meet" '
        f'xmlns="http://www.w3.org/2000/svg" aria-hidden="true" focusable="false">',
        f"<title>{escape(title)}</title>",
    ]
    cut = layout.label_chars
    for i, (label, value) in enumerate(zip(labels, values, strict=False)):
        y = top + i * row_height
        w = plot_w * max(value, 0) / peak
        short = label if len(label) <= cut else label[: cut - 1] + "…"
        parts.append(
            f'<text class="chart-label" x="{label_w - 8}" y="{y + row_height * 0.65:.1f}" '
            f'text-anchor="end">{escape(short)}</text>'
        )
        parts.append(
            f'<rect class="{escape(css_class)}" x="{label_w}" y="{y + 4}" '
            f'width="{w:.1f}" height="{row_height - 8}"/>'
        )
        parts.append(
            f'<text class="chart-label" x="{label_w + w + 6:.1f}" '
            f'y="{y + row_height * 0.65:.1f}">{escape(_pounds_label(value))}</text>'
        )
    parts.append("</svg>")
    return "".join(parts)
