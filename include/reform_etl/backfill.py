"""Re-process one province and a period (or a range of periods) from the archived raw files.

Why: a reader or validation rule was fixed, or the reference data changed, and the files
a province sent for some periods must go through the pipeline again -- without touching
any other province or period.

How: every file the loader has seen is archived, immutable, under its SHA-256
(``ingest.archive_file``); ``audit.file_ingestions`` says which province and period each
holds. :func:`plan` picks the files of the province whose period lies inside the range
(loaded, superseded and rejected ones; duplicates hold no rows), grouped by period.
:func:`reprocess_group` then, in **one transaction per group**:

1. keeps a copy of each old audit row in ``audit.backfills``;
2. deletes the old files' rows from ``raw.<kind>`` and from every table that references
   ``audit.file_ingestions`` (rejected rows, warnings, validation results, ...);
3. loads the archived bytes again through the normal loader, in the original delivery
   order (so a later re-delivery still supersedes an earlier one), under the original
   file names (which carry the province and period) and paths;
4. points duplicates of the old files at the new ones.

It runs with the login user's rights, not as ``reform_loader``: deleting from the append-only
``raw`` tables is deliberately beyond the loader role.

If anything fails the group is rolled back and the warehouse is as before. A file that was
loaded and would now be rejected also rolls its period back, unless ``accept_rejections``
says that dropping its rows is intended. National
files (``VN_...``) and files spanning several periods are re-processed by asking for
province ``VN``; a province's backfill never touches them.
"""

from __future__ import annotations

import logging
import shutil
import tempfile
from collections.abc import Iterable
from dataclasses import asdict, dataclass
from datetime import date
from pathlib import Path
from typing import Any

from . import kinds as k
from . import warehouse
from .config import settings
from .delivery import Delivery, mark_delivered, micros_of_key
from .ingest import ingest_file
from .periods import identity_from_filename, parse_period
from .provinces import ProvinceResolver
from .values import ValueProblem
from .warehouse import backfills

log = logging.getLogger(__name__)


class BackfillError(RuntimeError):
    pass


@dataclass(frozen=True)
class ArchivedFile:
    file_id: int
    path: str
    sha256: str
    kind: str
    status: str
    province_code: str
    period_label: str
    delivery_key: str

    def archived(self) -> Path:
        """The archived bytes (``ingest.archive_file`` names them by hash and suffix)."""
        folder = settings().archive_dir / self.sha256[:2]
        suffix = "".join(Path(self.path).suffixes[-1:]).lower()
        exact = folder / f"{self.sha256}{suffix}"
        if exact.exists():
            return exact
        for candidate in sorted(folder.glob(f"{self.sha256}*")):
            if not candidate.name.endswith(".part"):
                return candidate
        raise BackfillError(
            f"the archived copy of file {self.file_id} ({self.path}, sha256 {self.sha256[:12]}…) is missing "
            f"under {settings().archive_dir}; restore the archive or leave this period out"
        )


def _code(province: str) -> str:
    text = province.strip()
    return text.zfill(2) if text.isdigit() else text.upper()


def period_bounds(period_from: str, period_to: str | None = None) -> tuple[date, date]:
    """First and last day covered by ``period_from`` .. ``period_to`` (inclusive)."""
    first = parse_period(period_from)
    last = parse_period(period_to) if period_to else first
    if first is None or last is None:
        raise BackfillError("give the period to re-process, e.g. 2022-H1, or a range 2022-01 .. 2022-12")
    if last.end < first.start:
        raise BackfillError(f"the period range {first.label} .. {last.label} ends before it starts")
    return first.start, last.end


def _identity(row: dict[str, Any]) -> tuple[str | None, str | None]:
    """Province and period of an audit row; rejected files only have them in their name."""
    if row["province_code"] and row["period_label"]:
        return row["province_code"], row["period_label"]
    try:
        identity = identity_from_filename(Path(row["path"]).name)
    except ValueProblem:
        return None, None
    token = identity.province_token
    return (_code(token) if token else None), (identity.period.label if identity.period else None)


def plan(
    url: str,
    *,
    province: str,
    period_from: str,
    period_to: str | None = None,
    kinds: Iterable[str] | None = None,
) -> list[dict[str, Any]]:
    """The files to re-process, grouped by period: ``[{province, period, files: [...]}]`` (JSON-able)."""
    code = _code(province)
    lo, hi = period_bounds(period_from, period_to)
    wanted = sorted(set(kinds or [])) or None
    for name in wanted or []:
        k.get_kind(name)  # an unknown kind is an error, not an empty backfill
    with warehouse.connect(url) as conn:
        rows = backfills.archivable_deliveries(conn, wanted)
    groups: dict[str, list[ArchivedFile]] = {}
    for row in rows:
        row_province, row_period = _identity(row)
        if row_province != code or row_period in (None, "mixed"):
            continue
        period = parse_period(row_period)
        if period is None or period.start < lo or period.end > hi:
            continue
        item = ArchivedFile(
            file_id=int(row["file_id"]),
            path=str(row["path"]),
            sha256=str(row["sha256"]),
            kind=str(row["kind"]),
            status=str(row["status"]),
            province_code=code,
            period_label=period.label,
            delivery_key=str(row["delivery_key"]),
        )
        try:
            item.archived()  # fail before anything is deleted when the bytes are gone
        except BackfillError:
            if item.status == "rejected":
                # Refused before it was read (a link, too big): there are no bytes to re-process;
                # the province has to deliver the file again.
                log.warning("file %s (%s) was never archived; skipped", item.file_id, item.path)
                continue
            raise
        groups.setdefault(period.label, []).append(item)
    return [
        {"province": code, "period": label, "files": [asdict(f) for f in files]}
        for label, files in sorted(groups.items())
    ]


def reprocess_group(url: str, group: dict[str, Any], *, run_id: str, accept_rejections: bool = False) -> dict[str, Any]:
    """Re-load one province × period from the archive, all or nothing (see the module docstring)."""
    files = [ArchivedFile(**f) for f in group["files"]]
    if not files:
        return {"province": group["province"], "period": group["period"], "files": []}
    resolver = ProvinceResolver.default()
    outcome: list[dict[str, Any]] = []
    with warehouse.connect(url, autocommit=True) as conn, tempfile.TemporaryDirectory(prefix="backfill-") as tmp:
        warehouse.migrate(conn)  # audit.backfills, on a warehouse from before it
        with conn.transaction():
            # Two backfills of the same group must not interleave.
            conn.execute(
                "select pg_advisory_xact_lock(hashtext(%s))",
                (f"reform_etl.backfill:{group['province']}:{group['period']}",),
            )
            ids = [f.file_id for f in files]
            current = backfills.lock_deliveries(conn, ids)
            files = [f for f in files if current.get(f.file_id) == f.sha256]
            if not files:
                log.info("%s %s: already re-processed, nothing to do", group["province"], group["period"])
                return {"province": group["province"], "period": group["period"], "files": []}
            ids = [f.file_id for f in files]
            backfills.keep_old_rows(conn, run_id, group["province"], group["period"], ids)
            duplicates = backfills.detach_references(conn, ids)
            backfills.delete_deliveries(conn, ids, {f.kind for f in files})

            new_ids: dict[int, int] = {}
            for number, item in enumerate(files):
                # The original name carries province and period; the archive name is a hash.
                staged = Path(tmp) / str(number) / Path(item.path).name
                staged.parent.mkdir()
                # A copy, not a link: the loader refuses links (it never reads outside its folder).
                shutil.copyfile(item.archived(), staged)
                # Re-loaded at its original place in the delivery order, not as a new delivery.
                original = Delivery(Path(item.path), micros_of_key(item.delivery_key))
                mark_delivered(staged, original.delivered_at)
                result = ingest_file(conn, staged, item.kind, run_id=run_id, resolver=resolver)
                if result.file_id is None:
                    raise BackfillError(f"re-loading file {item.file_id} ({item.path}) recorded nothing")
                if result.status == "rejected" and item.status != "rejected" and not accept_rejections:
                    # Rolls the whole period back: rows that were trusted are not dropped silently.
                    raise BackfillError(
                        f"file {item.file_id} ({item.path}) was {item.status} but is now rejected: {result.message}. "
                        "Nothing was changed for this period; fix the cause, or re-run with accept_rejections "
                        "to drop its rows."
                    )
                new_ids[item.file_id] = result.file_id
                backfills.restore_identity(
                    conn,
                    result.file_id,
                    item.path,
                    item.delivery_key,
                    f"[re-processed from the archive by {run_id}; was file {item.file_id}]",
                )
                backfills.record_reloaded(conn, run_id, item.file_id, result.file_id)
                outcome.append(
                    {
                        "old_file_id": item.file_id,
                        "new_file_id": result.file_id,
                        "kind": item.kind,
                        "path": item.path,
                        "old_status": item.status,
                        "status": result.status,
                        "rows_loaded": result.rows_loaded,
                        "rows_rejected": result.rows_rejected,
                    }
                )
            for file_id, old in duplicates:
                backfills.point_duplicate(conn, file_id, new_ids.get(old))
            # A later file of the group may have superseded an earlier one since it loaded.
            final = backfills.settle_statuses(conn, run_id, list(new_ids.values()))
            for line in outcome:
                line["status"] = final.get(line["new_file_id"], line["status"])
    for line in outcome:
        log.info(
            "%s %s: file %s -> %s %s (%s loaded, %s rejected)",
            group["province"],
            group["period"],
            line["old_file_id"],
            line["new_file_id"],
            line["status"],
            line["rows_loaded"],
            line["rows_rejected"],
        )
    return {"province": group["province"], "period": group["period"], "files": outcome}


def run(
    url: str,
    *,
    province: str,
    period_from: str,
    period_to: str | None = None,
    kinds: Iterable[str] | None = None,
    run_id: str | None = None,
    accept_rejections: bool = False,
) -> list[dict[str, Any]]:
    """Plan and re-process every group in turn (the library entry point; the DAG maps the groups)."""
    from .pipeline import finish, new_run_id, prepare

    run_id = run_id or new_run_id("backfill")
    prepare(url, run_id=run_id, trigger="backfill", landing=settings().archive_dir)
    try:
        groups = plan(url, province=province, period_from=period_from, period_to=period_to, kinds=kinds)
        done = [reprocess_group(url, g, run_id=run_id, accept_rejections=accept_rejections) for g in groups]
    except Exception as exc:
        finish(url, run_id=run_id, status="failed", files_seen=0, message=str(exc)[:2000])
        raise
    finish(url, run_id=run_id, status="success", files_seen=sum(len(g["files"]) for g in done))
    return done
