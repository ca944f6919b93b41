"""The scorecard's own inline SVG charts and small markup pieces (pure functions, no I/O).

Line charts come from the data-quality report (:func:`reform_etl.dq_report.charts.lines`);
here are the charts it has no use for: the bump chart of ranks, the strip chart of scores by
region, and bars against target lines. Text in a chart is escaped with the report's
:func:`~reform_etl.dq_report.html.esc` (HTML-escaped, a formula-like start made inert), and
a label can carry both languages as two ``<tspan>`` that the page's language switch shows
one at a time.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from ..dq_report.charts import FONT
from ..dq_report.html import both, esc

# Okabe–Ito colours (distinguishable with colour-blindness), one per GSO region.
REGION_COLOURS = {
    "DBSH": "#0072B2",
    "TDMNPB": "#009E73",
    "BTB_DHMT": "#D55E00",
    "TN": "#CC79A7",
    "DNB": "#E69F00",
    "DBSCL": "#56B4E9",
}
OTHER_COLOUR = "#6b7f99"
GOOD, SHORT, NEUTRAL = "#1a7f37", "#d08a1c", "#9aa8b8"


def region_colour(code: str | None) -> str:
    return REGION_COLOURS.get(code or "", OTHER_COLOUR)


def svg_t(vi: str, en: str) -> str:
    """Both languages inside an SVG ``<text>``; the page shows one."""
    if vi == en:
        return esc(vi)
    return f'<tspan class="vi">{esc(vi)}</tspan><tspan class="en">{esc(en)}</tspan>'


def fmt(value: float | None, decimals: int = 2) -> str:
    return "–" if value is None else f"{value:,.{decimals}f}"


def pct(value: float | None, decimals: int = 1) -> str:
    return "–" if value is None else f"{value:.{decimals}f}%"


# -- table pieces --------------------------------------------------------------------------


def rank_arrow(change: int | None, *, basis: str | None = None, previous: int | None = None) -> str:
    """▲3 (up three places, green), ▼2 (down, red), = (unchanged); '–' without a previous rank.

    ``rank_change`` is the previous rank minus this year's, so positive means improved.
    """
    if change is None:
        tip = both("Không có hạng năm trước để so sánh", "No previous rank to compare with")
        return f'<span class="rc rc-none" title="{esc(tip)}">–</span>'
    change = int(change)
    note = ""
    if basis == "restated_to_current_units":
        note = " — " + both(
            "so với hạng năm trước quy đổi về 34 đơn vị hiện nay",
            "against last year's rank restated onto the 34 current units",
        )
    was = f" ({both('năm trước', 'last year')}: {previous})" if previous is not None else ""
    if change > 0:
        tip = both(f"Tăng {change} bậc", f"Up {change} places") + was + note
        return f'<span class="rc rc-up" title="{esc(tip)}">▲{change}</span>'
    if change < 0:
        tip = both(f"Giảm {-change} bậc", f"Down {-change} places") + was + note
        return f'<span class="rc rc-down" title="{esc(tip)}">▼{-change}</span>'
    tip = both("Giữ nguyên hạng", "Same rank") + was + note
    return f'<span class="rc rc-same" title="{esc(tip)}">=</span>'


def agreement(matches: bool | None, published: int | None) -> str:
    """Whether the rank computed from the scores equals the rank the ministry published."""
    if published is None or matches is None:
        tip = both("Không có hạng công bố", "No published rank")
        return f'<span class="muted" title="{esc(tip)}">–</span>'
    if matches:
        tip = both("Hạng tính từ điểm khớp hạng công bố", "The rank computed from the scores matches")
        return f'<span class="ok" title="{esc(tip)}">✓</span>'
    tip = both(f"Công bố hạng {published}, tính từ điểm ra hạng khác", f"Published {published}, scores give another")
    return f'<span class="bad" title="{esc(tip)}">✗</span>'


def no_data(what_vi: str = "", what_en: str = "") -> str:
    """The block every empty section shows."""
    detail = ""
    what_en = what_en or what_vi
    if what_vi or what_en:
        detail = f' <small><span class="vi">({esc(what_vi)})</span><span class="en">({esc(what_en)})</span></small>'
    return (
        f'<div class="nodata"><span class="vi">Chưa có dữ liệu</span><span class="en">No data yet</span>{detail}</div>'
    )


# -- bump chart ----------------------------------------------------------------------------


@dataclass(frozen=True)
class BumpPoint:
    rank: int
    of: int  # how many units were ranked that year
    tip: str


@dataclass(frozen=True)
class BumpLine:
    key: str  # unique per line (a province version)
    group: str  # lines highlighted together (the current unit they belong to)
    label: str
    colour: str
    points: Mapping[int, BumpPoint]
    href: str | None = None
    into: str | None = None  # key of the line this one continues as (a merger)


@dataclass
class _Label:
    y: float
    text: str
    group: str


def _spread(labels: list[_Label], gap: float) -> list[_Label]:
    """Push labels down so that none overlaps the one above (ties share a y)."""
    labels.sort(key=lambda item: item.y)
    last = float("-inf")
    for item in labels:
        item.y = max(item.y, last + gap)
        last = item.y
    return labels


def _edge_labels(candidates: list[tuple[int, _Label]], fits: bool, keep: int) -> list[_Label]:
    """All labels when they fit, otherwise the top and bottom ``keep`` by rank."""
    ranked = sorted(candidates, key=lambda item: item[0])
    if fits or len(ranked) <= 2 * keep:
        return [label for _, label in ranked]
    return [label for _, label in ranked[:keep] + ranked[-keep:]]


def bump_chart(
    years: Sequence[int],
    lines: Sequence[BumpLine],
    *,
    plot_height: int = 560,
    column: int = 86,
    label_width: int = 150,
    keep: int = 5,
    merger_after: int | None = 2024,
    legend: Sequence[tuple[str, str, str]] = (),
) -> str:
    """Ranks over years, one line per unit, rank 1 at the top.

    Each year's ranks are spread over the full height (rank 1 at the top, the last rank at
    the bottom), so a year with 63 units and one with 34 share one axis. A line that ``into``
    another (a unit merged on 2025-07-01) is joined to it with a dashed segment; lines of
    one ``group`` light up together on hover (pure CSS, see ``.bump`` in the page style).
    Years' first and last columns carry labels: all when they fit, else the top and bottom
    ``keep``; any other line shows its label while hovered.
    """
    years = sorted(set(years))
    drawn = [line for line in lines if any(y in line.points for y in years)]
    if not years or not drawn:
        return ""
    top, bottom = 34, 40 + (18 if legend else 0)
    height = plot_height + top + bottom
    left = label_width + 10
    width = left + column * max(len(years) - 1, 1) + label_width + 10
    x_of: dict[int, float] = {year: left + column * i for i, year in enumerate(years)}
    if len(years) == 1:
        x_of = {years[0]: left + column / 2}
    count = {year: max((line.points[year].of for line in drawn if year in line.points), default=1) for year in years}

    def y(point: BumpPoint) -> float:
        n = max(point.of, 1)
        return round(top + (point.rank - 1) / max(n - 1, 1) * plot_height, 1)

    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="bump" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}" font-size="{FONT}" role="img">'
    ]
    for year in years:
        x = x_of[year]
        out.append(f'<line x1="{x}" x2="{x}" y1="{top - 6}" y2="{top + plot_height + 6}" stroke="#e1e6ec"/>')
        out.append(f'<text x="{x}" y="{top - 14}" text-anchor="middle" font-weight="600">{year}</text>')
        out.append(
            f'<text x="{x}" y="{top + plot_height + 20}" text-anchor="middle" fill="#5b6673">n={count[year]}</text>'
        )
    if merger_after is not None and years[0] <= merger_after < years[-1] and len(years) > 1:
        after = min(year for year in years if year > merger_after)
        before = max(year for year in years if year <= merger_after)
        x = (x_of[before] + x_of[after]) / 2
        out.append(
            f'<line x1="{x}" x2="{x}" y1="{top - 4}" y2="{top + plot_height + 4}" stroke="#8a94a3" '
            'stroke-dasharray="4 4"/>'
        )
        out.append(
            f'<text x="{x}" y="{top + plot_height + 34}" text-anchor="middle" fill="#5b6673">'
            f"{svg_t('sáp nhập 01/07/2025', 'merger 2025-07-01')}</text>"
        )
    by_key = {line.key: line for line in drawn}
    groups: dict[str, list[BumpLine]] = {}
    for line in drawn:
        groups.setdefault(line.group, []).append(line)
    first, last = years[0], years[-1]
    gap = 12.0
    left_labels = _edge_labels(
        [
            (
                line.points[first].rank,
                _Label(y(line.points[first]), f"{line.points[first].rank}. {line.label}", line.group),
            )
            for line in drawn
            if first in line.points
        ],
        fits=plot_height / max(count[first] - 1, 1) >= gap,
        keep=keep,
    )
    right_labels = _edge_labels(
        [
            (
                line.points[last].rank,
                _Label(y(line.points[last]), f"{line.points[last].rank}. {line.label}", line.group),
            )
            for line in drawn
            if last in line.points
        ],
        fits=plot_height / max(count[last] - 1, 1) >= gap,
        keep=keep,
    )
    _spread(left_labels, gap)
    _spread(right_labels, gap)
    labelled_left = {(label.group, label.text) for label in left_labels}
    labelled_right = {(label.group, label.text) for label in right_labels}
    # The top and bottom of the latest year stand out; the others recede until hovered.
    ends = [line for line in drawn if last in line.points]
    key_groups = {
        line.group
        for line in ends
        if line.points[last].rank <= keep or line.points[last].rank > line.points[last].of - keep
    }
    out.append('<g class="lines">')
    for group, members in groups.items():
        href = next((line.href for line in members if line.href), None)
        klass = "ln key" if group in key_groups else "ln"
        opening = f'<a class="{klass}" href="{esc(href)}">' if href else f'<g class="{klass}">'
        out.append(opening)
        parts: list[str] = []
        marks: list[str] = []
        hover: list[str] = []
        for line in members:
            present = [year for year in years if year in line.points]
            path, previous = [], None
            for year in present:
                point = line.points[year]
                step = "L" if previous is not None and years.index(year) == years.index(previous) + 1 else "M"
                path.append(f"{step}{x_of[year]},{y(point)}")
                previous = year
                marks.append(
                    f'<circle cx="{x_of[year]}" cy="{y(point)}" r="3" fill="{line.colour}">'
                    f"<title>{esc(point.tip)}</title></circle>"
                )
            target = by_key.get(line.into) if line.into else None
            if target is not None and present:
                end = present[-1]
                later = [year for year in years if year > end and year in target.points]
                if later:
                    joined = f"M{x_of[end]},{y(line.points[end])} L{x_of[later[0]]},{y(target.points[later[0]])}"
                    parts.append(f'<path class="j" d="{joined}" stroke="{line.colour}"/>')
                    parts.append(f'<path class="hit" d="{joined}"/>')
            if path:
                d = " ".join(path)
                parts.append(f'<path class="l" d="{d}" stroke="{line.colour}"/>')
                parts.append(f'<path class="hit" d="{d}"/>')
            for year, anchor, dx, labelled in ((first, "end", -8, labelled_left), (last, "start", 8, labelled_right)):
                if present and year in (present[0], present[-1]) and year in line.points:
                    point = line.points[year]
                    text = f"{point.rank}. {line.label}"
                    if (line.group, text) not in labelled:
                        hover.append(
                            f'<text class="hl" x="{x_of[year] + dx}" y="{y(point) + 4}" text-anchor="{anchor}" '
                            f'paint-order="stroke" stroke="#fff" stroke-width="3">{esc(text)}</text>'
                        )
            if present and present[-1] not in (first, last):
                # A line that ends inside the chart (a unit merged away) is named where it ends.
                point = line.points[present[-1]]
                hover.append(
                    f'<text class="hl" x="{x_of[present[-1]] + 6}" y="{y(point) - 5}" paint-order="stroke" '
                    f'stroke="#fff" stroke-width="3">{esc(line.label)}</text>'
                )
        out.extend(parts)
        out.extend(marks)
        for label in (item for item in left_labels if item.group == group):
            out.append(
                f'<text class="lb" x="{x_of[first] - 8}" y="{label.y + 4:.1f}" text-anchor="end">{esc(label.text)}</text>'
            )
        for label in (item for item in right_labels if item.group == group):
            out.append(f'<text class="lb" x="{x_of[last] + 8}" y="{label.y + 4:.1f}">{esc(label.text)}</text>')
        out.extend(hover)
        out.append("</a>" if href else "</g>")
    out.append("</g>")
    for n, (code, vi, en) in enumerate(legend):
        x = left + n * 150
        ly = height - 12
        out.append(f'<rect x="{x}" y="{ly - 9}" width="10" height="10" fill="{region_colour(code)}"/>')
        out.append(f'<text x="{x + 14}" y="{ly}">{svg_t(vi, en)}</text>')
    out.append("</svg>")
    return "".join(out)


# -- strip chart: scores by region -----------------------------------------------------------


@dataclass(frozen=True)
class StripRow:
    vi: str
    en: str
    colour: str
    points: Sequence[tuple[float, str, str | None]]  # value, tooltip, link
    median: float | None = None  # from the mart; no marker without one


def _ticks(low: float, high: float, count: int = 5) -> list[float]:
    span = high - low
    raw = span / max(count, 1)
    step = next(s for s in (0.5, 1, 2, 2.5, 5, 10, 20, 25, 50, 100) if s >= raw) if raw <= 100 else raw
    start = (low // step) * step
    ticks, value = [], start
    while value <= high + 1e-9:
        if value >= low - 1e-9:
            ticks.append(round(value, 2))
        value += step
    return ticks


def strip_chart(rows: Sequence[StripRow], *, width: int = 640, row: int = 38, label_width: int = 230) -> str:
    """One band per group (a region): a dot per province, the range, and the row's median if given."""
    values = [value for r in rows for value, _, _ in r.points]
    if not values:
        return ""
    low, high = min(values), max(values)
    pad = max((high - low) * 0.08, 0.5)
    low, high = low - pad, high + pad
    left, right, top = label_width, 24, 12
    plot = width - left - right
    height = top + row * len(rows) + 34

    def x(value: float) -> float:
        return round(left + (value - low) / (high - low) * plot, 1)

    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="strip" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}" font-size="{FONT}" role="img">'
    ]
    axis_y = top + row * len(rows)
    for tick in _ticks(low, high):
        out.append(f'<line x1="{x(tick)}" x2="{x(tick)}" y1="{top}" y2="{axis_y}" stroke="#eef1f5"/>')
        out.append(f'<text x="{x(tick)}" y="{axis_y + 14}" text-anchor="middle" fill="#5b6673">{tick:g}</text>')
    for i, r in enumerate(rows):
        mid = top + row * i + row / 2
        out.append(f'<text x="{left - 10}" y="{mid + 4}" text-anchor="end">{svg_t(r.vi, r.en)}</text>')
        if i:
            out.append(
                f'<line x1="{left}" x2="{width - right}" y1="{top + row * i}" y2="{top + row * i}" stroke="#eef1f5"/>'
            )
        pts = [value for value, _, _ in r.points]
        if not pts:
            out.append(f'<text x="{left + 6}" y="{mid + 4}" fill="#5b6673">–</text>')
            continue
        out.append(
            f'<line x1="{x(min(pts))}" x2="{x(max(pts))}" y1="{mid}" y2="{mid}" stroke="{r.colour}" '
            'stroke-width="2" stroke-opacity=".35"/>'
        )
        for j, (value, tip, href) in enumerate(sorted(r.points, key=lambda p: p[0])):
            jitter = ((j % 3) - 1) * 6
            dot = (
                f'<circle cx="{x(value)}" cy="{mid + jitter}" r="4.5" fill="{r.colour}" fill-opacity=".8" '
                f'stroke="#fff" stroke-width=".8"><title>{esc(tip)}</title></circle>'
            )
            out.append(f'<a href="{esc(href)}">{dot}</a>' if href else dot)
        m = r.median
        if m is not None:
            out.append(
                f'<line x1="{x(m)}" x2="{x(m)}" y1="{mid - 13}" y2="{mid + 13}" stroke="#1d2733" stroke-width="2">'
                f"<title>{esc(both('Trung vị', 'Median'))}: {m:.2f}</title></line>"
            )
    out.append(
        f'<text x="{width - right}" y="{height - 4}" text-anchor="end" fill="#5b6673">'
        f"{svg_t('● một tỉnh/thành  ▍ trung vị', '● one province  ▍ median')}</text>"
    )
    out.append("</svg>")
    return "".join(out)


# -- bars against targets ------------------------------------------------------------------


@dataclass(frozen=True)
class Bar:
    label: str
    value: float | None
    tip: str
    former: bool = False  # the figure of a pre-merger unit under the same code


@dataclass(frozen=True)
class Target:
    vi: str
    en: str
    value: float
    colour: str = "#b42318"


@dataclass(frozen=True)
class TargetChart:
    bars: Sequence[Bar]
    targets: Sequence[Target] = field(default_factory=tuple)


def target_bars(chart: TargetChart, *, height: int = 210, bar: int = 54, ceiling: float = 100.0) -> str:
    """Percent bars (0–100) by year with dashed target lines; a missing year shows '–'.

    A bar is green when it reaches the first (nearest) target, amber when it does not.
    """
    if not chart.bars or all(b.value is None for b in chart.bars):
        return ""
    left, right, top, bottom = 40, 118, 12, 30
    width = left + bar * len(chart.bars) + right
    plot = height - top - bottom

    def y(value: float) -> float:
        return round(top + plot - plot * max(0.0, min(value, ceiling)) / ceiling, 1)

    first = chart.targets[0].value if chart.targets else None
    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="tbars" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}" font-size="{FONT}" role="img">'
    ]
    for tick in (0, 25, 50, 75, 100):
        out.append(f'<line x1="{left}" x2="{width - right + 6}" y1="{y(tick)}" y2="{y(tick)}" stroke="#eef1f5"/>')
        out.append(f'<text x="{left - 4}" y="{y(tick) + 4}" text-anchor="end" fill="#5b6673">{tick}%</text>')
    for i, b in enumerate(chart.bars):
        x = left + i * bar + 6
        w = bar - 12
        if b.value is None:
            out.append(
                f'<text x="{x + w / 2}" y="{y(0) - 4}" text-anchor="middle" fill="#5b6673">–<title>{esc(b.tip)}</title></text>'
            )
        else:
            colour = NEUTRAL if first is None else (GOOD if b.value >= first else SHORT)
            extra = ' fill-opacity=".45" stroke-dasharray="3 2"' if b.former else ""
            out.append(
                f'<rect x="{x}" y="{y(b.value)}" width="{w}" height="{max(y(0) - y(b.value), 0.5)}" fill="{colour}" '
                f'stroke="{colour}"{extra}><title>{esc(b.tip)}</title></rect>'
            )
            out.append(
                f'<text x="{x + w / 2}" y="{y(b.value) - 4}" text-anchor="middle" font-size="{FONT - 1}">'
                f"{b.value:.1f}</text>"
            )
        out.append(f'<text x="{x + w / 2}" y="{height - bottom + 15}" text-anchor="middle">{esc(b.label)}</text>')
    for target in chart.targets:
        ty = y(target.value)
        out.append(
            f'<line x1="{left}" x2="{width - right + 6}" y1="{ty}" y2="{ty}" stroke="{target.colour}" '
            f'stroke-width="1.5" stroke-dasharray="6 3"><title>{esc(both(target.vi, target.en))}</title></line>'
        )
        out.append(
            f'<text x="{width - right + 10}" y="{ty + 4}" fill="{target.colour}">{svg_t(target.vi, target.en)}</text>'
        )
    out.append("</svg>")
    return "".join(out)
