"""A merged unit's page: what it was formed from and its figures restated across 2025-07-01."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import Any

from ..dq_report.charts import lines
from ..dq_report.html import Raw, both, built, t, table
from ..dq_report.templating import render
from .chart_inputs import WIDE, line_width, period_key
from .charts import no_data, pct
from .data import Marts, Row
from .links import piece, province_href


def _start_day(row: Row) -> date | None:
    start = row.get("period_start")
    return start if isinstance(start, date) else None


def on_time_shown_all(row: Row) -> float | None:
    """A sum over every level is drawn with its rate unrounded."""
    value = row.get("on_time_share")
    return None if value is None else float(value)


def _last_ranks(marts: Marts, code: str) -> list[tuple[str, str, int, int, object]]:
    """Each former unit's last PAR rank: index ranks cannot be restated, so they are shown as they were."""
    found = []
    for v in marts.predecessors(code):
        ranks = [
            r
            for r in marts.rankings
            if r.get("province_code") == v.code and r.get("index_code") == "PAR" and v.valid_on(date(r["year"], 12, 31))
        ]
        if ranks:
            r = max(ranks, key=lambda r: r["year"])
            found.append((v.name, v.code, r["year"], r["rank"], r.get("provinces_ranked")))
    return found


def _dossier_series(marts: Marts, code: str) -> dict[str, Any] | None:
    """The restated on-time rate of every level against each former unit's own, and its table."""
    every_level = [r for r in marts.on_time if r.get("province_code") == code and r.get("level") == "all"]
    restated = [r for r in every_level if r.get("basis") == "restated"]
    # The periodic reports when there are any, else the records: never the two added up.
    source = "summary" if any(r.get("source") == "summary" for r in restated) else None
    if source is None and restated:
        source = restated[0].get("source")
    combined = {r["period_label"]: r for r in restated if r.get("source") == source and r.get("period_label")}
    periods = sorted(combined, key=lambda p: period_key(combined[p]))
    if not periods:
        return None
    series = [(both("Quy đổi", "Restated"), "#12385f", [on_time_shown_all(combined[p]) for p in periods])]
    palette = ("#D55E00", "#009E73", "#CC79A7", "#E69F00")
    for i, v in enumerate(marts.predecessors(code)):
        own = {
            r["period_label"]: on_time_shown_all(r)
            for r in marts.on_time
            if r.get("basis") == "reported"
            and r.get("province_code") == v.code
            and r.get("province_key") == v.key
            and r.get("source") == source
            and r.get("level") == "all"
        }
        if own:
            series.append((f"{v.name} ({v.code})", palette[i % len(palette)], [own.get(p) for p in periods]))
    width = line_width(len(periods), 600)
    rows: list[Sequence[Any]] = [
        (
            p,
            ", ".join(
                marts.label(c, on=_start_day(combined[p]))
                for c in str(combined[p].get("contributing_codes") or "").split(",")
                if c
            ),
            piece("complete")(combined[p].get("is_complete") is not False),
            combined[p].get("received"),
            Raw(pct(on_time_shown_all(combined[p]))),
        )
        for p in periods
    ]
    restated_table = table(
        [
            t("Kỳ", "Period"),
            t("Đơn vị đóng góp", "Contributing units"),
            t("Đủ", "Complete"),
            t("Hồ sơ tiếp nhận", "Dossiers received"),
            t("Đúng hạn", "On time"),
        ],
        rows,
        numeric=[3, 4],
        css="restated",
    )
    return {
        "chart": built(lines(periods, series[:4], width=width, height=230, y_unit="%")),
        "table": built(restated_table),
        "wide": width > WIDE,
    }


def _coverage_table(marts: Marts, restated: list[Row]) -> str:
    coverage = sorted(
        (r for r in restated if r.get("figure") == "online_service_coverage"),
        key=lambda r: (period_key(r), r.get("source") or ""),
    )
    if not coverage:
        return ""
    rows = [
        (
            r.get("period_label"),
            r.get("source"),
            ", ".join(
                marts.label(c, on=r.get("period_start") if isinstance(r.get("period_start"), date) else None)
                for c in str(r.get("contributing_codes") or "").split(",")
                if c
            ),
            piece("complete")(r.get("is_complete") is not False),
            r.get("procedures_total"),
            Raw(pct(r.get("coverage_rate"))),
            Raw(pct(r.get("online_dossier_rate"))),
        )
        for r in coverage
    ]
    return table(
        [
            t("Kỳ", "Period"),
            t("Nguồn", "Source"),
            t("Đơn vị đóng góp", "Contributing units"),
            t("Đủ", "Complete"),
            t("Số TTHC", "Procedures"),
            t("TTHC trực tuyến", "Procedures online"),
            t("Hồ sơ trực tuyến", "Online dossiers"),
        ],
        rows,
        numeric=[4, 5, 6],
        css="restated",
    )


def merger_section(marts: Marts, code: str) -> str:
    predecessors = marts.predecessors(code)
    if not predecessors:
        return ""
    unit = marts.current(code)
    restated = [r for r in marts.restated if r.get("province_code") == code]
    series = _dossier_series(marts, code)
    return render(
        "dashboard",
        "merger.html",
        unit_name=unit.name if unit else marts.name(code),
        code=code,
        units=len(predecessors),
        plain=", ".join(f"{v.name} ({v.code})" for v in predecessors),
        formed_from=[(province_href(v.code) if v.code != code else "#index", v.name, v.code) for v in predecessors],
        last_ranks=_last_ranks(marts, code),
        series=series,
        wide=bool(series and series["wide"]),
        coverage=built(_coverage_table(marts, restated)),
        no_data=built(no_data("marts.rpt_restated_34")),
    )
