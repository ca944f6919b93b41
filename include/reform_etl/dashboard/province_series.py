"""A province page's trends: the on-time rate by level and online services against the targets."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from typing import Any

from ..dq_report.charts import lines
from ..dq_report.html import both, built, panel
from ..dq_report.templating import render
from . import charts
from .chart_inputs import WIDE, line_width, period_key, short_period, target_lines, targets_by_code
from .charts import Bar, TargetChart, no_data, pct
from .data import Marts, Row
from .former_years import former_note, former_years, year_label
from .labels import LEVELS


def on_time(early: float | None, on_time_: float | None, late: float | None) -> float | None:
    """The on-time rate from counts, as the marts compute it (early counts as on time)."""
    if on_time_ is None or late is None:
        return None
    done = (early or 0) + on_time_ + late
    return 100.0 * ((early or 0) + on_time_) / done if done else None


def strict_sum(values: Iterable[float | None]) -> float | None:
    total = 0.0
    for value in values:
        if value is None:
            return None
        total += value
    return total


def _level_rows(rows: Iterable[Row]) -> dict[tuple[str, str, str], dict[str, Any]]:
    """(source, period, level) -> counts summed over channels and the on-time rate."""
    grouped: dict[tuple[str, str, str], list[Row]] = defaultdict(list)
    for r in rows:
        if r.get("period_label") and r.get("level"):
            grouped[(r.get("source") or "", r["period_label"], r["level"])].append(r)
    out: dict[tuple[str, str, str], dict[str, Any]] = {}
    for key, members in grouped.items():
        if len(members) == 1:
            rate = members[0].get("on_time_rate")
        else:
            rate = on_time(
                strict_sum(m.get("resolved_early") or 0 for m in members),
                strict_sum(m.get("resolved_on_time") for m in members),
                strict_sum(m.get("resolved_late") for m in members),
            )
        out[key] = {"rate": rate, "start": min(period_key(m) for m in members)}
    return out


def dossier_series(marts: Marts, code: str) -> tuple[list[Row], str]:
    """Rows for the on-time trend: restated onto the current unit when it is one, else as reported."""
    if marts.current(code) is not None:
        restated = [
            r
            for r in marts.restated
            if r.get("province_code") == code and r.get("figure") in (None, "dossier_processing")
        ]
        if restated:
            return restated, "restated"
    return [r for r in marts.dossiers if r.get("province_code") == code], "reported"


def dossier_section(marts: Marts, code: str) -> str:
    rows, basis = dossier_series(marts, code)
    if not rows:
        return no_data("marts.fct_dossier_processing")
    levels = _level_rows(rows)
    panels: list[tuple[str, bool]] = []
    for source, vi, en in (
        ("summary", "Theo báo cáo định kỳ của tỉnh", "From the province's periodic reports"),
        ("records", "Theo nhật ký hồ sơ (từng tháng)", "From the dossier records (monthly)"),
        ("", "Không rõ nguồn", "Unknown source"),
    ):
        periods = sorted({(v["start"], p) for (s, p, _), v in levels.items() if s == source})
        if not periods:
            continue
        labels = [p for _, p in periods]
        series = []
        for level, lvi, len_, colour in LEVELS:
            values = [levels.get((source, p, level), {}).get("rate") for p in labels]
            if any(v is not None for v in values):
                series.append((both(lvi, len_), colour, [float(v) if v is not None else None for v in values]))
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
