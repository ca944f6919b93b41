"""``reform-etl run``, ``ingest``, ``transform`` and ``report``: load the landing folder, build the marts, write the reports."""

from __future__ import annotations

import json
import time
from collections.abc import Sequence
from contextlib import nullcontext
from pathlib import Path
from types import TracebackType
from typing import TYPE_CHECKING, Annotated

import typer
from rich.table import Table

from ..config import settings
from .common import EXIT_DBT, FullBuildOption, JsonOption, LandingOption, console, out, reachable_warehouse_url

WorkersOption = Annotated[
    int | None,
    typer.Option(
        min=0,
        max=32,
        help="Files loaded in parallel (processes). Default REFORM_INGEST_WORKERS (1); 0 chooses: one per "
        "core (at most 4) when the files hold 64 MiB or more, else one.",
        show_default=False,
    ),
]

if TYPE_CHECKING:  # imported where used, so that a command loads only what it needs
    from ..ingest import IngestResult
    from ..pipeline import RunSummary


def _print_files(results: Sequence[IngestResult]) -> None:
    table = Table(title="Files", show_lines=False)
    for column in ("file", "kind", "status", "read", "loaded", "rejected", "warnings", "message"):
        table.add_column(column, overflow="fold")
    style = {"loaded": "green", "rejected": "red", "duplicate": "yellow", "unchanged": "dim"}
    for r in results:
        table.add_row(
            r.path.name,
            r.kind,
            f"[{style.get(r.status, '')}]{r.status}[/]",
            str(r.rows_read),
            str(r.rows_loaded),
            str(r.rows_rejected),
            str(r.warnings),
            (r.message or "")[:160],
        )
    out.print(table)


def run(
    landing: LandingOption = None,
    as_json: JsonOption = False,
    skip_transform: Annotated[bool, typer.Option(help="Load only; do not run dbt.")] = False,
    workers: WorkersOption = None,
    full_build: FullBuildOption = False,
) -> None:
    """Ingest, validate and load every file, build the marts with dbt, write the data-quality report.

    Example: [bold]reform-etl run --landing data/landing[/]
    """
    from .. import pipeline
    from ..transform import TransformFailed

    landing = (landing or settings().landing_dir).resolve()
    if not landing.is_dir():
        console.print(f"[red]error:[/] landing folder {landing} does not exist")
        raise typer.Exit(2)
    url = reachable_warehouse_url()
    run_id = pipeline.new_run_id("cli")
    pipeline.prepare(url, run_id=run_id, trigger="cli", landing=landing)
    summary = pipeline.RunSummary(run_id=run_id)
    files = pipeline.discover(landing)
    summary.workers = pipeline.workers_for(files, workers)
    started = time.perf_counter()
    with _Progress(len(files), "Ingesting", quiet=as_json) as progress:
        summary.files = pipeline.ingest_files(
            url,
            files,
            run_id=run_id,
            on_file=progress.file_done,
            on_rows=progress.rows_read,
            workers=summary.workers,
        )
    summary.stage_seconds["ingest"] = time.perf_counter() - started
    if not skip_transform:
        started = time.perf_counter()
        try:
            with console.status("Building the marts with dbt…") if not as_json else nullcontext():
                summary.transform = pipeline.transform(url, run_id=run_id, full=full_build)
        except TransformFailed as exc:
            pipeline.finish(url, run_id=run_id, status="failed", files_seen=len(files), message=str(exc)[:2000])
            console.print(f"[red]error:[/] {exc}")
            raise typer.Exit(EXIT_DBT) from None
        summary.mart_rows = pipeline.current_mart_rows(url)
        summary.stage_seconds["transform"] = time.perf_counter() - started
    started = time.perf_counter()
    summary.report_path, summary.dashboard_path = pipeline.write_reports(url)
    summary.stage_seconds["reports"] = time.perf_counter() - started
    pipeline.finish(url, run_id=run_id, status="success", files_seen=len(files))
    _finish(summary, as_json)


def _finish(summary: RunSummary, as_json: bool) -> None:
    data = summary.as_dict()
    if as_json:
        out.print_json(json.dumps(data, default=str))
        return
    _print_files(summary.files)
    statuses = ", ".join(f"{n} {s}" for s, n in sorted(data["files_by_status"].items())) or "no files"
    out.print(
        f"[bold]Run {summary.run_id}[/]: {statuses}; rows read {data['rows_read']}, "
        f"loaded {data['rows_loaded']}, rejected {data['rows_rejected']}."
    )
    if data["stage_seconds"]:
        out.print("Time: " + ", ".join(f"{name} {seconds:.1f} s" for name, seconds in data["stage_seconds"].items()))
    if data["mart_rows"]:
        out.print("Marts: " + ", ".join(f"{k} {v}" for k, v in data["mart_rows"].items()))
    if summary.report_path:
        out.print(f"Data-quality report: {summary.report_path}")
    if summary.dashboard_path:
        out.print(f"Scorecard dashboard: {summary.dashboard_path}")


class _Progress:
    """Files done out of files found, and rows read in the file being loaded."""

    def __init__(self, total: int, label: str, *, quiet: bool) -> None:
        from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

        self.enabled = not quiet and total > 0
        self.progress = Progress(
            TextColumn("{task.description}"),
            BarColumn(),
            MofNCompleteColumn(),
            TimeElapsedColumn(),
            TextColumn("{task.fields[name]}"),
            console=console,
            transient=True,
            disable=not self.enabled,
        )
        self.files = self.progress.add_task(label, total=total, name="")
        self.rows = self.progress.add_task("rows", total=None, name="", visible=False)

    def __enter__(self) -> _Progress:
        self.progress.__enter__()
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, traceback: TracebackType | None
    ) -> None:
        self.progress.__exit__(exc_type, exc, traceback)

    def file_done(self, path: Path, _result: object) -> None:
        self.progress.update(self.files, advance=1, name=path.name)
        self.progress.update(self.rows, visible=False, completed=0)

    def rows_read(self, path: Path, count: int) -> None:
        self.progress.update(self.rows, visible=True, completed=count, name=path.name)


def ingest(
    landing: LandingOption = None,
    as_json: JsonOption = False,
    workers: WorkersOption = None,
) -> None:
    """Ingest, validate and load the landing folder without running dbt."""
    run(landing=landing, as_json=as_json, skip_transform=True, workers=workers)


def transform(as_json: JsonOption = False, full_build: FullBuildOption = False) -> None:
    """Run [bold]dbt build[/] on what changed since the last build (everything with --full-build)."""
    from .. import pipeline
    from ..transform import TransformFailed

    url = reachable_warehouse_url()
    run_id = pipeline.new_run_id("transform")
    try:
        result = pipeline.transform(url, run_id=run_id, full=full_build)
    except TransformFailed as exc:
        console.print(f"[red]error:[/] {exc}")
        raise typer.Exit(EXIT_DBT) from None
    counts = pipeline.current_mart_rows(url)
    if as_json:
        out.print_json(json.dumps({"success": result.success, "mart_rows": counts}))
    else:
        out.print(f"dbt build: {result.count('model')} models, {result.count('test')} tests, all passed.")
        out.print("Marts: " + ", ".join(f"{k} {v}" for k, v in counts.items()))


def report() -> None:
    """Write the data-quality report and the scorecard dashboard (static HTML)."""
    from ..pipeline import write_reports

    report_path, dashboard_path = write_reports(reachable_warehouse_url())
    out.print(f"Data-quality report: {report_path}")
    out.print(f"Scorecard dashboard: {dashboard_path}")
