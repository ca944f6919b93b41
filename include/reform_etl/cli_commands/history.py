"""``reform-etl status``, ``trace`` and ``backfill``: looking back at what was delivered.

What was loaded and what is missing, which file and rows a figure came from, and a
province's archived deliveries processed again.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from ..config import settings
from .common import JsonOption, LandingOption, console, out, reachable_warehouse_url


def status(landing: LandingOption = None, as_json: JsonOption = False) -> None:
    """Show the last runs, files by status, files waiting in the landing folder, and missing deliveries."""
    from ..ingest import discover
    from ..warehouse import audit, connect

    url = reachable_warehouse_url()
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
    from ..completeness import completeness
    from ..warehouse import connect

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
    from ..trace import TraceError, trace_file, trace_mart

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
    url = reachable_warehouse_url()
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
    from ..backfill import run as run_backfill

    url = reachable_warehouse_url()
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
