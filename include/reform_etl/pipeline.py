"""The pipeline's steps as plain functions: the command line and the Airflow DAGs call these.

Each step opens its own connection from a URL, so an Airflow task (another process,
maybe another machine) can run any step on its own.
"""

from __future__ import annotations

import logging
import os
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from . import warehouse
from .config import settings
from .ingest import IngestResult, discover, ingest_file
from .provinces import ProvinceResolver
from .transform import TransformResult, build, mart_row_counts
from .warehouse import audit

log = logging.getLogger(__name__)


def new_run_id(prefix: str = "cli") -> str:
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S")
    return f"{prefix}-{stamp}-{uuid.uuid4().hex[:6]}"


def prepare(url: str, *, run_id: str, trigger: str, landing: Path) -> None:
    """Create what the loader needs (idempotent) and open the run in ``audit.pipeline_runs``."""
    with warehouse.connect(url) as conn:
        warehouse.bootstrap(conn)
        audit.open_run(conn, run_id, trigger, str(landing))
        conn.commit()


# A worker process pays about two seconds of imports before its first file, and holds a
# file's batches in memory (about 350 MB at most): below this much data, or past a few
# workers, parallel loading costs more than it saves.
PARALLEL_MIN_BYTES = 64 << 20
AUTOMATIC_MAX_WORKERS = 4


def workers_for(items: list[tuple[Path, str]], requested: int | None = None) -> int:
    """How many processes load ``items``: ``requested`` (or REFORM_INGEST_WORKERS, 1 unless
    set) when above 0; for 0, one per core, at most AUTOMATIC_MAX_WORKERS, when the files hold
    PARALLEL_MIN_BYTES or more, and one otherwise.

    The count changes neither the marts nor the file statuses. One load at a time stays the
    default because the volume rule compares a file with the periods already loaded when it
    loads, so its warnings can differ between parallel runs."""
    chosen = settings().ingest_workers if requested is None else requested
    if chosen > 0:
        return chosen
    size = sum(path.stat().st_size for path, _ in items if path.is_file())
    if len(items) < 2 or size < PARALLEL_MIN_BYTES:
        return 1
    return max(1, min(os.cpu_count() or 1, AUTOMATIC_MAX_WORKERS, len(items)))


def ingest_one(
    url: str, path: Path, kind: str, *, run_id: str, on_rows: Callable[[int], None] | None = None
) -> IngestResult:
    with warehouse.connect(url, autocommit=True) as conn:
        warehouse.act_as(conn, warehouse.LOADER_ROLE)
        return ingest_file(conn, path, kind, run_id=run_id, resolver=ProvinceResolver.default(), on_rows=on_rows)


def ingest_all(
    url: str,
    landing: Path,
    *,
    run_id: str,
    on_file: Callable[[Path, IngestResult], None] | None = None,
    workers: int = 1,
    on_rows: Callable[[Path, int], None] | None = None,
) -> list[IngestResult]:
    """Ingest every file under ``landing``; with ``workers`` > 1, in parallel processes."""
    return ingest_files(url, discover(landing), run_id=run_id, on_file=on_file, workers=workers, on_rows=on_rows)


def ingest_files(
    url: str,
    items: list[tuple[Path, str]],
    *,
    run_id: str,
    on_file: Callable[[Path, IngestResult], None] | None = None,
    workers: int = 1,
    on_rows: Callable[[Path, int], None] | None = None,
) -> list[IngestResult]:
    """Ingest these (path, kind) files, in this order or, with ``workers`` > 1, side by side.

    Files are independent transactions, so they can load side by side; supersession
    between files that share keys is serialised inside the database and follows the
    delivery order, so neither the order given nor the number of workers changes the result.
    """
    if workers > 1 and len(items) > 1:
        return _ingest_parallel(url, items, run_id=run_id, on_file=on_file, workers=workers)
    results = []
    with warehouse.connect(url, autocommit=True) as conn:
        warehouse.act_as(conn, warehouse.LOADER_ROLE)
        resolver = ProvinceResolver.default()
        for path, kind in items:
            rows_callback = (lambda n, p=path: on_rows(p, n)) if on_rows else None
            result = ingest_file(conn, path, kind, run_id=run_id, resolver=resolver, on_rows=rows_callback)
            log.info("%s: %s (%s read, %s rejected)", path.name, result.status, result.rows_read, result.rows_rejected)
            results.append(result)
            if on_file:
                on_file(path, result)
    return results


def _ingest_worker(args: tuple[str, str, str, str]) -> IngestResult:
    url, path, kind, run_id = args
    return ingest_one(url, Path(path), kind, run_id=run_id)


def _ingest_parallel(
    url: str,
    items: list[tuple[Path, str]],
    *,
    run_id: str,
    on_file: Callable[[Path, IngestResult], None] | None,
    workers: int,
) -> list[IngestResult]:
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    # spawn, not fork: the parent may hold open connections and GX state.
    context = multiprocessing.get_context("spawn")
    results: list[IngestResult] = []
    with ProcessPoolExecutor(max_workers=workers, mp_context=context) as pool:
        jobs = [(url, str(path), kind, run_id) for path, kind in items]
        for (path, _), result in zip(items, pool.map(_ingest_worker, jobs), strict=True):
            results.append(result)
            if on_file:
                on_file(path, result)
    return results


def transform(url: str, *, run_id: str, full: bool = False) -> TransformResult:
    """Build what changed since the last successful build (all of it with ``full``)."""
    return build(url, run_id=run_id, full=full)


def finish(url: str, *, run_id: str, status: str, files_seen: int, message: str | None = None) -> None:
    with warehouse.connect(url) as conn:
        audit.close_run(conn, run_id, status, files_seen, message)
        conn.commit()


@dataclass
class RunSummary:
    run_id: str
    files: list[IngestResult] = field(default_factory=list)
    transform: TransformResult | None = None
    mart_rows: dict[str, int] = field(default_factory=dict)
    report_path: Path | None = None
    dashboard_path: Path | None = None
    stage_seconds: dict[str, float] = field(default_factory=dict)
    workers: int = 1  # processes that loaded the files

    def by_status(self) -> dict[str, int]:
        counts: dict[str, int] = {}
        for f in self.files:
            counts[f.status] = counts.get(f.status, 0) + 1
        return counts

    def as_dict(self) -> dict[str, Any]:
        return {
            "run_id": self.run_id,
            "files": [f.as_dict() for f in self.files],
            "files_by_status": self.by_status(),
            "workers": self.workers,
            "rows_read": sum(f.rows_read for f in self.files),
            "rows_loaded": sum(f.rows_loaded for f in self.files),
            "rows_rejected": sum(f.rows_rejected for f in self.files),
            "dbt": None
            if self.transform is None
            else {
                "success": self.transform.success,
                "models": self.transform.count("model"),
                "tests": self.transform.count("test"),
                "tests_failed": self.transform.count("test", "fail"),
            },
            "mart_rows": self.mart_rows,
            "stage_seconds": {name: round(seconds, 1) for name, seconds in self.stage_seconds.items()},
            "report": str(self.report_path) if self.report_path else None,
            "dashboard": str(self.dashboard_path) if self.dashboard_path else None,
        }


def file_statuses(url: str, run_id: str) -> list[dict[str, Any]]:
    """What the audit says about the files of one run (for summaries after a DAG run)."""
    with warehouse.connect(url) as conn:
        return audit.files_of_run(conn, run_id)


def write_reports(url: str) -> tuple[Path, Path]:
    """The analysts' data-quality report and the scorecard dashboard, both static HTML."""
    from .dashboard import write_dashboard
    from .report import write_report

    return write_report(url), write_dashboard(url)


def current_mart_rows(url: str) -> dict[str, int]:
    return mart_row_counts(url)
