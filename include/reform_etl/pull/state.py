"""Watermarks and the fetch log, kept in the warehouse's audit schema.

Exactly-once rests on one ordering: a file is first placed atomically in the landing
folder, and only then is the fetch recorded *together with* the advanced watermark, in
one transaction. A pull killed before that commit leaves a placed file whose watermark
did not move: the rerun fetches the same item again under the same landing name and
replaces it with the same bytes, so there is no gap and no second copy. The ingest
layer's SHA-256 identity stays the final guard.
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

import psycopg
from psycopg.types.json import Jsonb

DDL = """
create schema if not exists audit;
create table if not exists audit.source_watermarks (
    source_id        text primary key,
    last_window_end  date,
    cursor           jsonb,
    seen             jsonb not null default '{}'::jsonb,
    updated_at       timestamptz not null default now()
);
create table if not exists audit.source_pulls (
    pull_id      bigserial primary key,
    source_id    text not null,
    run_id       text,
    transport    text,
    kind         text,
    province_code text,
    started_at   timestamptz not null default now(),
    finished_at  timestamptz,
    status       text not null default 'running'
                 check (status in ('running','ok','empty','up_to_date','failed')),
    files        integer not null default 0,
    records      bigint,
    message      text
);
create index if not exists source_pulls_source on audit.source_pulls (source_id, started_at);
create table if not exists audit.source_fetches (
    fetch_id      bigserial primary key,
    pull_id       bigint references audit.source_pulls(pull_id),
    source_id     text not null,
    remote        text not null,
    version       text,
    landing_path  text,
    sha256        text,
    size_bytes    bigint,
    records       bigint,
    fetched_at    timestamptz not null default now()
);
create index if not exists source_fetches_source on audit.source_fetches (source_id, fetched_at);
create index if not exists source_fetches_sha256 on audit.source_fetches (sha256);
comment on table audit.source_watermarks is 'Per pulled source: how far it has been pulled (last date window, '
    'the cursor inside an unfinished window, or the remote files/objects already fetched with their version).';
comment on table audit.source_pulls is 'One row per pull of a source: status ok, empty (nothing came although '
    'data was expected), up_to_date, or failed with the reason.';
comment on table audit.source_fetches is 'Every item fetched from a source: remote name (credentials redacted), '
    'version, the landing file it became and its SHA-256 (the ingest identity).';
"""

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


def ensure_tables(conn: psycopg.Connection) -> None:
    """Create the pull tables if needed; safe to call on every pull, from parallel tasks."""
    with conn.transaction():
        conn.execute("select pg_advisory_xact_lock(hashtext('reform_etl.pull.ddl'))")
        conn.execute(DDL)


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


def try_lock(conn: psycopg.Connection, source_id: str, *, wait_seconds: float = 3.0) -> bool:
    """A session lock per source: two pulls of one source at once would race on the watermark.

    Waits a little: the backend of a pull that just ended (or was killed) releases its
    lock only when it notices the closed connection.
    """
    deadline = time.monotonic() + wait_seconds
    while True:
        row = conn.execute("select pg_try_advisory_lock(hashtext('reform_etl.pull:' || %s))", (source_id,)).fetchone()
        if row and row[0]:
            return True
        if time.monotonic() >= deadline:
            return False
        time.sleep(0.1)


def unlock(conn: psycopg.Connection, source_id: str) -> None:
    """Release at once rather than when the server notices the connection closed."""
    try:
        conn.execute("select pg_advisory_unlock(hashtext('reform_etl.pull:' || %s))", (source_id,))
    except psycopg.Error:
        pass  # a lost connection has released the lock already


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


def reset(conn: psycopg.Connection, source_id: str) -> bool:
    """Forget how far a source was pulled, so the next pull fetches everything again.

    The fetch log stays (it is history); re-fetched files get the same landing names and,
    with the same bytes, ingest records them as unchanged or duplicate, never loaded twice.
    """
    ensure_tables(conn)
    with conn.transaction():
        cur = conn.execute("delete from audit.source_watermarks where source_id = %s", (source_id,))
    return cur.rowcount > 0


def describe(mark: Watermark) -> str:
    parts = []
    if mark.last_window_end:
        parts.append(f"windows up to {mark.last_window_end.isoformat()}")
    if mark.cursor:
        parts.append(f"inside window {mark.cursor.get('window')} at page {mark.cursor.get('page')}")
    if mark.seen:
        parts.append(f"{len(mark.seen)} remote files seen")
    return ", ".join(parts) or "never pulled"


def as_json(mark: Watermark) -> str:
    return json.dumps(
        {
            "last_window_end": mark.last_window_end.isoformat() if mark.last_window_end else None,
            "cursor": mark.cursor,
            "seen": len(mark.seen),
        }
    )
