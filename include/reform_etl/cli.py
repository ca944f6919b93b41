"""``reform-etl``: the command line over the same library the Airflow DAGs call.

Exit codes: 0 the pipeline worked (rejected files are data, not failures); 2 bad usage or
a bad setting; 3 the warehouse could not be reached or started; 4 dbt failed; 5 Airflow
run failed.
"""

from __future__ import annotations

import json
import logging
import os
import sys
import time
from collections.abc import Sequence
from contextlib import nullcontext
from pathlib import Path
from types import TracebackType
from typing import TYPE_CHECKING, Annotated

import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from .config import SettingsError, settings

if TYPE_CHECKING:  # imported where used, so that a command loads only what it needs
    from .airflow_deploy import DeploymentStatus, LocalDeployment
    from .ingest import IngestResult
    from .pipeline import RunSummary

app = typer.Typer(
    help="Load provincial CCHC exports into the warehouse, build the marts, report data quality.",
    no_args_is_help=True,
    add_completion=False,
    rich_markup_mode="rich",
)
db_app = typer.Typer(help="Start, stop or inspect the embedded PostgreSQL (used when WAREHOUSE_URL is unset).")
app.add_typer(db_app, name="db")
gx_app = typer.Typer(help="Keep the committed Great Expectations context in step with the suites in code.")
app.add_typer(gx_app, name="expectations")
airflow_app = typer.Typer(help="A local Airflow (api-server, scheduler, dag-processor, triggerer) on this machine.")
app.add_typer(airflow_app, name="airflow")

# soft_wrap: a message naming a long path must stay on one line so it can be grepped
# and copied; rich would otherwise break it at the terminal width.
console = Console(stderr=True, soft_wrap=True)
out = Console(soft_wrap=True)

EXIT_USAGE = 2
EXIT_WAREHOUSE = 3
EXIT_DBT = 4
EXIT_AIRFLOW = 5

LandingOption = Annotated[
    Path | None,
    typer.Option("--landing", "-l", help="Landing folder with one sub-folder per kind (default: data/landing)."),
]
JsonOption = Annotated[bool, typer.Option("--json", help="Print one JSON object instead of tables.")]
FullBuildOption = Annotated[
    bool,
    typer.Option(
        "--full-build",
        help="Build the whole dbt project (seeds, every model, all tests) instead of what changed.",
    ),
]


def _version(value: bool) -> None:
    if value:
        from importlib.metadata import version

        out.print(f"reform-etl {version('reform-etl')}")
        raise typer.Exit()


@app.callback()
def _every_command(
    _version: Annotated[
        bool,
        typer.Option("--version", callback=_version, is_eager=True, help="Print the version and exit."),
    ] = False,
) -> None:
    """Load provincial CCHC exports into the warehouse, build the marts, report data quality."""
    # Every setting is checked before any work, so a typo stops the command at once.
    try:
        chosen = settings()
    except SettingsError as exc:
        problems = "\n".join(f"  {escape(line)}" for line in exc.problems)
        console.print(
            f"[red]error:[/] {len(exc.problems)} setting(s) cannot be used:\n{problems}\n"
            "Fix or unset them (docs/operations.md lists every setting), then run the command again.",
            highlight=False,
        )
        raise typer.Exit(EXIT_USAGE) from None
    logging.getLogger().setLevel(chosen.log_level)


def _url() -> str:
    from .embedded_db import EmbeddedDatabaseError, warehouse_url
    from .warehouse import WarehouseUnavailable, connect

    try:
        url = warehouse_url()
        with connect(url):
            pass
        return url
    except (EmbeddedDatabaseError, WarehouseUnavailable, OSError) as exc:
        console.print(f"[red]error:[/] the warehouse is not reachable: {exc}")
        raise typer.Exit(EXIT_WAREHOUSE) from None


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


@app.command()
def run(
    landing: LandingOption = None,
    as_json: JsonOption = False,
    skip_transform: Annotated[bool, typer.Option(help="Load only; do not run dbt.")] = False,
    workers: Annotated[int, typer.Option(min=1, max=32, help="Files loaded in parallel (processes).")] = 1,
    full_build: FullBuildOption = False,
) -> None:
    """Ingest, validate and load every file, build the marts with dbt, write the data-quality report.

    Example: [bold]reform-etl run --landing data/landing[/]
    """
    from . import pipeline
    from .transform import TransformFailed

    landing = (landing or settings().landing_dir).resolve()
    if not landing.is_dir():
        console.print(f"[red]error:[/] landing folder {landing} does not exist")
        raise typer.Exit(2)
    url = _url()
    run_id = pipeline.new_run_id("cli")
    pipeline.prepare(url, run_id=run_id, trigger="cli", landing=landing)
    summary = pipeline.RunSummary(run_id=run_id)
    files = pipeline.discover(landing)
    started = time.perf_counter()
    with _Progress(len(files), "Ingesting", quiet=as_json) as progress:
        summary.files = pipeline.ingest_all(
            url, landing, run_id=run_id, on_file=progress.file_done, on_rows=progress.rows_read, workers=workers
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


@app.command()
def ingest(
    landing: LandingOption = None,
    as_json: JsonOption = False,
    workers: Annotated[int, typer.Option(min=1, max=32, help="Files loaded in parallel (processes).")] = 1,
) -> None:
    """Ingest, validate and load the landing folder without running dbt."""
    run(landing=landing, as_json=as_json, skip_transform=True, workers=workers)


@app.command()
def transform(as_json: JsonOption = False, full_build: FullBuildOption = False) -> None:
    """Run [bold]dbt build[/] on what changed since the last build (everything with --full-build)."""
    from . import pipeline
    from .transform import TransformFailed

    url = _url()
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


@app.command()
def report() -> None:
    """Write the data-quality report and the scorecard dashboard (static HTML)."""
    from .pipeline import write_reports

    report_path, dashboard_path = write_reports(_url())
    out.print(f"Data-quality report: {report_path}")
    out.print(f"Scorecard dashboard: {dashboard_path}")


@app.command()
def status(landing: LandingOption = None, as_json: JsonOption = False) -> None:
    """Show the last runs, files by status, files waiting in the landing folder, and missing deliveries."""
    from .ingest import discover
    from .warehouse import audit, connect

    url = _url()
    landing = (landing or settings().landing_dir).resolve()
    with connect(url) as conn:
        runs = audit.latest_runs(conn, 5)
        by_status = audit.totals_by_status(conn)
        seen = audit.seen_paths(conn)
    pending = [str(p) for p, _ in discover(landing) if str(p) not in seen]
    missing = _missing_deliveries(url)
    if as_json:
        out.print_json(
            json.dumps(
                {
                    "runs": [
                        dict(
                            zip(
                                ["run_id", "trigger", "status", "files_seen", "started_at", "finished_at"],
                                r,
                                strict=True,
                            )
                        )
                        for r in runs
                    ],
                    "files": {
                        s: {"files": n, "rows_read": rr, "rows_loaded": rl, "rows_rejected": rj}
                        for s, n, rr, rl, rj in by_status
                    },
                    "pending": pending,
                    "missing_deliveries": missing,
                },
                default=str,
            )
        )
        return
    table = Table(title="Last runs")
    for column in ("run", "trigger", "status", "files", "started", "finished"):
        table.add_column(column)
    for r in runs:
        table.add_row(*(str(x) if x is not None else "" for x in r))
    out.print(table)
    for s, n, rr, rl, rj in by_status:
        out.print(f"{s}: {n} files ({rr} rows read, {rl} loaded, {rj} rejected)")
    out.print(f"Waiting in {landing}: {len(pending)} file(s)" + (f", e.g. {Path(pending[0]).name}" if pending else ""))
    out.print(f"Not delivered for the latest due period of each stream: {len(missing)}")
    for item in missing[:15]:
        out.print(
            f"  {item['stream']} {item['period']}: province {item['province']} ({item['status']}, due {item['due']})"
        )
    if len(missing) > 15:
        out.print(f"  … and {len(missing) - 15} more (see the data-quality report)")


def _missing_deliveries(url: str) -> list[dict[str, object]]:
    """For each stream of the delivery calendar, who has not delivered its latest due period."""
    from .completeness import completeness
    from .warehouse import connect

    with connect(url) as conn:
        matrix = completeness(conn)
    missing: list[dict[str, object]] = []
    for stream in matrix.streams:
        period = matrix.latest_due_period(stream.id)
        if period is None:
            continue
        for cell in matrix.not_delivered(stream.id, period):
            missing.append(
                {
                    "stream": stream.id,
                    "period": period,
                    "province": cell.province_code,
                    "status": cell.status,
                    "due": cell.due,
                }
            )
    return missing


@app.command()
def generate(
    out_dir: Annotated[Path, typer.Option("--out", "-o", help="Folder to write <kind>/<file> into.")],
    provinces: Annotated[int | None, typer.Option(help="Only the first N of the 34 current units.")] = None,
    years: Annotated[str, typer.Option(help="Comma-separated years, 2019-2025.")] = "2024,2025",
    dossier_rows: Annotated[int, typer.Option(help="Approximate number of record-level dossier rows.")] = 2000,
    fault_rate: Annotated[float, typer.Option(help="Share of files with a realistic fault (0-1).")] = 0.1,
    seed: Annotated[int, typer.Option(help="Random seed; the same seed gives the same files.")] = 42,
) -> None:
    """Write realistic sample exports (mixed formats, Vietnamese headers, chosen faults).

    Example: [bold]reform-etl generate --out data/landing --provinces 5 --fault-rate 0.1[/]
    """
    from .generate import generate as make

    summary = make(
        out_dir,
        provinces=provinces,
        years=tuple(int(y) for y in years.split(",") if y.strip()),
        dossier_rows=dossier_rows,
        fault_rate=fault_rate,
        seed=seed,
    )
    manifest = summary.write_manifest()
    faulty = sum(1 for f in summary.files if f.faults)
    out.print(f"Wrote {len(summary.files)} files ({faulty} with faults) under {out_dir}; manifest: {manifest}")


@app.command()
def trace(
    file_id: Annotated[
        int | None, typer.Option("--file-id", help="A delivery's file_id (audit.file_ingestions).")
    ] = None,
    mart: Annotated[
        str | None, typer.Option(help="A mart table with a file_id column, e.g. fct_dossier_processing.")
    ] = None,
    where: Annotated[
        list[str] | None, typer.Option("--where", "-w", help="column=value filter on the mart row (repeatable).")
    ] = None,
    as_json: JsonOption = False,
) -> None:
    """Trace a figure back to the bytes it came from: the archived file and its source rows.

    Examples:
      [bold]reform-etl trace --file-id 12[/]
      [bold]reform-etl trace --mart fct_dossier_processing -w province_code=40 -w period_label=2022-H1 -w level=tinh[/]
    """
    from .trace import TraceError, trace_file, trace_mart

    if (file_id is None) == (mart is None):
        console.print("[red]error:[/] give either --file-id or --mart (with --where filters)")
        raise typer.Exit(2)
    filters: dict[str, str] = {}
    for item in where or []:
        name, sep, value = item.partition("=")
        if not sep or not name.strip():
            console.print(f"[red]error:[/] --where takes column=value, got {item!r}")
            raise typer.Exit(2)
        filters[name.strip()] = value.strip()
    url = _url()
    try:
        found = (
            [({}, trace_file(url, file_id, filters))] if file_id is not None else trace_mart(url, mart or "", filters)
        )
    except TraceError as exc:
        console.print(f"[red]error:[/] {exc}")
        raise typer.Exit(2) from None
    if as_json:
        out.print_json(json.dumps([{"mart_row": m, "delivery": t.as_dict()} for m, t in found], default=str))
        return
    if not found:
        out.print("no matching rows")
        raise typer.Exit(1)
    for mart_row, t in found:
        if mart_row:
            out.print("[bold]Mart row:[/] " + ", ".join(f"{k}={v}" for k, v in mart_row.items()))
        out.print(
            f"  delivery {t.file_id}: {t.path} ({t.kind}, {t.status}; {t.rows_read} read, "
            f"{t.rows_loaded} loaded, {t.rows_rejected} rejected)"
        )
        out.print(f"  delivered {t.delivered_at:%Y-%m-%d %H:%M:%S %Z}" if t.delivered_at else "  delivered: unknown")
        if t.follows is not None or t.followed_by:
            later = ", ".join(map(str, t.followed_by)) or "none"
            out.print(f"  in delivery order: follows delivery {t.follows or 'none'}; followed by {later}")
        out.print(f"  sha256 {t.sha256}")
        out.print(f"  archived bytes: {t.archived or '(not in this archive)'}")
        if t.source_rows:
            out.print("  source rows: " + ", ".join(map(str, t.source_rows)))
        for r in t.rejected[:10]:
            out.print(f"  rejected row {r['source_row']} [{r['column']}]: {r['reason']}")


@app.command()
def pull(
    sources: Annotated[
        Path | None, typer.Option("--sources", "-s", help="Source registry YAML (default: REFORM_SOURCES_FILE).")
    ] = None,
    landing: LandingOption = None,
    only: Annotated[list[str] | None, typer.Option("--only", help="Pull only this source id (repeatable).")] = None,
    as_json: JsonOption = False,
) -> None:
    """Pull new exports from the registered sources (HTTP APIs, SFTP drops, S3 buckets) into the landing folder.

    Example: [bold]reform-etl pull --sources sources.yml --only nghe-an-dvc[/]
    A source that fails does not stop the others; the exit code is 1 when any failed.
    """
    from .pull.registry import RegistryError
    from .pull.runner import pull_command

    try:
        results = pull_command(sources, landing, only)
    except RegistryError as exc:
        console.print(f"[red]error:[/] {exc}")
        raise typer.Exit(2) from None
    if as_json:
        out.print_json(json.dumps([r.__dict__ for r in results], default=str))
    else:
        table = Table(title="Sources pulled")
        for column in ("source", "transport", "kind", "province", "status", "files", "message"):
            table.add_column(column, overflow="fold")
        colours = {"ok": "green", "failed": "red", "empty": "yellow", "up_to_date": "dim"}
        for r in results:
            table.add_row(
                r.source_id,
                r.transport,
                r.kind,
                r.province,
                f"[{colours.get(r.status, '')}]{r.status}[/]",
                str(len(r.files)),
                (r.message or "")[:160],
            )
        out.print(table)
    if any(r.failed for r in results):
        raise typer.Exit(1)


@app.command()
def backfill(
    province: Annotated[str, typer.Option(help="GSO code (or name) of the province to re-process.")],
    period_from: Annotated[str, typer.Option("--from", help="First period, e.g. 2022-H1 or 2022.")],
    period_to: Annotated[str | None, typer.Option("--to", help="Last period (default: same as --from).")] = None,
    kinds: Annotated[list[str] | None, typer.Option("--kind", help="Only this kind (repeatable).")] = None,
    accept_rejections: Annotated[
        bool, typer.Option(help="Keep going when a file that loaded before would now be rejected.")
    ] = False,
    as_json: JsonOption = False,
) -> None:
    """Re-process one province's periods from the archived files, touching no other data.

    Example: [bold]reform-etl backfill --province 40 --from 2022-H1 --to 2022-H2[/]
    Run [bold]reform-etl transform[/] afterwards to rebuild the marts.
    """
    from .backfill import run as run_backfill

    url = _url()
    try:
        done = run_backfill(
            url,
            province=province,
            period_from=period_from,
            period_to=period_to,
            kinds=kinds,
            accept_rejections=accept_rejections,
        )
    except ValueError as exc:
        console.print(f"[red]error:[/] {exc}")
        raise typer.Exit(2) from None
    if as_json:
        out.print_json(json.dumps(done, default=str))
        return
    if not done:
        out.print("nothing archived for that province and period")
        raise typer.Exit(1)
    for group in done:
        out.print(", ".join(f"{k} {v}" for k, v in group.items() if not isinstance(v, list | dict)))


@db_app.command("start")
def db_start() -> None:
    """Start the embedded PostgreSQL (initialising it on first use) and print its URL."""
    from .embedded_db import EmbeddedDatabaseError, EmbeddedServer

    if settings().warehouse_url:
        console.print("[yellow]note:[/] WAREHOUSE_URL is set, so the embedded database is not used by runs.")
    try:
        url = EmbeddedServer.default().start()
    except EmbeddedDatabaseError as exc:
        console.print(f"[red]error:[/] {exc}")
        raise typer.Exit(EXIT_WAREHOUSE) from None
    out.print(url)


@db_app.command("stop")
def db_stop() -> None:
    """Stop the embedded PostgreSQL (its data is kept under .state/pg)."""
    from .embedded_db import EmbeddedServer

    stopped = EmbeddedServer.default().stop()
    out.print("embedded PostgreSQL stopped" if stopped else "embedded PostgreSQL was not running")


@db_app.command("status")
def db_status() -> None:
    """Say whether the embedded PostgreSQL runs, and where."""
    from .embedded_db import EmbeddedServer

    server = EmbeddedServer.default()
    if server.is_running():
        out.print(f"running: {server.url()} (data in {server.data_dir})")
    else:
        out.print(f"stopped (data in {server.data_dir})")
        raise typer.Exit(1)


@airflow_app.command("up")
def airflow_up(
    slots: Annotated[
        int | None, typer.Option(help="Task slots (executor parallelism and load pool); default 4 on first start.")
    ] = None,
    port: Annotated[int | None, typer.Option(help="UI port on first start (default 8080, or a free one).")] = None,
    timeout: Annotated[float, typer.Option(help="Seconds to wait for the UI and the DAGs.")] = 300,
) -> None:
    """Start the local deployment (or what of it is not running) and print the UI's URL and login."""
    from .airflow_deploy import DeploymentError, LocalDeployment

    deployment = LocalDeployment(slots=slots, port=port)
    url = _url()
    out.print(f"Warehouse: {'WAREHOUSE_URL' if settings().warehouse_url else 'embedded PostgreSQL ' + url}")
    out.print(f"Starting Airflow (LocalExecutor) under {deployment.home}; this takes a minute the first time…")
    try:
        state = deployment.up(timeout=timeout)
    except DeploymentError as exc:
        console.print(f"[red]error:[/] {exc}")
        raise typer.Exit(EXIT_AIRFLOW) from None
    _print_deployment(deployment, state)
    out.print("reform_ingest, reform_transform and reform_report are unpaused: drop files into the landing folder")
    out.print(f"({settings().landing_dir}) and the next scheduled reform_ingest picks them up.")
    out.print("Stop it with [bold]reform-etl airflow down[/].")


@airflow_app.command("down")
def airflow_down(
    with_db: Annotated[bool, typer.Option("--with-db", help="Also stop the embedded PostgreSQL.")] = False,
    timeout: Annotated[float, typer.Option(help="Seconds each component has to stop before SIGKILL.")] = 30,
) -> None:
    """Stop the local deployment's components (the embedded database keeps running unless --with-db)."""
    from .airflow_deploy import LocalDeployment

    stopped = LocalDeployment().down(timeout=timeout, with_db=with_db)
    out.print(f"stopped: {', '.join(stopped)}" if stopped else "no Airflow component was running")
    if with_db:
        out.print(
            "embedded PostgreSQL stopped" if not settings().warehouse_url else "WAREHOUSE_URL is not ours to stop"
        )
    elif not settings().warehouse_url:
        out.print(
            "The embedded PostgreSQL is still running (warehouse and Airflow metadata); "
            "`reform-etl db stop` or `airflow down --with-db` stops it."
        )


@airflow_app.command("status")
def airflow_status(as_json: JsonOption = False) -> None:
    """Each component's pid and whether it runs, the UI, the DAGs' pause states and last runs."""
    from dataclasses import asdict

    from .airflow_deploy import LocalDeployment

    deployment = LocalDeployment()
    if not deployment.config_file.exists():
        out.print("the local deployment has never been started: `reform-etl airflow up`")
        raise typer.Exit(1)
    state = deployment.status()
    if as_json:
        out.print_json(json.dumps(asdict(state) | {"admin_password": deployment.admin_password}, default=str))
    else:
        _print_deployment(deployment, state)
    if not state.running:
        raise typer.Exit(1)


def _print_deployment(deployment: LocalDeployment, state: DeploymentStatus) -> None:
    table = Table("component", "pid", "alive")
    for component in state.components:
        table.add_row(component.name, str(component.pid or "-"), "yes" if component.alive else "[red]no[/]")
    out.print(table)
    out.print(f"UI: {state.url}  user admin, password {deployment.admin_password}")
    out.print(f"(the password is kept in {deployment.config_file}, readable by you only)")
    for dag_id, paused in state.paused.items():
        run = state.last_runs.get(dag_id)
        last = f"{run['run_type']} {run['state']} at {run.get('run_after')}" if run else "no run yet"
        out.print(f"{dag_id}: {'paused' if paused else 'active'}; last run: {last}")


@gx_app.command("sync")
def expectations_sync() -> None:
    """Rewrite expectations/gx from the suites defined in reform_etl.validation."""
    from .validation import sync_context

    out.print(f"Great Expectations context written to {sync_context()}")


@app.command()
def demo(
    landing: LandingOption = None,
    fresh: Annotated[bool, typer.Option(help="Regenerate the sample exports even if some exist.")] = False,
) -> None:
    """What [bold]make run[/] does: sample exports -> Airflow DAG reform_pipeline -> marts -> report."""
    from .airflow_local import run_pipeline_dag

    landing = (landing or settings().landing_dir).resolve()
    if fresh or not any(landing.glob("*/*")):
        from .samples import write_samples

        count = write_samples(landing)
        out.print(f"Generated {count} sample export files under {landing}")
    url = _url()
    out.print(f"Warehouse: {'WAREHOUSE_URL' if settings().warehouse_url else 'embedded PostgreSQL ' + url}")
    out.print("Running the Airflow DAG reform_pipeline with `airflow dags test` (log: .state/airflow/dags_test.log)…")
    code = run_pipeline_dag(landing)
    if code != 0:
        console.print("[red]error:[/] the DAG run failed; see .state/airflow/dags_test.log")
        raise typer.Exit(EXIT_AIRFLOW)
    _summarise_last_airflow_run(url)


def _summarise_last_airflow_run(url: str) -> None:
    from . import pipeline
    from .warehouse import audit, connect, redact

    with connect(url) as conn:
        row = audit.latest_airflow_run(conn)
    if row is None:
        console.print("[red]error:[/] the DAG finished but recorded no run")
        raise typer.Exit(EXIT_AIRFLOW)
    files = pipeline.file_statuses(url, row[0])
    counts: dict[str, int] = {}
    for f in files:
        counts[f["status"]] = counts.get(f["status"], 0) + 1
    out.print(f"[bold green]DAG run succeeded[/] (run {row[0]}, status {row[1]}).")
    out.print("Files: " + (", ".join(f"{n} {s}" for s, n in sorted(counts.items())) or "none new"))
    marts = pipeline.current_mart_rows(url)
    out.print("Mart rows: " + ", ".join(f"{k} {v}" for k, v in marts.items()))
    out.print(f"Data-quality report: {settings().reports_dir / 'dq' / 'index.html'}")
    out.print(f"Scorecard dashboard: {settings().reports_dir / 'scorecard' / 'index.html'}")
    out.print("Query the marts: psql " + redact(url) + " -c 'select * from marts.fct_dossier_processing limit 5'")  # noqa: S608 - a hint printed for the user, never executed


@app.command("config")
def show_config(as_json: JsonOption = False) -> None:
    """Print the effective settings (environment variables and defaults), secrets masked."""
    rows = settings().effective()
    if as_json:
        out.print_json(json.dumps({variable: value for variable, value, _ in rows}))
        return
    table = Table(title="Effective settings (docs/operations.md explains each)")
    for column in ("variable", "value", "from"):
        table.add_column(column, overflow="fold")
    for variable, value, given in rows:
        table.add_row(variable, value, "environment" if given else "default")
    out.print(table)


def main() -> None:
    # The level is set from REFORM_LOG_LEVEL once the settings are validated.
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    os.environ.setdefault("GX_ANALYTICS_ENABLED", "false")
    os.environ.setdefault("DO_NOT_TRACK", "1")
    import psycopg

    from .warehouse import WarehouseUnavailable

    try:
        app()
    except KeyboardInterrupt:
        console.print("interrupted")
        sys.exit(130)
    except (psycopg.OperationalError, WarehouseUnavailable) as exc:
        # Each file loads in one transaction, so a lost connection leaves nothing partial.
        first_line = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        console.print(
            f"[red]error:[/] lost the connection to the warehouse: {first_line}\n"
            "Nothing partial was kept; run the same command again when the database is back."
        )
        sys.exit(EXIT_WAREHOUSE)


if __name__ == "__main__":
    main()
