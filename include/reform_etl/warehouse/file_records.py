"""The load's audit trail: every statement on ``audit.*`` that ingesting a file makes.

A delivery's record (``audit.file_ingestions``), the reasons of its rejected rows, its
row warnings and its expectation outcomes, and which deliveries supersede which. Plain
functions on a connection, called inside the caller's transaction; this module takes
only types from the load package, so that the warehouse can own it.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import psycopg
from psycopg import sql

from .. import kinds as k
from ..delivery import Delivery
from ..load.types import Rejection, RowWarning
from ..validation.results import ExpectationOutcome
from . import key_ranges


@dataclass(frozen=True)
class FirstDelivery:
    """The earliest delivery of some bytes that was not itself recorded as a duplicate."""

    file_id: int
    path: Path
    delivery_key: str
    kind: str
    status: str


def judged(conn: psycopg.Connection, digest: str, path: Path) -> int | None:
    row = conn.execute(
        "select file_id from audit.file_ingestions where path = %s and sha256 = %s order by file_id limit 1",
        (str(path), digest),
    ).fetchone()
    return None if row is None else int(row[0])


def first_delivery(conn: psycopg.Connection, digest: str) -> FirstDelivery | None:
    """The earliest delivery of these bytes, which is the one that counts, whichever was seen first."""
    row = conn.execute(
        "select file_id, path, delivery_key, kind, status from audit.file_ingestions "
        "where sha256 = %s and status <> 'duplicate' order by delivery_key limit 1",
        (digest,),
    ).fetchone()
    if row is None:
        return None
    file_id, path, key, kind, status = row
    return FirstDelivery(int(file_id), Path(path), key, kind, status)


def take_over(
    conn: psycopg.Connection, kind: k.Kind, delivery: Delivery, first_id: int, first_path: Path, run_id: str | None
) -> None:
    """An earlier delivery of bytes already judged under a later one: it takes the judged record's place.

    The record (with its rows, rejections and findings) now stands for the earlier delivery,
    and the later path becomes its duplicate, exactly as if the files had been seen in
    delivery order. The rows' place in the delivery order moved back, so which deliveries
    are superseded is settled again for every file sharing a key with them. Each path keeps
    the run that saw it: the record takes this run, so this run reports the kind as changed
    (and Airflow's reform_transform follows), and the duplicate keeps the earlier run.
    """
    old = conn.execute(
        "select delivered_at, delivery_key, run_id from audit.file_ingestions where file_id = %s", (first_id,)
    ).fetchone()
    if old is None:  # the caller holds the content lock, so the record cannot go away
        raise RuntimeError(f"file {first_id} is missing from audit.file_ingestions")
    # Messages name the file they are about.
    conn.execute(
        "update audit.file_ingestions set path = %s, delivered_at = %s, delivery_key = %s, "
        "run_id = coalesce(%s, run_id), message = replace(message, %s, %s) where file_id = %s",
        (
            str(delivery.path),
            delivery.delivered_at,
            delivery.key,
            run_id,
            first_path.name,
            delivery.path.name,
            first_id,
        ),
    )
    conn.execute(
        "update audit.rejected_rows set reason = replace(reason, %s, %s) where file_id = %s",
        (first_path.name, delivery.path.name, first_id),
    )
    conn.execute(
        "insert into audit.file_ingestions (run_id, path, sha256, size_bytes, kind, status, message, "
        "duplicate_of_file_id, delivered_at, delivery_key) "
        "select %s, %s, sha256, size_bytes, kind, 'duplicate', %s, file_id, %s, %s "
        "from audit.file_ingestions where file_id = %s",
        (
            old[2],
            str(first_path),
            f"same bytes as file {first_id} ({delivery.path}); nothing loaded twice",
            old[0],
            old[1],
            first_id,
        ),
    )
    # Duplicates recorded against the later path now name the earlier one.
    conn.execute(
        "update audit.file_ingestions set message = replace(message, %s, %s) "
        "where duplicate_of_file_id = %s and path <> %s",
        (f"({first_path})", f"({delivery.path})", first_id, str(first_path)),
    )
    provinces = conn.execute(
        "select province_code from audit.file_ingestions where file_id = %s and status in ('loaded', 'superseded')",
        (first_id,),
    ).fetchone()
    if provinces is not None:
        province = provinces[0]
        supersede(conn, kind, first_id, provinces=None if province in (None, "VN") else {province}, moved=True)


def record(
    conn: psycopg.Connection,
    *,
    run_id: str | None,
    delivery: Delivery,
    digest: str,
    size: int,
    kind: str,
    status: str,
    message: str | None,
    fmt: str | None = None,
    encoding: str | None = None,
    sheet: str | None = None,
    duplicate_of: int | None = None,
    rows_read: int = 0,
) -> int:
    row = conn.execute(
        "insert into audit.file_ingestions (run_id, path, sha256, size_bytes, kind, format, encoding, sheet, status, "
        "message, duplicate_of_file_id, rows_read, rows_rejected, delivered_at, delivery_key) "
        "values (%s,%s,%s,%s,%s,%s,%s,%s,%s,%s,%s,%s,%s,%s,%s) returning file_id",
        (
            run_id,
            str(delivery.path),
            digest,
            size,
            kind,
            fmt,
            encoding,
            sheet,
            status,
            message,
            duplicate_of,
            rows_read,
            rows_read,
            delivery.delivered_at,
            delivery.key,
        ),
    ).fetchone()
    if row is None:  # insert ... returning always answers; this narrows the type
        raise RuntimeError("audit.file_ingestions returned no file_id")
    return int(row[0])


def record_rejected(
    conn: psycopg.Connection,
    *,
    run_id: str | None,
    delivery: Delivery,
    digest: str,
    size: int,
    kind: str,
    message: str,
    rows_read: int = 0,
    row_reasons: list[Rejection] | None = None,
) -> int:
    """A refused file: its audit row, the reasons of rows already read, and the file's own reason."""
    with conn.transaction():
        file_id = record(
            conn,
            run_id=run_id,
            delivery=delivery,
            digest=digest,
            size=size,
            kind=kind,
            status="rejected",
            message=message,
            rows_read=rows_read,
        )
        write_rejections(conn, file_id, [*(row_reasons or []), Rejection(None, None, None, message)])
    return file_id


def record_loaded(
    conn: psycopg.Connection,
    file_id: int,
    *,
    rows_read: int,
    rows_loaded: int,
    rows_rejected: int,
    warnings: int,
    province: str | None,
    period: str | None,
) -> None:
    """A loaded file's counts and identity, once its rows are in."""
    conn.execute(
        "update audit.file_ingestions set rows_read=%s, rows_loaded=%s, rows_rejected=%s, warnings=%s, "
        "province_code=%s, period_label=%s, loaded_at=now() where file_id=%s",
        (rows_read, rows_loaded, rows_rejected, warnings, province, period, file_id),
    )


def write_rejections(conn: psycopg.Connection, file_id: int, rejections: list[Rejection]) -> None:
    with conn.cursor().copy(
        "copy audit.rejected_rows (file_id, source_row, column_name, raw_value, reason) from stdin"
    ) as copy:
        for r in rejections:
            copy.write_row((file_id, r.source_row, r.column, r.raw_value, r.reason))


def write_warnings(conn: psycopg.Connection, file_id: int, warnings: list[RowWarning]) -> None:
    with conn.cursor().copy(
        "copy audit.row_warnings (file_id, source_row, column_name, raw_value, rule, message) from stdin"
    ) as copy:
        for w in warnings:
            copy.write_row((file_id, w.source_row, w.column, w.raw_value, w.rule, w.message))


def write_outcomes(
    conn: psycopg.Connection, file_id: int, run_id: str | None, suite: str, outcomes: Iterable[ExpectationOutcome]
) -> None:
    with conn.cursor().copy(
        "copy audit.validation_results (run_id, file_id, suite, expectation, column_name, success, severity, "
        "observed_value, unexpected_count) from stdin"
    ) as copy:
        for o in outcomes:
            copy.write_row(
                (
                    run_id,
                    file_id,
                    suite,
                    f"{o.expectation}:{o.rule}",
                    o.column,
                    o.success,
                    o.severity,
                    o.observed_value,
                    o.unexpected_count,
                )
            )


def supersede(
    conn: psycopg.Connection,
    kind: k.Kind,
    file_id: int,
    *,
    provinces: set[str] | None = None,
    moved: bool = False,
    ranges: dict[str, tuple[str, str]] | None = None,
) -> int | None:
    """Settle which deliveries sharing a key with this one are superseded (contract §1).

    A delivery is superseded when every one of its rows has its natural key in a delivery
    later in the delivery order (``delivery_key``), whichever of them was loaded first.
    Loads of overlapping keys may run at once and commit in any order, so this last step is
    serialised per kind with an advisory lock (each load sees the rows the other committed)
    and looks both ways: at earlier deliveries this one shadows, and at later ones that may
    already shadow it. ``moved``: the file's place in the delivery order changed (an earlier
    copy of its bytes turned up), so its status may go back to loaded and the
    ``supersedes_file_id`` of the files around it is worked out again. ``ranges``: the
    file's key ranges as the load saw them stream by (otherwise read back from raw).

    Returns the delivery this one directly follows among those sharing a key with it.
    """
    conn.execute("select pg_advisory_xact_lock(hashtext(%s))", (f"reform_etl.supersede.{kind.name}",))
    # The new file's rows are not in raw's statistics yet, so PostgreSQL may take them for a
    # handful and plan a nested loop over two files of 25 000 rows: minutes instead of
    # milliseconds. Hash joins are right for every size here; this lasts to the commit.
    conn.execute("set local enable_nestloop = off")
    # Every natural key starts with the province, so only files holding rows of the same
    # provinces can share a key with this one. They are found in the audit trail (small),
    # and the key joins below read only their rows in raw, through the file_id index.
    # Of those, only files whose key ranges meet this one's can share a key (key_ranges).
    key_ranges.record(conn, kind, file_id, known=ranges)
    candidates = key_ranges.overlapping(conn, kind, file_id, files_of_provinces(conn, kind, file_id, provinces))
    related = related_files(conn, kind, file_id, candidates)
    if not related:
        if moved:
            settle_statuses(conn, kind, [file_id], None)
            conn.execute("update audit.file_ingestions set supersedes_file_id = null where file_id = %s", (file_id,))
        return None
    # A row stays current unless a later delivery holds its key; later files sharing a key
    # with the related files are among those of the related files' provinces.
    involved = [*related, file_id]
    touched = {
        row[0]
        for row in conn.execute(
            "select distinct province_code from audit.file_ingestions where file_id = any(%s)", (involved,)
        ).fetchall()
    }
    scope = None if None in touched or "VN" in touched else files_of_provinces(conn, kind, None, touched)
    if scope is not None:
        scope = sorted({*scope, *involved})
    settle_statuses(conn, kind, involved, scope)
    return link_predecessors(conn, kind, file_id, related, candidates, moved=moved)


def _key_columns(kind: k.Kind, alias: str) -> sql.Composable:
    return sql.SQL(", ").join(
        sql.SQL("{}.{}").format(sql.Identifier(alias), sql.Identifier(c)) for c in kind.natural_key
    )


def _within(alias: str, files: list[int] | None) -> sql.Composable:
    if files is None:
        return sql.SQL("true")
    return sql.SQL("{}.file_id = any({}::bigint[])").format(sql.Identifier(alias), sql.Literal(files))


def related_files(conn: psycopg.Connection, kind: k.Kind, file_id: int, candidates: list[int] | None) -> list[int]:
    """Other deliveries (among ``candidates``, None: any) holding at least one key of this one's rows."""
    if candidates is not None and not candidates:
        return []
    table = sql.Identifier("raw", kind.name)
    return [
        row[0]
        for row in conn.execute(
            sql.SQL(
                "select distinct r.file_id from {t} n join {t} r on ({k_r}) = ({k_n}) "
                "where n.file_id = %(f)s and r.file_id <> %(f)s and {r_in} order by r.file_id"
            ).format(t=table, k_r=_key_columns(kind, "r"), k_n=_key_columns(kind, "n"), r_in=_within("r", candidates)),
            {"f": file_id},
        ).fetchall()
    ]


def settle_statuses(conn: psycopg.Connection, kind: k.Kind, involved: list[int], scope: list[int] | None) -> None:
    """loaded while at least one row is current, superseded once none is; both ways."""
    table = sql.Identifier("raw", kind.name)
    conn.execute(
        sql.SQL(
            "update audit.file_ingestions f set status = case when exists ("
            "  select 1 from {t} r where r.file_id = f.file_id and not exists ("
            "    select 1 from {t} l join audit.file_ingestions lf on lf.file_id = l.file_id"
            "    where {l_in} and lf.delivery_key > f.delivery_key and lf.status in ('loaded', 'superseded')"
            "      and ({k_l}) = ({k_r}))"
            ") then 'loaded' else 'superseded' end "
            "where f.file_id = any(%(ids)s) and f.status in ('loaded', 'superseded') and f.rows_loaded > 0"
        ).format(t=table, k_l=_key_columns(kind, "l"), k_r=_key_columns(kind, "r"), l_in=_within("l", scope)),
        {"ids": involved},
    )


def link_predecessors(
    conn: psycopg.Connection,
    kind: k.Kind,
    file_id: int,
    related: list[int],
    candidates: list[int] | None,
    *,
    moved: bool,
) -> int | None:
    """``supersedes_file_id``: for each delivery, the latest earlier one sharing a key with it.

    A new delivery can only become the latest earlier one of those after it; a moved one
    may also stop being it, so their links are worked out again from their own keys.
    """
    keys: dict[int, str] = dict(
        conn.execute(
            "select file_id, delivery_key from audit.file_ingestions where file_id = any(%s)", ([*related, file_id],)
        ).fetchall()
    )
    own = keys[file_id]
    earlier = [f for f in related if keys[f] < own]
    before = max(earlier, key=lambda f: keys[f]) if earlier else None
    conn.execute("update audit.file_ingestions set supersedes_file_id = %s where file_id = %s", (before, file_id))
    later = [f for f in related if keys[f] > own]
    if moved:
        # Among the files the others may share a key with is this one.
        around = None if candidates is None else sorted({*candidates, file_id})
        for other in later:
            near = related_files(conn, kind, other, around)
            near_keys: dict[int, str] = dict(
                conn.execute(
                    "select file_id, delivery_key from audit.file_ingestions where file_id = any(%s)", (near,)
                ).fetchall()
            )
            preceding = [f for f in near if near_keys[f] < keys[other]]
            link = max(preceding, key=lambda f: near_keys[f]) if preceding else None
            conn.execute("update audit.file_ingestions set supersedes_file_id = %s where file_id = %s", (link, other))
    elif later:
        conn.execute(
            "update audit.file_ingestions f set supersedes_file_id = %(f)s where f.file_id = any(%(later)s) "
            "and (f.supersedes_file_id is null or (select p.delivery_key from audit.file_ingestions p "
            "where p.file_id = f.supersedes_file_id) < %(key)s)",
            {"f": file_id, "later": later, "key": own},
        )
    return before


def files_of_provinces(
    conn: psycopg.Connection, kind: k.Kind, file_id: int | None, provinces: set[str] | None
) -> list[int] | None:
    """Other files of ``kind`` with rows that may belong to ``provinces``; None when any file may.

    A file of several provinces ('VN') or none recorded may hold any province's rows.
    """
    if not provinces:
        return None
    return [
        row[0]
        for row in conn.execute(
            "select file_id from audit.file_ingestions where kind = %s and file_id <> %s "
            "and rows_loaded > 0 and status not in ('rejected', 'duplicate') "
            "and (province_code is null or province_code = 'VN' or province_code = any(%s)) order by file_id",
            (kind.name, -1 if file_id is None else file_id, sorted(provinces)),
        ).fetchall()
    ]
