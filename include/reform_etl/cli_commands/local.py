"""``reform-etl db``, ``airflow``, ``expectations``, ``demo`` and ``config``: the pieces that run on this machine."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Annotated

import typer
from rich.table import Table

from ..config import settings
from .common import EXIT_AIRFLOW, EXIT_WAREHOUSE, JsonOption, LandingOption, console, out, reachable_warehouse_url

if TYPE_CHECKING:  # imported where used, so that a command loads only what it needs
    from ..airflow_deploy import DeploymentStatus, LocalDeployment


def db_start() -> None:
    """Start the embedded PostgreSQL (initialising it on first use) and print its URL."""
    from ..embedded_db import EmbeddedDatabaseError, EmbeddedServer

    if settings().warehouse_url:
        console.print("[yellow]note:[/] WAREHOUSE_URL is set, so the embedded database is not used by runs.")
    try:
        url = EmbeddedServer.default().start()
    except EmbeddedDatabaseError as exc:
        console.print(f"[red]error:[/] {exc}")
        raise typer.Exit(EXIT_WAREHOUSE) from None
    out.print(url)


def db_stop() -> None:
    """Stop the embedded PostgreSQL (its data is kept under .state/pg)."""
    from ..embedded_db import EmbeddedServer

    stopped = EmbeddedServer.default().stop()
    out.print("embedded PostgreSQL stopped" if stopped else "embedded PostgreSQL was not running")


def db_status() -> None:
    """Say whether the embedded PostgreSQL runs, and where."""
    from ..embedded_db import EmbeddedServer

    server = EmbeddedServer.default()
    if server.is_running():
        out.print(f"running: {server.url()} (data in {server.data_dir})")
    else:
        out.print(f"stopped (data in {server.data_dir})")
        raise typer.Exit(1)


def airflow_up(
    slots: Annotated[
        int | None, typer.Option(help="Task slots (executor parallelism and load pool); default 4 on first start.")
    ] = None,
    port: Annotated[int | None, typer.Option(help="UI port on first start (default 8080, or a free one).")] = None,
    timeout: Annotated[float, typer.Option(help="Seconds to wait for the UI and the DAGs.")] = 300,
) -> None:
    """Start the local deployment (or what of it is not running) and print the UI's URL and login."""
    from ..airflow_deploy import DeploymentError, LocalDeployment

    deployment = LocalDeployment(slots=slots, port=port)
    url = reachable_warehouse_url()
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


def airflow_down(
    with_db: Annotated[bool, typer.Option("--with-db", help="Also stop the embedded PostgreSQL.")] = False,
    timeout: Annotated[float, typer.Option(help="Seconds each component has to stop before SIGKILL.")] = 30,
) -> None:
    """Stop the local deployment's components (the embedded database keeps running unless --with-db)."""
    from ..airflow_deploy import LocalDeployment

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


def airflow_status(as_json: JsonOption = False) -> None:
    """Each component's pid and whether it runs, the UI, the DAGs' pause states and last runs."""
    from dataclasses import asdict

    from ..airflow_deploy import LocalDeployment

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


def expectations_sync() -> None:
    """Rewrite expectations/gx from the suites defined in reform_etl.validation."""
    from ..validation import sync_context

    out.print(f"Great Expectations context written to {sync_context()}")


def demo(
    landing: LandingOption = None,
    fresh: Annotated[bool, typer.Option(help="Regenerate the sample exports even if some exist.")] = False,
) -> None:
    """What [bold]make run[/] does: sample exports -> Airflow DAG reform_pipeline -> marts -> report."""
    from ..airflow_local import run_pipeline_dag

    landing = (landing or settings().landing_dir).resolve()
    if fresh or not any(landing.glob("*/*")):
        from ..samples import write_samples

        count = write_samples(landing)
        out.print(f"Generated {count} sample export files under {landing}")
    url = reachable_warehouse_url()
    out.print(f"Warehouse: {'WAREHOUSE_URL' if settings().warehouse_url else 'embedded PostgreSQL ' + url}")
    out.print("Running the Airflow DAG reform_pipeline with `airflow dags test` (log: .state/airflow/dags_test.log)…")
    code = run_pipeline_dag(landing)
    if code != 0:
        console.print("[red]error:[/] the DAG run failed; see .state/airflow/dags_test.log")
        raise typer.Exit(EXIT_AIRFLOW)
    _summarise_last_airflow_run(url)


def _summarise_last_airflow_run(url: str) -> None:
    from .. import pipeline
    from ..warehouse import audit, connect, redact

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
