"""GX Data Docs for the report: the committed suites plus the recorded validation results.

The report may be written by another process (an Airflow task) than the one that
validated, so the results come from ``audit.validation_results``, rebuilt as GX
validation results of the most recent files. The site is built from a throw-away copy of
the committed context, so building never edits ``expectations/``. GX's pages load
Bootstrap, jQuery and fonts from CDNs; those tags are removed and a small local style
sheet put in their place, so the pages work offline on a closed network.
"""

from __future__ import annotations

import html
import logging
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

log = logging.getLogger(__name__)

SITE = "dq_report"
MAX_FILES = 40

# Tags that would make the browser fetch something (scripts, styles, images: GX's logo is a
# tracking pixel carrying the data context id); plain links only lose their target.
_REMOTE_TAG = re.compile(
    r"<(?:script|link|img|iframe)\b[^>]*\b(?:src|href)=[\"']https?://[^\"']*[\"'][^>]*>(?:\s*</script>)?",
    re.IGNORECASE,
)
_REMOTE_CSS = re.compile(r"url\(\s*[\"']?https?://[^)]*\)", re.IGNORECASE)
_REMOTE_HREF = re.compile(r"\bhref=([\"'])https?://[^\"']*\1", re.IGNORECASE)
_REMOTE_FORM = re.compile(r"<form\b[^>]*https?://.*?</form>", re.IGNORECASE | re.DOTALL)
_LOCAL_STYLE = """<style>
body{font-family:system-ui,sans-serif;margin:1rem 2rem;color:#1d2733}
table{border-collapse:collapse;margin:.5rem 0}td,th{border:1px solid #d6dde6;padding:.25rem .5rem;vertical-align:top}
.collapse{display:block}.d-none{display:none}.text-danger{color:#b42318}.text-success{color:#1a7f37}
img{max-width:100%}a{color:#0b5cad}footer{display:none}
</style>"""


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

    configs: dict[str, dict[str, Any]] = {}
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
                {
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
    _make_offline(target)
    return _write_index(target, [r for _, r in results])


def _write_index(root: Path, results: list[Any]) -> Path:
    """GX's own index builds its tables with Bootstrap Table from a CDN, so offline it is
    empty; this one lists the same pages as plain links."""
    suites = sorted((root / "expectations").glob("*.html"))
    pages = {p.parent.parent.name: p for p in (root / "validations").rglob("*.html")}
    rows = []
    for result in sorted(results, key=lambda r: -int(r.meta["file_id"])):
        page = pages.get(f"file-{result.meta['file_id']}")
        if page is None:
            continue
        stats = result.statistics
        rows.append(
            f'<tr><td><a href="{html.escape(page.relative_to(root).as_posix(), quote=True)}">'
            f"{html.escape(str(result.meta['file']))}</a></td><td>{html.escape(result.suite_name)}</td>"
            f"<td>{stats['successful_expectations']} / {stats['evaluated_expectations']}</td>"
            f"<td>{'✓' if result.success else '✗'}</td></tr>"
        )
    suite_links = "".join(
        f'<li><a href="{html.escape(p.relative_to(root).as_posix(), quote=True)}">{html.escape(p.stem)}</a></li>'
        for p in suites
    )
    index = root / "index.html"
    index.write_text(
        "<!doctype html><html lang='vi'><head><meta charset='utf-8'><title>GX Data Docs</title>"
        f"{_LOCAL_STYLE}</head><body><p><a href='../index.html'>← Báo cáo chất lượng dữ liệu / Data-quality "
        "report</a></p><h1>GX Data Docs</h1><h2>Bộ kỳ vọng / Expectation suites</h2>"
        f"<ul>{suite_links}</ul><h2>Kết quả kiểm tra gần đây / Recent validation results</h2>"
        "<table><thead><tr><th>Tệp / File</th><th>Bộ / Suite</th><th>Đạt / Passed</th><th></th></tr></thead>"
        f"<tbody>{''.join(rows)}</tbody></table></body></html>",
        encoding="utf-8",
    )
    return index


def _make_offline(root: Path) -> None:
    for page in root.rglob("*.html"):
        text = page.read_text(encoding="utf-8")
        text = _REMOTE_CSS.sub("none", text)
        text = _REMOTE_HREF.sub('href="#"', _REMOTE_FORM.sub("", _REMOTE_TAG.sub("", text)))
        text = text.replace("</head>", _LOCAL_STYLE + "</head>", 1)
        page.write_text(text, encoding="utf-8")
