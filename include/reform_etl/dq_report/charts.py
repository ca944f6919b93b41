"""Small inline SVG charts, generated here so the report needs no script and no network."""

from __future__ import annotations

import html
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from .html import inert

FONT = 11


def _x(text: str) -> str:
    return html.escape(inert(text), quote=True)


def _mix(a: tuple[int, int, int], b: tuple[int, int, int], f: float) -> str:
    f = max(0.0, min(1.0, f))
    return "#" + "".join(f"{round(x + (y - x) * f):02x}" for x, y in zip(a, b, strict=True))


def _percent(value: float) -> str:
    """'0.4%' below one percent (a small share is not zero), '12%' above."""
    return f"{value:.1f}%" if value < 1 else f"{value:.0f}%"


def share_colour(share: float) -> str:
    """0 % pale green; up to 20 % and beyond from amber to deep red (a file may lose 20 %)."""
    if share <= 0:
        return "#dcefe2"
    if share <= 0.05:
        return _mix((0xFB, 0xE8, 0xB5), (0xF0, 0xA0, 0x4B), share / 0.05)
    return _mix((0xF0, 0xA0, 0x4B), (0x8E, 0x12, 0x12), (share - 0.05) / 0.15)


@dataclass(frozen=True)
class HeatCell:
    share: float
    detail: str  # tooltip text


def heatmap(
    rows: Sequence[tuple[str, str, str | None]],
    columns: Sequence[str],
    cells: Mapping[tuple[str, str], HeatCell],
    *,
    label_width: int = 190,
    cell: tuple[int, int] = (62, 18),
) -> str:
    """Rows (key, label, link) × columns, each cell coloured by its share; empty = no data."""
    width, height = cell
    top = 28
    svg_w = max(label_width + width * len(columns) + 10, label_width + 5 * 70 + 40)
    svg_h = top + height * len(rows) + 40
    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{svg_w}" height="{svg_h}" role="img" '
        f'viewBox="0 0 {svg_w} {svg_h}" font-size="{FONT}">'
    ]
    for j, column in enumerate(columns):
        x = label_width + j * width + width / 2
        out.append(f'<text x="{x}" y="{top - 8}" text-anchor="middle">{_x(column)}</text>')
    for i, (key, label, href) in enumerate(rows):
        y = top + i * height
        text = f'<text x="{label_width - 6}" y="{y + height - 5}" text-anchor="end">{_x(label)}</text>'
        out.append(f'<a href="{_x(href)}">{text}</a>' if href else text)
        for j, column in enumerate(columns):
            x = label_width + j * width
            value = cells.get((key, column))
            if value is None:
                out.append(
                    f'<rect x="{x + 1}" y="{y + 1}" width="{width - 2}" height="{height - 2}" fill="#fff" '
                    'stroke="#e1e6ec"/>'
                )
                continue
            out.append(
                f'<rect x="{x + 1}" y="{y + 1}" width="{width - 2}" height="{height - 2}" '
                f'fill="{share_colour(value.share)}"><title>{_x(value.detail)}</title></rect>'
            )
            if value.share > 0:
                colour = "#fff" if value.share > 0.08 else "#3b2a00"
                out.append(
                    f'<text x="{x + width / 2}" y="{y + height - 5}" text-anchor="middle" fill="{colour}" '
                    f'font-size="{FONT - 1}" pointer-events="none">{_percent(value.share * 100)}</text>'
                )
    legend_y = top + height * len(rows) + 16
    for n, share in enumerate((0, 0.01, 0.05, 0.1, 0.2)):
        x = label_width + n * 70
        out.append(f'<rect x="{x}" y="{legend_y}" width="14" height="12" fill="{share_colour(share)}"/>')
        out.append(f'<text x="{x + 18}" y="{legend_y + 10}">{share * 100:.0f}%</text>')
    out.append("</svg>")
    return "".join(out)


def bars(points: Sequence[tuple[str, float, str]], *, height: int = 170, bar: int = 58, unit: str = "%") -> str:
    """Vertical bars (label, value, tooltip); values in percent."""
    if not points:
        return ""
    top_value = max(max(v for _, v, _ in points), 1.0)
    left, bottom = 40, 28
    svg_w = left + bar * len(points) + 20
    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{svg_w}" height="{height}" role="img" '
        f'viewBox="0 0 {svg_w} {height}" font-size="{FONT}">'
    ]
    plot = height - bottom - 14
    for tick in (0, top_value / 2, top_value):
        y = 14 + plot - plot * tick / top_value
        out.append(f'<line x1="{left}" x2="{svg_w - 10}" y1="{y}" y2="{y}" stroke="#e1e6ec"/>')
        out.append(f'<text x="{left - 4}" y="{y + 4}" text-anchor="end">{tick:.1f}{unit}</text>')
    for i, (label, value, tip) in enumerate(points):
        h = plot * value / top_value
        x = left + i * bar + 4
        out.append(
            f'<rect x="{x}" y="{14 + plot - h}" width="{bar - 8}" height="{max(h, 0.5)}" '
            f'fill="{share_colour(value / 100)}" stroke="#8a6d3b" stroke-width=".3"><title>{_x(tip)}</title></rect>'
        )
        out.append(
            f'<text x="{x + (bar - 8) / 2}" y="{height - bottom + 14}" text-anchor="middle" '
            f'font-size="{FONT - 2}">{_x(label)}</text>'
        )
    out.append("</svg>")
    return "".join(out)


def lines(
    labels: Sequence[str],
    series: Sequence[tuple[str, str, Sequence[float | None]]],
    *,
    width: int = 520,
    height: int = 200,
    y_unit: str = "",
    y_min: float | None = None,
) -> str:
    """Line chart: x = ``labels``, each series (name, colour, values with gaps as None)."""
    values = [v for _, _, vs in series for v in vs if v is not None]
    if not labels or not values:
        return ""
    low = min(values) if y_min is None else y_min
    high = max(values)
    if high == low:
        high = low + 1
    left, right, top, bottom = 64, 36, 12, 42
    decimals = 0 if high - low >= 100 else 1
    plot_w, plot_h = width - left - right, height - top - bottom

    def xy(i: int, value: float) -> tuple[float, float]:
        x = left + (plot_w * i / max(len(labels) - 1, 1))
        y = top + plot_h - plot_h * (value - low) / (high - low)
        return round(x, 1), round(y, 1)

    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" role="img" '
        f'viewBox="0 0 {width} {height}" font-size="{FONT}">'
    ]
    for tick in (low, (low + high) / 2, high):
        _, y = xy(0, tick)
        out.append(f'<line x1="{left}" x2="{width - right}" y1="{y}" y2="{y}" stroke="#e1e6ec"/>')
        out.append(f'<text x="{left - 4}" y="{y + 4}" text-anchor="end">{tick:,.{decimals}f}{_x(y_unit)}</text>')
    step = max(1, len(labels) // 8)
    for i, label in enumerate(labels):
        if i % step == 0 or i == len(labels) - 1:
            x, _ = xy(i, low)
            out.append(f'<text x="{x}" y="{height - bottom + 16}" text-anchor="middle">{_x(label)}</text>')
    for n, (name, colour, points) in enumerate(series):
        path: list[str] = []
        for i, value in enumerate(points):
            if value is None:
                continue
            x, y = xy(i, value)
            path.append(f"{'M' if not path else 'L'}{x},{y}")
            out.append(
                f'<circle cx="{x}" cy="{y}" r="3" fill="{colour}"><title>{_x(name)} {_x(labels[i])}: '
                f"{value:,.2f}{_x(y_unit)}</title></circle>"
            )
        if path:
            out.append(f'<path d="{" ".join(path)}" fill="none" stroke="{colour}" stroke-width="2"/>')
        out.append(f'<rect x="{left + n * 170}" y="{height - 14}" width="10" height="10" fill="{colour}"/>')
        out.append(f'<text x="{left + n * 170 + 14}" y="{height - 5}">{_x(name)}</text>')
    out.append("</svg>")
    return "".join(out)
