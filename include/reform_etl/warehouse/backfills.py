"""Queries a backfill runs: the archived deliveries it may re-load, and the audit surgery of
replacing them (``audit.backfills`` keeps each old row; references move to the new files).

All run in the backfill's one transaction per province and period (backfill.reprocess_group).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

import psycopg
from psycopg import sql


def archivable_deliveries(conn: psycopg.Connection, kinds: Sequence[str] | None) -> list[dict[str, Any]]:
    """Every loaded, superseded or rejected delivery (of ``kinds``, or all), in delivery order."""
    wanted = list(kinds) if kinds else None
    cur = conn.execute(
        "select file_id, path, sha256, kind, status, province_code, period_label, delivery_key "
        "from audit.file_ingestions "
        "where status in ('loaded', 'superseded', 'rejected') and (%s::text[] is null or kind = any(%s)) "
        "order by delivery_key",
        (wanted, wanted),
    )
    names = [d.name for d in cur.description or []]
    return [dict(zip(names, r, strict=True)) for r in cur.fetchall()]


def lock_deliveries(conn: psycopg.Connection, file_ids: list[int]) -> dict[int, str]:
    """Lock the deliveries' audit rows for the transaction; their SHA-256 by file id (gone ones absent)."""
    return {
        int(r[0]): str(r[1])
        for r in conn.execute(
            "select file_id, sha256 from audit.file_ingestions where file_id = any(%s) for update", (file_ids,)
        ).fetchall()
    }


def keep_old_rows(conn: psycopg.Connection, backfill_run: str, province: str, period: str, file_ids: list[int]) -> None:
    """Copy the deliveries' audit rows, whole, into ``audit.backfills`` before they are replaced."""
    conn.execute(
        "insert into audit.backfills (backfill_run, old_file_id, sha256, kind, province_code, period_label, "
        "old_status, old_row) select %s::text, f.file_id, f.sha256, f.kind, %s::text, %s::text, f.status, to_jsonb(f) "
        "from audit.file_ingestions f where f.file_id = any(%s)",
        (backfill_run, province, period, file_ids),
    )


def detach_references(conn: psycopg.Connection, file_ids: list[int]) -> list[tuple[int, int]]:
    """Clear other files' duplicate-of and supersedes links to ``file_ids``.

    Returns (file_id, duplicate_of_file_id) of the duplicates, to point at the new files later.
    """
    duplicates = conn.execute(
        "select file_id, duplicate_of_file_id from audit.file_ingestions "
        "where duplicate_of_file_id = any(%s) and not (file_id = any(%s))",
        (file_ids, file_ids),
    ).fetchall()
    conn.execute(
        "update audit.file_ingestions set duplicate_of_file_id = null "
        "where duplicate_of_file_id = any(%s) and not (file_id = any(%s))",
        (file_ids, file_ids),
    )
    conn.execute(
        "update audit.file_ingestions set supersedes_file_id = null "
        "where supersedes_file_id = any(%s) and not (file_id = any(%s))",
        (file_ids, file_ids),
    )
    return [(int(f), int(d)) for f, d in duplicates]


def _referencing_columns(conn: psycopg.Connection) -> list[tuple[str, str, str]]:
    """(schema, table, column) of every foreign key to ``audit.file_ingestions`` from another table."""
    return [
        (str(s), str(t), str(c))
        for s, t, c in conn.execute(
            "select n.nspname, r.relname, a.attname from pg_constraint c "
            "join pg_class r on r.oid = c.conrelid join pg_namespace n on n.oid = r.relnamespace "
            "join pg_attribute a on a.attrelid = c.conrelid and a.attnum = c.conkey[1] "
            "where c.contype = 'f' and c.confrelid = 'audit.file_ingestions'::regclass "
            "and c.conrelid <> c.confrelid order by 1, 2, 3"
        ).fetchall()
    ]


def delete_deliveries(conn: psycopg.Connection, file_ids: list[int], kinds: Iterable[str]) -> None:
    """Delete the deliveries: their raw rows, every audit row that refers to them, then their own."""
    for schema, table, column in _referencing_columns(conn):
        conn.execute(
            sql.SQL("delete from {} where {} = any(%s)").format(sql.Identifier(schema, table), sql.Identifier(column)),
            (file_ids,),
        )
    for kind in sorted(set(kinds)):
        conn.execute(sql.SQL("delete from {} where file_id = any(%s)").format(sql.Identifier("raw", kind)), (file_ids,))
    conn.execute("delete from audit.file_ingestions where file_id = any(%s)", (file_ids,))


def restore_identity(conn: psycopg.Connection, file_id: int, path: str, delivery_key: str, note: str) -> None:
    """Give a re-loaded file its original path and place in the delivery order, noting why."""
    conn.execute(
        "update audit.file_ingestions set path = %s, delivery_key = %s, "
        "message = concat_ws(' ', message, %s::text) where file_id = %s",
        (path, delivery_key, note, file_id),
    )


def record_reloaded(conn: psycopg.Connection, backfill_run: str, old_file_id: int, new_file_id: int) -> None:
    conn.execute(
        "update audit.backfills b set new_file_id = %s, new_status = f.status from audit.file_ingestions f "
        "where f.file_id = %s and b.backfill_run = %s and b.old_file_id = %s",
        (new_file_id, new_file_id, backfill_run, old_file_id),
    )


def point_duplicate(conn: psycopg.Connection, file_id: int, duplicate_of: int | None) -> None:
    conn.execute(
        "update audit.file_ingestions set duplicate_of_file_id = %s where file_id = %s", (duplicate_of, file_id)
    )


def settle_statuses(conn: psycopg.Connection, backfill_run: str, new_file_ids: list[int]) -> dict[int, str]:
    """The re-loaded files' final statuses (a later file may have superseded an earlier one), also
    written to ``audit.backfills``."""
    final = {
        int(f): str(s)
        for f, s in conn.execute(
            "select file_id, status from audit.file_ingestions where file_id = any(%s)", (new_file_ids,)
        ).fetchall()
    }
    conn.execute(
        "update audit.backfills b set new_status = f.status from audit.file_ingestions f "
        "where f.file_id = b.new_file_id and b.backfill_run = %s and b.new_file_id = any(%s)",
        (backfill_run, new_file_ids),
    )
    return final


def files_backfilled(conn: psycopg.Connection, backfill_run: str) -> int:
    """Archived files one backfill run re-processed."""
    row = conn.execute("select count(*) from audit.backfills where backfill_run = %s", (backfill_run,)).fetchone()
    return int(row[0]) if row else 0
