"""How a table becomes a file in each export format, and the mix of formats each kind is drawn from."""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from reform_etl.writers import write_csv, write_json, write_jsonl, write_xlsx

from .common import apportion

FORMAT_EXTENSIONS = {
    "xlsx": "xlsx",
    "xlsx-report": "xlsx",
    "csv-utf8": "csv",
    "csv-utf8-bom": "csv",
    "csv-utf16": "txt",
    "csv-cp1258": "csv",
    "csv-utf8-nfd": "csv",
    "json": "json",
    "jsonl": "jsonl",
}

FORMAT_WEIGHTS: dict[str, dict[str, float]] = {
    "dossier_summary": {
        "xlsx-report": 40,
        "csv-utf8": 8,
        "csv-utf8-bom": 10,
        "csv-utf16": 8,
        "csv-cp1258": 7,
        "csv-utf8-nfd": 2,
        "json": 8,
        "jsonl": 7,
        "xlsx": 10,
    },
    "dossiers": {"csv-utf8": 70, "csv-utf8-bom": 10, "jsonl": 20},
    "online_services": {"xlsx": 40, "xlsx-report": 15, "csv-utf8-bom": 30, "csv-utf8": 15},
    "online_service_summary": {"xlsx": 35, "csv-utf8-bom": 25, "csv-utf16": 10, "json": 30},
}


def format_deck(rng: random.Random, weights: dict[str, float], n: int) -> list[str]:
    """Formats for n files in proportion to weights, each present at least once when n allows."""
    names = sorted(weights)
    deck = names[:] if n >= len(names) else []
    rest = n - len(deck)
    deck += [
        name
        for name, count in zip(names, apportion(rng, rest, [weights[x] for x in names]), strict=True)
        for _ in range(count)
    ]
    rng.shuffle(deck)
    return deck[:n] if n < len(names) else deck


@dataclass
class Table:
    header: list[str]
    rows: Sequence[Sequence[object]] | Iterator[Sequence[object]]
    title_lines: Sequence[str] = ()
    group_header: Sequence[tuple[str, int, int]] = ()
    total_row: Sequence[object] | None = None
    json_wrapper: str | None = None
    hidden_first_sheet: bool = False
    delimiter: str | None = None


def write_table(path: Path, fmt: str, table: Table, created: dt.datetime) -> None:
    if fmt in ("xlsx", "xlsx-report"):
        report = fmt == "xlsx-report"
        write_xlsx(
            path,
            table.header,
            table.rows,
            title_lines=table.title_lines if report else (),
            group_header=table.group_header if report else (),
            total_row=table.total_row,
            hidden_first_sheet=table.hidden_first_sheet,
            created=created,
        )
    elif fmt == "json":
        write_json(path, table.header, table.rows, wrapper=table.json_wrapper)
    elif fmt == "jsonl":
        write_jsonl(path, table.header, table.rows)
    else:
        _write_delimited(path, fmt, table)


# How each delimited format is written: write_csv's keyword arguments.
_DELIMITED: dict[str, dict[str, Any]] = {
    "csv-utf8": {"encoding": "utf-8", "delimiter": ","},
    "csv-utf8-bom": {"encoding": "utf-8", "bom": True, "delimiter": ","},
    "csv-utf16": {"encoding": "utf-16", "delimiter": "\t"},
    "csv-cp1258": {"encoding": "cp1258", "delimiter": ";"},
    "csv-utf8-nfd": {"encoding": "utf-8", "decompose": True, "delimiter": ","},
}


def _write_delimited(path: Path, fmt: str, table: Table) -> None:
    options = _DELIMITED[fmt]
    if table.delimiter and fmt in ("csv-utf8", "csv-utf8-bom"):
        options = {**options, "delimiter": table.delimiter}
    write_csv(path, table.header, table.rows, title_lines=table.title_lines, **options)
