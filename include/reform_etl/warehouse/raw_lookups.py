"""Keeping the lookup of a delivery's rows in ``raw.<kind>`` cheap between autovacuum runs.

The incremental dbt models read the new deliveries' rows through each raw table's BRIN
index on ``file_id``. That index skips only the page ranges it has summarised, and the
planner uses it only once the table has statistics (without them it assumes the worst
correlation and scans the table). Autovacuum provides both, but a minute or more after a big
load, or never on a server that runs without it; until then every routine build read the
whole raw table, a cost that grew with the history (on 1 M rows, 0.1 s of a 1.2 s build).
"""

from __future__ import annotations

import logging
from collections.abc import Iterable

import psycopg
from psycopg import sql

log = logging.getLogger(__name__)


def prepare_file_lookups(conn: psycopg.Connection, kinds: Iterable[str]) -> None:
    """Summarise the page ranges added since the last vacuum and give a table that has never
    been analysed its statistics. Cheap when autovacuum keeps up: the summary covers only
    the new ranges, and ``ANALYZE`` runs only for a table without statistics."""
    for kind in kinds:
        try:
            conn.execute("select brin_summarize_new_values(%s::regclass)", (f"raw.{kind}_file_id_brin",))
            if not _has_statistics(conn, kind):
                conn.execute(sql.SQL("analyze {}").format(sql.Identifier("raw", kind)))
        except psycopg.errors.InsufficientPrivilege:
            # Only the tables' owner may do either; autovacuum still will.
            log.info("raw.%s: not its owner, left to autovacuum", kind)


def _has_statistics(conn: psycopg.Connection, kind: str) -> bool:
    row = conn.execute(
        "select exists (select 1 from pg_stats where schemaname = 'raw' and tablename = %s and attname = 'file_id')",
        (kind,),
    ).fetchone()
    return bool(row and row[0])
