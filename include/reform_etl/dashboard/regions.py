"""The overview's regional comparison: scores by region as strips, then the regions' medians."""

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


def region_section(marts: Marts) -> str:
    panels = []
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
        order = [code for code in REGION_ORDER if code in groups] + sorted(set(groups) - set(REGION_ORDER))
        rows = [
            StripRow(marts.regions.get(code, code), REGION_EN.get(code, code), charts.region_colour(code), groups[code])
            for code in order
        ]
        vi, en = INDEX_NAMES[index]
        panels.append(panel(f"{vi} {year}", f"{en} {year}", charts.strip_chart(rows, width=580)))
    if not panels:
        return no_data("marts.fct_province_rankings")
    return grid2(panels) + region_table(marts)


def region_table(marts: Marts) -> str:
    if not marts.scorecard:
        return ""
    year = max(r["year"] for r in marts.scorecard if r.get("year") is not None)
    current = [r for r in marts.scorecard if r.get("year") == year]
    by_region: dict[str, list[Row]] = defaultdict(list)
    for r in current:
        by_region[r.get("region_code") or marts.region_of(r["province_code"]) or "?"].append(r)
    rows = []
    for code in [c for c in REGION_ORDER if c in by_region] + sorted(set(by_region) - set(REGION_ORDER)):
        members = by_region[code]

        def med(column: str, members: list[Row] = members) -> float | None:
            return charts.median([float(r[column]) for r in members if r.get(column) is not None])

        best = max((r for r in members if r.get("par_score") is not None), key=lambda r: r["par_score"], default=None)
        rows.append(
            (
                region_label(marts, code),
                len(members),
                Raw(charts.fmt(med("par_score"))),
                Raw(charts.fmt(med("sipas_score"))),
                Raw(pct(med("on_time_rate"))),
                Raw(pct(med("online_dossier_rate"))),
                Raw(pct(med("coverage_rate"))),
                province_link(marts, best["province_code"], year=year) if best else "–",
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
