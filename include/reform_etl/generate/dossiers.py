"""``dossiers`` exports: one row per dossier for a month, streamed so a large file never sits in memory."""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Iterator
from dataclasses import dataclass

from .common import UNKNOWN_PROVINCE_CODE, GeneratedFile, apportion, column_labels, pick_label
from .context import Context, Job, creation_time
from .faults import finalise
from .formats import FORMAT_EXTENSIONS, Table, write_table
from .geography import Unit
from .procedures import PLACE_NAMES, Procedure, level_text, procedures_for

_DOSSIER_CAMEL_KEYS = {
    "dossier_id": "MaHoSo",
    "procedure_code": "MaTTHC",
    "procedure_name": "TenTTHC",
    "level": "CapThucHien",
    "channel": "KenhThucHien",
    "received_at": "NgayTiepNhan",
    "due_at": "NgayHenTra",
    "completed_at": "NgayKetThucXuLy",
    "field": "TenLinhVuc",
    "agency": "TenDonVi",
    "paid_online": "DuocThanhToanTrucTuyen",
    "status": "TrangThaiHoSo",
}
_DATE_FORMATS = {
    "dmy_hm": "%d/%m/%Y %H:%M",
    "dmy_hms": "%d/%m/%Y %H:%M:%S",
    "dmy_dash": "%d-%m-%Y %H:%M",
    "iso": "%Y-%m-%dT%H:%M:%S",
}
_CHANNEL_LABELS = {
    "truc_tiep": ("Trực tiếp", "1"),
    "truc_tuyen": ("Trực tuyến", "2"),
    "buu_chinh": ("Bưu chính công ích", "3"),
}
MONTH_WEIGHTS = (1.0, 0.75, 1.05, 1.0, 1.0, 1.05, 1.05, 1.05, 1.0, 1.05, 1.05, 1.1)  # Tết in Jan/Feb


@dataclass
class _DossierStyle:
    keys: str  # 'label', 'camel', 'snake'
    date_format: str
    channel_codes: bool
    level_style: str
    with_status: bool
    online_share: float
    late_share: float
    pending_share: float


def _dossier_style(rng: random.Random, fmt: str) -> _DossierStyle:
    keys = rng.choice(("camel", "snake", "label")) if fmt == "jsonl" else "label"
    date_format = "iso" if keys == "camel" else rng.choices(list(_DATE_FORMATS), weights=(75, 10, 5, 10))[0]
    return _DossierStyle(
        keys=keys,
        date_format=date_format,
        channel_codes=keys == "camel" or rng.random() < 0.35,
        level_style="code" if keys == "snake" else rng.choice(("label", "label", "sbn")),
        with_status=rng.random() < 0.4,
        online_share=rng.uniform(0.35, 0.75),
        late_share=rng.uniform(0.01, 0.06),
        pending_share=rng.uniform(0.03, 0.07),
    )


def _dossier_header(rng: random.Random, style: _DossierStyle) -> tuple[list[str], list[str]]:
    names = [
        "dossier_id",
        "procedure_code",
        "procedure_name",
        "level",
        "channel",
        "received_at",
        "due_at",
        "completed_at",
        "field",
        "agency",
        "paid_online",
    ]
    if style.with_status:
        names.append("status")
    if style.keys == "snake":
        return names, names
    if style.keys == "camel":
        return names, [_DOSSIER_CAMEL_KEYS[n] for n in names]
    # Spreadsheet-style exports use Vietnamese labels; the system's CamelCase names are for JSON.
    labels = [pick_label(rng, [x for x in column_labels("dossiers", n) if not x.isascii()]) for n in names]
    return names, labels


def _working_days_after(start: dt.datetime, days: int, cache: dict[tuple[dt.date, int], dt.date]) -> dt.datetime:
    key = (start.date(), days)
    if key not in cache:
        current, added = start.date(), 0
        while added < days:
            current += dt.timedelta(days=1)
            if current.weekday() < 5:
                added += 1
        cache[key] = current
    return dt.datetime.combine(cache[key], start.time())


@dataclass
class _DossierFaultPlan:
    rows: frozenset[int]
    kind: str | None


def _dossier_fault_plan(rng: random.Random, fault: str | None, n: int) -> _DossierFaultPlan:
    if fault in ("bad_date", "duplicate_dossier_id", "district_after_merger"):
        k = min(rng.randint(1, 3), max(1, n - 6))
        return _DossierFaultPlan(frozenset(rng.sample(range(min(6, n - 1), n), k)), fault)
    return _DossierFaultPlan(frozenset(), None)


def _dossier_rows(
    rng: random.Random,
    job: Job,
    style: _DossierStyle,
    procedures: dict[str, list[Procedure]],
    plan: _DossierFaultPlan,
) -> Iterator[list[object]]:
    """Yield the records of one month one by one (never all in memory)."""
    period, unit = job.period, job.place
    days = [period.start + dt.timedelta(days=i) for i in range((period.end - period.start).days + 1)]
    weights = [(1.0, 1.0, 1.0, 1.0, 1.0, 0.2, 0.03)[d.weekday()] * rng.uniform(0.7, 1.3) for d in days]
    level_weights = {"tinh": 0.25, "huyen": 0.25, "xa": 0.5} if not period.post_merger else {"tinh": 0.35, "xa": 0.65}
    levels = [lv for lv in level_weights if procedures.get(lv)]
    cache: dict[tuple[dt.date, int], dt.date] = {}
    first_ids: list[str] = []
    index = 0
    for day, count in zip(days, apportion(rng, job.rows, weights), strict=True):
        seconds = 7.5 * 3600
        step = 9.5 * 3600 / (count + 1)
        for seq in range(1, count + 1):
            seconds = min(seconds + step * rng.uniform(0.3, 1.7), 17.9 * 3600)
            received = dt.datetime.combine(day, dt.time()) + dt.timedelta(minutes=int(seconds // 60))
            level = rng.choices(levels, weights=[level_weights[lv] for lv in levels])[0]
            proc = rng.choice(procedures[level])
            record = _dossier_record(rng, unit, proc, received, seq, style, cache)
            if index in plan.rows:
                _spoil_record(rng, record, plan.kind, first_ids, style)
            if len(first_ids) < 5:
                first_ids.append(str(record["dossier_id"]))
            index += 1
            yield list(record.values())


def _dossier_record(
    rng: random.Random,
    unit: Unit,
    proc: Procedure,
    received: dt.datetime,
    seq: int,
    style: _DossierStyle,
    cache: dict[tuple[dt.date, int], dt.date],
) -> dict[str, object]:
    due = _working_days_after(received, proc.deadline_days, cache).replace(hour=17, minute=0)
    completed: dt.datetime | None = None
    if rng.random() >= style.pending_share:
        if rng.random() < style.late_share:
            late = due + dt.timedelta(minutes=rng.randint(60, 10 * 24 * 60))
            completed = _office_hours(rng, late, due + dt.timedelta(minutes=1), None)
        else:
            completed = _office_hours(rng, received + (due - received) * rng.uniform(0.1, 0.99), received, due)
    online_capable = proc.online_propensity < 0.75
    draw = rng.random()
    channel = (
        "truc_tuyen" if online_capable and draw < style.online_share else ("buu_chinh" if draw > 0.96 else "truc_tiep")
    )
    paid = channel == "truc_tuyen" and proc.has_fee and rng.random() < 0.7
    record: dict[str, object] = {
        "dossier_id": f"H{unit.code}.{proc.agency_no:02d}-{received:%y%m%d}-{seq:04d}",
        "procedure_code": proc.code,
        "procedure_name": proc.name,
        "level": level_text(proc.level, style.level_style),
        "channel": _channel_value(channel, style),
        "received_at": _date_text(received, style),
        "due_at": _date_text(due, style),
        "completed_at": _date_text(completed, style) if completed else ("" if style.keys == "label" else None),
        "field": proc.field_name,
        "agency": _agency(rng, proc, unit),
        "paid_online": paid if style.keys == "camel" else ("có" if paid else "không"),
    }
    if style.with_status:
        record["status"] = "Đang xử lý" if completed is None else rng.choice(("Đã trả kết quả", "Đã xử lý xong"))
    return record


def _office_hours(
    rng: random.Random, moment: dt.datetime, earliest: dt.datetime, latest: dt.datetime | None
) -> dt.datetime:
    """Move a completion time into office hours on its day, within [earliest, latest]."""
    moment = moment.replace(second=0, microsecond=0)
    if 7 <= moment.hour < 18:
        return moment
    shifted = moment.replace(hour=rng.choice((7, 8, 9, 14, 15, 16)), minute=rng.randrange(60))
    if shifted < earliest or (latest is not None and shifted > latest):
        return moment
    return shifted


def _channel_value(channel: str, style: _DossierStyle) -> object:
    label, code = _CHANNEL_LABELS[channel]
    if style.keys == "camel":
        return int(code)
    return code if style.channel_codes else label


def _date_text(value: dt.datetime, style: _DossierStyle) -> str:
    return value.strftime(_DATE_FORMATS[style.date_format])


def _agency(rng: random.Random, proc: Procedure, unit: Unit) -> str:
    place = PLACE_NAMES[(proc.agency_no + rng.randrange(4)) % len(PLACE_NAMES)]
    if proc.level == "tinh":
        return proc.agency
    if proc.level == "huyen":
        return f"UBND huyện {place}"
    return f"UBND {rng.choice(('xã', 'xã', 'phường', 'thị trấn'))} {place}"


def _spoil_record(
    rng: random.Random, record: dict[str, object], fault: str | None, first_ids: list[str], style: _DossierStyle
) -> None:
    if fault == "duplicate_dossier_id" and first_ids:
        record["dossier_id"] = rng.choice(first_ids)
    elif fault == "district_after_merger":
        record["level"] = level_text("huyen", style.level_style)
    elif fault == "bad_date":
        record[rng.choice(("received_at", "due_at"))] = _impossible_date(rng, style)


def _impossible_date(rng: random.Random, style: _DossierStyle) -> str:
    year = 2025
    if style.date_format == "iso":
        return f"{year}-02-{rng.choice((30, 31))}T08:15:00"
    if rng.random() < 0.5:
        return f"31/02/{year} 08:15"
    # Month first: only readable as mm/dd, which the contract never assumes.
    return f"{rng.randint(1, 12):02d}/{rng.randint(13, 28):02d}/{year} 09:40"


def emit_dossiers(ctx: Context, job: Job) -> list[GeneratedFile]:
    unit = job.place
    rng = ctx.rng(job.key)
    faults = ["unknown_province", "duplicate_delivery", "bad_date"]
    if job.rows >= 8:
        faults.append("duplicate_dossier_id")
    if job.period.post_merger:
        faults.append("district_after_merger")
    fault = ctx.draw_fault(job, faults)
    style = _dossier_style(rng, job.fmt)
    names, header = _dossier_header(rng, style)
    by_level: dict[str, list[Procedure]] = {}
    for proc in procedures_for(ctx.seed, job.period.under_34_units):
        by_level.setdefault(proc.level, []).append(proc)
    plan = _dossier_fault_plan(rng, fault, job.rows)
    code = UNKNOWN_PROVINCE_CODE if fault == "unknown_province" else unit.code
    suffix = rng.choice(("", "_nhat_ky_ho_so", "_ho_so_mot_cua", "_dvc"))
    path = ctx.claim(job.kind, f"{code}_{job.period.label}{suffix}.{FORMAT_EXTENSIONS[job.fmt]}")
    rows = _dossier_rows(rng, job, style, by_level, plan)
    write_table(path, job.fmt, Table(header=header, rows=rows), creation_time(job.period))
    return finalise(ctx, job, path, code, fault)
