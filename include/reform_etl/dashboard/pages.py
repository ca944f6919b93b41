"""The scorecard's pages: the national overview and one page per province.

Built from :class:`~reform_etl.dashboard.data.Marts` only (no I/O here). Markup helpers,
the stylesheet and the language switch are the data-quality report's
(:mod:`reform_etl.dq_report.html`); this module adds the scorecard's own few rules.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from datetime import date, datetime
from typing import Any

from markupsafe import Markup

from ..dq_report import charts as dq_charts
from ..dq_report.html import Raw, both, esc, grid2, inert, panel, t, table
from ..dq_report.html import cards as card_row
from ..dq_report.templating import render
from . import charts
from .charts import Bar, BumpLine, BumpPoint, StripRow, Target, TargetChart, no_data, pct
from .data import INDEXES, MERGER_DATE, Marts, Row

MERGER_YEAR = MERGER_DATE.year

INDEX_NAMES = {
    "PAR": ("Chỉ số Cải cách hành chính (PAR INDEX)", "Public Administration Reform Index (PAR INDEX)"),
    "SIPAS": (
        "Chỉ số hài lòng về sự phục vụ hành chính (SIPAS)",
        "Satisfaction Index of Public Administrative Services (SIPAS)",
    ),
}
REGION_EN = {
    "DBSH": "Red River Delta",
    "TDMNPB": "Northern Midlands and Mountains",
    "BTB_DHMT": "North Central and Central Coast",
    "TN": "Central Highlands",
    "DNB": "Southeast",
    "DBSCL": "Mekong River Delta",
}
REGION_SHORT = {
    "DBSH": ("ĐB sông Hồng", "Red River Delta"),
    "TDMNPB": ("TD & MN phía Bắc", "Northern Mountains"),
    "BTB_DHMT": ("BTB & DH miền Trung", "Central Coast"),
    "TN": ("Tây Nguyên", "Central Highlands"),
    "DNB": ("Đông Nam Bộ", "Southeast"),
    "DBSCL": ("ĐB sông Cửu Long", "Mekong Delta"),
}
REGION_ORDER = ("DBSH", "TDMNPB", "BTB_DHMT", "TN", "DNB", "DBSCL")
LEVELS = (
    ("tinh", "Cấp tỉnh", "Province", "#12385f"),
    ("huyen", "Cấp huyện", "District", "#D55E00"),
    ("xa", "Cấp xã", "Commune", "#009E73"),
)
TARGETS = {
    # Resolution 76/NQ-CP (programme 2021–2030) as the warehouse contract states it; figures the
    # marts carry (rpt_target_progress, every milestone for every year) take precedence. These
    # draw the lines on a dashboard built before any year has data.
    "online_procedures": {2025: 80.0, 2030: 100.0},
    "online_dossiers": {2025: 50.0, 2030: 80.0},
    "satisfaction": {2025: 90.0, 2030: 95.0},
}
TARGET_NAMES = {
    "online_procedures": (
        "Thủ tục đủ điều kiện cung cấp trực tuyến (toàn trình hoặc một phần)",
        "Eligible procedures offered online (full or partial)",
    ),
    "online_dossiers": ("Hồ sơ được xử lý trực tuyến", "Dossiers handled online"),
    "satisfaction": ("Mức độ hài lòng (SIPAS)", "Satisfaction (SIPAS)"),
}
PROVINCE_TYPES = {"tỉnh": "province", "thành phố": "centrally-run city"}
CARD_NAMES = {
    "online_procedures": ("TTHC trực tuyến", "Procedures online"),
    "online_dossiers": ("Hồ sơ trực tuyến", "Dossiers online"),
}


def _stamp(generated: datetime | None) -> str:
    return generated.strftime("%d/%m/%Y %H:%M") if generated else ""


# -- shared helpers ----------------------------------------------------------------------------


def province_href(code: str, depth: int = 0) -> str:
    return f"{'../' * depth}province/{code}.html"


def province_link(marts: Marts, code: str, *, depth: int = 0, year: int | None = None) -> str:
    return f'<a href="{esc(province_href(code, depth))}">{esc(marts.label(code, year=year))}</a>'


def region_label(marts: Marts, code: str | None, *, short: bool = False) -> str:
    if not code:
        return "–"
    if short and code in REGION_SHORT:
        vi, en = REGION_SHORT[code]
    else:
        vi = marts.regions.get(code, code)
        en = REGION_EN.get(code, vi)
    full = both(marts.regions.get(code, code), REGION_EN.get(code, code))
    return (
        f'<span title="{esc(full)}"><span class="sw" style="background:{charts.region_colour(code)}"></span>'
        f"{t(inert(vi), inert(en))}</span>"
    )


WIDE = 640  # a line chart wider than this gets a row of its own


def line_width(labels: int, least: int = 560) -> int:
    """Wide enough that every x label of the report's line chart has room (about 56 px each)."""
    return max(least, min(1240, 100 + 56 * labels))


def short_period(label: str) -> str:
    """'2025-03' as '03/25', so twelve months fit under a chart; other labels as they are."""
    if len(label) == 7 and label[4] == "-" and label[:4].isdigit() and label[5:].isdigit():
        return f"{label[5:]}/{label[2:4]}"
    return label


def on_time(early: float | None, on_time_: float | None, late: float | None) -> float | None:
    """The on-time rate from counts, as the marts compute it (early counts as on time)."""
    if on_time_ is None or late is None:
        return None
    done = (early or 0) + on_time_ + late
    return 100.0 * ((early or 0) + on_time_) / done if done else None


def _sum(values: Iterable[float | None]) -> float | None:
    total = 0.0
    for value in values:
        if value is None:
            return None
        total += value
    return total


def _period_key(row: Row) -> tuple[object, str]:
    start = row.get("period_start")
    return (start if isinstance(start, date) else date.max, str(row.get("period_label") or ""))


def targets_by_code(marts: Marts) -> dict[str, dict[int, float]]:
    found: dict[str, dict[int, float]] = {code: dict(values) for code, values in TARGETS.items()}
    for r in marts.targets:
        if r.get("target_scope") not in (None, "national") or r.get("target_value") is None:
            continue
        if r.get("target_code") and r.get("milestone_year"):
            found.setdefault(r["target_code"], {})[int(r["milestone_year"])] = float(r["target_value"])
    return found


def _target_lines(values: dict[int, float]) -> list[Target]:
    colours = ("#b42318", "#7a1f8c", "#12385f")
    return [
        Target(f"Mục tiêu {year}: {value:g}%", f"{year} target: {value:g}%", value, colours[i % len(colours)])
        for i, (year, value) in enumerate(sorted(values.items()))
    ]


# -- overview ------------------------------------------------------------------------------


def latest_year(marts: Marts, index: str) -> int | None:
    years = [r["year"] for r in marts.rankings if r.get("index_code") == index]
    return max(years) if years else None


def ranking_table(marts: Marts, index: str, year: int) -> str:
    rows = sorted(
        (r for r in marts.rankings if r.get("index_code") == index and r.get("year") == year),
        key=lambda r: (r["rank"], r.get("province_code") or ""),
    )
    cells = []
    for r in rows:
        code = r["province_code"]
        region = r.get("region_code") or marts.region_of(code)
        region_rank = r.get("region_rank")
        of = r.get("region_provinces_ranked")
        published = r.get("published_rank")
        cells.append(
            (
                r["rank"],
                Raw(
                    charts.rank_arrow(
                        r.get("rank_change"), basis=r.get("rank_change_basis"), previous=r.get("previous_rank")
                    )
                ),
                Raw(province_link(marts, code, year=year)),
                Raw(region_label(marts, region, short=True)),
                Raw(charts.fmt(r.get("score"))),
                Raw(f"{region_rank}/{of}" if region_rank is not None and of else esc(region_rank) or "–"),
                Raw(
                    f"{esc(published) if published is not None else ''} {charts.agreement(r.get('rank_matches_published'), published)}"
                ),
            )
        )
    headers = [
        t("Hạng", "Rank"),
        Raw(f'<span title="{esc(both("So với năm trước", "Against the previous year"))}">±</span>'),
        t("Tỉnh/thành", "Province"),
        t("Vùng", "Region"),
        t("Điểm", "Score"),
        Raw(
            f'<span title="{esc(both("Hạng trong vùng", "Rank within the region"))}">{t("Trong vùng", "In region")}</span>'
        ),
        Raw(
            f'<span title="{esc(both("Hạng Bộ Nội vụ công bố; ✓ khi khớp hạng tính từ điểm", "Rank the ministry published; ✓ when it matches the rank computed from the scores"))}">'
            f"{t('Công bố', 'Published')}</span>"
        ),
    ]
    return table(headers, cells, numeric=[0, 4, 5, 6], css="rank", empty=no_data())


def bump_lines(marts: Marts, index: str, years: Sequence[int], *, depth: int = 0) -> list[BumpLine]:
    """One line per province version; a merged unit's predecessors join it with dashes."""
    rows = [r for r in marts.rankings if r.get("index_code") == index and r.get("year") in years]
    by_line: dict[str, list[Row]] = defaultdict(list)
    key_of: dict[str, tuple[str, str | None]] = {}
    for r in rows:
        code = r["province_code"]
        version = marts.version_in_year(code, r["year"])
        key = f"{code}@{version.key}" if version else code
        by_line[key].append(r)
        key_of[key] = (code, None if version is None else version.successor if not version.is_current else None)
    lines = []
    for key, members in by_line.items():
        code, successor = key_of[key]
        version = marts.version_in_year(code, members[0]["year"])
        into = None
        group = code
        if successor:
            group = successor
            target = marts.current(successor)
            into = f"{successor}@{target.key}" if target else successor
        name = version.name if version else marts.name(code)
        region = (version.region_code if version else None) or members[0].get("region_code")
        points = {}
        for r in members:
            of = r.get("provinces_ranked") or max(x["rank"] for x in rows if x["year"] == r["year"])
            tip = (
                f"{name} ({code}) {r['year']}: {both('hạng', 'rank')} {r['rank']}/{of}, "
                f"{both('điểm', 'score')} {charts.fmt(r.get('score'))}"
            )
            points[r["year"]] = BumpPoint(int(r["rank"]), int(of), tip)
        lines.append(
            BumpLine(
                key=key,
                group=group,
                label=name,
                colour=charts.region_colour(region),
                points=points,
                href=province_href(group, depth),
                into=into,
            )
        )
    return sorted(lines, key=lambda line: line.key)


def bump_section(marts: Marts, index: str) -> str:
    years = sorted({r["year"] for r in marts.rankings if r.get("index_code") == index})[-8:]
    if not years:
        return no_data("marts.fct_province_rankings")
    lines = bump_lines(marts, index, years)
    column = max(46, min(110, int((640 - 2 * 130 - 20) / max(len(years) - 1, 1))))
    svg = charts.bump_chart(years, lines, column=column, label_width=130)
    colours = {line.colour for line in lines}
    legend = " ".join(
        f'<span class="nowrap"><span class="sw" style="background:{charts.region_colour(code)}"></span>{t(*REGION_SHORT[code])}</span>'
        for code in REGION_ORDER
        if charts.region_colour(code) in colours
    )
    note = t(
        "Di chuột lên một đường để làm nổi bật tỉnh đó (và các tỉnh cũ đã hợp thành nó); bấm để mở trang tỉnh. "
        "Mỗi năm, hạng 1 ở trên cùng và hạng cuối ở dưới cùng, nên năm có 63 và năm có 34 đơn vị dùng chung một trục. "
        "Nét đứt nối tỉnh cũ với tỉnh mới sau sáp nhập 01/07/2025.",
        "Hover a line to highlight that province (and the former units it was formed from); click to open its page. "
        "Each year runs from rank 1 at the top to the last rank at the bottom, so years with 63 and with 34 units "
        "share one axis. Dashes join a former unit to the unit it became on 2025-07-01.",
    )
    return (
        f'<div class="panel scroll">{svg}<p class="legend">{legend}</p><p class="muted"><small>{note}</small></p></div>'
    )


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
                Raw(region_label(marts, code)),
                len(members),
                Raw(charts.fmt(med("par_score"))),
                Raw(charts.fmt(med("sipas_score"))),
                Raw(pct(med("on_time_rate"))),
                Raw(pct(med("online_dossier_rate"))),
                Raw(pct(med("coverage_rate"))),
                Raw(province_link(marts, best["province_code"], year=year)) if best else "–",
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
    caption = t(
        f"Năm {year}, từ marts.rpt_province_scorecard. Trung vị của các tỉnh trong vùng (không gia quyền).",
        f"Year {year}, from marts.rpt_province_scorecard. Median of the region's provinces (unweighted).",
    )
    return f"<h3>{t('Các chỉ tiêu theo vùng', 'Figures by region')}</h3><p class='muted'>{caption}</p>" + table(
        headers, rows, numeric=[1, 2, 3, 4, 5, 6]
    )


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
        met = [r for r in rows if r.get("met") is True]
        short = sorted((r for r in rows if r.get("met") is False), key=lambda r: r.get("actual") or 0)
        unknown = [r for r in rows if r.get("met") is None]
        vi, en = TARGET_NAMES.get(code or "", (inert(str(rows[0].get("target_name") or code or "?")),) * 2)
        value = rows[0].get("target_value")
        milestone = rows[0].get("milestone_year")
        below = ", ".join(
            f"{province_link(marts, r['province_code'], year=year)} <small>{pct(r.get('actual'))}</small>"
            for r in short
        )
        panels.append(
            f'<div class="panel"><h3>{t(vi, en)}</h3>'
            f"<p>{t('Mục tiêu', 'Target')} {esc(str(milestone or ''))}: <b>{charts.fmt(value, 0)}{'' if code == 'satisfaction' else '%'}</b>"
            f" · <span class='ok'>{t('đạt', 'met')}: {len(met)}</span> · <span class='bad'>{t('chưa đạt', 'not met')}: "
            f"{len(short)}</span> · {t('chưa có số liệu', 'no figures')}: {len(unknown)}</p>"
            + (f"<p><b>{t('Chưa đạt', 'Below target')}:</b> {below}</p>" if below else "")
            + "</div>"
        )
    caption = t(
        f"Năm {year}: các mục tiêu quốc gia của Chương trình tổng thể CCHC 2021–2030 (Nghị quyết 76/NQ-CP) áp dụng cho năm này.",
        f"Year {year}: the national targets of the 2021–2030 programme (Resolution 76/NQ-CP) that apply to that year.",
    )
    return f"<p class='muted'>{caption}</p><div class='grid2'>{''.join(panels)}</div>"


def province_list(marts: Marts) -> str:
    codes = marts.page_codes()
    if not codes:
        return no_data()
    current = [c for c in codes if not marts.is_former_only(c)]
    former = [c for c in codes if marts.is_former_only(c)]
    items = "".join(f"<li>{province_link(marts, c)}</li>" for c in current)
    out = f'<ul class="plist">{items}</ul>'
    if former:
        merged = "".join(
            f'<li class="former">{province_link(marts, c)} → {esc(marts.successor_of(c) or "?")}</li>' for c in former
        )
        out += (
            f"<h3>{t('Đơn vị trước 01/07/2025 đã sáp nhập', 'Units merged on 2025-07-01')}</h3>"
            f'<ul class="plist">{merged}</ul>'
        )
    return out


def _cards(items: Sequence[tuple[str, str, str]]) -> str:
    # The values here are already markup (formatted figures, escaped names).
    return card_row([(label, Raw(value), extra) for label, value, extra in items])


def overview(marts: Marts, *, generated: datetime | None = None, dq_link: bool = False) -> str:
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
                "ranking": Markup(ranking_table(marts, index, year)) if year is not None else None,
                "bump": Markup(bump_section(marts, index)) if year is not None else None,
            }
        )
    return render(
        "dashboard",
        "overview.html",
        title_vi="Bảng điểm CCHC các tỉnh, thành phố",
        title_en="Provincial administrative-reform scorecard",
        up="",
        stamp=_stamp(generated),
        dq_link=dq_link,
        cards=Markup(_cards(cards) if cards else ""),
        missing=", ".join("marts." + m for m in marts.missing if "." not in m),
        indexes=indexes,
        no_rankings=Markup(no_data("marts.fct_province_rankings")),
        regions=Markup(region_section(marts)),
        targets=Markup(target_section(marts)),
        provinces=Markup(province_list(marts)),
    )


# -- province page -------------------------------------------------------------------------------


def _former_years(marts: Marts, code: str, years: Iterable[int]) -> dict[int, str]:
    """Years whose figures under ``code`` belong to a pre-merger unit (for a current unit's page)."""
    if marts.current(code) is None:
        return {}
    notes = {}
    for year in years:
        version = marts.version_in_year(code, year)
        if version is not None and not version.is_current:
            notes[year] = f"{version.name} ({code})"
    return notes


def _year_label(year: int, former: dict[int, str]) -> str:
    return f"{year}*" if year in former else str(year)


def _former_note(former: dict[int, str]) -> str:
    if not former:
        return ""
    names = ", ".join(sorted(set(former.values())))
    return (
        f'<p class="muted"><small>* {t(f"Trước 01/07/2025 mã này là của đơn vị cũ {names}; số liệu năm đó là của đơn vị cũ.", f"Before 2025-07-01 this code belonged to the former unit {names}; that year shows the former unit.")}'
        "</small></p>"
    )


def _province_cards(marts: Marts, code: str) -> str:
    rows = [r for r in marts.scorecard if r.get("province_code") == code and r.get("year") is not None]
    if not rows:
        return no_data("marts.rpt_province_scorecard")
    r = max(rows, key=lambda r: r["year"])
    year = r["year"]

    def gap(value: float | None, target: float | None) -> str:
        if value is None:
            return ""
        klass = "gap-ok" if value >= 0 else "gap-short"
        goal = f" {target:g}%" if target is not None else ""
        return (
            f'<span class="{klass}">{t(f"so với mục tiêu{goal}", f"vs the{goal} target")}: '
            f"{value:+.1f} {t('điểm %', 'pts')}</span>"
        )

    def rank(prefix: str) -> str:
        if r.get(f"{prefix}_rank") is None:
            return ""
        return f"{t('hạng', 'rank')} {r[f'{prefix}_rank']}/{esc(r.get(f'{prefix}_provinces_ranked'))}"

    cards = [
        (t(f"PAR INDEX {year}", f"PAR INDEX {year}"), charts.fmt(r.get("par_score")), rank("par")),
        (t(f"SIPAS {year}", f"SIPAS {year}"), charts.fmt(r.get("sipas_score")), rank("sipas")),
        (t(f"Hồ sơ đúng hạn {year}", f"Dossiers on time {year}"), pct(r.get("on_time_rate")), ""),
        (
            t(f"Hồ sơ trực tuyến {year}", f"Online dossiers {year}"),
            pct(r.get("online_dossier_rate")),
            gap(r.get("gap_online_dossiers"), r.get("target_online_dossiers")),
        ),
        (
            t(f"TTHC trực tuyến {year}", f"Procedures online {year}"),
            pct(r.get("coverage_rate")),
            gap(r.get("gap_online_procedures"), r.get("target_online_procedures")),
        ),
    ]
    return _cards(cards)


def _index_section(marts: Marts, code: str) -> str:
    ranks = [r for r in marts.rankings if r.get("province_code") == code]
    years = sorted(
        {r["year"] for r in ranks}
        | {r["year"] for r in marts.scores if r.get("province_code") == code and r.get("year")}
    )
    if not years:
        return no_data("marts.fct_province_rankings, marts.fct_index_scores")
    former = _former_years(marts, code, years)
    by = {(r["index_code"], r["year"]): r for r in ranks}
    rows = []
    for year in sorted(years, reverse=True):
        cells: list[object] = [_year_label(year, former)]
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
    rank_table = table(headers, rows, numeric=[1, 2, 4, 5])
    series = []
    colours = {"PAR": "#12385f", "SIPAS": "#D55E00"}
    for index in INDEXES:
        values = [by[(index, y)]["score"] if (index, y) in by else None for y in years]
        if any(v is not None for v in values):
            series.append((index, colours[index], values))
    chart = dq_charts.lines([_year_label(y, former) for y in years], series, width=460, height=200) if series else ""
    return (
        f'<div class="grid2"><div>{rank_table}</div>'
        f'<div class="panel"><h3>{t("Tổng điểm theo năm", "Total score by year")}</h3>{chart or no_data()}</div></div>'
        + _fields_table(marts, code, former)
        + _former_note(former)
    )


def _fields_table(marts: Marts, code: str, former: dict[int, str]) -> str:
    rows = [
        r for r in marts.scores if r.get("province_code") == code and r.get("index_code") == "PAR" and r.get("year")
    ]
    if not rows:
        return f"<h3>{t('Các lĩnh vực của PAR INDEX', 'PAR INDEX fields')}</h3>" + no_data("marts.fct_index_scores")

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

    def cell(r: Row | None) -> Raw:
        if r is None or r.get("score") is None:
            return Raw("–")
        score, top = r["score"], r.get("max_score")
        if not top:
            return Raw(f"{score:.2f}")
        share = max(0.0, min(100.0, 100.0 * score / top))
        tip = f"{score:.2f} / {top:g} ({share:.0f}%)"
        return Raw(
            f'<span class="cb" style="--w:{share:.0f}%" title="{esc(tip)}">{score:.2f} <small>/ {top:g}</small></span>'
        )

    body = [[names[key], *(cell(cells.get((key, y))) for y in years)] for key in sorted(names, key=lambda k: order[k])]
    body.append([Raw(f"<b>{t('Tổng điểm', 'Total')}</b>"), *(cell(totals.get(y)) for y in years)])
    headers = [t("Lĩnh vực", "Field")] + [esc(_year_label(y, former)) for y in years]
    caption = t(
        "Điểm từng lĩnh vực / điểm tối đa của năm đó (thanh nền: tỷ lệ đạt được).",
        "Score of each field / the year's maximum (background bar: share achieved). Field names as published.",
    )
    return (
        f"<h3>{t('Các lĩnh vực của PAR INDEX', 'PAR INDEX fields')}</h3><p class='muted'><small>{caption}</small></p>"
        + table(headers, body, numeric=range(1, len(years) + 1), css="fields")
    )


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
                _sum(m.get("resolved_early") or 0 for m in members),
                _sum(m.get("resolved_on_time") for m in members),
                _sum(m.get("resolved_late") for m in members),
            )
        out[key] = {"rate": rate, "start": min(_period_key(m) for m in members)}
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


def _dossier_section(marts: Marts, code: str) -> str:
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
        chart = dq_charts.lines(shown, series, width=width, height=220, y_unit="%") if series else ""
        panels.append((panel(vi, en, chart or no_data()), width > WIDE))
    if basis == "restated" and marts.predecessors(code):
        note = t(
            "Trước 01/07/2025: số liệu quy đổi về đơn vị hiện nay (cộng số hồ sơ của các tỉnh cũ, tính lại tỷ lệ), từ marts.rpt_restated_34.",
            "Before 2025-07-01: figures restated onto the current unit (the former units' dossiers added up, the rate recomputed), from marts.rpt_restated_34.",
        )
    else:
        note = t(
            "Tỷ lệ hồ sơ giải quyết đúng hạn (trước hạn + đúng hạn) trên số hồ sơ đã giải quyết, theo từng cấp.",
            "Share of resolved dossiers resolved on time (early or on time), by level.",
        )
    narrow = "".join(html for html, wide in panels if not wide)
    wide = "".join(f'<div class="stack">{html}</div>' for html, wide in panels if wide)
    return f"<p class='muted'><small>{note}</small></p>{wide}" + (
        f"<div class='grid2'>{narrow}</div>" if narrow else ""
    )


def _online_section(marts: Marts, code: str) -> str:
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
    former = _former_years(marts, code, years)
    targets = targets_by_code(marts)
    panels = []
    for metric, target_code, vi, en in (
        ("coverage_rate", "online_procedures", "Tỷ lệ TTHC cung cấp trực tuyến", "Procedures offered online"),
        ("online_dossier_rate", "online_dossiers", "Tỷ lệ hồ sơ xử lý trực tuyến", "Dossiers handled online"),
    ):
        bars = [
            Bar(
                _year_label(year, former),
                None if (value := values[metric].get(year)) is None else float(value),
                f"{both(vi, en)} {year}: {pct(values[metric].get(year))}"
                + (f" — {former[year]}" if year in former else ""),
                former=year in former,
            )
            for year in years
        ]
        svg = charts.target_bars(TargetChart(bars, _target_lines(targets.get(target_code, {}))))
        panels.append(panel(vi, en, svg or no_data()))
    caption = t(
        "Cột xanh: đạt mục tiêu 2025; cột vàng: chưa đạt; đường đứt: mục tiêu 2025 và 2030 (Nghị quyết 76/NQ-CP).",
        "Green bar: meets the 2025 target; amber: below it; dashed lines: the 2025 and 2030 targets (Resolution 76/NQ-CP).",
    )
    return (
        f"<p class='muted'><small>{caption}</small></p><div class='grid2'>{''.join(panels)}</div>{_former_note(former)}"
    )


def _combined(rows: Iterable[Row]) -> dict[str, dict[str, Any]]:
    """Dossier rows of one source added up over levels (and channels) per period."""
    grouped: dict[str, list[Row]] = defaultdict(list)
    for r in rows:
        if r.get("period_label"):
            grouped[r["period_label"]].append(r)
    out: dict[str, dict[str, Any]] = {}
    for period, members in grouped.items():
        early = _sum(m.get("resolved_early") or 0 for m in members)
        out[period] = {
            "start": min(_period_key(m) for m in members),
            "received": _sum(m.get("received") for m in members),
            "rate": on_time(
                early, _sum(m.get("resolved_on_time") for m in members), _sum(m.get("resolved_late") for m in members)
            ),
            "codes": sorted({c for m in members for c in str(m.get("contributing_codes") or "").split(",") if c}),
            "complete": all(m.get("is_complete") is not False for m in members),
        }
    return out


def _start_day(entry: dict[str, object]) -> date | None:
    start = entry["start"][0]  # type: ignore[index]
    return start if isinstance(start, date) and start != date.max else None


def _merger_section(marts: Marts, code: str) -> str:
    predecessors = marts.predecessors(code)
    if not predecessors:
        return ""
    unit = marts.current(code)
    name = unit.name if unit else marts.name(code)
    named = ", ".join(
        f'<a href="{esc(province_href(v.code) if v.code != code else "#index")}">{esc(v.name)} ({esc(v.code)})</a>'
        for v in predecessors
    )
    plain = ", ".join(f"{v.name} ({v.code})" for v in predecessors)
    text = t(
        f"{name} ({code}) hiện nay được thành lập ngày 01/07/2025, khi 63 tỉnh, thành phố được sắp xếp lại thành 34, "
        f"từ {len(predecessors)} đơn vị: {plain}. Để xu hướng không bị đứt ở năm 2025, số liệu trước sáp nhập được "
        "quy đổi về đơn vị hiện nay (marts.rpt_restated_34): số hồ sơ, số thủ tục của các đơn vị cũ được cộng lại và "
        "mọi tỷ lệ được tính lại từ tổng, không lấy trung bình các tỷ lệ. Điểm và hạng chỉ số (PAR, SIPAS) không cộng "
        "được nên vẫn là của từng đơn vị cũ.",
        f"Today's {name} ({code}) was formed on 2025-07-01, when the 63 provinces were reorganised into 34, from "
        f"{len(predecessors)} units: {plain}. So that trends do not break at 2025, pre-merger figures are restated "
        "onto the current unit (marts.rpt_restated_34): the former units' dossiers and procedures are added up and "
        "every rate is recomputed from the sums, never averaged. Index scores and ranks (PAR, SIPAS) cannot be added "
        "up and stay those of each former unit.",
    )
    last_ranks = []
    for v in predecessors:
        ranks = [
            r
            for r in marts.rankings
            if r.get("province_code") == v.code and r.get("index_code") == "PAR" and v.valid_on(date(r["year"], 12, 31))
        ]
        if ranks:
            r = max(ranks, key=lambda r: r["year"])
            last_ranks.append(
                f"{esc(v.name)} ({esc(v.code)}): PAR {r['year']} {t('hạng', 'rank')} {r['rank']}/{esc(r.get('provinces_ranked'))}"
            )
    restated = [r for r in marts.restated if r.get("province_code") == code]
    dossier = [r for r in restated if r.get("figure") == "dossier_processing" and r.get("source") == "summary"]
    source: str | None = "summary"
    if not dossier:
        dossier = [r for r in restated if r.get("figure") == "dossier_processing"]
        source = dossier[0].get("source") if dossier else ""
    combined = _combined(dossier)
    periods = sorted(combined, key=lambda p: combined[p]["start"])
    parts = [
        f'<div class="panel merger" id="merger"><h3>{t("Sáp nhập 01/07/2025: 63 → 34", "The 2025-07-01 merger: 63 → 34")}</h3>'
    ]
    parts.append(f"<p>{text}</p><p><b>{t('Các đơn vị hợp thành', 'Formed from')}:</b> {named}</p>")
    if last_ranks:
        parts.append(f"<p class='muted'><small>{' · '.join(last_ranks)}</small></p>")
    if periods:
        series = [
            (
                both("Quy đổi", "Restated"),
                "#12385f",
                [combined[p]["rate"] for p in periods],
            )
        ]
        palette = ("#D55E00", "#009E73", "#CC79A7", "#E69F00")
        for i, v in enumerate(predecessors):
            own = _combined(
                r
                for r in marts.dossiers
                if r.get("province_code") == v.code
                and (r.get("source") or "") == source
                and isinstance(r.get("period_start"), date)
                and v.valid_on(r["period_start"])
            )
            if own:
                series.append(
                    (f"{v.name} ({v.code})", palette[i % len(palette)], [own.get(p, {}).get("rate") for p in periods])
                )
        width = line_width(len(periods), 600)
        chart = dq_charts.lines(periods, series[:4], width=width, height=230, y_unit="%")
        rows: list[Sequence[Any]] = [
            (
                p,
                ", ".join(marts.label(c, on=_start_day(combined[p])) for c in combined[p]["codes"]),
                Raw('<span class="ok">✓</span>' if combined[p]["complete"] else '<span class="bad">✗</span>'),
                combined[p]["received"],
                Raw(pct(combined[p]["rate"])),
            )
            for p in periods
        ]
        parts.append(
            f'<div class="{"stack" if width > WIDE else "grid2"}"><div><h3>{t("Tỷ lệ hồ sơ đúng hạn, mọi cấp", "Dossiers on time, all levels")}</h3>{chart}</div><div>'
            f"<h3>{t('Chuỗi số liệu quy đổi', 'The restated series')}</h3>"
            + table(
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
            + "</div></div>"
        )
    coverage = sorted(
        (r for r in restated if r.get("figure") == "online_service_coverage"),
        key=lambda r: (_period_key(r), r.get("source") or ""),
    )
    if coverage:
        rows = [
            (
                r.get("period_label"),
                r.get("source"),
                ", ".join(
                    marts.label(c, on=r.get("period_start") if isinstance(r.get("period_start"), date) else None)
                    for c in str(r.get("contributing_codes") or "").split(",")
                    if c
                ),
                Raw('<span class="ok">✓</span>' if r.get("is_complete") is not False else '<span class="bad">✗</span>'),
                r.get("procedures_total"),
                Raw(pct(r.get("coverage_rate"))),
                Raw(pct(r.get("online_dossier_rate"))),
            )
            for r in coverage
        ]
        parts.append(
            f"<h3>{t('Dịch vụ công trực tuyến, quy đổi', 'Online services, restated')}</h3>"
            + table(
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
        )
    if not periods and not coverage:
        parts.append(no_data("marts.rpt_restated_34"))
    parts.append("</div>")
    return "".join(parts)


def province_page(marts: Marts, code: str, *, generated: datetime | None = None, dq_link: bool = False) -> str:
    unit = marts.current(code)
    versions = marts.versions_of(code)
    latest = unit or (versions[-1] if versions else None)
    name = latest.name if latest else marts.name(code)
    region = latest.region_code if latest else marts.region_of(code)
    facts = [f"{t('Mã', 'Code')} {esc(code)}"]
    if latest and latest.type:
        facts.append(t(inert(latest.type), PROVINCE_TYPES.get(latest.type.lower(), inert(latest.type))))
    if region:
        facts.append(region_label(marts, region))
    lineage = ""
    successor = marts.successor_of(code)
    if successor:
        lineage = (
            f'<p class="panel merger">{t("Đơn vị trước 01/07/2025. Từ 01/07/2025 đã sáp nhập vào", "A unit before 2025-07-01. Merged on 2025-07-01 into")} '
            f"{province_link(marts, successor, depth=1)}.</p>"
        )
    elif marts.predecessors(code):
        lineage = f'<p><a href="#merger">{t("Thành lập 01/07/2025 do sáp nhập — xem giải thích", "Formed by the 2025-07-01 merger — see how figures are restated")}</a></p>'
    title_vi = f"{name} ({code})" + (" — trước 07/2025" if successor else "")
    title_en = f"{name} ({code})" + (" — before 07/2025" if successor else "")
    return render(
        "dashboard",
        "province.html",
        title_vi=title_vi,
        title_en=title_en,
        up="../",
        stamp=_stamp(generated),
        dq_link=dq_link,
        facts=Markup(" · ".join(facts)),
        lineage=Markup(lineage),
        cards=Markup(_province_cards(marts, code)),
        merger=Markup(_merger_section(marts, code)),
        index=Markup(_index_section(marts, code)),
        dossiers=Markup(_dossier_section(marts, code)),
        online=Markup(_online_section(marts, code)),
    )
