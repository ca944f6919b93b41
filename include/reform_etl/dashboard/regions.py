"""The overview's regional comparison: scores by region as strips, then the regions' medians.

Every median comes from marts.rpt_region_summary; the page only arranges and formats them.
"""

from __future__ import annotations

from collections import defaultdict

from ..dq_report.html import Raw, both, built, grid2, panel, t, table
from ..dq_report.templating import render
from . import charts
from .charts import StripRow, no_data, pct
from .data import INDEXES, Marts, Row
from .labels import INDEX_NAMES, REGION_EN, REGION_ORDER
from .links import province_href, province_link, region_label
from .rankings import latest_year

MEDIAN_OF = {"PAR": "median_par_score", "SIPAS": "median_sipas_score"}


def _ordered(codes: set[str]) -> list[str]:
    return [code for code in REGION_ORDER if code in codes] + sorted(codes - set(REGION_ORDER))


def summaries(marts: Marts) -> dict[tuple[str, int], Row]:
    """rpt_region_summary by (region, year)."""
    return {
        (r["region_code"], r["year"]): r
        for r in marts.region_summary
        if r.get("region_code") and r.get("year") is not None
    }


def region_section(marts: Marts) -> str:
    panels = []
    summary = summaries(marts)
    for index in INDEXES:
        year = latest_year(marts, index)
        if year is None:
            continue
        groups: dict[str, list[tuple[float, str, str | None]]] = defaultdict(list)
        for r in marts.rankings:
            if r.get("index_code") != index or r.get("year") != year or r.get("score") is None:
                continue
            code = r["province_code"]
            region = r.get("region_code") or marts.region_of(code) or "?"
            tip = f"{marts.label(code, year=year)}: {charts.fmt(r['score'])} ({both('hạng', 'rank')} {r['rank']})"
            groups[region].append((float(r["score"]), tip, province_href(code)))
        rows = [
            StripRow(
                marts.regions.get(code, code),
                REGION_EN.get(code, code),
                charts.region_colour(code),
                groups[code],
                median=summary.get((code, year), {}).get(MEDIAN_OF[index]),
            )
            for code in _ordered(set(groups))
        ]
        vi, en = INDEX_NAMES[index]
        panels.append(panel(f"{vi} {year}", f"{en} {year}", charts.strip_chart(rows, width=580)))
    if not panels:
        return no_data("marts.fct_province_rankings")
    return grid2(panels) + region_table(marts)


def region_table(marts: Marts) -> str:
    summary = summaries(marts)
    if not summary:
        return ""
    year = max(y for _, y in summary)
    current = {code: r for (code, y), r in summary.items() if y == year}
    rows = []
    for code in _ordered(set(current)):
        r = current[code]
        best = r.get("best_par_province_code")
        rows.append(
            (
                region_label(marts, code),
                r.get("provinces"),
                Raw(charts.fmt(r.get("median_par_score"))),
                Raw(charts.fmt(r.get("median_sipas_score"))),
                Raw(pct(r.get("median_on_time_rate"))),
                Raw(pct(r.get("median_online_dossier_rate"))),
                Raw(pct(r.get("median_coverage_rate"))),
                province_link(marts, best, year=year) if best else "–",
            )
        )
    headers = [
        t("Vùng", "Region"),
        t("Số tỉnh có số liệu", "Provinces with figures"),
        t("PAR (trung vị)", "PAR (median)"),
        t("SIPAS (trung vị)", "SIPAS (median)"),
        t("Đúng hạn (trung vị)", "On time (median)"),
        t("Hồ sơ trực tuyến (trung vị)", "Online dossiers (median)"),
        t("TTHC trực tuyến (trung vị)", "Online procedures (median)"),
        t("PAR cao nhất", "Best PAR"),
    ]
    return render(
        "dashboard",
        "regions_table.html",
        year=year,
        table=built(table(headers, rows, numeric=[1, 2, 3, 4, 5, 6])),
    )
