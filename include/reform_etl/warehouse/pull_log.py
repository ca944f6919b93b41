"""Queries of the pull tables (``audit.source_watermarks``, ``source_pulls``, ``source_fetches``).

The order that makes pulls exactly-once is described in :mod:`reform_etl.pull.state`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

import psycopg
from psycopg.types.json import Jsonb

FINAL_STATUSES = ("ok", "empty", "up_to_date", "failed")


@dataclass
class Watermark:
    source_id: str
    last_window_end: date | None = None
    # Position inside an unfinished window: {"window": label, "page": n, "token": ...}.
    cursor: dict[str, Any] | None = None
    # Remote key -> version (ETag, or "size:mtime") of everything already fetched.
    seen: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class FetchRecord:
    remote: str
    version: str | None
    landing_path: str | None
    sha256: str | None
    size_bytes: int | None
    records: int | None


def load(conn: psycopg.Connection, source_id: str) -> Watermark:
    row = conn.execute(
        "select last_window_end, cursor, seen from audit.source_watermarks where source_id = %s", (source_id,)
    ).fetchone()
    if row is None:
        return Watermark(source_id)
    return Watermark(source_id, row[0], row[1], dict(row[2] or {}))


def _save(conn: psycopg.Connection, mark: Watermark) -> None:
    conn.execute(
        "insert into audit.source_watermarks (source_id, last_window_end, cursor, seen, updated_at) "
        "values (%s, %s, %s, %s, now()) on conflict (source_id) do update set "
        "last_window_end = excluded.last_window_end, cursor = excluded.cursor, seen = excluded.seen, "
        "updated_at = now()",
        (
            mark.source_id,
            mark.last_window_end,
            Jsonb(mark.cursor) if mark.cursor is not None else None,
            Jsonb(mark.seen),
        ),
    )


def record_fetch(conn: psycopg.Connection, pull_id: int, mark: Watermark, fetch: FetchRecord) -> None:
    """The fetch and the advanced watermark, atomically (call after the file is in place)."""
    with conn.transaction():
        conn.execute(
            "insert into audit.source_fetches "
            "(pull_id, source_id, remote, version, landing_path, sha256, size_bytes, records) "
            "values (%s, %s, %s, %s, %s, %s, %s, %s)",
            (
                pull_id,
                mark.source_id,
                fetch.remote,
                fetch.version,
                fetch.landing_path,
                fetch.sha256,
                fetch.size_bytes,
                fetch.records,
            ),
        )
        _save(conn, mark)


def start_pull(conn: psycopg.Connection, source_id: str, *, run_id: str | None, **about: str) -> int:
    with conn.transaction():
        row = conn.execute(
            "insert into audit.source_pulls (source_id, run_id, transport, kind, province_code) "
            "values (%s, %s, %s, %s, %s) returning pull_id",
            (source_id, run_id, about.get("transport"), about.get("kind"), about.get("province")),
        ).fetchone()
    if row is None:  # insert ... returning always answers; this narrows the type
        raise RuntimeError("audit.source_pulls returned no pull_id")
    return int(row[0])


def finish_pull(
    conn: psycopg.Connection, pull_id: int, *, status: str, files: int, records: int | None, message: str | None
) -> None:
    if status not in FINAL_STATUSES:
        raise ValueError(f"unknown pull status {status!r}")
    with conn.transaction():
        conn.execute(
            "update audit.source_pulls set finished_at = now(), status = %s, files = %s, records = %s, message = %s "
            "where pull_id = %s",
            (status, files, records, (message or None) and message[:4000], pull_id),
        )


def last_attempts(conn: psycopg.Connection) -> dict[str, dict[str, datetime | None]]:
    """Per source: when it last started any pull, and when it last started one that did not fail."""
    rows = conn.execute(
        "select source_id, max(started_at), max(started_at) filter (where status <> 'failed') "
        "from audit.source_pulls group by source_id"
    ).fetchall()
    return {r[0]: {"any": r[1], "good": r[2]} for r in rows}


def pulls_of_run(conn: psycopg.Connection, run_id: str) -> list[dict[str, Any]]:
    cur = conn.execute(
        "select p.pull_id, p.source_id, p.transport, p.kind, p.province_code, p.status, p.files, p.records, "
        "p.message, p.started_at, p.finished_at, "
        "coalesce((select json_agg(f.landing_path order by f.fetch_id) from audit.source_fetches f "
        "          where f.pull_id = p.pull_id and f.landing_path is not null), '[]'::json) as landing_paths "
        "from audit.source_pulls p where p.run_id = %s order by p.pull_id",
        (run_id,),
    )
    names = [d.name for d in cur.description or []]
    return [dict(zip(names, row, strict=True)) for row in cur.fetchall()]


def latest_pulls(conn: psycopg.Connection) -> list[dict[str, Any]]:
    """The latest pull of every source (for the data-quality report: failed / empty ones)."""
    cur = conn.execute(
        "select distinct on (source_id) source_id, transport, kind, province_code, status, files, message, "
        "started_at, finished_at from audit.source_pulls order by source_id, pull_id desc"
    )
    names = [d.name for d in cur.description or []]
    return [dict(zip(names, row, strict=True)) for row in cur.fetchall()]


def close_interrupted(conn: psycopg.Connection, source_id: str) -> None:
    """Pulls left 'running' by a process that died (the caller holds the source's lock, so none is live)."""
    with conn.transaction():
        conn.execute(
            "update audit.source_pulls set status = 'failed', finished_at = now(), "
            "message = 'interrupted: the process stopped before the pull finished; the next pull resumed it' "
            "where source_id = %s and status = 'running'",
            (source_id,),
        )


def forget_watermark(conn: psycopg.Connection, source_id: str) -> bool:
    """Delete a source's watermark; False when it had none."""
    with conn.transaction():
        cur = conn.execute("delete from audit.source_watermarks where source_id = %s", (source_id,))
    return cur.rowcount > 0
