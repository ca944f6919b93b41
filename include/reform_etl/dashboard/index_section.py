"""A province page's PAR INDEX and SIPAS section: ranks, total scores and the PAR fields by year."""

from __future__ import annotations

from markupsafe import Markup

from ..dq_report.charts import lines
from ..dq_report.html import Raw, built, esc, t, table
from ..dq_report.templating import render
from . import charts
from .charts import no_data
from .data import INDEXES, Marts, Row
from .former_years import former_note, former_years, year_label
from .links import piece


def index_section(marts: Marts, code: str) -> str:
    ranks = [r for r in marts.rankings if r.get("province_code") == code]
    years = sorted(
        {r["year"] for r in ranks}
        | {r["year"] for r in marts.scores if r.get("province_code") == code and r.get("year")}
    )
    if not years:
        return no_data("marts.fct_province_rankings, marts.fct_index_scores")
    former = former_years(marts, code, years)
    by = {(r["index_code"], r["year"]): r for r in ranks}
    rows = []
    for year in sorted(years, reverse=True):
        cells: list[object] = [year_label(year, former)]
        for index in INDEXES:
            r = by.get((index, year))
            if r is None:
                cells += ["–", "–", "–"]
                continue
            cells += [
                Raw(charts.fmt(r.get("score"))),
                Raw(f"{r['rank']}/{r.get('provinces_ranked') or '?'}"),
                Raw(
                    charts.rank_arrow(
                        r.get("rank_change"), basis=r.get("rank_change_basis"), previous=r.get("previous_rank")
                    )
                ),
            ]
        rows.append(cells)
    headers = [t("Năm", "Year")]
    for index in INDEXES:
        headers += [t(f"{index}: điểm", f"{index}: score"), t(f"{index}: hạng", f"{index}: rank"), "±"]
    series = []
    colours = {"PAR": "#12385f", "SIPAS": "#D55E00"}
    for index in INDEXES:
        values = [by[(index, y)]["score"] if (index, y) in by else None for y in years]
        if any(v is not None for v in values):
            series.append((index, colours[index], values))
    chart = lines([year_label(y, former) for y in years], series, width=460, height=200) if series else ""
    return render(
        "dashboard",
        "index_section.html",
        ranks=built(table(headers, rows, numeric=[1, 2, 4, 5])),
        chart=built(chart or no_data()),
        fields=built(fields_table(marts, code, former)),
        former_note=former_note(former),
    )


def _score_cell(r: Row | None) -> Markup | str:
    if r is None or r.get("score") is None:
        return Raw("–")
    score, top = r["score"], r.get("max_score")
    if not top:
        return Raw(f"{score:.2f}")
    share = max(0.0, min(100.0, 100.0 * score / top))
    bar: Markup = piece("score_bar")(
        f"{share:.0f}", f"{score:.2f} / {top:g} ({share:.0f}%)", f"{score:.2f}", f"{top:g}"
    )
    return bar


def fields_table(marts: Marts, code: str, former: dict[int, str]) -> str:
    rows = [
        r for r in marts.scores if r.get("province_code") == code and r.get("index_code") == "PAR" and r.get("year")
    ]
    if not rows:
        return render("dashboard", "fields.html", table=None, no_data=built(no_data("marts.fct_index_scores")))

    def kind(r: Row) -> str | None:
        component = marts.components.get(r.get("index_component_key"))
        return component.get("component_type") if component else None

    parts = [r for r in rows if not r.get("is_total") and r.get("component_code") != "TOTAL"]
    if any(kind(r) == "field" for r in parts):
        parts = [r for r in parts if kind(r) == "field"]
    totals = {r["year"]: r for r in rows if r.get("is_total") or r.get("component_code") == "TOTAL"}
    years = sorted({r["year"] for r in rows})
    names: dict[str, str] = {}
    order: dict[str, tuple[str, str]] = {}
    cells: dict[tuple[str, int], Row] = {}
    for r in parts:
        key = r["component_code"]
        component = marts.components.get(r.get("index_component_key")) or {}
        names[key] = component.get("component_name") or r.get("component_label") or key
        order.setdefault(key, (str(component.get("component_no") or "").zfill(4), names[key]))
        cells[(key, r["year"])] = r

    body: list[list[object]] = [
        [names[key], *(_score_cell(cells.get((key, y))) for y in years)]
        for key in sorted(names, key=lambda k: order[k])
    ]
    body.append([piece("total")(), *(_score_cell(totals.get(y)) for y in years)])
    headers = [t("Lĩnh vực", "Field")] + [esc(year_label(y, former)) for y in years]
    fields = table(headers, body, numeric=range(1, len(years) + 1), css="fields")
    return render("dashboard", "fields.html", table=built(fields), no_data="")
