"""GX Data Docs for the report: the committed suites plus the recorded validation results.

The report may be written by another process (an Airflow task) than the one that
validated, so the results come from ``audit.validation_results``, rebuilt as GX
validation results of the most recent files. The site is built from a throw-away copy of
the committed context, so building never edits ``expectations/``. GX's pages load
Bootstrap, jQuery, Bootstrap Table, Font Awesome and Vega from CDNs; the same files, fetched
at setup time (:mod:`.vendor`), are copied beside the pages and every CDN address points at
the copy, so the pages keep their layout and charts on a closed network. Without those
files (setup skipped or offline) the tags are removed instead and a small local style sheet
put in their place, with a warning: plainer pages, but still no fetch from the network.
"""

from __future__ import annotations

import html
import logging
import os
import re
import shutil
import tempfile
from collections import defaultdict
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import psycopg

from ..config import settings
from ..validation.gx_context import quiet_gx
from .templating import render

log = logging.getLogger(__name__)

SITE = "dq_report"
MAX_FILES = 40

# Tags that would make the browser fetch something (scripts, styles, images: GX's logo is a
# tracking pixel carrying the data context id); plain links only lose their target.
_REMOTE_TAG = re.compile(
    r"<(?:script|link|img|iframe)\b[^>]*\b(?:src|href)=[\"']https?://[^\"']*[\"'][^>]*>(?:\s*</script>)?",
    re.IGNORECASE,
)
_ASSET_TAG = re.compile(r"<(?:script|link)\b[^>]*>", re.IGNORECASE)
# Subresource integrity needs a CORS fetch, which a page opened from file:// cannot make.
_INTEGRITY = re.compile(r"\s+(?:integrity|crossorigin)=(?:\"[^\"]*\"|'[^']*'|\S+)", re.IGNORECASE)
_ADDRESS = re.compile(r"\b(src|href)=([\"'])(https?://[^\"']*)\2", re.IGNORECASE)
_REMOTE_CSS = re.compile(r"url\(\s*[\"']?https?://[^)]*\)", re.IGNORECASE)
_REMOTE_HREF = re.compile(r"\bhref=([\"'])https?://[^\"']*\1", re.IGNORECASE)
_REMOTE_FORM = re.compile(r"<form\b[^>]*https?://.*?</form>", re.IGNORECASE | re.DOTALL)


def _results_sql() -> str:
    return """
    with recent as (
        select file_id, kind, regexp_replace(path, '^.*/', '') as name, received_at
        from audit.file_ingestions
        where file_id in (select distinct file_id from audit.validation_results)
        order by file_id desc limit %(n)s
    )
    select r.file_id, r.kind, r.name, r.received_at, v.suite, v.expectation, v.success, v.severity,
           v.observed_value, v.unexpected_count, v.run_id
    from recent r join audit.validation_results v using (file_id)
    order by r.file_id, v.expectation
    """


def _validation_results(conn: psycopg.Connection, context: Any) -> list[tuple[Any, Any]]:
    """(identifier, result) pairs for the most recent validated files."""
    from great_expectations.core.expectation_validation_result import (
        ExpectationSuiteValidationResult,
        ExpectationValidationResult,
    )
    from great_expectations.core.run_identifier import RunIdentifier
    from great_expectations.data_context.types.resource_identifiers import (
        ExpectationSuiteIdentifier,
        ValidationResultIdentifier,
    )

    configs: dict[str, dict[str | None, Any]] = {}
    for suite in context.suites.all():
        configs[suite.name] = {(e.configuration.meta or {}).get("rule"): e.configuration for e in suite.expectations}
    grouped: dict[int, list[tuple[Any, ...]]] = defaultdict(list)
    for row in conn.execute(_results_sql(), {"n": MAX_FILES}):
        grouped[row[0]].append(row)
    pairs = []
    for file_id, rows in grouped.items():
        _, kind, name, received_at, suite_name = rows[0][:5]
        results = []
        for *_, expectation, success, _severity, observed, unexpected, _run in rows:
            rule = expectation.split(":", 1)[-1]
            config = configs.get(suite_name, {}).get(rule)
            if config is None:
                continue  # a file-level rule, shown in the report itself
            results.append(
                ExpectationValidationResult(
                    success=bool(success),
                    expectation_config=config,
                    result={"observed_value": observed, "unexpected_count": int(unexpected or 0)},
                )
            )
        if not results:
            continue
        run_time = received_at if isinstance(received_at, datetime) else datetime.now(UTC)
        run = RunIdentifier(run_name=f"file-{file_id}", run_time=run_time)
        identifier = ValidationResultIdentifier(
            expectation_suite_identifier=ExpectationSuiteIdentifier(name=suite_name),
            run_id=run,
            batch_identifier=f"file_{file_id}",
        )
        result = ExpectationSuiteValidationResult(
            success=all(r.success for r in results),
            results=results,
            suite_name=suite_name,
            statistics={
                "evaluated_expectations": len(results),
                "successful_expectations": sum(1 for r in results if r.success),
                "unsuccessful_expectations": sum(1 for r in results if not r.success),
                "success_percent": 100.0 * sum(1 for r in results if r.success) / len(results),
            },
            meta={"run_id": run, "file_id": file_id, "file": name, "kind": kind},
        )
        pairs.append((identifier, result))
    return pairs


def build(conn: psycopg.Connection, out_dir: Path) -> Path | None:
    """Build the Data Docs site under ``out_dir``; its index page, or None if GX failed."""
    quiet_gx()
    import great_expectations as gx

    source = settings().expectations_dir / "gx"
    if not source.is_dir():
        return None
    target = out_dir.resolve()
    shutil.rmtree(target, ignore_errors=True)
    with tempfile.TemporaryDirectory(prefix="reform-gx-") as tmp:
        shutil.copytree(source, Path(tmp) / "gx", ignore=shutil.ignore_patterns("uncommitted"))
        try:
            context = gx.get_context(mode="file", project_root_dir=tmp)
            for name in list(context.variables.data_docs_sites or {}):
                context.delete_data_docs_site(name)
            context.add_data_docs_site(
                SITE,
                {  # type: ignore[typeddict-unknown-key]  # GX's TypedDict omits a key SiteBuilder accepts
                    "class_name": "SiteBuilder",
                    "show_how_to_buttons": False,
                    "store_backend": {"class_name": "TupleFilesystemStoreBackend", "base_directory": str(target)},
                    "site_index_builder": {"class_name": "DefaultSiteIndexBuilder"},
                },
            )
            results = _validation_results(conn, context)
            for identifier, result in results:
                context.validation_results_store.set(identifier, result)
            context.build_data_docs(site_names=[SITE])
        except Exception:  # noqa: BLE001 - the analysts' report must not die with GX's renderer
            log.exception("building GX Data Docs failed; the report links to nothing")
            return None
    # Imported here, so that `python -m reform_etl.dq_report.vendor` does not import itself twice.
    from . import vendor

    files = vendor.local_files()
    if files is None:
        log.warning(
            "GX Data Docs: the front-end files are missing under %s (run `make setup` or "
            "`python -m reform_etl.dq_report.vendor`); their links are removed, so the pages lose "
            "their layout and charts",
            vendor.VENDOR_DIR,
        )
    else:
        _serve_locally(target, files, vendor.VENDOR_DIR)
    _make_offline(target, with_local_style=files is None)
    return _write_index(target, [r for _, r in results])


def _write_index(root: Path, results: list[Any]) -> Path:
    """GX's own index builds its tables with Bootstrap Table from a CDN, so offline it is
    empty; this one lists the same pages as plain links."""
    suites = sorted((root / "expectations").glob("*.html"))
    pages = {p.parent.parent.name: p for p in (root / "validations").rglob("*.html")}
    rows = []
    for result in sorted(results, key=lambda r: -int(r.meta["file_id"])):
        page = pages.get(f"file-{result.meta['file_id']}")
        if page is not None:
            rows.append({"href": page.relative_to(root).as_posix(), "result": result})
    index = root / "index.html"
    index.write_text(
        render(
            "dq_report", "gx_index.html", suites=[(p.relative_to(root).as_posix(), p.stem) for p in suites], rows=rows
        ),
        encoding="utf-8",
    )
    return index


def _serve_locally(root: Path, files: dict[str, Path], source: Path) -> None:
    """Copy the vendored files under ``root/vendor`` and point each page's CDN tags at them."""
    shutil.copytree(source, root / "vendor", dirs_exist_ok=True)
    local = {url: root / "vendor" / path.relative_to(source) for url, path in files.items()}
    for page in root.rglob("*.html"):
        text = page.read_text(encoding="utf-8")

        def rewrite(tag: re.Match[str], page: Path = page) -> str:
            address = _ADDRESS.search(tag.group(0))
            if address is None or address.group(3) not in local:
                return tag.group(0)
            relative = Path(os.path.relpath(local[address.group(3)], page.parent)).as_posix()
            pointed = tag.group(0).replace(address.group(0), f'{address.group(1)}="{html.escape(relative)}"', 1)
            return _INTEGRITY.sub("", pointed)

        page.write_text(_ASSET_TAG.sub(rewrite, text), encoding="utf-8")


def _make_offline(root: Path, *, with_local_style: bool) -> None:
    """Remove whatever would still fetch from the network (GX's logo, links, fonts)."""
    for page in root.rglob("*.html"):
        text = page.read_text(encoding="utf-8")
        text = _REMOTE_CSS.sub("none", text)
        text = _REMOTE_HREF.sub('href="#"', _REMOTE_FORM.sub("", _REMOTE_TAG.sub("", text)))
        if with_local_style:
            text = text.replace("</head>", render("dq_report", "gx_offline_style.html") + "</head>", 1)
        page.write_text(text, encoding="utf-8")
