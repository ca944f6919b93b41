"""Queries of the ``audit`` schema, grouped by table: every read and write of the audit
trail by the pipeline's modules goes through here, so a change of a table's shape has
one place to look.

Each function takes an open connection and runs in the caller's transaction.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import date, datetime
from typing import Any

import psycopg

from .. import kinds as k

# ---------------------------------------------------------------- audit.pipeline_runs


def open_run(conn: psycopg.Connection, run_id: str, trigger: str, landing_dir: str) -> None:
    """Record a run as started; a run id seen before (an Airflow retry) keeps its first row."""
    conn.execute(
        "insert into audit.pipeline_runs (run_id, trigger, landing_dir) values (%s, %s, %s) "
        "on conflict (run_id) do nothing",
        (run_id, trigger, landing_dir),
    )


def close_run(conn: psycopg.Connection, run_id: str, status: str, files_seen: int, message: str | None) -> None:
    conn.execute(
        "update audit.pipeline_runs set finished_at = now(), status = %s, files_seen = %s, message = %s "
        "where run_id = %s",
        (status, files_seen, message, run_id),
    )


def fail_running_run(conn: psycopg.Connection, run_id: str, message: str) -> None:
    """Mark a run failed unless it already finished (a failure callback after the run closed)."""
    conn.execute(
        "update audit.pipeline_runs set status = 'failed', finished_at = now(), message = %s "
        "where run_id = %s and status = 'running'",
        (message, run_id),
    )


def latest_runs(conn: psycopg.Connection, limit: int = 5) -> list[tuple[Any, ...]]:
    """(run_id, trigger, status, files_seen, started_at, finished_at) of the latest runs, newest first."""
    return conn.execute(
        "select run_id, trigger, status, files_seen, started_at, finished_at from audit.pipeline_runs "
        "order by started_at desc limit %s",
        (limit,),
    ).fetchall()


def latest_airflow_run(conn: psycopg.Connection) -> tuple[str, str] | None:
    """(run_id, status) of the latest run Airflow started."""
    row = conn.execute(
        "select run_id, status from audit.pipeline_runs where trigger = 'airflow' order by started_at desc limit 1"
    ).fetchone()
    return (str(row[0]), str(row[1])) if row else None


# ---------------------------------------------------------------- audit.file_ingestions


def files_of_run(conn: psycopg.Connection, run_id: str) -> list[dict[str, Any]]:
    """What the audit says about the files of one run, in the order they were recorded."""
    cur = conn.execute(
        "select file_id, path, kind, status, rows_read, rows_loaded, rows_rejected, warnings, message "
        "from audit.file_ingestions where run_id = %s order by file_id",
        (run_id,),
    )
    names = [d.name for d in cur.description or []]
    return [dict(zip(names, row, strict=True)) for row in cur.fetchall()]


def status_counts_of_run(conn: psycopg.Connection, run_id: str) -> dict[str, int]:
    """Files of one run per status."""
    rows = conn.execute(
        "select status, count(*) from audit.file_ingestions where run_id = %s group by status", (run_id,)
    ).fetchall()
    return {str(s): int(n) for s, n in rows}


def rows_loaded_by_kind(conn: psycopg.Connection, run_id: str) -> dict[str, int]:
    """Rows one run loaded per kind; kinds with no new rows are absent."""
    rows = conn.execute(
        "select kind, sum(rows_loaded)::bigint from audit.file_ingestions where run_id = %s "
        "and status in ('loaded', 'superseded') group by kind having sum(rows_loaded) > 0 order by kind",
        (run_id,),
    ).fetchall()
    return {str(kind): int(n) for kind, n in rows}


def totals_by_status(conn: psycopg.Connection) -> list[tuple[Any, ...]]:
    """(status, files, rows read, rows loaded, rows rejected) over the whole history."""
    return conn.execute(
        "select status, count(*), sum(rows_read), sum(rows_loaded), sum(rows_rejected) "
        "from audit.file_ingestions group by status order by status"
    ).fetchall()


def seen_paths(conn: psycopg.Connection) -> set[str]:
    """Every landing path the pipeline has recorded, whatever became of it."""
    return {r[0] for r in conn.execute("select path from audit.file_ingestions").fetchall()}


def digests_of_paths(conn: psycopg.Connection, paths: Sequence[str]) -> dict[str, set[str]]:
    """The SHA-256 of every recorded file at each of ``paths`` (a path may have held several)."""
    seen: dict[str, set[str]] = {}
    for path, digest in conn.execute(
        "select path, sha256 from audit.file_ingestions where path = any(%s)", (list(paths),)
    ).fetchall():
        seen.setdefault(path, set()).add(digest)
    return seen


def first_received_at(conn: psycopg.Connection) -> datetime | None:
    """When the first file the warehouse knows of arrived."""
    row = conn.execute("select min(received_at) from audit.file_ingestions").fetchone()
    return row[0] if row else None


def deliveries_for_completeness(conn: psycopg.Connection) -> list[tuple[Any, ...]]:
    """(file_id, kind, status, province_code, period_label, path, received_at, rows_loaded, rows_rejected,
    warnings, message) of every file that was loaded, superseded or rejected, in file order."""
    return conn.execute(
        """
        select file_id, kind, status, province_code, period_label, path, received_at, rows_loaded, rows_rejected,
               warnings, message
        from audit.file_ingestions
        where status in ('loaded', 'superseded', 'rejected') and kind is not null
        order by file_id
        """
    ).fetchall()


def file_for_trace(conn: psycopg.Connection, file_id: int) -> tuple[Any, ...] | None:
    """(file_id, path, sha256, kind, status, rows_read, rows_loaded, rows_rejected, delivered_at,
    supersedes_file_id) of one delivery."""
    return conn.execute(
        "select file_id, path, sha256, kind, status, rows_read, rows_loaded, rows_rejected, delivered_at, "
        "supersedes_file_id from audit.file_ingestions where file_id = %s",
        (file_id,),
    ).fetchone()


def superseded_by(conn: psycopg.Connection, file_id: int) -> list[int]:
    """The deliveries that replaced ``file_id``, in delivery order."""
    return [
        r[0]
        for r in conn.execute(
            "select file_id from audit.file_ingestions where supersedes_file_id = %s order by delivery_key",
            (file_id,),
        ).fetchall()
    ]


# ---------------------------------------------------------------- audit.rejected_rows


def rejected_rows(conn: psycopg.Connection, file_id: int, limit: int) -> list[dict[str, Any]]:
    """The first ``limit`` rejections of a file: whole-file ones (no row) first, then by row."""
    return [
        {"source_row": r[0], "column": r[1], "raw_value": r[2], "reason": r[3]}
        for r in conn.execute(
            "select source_row, column_name, raw_value, reason from audit.rejected_rows where file_id = %s "
            "order by source_row nulls first limit %s",
            (file_id, limit),
        ).fetchall()
    ]


# ---------------------------------------------------------------- audit.dbt_results


def record_dbt_results(
    conn: psycopg.Connection, run_id: str | None, invocation: str, results: Iterable[Sequence[Any]]
) -> None:
    """Append one row per dbt node: (unique_id, resource_type, status, failures, message, execution_time)."""
    with conn.cursor().copy(
        "copy audit.dbt_results (run_id, invocation, unique_id, resource_type, status, failures, message, "
        "execution_time) from stdin"
    ) as copy:
        for node in results:
            copy.write_row((run_id, invocation, *node))


# ---------------------------------------------------------------- audit.task_failures


def record_task_failure(conn: psycopg.Connection, facts: Mapping[str, Any]) -> None:
    """One failed Airflow task: dag_id, task_id, map_index, run_id, try_number, hostname, error_type, error, log_url."""
    conn.execute(
        "insert into audit.task_failures (dag_id, task_id, map_index, run_id, try_number, hostname, "
        "error_type, error, log_url) values (%(dag_id)s, %(task_id)s, %(map_index)s, %(run_id)s, "
        "%(try_number)s, %(hostname)s, %(error_type)s, %(error)s, %(log_url)s)",
        dict(facts),
    )


# ---------------------------------------------------------------- audit.file_period_counts

# Files' rows per province and period, counted from raw (their rows looked up by file_id).
# ``on conflict`` lets two loads that count the same missing delivery (below) both go through.
_COUNT_FROM_RAW_SQL = f"""
insert into audit.file_period_counts (file_id, province_code, period_label, period_start, rows_loaded)
select file_id, province_code, period_label, min(period_start), count(*)
from raw.{k.DOSSIERS.name} where file_id = any(%(files)s)
group by file_id, province_code, period_label
order by file_id, province_code, period_label
on conflict do nothing
"""  # noqa: S608 - the kind name is a constant of kinds.py

# Deliveries in the history without counts: none, unless a loader of an earlier release
# committed a file since (migration 0003 counted those of a warehouse from before the table).
_UNCOUNTED_SQL = f"""
select f.file_id from audit.file_ingestions f
where f.kind = '{k.DOSSIERS.name}' and f.status in ('loaded', 'superseded')
  and not exists (select 1 from audit.file_period_counts c where c.file_id = f.file_id)
order by f.file_id
"""  # noqa: S608 - the kind name is a constant of kinds.py


def _count_uncounted(conn: psycopg.Connection) -> int:
    """Count, from raw, the deliveries that have no counts yet; returns the rows written."""
    missing = [row[0] for row in conn.execute(_UNCOUNTED_SQL).fetchall()]
    if not missing:
        return 0
    return conn.execute(_COUNT_FROM_RAW_SQL, {"files": missing}).rowcount


PeriodCount = tuple[str | None, str | None, date | None, int]  # province, period label, period start, rows


def record_period_counts(conn: psycopg.Connection, file_id: int, counts: Iterable[PeriodCount] | None = None) -> None:
    """Count a file's ``raw.dossiers`` rows per province and period into ``audit.file_period_counts``.

    ``counts`` are the same figures when the loader already has them (the bulk path tallies
    them while streaming), which saves reading the file's rows back.

    Runs inside the file's transaction, once its rows are final, and costs a lookup of the
    file's own rows whatever the warehouse's history. Earlier deliveries found without
    counts are counted too (in file order, so concurrent loads doing the same cannot
    deadlock), which keeps the history the volume rule compares with complete.
    """
    if counts is None:
        conn.execute(_COUNT_FROM_RAW_SQL, {"files": [file_id]})
    else:
        with conn.cursor().copy(
            "copy audit.file_period_counts (file_id, province_code, period_label, period_start, rows_loaded) from stdin"
        ) as copy:
            for province, label, start, rows in sorted(counts, key=lambda c: (c[0] or "", c[1] or "")):
                copy.write_row((file_id, province, label, start, rows))
    _count_uncounted(conn)
