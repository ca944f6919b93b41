"""A province page's trends: the on-time rate by level and online services against the targets."""

from __future__ import annotations

from ..dq_report.charts import lines
from ..dq_report.html import both, built, panel
from ..dq_report.templating import render
from . import charts
from .chart_inputs import WIDE, line_width, period_key, short_period, target_lines, targets_by_code
from .charts import Bar, TargetChart, no_data, pct
from .data import Marts, Row
from .former_years import former_note, former_years, year_label
from .labels import LEVELS


def on_time_shown(row: Row) -> float | None:
    """The rate a chart draws: a row the source table holds as it is keeps that table's
    4-decimal rate; a sum over channels or levels is drawn unrounded."""
    value = row.get("on_time_rate") if row.get("rows_summed") == 1 else row.get("on_time_share")
    return None if value is None else float(value)


def dossier_series(marts: Marts, code: str) -> tuple[list[Row], str]:
    """The on-time rows of a page: restated onto the current unit when it is one, else as reported."""
    rows = [r for r in marts.on_time if r.get("province_code") == code]
    if marts.current(code) is not None:
        restated = [r for r in rows if r.get("basis") == "restated"]
        if restated:
            return restated, "restated"
    return [r for r in rows if r.get("basis") == "reported"], "reported"


def dossier_section(marts: Marts, code: str) -> str:
    rows, basis = dossier_series(marts, code)
    if not rows:
        return no_data("marts.fct_dossier_processing")
    levels = {(r.get("source") or "", r["period_label"], r["level"]): r for r in rows if r.get("level") != "all"}
    panels: list[tuple[str, bool]] = []
    for source, vi, en in (
        ("summary", "Theo báo cáo định kỳ của tỉnh", "From the province's periodic reports"),
        ("records", "Theo nhật ký hồ sơ (từng tháng)", "From the dossier records (monthly)"),
        ("", "Không rõ nguồn", "Unknown source"),
    ):
        periods = sorted({(period_key(r), p) for (s, p, _), r in levels.items() if s == source})
        if not periods:
            continue
        labels = [p for _, p in periods]
        series = []
        for level, lvi, len_, colour in LEVELS:
            values = [on_time_shown(row) if (row := levels.get((source, p, level))) else None for p in labels]
            if any(v is not None for v in values):
                series.append((both(lvi, len_), colour, values))
        shown = [short_period(p) for p in labels]
        width = line_width(len(shown))
        chart = lines(shown, series, width=width, height=220, y_unit="%") if series else ""
        panels.append((panel(vi, en, chart or no_data()), width > WIDE))
    return render(
        "dashboard",
        "dossiers.html",
        restated=basis == "restated" and bool(marts.predecessors(code)),
        wide=[built(html) for html, wide in panels if wide],
        narrow=[built(html) for html, wide in panels if not wide],
    )


def online_section(marts: Marts, code: str) -> str:
    rows = sorted(
        (r for r in marts.scorecard if r.get("province_code") == code and r.get("year") is not None),
        key=lambda r: r["year"],
    )
    values: dict[str, dict[int, float | None]] = {"coverage_rate": {}, "online_dossier_rate": {}}
    for r in rows:
        for metric in values:
            values[metric][r["year"]] = r.get(metric)
    if not rows:  # without the scorecard, the fact table's own yearly figures
        for r in marts.coverage:
            if r.get("province_code") == code and str(r.get("period_label") or "")[:4].isdigit():
                year = int(str(r["period_label"])[:4])
                for metric in values:
                    if r.get(metric) is not None:
                        values[metric][year] = r[metric]
    years = sorted(set(values["coverage_rate"]) | set(values["online_dossier_rate"]))
    if not years:
        return no_data("marts.rpt_province_scorecard, marts.fct_online_service_coverage")
    former = former_years(marts, code, years)
    targets = targets_by_code(marts)
    panels = []
    for metric, target_code, vi, en in (
        ("coverage_rate", "online_procedures", "Tỷ lệ TTHC cung cấp trực tuyến", "Procedures offered online"),
        ("online_dossier_rate", "online_dossiers", "Tỷ lệ hồ sơ xử lý trực tuyến", "Dossiers handled online"),
    ):
        bars = [
            Bar(
                year_label(year, former),
                None if (value := values[metric].get(year)) is None else float(value),
                f"{both(vi, en)} {year}: {pct(values[metric].get(year))}"
                + (f" — {former[year]}" if year in former else ""),
                former=year in former,
            )
            for year in years
        ]
        svg = charts.target_bars(TargetChart(bars, target_lines(targets.get(target_code, {}))))
        panels.append(built(panel(vi, en, svg or no_data())))
    return render("dashboard", "online.html", panels=panels, former_note=former_note(former))
