"""Airflow task bodies: plain functions over JSON-able values, so DAG files stay thin.

Tasks find the warehouse themselves (the Airflow Connection ``reform_warehouse``; outside
Airflow ``WAREHOUSE_URL`` or the embedded server) instead of receiving a URL through XCom,
which would put credentials in Airflow's metadata database.
A ``run`` dict (``run_id`` as written to ``audit.pipeline_runs``, ``landing``) is what
flows between the tasks of one DAG run.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from . import pipeline, warehouse
from .airflow_connection import connection_warehouse_url as warehouse_url
from .config import settings
from .ingest import sha256_of
from .periods import identity_from_filename
from .task_log import FileLog, log
from .warehouse import audit, backfills


def run_key(airflow_run_id: str) -> str:
    return f"airflow-{airflow_run_id}"


def prepare(landing: str | None, *, run_id: str, trigger: str = "airflow") -> dict[str, str]:
    folder = Path(landing).resolve() if landing else settings().landing_dir
    key = run_key(run_id)
    pipeline.prepare(warehouse_url(), run_id=key, trigger=trigger, landing=folder)
    return {"run_id": key, "landing": str(folder)}


def discover(run: dict[str, str]) -> list[dict[str, str]]:
    """Every file in the landing folder (the one-shot ``reform_pipeline``)."""
    return [{"path": str(p), "kind": kind} for p, kind in pipeline.discover(Path(run["landing"]))]


def _province_token(name: str) -> str | None:
    try:
        token = identity_from_filename(name).province_token
    except ValueError:
        return None  # a malformed period: the loader rejects the file with the reason
    if token is None:
        return None
    return token.upper() if not token.isdigit() else token.zfill(2)


def discover_new(
    run: dict[str, str],
    *,
    kinds: list[str] | None = None,
    provinces: list[str] | None = None,
    limit: int = 500,
) -> list[dict[str, str]]:
    """Files not seen before at this path with these bytes, optionally only some kinds and provinces.

    A file already in ``audit.file_ingestions`` with the same path and SHA-256 is skipped
    whatever its status, so a scheduled run neither reloads a file nor records a repeated
    duplicate every time it looks. ``provinces`` matches the province in the file name
    (``40_2022-H1.xlsx``); a file that names none is left for an unfiltered run.
    ``limit`` keeps one run under Airflow's ``max_map_length``; the rest waits for the next.
    """
    wanted_kinds = set(kinds or [])
    wanted_provinces = {p.upper() if not p.isdigit() else p.zfill(2) for p in provinces or []}
    candidates: list[tuple[Path, str]] = []
    for path, kind in pipeline.discover(Path(run["landing"])):
        if wanted_kinds and kind not in wanted_kinds:
            continue
        if wanted_provinces and _province_token(path.name) not in wanted_provinces:
            continue
        candidates.append((path, kind))
    if not candidates:
        return []
    with warehouse.connect(warehouse_url()) as conn:
        seen = audit.digests_of_paths(conn, [str(p) for p, _ in candidates])
    new: list[dict[str, str]] = []
    for path, kind in candidates:
        # Only a path seen before needs hashing: its bytes may have been replaced since.
        if str(path) in seen and sha256_of(path) in seen[str(path)]:
            continue
        new.append({"path": str(path), "kind": kind, "label": f"{kind}/{path.name}"})
        if len(new) >= limit:
            break
    return new


def ingest(run: dict[str, str], item: dict[str, str]) -> dict[str, Any]:
    path = Path(item["path"])
    result = pipeline.ingest_one(warehouse_url(), path, item["kind"], run_id=run["run_id"])
    FileLog(path, result.province_code or _province_token(path.name)).info(
        "%s, %d read, %d loaded, %d rejected, %d warnings. %s",
        result.status,
        result.rows_read,
        result.rows_loaded,
        result.rows_rejected,
        result.warnings,
        result.message or "",
    )
    return {k: v for k, v in result.as_dict().items() if k != "path"} | {"path": item["path"]}


def loaded_kinds(run: dict[str, str]) -> dict[str, int]:
    """Rows loaded per kind by this run (the raw Assets to emit); kinds with no new rows are absent."""
    with warehouse.connect(warehouse_url()) as conn:
        return audit.rows_loaded_by_kind(conn, run["run_id"])


def finish_ingest(run: dict[str, str], files: list[dict[str, str]] | None) -> dict[str, int]:
    """Close the run in ``audit.pipeline_runs``; fail when a file's task did not record an outcome.

    Rejected files are data (they have an audit row); a file without any row means its task
    failed after its retries, and the run must say so.
    """
    url = warehouse_url()
    if files is None:
        message = "discovering the new files failed; nothing was ingested"
        pipeline.finish(url, run_id=run["run_id"], status="failed", files_seen=0, message=message)
        raise RuntimeError(message)
    with warehouse.connect(url) as conn:
        by_status = audit.status_counts_of_run(conn, run["run_id"])
    missing = len(files) - sum(by_status.values())
    if missing > 0:
        message = (
            f"{missing} of {len(files)} file(s) have no outcome: their ingest task failed (see audit.task_failures)"
        )
        pipeline.finish(url, run_id=run["run_id"], status="failed", files_seen=len(files), message=message)
        raise RuntimeError(message)
    pipeline.finish(url, run_id=run["run_id"], status="success", files_seen=len(files))
    log.info("Files by status: %s", by_status or "no new files")
    return by_status


def transform(run: dict[str, str], results: list[dict[str, Any]]) -> dict[str, int]:
    """``dbt build`` in one task (``reform_pipeline``); ``reform_transform`` renders it as tasks."""
    url = warehouse_url()
    try:
        pipeline.transform(url, run_id=run["run_id"])
    except Exception as exc:
        pipeline.finish(url, run_id=run["run_id"], status="failed", files_seen=len(results), message=str(exc)[:2000])
        raise
    pipeline.finish(url, run_id=run["run_id"], status="success", files_seen=len(results))
    return pipeline.current_mart_rows(url)


def start_transform(*, run_id: str, trigger: str, changed: list[str]) -> dict[str, str]:
    """Open a ``reform_transform`` run: the warehouse schemas exist before dbt reads them."""
    key = run_key(run_id)
    url = warehouse_url()
    pipeline.prepare(url, run_id=key, trigger=trigger, landing=settings().landing_dir)
    log.info("Transforming after new rows in: %s", ", ".join(changed) or "nothing (manual run)")
    return {"run_id": key, "landing": str(settings().landing_dir)}


def finish_transform(run: dict[str, str]) -> dict[str, int]:
    url = warehouse_url()
    pipeline.finish(url, run_id=run["run_id"], status="success", files_seen=0)
    marts = pipeline.current_mart_rows(url)
    log.info("Mart rows: %s", marts)
    return marts


def report(run: dict[str, str] | None = None) -> str:
    report_path, dashboard_path = pipeline.write_reports(warehouse_url())
    log.info("Data-quality report written to %s; scorecard dashboard to %s", report_path, dashboard_path)
    return str(report_path)


def data_docs() -> str:
    """dbt's documentation site (models, columns, lineage, tests) as one static HTML page."""
    import shutil

    from .transform import run_dbt

    scratch = settings().state_dir / "dbt" / "docs"
    result = run_dbt(warehouse_url(), ["docs", "generate", "--static", "--target-path", str(scratch)])
    built = scratch / "static_index.html"
    if not result.success or not built.exists():
        raise RuntimeError(f"dbt docs generate failed; its output is in {scratch}")
    page = settings().reports_dir / "docs" / "index.html"
    page.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(built, page)
    log.info("Data Docs written to %s", page)
    return str(page)


# -- reform_backfill ----------------------------------------------------------------------


def backfill_plan(
    run: dict[str, str], *, province: str, period_from: str, period_to: str | None, kinds: list[str] | None
) -> list[dict[str, Any]]:
    from . import backfill

    groups = backfill.plan(
        warehouse_url(), province=province, period_from=period_from, period_to=period_to, kinds=kinds
    )
    for group in groups:
        log.info("%s %s: %d archived file(s) to re-process", group["province"], group["period"], len(group["files"]))
    if not groups:
        log.info("No archived files of province %s in %s .. %s", province, period_from, period_to or period_from)
    return groups


def backfill_group(run: dict[str, str], group: dict[str, Any], *, accept_rejections: bool = False) -> dict[str, Any]:
    from . import backfill

    done = backfill.reprocess_group(warehouse_url(), group, run_id=run["run_id"], accept_rejections=accept_rejections)
    for line in done["files"]:
        FileLog(line["path"], done["province"]).info(
            "file %s (%s) -> %s (%s), %s loaded, %s rejected",
            line["old_file_id"],
            line["old_status"],
            line["new_file_id"],
            line["status"],
            line["rows_loaded"],
            line["rows_rejected"],
        )
    return {"province": done["province"], "period": done["period"], "files": len(done["files"])}


def finish_backfill(run: dict[str, str], groups: list[dict[str, Any]] | None) -> int:
    """Close the backfill run; fail when a group's task did not complete (its transaction rolled back)."""
    url = warehouse_url()
    if groups is None:
        message = "planning the backfill failed; nothing was changed"
        pipeline.finish(url, run_id=run["run_id"], status="failed", files_seen=0, message=message)
        raise RuntimeError(message)
    planned = sum(len(g["files"]) for g in groups)
    with warehouse.connect(url) as conn:
        done = backfills.files_backfilled(conn, run["run_id"])
    if done < planned:
        message = f"{planned - done} of {planned} archived file(s) were not re-processed: a group's task failed"
        pipeline.finish(url, run_id=run["run_id"], status="failed", files_seen=done, message=message)
        raise RuntimeError(message)
    pipeline.finish(url, run_id=run["run_id"], status="success", files_seen=done)
    return done
