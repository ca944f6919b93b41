"""Pull sources into the landing folder: one source at a time, each on its own.

For every item a transport lists: fetch into ``landing/.pulling/<source>/``, place it
atomically under ``landing/<kind>/``, then record the fetch and the advanced watermark in
one transaction. A source that fails is recorded as failed and the others go on; a
source that brought nothing although data was expected is recorded as ``empty`` so the
data-quality report and the DAG summary can list it.
"""

from __future__ import annotations

import hashlib
import logging
import time
from collections import deque
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

from .. import warehouse
from ..warehouse import pull_log
from . import state
from .base import NotReady, PullError, Transport, clear_tmp, landing_name, place, tmp_dir
from .credentials import ConnectionLookup, CredentialsError, resolve
from .registry import Registry, Source, load_registry

log = logging.getLogger(__name__)

# A source whose pull failed is tried again on the next DAG run after this long, not at
# every tick (a broken provincial server should not be hammered every few minutes).
RETRY_FAILED_AFTER = timedelta(hours=1)
VIETNAM = timezone(timedelta(hours=7), "ICT")


@dataclass
class PullResult:
    source_id: str
    transport: str
    kind: str
    province: str
    status: str  # ok | empty | up_to_date | failed
    files: list[str] = field(default_factory=list)
    records: int | None = None
    message: str | None = None
    pull_id: int | None = None
    seconds: float = 0.0

    @property
    def failed(self) -> bool:
        return self.status == "failed"

    def as_dict(self) -> dict[str, Any]:
        return dict(self.__dict__)


def sha256_of(path: Path) -> str:
    # The ingest layer's identity, computed here too so the fetch log can be joined to it.
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def open_transport(source: Source, secrets: Any, *, now: datetime | None = None) -> Transport:
    """The transport module is imported only when a source of its kind is pulled."""
    if source.transport == "http":
        from .http import HttpTransport

        return HttpTransport(source, secrets, now=now)
    if source.transport == "sftp":
        from .sftp import SftpTransport

        return SftpTransport(source, secrets, now=now)
    if source.transport == "s3":
        from .s3 import S3Transport

        return S3Transport(source, secrets, now=now)
    raise ValueError(f"unknown transport {source.transport!r}")


def pull_source(
    url: str,
    source: Source,
    landing: Path,
    *,
    lookup: ConnectionLookup | None = None,
    run_id: str | None = None,
    now: datetime | None = None,
    on_placed: Callable[[Path], None] | None = None,
) -> PullResult:
    """Pull what is new from one source; never raises for the source's own faults.

    ``on_placed`` is called after a file is in place and before it is recorded (progress
    reporting; the tests use it to stop a pull at the worst moment).
    """
    started = time.monotonic()
    landing = Path(landing)
    result = PullResult(source.id, source.transport, source.kind, source.province, "failed")
    with warehouse.connect(url, autocommit=True) as conn:
        state.ensure_tables(conn)
        if not state.try_lock(conn, source.id):
            result.message = f"{source.describe()}: another pull of this source is running; this one was skipped"
            log.warning(result.message)
            return result
        try:
            pull_log.close_interrupted(conn, source.id)
            pull_id = state.start_pull(
                conn, source.id, run_id=run_id, transport=source.transport, kind=source.kind, province=source.province
            )
            result.pull_id = pull_id
            notes: list[str] = []
            try:
                _pull(conn, pull_id, source, landing, result, notes, lookup=lookup, now=now, on_placed=on_placed)
            except (PullError, CredentialsError) as exc:
                result.status, result.message = "failed", str(exc)
            except Exception as exc:
                log.exception("%s: unexpected error", source.id)
                result.status = "failed"
                result.message = f"{source.describe()}: unexpected {type(exc).__name__}: {exc}"
            if notes:
                result.message = "; ".join(filter(None, [result.message, *notes]))
            result.seconds = round(time.monotonic() - started, 3)
            state.finish_pull(
                conn,
                pull_id,
                status=result.status,
                files=len(result.files),
                records=result.records,
                message=result.message,
            )
        finally:
            state.unlock(conn, source.id)
    level = logging.WARNING if result.status in ("failed", "empty") else logging.INFO
    log.log(level, "%s: %s, %d file(s). %s", source.id, result.status, len(result.files), result.message or "")
    return result


def _pull(
    conn: Any,
    pull_id: int,
    source: Source,
    landing: Path,
    result: PullResult,
    notes: list[str],
    *,
    lookup: ConnectionLookup | None,
    now: datetime | None,
    on_placed: Callable[[Path], None] | None,
) -> None:
    secrets = resolve(source, lookup)
    with open_transport(source, secrets, now=now) as transport:
        mark = state.load(conn, source.id)
        clear_tmp(landing, source.id)
        scratch = tmp_dir(landing, source.id)
        queue = deque(transport.list_new(mark))
        listed = bool(queue)
        while queue:
            item = queue.popleft()
            tmp = scratch / f"{item.suffix}{item.ext}.part"
            try:
                fetched = transport.fetch(item, tmp)
            except NotReady as exc:
                tmp.unlink(missing_ok=True)
                notes.append(str(exc))
                continue
            placed: Path | None = None
            digest = size = None
            if fetched.path is not None:
                digest, size = sha256_of(fetched.path), fetched.path.stat().st_size
                placed = place(fetched.path, landing, source.kind, landing_name(source, item))
                if on_placed is not None:
                    on_placed(placed)
            mark = transport.advance(mark, item, fetched)
            state.record_fetch(
                conn,
                pull_id,
                mark,
                state.FetchRecord(
                    remote=transport.describe_remote(item),
                    version=item.version,
                    landing_path=str(placed) if placed else None,
                    sha256=digest,
                    size_bytes=size,
                    records=fetched.records,
                ),
            )
            if placed is not None:
                result.files.append(str(placed))
            if fetched.records is not None:
                result.records = (result.records or 0) + fetched.records
            if fetched.next_item is not None:
                queue.appendleft(fetched.next_item)  # finish this window's pages before the next window
        notes.extend(transport.notes)
        if transport.problems:
            result.status = "failed"
            result.message = "; ".join(transport.problems)
        elif result.files:
            result.status = "ok"
        elif source.expect_data and (listed or transport.nothing_new_is_empty):
            result.status = "empty"
            notes.insert(0, f"{source.describe()}: nothing new although data is expected")
        else:
            result.status = "up_to_date"


def pull_all(
    url: str,
    sources: Iterable[Source],
    landing: Path,
    *,
    lookup: ConnectionLookup | None = None,
    run_id: str | None = None,
    now: datetime | None = None,
) -> list[PullResult]:
    """Pull every source in turn; one failing source never stops the others."""
    return [pull_source(url, s, landing, lookup=lookup, run_id=run_id, now=now) for s in sources]


def due_sources(url: str, sources: Iterable[Source], *, now: datetime | None = None) -> list[Source]:
    """Sources whose schedule (Vietnam time) fired since their last pull that did not fail.

    A source whose pull failed after its last fire time waits RETRY_FAILED_AFTER before
    it is due again.
    """
    from croniter import croniter

    now = now or datetime.now(UTC)
    with warehouse.connect(url, autocommit=True) as conn:
        state.ensure_tables(conn)
        attempts = state.last_attempts(conn)
    due = []
    for source in sources:
        last = attempts.get(source.id, {})
        good, anything = last.get("good"), last.get("any")
        if source.schedule == "@once":
            fired = datetime.min.replace(tzinfo=UTC)
        else:
            # Registry crons read like the office's clock: Vietnam time.
            fired = croniter(source.schedule, now.astimezone(VIETNAM)).get_prev(datetime)
        if good is not None and good >= fired:
            continue
        if anything is not None and anything >= fired and anything > now - RETRY_FAILED_AFTER:
            continue  # failed after this fire time, and recently: wait before hammering it again
        due.append(source)
    return due


def pull_command(
    sources_file: Path | str | None, landing: Path | str | None, only: list[str] | None = None
) -> list[PullResult]:
    """``reform-etl pull``: pull the registry's sources now (all, or ``only`` those ids).

    Credentials come from environment variables, or for a connection id from Airflow's
    ``AIRFLOW_CONN_<ID>`` variable. The warehouse is ``WAREHOUSE_URL`` or the embedded one.
    """
    from ..config import settings
    from ..embedded_db import warehouse_url
    from ..pipeline import new_run_id

    registry: Registry = load_registry(sources_file)
    folder = Path(landing) if landing else settings().landing_dir
    return pull_all(warehouse_url(), registry.select(only), folder, run_id=new_run_id("pull"))
