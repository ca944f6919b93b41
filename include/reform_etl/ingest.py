"""Ingest one delivered file: identify, read, normalise, validate, load, account.

A file's rows, its audit row and its validation results are written in one
transaction, so a file is either fully loaded or not at all. Every row read ends up
either in ``raw.<kind>`` or in ``audit.rejected_rows`` and the counts are stored with the
file (``rows_read = rows_loaded + rows_rejected``, enforced by a table constraint).
"""

from __future__ import annotations

import hashlib
import logging
import shutil
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import psycopg
from psycopg import sql

from . import bulk_load
from . import kinds as k
from . import values as v
from .config import settings
from .delivery import Delivery, delivery_of
from .normalise import FileIdentityHint, FileRejected, Normaliser, Rejection, RowWarning
from .periods import identity_from_filename
from .provinces import ProvinceResolver
from .readers import UnreadableFile, open_table
from .validation import ERROR, ExpectationOutcome, check_loaded_file, load_target, runs_in_sql, validate_rows
from .warehouse import raw_columns

log = logging.getLogger(__name__)

CHUNK_ROWS = 20_000
ProgressFn = Callable[[int], None]


@dataclass
class IngestResult:
    path: Path
    kind: str
    status: str  # loaded | rejected | duplicate | unchanged
    file_id: int | None = None
    rows_read: int = 0
    rows_loaded: int = 0
    rows_rejected: int = 0
    warnings: int = 0
    message: str | None = None
    province_code: str | None = None
    period_label: str | None = None

    def as_dict(self) -> dict[str, Any]:
        data = self.__dict__.copy()
        data["path"] = str(self.path)
        return data


@dataclass
class _Accounting:
    outcomes: dict[tuple[str, str], ExpectationOutcome] = field(default_factory=dict)
    rejections: list[Rejection] = field(default_factory=list)
    warnings: list[RowWarning] = field(default_factory=list)

    def add_outcome(self, outcome: ExpectationOutcome) -> None:
        key = (outcome.rule, outcome.column)
        seen = self.outcomes.get(key)
        if seen is None:
            self.outcomes[key] = outcome
        else:
            self.outcomes[key] = ExpectationOutcome(
                expectation=seen.expectation,
                rule=seen.rule,
                column=seen.column,
                severity=seen.severity,
                success=seen.success and outcome.success,
                unexpected_count=seen.unexpected_count + outcome.unexpected_count,
                observed_value=outcome.observed_value if not outcome.success else seen.observed_value,
            )


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def discover(landing: Path) -> list[tuple[Path, str]]:
    """Files under ``landing/<kind>/`` (any depth), in a stable order, with their kind folder."""
    found: list[tuple[Path, str]] = []
    if not landing.is_dir():
        return found
    for folder in sorted(p for p in landing.iterdir() if p.is_dir() and not p.name.startswith((".", "_"))):
        for path in sorted(folder.rglob("*")):
            # Links are listed (and refused by ingest_file) rather than followed or silently skipped.
            if (path.is_file() or path.is_symlink()) and not any(
                part.startswith((".", "_")) for part in path.relative_to(landing).parts
            ):
                found.append((path, folder.name))
    return found


def ingest_file(
    conn: psycopg.Connection,
    path: Path,
    kind_name: str,
    *,
    run_id: str | None = None,
    resolver: ProvinceResolver | None = None,
    on_rows: ProgressFn | None = None,
) -> IngestResult:
    """Ingest one file and return what happened. Never raises for bad input.

    ``conn`` must be in autocommit mode: each file is its own transaction. A file already
    judged (same path, same bytes) is left alone, whatever was decided then, so a scheduled
    rescan of the landing folder records nothing new.
    """
    if not conn.autocommit:
        raise ValueError("ingest_file needs an autocommit connection (one transaction per file)")
    resolver = resolver or ProvinceResolver.default()
    delivery = delivery_of(path)
    refusal = _refuse_unread(path)
    if refusal is not None:
        # Not read, so not hashed: the refusal is tied to this path as it lies there now.
        stat = path.lstat()
        digest = hashlib.sha256(f"unread:{path}:{stat.st_size}:{stat.st_mtime_ns}".encode()).hexdigest()
        with _content_lock(conn, digest):
            judged = _judged(conn, digest, path)
            if judged is not None:
                return IngestResult(path, kind_name, "unchanged", file_id=judged, message="already judged")
            file_id = _record_rejected(
                conn, run_id=run_id, delivery=delivery, digest=digest, size=0, kind=kind_name, message=refusal
            )
        return IngestResult(path, kind_name, "rejected", file_id=file_id, message=refusal)
    digest = sha256_of(path)
    # Identical bytes delivered twice may be ingested by two workers at once: serialise
    # per content so exactly one loads and the other is recorded as its duplicate.
    with _content_lock(conn, digest):
        return _ingest_locked(conn, delivery, kind_name, digest, run_id, resolver, on_rows)


@contextmanager
def _content_lock(conn: psycopg.Connection, digest: str) -> Iterator[None]:
    lock_key = int(digest[:15], 16)
    conn.execute("select pg_advisory_lock(%s)", (lock_key,))
    try:
        yield
    finally:
        conn.execute("select pg_advisory_unlock(%s)", (lock_key,))


def _judged(conn: psycopg.Connection, digest: str, path: Path) -> int | None:
    row = conn.execute(
        "select file_id from audit.file_ingestions where path = %s and sha256 = %s order by file_id limit 1",
        (str(path), digest),
    ).fetchone()
    return None if row is None else int(row[0])


def _ingest_locked(
    conn: psycopg.Connection,
    delivery: Delivery,
    kind_name: str,
    digest: str,
    run_id: str | None,
    resolver: ProvinceResolver,
    on_rows: ProgressFn | None,
) -> IngestResult:
    path = delivery.path
    judged = _judged(conn, digest, path)
    if judged is not None:
        # The same file seen again in the landing folder is not a new delivery.
        return IngestResult(path, kind_name, "unchanged", file_id=judged, message="already ingested")
    size = path.stat().st_size
    # The earliest delivery of these bytes is the one that counts, whichever was seen first.
    first = conn.execute(
        "select file_id, path, delivery_key, kind, status from audit.file_ingestions "
        "where sha256 = %s and status <> 'duplicate' order by delivery_key limit 1",
        (digest,),
    ).fetchone()
    if first is not None:
        first_id, first_path, first_key, first_kind, first_status = first
        if first_key > delivery.key and first_kind == kind_name:
            with conn.transaction():
                _take_over(conn, k.get_kind(kind_name), delivery, first_id, Path(first_path), run_id)
            return IngestResult(
                path,
                kind_name,
                first_status,
                file_id=first_id,
                message=f"delivered before {Path(first_path).name}, which holds the same bytes and is now its duplicate",
            )
        with conn.transaction():
            file_id = _record(
                conn,
                run_id=run_id,
                delivery=delivery,
                digest=digest,
                size=size,
                kind=kind_name,
                status="duplicate",
                message=f"same bytes as file {first_id} ({first_path}); nothing loaded twice",
                duplicate_of=first_id,
            )
        return IngestResult(path, kind_name, "duplicate", file_id=file_id, message=f"duplicate of file {first_id}")

    archive_file(path, digest)
    try:
        return _load(conn, delivery, kind_name, digest, size, run_id, resolver, on_rows)
    except (UnreadableFile, FileRejected, v.ValueProblem, KeyError) as exc:
        message = _file_message(path, exc)
        # Rows already read when the file was refused count as rejected, with their own
        # reasons kept, so the accounting still adds up.
        normaliser: Normaliser | None = getattr(exc, "normaliser", None)
        rows_read = normaliser.rows_read if normaliser else 0
        row_reasons = normaliser.rejections if normaliser else []
        file_id = _record_rejected(
            conn,
            run_id=run_id,
            delivery=delivery,
            digest=digest,
            size=size,
            kind=kind_name,
            message=message,
            rows_read=rows_read,
            row_reasons=row_reasons,
        )
        return IngestResult(
            path,
            kind_name,
            "rejected",
            file_id=file_id,
            rows_read=rows_read,
            rows_rejected=rows_read,
            message=message,
        )


def _take_over(
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
    assert old is not None
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
        _supersede(conn, kind, first_id, provinces=None if province in (None, "VN") else {province}, moved=True)


def _record_rejected(
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
        file_id = _record(
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
        _write_rejections(conn, file_id, [*(row_reasons or []), Rejection(None, None, None, message)])
    return file_id


def _refuse_unread(path: Path) -> str | None:
    """Reasons to refuse a file without reading its bytes."""
    if path.is_symlink():
        return (
            f"{path.name}: is a symbolic link; copy the file itself into the landing folder "
            "(links are not followed, so nothing outside the landing folder is ever read)"
        )
    size = path.stat().st_size
    limit = settings().max_file_bytes
    if size > limit:
        return (
            f"{path.name}: is {size / 2**20:,.0f} MB, larger than the {limit / 2**20:,.0f} MB limit for one delivery; "
            "split it by month or province (or raise REFORM_MAX_FILE_BYTES)"
        )
    return None


def _file_message(path: Path, exc: BaseException) -> str:
    text = str(exc).strip("'\"") if isinstance(exc, KeyError) else str(exc)
    return text if path.name in text else f"{path.name}: {text}"


def _hint(path: Path, kind: k.Kind) -> FileIdentityHint:
    identity = identity_from_filename(path.name)
    hint = FileIdentityHint(province_token=identity.province_token, period=identity.period)
    if kind.name == k.INDEX_SCORES.name:
        if identity.period is not None:
            hint.year = identity.period.start.year
        for token in path.stem.replace("-", "_").split("_")[2:]:
            try:
                hint.index_code = v.parse_index_code(token)
            except v.ValueProblem:
                continue
            if hint.index_code:
                break
    return hint


def _load(
    conn: psycopg.Connection,
    delivery: Delivery,
    kind_name: str,
    digest: str,
    size: int,
    run_id: str | None,
    resolver: ProvinceResolver,
    on_rows: ProgressFn | None,
) -> IngestResult:
    kind = k.get_kind(kind_name)
    table = open_table(delivery.path, kind)
    normaliser = Normaliser(kind, table, _hint(delivery.path, kind), resolver)
    try:
        return _load_rows(conn, delivery, kind, table, normaliser, digest, size, run_id, on_rows)
    except FileRejected as exc:
        exc.normaliser = normaliser  # type: ignore[attr-defined]
        raise


def _load_rows(
    conn: psycopg.Connection,
    delivery: Delivery,
    kind: k.Kind,
    table: Any,
    normaliser: Normaliser,
    digest: str,
    size: int,
    run_id: str | None,
    on_rows: ProgressFn | None,
) -> IngestResult:
    path = delivery.path
    accounting = _Accounting()
    limit = settings().reject_share_limit
    columns = [name for name, _ in raw_columns(kind)]

    with conn.transaction():
        file_id = _record(
            conn,
            run_id=run_id,
            delivery=delivery,
            digest=digest,
            size=size,
            kind=kind.name,
            status="loaded",
            message=None,
            fmt=table.format,
            encoding=table.encoding,
            sheet=table.sheet,
        )
        loaded = 0
        sums: dict[str, int] = {}
        rows = normaliser.rows()
        # Large files of the kinds validated in SQL stream into raw with the suite evaluated
        # on the way (bulk_load); everything else takes the row path below.
        validated = False
        if bulk_load.eligible(table, kind) and runs_in_sql(kind):
            try:
                bulk = bulk_load.load(
                    conn,
                    kind,
                    table,
                    normaliser,
                    file_id=file_id,
                    target=sql.Identifier("raw", kind.name),
                    columns=columns,
                )
                loaded += bulk.rows_written
                for item in bulk.outcomes:
                    accounting.add_outcome(item)
                rows, validated = iter(()), True
                if on_rows:
                    on_rows(normaliser.rows_read)
            except bulk_load.NotBulkable as exc:
                log.info("%s: row-by-row load (%s)", path.name, exc)
        # raw.<kind>, or for kinds validated in SQL a staging table the suite runs on first.
        target = sql.Identifier("raw", kind.name) if validated else load_target(conn, kind)
        copy_sql = sql.SQL("copy {} ({}) from stdin").format(target, sql.SQL(", ").join(map(sql.Identifier, columns)))
        for chunk in _chunks(rows, CHUNK_ROWS):
            outcome = validate_rows(kind, chunk, labels=table.columns)
            for item in outcome.outcomes:
                accounting.add_outcome(item)
            bad_rows: set[int] = set()
            for finding in outcome.findings:
                if finding.severity == ERROR:
                    normaliser.reject(finding.source_row, finding.column, finding.raw_value, finding.message)
                    bad_rows.add(finding.source_row)
                else:
                    normaliser.warn(
                        finding.source_row, finding.column, finding.raw_value, finding.rule, finding.message
                    )
            good = [row for row in chunk if row["source_row"] not in bad_rows]
            for name in kind.summable:
                sums[name] = sums.get(name, 0) + sum(row.get(name) or 0 for row in chunk)
            with conn.cursor().copy(copy_sql) as copy:
                for row in good:
                    copy.write_row([file_id if c == "file_id" else row.get(c) for c in columns])
            loaded += len(good)
            if on_rows:
                on_rows(normaliser.rows_read)
        # Rules over the whole file or the warehouse's history (and, for the large kinds on
        # the row path, the suite as SQL on the staged rows, which moves the rows it accepts
        # into raw; the bulk path already ran it while streaming).
        after = check_loaded_file(
            conn,
            kind,
            file_id,
            normaliser,
            labels=table.columns,
            total_rows=table.total_rows,
            sums=sums,
            validated=validated,
            period_counts=bulk.period_counts if validated else None,
        )
        for item in after.outcomes:
            accounting.add_outcome(item)
        loaded -= after.rows_removed
        rows_read = normaliser.rows_read
        rows_rejected = len(normaliser.rejected_rows)
        if rows_read == 0:
            raise FileRejected("the file has a header but no data rows")
        if rows_read and rows_rejected / rows_read > limit:
            raise FileRejected(
                f"{rows_rejected} of {rows_read} rows were rejected ({rows_rejected / rows_read:.0%}), more than "
                f"the {limit:.0%} a file may lose; nothing from it was loaded. The rejected rows say why."
            )
        province, period = _file_identity(normaliser)
        conn.execute(
            "update audit.file_ingestions set rows_read=%s, rows_loaded=%s, rows_rejected=%s, warnings=%s, "
            "province_code=%s, period_label=%s, loaded_at=now() where file_id=%s",
            (rows_read, loaded, rows_rejected, len(normaliser.warnings), province, period, file_id),
        )
        _write_rejections(conn, file_id, normaliser.rejections)
        _write_warnings(conn, file_id, normaliser.warnings)
        _write_outcomes(conn, file_id, run_id, kind.name, accounting.outcomes.values())
        supersedes = _supersede(conn, kind, file_id, provinces=normaliser.provinces_seen)
    return IngestResult(
        path,
        kind.name,
        "loaded",
        file_id=file_id,
        rows_read=rows_read,
        rows_loaded=loaded,
        rows_rejected=rows_rejected,
        warnings=len(normaliser.warnings),
        province_code=province,
        period_label=period,
        message=f"supersedes file {supersedes}" if supersedes else None,
    )


def _file_identity(normaliser: Normaliser) -> tuple[str | None, str | None]:
    provinces = normaliser.provinces_seen
    periods = normaliser.periods_seen
    province = next(iter(provinces)) if len(provinces) == 1 else ("VN" if provinces else None)
    period = next(iter(periods)) if len(periods) == 1 else (None if not periods else "mixed")
    return province, period


def _chunks(rows: Iterable[dict[str, Any]], size: int) -> Iterable[list[dict[str, Any]]]:
    chunk: list[dict[str, Any]] = []
    for row in rows:
        chunk.append(row)
        if len(chunk) >= size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def _record(
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
    assert row is not None
    return int(row[0])


def _write_rejections(conn: psycopg.Connection, file_id: int, rejections: list[Rejection]) -> None:
    with conn.cursor().copy(
        "copy audit.rejected_rows (file_id, source_row, column_name, raw_value, reason) from stdin"
    ) as copy:
        for r in rejections:
            copy.write_row((file_id, r.source_row, r.column, r.raw_value, r.reason))


def _write_warnings(conn: psycopg.Connection, file_id: int, warnings: list[RowWarning]) -> None:
    with conn.cursor().copy(
        "copy audit.row_warnings (file_id, source_row, column_name, raw_value, rule, message) from stdin"
    ) as copy:
        for w in warnings:
            copy.write_row((file_id, w.source_row, w.column, w.raw_value, w.rule, w.message))


def _write_outcomes(
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


def _supersede(
    conn: psycopg.Connection,
    kind: k.Kind,
    file_id: int,
    *,
    provinces: set[str] | None = None,
    moved: bool = False,
) -> int | None:
    """Settle which deliveries sharing a key with this one are superseded (contract §1).

    A delivery is superseded when every one of its rows has its natural key in a delivery
    later in the delivery order (``delivery_key``), whichever of them was loaded first.
    Loads of overlapping keys may run at once and commit in any order, so this last step is
    serialised per kind with an advisory lock (each load sees the rows the other committed)
    and looks both ways: at earlier deliveries this one shadows, and at later ones that may
    already shadow it. ``moved``: the file's place in the delivery order changed (an earlier
    copy of its bytes turned up), so its status may go back to loaded and the
    ``supersedes_file_id`` of the files around it is worked out again.

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
    candidates = _files_of_provinces(conn, kind, file_id, provinces)
    related = _related(conn, kind, file_id, candidates)
    if not related:
        if moved:
            _settle_statuses(conn, kind, [file_id], None)
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
    scope = None if None in touched or "VN" in touched else _files_of_provinces(conn, kind, None, touched)
    if scope is not None:
        scope = sorted({*scope, *involved})
    _settle_statuses(conn, kind, involved, scope)
    return _link_predecessors(conn, kind, file_id, related, candidates, moved=moved)


def _key_columns(kind: k.Kind, alias: str) -> sql.Composable:
    return sql.SQL(", ").join(
        sql.SQL("{}.{}").format(sql.Identifier(alias), sql.Identifier(c)) for c in kind.natural_key
    )


def _within(alias: str, files: list[int] | None) -> sql.Composable:
    if files is None:
        return sql.SQL("true")
    return sql.SQL("{}.file_id = any({}::bigint[])").format(sql.Identifier(alias), sql.Literal(files))


def _related(conn: psycopg.Connection, kind: k.Kind, file_id: int, candidates: list[int] | None) -> list[int]:
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


def _settle_statuses(conn: psycopg.Connection, kind: k.Kind, involved: list[int], scope: list[int] | None) -> None:
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


def _link_predecessors(
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
    keys = dict(
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
            near = _related(conn, kind, other, around)
            near_keys = dict(
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


def _files_of_provinces(
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


def archive_file(path: Path, digest: str) -> Path:
    """Keep the delivered bytes, immutable, under their hash (for tracing a figure back)."""
    target = settings().archive_dir / digest[:2] / f"{digest}{''.join(path.suffixes[-1:]).lower()}"
    if not target.exists():
        target.parent.mkdir(parents=True, exist_ok=True)
        tmp = target.with_suffix(target.suffix + ".part")
        shutil.copyfile(path, tmp)
        tmp.replace(target)
        target.chmod(0o444)
    return target
