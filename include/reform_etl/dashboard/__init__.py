"""The scorecard dashboard: a static, offline HTML site written from the marts by each run.

``write_dashboard(url, out_dir)`` reads the ``marts`` schema (read-only) and writes:

- ``index.html`` — the national ranking of the latest year of each index (PAR INDEX, SIPAS)
  with score, rank change, region and agreement with the published rank; a bump chart of
  ranks over the years across the 2025 merger; a map-free comparison of the six regions;
  progress against the national targets; links to every province;
- ``province/<code>.html`` — one page per province: latest figures, PAR INDEX fields and
  SIPAS over the years, the dossier on-time rate by level, online services against the
  2025 and 2030 targets and, for a unit formed by the 2025-07-01 merger, how its figures
  are restated from the units it was formed from (``rpt_restated_34``).

It needs no BI server, no network and no script beyond the language switch of the
data-quality report, whose markup helpers and stylesheet it shares. A mart that is missing
or empty gives a "chưa có dữ liệu / no data yet" block rather than a failed run.
"""

from __future__ import annotations

import logging
import shutil
import unicodedata
from datetime import datetime
from pathlib import Path

from .. import warehouse
from ..config import settings
from ..dq_report.labels import VN_TIME
from .data import Marts, load
from .overview_page import overview
from .province_page import province_page

log = logging.getLogger(__name__)

__all__ = ["build_site", "write_dashboard"]


def build_site(marts: Marts, *, generated: datetime | None = None, dq_link: bool = False) -> dict[str, str]:
    """Every page of the site by its path relative to the site's folder."""
    generated = generated or datetime.now(VN_TIME)
    site = {"index.html": overview(marts, generated=generated, dq_link=dq_link)}
    for code in marts.page_codes():
        site[f"province/{code}.html"] = province_page(marts, code, generated=generated, dq_link=dq_link)
    return site


def write_dashboard(url: str, out_dir: Path | None = None) -> Path:
    """Write the scorecard under ``out_dir`` (default ``<reports>/scorecard``); return its index page."""
    out_dir = (out_dir or settings().reports_dir / "scorecard").resolve()
    out_dir.mkdir(parents=True, exist_ok=True)
    with warehouse.connect(url) as conn:
        marts = load(conn)
    site = build_site(marts, dq_link=(out_dir.parent / "dq" / "index.html").exists())
    province_dir = out_dir / "province"
    shutil.rmtree(province_dir, ignore_errors=True)  # pages of units no longer in the data must not linger
    province_dir.mkdir()
    for relative, text in site.items():
        (out_dir / relative).write_text(unicodedata.normalize("NFC", text), encoding="utf-8")
    log.info("scorecard: %s (%d pages)", out_dir / "index.html", len(site))
    return out_dir / "index.html"
