"""The scorecard's national overview (index.html): leaders, rankings, regions, targets, provinces."""

from __future__ import annotations

from datetime import datetime

from ..dq_report.html import built, esc, inert, t
from ..dq_report.templating import render
from . import charts
from .charts import no_data, pct
from .data import INDEXES, Marts
from .labels import CARD_NAMES, INDEX_NAMES, TARGET_NAMES
from .links import figure_cards, province_link, stamp
from .rankings import bump_section, latest_year, ranking_table
from .regions import region_section


def target_section(marts: Marts) -> str:
    # The report holds every milestone for every year; the panel shows the one that applies.
    national = [
        r
        for r in marts.targets
        if r.get("target_scope") in (None, "national")
        and r.get("year") is not None
        and r.get("is_current_milestone") is not False
    ]
    if not national:
        return no_data("marts.rpt_target_progress")
    year = max(r["year"] for r in national)
    panels = []
    for code in sorted({r.get("target_code") for r in national if r.get("year") == year}, key=str):
        rows = [r for r in national if r.get("year") == year and r.get("target_code") == code]
        short = sorted((r for r in rows if r.get("met") is False), key=lambda r: r.get("actual") or 0)
        vi, en = TARGET_NAMES.get(code or "", (inert(str(rows[0].get("target_name") or code or "?")),) * 2)
        value = rows[0].get("target_value")
        panels.append(
            {
                "vi": vi,
                "en": en,
                "milestone": str(rows[0].get("milestone_year") or ""),
                "value": f"{charts.fmt(value, 0)}{'' if code == 'satisfaction' else '%'}",
                "met": sum(1 for r in rows if r.get("met") is True),
                "below": [(province_link(marts, r["province_code"], year=year), pct(r.get("actual"))) for r in short],
                "unknown": sum(1 for r in rows if r.get("met") is None),
            }
        )
    return render("dashboard", "targets.html", year=year, panels=panels)


def province_list(marts: Marts) -> str:
    codes = marts.page_codes()
    if not codes:
        return no_data()
    return render(
        "dashboard",
        "province_list.html",
        current=[province_link(marts, c) for c in codes if not marts.is_former_only(c)],
        former=[(province_link(marts, c), marts.successor_of(c) or "?") for c in codes if marts.is_former_only(c)],
    )


def _cards(marts: Marts) -> str:
    cards = []
    for index in INDEXES:
        year = latest_year(marts, index)
        if year is None:
            continue
        top = min(
            (r for r in marts.rankings if r.get("index_code") == index and r.get("year") == year),
            key=lambda r: r["rank"],
        )
        cards.append(
            (
                t(f"{index} {year}: dẫn đầu", f"{index} {year}: first"),
                esc(marts.name(top["province_code"], year=year)),
                f"{charts.fmt(top.get('score'))} {t('điểm', 'points')} · {esc(top.get('provinces_ranked'))} {t('đơn vị', 'units')}",
            )
        )
    for code in ("online_dossiers", "online_procedures"):
        rows = [
            r
            for r in marts.targets
            if r.get("target_code") == code
            and r.get("target_scope") in (None, "national")
            and r.get("is_current_milestone") is not False
        ]
        if rows:
            year = max(r["year"] for r in rows)
            these = [r for r in rows if r["year"] == year]
            met = sum(1 for r in these if r.get("met") is True)
            vi, en = CARD_NAMES[code]
            cards.append(
                (
                    t(
                        f"{vi} ≥ {these[0].get('target_value'):g}% ({year})",
                        f"{en} ≥ {these[0].get('target_value'):g}% ({year})",
                    ),
                    f"{met}/{len(these)}",
                    t("tỉnh đạt", "provinces meet it"),
                )
            )
    return figure_cards(cards) if cards else ""


def overview(marts: Marts, *, generated: datetime | None = None, dq_link: bool = False) -> str:
    indexes = []
    for index in INDEXES:
        vi, en = INDEX_NAMES[index]
        year = latest_year(marts, index)
        first = index == INDEXES[0]
        indexes.append(
            {
                "vi": vi,
                "en": en,
                "year": year,
                "anchor": "ranking" if first else f"ranking-{index.lower()}",
                "bump_anchor": "bump" if first else f"bump-{index.lower()}",
                "ranking": built(ranking_table(marts, index, year)) if year is not None else None,
                "bump": built(bump_section(marts, index)) if year is not None else None,
            }
        )
    return render(
        "dashboard",
        "overview.html",
        title_vi="Bảng điểm CCHC các tỉnh, thành phố",
        title_en="Provincial administrative-reform scorecard",
        up="",
        stamp=stamp(generated),
        dq_link=dq_link,
        cards=built(_cards(marts)),
        missing=", ".join("marts." + m for m in marts.missing if "." not in m),
        indexes=indexes,
        no_rankings=built(no_data("marts.fct_province_rankings")),
        regions=built(region_section(marts)),
        targets=built(target_section(marts)),
        provinces=built(province_list(marts)),
    )
