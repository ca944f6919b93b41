"""What a warehouse holds, in a form two warehouses can be compared by.

Two loads of the same files number their deliveries differently (``file_id`` is given in
commit order), so every file id is replaced by the path of its delivery. What remains must
be equal row for row: the marts, and the fate of each delivered file.
"""

from __future__ import annotations

from typing import Any

import psycopg

# Build bookkeeping rather than content: which build wrote a row.
_BOOKKEEPING = {"batch"}


def _paths(conn: psycopg.Connection) -> dict[int, str]:
    return dict(conn.execute("select file_id, path from audit.file_ingestions").fetchall())


def _table_rows(conn: psycopg.Connection, schema: str, table: str, paths: dict[int, str]) -> list[tuple[Any, ...]]:
    cur = conn.execute(f'select * from "{schema}"."{table}"')
    names = [column.name for column in cur.description or []]
    keep = [i for i, name in enumerate(names) if name not in _BOOKKEEPING]
    lineage = {i for i, name in enumerate(names) if name == "file_id" or name.endswith("_file_id")}
    rows = [tuple(paths.get(row[i], row[i]) if i in lineage else row[i] for i in keep) for row in cur.fetchall()]
    return sorted(rows, key=repr)


def marts(url: str) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of every mart, file ids spelled as paths."""
    with psycopg.connect(url) as conn:
        paths = _paths(conn)
        tables = [
            r[0]
            for r in conn.execute(
                "select table_name from information_schema.tables where table_schema = 'marts' order by 1"
            ).fetchall()
        ]
        return {table: _table_rows(conn, "marts", table, paths) for table in tables}


def statuses(url: str) -> list[tuple[Any, ...]]:
    """One line per delivered file: its status, row accounting and the deliveries it points at."""
    with psycopg.connect(url) as conn:
        return sorted(
            conn.execute(
                "select f.path, f.sha256, f.status, f.rows_read, f.rows_loaded, f.rows_rejected, "
                "s.path as supersedes, d.path as duplicate_of "
                "from audit.file_ingestions f "
                "left join audit.file_ingestions s on s.file_id = f.supersedes_file_id "
                "left join audit.file_ingestions d on d.file_id = f.duplicate_of_file_id"
            ).fetchall(),
            key=repr,
        )


def differences(left: dict[str, list[tuple[Any, ...]]], right: dict[str, list[tuple[Any, ...]]]) -> list[str]:
    """A readable account of where two snapshots differ (empty when they are equal)."""
    out: list[str] = []
    for table in sorted(set(left) | set(right)):
        a, b = left.get(table, []), right.get(table, [])
        if a == b:
            continue
        only_a = [r for r in a if r not in b][:3]
        only_b = [r for r in b if r not in a][:3]
        out.append(f"{table}: {len(a)} vs {len(b)} rows; only left {only_a}; only right {only_b}")
    return out
