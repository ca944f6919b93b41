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

import psycopg

from ..warehouse import migrate
from ..warehouse.pull_log import (
    FINAL_STATUSES,
    FetchRecord,
    Watermark,
    finish_pull,
    forget_watermark,
    last_attempts,
    latest_pulls,
    load,
    pulls_of_run,
    record_fetch,
    start_pull,
)

__all__ = [
    "FINAL_STATUSES",
    "FetchRecord",
    "Watermark",
    "as_json",
    "describe",
    "ensure_tables",
    "finish_pull",
    "last_attempts",
    "latest_pulls",
    "load",
    "pulls_of_run",
    "record_fetch",
    "reset",
    "start_pull",
    "try_lock",
    "unlock",
]


def ensure_tables(conn: psycopg.Connection) -> None:
    """Create the pull tables if needed (the warehouse's migrations); safe on every pull, from parallel tasks."""
    migrate(conn)


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


def reset(conn: psycopg.Connection, source_id: str) -> bool:
    """Forget how far a source was pulled, so the next pull fetches everything again.

    The fetch log stays (it is history); re-fetched files get the same landing names and,
    with the same bytes, ingest records them as unchanged or duplicate, never loaded twice.
    """
    ensure_tables(conn)
    return forget_watermark(conn, source_id)


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
