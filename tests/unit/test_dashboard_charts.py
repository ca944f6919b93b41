"""The scorecard's pure pieces: charts, rank arrows, escaping, and pages built from known marts."""

from __future__ import annotations

import re
import unicodedata
from datetime import date

from reform_etl.dashboard import build_site
from reform_etl.dashboard.chart_inputs import short_period
from reform_etl.dashboard.charts import (
    Bar,
    BumpLine,
    BumpPoint,
    StripRow,
    Target,
    TargetChart,
    agreement,
    bump_chart,
    no_data,
    pct,
    rank_arrow,
    strip_chart,
    svg_t,
    target_bars,
)
from reform_etl.dashboard.data import Marts, Version
from reform_etl.dashboard.regions import region_table
from reform_etl.validation.derived import on_time_rate as on_time


def _line(key: str, label: str, ranks: dict[int, tuple[int, int]], **kw) -> BumpLine:
    points = {year: BumpPoint(rank, of, f"{label} {year}: {rank}/{of}") for year, (rank, of) in ranks.items()}
    return BumpLine(key=key, group=kw.pop("group", key), label=label, colour="#0072B2", points=points, **kw)


# -- rank arrows and agreement -------------------------------------------------------------------


def test_rank_arrows_say_which_way_and_how_far():
    up, down, same, none = rank_arrow(3), rank_arrow(-2), rank_arrow(0), rank_arrow(None)
    assert 'class="rc rc-up"' in up and ">▲3<" in up and "Tăng 3 bậc / Up 3 places" in up
    assert 'class="rc rc-down"' in down and ">▼2<" in down
    assert 'class="rc rc-same"' in same and ">=<" in same
    assert 'class="rc rc-none"' in none and ">–<" in none


def test_a_rank_change_across_the_merger_says_it_is_against_the_restated_rank():
    arrow = rank_arrow(1, basis="restated_to_current_units", previous=3)
    assert "34 current units" in arrow and "năm trước / last year: 3" in arrow
    assert "34" not in rank_arrow(1, basis="same_units")


def test_agreement_with_the_published_rank():
    assert "✓" in agreement(True, 4)
    assert "✗" in agreement(False, 4) and "Published 4" in agreement(False, 4)
    assert "✓" not in agreement(None, None) and "✗" not in agreement(None, None)


# -- bump chart --------------------------------------------------------------------------------


def test_bump_chart_puts_rank_one_on_top_and_the_last_rank_at_the_bottom_every_year():
    lines = [
        _line("a", "Hà Nội", {2024: (1, 3), 2025: (2, 2)}),
        _line("b", "Huế", {2024: (2, 3), 2025: (1, 2)}),
        _line("c", "Đà Nẵng", {2024: (3, 3)}),
    ]
    svg = bump_chart([2024, 2025], lines, plot_height=100, column=100, label_width=100, merger_after=None)

    assert svg.startswith("<svg") and 'class="bump"' in svg and svg.endswith("</svg>")
    top, bottom = 34, 134  # the plot's first and last rows
    # Hà Nội: first of 3 in 2024 (top), second of 2 in 2025 (bottom): one path from top to bottom.
    assert re.search(rf'd="M110,{top}\.0 L210,{bottom}\.0" stroke="#0072B2"', svg), svg
    assert re.search(rf'd="M110,{bottom}\.0" stroke', svg)  # Đà Nẵng, last of 3, only in 2024
    assert "2. Huế" in svg and "1. Huế" in svg and "3. Đà Nẵng" in svg
    assert svg.count('class="ln') == 3  # one hover group per line
    assert "n=3" in svg and "n=2" in svg


def test_a_merged_unit_joins_its_successor_with_dashes_and_highlights_with_it():
    lines = [
        _line("02@2", "Hà Giang", {2024: (40, 63)}, group="08", into="08@64", href="province/08.html"),
        _line("08@5", "Tuyên Quang", {2024: (20, 63)}, group="08", into="08@64", href="province/08.html"),
        _line("08@64", "Tuyên Quang", {2025: (17, 34)}, group="08", href="province/08.html"),
    ]
    svg = bump_chart([2024, 2025], lines)

    assert svg.count('class="j"') == 2  # both predecessors run into the new unit
    assert len(re.findall(r'<a class="ln[^"]*" href="province/08.html">', svg)) == 1  # one group, one link
    assert "sáp nhập 01/07/2025" in svg and "merger 2025-07-01" in svg


def test_with_63_lines_only_the_top_and_bottom_are_labelled_and_the_rest_on_hover():
    lines = [_line(f"{n:02}", f"Tỉnh {n}", {2024: (n, 63)}) for n in range(1, 64)]
    svg = bump_chart([2023, 2024], lines, keep=5, merger_after=None)

    fixed = re.findall(r'<text class="lb"[^>]*>([^<]*)</text>', svg)
    assert len(fixed) == 10 and "1. Tỉnh 1" in fixed and "63. Tỉnh 63" in fixed and "30. Tỉnh 30" not in fixed
    assert '<text class="hl"' in svg and ">30. Tỉnh 30</text>" in svg  # shown while hovered


def test_labels_of_tied_ranks_do_not_overlap():
    lines = [_line("a", "A", {2025: (1, 3)}), _line("b", "B", {2025: (1, 3)}), _line("c", "C", {2025: (3, 3)})]
    svg = bump_chart([2024, 2025], lines, plot_height=100)
    ys = sorted(float(y) for y in re.findall(r'<text class="lb" x="[^"]+" y="([^"]+)"', svg))
    assert all(b - a >= 12 for a, b in zip(ys, ys[1:], strict=False)), ys


def test_bump_chart_without_ranks_is_empty():
    assert bump_chart([], []) == ""
    assert bump_chart([2024], [_line("a", "A", {2020: (1, 1)})]) == ""


def test_chart_text_is_escaped_and_formulas_made_inert():
    lines = [_line("x", "<script>alert(1)</script>", {2024: (1, 2)}), _line("y", "=HYPERLINK(1)", {2024: (2, 2)})]
    svg = bump_chart([2024, 2025], lines)
    assert "<script>" not in svg and "&lt;script&gt;" in svg
    assert ">=HYPERLINK" not in svg and "&#x27;=HYPERLINK(1) 2024" in svg  # a cell a sheet would run is inert


# -- strip chart and bars ----------------------------------------------------------------------------


def test_strip_chart_marks_every_province_and_the_median_it_is_given():
    rows = [
        StripRow(
            "Đồng bằng sông Hồng",
            "Red River Delta",
            "#0072B2",
            [(80.0, "A", "province/01.html"), (90.0, "B", None), (85.0, "C", None)],
            median=85.0,
        ),
        StripRow("Tây Nguyên", "Central Highlands", "#CC79A7", []),
        StripRow("Đông Nam Bộ", "South East", "#E69F00", [(70.0, "D", None)]),
    ]
    svg = strip_chart(rows, width=500)
    assert svg.count("<circle") == 4 and 'href="province/01.html"' in svg
    # The chart draws the mart's median and works none out: no median given, no marker.
    assert svg.count('stroke="#1d2733"') == 1 and ": 85.00</title></line>" in svg
    assert '<tspan class="vi">Tây Nguyên</tspan><tspan class="en">Central Highlands</tspan>' in svg
    assert strip_chart([StripRow("x", "x", "#000", [])]) == ""


def test_target_bars_colour_by_the_first_target_and_draw_every_target_line():
    chart = TargetChart(
        [Bar("2023", 72.0, "t"), Bar("2024*", 85.0, "t", former=True), Bar("2025", None, "no figure")],
        [
            Target("Mục tiêu 2025: 80%", "2025 target: 80%", 80.0),
            Target("Mục tiêu 2030: 100%", "2030 target: 100%", 100.0),
        ],
    )
    svg = target_bars(chart, height=210)
    bars = re.findall(r'<rect x="[^"]+" y="([^"]+)" width="[^"]+" height="[^"]+" fill="([^"]+)"', svg)
    assert [colour for _, colour in bars] == ["#d08a1c", "#1a7f37"]  # 72 < 80 amber, 85 ≥ 80 green
    plot_top, plot = 12, 210 - 12 - 30
    assert float(bars[0][0]) == round(plot_top + plot - plot * 0.72, 1)
    assert 'fill-opacity=".45"' in svg  # the former unit's figure is drawn lighter
    assert svg.count('stroke-dasharray="6 3"') == 2 and "2030 target: 100%" in svg
    assert ">–<title>no figure</title>" in svg
    assert target_bars(TargetChart([Bar("2025", None, "")], [])) == ""


# -- small helpers ------------------------------------------------------------------------------


def test_two_languages_in_svg_and_the_no_data_block():
    assert svg_t("Vùng", "Region") == '<tspan class="vi">Vùng</tspan><tspan class="en">Region</tspan>'
    assert svg_t("PAR", "PAR") == "PAR"
    block = no_data("marts.rpt_restated_34")
    assert "Chưa có dữ liệu" in block and "No data yet" in block and block.count("marts.rpt_restated_34") == 2


def test_rates_are_recomputed_from_counts_as_the_marts_do():
    assert on_time(10, 80, 10) == 90.0
    assert on_time(None, 9, 1) == 90.0  # no early count: on time carries it
    assert on_time(0, 0, 0) is None and on_time(1, None, 1) is None
    assert pct(97.36) == "97.4%" and pct(None) == "–"
    assert short_period("2025-03") == "03/25" and short_period("2025-H1") == "2025-H1"


# -- pages from known marts ------------------------------------------------------------------------


def _merger_marts() -> Marts:
    old, new = date(2008, 8, 1), date(2025, 7, 1)
    versions = [
        Version(1, "01", "Hà Nội", "thành phố", "DBSH", "Đồng bằng sông Hồng", old, None, None),
        Version(2, "02", "Hà Giang", "tỉnh", "TDMNPB", "Trung du và miền núi phía Bắc", old, date(2025, 6, 30), "08"),
        Version(
            5, "08", "Tuyên Quang", "tỉnh", "TDMNPB", "Trung du và miền núi phía Bắc", old, date(2025, 6, 30), "08"
        ),
        Version(64, "08", "Tuyên Quang", "tỉnh", "TDMNPB", "Trung du và miền núi phía Bắc", new, None, None),
    ]

    def rank(code, key, year, r, of, score, change=None):
        return {
            "index_code": "PAR", "year": year, "province_code": code, "province_key": key, "region_code": None,
            "score": score, "rank": r, "provinces_ranked": of, "region_rank": None, "region_provinces_ranked": None,
            "previous_rank": None, "rank_change": change, "rank_change_basis": None, "published_rank": r,
            "rank_matches_published": True,
        }  # fmt: skip

    return Marts(
        versions=versions,
        regions={"DBSH": "Đồng bằng sông Hồng", "TDMNPB": "Trung du và miền núi phía Bắc"},
        rankings=[
            rank("01", 1, 2024, 1, 3, 90.0),
            rank("02", 2, 2024, 3, 3, 80.0),
            rank("08", 5, 2024, 2, 3, 85.0),
            rank("01", 1, 2025, 2, 2, 91.0, change=-1),
            rank("08", 64, 2025, 1, 2, 92.0, change=0),
        ],
        restated=[
            {
                "province_code": "08",
                "figure": "dossier_processing",
                "period_label": "2024-H1",
                "period_start": date(2024, 1, 1),
                "level": "tinh",
                "source": "summary",
                "contributing_codes": "02,08",
                "is_complete": True,
                "received": 100,
                "resolved_early": 0,
                "resolved_on_time": 90,
                "resolved_late": 10,
                "on_time_rate": 90.0,
            },
        ],  # fmt: skip
    )


def test_pages_from_known_marts_name_provinces_and_explain_the_merger():
    site = build_site(_merger_marts())

    assert set(site) == {"index.html", "province/01.html", "province/02.html", "province/08.html"}
    index = site["index.html"]
    assert "Hà Nội (01)" in index and 'class="bump"' in index and 'id="lang-switch"' in index
    assert "Chưa có dữ liệu" in index  # the empty marts (scorecard, targets) say so
    page = site["province/08.html"]
    assert 'id="merger"' in page and "Hà Giang (02)" in page and "rpt_restated_34" in page
    assert "2024*" in page  # 2024 under code 08 is the former Tuyên Quang
    former = site["province/02.html"]
    assert "sáp nhập vào" in former and 'href="../province/08.html"' in former
    fetches = re.compile(r"""(?:src|href)\s*=\s*["']?(?:https?:)?//|url\(\s*["']?(?:https?:)?//|@import""", re.I)
    assert not any(fetches.search(text) for text in site.values()) and "<script src" not in index
    assert all(unicodedata.is_normalized("NFC", text) for text in site.values())


def test_pages_escape_names_from_the_marts():
    marts = _merger_marts()
    marts.versions[0] = Version(1, "01", "<b>Hà Nội</b>", None, "DBSH", None, date(2008, 8, 1), None, None)
    site = build_site(marts)
    assert "<b>Hà Nội</b>" not in site["index.html"] and "&lt;b&gt;Hà Nội&lt;/b&gt;" in site["index.html"]


def test_years_are_not_written_as_thousands():
    marts = _merger_marts()
    marts.targets = [
        {"province_code": "08", "year": 2025, "target_code": "online_dossiers", "target_scope": "national",
         "milestone_year": 2025, "target_value": 50.0, "actual": 40.0, "met": False},
    ]  # fmt: skip
    index = build_site(marts)["index.html"]
    assert "2,025" not in index and 'Mục tiêu</span><span class="en">Target</span> 2025:' in index


def test_an_empty_warehouse_gives_a_site_that_says_no_data_yet():
    site = build_site(Marts())
    assert list(site) == ["index.html"]
    assert site["index.html"].count("Chưa có dữ liệu") >= 4 and "No data yet" in site["index.html"]


def test_the_region_table_shows_the_latest_year_of_the_region_summary_as_it_is():
    def summary(year, par, provinces):
        return {
            "region_code": "DBSH", "year": year, "provinces": provinces, "median_par_score": par,
            "median_sipas_score": None, "median_on_time_rate": 97.3, "median_online_dossier_rate": 55.0,
            "median_coverage_rate": 100.0, "best_par_province_code": None,
        }  # fmt: skip

    marts = Marts(
        regions={"DBSH": "Đồng bằng sông Hồng"}, region_summary=[summary(2023, 70.0, 10), summary(2024, 85.5, 11)]
    )
    html = region_table(marts)
    assert "2024" in html and "85.50" in html and "70.00" not in html
    assert "97.3%" in html and "55.0%" in html and "100.0%" in html and ">11<" in html
    assert region_table(Marts()) == ""
