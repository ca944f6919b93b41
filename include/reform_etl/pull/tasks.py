"""Task bodies of the ``reform_pull`` DAG: plain functions over JSON-able values.

Credentials are read inside the task through Airflow connections and never pass through
XCom; only source ids, statuses and landing paths do.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from .. import warehouse
from ..airflow_connection import connection_warehouse_url as warehouse_url
from ..config import settings
from ..task_log import FileLog, log
from . import runner, state
from .registry import load_registry


class SourcePullFailed(RuntimeError):
    """Raised so that Airflow shows the one source's task as failed (the others go on)."""


def run_key(airflow_run_id: str) -> str:
    return f"airflow-{airflow_run_id}"


def _landing(params: dict[str, Any]) -> Path:
    given = params.get("landing")
    return Path(given).resolve() if given else settings().landing_dir


def due(params: dict[str, Any]) -> list[str]:
    """Ids of the sources to pull in this run: the due ones, or ``only`` / all with ``force``."""
    registry = load_registry(params.get("sources_file"))
    only = params.get("only") or None
    chosen = registry.select(only)
    if only or params.get("force"):
        ids = [s.id for s in chosen]
    else:
        ids = [s.id for s in runner.due_sources(warehouse_url(), chosen)]
    log.info("%d of %d registered source(s) to pull: %s", len(ids), len(registry.sources), ", ".join(ids) or "none")
    return ids


def pull(source_id: str, params: dict[str, Any], *, airflow_run_id: str) -> dict[str, Any]:
    from .credentials import airflow_lookup

    source = load_registry(params.get("sources_file")).get(source_id)
    result = runner.pull_source(
        warehouse_url(), source, _landing(params), lookup=airflow_lookup, run_id=run_key(airflow_run_id)
    )
    log.info("%s: %s, %d file(s), %d record(s)", source_id, result.status, len(result.files), result.records or 0)
    for path in result.files:
        FileLog(path, result.province).info("landed by source %r", source_id)
    if result.failed:
        raise SourcePullFailed(result.message or f"{source.describe()}: failed")
    if result.message:
        log.info("%s: %s", source_id, result.message)
    return result.as_dict()


def summary(due_ids: list[str], *, airflow_run_id: str) -> dict[str, Any]:
    """What every due source did in this run, from the audit (the authority, not XCom)."""
    with warehouse.connect(warehouse_url(), autocommit=True) as conn:
        state.ensure_tables(conn)
        pulls = state.pulls_of_run(conn, run_key(airflow_run_id))
    # A retried task leaves one row per attempt: the last one tells.
    last = {p["source_id"]: p for p in pulls}
    by_status: dict[str, list[str]] = {}
    new_files: dict[str, list[str]] = {}
    for source_id in due_ids:
        pull = last.get(source_id)
        status = pull["status"] if pull else "not run"
        if status == "running":
            status = "failed"  # the task died without finishing its record
        by_status.setdefault(status, []).append(source_id)
        if pull and pull["landing_paths"]:
            new_files.setdefault(pull["kind"], []).extend(pull["landing_paths"])
    lines = [f"Pulled {len(due_ids)} source(s):"]
    for source_id in due_ids:
        pull = last.get(source_id)
        if pull is None:
            lines.append(f"  {source_id}: not run (see the task's log)")
            continue
        lines.append(
            f"  {source_id}: {pull['status']}, {pull['files']} file(s)"
            + (f" — {pull['message']}" if pull["message"] and pull["status"] in ("failed", "empty") else "")
        )
    log.info("%s", "\n".join(lines))
    return {"by_status": by_status, "new_files": new_files}
