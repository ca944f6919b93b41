"""``reform-etl``: the command line over the same library the Airflow DAGs call.

This module builds the command (its groups, the check run before every subcommand, the
order ``--help`` lists them in) and holds ``main``; the subcommands themselves live in
:mod:`reform_etl.cli_commands`.

Exit codes: 0 the pipeline worked (rejected files are data, not failures); 2 bad usage or
a bad setting; 3 the warehouse could not be reached or started; 4 dbt failed; 5 Airflow
run failed.
"""

from __future__ import annotations

import logging
import os
import sys
from typing import Annotated

import typer
from rich.markup import escape

from .cli_commands.build import ingest, report, run, transform
from .cli_commands.common import (
    EXIT_AIRFLOW,
    EXIT_DBT,
    EXIT_USAGE,
    EXIT_WAREHOUSE,
    FullBuildOption,
    JsonOption,
    LandingOption,
    console,
    out,
)
from .cli_commands.history import backfill, status, trace
from .cli_commands.landing import generate, pull
from .cli_commands.local import (
    airflow_down,
    airflow_status,
    airflow_up,
    db_start,
    db_status,
    db_stop,
    demo,
    expectations_sync,
    show_config,
)
from .config import SettingsError, settings

__all__ = [
    "EXIT_AIRFLOW",
    "EXIT_DBT",
    "EXIT_USAGE",
    "EXIT_WAREHOUSE",
    "FullBuildOption",
    "JsonOption",
    "LandingOption",
    "airflow_app",
    "airflow_down",
    "airflow_status",
    "airflow_up",
    "app",
    "backfill",
    "console",
    "db_app",
    "db_start",
    "db_status",
    "db_stop",
    "demo",
    "expectations_sync",
    "generate",
    "gx_app",
    "ingest",
    "main",
    "out",
    "pull",
    "report",
    "run",
    "show_config",
    "status",
    "trace",
    "transform",
]

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


# Registered in the order --help lists them.
app.command()(run)
app.command()(ingest)
app.command()(transform)
app.command()(report)
app.command()(status)
app.command()(generate)
app.command()(trace)
app.command()(pull)
app.command()(backfill)
db_app.command("start")(db_start)
db_app.command("stop")(db_stop)
db_app.command("status")(db_status)
airflow_app.command("up")(airflow_up)
airflow_app.command("down")(airflow_down)
airflow_app.command("status")(airflow_status)
gx_app.command("sync")(expectations_sync)
app.command()(demo)
app.command("config")(show_config)


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
