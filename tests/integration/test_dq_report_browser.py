"""The analysts' report in a real browser: headless Chromium (the Debian package) opens it.

The set-up installs ``chromium`` with apt-get when it is missing and the machine allows it
(root and apt-get, as in CI). Without a browser the test is skipped with the reason, except
under ``CI=true``, where a missing browser is a failure. A screenshot of the overview is
kept under the test's temporary folder and copied to ``docs/images/dq-report.png`` for the
README.
"""

from __future__ import annotations

import json
import re
import shutil
from datetime import date
from pathlib import Path

import pytest

from reform_etl import pipeline
from reform_etl.dq_report import vendor
from reform_etl.dq_report.html import esc, inert
from reform_etl.report import write_report
from reform_etl.transform import NodeResult, TransformResult, store_results
from tests.support import run_browser

pytestmark = pytest.mark.integration

ROOT = Path(__file__).resolve().parents[2]
SUMMARY_HEADER = "Cấp;Tổng số hồ sơ tiếp nhận;Trước hạn;Đúng hạn;Quá hạn;Tỷ lệ đúng hạn (%)"
# Appended to a copy of a GX page: once the page has loaded, record what its own scripts and
# styles did, and draw a small chart with GX's chart library, into an attribute --dump-dom shows.
PROBE = """<script>
window.addEventListener('load', function () {
  var b = document.body, $ = window.jQuery, row = document.querySelector('.row'), box = document.createElement('div');
  var seen = {jquery: $ ? $.fn.jquery : null, bootstrap: !!($ && $.fn.collapse && $.fn.tooltip),
    table: !!($ && $.fn.bootstrapTable), rowDisplay: row ? getComputedStyle(row).display : null,
    fontAwesome: getComputedStyle(document.querySelector('.fas, .fa, .far') || b, '::before').fontFamily};
  box.id = 'probe-chart'; b.appendChild(box);
  var done = function (drawn) { seen.chart = drawn; b.setAttribute('data-probe', JSON.stringify(seen)); };
  if (!window.vegaEmbed) { done('no vegaEmbed'); return; }
  vegaEmbed('#probe-chart', {$schema: 'https://vega.github.io/schema/vega-lite/v5.json',
    data: {values: [{k: 'a', n: 3}, {k: 'b', n: 5}]}, mark: 'bar',
    encoding: {x: {field: 'k', type: 'nominal'}, y: {field: 'n', type: 'quantitative'}}},
    {renderer: 'svg', actions: false})
    .then(function () { done(box.querySelectorAll('svg .mark-rect path').length); })
    .catch(function (e) { done(String(e)); });
});
</script>"""


def _write(landing: Path, kind: str, name: str, lines: list[str]) -> None:
    folder = landing / kind
    folder.mkdir(parents=True, exist_ok=True)
    (folder / name).write_text("\n".join(lines) + "\n", encoding="utf-8")


@pytest.fixture
def report(warehouse_url: str, landing: Path, tmp_path: Path) -> Path:
    """A small warehouse: clean, warned and rejected deliveries, and a failing dbt test."""
    _write(
        landing,
        "dossier_summary",
        "40_2024-H1.csv",
        [SUMMARY_HEADER, "Cấp tỉnh;1.000;100;800;100;90,00", "Cấp xã;500;0;450;50;90,00"],
    )
    _write(
        landing,
        "dossier_summary",
        "42_2024-H1.csv",
        [SUMMARY_HEADER, "Cấp tỉnh;2.000;0;1.500;500;95,00", "Cấp xã;800;0;780;20;97,50"],
    )
    # Every row of Thanh Hóa's file is bad: one cell is a spreadsheet formula, one is markup.
    _write(
        landing,
        "dossier_summary",
        "38_2024-H1.csv",
        [
            SUMMARY_HEADER,
            '=HYPERLINK("http://example.invalid","bấm");10;0;9;1;90',
            "<script>alert(1)</script>;10;0;9;1;90",
        ],
    )
    _write(
        landing,
        "index_scores",
        "VN_2023_par.csv",
        ["Tỉnh, thành phố;Điểm;Xếp hạng", "Quảng Ninh;90,09;2", "TP. Hải Phòng;88,50;1", "Nghệ An;85,10;3"]
        + ["Hà Tĩnh;85,10;4"],  # tied with Nghệ An, the publisher ranked it after
    )
    # Nghệ An's own PAR total: 89.50 against the 85.10 appraised, more than the 2 points allowed.
    _write(
        landing, "index_scores", "40_2023_par_tu_danh_gia.csv", ["Tỉnh, thành phố;Điểm tự đánh giá", "Nghệ An;89,50"]
    )
    run_id = pipeline.new_run_id("test")
    pipeline.prepare(warehouse_url, run_id=run_id, trigger="test", landing=landing)
    pipeline.ingest_all(warehouse_url, landing, run_id=run_id)
    store_results(
        warehouse_url,
        TransformResult(
            "build",
            False,
            [
                NodeResult("model.reform.fct_dossier_processing", "model", "success", None, None, 0.1),
                NodeResult(
                    "test.reform.rate_between_0_100_fct_dossier_processing_on_time_rate",
                    "test",
                    "fail",
                    2,
                    "Got 2 results, configured to fail if != 0",
                    0.1,
                ),
            ],
        ),
        run_id,
    )
    return write_report(warehouse_url, tmp_path / "report", as_of=date(2024, 8, 15))


def test_the_overview_in_chromium_lists_provinces_and_why_files_were_rejected(chromium, report, tmp_path):
    profile = tmp_path / "chromium-profile"

    dom = run_browser(chromium, profile, "--dump-dom", report.as_uri())

    assert dom.returncode == 0, dom.stderr[-2000:]
    page = dom.stdout
    # Who delivered, who did not: the overview names the provinces.
    for name in ("Nghệ An (40)", "Hà Tĩnh (42)", "Thanh Hóa (38)", "Hà Nội (01)"):
        assert name in page, name
    now = page[page.index('id="now"') : page.index('id="rejected"')]
    assert "Hà Nội (01)" in now and "Thanh Hóa (38)" in now and "Nghệ An (40)" not in now
    # Which file was rejected and why, in words an analyst can act on.
    assert "38_2024-H1.csv" in page
    assert "2 of 2 rows were rejected" in page
    assert "level (&#x27;Cấp&#x27;)" in page or "level ('Cấp')" in page
    # Which published figures disagree with their own counts.
    disagree = page[page.index('id="disagree"') : page.index('id="matrix"')]
    assert "printed_on_time_rate" in disagree and "Hà Tĩnh (42)" in disagree
    assert "published_rank_order" in disagree
    # Failing dbt tests on the marts are listed.
    assert "rate_between_0_100_fct_dossier_processing_on_time_rate" in page
    # File-derived text is inert: no live formula, no injected element.
    assert "'=HYPERLINK" in page and ">=HYPERLINK" not in page
    assert "<script>alert(1)</script>" not in page
    province = run_browser(chromium, profile, "--dump-dom", (report.parent / "province" / "38.html").as_uri()).stdout
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in province and "<script>alert(1)</script>" not in province
    # The language switch works in the browser (the URL parameter sets it, as the button does).
    english = run_browser(chromium, profile, "--dump-dom", report.as_uri() + "?lang=en").stdout
    assert re.search(r'<html[^>]*class="lang-en"', english), english[:300]

    shot = tmp_path / "dq-report.png"
    taken = run_browser(
        chromium,
        profile,
        "--window-size=1366,1100",
        "--hide-scrollbars",
        f"--screenshot={shot}",
        report.as_uri() + "?lang=vi",
    )
    assert taken.returncode == 0 and shot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n", taken.stderr[-2000:]
    assert shot.stat().st_size > 20_000
    (ROOT / "docs" / "images").mkdir(parents=True, exist_ok=True)
    shutil.copyfile(shot, ROOT / "docs" / "images" / "dq-report.png")


def test_the_report_works_offline_and_links_every_page(report):
    site = report.parent
    pages = list(site.rglob("*.html"))
    assert {"index.html", "provinces.html", "files.html", "rules.html"} <= {p.name for p in pages}
    assert (site / "province" / "38.html").exists() and (site / "gx" / "index.html").exists()
    assert any(p.parent.name == "expectations" for p in (site / "gx").rglob("*.html")), "GX suites rendered"
    # GX's own index needs Bootstrap Table from a CDN; ours lists suites and results as links.
    gx_index = (site / "gx" / "index.html").read_text(encoding="utf-8")
    assert 'href="expectations/dossier_summary.html"' in gx_index and "42_2024-H1.csv" in gx_index
    fetches = re.compile(r"""(?:src|href)\s*=\s*["']?(?:https?:)?//|url\(\s*["']?(?:https?:)?//|@import""", re.I)
    for page in pages:
        text = page.read_text(encoding="utf-8")
        assert not fetches.search(text), f"{page.relative_to(site)} would fetch from the network"
    province = (site / "province" / "42.html").read_text(encoding="utf-8")
    assert "printed_on_time_rate" in province and "<svg" in province
    overview = (site / "index.html").read_text(encoding="utf-8")
    # A publisher's tie-break is listed apart from the disagreements, not among them.
    disagree = overview[overview.index('id="disagree"') : overview.index('id="tie-breaks"')]
    ties = overview[overview.index('id="tie-breaks"') : overview.index('id="self-assessment"')]
    assert "Nghệ An (40): 3, Hà Tĩnh (42): 4" in ties and "85.10" in ties
    assert "published_rank_order" in disagree and "Hà Tĩnh is ranked" not in disagree
    own = overview[overview.index('id="self-assessment"') : overview.index('id="matrix"')]
    assert "Nghệ An (40)" in own and "89.50" in own and "4.40" in own and "Hà Tĩnh" not in own


def test_gx_data_docs_keep_their_layout_and_scripts_with_the_network_blocked(chromium, report, tmp_path):
    if vendor.local_files() is None:
        pytest.fail(
            "the Data Docs front-end files are missing: run `make setup` (python -m reform_etl.dq_report.vendor)"
        )
    gx = report.parent / "gx"
    page = next((gx / "validations").rglob("*.html"))
    text = page.read_text(encoding="utf-8")
    # Served from the report's own folder: no CDN left, the local copies referenced instead.
    assert "vendor/jquery/dist/jquery.min.js" in text and "vendor/bootstrap/dist/css/bootstrap.min.css" in text
    assert "vendor/vega-embed/build/vega-embed.min.js" in text and "integrity=" not in text
    assert (gx / "vendor" / "fortawesome-fontawesome-free" / "webfonts").is_dir()
    probe = page.with_name("probe.html")
    probe.write_text(text.replace("</body>", PROBE + "</body>", 1), encoding="utf-8")

    dom = run_browser(
        chromium,
        tmp_path / "chromium-profile",
        "--host-resolver-rules=MAP * ~NOTFOUND",  # no name resolves: nothing can come from the network
        "--proxy-server=http://127.0.0.1:9",
        "--virtual-time-budget=15000",
        "--dump-dom",
        probe.as_uri(),
    )

    assert dom.returncode == 0, dom.stderr[-2000:]
    found = re.search(r'data-probe="([^"]*)"', dom.stdout)
    assert found, dom.stdout[-2000:]
    seen = json.loads(found.group(1).replace("&quot;", '"'))
    assert seen["jquery"] == "3.7.1" and seen["bootstrap"] and seen["table"], seen
    assert seen["rowDisplay"] == "flex", seen  # Bootstrap's grid, from the local style sheet
    assert "Font Awesome" in seen["fontAwesome"], seen
    assert seen["chart"] == 2, seen  # GX's chart library drew both bars


def test_cells_are_escaped_and_formulas_made_inert():
    assert inert("=SUM(A1)") == "'=SUM(A1)" and inert("@cmd") == "'@cmd" and inert("+1 555") == "'+1 555"
    assert inert("-12,5") == "-12,5"  # a negative number stays a number
    assert esc("<b>Hà Nội</b> & co") == "&lt;b&gt;Hà Nội&lt;/b&gt; &amp; co"
    assert esc('=HYPERLINK("x")') == "&#x27;=HYPERLINK(&quot;x&quot;)"
