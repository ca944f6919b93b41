"""The overview's ranking of each index: the table of the latest year and the bump chart of ranks."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence

from ..dq_report.html import Raw, both, built, esc, t, table
from ..dq_report.templating import render
from . import charts
from .charts import BumpLine, BumpPoint, no_data
from .data import Marts, Row
from .labels import REGION_ORDER, REGION_SHORT
from .links import piece, province_href, province_link, region_label


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
                province_link(marts, code, year=year),
                region_label(marts, region, short=True),
                Raw(charts.fmt(r.get("score"))),
                Raw(f"{region_rank}/{of}" if region_rank is not None and of else esc(region_rank) or "–"),
                Raw(
                    f"{esc(published) if published is not None else ''} {charts.agreement(r.get('rank_matches_published'), published)}"
                ),
            )
        )
    tip = piece("tip")
    headers = [
        t("Hạng", "Rank"),
        tip(both("So với năm trước", "Against the previous year"), "±"),
        t("Tỉnh/thành", "Province"),
        t("Vùng", "Region"),
        t("Điểm", "Score"),
        tip(both("Hạng trong vùng", "Rank within the region"), built(t("Trong vùng", "In region"))),
        tip(
            both(
                "Hạng Bộ Nội vụ công bố; ✓ khi khớp hạng tính từ điểm",
                "Rank the ministry published; ✓ when it matches the rank computed from the scores",
            ),
            built(t("Công bố", "Published")),
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
    colours = {line.colour for line in lines}
    return render(
        "dashboard",
        "bump.html",
        svg=built(charts.bump_chart(years, lines, column=column, label_width=130)),
        regions=[
            (charts.region_colour(code), *REGION_SHORT[code])
            for code in REGION_ORDER
            if charts.region_colour(code) in colours
        ],
    )
