"""``reform-etl generate`` and ``pull``: put exports into the landing folder, made up or fetched from the sources."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from .common import JsonOption, LandingOption, console, out


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
    from ..generate import generate as make

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
    from ..pull.registry import RegistryError
    from ..pull.runner import pull_command

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
