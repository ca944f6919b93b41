"""Which deliveries were expected, and which arrived: the province × kind × period matrix.

The expected-delivery calendar (``expected_deliveries.yml``, or the file named by
``REFORM_EXPECTED_DELIVERIES``) says which province sends which kind for which periods and
how many days after the period ends a delivery is due. Matched against
``audit.file_ingestions`` it gives every cell a status:

- ``delivered`` — loaded, on time, nothing flagged;
- ``warnings`` — loaded on time, with row warnings or rejected rows;
- ``late`` — loaded, but first received after the due date;
- ``rejected`` — only rejected deliveries so far;
- ``missing`` — nothing received and the due date has passed;
- ``pending`` — nothing received yet, not due yet.

A delivery no rule expects (a provincial PAR self-assessment, say) is still listed, with
``expected`` false, so nothing received disappears from the report.
"""

from __future__ import annotations

import csv
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from functools import cache
from pathlib import Path
from typing import Any

import psycopg
import yaml
from psycopg import sql

from . import kinds as k
from . import values as v
from .config import settings
from .periods import Period, identity_from_filename, parse_period, period_containing
from .provinces import MERGER_DATE, ProvinceResolver
from .warehouse import audit

CALENDAR_FILE = Path(__file__).with_name("expected_deliveries.yml")
_REFERENCE = Path(__file__).with_name("reference")
NATIONAL = "VN"

DELIVERED, WARNINGS, LATE, REJECTED, MISSING, PENDING = (
    "delivered",
    "warnings",
    "late",
    "rejected",
    "missing",
    "pending",
)
STATUSES = (DELIVERED, WARNINGS, LATE, REJECTED, MISSING, PENDING)
_GRAINS = ("year", "half", "quarter", "month")


class CalendarError(ValueError):
    """The calendar file says something that cannot be used; the message names the entry."""


@dataclass(frozen=True)
class DeliveryRule:
    kind: str
    accepts: tuple[str, ...]  # the kind itself and the kinds that count as it
    provinces: str | tuple[str, ...]  # 'all' | 'current' | explicit codes ('VN' = national)
    every: str
    first: Period
    until: Period | None
    late_after_days: int
    index: str | None = None
    title_vi: str = ""
    title_en: str = ""

    @property
    def stream(self) -> str:
        return f"{self.kind}:{self.index}" if self.index else self.kind


@dataclass(frozen=True)
class Calendar:
    rules: tuple[DeliveryRule, ...]
    judge_lateness_from: str | date | None = "auto"  # 'auto' | a date | None (always)


@dataclass(frozen=True)
class Stream:
    """A column group of the matrix: a kind (and index) as the calendar names it."""

    id: str
    kind: str
    index: str | None
    title_vi: str
    title_en: str
    expected: bool


@dataclass
class Cell:
    province_code: str
    stream: str
    period_label: str
    period_end: date
    expected: bool
    due: date | None
    status: str = MISSING
    late: bool = False
    delivered_at: datetime | None = None
    files: list[int] = field(default_factory=list)
    rows_loaded: int = 0
    rows_rejected: int = 0
    warnings: int = 0
    messages: list[str] = field(default_factory=list)


@dataclass
class Matrix:
    as_of: date
    streams: list[Stream]
    cells: list[Cell]
    lateness_judged_from: date | None

    def __post_init__(self) -> None:
        self._index = {(c.province_code, c.stream, c.period_label): c for c in self.cells}

    def cell(self, province: str, stream: str, period: str) -> Cell | None:
        return self._index.get((province, stream, period))

    def periods(self, stream: str) -> list[str]:
        ends = {c.period_label: c.period_end for c in self.cells if c.stream == stream}
        return sorted(ends, key=lambda label: (ends[label], label))

    def provinces(self, stream: str | None = None) -> list[str]:
        codes = {c.province_code for c in self.cells if stream is None or c.stream == stream}
        return sorted(codes, key=province_sort_key)

    def latest_due_period(self, stream: str) -> str | None:
        """The most recent period of the stream whose deliveries are already due."""
        due = [c for c in self.cells if c.stream == stream and c.expected and c.due and c.due < self.as_of]
        return max(due, key=lambda c: c.period_end).period_label if due else None

    def not_delivered(self, stream: str, period: str) -> list[Cell]:
        return sorted(
            (
                c
                for c in self.cells
                if c.stream == stream and c.period_label == period and c.expected and c.status in (MISSING, REJECTED)
            ),
            key=lambda c: province_sort_key(c.province_code),
        )


# -- the calendar ------------------------------------------------------------------------


def _period(label: object, grain: str, where: str) -> Period:
    try:
        period = parse_period(str(label))
    except v.ValueProblem as exc:
        raise CalendarError(f"{where}: {exc}") from None
    if period is None or period.grain != grain:
        raise CalendarError(f"{where}: {label!r} is not a {grain} period (every: {grain})")
    return period


def _rule(entry: dict[str, Any], number: int, default_days: int) -> DeliveryRule:
    where = f"deliveries[{number}]"
    kind = entry.get("kind")
    if kind not in k.KINDS:
        raise CalendarError(f"{where}: kind {kind!r} is not one of {', '.join(k.KINDS)}")
    accepts = (kind, *(entry.get("also_satisfied_by") or ()))
    for other in accepts:
        if other not in k.KINDS:
            raise CalendarError(f"{where}: also_satisfied_by names {other!r}, not a kind")
    every = entry.get("every")
    if every not in _GRAINS:
        raise CalendarError(f"{where}: every must be one of {', '.join(_GRAINS)}, not {every!r}")
    provinces = entry.get("provinces", "all")
    if isinstance(provinces, list):
        provinces = tuple(NATIONAL if str(p).upper() == NATIONAL else f"{int(p):02d}" for p in provinces)
    elif provinces not in ("all", "current"):
        raise CalendarError(f"{where}: provinces must be all, current or a list of codes, not {provinces!r}")
    index = entry.get("index")
    if index is not None:
        index = v.parse_index_code(index)
    return DeliveryRule(
        kind=kind,
        accepts=tuple(accepts),
        provinces=provinces,
        every=every,
        first=_period(entry.get("from"), every, f"{where}.from"),
        until=None if entry.get("until") is None else _period(entry["until"], every, f"{where}.until"),
        late_after_days=int(entry.get("late_after_days", default_days)),
        index=index,
        title_vi=str(entry.get("title_vi") or k.KINDS[kind].title),
        title_en=str(entry.get("title_en") or kind),
    )


def load_calendar(path: Path | None = None) -> Calendar:
    """Read the expected-delivery calendar (the packaged one unless told otherwise)."""
    path = path or settings().expected_deliveries or CALENDAR_FILE
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except (OSError, yaml.YAMLError) as exc:
        raise CalendarError(f"cannot read the expected-delivery calendar {path}: {exc}") from None
    default_days = int(data.get("late_after_days", 30))
    rules = tuple(_rule(entry, i, default_days) for i, entry in enumerate(data.get("deliveries") or []))
    streams = [r.stream for r in rules]
    if len(set(streams)) != len(streams):
        raise CalendarError(f"{path}: two entries describe the same delivery ({', '.join(streams)})")
    judge = data.get("judge_lateness_from", "auto")
    if isinstance(judge, str) and judge != "auto":
        judge = date.fromisoformat(judge)
    return Calendar(rules=rules, judge_lateness_from=judge)


# -- provinces and periods ---------------------------------------------------------------


def _read(name: str) -> list[dict[str, str]]:
    with (_REFERENCE / name).open(encoding="utf-8-sig", newline="") as handle:
        return list(csv.DictReader(handle))


@cache
def _units() -> tuple[dict[str, str], dict[str, str], dict[str, str]]:
    """(old code -> name, new code -> name, old code -> successor code)."""
    old = {row["code"]: row["name"] for row in _read("provinces_63.csv")}
    new = {row["new_code"]: row["new_name"] for row in _read("provinces_34.csv")}
    successor = {row["old_code"]: row["new_code"] for row in _read("merger_2025.csv")}
    return old, new, successor


def province_name(code: str, *, after_merger: bool | None = None) -> str:
    """The unit's name; a code used before and after the merger gets the current name."""
    if code == NATIONAL:
        return "Toàn quốc"
    old, new, _ = _units()
    if after_merger is False and code in old:
        return old[code]
    return new.get(code) or old.get(code) or code


def former_name(code: str) -> str | None:
    """The pre-merger name of a code the 34 units reuse under another name (15: Yên Bái)."""
    old, new, _ = _units()
    if code in old and code in new and old[code] != new[code]:
        return old[code]
    return None


def successor(code: str) -> str:
    return _units()[2].get(code, code)


def province_sort_key(code: str) -> tuple[str, int, str]:
    """Current units in code order, each followed by the units merged into it."""
    if code == NATIONAL:
        return ("", 0, code)
    head = successor(code)
    return (head, 0 if head == code else 1, code)


def units_for(period: Period) -> list[str]:
    """GSO codes of the units that exist when the period ends (the ones that report it)."""
    old, new, _ = _units()
    return sorted(new if period.end >= MERGER_DATE else old)


def _next(period: Period) -> Period:
    return period_containing(period.end + timedelta(days=1), period.grain)


def expected_periods(rule: DeliveryRule, as_of: date) -> list[Period]:
    """The rule's periods that have ended by ``as_of`` (an open period is not expected yet)."""
    out = []
    period = rule.first
    while period.end < as_of and (rule.until is None or period.start <= rule.until.start):
        out.append(period)
        period = _next(period)
    return out


def _expected_provinces(rule: DeliveryRule, period: Period) -> list[str]:
    if rule.provinces == "all":
        return units_for(period)
    if rule.provinces == "current":
        return sorted(_units()[1])
    return list(rule.provinces)


# -- what arrived ------------------------------------------------------------------------


@dataclass(frozen=True)
class Delivery:
    """One file's contribution to one (province, kind/index, period)."""

    file_id: int
    kind: str
    index: str | None
    province_code: str
    period_label: str
    status: str  # loaded | superseded | rejected
    received_at: datetime
    rows_loaded: int
    rows_rejected: int
    warnings: int
    message: str | None


def _identity_from_name(path: str, kind: str) -> tuple[str | None, Period | None, str | None]:
    """Province code, period and index a rejected file's name announces (None when it does not)."""
    name = Path(path).name
    try:
        identity = identity_from_filename(name)
    except v.ValueProblem:
        return None, None, None
    token, period = identity.province_token, identity.period
    code = None
    if token:
        if token.upper() == NATIONAL:
            code = NATIONAL
        else:
            try:
                code = ProvinceResolver.default().resolve(token, on=period.start if period else None).code
            except v.ValueProblem:
                code = None
    index = None
    if kind == k.INDEX_SCORES.name:
        for part in Path(name).stem.replace("-", "_").split("_")[2:]:
            try:
                index = v.parse_index_code(part)
            except v.ValueProblem:
                continue
            if index:
                break
    return code, period, index


def deliveries(conn: psycopg.Connection) -> list[Delivery]:
    """Every non-duplicate file, split by the (province, period, index) it delivered."""
    files = audit.deliveries_for_completeness(conn)
    loaded_index = defaultdict(list)
    for file_id, province, index, year in conn.execute(
        "select file_id, province_code, index_code, year from raw.index_scores group by 1, 2, 3, 4"
    ):
        loaded_index[file_id].append((province, index, year))
    ambiguous = [
        (file_id, kind)
        for file_id, kind, status, province, period, *_ in files
        if kind in k.KINDS
        and kind != k.INDEX_SCORES.name
        and status != "rejected"
        and (province in (None, NATIONAL) or period in (None, "mixed"))
    ]
    from_raw: dict[int, list[tuple[str, str]]] = defaultdict(list)
    for file_id, kind in ambiguous:
        for province, period in conn.execute(
            sql.SQL("select distinct province_code, period_label from {} where file_id = %s").format(
                sql.Identifier("raw", k.get_kind(kind).name)
            ),
            (file_id,),
        ):
            from_raw[file_id].append((province, period))
    out: list[Delivery] = []
    for file_id, kind, status, province, period, path, received_at, loaded, rejected, warnings, message in files:
        if kind not in k.KINDS:
            continue
        common = dict(
            file_id=file_id,
            kind=kind,
            status=status,
            received_at=received_at,
            rows_loaded=loaded,
            rows_rejected=rejected,
            warnings=warnings,
            message=message,
        )
        if kind == k.INDEX_SCORES.name and status != "rejected":
            provinces = {p for p, _, _ in loaded_index.get(file_id, [])}
            for index, year in sorted({(i, y) for _, i, y in loaded_index.get(file_id, [])}):
                who = NATIONAL if len(provinces) > 1 else next(iter(provinces))
                out.append(Delivery(index=index, province_code=who, period_label=str(year), **common))
            continue
        pairs: Sequence[tuple[str | None, str | None]] = from_raw.get(file_id) or (
            [(province, period)] if province and period else []
        )
        index = None
        if status == "rejected" or not pairs:
            code, named, index = _identity_from_name(path, kind)
            pairs = [(province or code, period or (named.label if named else None))]
        for who, label in pairs:
            if who and label and label != "mixed":
                out.append(Delivery(index=index, province_code=who, period_label=label, **common))
    return out


# -- the matrix --------------------------------------------------------------------------


def _judged_from(calendar: Calendar, first_seen: datetime | None) -> date | None:
    if calendar.judge_lateness_from == "auto":
        return first_seen.date() if first_seen else None
    return calendar.judge_lateness_from if isinstance(calendar.judge_lateness_from, date) else None


def _stream_of(delivery: Delivery, rules: Sequence[DeliveryRule]) -> list[DeliveryRule]:
    return [
        r
        for r in rules
        if delivery.kind in r.accepts and (r.index is None or r.index == delivery.index or delivery.kind != r.kind)
    ]


def build_matrix(
    calendar: Calendar,
    delivered: Iterable[Delivery],
    as_of: date,
    first_seen: datetime | None = None,
) -> Matrix:
    """Expected cells from the calendar, filled with what was delivered (no database needed)."""
    judged_from = _judged_from(calendar, first_seen)
    cells: dict[tuple[str, str, str], Cell] = {}
    streams = {
        r.stream: Stream(r.stream, r.kind, r.index, r.title_vi, r.title_en, expected=True) for r in calendar.rules
    }
    for rule in calendar.rules:
        for period in expected_periods(rule, as_of):
            due = period.end + timedelta(days=rule.late_after_days)
            for code in _expected_provinces(rule, period):
                cells[(code, rule.stream, period.label)] = Cell(code, rule.stream, period.label, period.end, True, due)
    by_cell: dict[tuple[str, str, str], list[Delivery]] = defaultdict(list)
    for delivery in delivered:
        rules = _stream_of(delivery, calendar.rules)
        ids = [r.stream for r in rules] or [f"{delivery.kind}:{delivery.index}" if delivery.index else delivery.kind]
        for stream in ids:
            if stream not in streams:
                title = k.KINDS[delivery.kind].title + (f" — {delivery.index}" if delivery.index else "")
                streams[stream] = Stream(stream, delivery.kind, delivery.index, title, stream, expected=False)
            key = (delivery.province_code, stream, delivery.period_label)
            if key not in cells:
                delivered_period = parse_period(delivery.period_label)
                if delivered_period is None:
                    continue
                cells[key] = Cell(
                    delivery.province_code, stream, delivered_period.label, delivered_period.end, False, None
                )
            by_cell[key].append(delivery)
    for key, cell in cells.items():
        _fill(cell, by_cell.get(key, []), as_of, judged_from)
    ordered = sorted(cells.values(), key=lambda c: (c.stream, c.period_end, province_sort_key(c.province_code)))
    return Matrix(as_of=as_of, streams=list(streams.values()), cells=ordered, lateness_judged_from=judged_from)


def _fill(cell: Cell, files: list[Delivery], as_of: date, judged_from: date | None) -> None:
    cell.files = sorted({d.file_id for d in files})
    good = [d for d in files if d.status in ("loaded", "superseded")]
    current = [d for d in good if d.status == "loaded"] or good
    cell.messages = [d.message for d in files if d.status == "rejected" and d.message]
    if good:
        cell.delivered_at = min(d.received_at for d in good)
        cell.rows_loaded = sum(d.rows_loaded for d in current)
        cell.rows_rejected = sum(d.rows_rejected for d in current)
        cell.warnings = sum(d.warnings for d in current)
        judged = cell.due is not None and (judged_from is None or cell.due >= judged_from)
        cell.late = bool(judged and cell.due and cell.delivered_at.date() > cell.due)
        if cell.late:
            cell.status = LATE
        elif cell.warnings or cell.rows_rejected:
            cell.status = WARNINGS
        else:
            cell.status = DELIVERED
    elif files:
        cell.status = REJECTED
    else:
        cell.status = MISSING if cell.due is None or cell.due < as_of else PENDING


def completeness(conn: psycopg.Connection, *, calendar: Calendar | None = None, as_of: date | None = None) -> Matrix:
    """The province × kind × period matrix from the warehouse's audit tables."""
    calendar = calendar or load_calendar()
    return build_matrix(calendar, deliveries(conn), as_of or date.today(), audit.first_received_at(conn))
