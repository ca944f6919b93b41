"""The scorecard dashboard from a real warehouse, then in a real browser (headless Chromium).

Sample exports for six current units over 2023–2025 go through the pipeline (ingest, dbt);
the dashboard is written from the marts and opened in Chromium, as in the data-quality
report's browser test (whose browser helpers this reuses: apt-get installs ``chromium`` when
missing and allowed; otherwise the test is skipped with the reason, or fails under
``CI=true``). Screenshots of the overview and of a merged province's page are kept under
the test's temporary folder and copied to ``docs/images/scorecard*.png`` for the docs.
"""

from __future__ import annotations

import re
import shutil
import time
import unicodedata
from pathlib import Path

import pytest

from reform_etl import generate, pipeline
from reform_etl.dashboard import write_dashboard
from tests.support import run_browser

pytestmark = pytest.mark.integration

ROOT = Path(__file__).resolve().parents[2]
PNG = b"\x89PNG\r\n\x1a\n"
FETCHES = re.compile(r"""(?:src|href)\s*=\s*["']?(?:https?:)?//|url\(\s*["']?(?:https?:)?//|@import""", re.I)


@pytest.fixture
def browser(chromium: str) -> str:
    return chromium


@pytest.fixture
def site(warehouse_url: str, landing: Path, tmp_path: Path) -> Path:
    generate.generate(landing, provinces=6, years=(2023, 2024, 2025), dossier_rows=1500, fault_rate=0, seed=3)
    run_id = pipeline.new_run_id("test")
    pipeline.prepare(warehouse_url, run_id=run_id, trigger="test", landing=landing)
    pipeline.ingest_all(warehouse_url, landing, run_id=run_id)
    assert pipeline.transform(warehouse_url, run_id=run_id).success
    started = time.perf_counter()
    index = write_dashboard(warehouse_url, tmp_path / "scorecard")
    assert time.perf_counter() - started < 5, "the dashboard must stay quick to write"
    return index


def test_the_scorecard_ranks_provinces_explains_the_merger_and_opens_in_chromium(
    site: Path, warehouse_url: str, query, browser: str, tmp_path: Path
):
    folder = site.parent
    index = site.read_text(encoding="utf-8")
    # The national ranking lists the sample's provinces by their Vietnamese names.
    ranking = index[index.index('id="ranking"') : index.index('id="bump"')]
    names = query(
        warehouse_url,
        "select province_code, province_name from marts.dim_province where is_current and province_code = any(%s)",
        (["01", "04", "08", "11", "12", "14"],),
    )
    assert len(names) == 6
    for code, name in names:
        assert f">{name} ({code})</a>" in ranking, name
    assert "Hà Nội (01)" in ranking and unicodedata.normalize("NFD", "Hà Nội") not in index
    assert 'class="rc rc-' in ranking  # rank change arrows
    # A unit formed by the 2025 merger: its page names the predecessors and shows the restated series.
    merged = (folder / "province" / "08.html").read_text(encoding="utf-8")
    block = merged[merged.index('id="merger"') :]
    assert "Hà Giang (02)" in block and "Tuyên Quang (08)" in block and "rpt_restated_34" in block
    assert "Hà Giang (02), Tuyên Quang (08)" in block  # the restated rows name who contributed
    assert (folder / "province" / "02.html").exists()  # the former unit keeps a page, linked to 08
    # Vietnamese by default, an English switch, offline, NFC UTF-8.
    assert '<html lang="vi">' in index and 'id="lang-switch"' in index and "toggleLang()" in index
    pages = list(folder.rglob("*.html"))
    assert len(pages) > 30
    for page in pages:
        text = page.read_text(encoding="utf-8")
        assert not FETCHES.search(text), f"{page.name} would fetch from the network"
        assert unicodedata.is_normalized("NFC", text), page.name

    # -- in the browser --------------------------------------------------------------------------
    profile = tmp_path / "chromium-profile"
    dom = run_browser(browser, profile, "--dump-dom", site.as_uri())
    assert dom.returncode == 0, dom.stderr[-2000:]
    assert '<table class="rank">' in dom.stdout and "Hà Nội (01)" in dom.stdout
    assert re.search(r'<svg[^>]*class="bump"', dom.stdout) and dom.stdout.count('class="ln') >= 34
    english = run_browser(browser, profile, "--dump-dom", site.as_uri() + "?lang=en").stdout
    assert re.search(r'<html[^>]*class="lang-en"', english), english[:300]
    province = run_browser(browser, profile, "--dump-dom", (folder / "province" / "08.html").as_uri()).stdout
    assert 'id="merger"' in province and "Hà Giang (02)" in province and "<svg" in province

    (ROOT / "docs" / "images").mkdir(parents=True, exist_ok=True)
    for page, name in ((site, "scorecard.png"), (folder / "province" / "08.html", "scorecard-province.png")):
        shot = tmp_path / name
        taken = run_browser(
            browser,
            profile,
            "--window-size=1366,900",
            "--hide-scrollbars",
            f"--screenshot={shot}",
            page.as_uri() + "?lang=vi",
        )
        assert taken.returncode == 0 and shot.read_bytes()[:8] == PNG, taken.stderr[-2000:]
        assert shot.stat().st_size > 20_000
        shutil.copyfile(shot, ROOT / "docs" / "images" / name)
