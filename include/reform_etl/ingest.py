"""Ingest one delivered file: identify, read, normalise, validate, load, account.

A file's rows, its audit row and its validation results are written in one
transaction, so a file is either fully loaded or not at all. Every row read ends up
either in ``raw.<kind>`` or in ``audit.rejected_rows`` and the counts are stored with the
file (``rows_read = rows_loaded + rows_rejected``, enforced by a table constraint).

This module decides what happens to a file (already judged, a duplicate, an earlier copy
of bytes seen before, refused, loaded) and in which transaction; the stages of the load
live in :mod:`reform_etl.load` (read, normalise, validate, write) and its audit trail in
:mod:`reform_etl.warehouse.file_records`.
"""

from __future__ import annotations

import hashlib
import logging
import shutil
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import psycopg

from . import kinds as k
from . import values as v
from .config import settings
from .delivery import Delivery, delivery_of
from .load.normalise import Normaliser
from .load.read import UnreadableFile, identity_hint, open_table, refuse_unread
from .load.types import FileRejected
from .load.validate import Accounting, refuse_if_lost
from .load.write import ProgressFn, write_rows
from .provinces import ProvinceResolver
from .readers import SourceTable
from .validation import check_loaded_file
from .warehouse import file_records

log = logging.getLogger(__name__)

__all__ = ["IngestResult", "ProgressFn", "archive_file", "discover", "ingest_file", "sha256_of"]


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
    refusal = refuse_unread(path)
    if refusal is not None:
        # Not read, so not hashed: the refusal is tied to this path as it lies there now.
        stat = path.lstat()
        digest = hashlib.sha256(f"unread:{path}:{stat.st_size}:{stat.st_mtime_ns}".encode()).hexdigest()
        with _content_lock(conn, digest):
            judged = file_records.judged(conn, digest, path)
            if judged is not None:
                return IngestResult(path, kind_name, "unchanged", file_id=judged, message="already judged")
            file_id = file_records.record_rejected(
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
    judged = file_records.judged(conn, digest, path)
    if judged is not None:
        # The same file seen again in the landing folder is not a new delivery.
        return IngestResult(path, kind_name, "unchanged", file_id=judged, message="already ingested")
    size = path.stat().st_size
    first = file_records.first_delivery(conn, digest)
    if first is not None:
        if first.delivery_key > delivery.key and first.kind == kind_name:
            with conn.transaction():
                file_records.take_over(conn, k.get_kind(kind_name), delivery, first.file_id, first.path, run_id)
            return IngestResult(
                path,
                kind_name,
                first.status,
                file_id=first.file_id,
                message=f"delivered before {first.path.name}, which holds the same bytes and is now its duplicate",
            )
        with conn.transaction():
            file_id = file_records.record(
                conn,
                run_id=run_id,
                delivery=delivery,
                digest=digest,
                size=size,
                kind=kind_name,
                status="duplicate",
                message=f"same bytes as file {first.file_id} ({first.path}); nothing loaded twice",
                duplicate_of=first.file_id,
            )
        return IngestResult(path, kind_name, "duplicate", file_id=file_id, message=f"duplicate of file {first.file_id}")

    archiving = _Archiving(path, digest)
    try:
        return _load(conn, delivery, kind_name, digest, size, run_id, resolver, on_rows, archiving.wait)
    except (UnreadableFile, FileRejected, v.ValueProblem, KeyError) as exc:
        archiving.wait()
        message = _file_message(path, exc)
        # Rows already read when the file was refused count as rejected, with their own
        # reasons kept, so the accounting still adds up.
        normaliser: Normaliser | None = getattr(exc, "normaliser", None)
        rows_read = normaliser.rows_read if normaliser else 0
        row_reasons = normaliser.rejections if normaliser else []
        file_id = file_records.record_rejected(
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
    finally:
        archiving.join()


class _Archiving:
    """The delivered bytes go to the archive in a thread beside the load (the copy is mostly the
    kernel's, so it overlaps the parsing); the load waits for it before it commits, so no file
    is recorded without its archived bytes."""

    def __init__(self, path: Path, digest: str) -> None:
        self._error: BaseException | None = None
        self._thread = threading.Thread(target=self._copy, args=(path, digest), name="archive-file", daemon=True)
        self._thread.start()

    def _copy(self, path: Path, digest: str) -> None:
        try:
            archive_file(path, digest)
        except BaseException as exc:  # noqa: BLE001 - re-raised in the loading thread by wait()
            self._error = exc

    def wait(self) -> None:
        self._thread.join()
        if self._error is not None:
            raise self._error

    def join(self) -> None:
        """Let the copy end before the file's lock is released, whatever happened to the load."""
        self._thread.join()


def _file_message(path: Path, exc: BaseException) -> str:
    text = str(exc).strip("'\"") if isinstance(exc, KeyError) else str(exc)
    return text if path.name in text else f"{path.name}: {text}"


def _load(
    conn: psycopg.Connection,
    delivery: Delivery,
    kind_name: str,
    digest: str,
    size: int,
    run_id: str | None,
    resolver: ProvinceResolver,
    on_rows: ProgressFn | None,
    before_commit: Callable[[], None],
) -> IngestResult:
    kind = k.get_kind(kind_name)
    table = open_table(delivery.path, kind)
    normaliser = Normaliser(kind, table, identity_hint(delivery.path, kind), resolver)
    try:
        return _load_rows(conn, delivery, kind, table, normaliser, digest, size, run_id, on_rows, before_commit)
    except FileRejected as exc:
        exc.normaliser = normaliser
        raise


def _load_rows(
    conn: psycopg.Connection,
    delivery: Delivery,
    kind: k.Kind,
    table: SourceTable,
    normaliser: Normaliser,
    digest: str,
    size: int,
    run_id: str | None,
    on_rows: ProgressFn | None,
    before_commit: Callable[[], None],
) -> IngestResult:
    path = delivery.path
    accounting = Accounting()
    with conn.transaction():
        file_id = file_records.record(
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
        written = write_rows(conn, kind, table, normaliser, accounting, file_id=file_id, on_rows=on_rows)
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
            sums=written.sums,
            validated=written.validated,
            period_counts=written.period_counts,
        )
        for item in after.outcomes:
            accounting.add_outcome(item)
        loaded = written.rows - after.rows_removed
        refuse_if_lost(normaliser, settings().reject_share_limit)
        rows_read = normaliser.rows_read
        rows_rejected = len(normaliser.rejected_rows)
        province, period = normaliser.file_identity()
        file_records.record_loaded(
            conn,
            file_id,
            rows_read=rows_read,
            rows_loaded=loaded,
            rows_rejected=rows_rejected,
            warnings=len(normaliser.warnings),
            province=province,
            period=period,
        )
        file_records.write_rejections(conn, file_id, normaliser.rejections)
        file_records.write_warnings(conn, file_id, normaliser.warnings)
        file_records.write_outcomes(conn, file_id, run_id, kind.name, accounting.outcomes.values())
        supersedes = file_records.supersede(
            conn, kind, file_id, provinces=normaliser.provinces_seen, ranges=written.key_ranges
        )
        before_commit()
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
