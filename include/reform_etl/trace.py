"""Trace a mart figure back to the delivered bytes: mart row -> file_id -> archive + source rows.

Table and column names given by a user are only ever looked up in the database's own
catalog and then quoted as identifiers; values travel as query parameters.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from psycopg import sql

from . import warehouse
from .config import settings
from .warehouse import audit


class TraceError(ValueError):
    pass


@dataclass
class FileTrace:
    file_id: int
    path: str
    sha256: str
    kind: str | None
    status: str
    rows_read: int
    rows_loaded: int
    rows_rejected: int
    archived: str | None
    delivered_at: datetime | None = None
    # Neighbours in the delivery order among deliveries sharing a key: the one this delivery
    # follows (and may supersede), and those that follow it.
    follows: int | None = None
    followed_by: list[int] = field(default_factory=list)
    source_rows: list[int] = field(default_factory=list)
    rejected: list[dict[str, Any]] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return dict(self.__dict__)


def archive_path(path: str, digest: str) -> Path:
    suffix = Path(path).suffix.lower()
    return settings().archive_dir / digest[:2] / f"{digest}{suffix}"


def trace_file(url: str, file_id: int, match: dict[str, str] | None = None, *, limit: int = 50) -> FileTrace:
    """What the warehouse knows about one delivery, and which of its rows ``match``."""
    with warehouse.connect(url) as conn:
        row = audit.file_for_trace(conn, file_id)
        if row is None:
            raise TraceError(f"no delivery with file_id {file_id} in audit.file_ingestions")
        found, path, sha256, kind, status, read, loaded, rejected, delivered_at, follows = row
        trace = FileTrace(
            found, path, sha256, kind, status, read, loaded, rejected, None, delivered_at=delivered_at, follows=follows
        )
        trace.followed_by = audit.superseded_by(conn, file_id)
        archived = archive_path(trace.path, trace.sha256)
        trace.archived = str(archived) if archived.exists() else None
        if trace.kind and trace.status in ("loaded", "superseded"):
            table = ("raw", trace.kind)
            columns = _columns(conn, *table)
            filters = {k: v for k, v in (match or {}).items() if k in columns}
            condition = sql.SQL(" and ").join(
                [sql.SQL("file_id = %(file_id)s")]
                + [
                    sql.SQL("{}::text = %({})s").format(sql.Identifier(k), sql.SQL(f"p{i}"))
                    for i, k in enumerate(filters)
                ]
            )
            params: dict[str, Any] = {"file_id": file_id} | {f"p{i}": v for i, v in enumerate(filters.values())}
            trace.source_rows = [
                r[0]
                for r in conn.execute(
                    sql.SQL("select source_row from {} where {} order by source_row limit {}").format(
                        sql.Identifier(*table), condition, sql.Literal(limit)
                    ),
                    params,
                ).fetchall()
            ]
        trace.rejected = audit.rejected_rows(conn, file_id, limit)
    return trace


def trace_mart(
    url: str, table: str, filters: dict[str, str], *, limit: int = 20
) -> list[tuple[dict[str, Any], FileTrace]]:
    """Mart rows matching ``filters`` and, for each, the delivery its figures come from."""
    with warehouse.connect(url) as conn:
        columns = _columns(conn, "marts", table)
        if not columns:
            raise TraceError(f"marts.{table} does not exist")
        if "file_id" not in columns:
            raise TraceError(f"marts.{table} has no file_id column to trace; trace one of its sources instead")
        unknown = sorted(set(filters) - set(columns))
        if unknown:
            raise TraceError(f"marts.{table} has no column(s) {', '.join(unknown)}; columns: {', '.join(columns)}")
        condition = sql.SQL(" and ").join(
            [sql.SQL("true")]
            + [sql.SQL("{}::text = %({})s").format(sql.Identifier(k), sql.SQL(f"p{i}")) for i, k in enumerate(filters)]
        )
        cur = conn.execute(
            sql.SQL("select * from {} where {} limit {}").format(
                sql.Identifier("marts", table), condition, sql.Literal(limit)
            ),
            {f"p{i}": v for i, v in enumerate(filters.values())},
        )
        names = [d.name for d in cur.description or []]
        rows = [dict(zip(names, r, strict=True)) for r in cur.fetchall()]
    out = []
    for mart_row in rows:
        if mart_row.get("file_id") is None:
            continue
        keys = {
            k: str(v)
            for k, v in mart_row.items()
            if k in ("province_code", "period_label", "level", "year", "index_code", "component_code", "procedure_code")
            and v is not None
        }
        out.append((mart_row, trace_file(url, int(mart_row["file_id"]), keys)))
    return out


def _columns(conn: Any, schema: str, table: str) -> list[str]:
    return [
        r[0]
        for r in conn.execute(
            "select column_name from information_schema.columns where table_schema = %s and table_name = %s "
            "order by ordinal_position",
            (schema, table),
        ).fetchall()
    ]
