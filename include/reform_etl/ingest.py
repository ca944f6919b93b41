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
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import psycopg
from psycopg import sql

from . import bulk_load
from . import kinds as k
from . import values as v
from .config import settings
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

    ``conn`` must be in autocommit mode: each file is its own transaction.
    """
    if not conn.autocommit:
        raise ValueError("ingest_file needs an autocommit connection (one transaction per file)")
    resolver = resolver or ProvinceResolver.default()
    refusal = _refuse_unread(path)
    if refusal is not None:
        digest = hashlib.sha256(f"unread:{path}".encode()).hexdigest()
        file_id = _record_rejected(
            conn, run_id=run_id, path=path, digest=digest, size=0, kind=kind_name, message=refusal
        )
        return IngestResult(path, kind_name, "rejected", file_id=file_id, message=refusal)
    digest = sha256_of(path)
    # Identical bytes delivered twice may be ingested by two workers at once: serialise
    # per content so exactly one loads and the other is recorded as its duplicate.
    lock_key = int(digest[:15], 16)
    conn.execute("select pg_advisory_lock(%s)", (lock_key,))
    try:
        return _ingest_locked(conn, path, kind_name, digest, run_id, resolver, on_rows)
    finally:
        conn.execute("select pg_advisory_unlock(%s)", (lock_key,))


def _ingest_locked(
    conn: psycopg.Connection,
    path: Path,
    kind_name: str,
    digest: str,
    run_id: str | None,
    resolver: ProvinceResolver,
    on_rows: ProgressFn | None,
) -> IngestResult:
    size = path.stat().st_size
    previous = conn.execute(
        "select file_id, path from audit.file_ingestions where sha256 = %s and status <> 'duplicate' "
        "order by file_id limit 1",
        (digest,),
    ).fetchone()
    if previous is not None:
        if previous[1] == str(path):
            # The same file seen again in the landing folder is not a new delivery.
            return IngestResult(path, kind_name, "unchanged", file_id=previous[0], message="already ingested")
        with conn.transaction():
            file_id = _record(
                conn,
                run_id=run_id,
                path=path,
                digest=digest,
                size=size,
                kind=kind_name,
                status="duplicate",
                message=f"same bytes as file {previous[0]} ({previous[1]}); nothing loaded twice",
                duplicate_of=previous[0],
            )
        return IngestResult(path, kind_name, "duplicate", file_id=file_id, message=f"duplicate of file {previous[0]}")

    archive_file(path, digest)
    try:
        return _load(conn, path, kind_name, digest, size, run_id, resolver, on_rows)
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
            path=path,
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


def _record_rejected(
    conn: psycopg.Connection,
    *,
    run_id: str | None,
    path: Path,
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
            path=path,
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
    path: Path,
    kind_name: str,
    digest: str,
    size: int,
    run_id: str | None,
    resolver: ProvinceResolver,
    on_rows: ProgressFn | None,
) -> IngestResult:
    kind = k.get_kind(kind_name)
    table = open_table(path, kind)
    normaliser = Normaliser(kind, table, _hint(path, kind), resolver)
    try:
        return _load_rows(conn, path, kind, table, normaliser, digest, size, run_id, on_rows)
    except FileRejected as exc:
        exc.normaliser = normaliser  # type: ignore[attr-defined]
        raise


def _load_rows(
    conn: psycopg.Connection,
    path: Path,
    kind: k.Kind,
    table: Any,
    normaliser: Normaliser,
    digest: str,
    size: int,
    run_id: str | None,
    on_rows: ProgressFn | None,
) -> IngestResult:
    accounting = _Accounting()
    limit = settings().reject_share_limit
    columns = [name for name, _ in raw_columns(kind)]

    with conn.transaction():
        file_id = _record(
            conn,
            run_id=run_id,
            path=path,
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
    path: Path,
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
        "message, duplicate_of_file_id, rows_read, rows_rejected) "
        "values (%s,%s,%s,%s,%s,%s,%s,%s,%s,%s,%s,%s,%s) returning file_id",
        (
            run_id,
            str(path),
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
    conn: psycopg.Connection, kind: k.Kind, file_id: int, *, provinces: set[str] | None = None
) -> int | None:
    """Mark deliveries none of whose rows are current any more (contract §1).

    Loads of overlapping keys may run at once and commit in any order. This last step is
    serialised per kind with an advisory lock, so each load sees the rows the other
    committed, and it looks both ways: at older files this one shadows, and at newer ones
    that may already shadow this file.
    """
    conn.execute("select pg_advisory_xact_lock(hashtext(%s))", (f"reform_etl.supersede.{kind.name}",))
    # The new file's rows are not in raw's statistics yet, so PostgreSQL may take them for a
    # handful and plan a nested loop over two files of 25 000 rows: minutes instead of
    # milliseconds. Hash joins are right for every size here; this lasts to the commit.
    conn.execute("set local enable_nestloop = off")
    table = sql.Identifier("raw", kind.name)
    # Every natural key starts with the province, so only files holding rows of the same
    # provinces can share a key with this one. They are found in the audit trail (small),
    # and the key joins below read only their rows in raw, through the file_id index.
    candidates = _files_of_provinces(conn, kind, file_id, provinces)
    if candidates is not None and not candidates:
        return None

    def keys(alias: str) -> sql.Composable:
        return sql.SQL(", ").join(
            sql.SQL("{}.{}").format(sql.Identifier(alias), sql.Identifier(c)) for c in kind.natural_key
        )

    def within(alias: str, files: list[int] | None) -> sql.Composable:
        if files is None:
            return sql.SQL("true")
        return sql.SQL("{}.file_id = any({}::bigint[])").format(sql.Identifier(alias), sql.Literal(files))

    related = [
        row[0]
        for row in conn.execute(
            sql.SQL(
                "select distinct r.file_id from {t} n join {t} r on ({k_r}) = ({k_n}) "
                "where n.file_id = %(f)s and r.file_id <> %(f)s and {r_in}"
            ).format(t=table, k_r=keys("r"), k_n=keys("n"), r_in=within("r", candidates)),
            {"f": file_id},
        ).fetchall()
    ]
    if not related:
        return None
    # A row stays current unless a later file holds its key; later files sharing a key with
    # the related files are among those of the related files' provinces.
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
    conn.execute(
        sql.SQL(
            "update audit.file_ingestions f set status = 'superseded' where f.file_id = any(%(ids)s) "
            "and f.status = 'loaded' and not exists ("
            "  select 1 from {t} r where r.file_id = f.file_id and not exists ("
            "    select 1 from {t} l where l.file_id > r.file_id and {l_in} and ({k_l}) = ({k_r})))"
        ).format(t=table, k_l=keys("l"), k_r=keys("r"), l_in=within("l", scope)),
        {"ids": involved},
    )
    older = [i for i in related if i < file_id]
    if not older:
        return None
    conn.execute("update audit.file_ingestions set supersedes_file_id = %s where file_id = %s", (max(older), file_id))
    return max(older)


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
