"""The analysts' data-quality report: a static, offline HTML site written after every run.

``write_report(url, out_dir)`` reads the ``audit`` (and ``raw``) schemas and writes:

- ``index.html`` — who has not delivered the latest period due, rejected files and why,
  rejected rows by reason, published figures that disagree with their own counts, the
  province × kind × period delivery matrix, the share of rejected rows by province and
  period, and the dbt tests on the marts;
- ``provinces.html`` and ``province/<code>.html`` — one page per province with its
  deliveries, trends, files, rejected rows by reason and warnings;
- ``files.html`` and ``rules.html`` — every file received; every rule with its severity,
  where it runs and how often it failed;
- ``gx/`` — the GX Data Docs (suites and recent validation results), made offline.

Labels are Vietnamese by default with an English switch (a few lines of inline script,
no library, no network). Every value from a delivered file is HTML-escaped and shown
inert if a spreadsheet would read it as a formula.
"""

from __future__ import annotations

import logging
import shutil
from datetime import date
from pathlib import Path

from .. import warehouse
from ..config import settings
from . import datadocs
from .data import load
from .file_pages import files_page, rules_page
from .labels import today
from .overview_page import overview
from .province_pages import province_codes, province_page, provinces_index
from .templating import render

log = logging.getLogger(__name__)

__all__ = ["write_report"]


def write_report(url: str, out_dir: Path | None = None, *, as_of: date | None = None, data_docs: bool = True) -> Path:
    """Write the report under ``out_dir`` (default ``<reports>/dq``) and return its index page."""
    out_dir = (out_dir or settings().reports_dir / "dq").resolve()
    out_dir.mkdir(parents=True, exist_ok=True)
    with warehouse.connect(url) as conn:
        data = load(conn, as_of=as_of or today())
        docs = datadocs.build(conn, out_dir / "gx") if data_docs else None
    if docs is None:
        (out_dir / "gx").mkdir(exist_ok=True)
        (out_dir / "gx" / "index.html").write_text(render("dq_report", "gx_missing.html"), encoding="utf-8")
    province_dir = out_dir / "province"
    shutil.rmtree(province_dir, ignore_errors=True)  # pages of units no longer in the data must not linger
    province_dir.mkdir()
    written = {
        out_dir / "index.html": overview(data),
        out_dir / "provinces.html": provinces_index(data),
        out_dir / "files.html": files_page(data),
        out_dir / "rules.html": rules_page(data),
    }
    for code in province_codes(data):
        written[province_dir / f"{code}.html"] = province_page(data, code)
    for path, text in written.items():
        path.write_text(text, encoding="utf-8")
    log.info("data-quality report: %s (%d pages)", out_dir / "index.html", len(written))
    return out_dir / "index.html"
