"""Write: a file's accepted rows into the warehouse, by the bulk path or a row at a time.

Large CSV files of the kinds validated in SQL stream into ``raw.<kind>`` with the suite
evaluated on the way (:mod:`.bulk`); every other file, and any file the bulk path hands
back, takes the row path: typed rows in chunks, the suite on each chunk
(:mod:`.validate`), then ``COPY`` into raw, or for the kinds validated in SQL into a
staging table the suite runs on first (:func:`reform_etl.validation.load_target`).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date
from typing import Any

import psycopg
from psycopg import sql

from .. import kinds as k
from ..readers import SourceTable
from ..validation import load_target, runs_in_sql
from ..warehouse import raw_columns
from . import bulk
from .normalise import Normaliser
from .validate import Accounting, validate_chunk

# The load's lines keep the logger operators (and tests) already filter a file's ingest by.
log = logging.getLogger("reform_etl.ingest")

CHUNK_ROWS = 20_000
ProgressFn = Callable[[int], None]


@dataclass
class Written:
    """What went into the target, and what the rules after the load need to know of it."""

    rows: int = 0
    sums: dict[str, int] = field(default_factory=dict)  # per summable column, over the rows read
    # The bulk path wrote straight into raw with the suite already run; its rows per
    # (province, period label, period start) feed the volume rule.
    validated: bool = False
    period_counts: list[tuple[str | None, str | None, date | None, int]] | None = None
    # The bulk path's key ranges per province (None: supersession works them out in SQL).
    key_ranges: dict[str, tuple[str, str]] | None = None


def write_rows(
    conn: psycopg.Connection,
    kind: k.Kind,
    table: SourceTable,
    normaliser: Normaliser,
    accounting: Accounting,
    *,
    file_id: int,
    on_rows: ProgressFn | None = None,
) -> Written:
    """Write the file's rows inside the caller's transaction; rejections go to ``normaliser``."""
    columns = [name for name, _ in raw_columns(kind)]
    written = Written()
    rows: Iterator[dict[str, Any]] = normaliser.rows()
    if bulk.eligible(table, kind) and runs_in_sql(kind):
        try:
            result = bulk.load(
                conn,
                kind,
                table,
                normaliser,
                file_id=file_id,
                target=sql.Identifier("raw", kind.name),
                columns=columns,
            )
            written.rows += result.rows_written
            for item in result.outcomes:
                accounting.add_outcome(item)
            rows, written.validated, written.period_counts = iter(()), True, result.period_counts
            written.key_ranges = result.key_ranges
            if on_rows:
                on_rows(normaliser.rows_read)
        except bulk.NotBulkable as exc:
            log.info("%s: row-by-row load (%s)", table.path.name, exc)
    target = sql.Identifier("raw", kind.name) if written.validated else load_target(conn, kind)
    copy_sql = sql.SQL("copy {} ({}) from stdin").format(target, sql.SQL(", ").join(map(sql.Identifier, columns)))
    for chunk in _chunks(rows, CHUNK_ROWS):
        good = validate_chunk(kind, chunk, normaliser, accounting, table.columns)
        for name in kind.summable:
            written.sums[name] = written.sums.get(name, 0) + sum(row.get(name) or 0 for row in chunk)
        with conn.cursor().copy(copy_sql) as copy:
            for row in good:
                copy.write_row([file_id if c == "file_id" else row.get(c) for c in columns])
        written.rows += len(good)
        if on_rows:
            on_rows(normaliser.rows_read)
    return written


def _chunks(rows: Iterable[dict[str, Any]], size: int) -> Iterable[list[dict[str, Any]]]:
    chunk: list[dict[str, Any]] = []
    for row in rows:
        chunk.append(row)
        if len(chunk) >= size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk
