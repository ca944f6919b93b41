"""What every ``reform-etl`` subcommand shares: the consoles, exit codes, common options, the warehouse check."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

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


def reachable_warehouse_url() -> str:
    """The warehouse URL once a connection to it worked; otherwise the command ends with exit code 3."""
    from ..embedded_db import EmbeddedDatabaseError, warehouse_url
    from ..warehouse import WarehouseUnavailable, connect

    try:
        url = warehouse_url()
        with connect(url):
            pass
        return url
    except (EmbeddedDatabaseError, WarehouseUnavailable, OSError) as exc:
        console.print(f"[red]error:[/] the warehouse is not reachable: {exc}")
        raise typer.Exit(EXIT_WAREHOUSE) from None
