"""From raw cells to typed rows: parsing, identity, and the rules that need no history.

The normaliser decides, for every row read, whether it can be typed. A row that cannot
is rejected with the column, the raw value and a reason; one that can goes on to the
expectation suite (:mod:`reform_etl.validation`), which may still reject or flag it.
File-level problems (no province, contradicting identity) raise :class:`FileRejected`.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import date
from typing import Any, Literal

from .. import kinds as k
from .. import values as v
from ..folding import fold_vietnamese
from ..periods import Period, parse_period, period_for_year
from ..provinces import ProvinceResolver, UnknownProvince
from ..readers import SourceRow, SourceTable
from ..validation.messages import label as column_label
from . import rules
from .types import FileIdentityHint, FileRejected, Rejection, RowWarning, cell_text

Parser = Callable[[object], Any]

PARSERS: dict[str, Parser] = {
    k.TEXT: v.normalise_text,
    k.CODE: lambda value: _code_text(value),
    k.COUNT: v.parse_count,
    k.DECIMAL: v.parse_score,
    k.PERCENT: v.parse_percent,
    k.DATETIME: v.parse_datetime,
    k.LEVEL: v.parse_level,
    k.CHANNEL: v.parse_channel,
    k.ONLINE_MODE: v.parse_online_mode,
    k.BOOL: v.parse_bool,
    k.YEAR: v.parse_year,
    k.INDEX_CODE: v.parse_index_code,
}


def _code_text(value: object) -> str | None:
    # Identifiers must stay as written; a number here means a spreadsheet already turned
    # '1.002033' into a float, and repr keeps every digit it still has.
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return v.normalise_text(value if isinstance(value, str) else (None if value is None else str(value)))


@dataclass
class Normaliser:
    kind: k.Kind
    table: SourceTable
    hint: FileIdentityHint
    resolver: ProvinceResolver
    rejections: list[Rejection] = field(default_factory=list)
    warnings: list[RowWarning] = field(default_factory=list)
    rows_read: int = 0
    rejected_rows: set[int] = field(default_factory=set)
    provinces_seen: set[str] = field(default_factory=set)
    # The delivery's periods: a row's own period, or the file name's when the row's lies
    # inside it (a monthly row of a half-year report still belongs to the half-year delivery).
    periods_seen: set[str] = field(default_factory=set)
    # The province the file name gives, which rows without their own take; a row naming
    # another one contradicts the name (the bulk path reads both too).
    file_province: str | None = None
    file_province_from_name: bool = False
    _seen_keys: dict[tuple[Any, ...], int] = field(default_factory=dict)

    def __post_init__(self) -> None:
        missing = [c for c in self.kind.required if c not in self.table.columns]
        if self.kind.name == k.INDEX_SCORES.name and not {"score", "self_score"} & set(self.table.columns):
            missing.append("score")
        if missing:
            raise FileRejected(
                f"required column(s) missing: {', '.join(missing)}. Expected headers such as "
                + "; ".join(f"{c}: '{self.kind.column(c).labels[0]}'" for c in missing if self.kind.column(c).labels)
            )
        token = self.hint.province_token
        if token and not self.resolver.is_national(token):
            on = self.hint.period.start if self.hint.period else None
            try:
                match = self.resolver.resolve(token, on=on)
            except v.ValueProblem as exc:
                raise FileRejected(f"the file name's province code {token!r} is unknown: {exc}") from None
            self.file_province = match.code
            self.file_province_from_name = True
            if match.warning:
                self.warn(None, "province", token, "old_province_name", f"file name: {match.warning}")
        needs_province = "province" in self.kind.column_names
        if needs_province and self.file_province is None and "province" not in self.table.columns:
            raise FileRejected(
                "province unresolved: the file name does not start with a province code "
                "(<code>_<period>_....ext) and the file has no province column (Tỉnh/thành phố)"
            )
        needs_period = "period" in self.kind.column_names or "year" in self.kind.column_names
        has_period_column = any(c in self.table.columns for c in ("period", "year"))
        if needs_period and self.hint.period is None and self.hint.year is None and not has_period_column:
            raise FileRejected(
                "period unresolved: the file name carries no period (e.g. 40_2022-H1_....xlsx) and the file has "
                "no period or year column (Kỳ báo cáo / Năm)"
            )

    # -- rows ----------------------------------------------------------------------------

    def rows(self) -> Iterator[dict[str, Any]]:
        """Typed rows ready for validation; rejected rows are recorded, not yielded."""
        for source in self.table.rows:
            self.rows_read += 1
            typed = self._type_row(source)
            if typed is not None:
                yield typed

    def reject(self, row: int | None, column: str | None, raw: object, reason: str) -> None:
        self.rejections.append(Rejection(row, column, cell_text(raw), reason))
        if row is not None:
            self.rejected_rows.add(row)

    def warn(self, row: int | None, column: str | None, raw: object, rule: str, message: str) -> None:
        self.warnings.append(RowWarning(row, column, cell_text(raw), rule, message))

    def file_identity(self) -> tuple[str | None, str | None]:
        """The delivery's province ('VN' when several) and period label ('mixed' when several)."""
        provinces, periods = self.provinces_seen, self.periods_seen
        province = next(iter(provinces)) if len(provinces) == 1 else ("VN" if provinces else None)
        period = next(iter(periods)) if len(periods) == 1 else (None if not periods else "mixed")
        return province, period

    def label(self, column: str) -> str:
        """How a column is named in messages: canonical name plus the file's own header."""
        return column_label(column, self.table.columns)

    def _type_row(self, source: SourceRow) -> dict[str, Any] | None:
        row_no = source.number
        out: dict[str, Any] = {"source_row": row_no}
        failed: set[str] = set()
        for name, raw in source.values.items():
            if name in ("province", "period"):
                continue
            column = self.kind.column(name)
            try:
                out[name] = PARSERS[column.type](raw)
            except v.ValueProblem as exc:
                self.reject(row_no, name, raw, rules.refused(self.label(name), exc))
                failed.add(name)
        for name in self._required_in_row(out):
            if name in ("province", "period") or name in failed:
                continue
            if out.get(name) is None:
                self.reject(row_no, name, None, rules.required_but_empty(self.label(name)))
                failed.add(name)
        problems = len(failed)
        if problems:
            return None
        if not self._resolve_identity(source, out):
            return None
        key = self._natural_key(out)
        if key is not None:
            first = self._seen_keys.setdefault(key, row_no)
            if first != row_no:
                described, reason = rules.repeated_key(key, first)
                self.reject(row_no, None, described, reason)
                return None
        return out

    def _required_in_row(self, out: dict[str, Any]) -> list[str]:
        """The kind's required columns, and an index score: the appraised one, or in a
        self-assessment file either figure (its rows may come before the appraisal)."""
        required = self.kind.required
        if self.kind.name != k.INDEX_SCORES.name:
            return required
        if self.is_self_assessment and (out.get("self_score") is not None or out.get("score") is not None):
            return required
        return [*required, "self_score" if self.is_self_assessment and "score" not in self.table.columns else "score"]

    @property
    def is_self_assessment(self) -> bool:
        """An index file that gives the province's own points (Điểm tự đánh giá): its rows are source 'self'."""
        return self.kind.name == k.INDEX_SCORES.name and "self_score" in self.table.columns

    def _resolve_identity(self, source: SourceRow, out: dict[str, Any]) -> bool:
        row_no = source.number
        period = self._row_period(source, out)
        if period is False:
            return False
        names = self.kind.column_names
        if "period" in names:
            if period is None:
                self.reject(row_no, "period", None, rules.PERIOD_UNRESOLVED)
                return False
            out.update(period_label=period.label, period_start=period.start, period_end=period.end)
            out.pop("year", None)
            file_period = self.hint.period
            self.periods_seen.add(file_period.label if file_period and _inside(period, file_period) else period.label)
        on = period.start if isinstance(period, Period) else None
        if self.kind.name == k.INDEX_SCORES.name:
            if out.get("year") is None:
                out["year"] = self.hint.year or (self.hint.period.start.year if self.hint.period else None)
            if out.get("year") is None:
                self.reject(row_no, "year", None, "year unresolved: no year in the file name or the row (Năm)")
                return False
            if out.get("index_code") is None:
                out["index_code"] = self.hint.index_code
            if out.get("index_code") is None:
                self.reject(row_no, "index_code", None, "index unresolved: name the index (PAR, SIPAS…) in a column")
                return False
            on = date(int(out["year"]), 12, 31)
            out["source"] = k.SELF_ASSESSED if self.is_self_assessment else k.APPRAISED
            component = out.get("component")
            out["component_code"] = component_code(component)
        if "province" in names:
            raw = source.values.get("province")
            if raw is not None and not v.is_blank(raw):
                try:
                    match = self.resolver.resolve(raw, on=on)
                except (UnknownProvince, v.ValueProblem) as exc:
                    self.reject(row_no, "province", raw, rules.refused(self.label("province"), exc))
                    return False
                if match.warning:
                    self.warn(row_no, "province", raw, "old_province_name", match.warning)
                if self.file_province_from_name and match.code != self.file_province:
                    raise FileRejected(
                        f"the file name says province {self.file_province} but row {row_no} says "
                        f"{cell_text(raw)!r} ({match.code}); send one province per file or fix the name"
                    )
                code = match.code
            elif self.file_province is not None:
                code = self.file_province
            else:
                self.reject(row_no, "province", None, rules.PROVINCE_UNRESOLVED)
                return False
            out["province_code"] = code
            self.provinces_seen.add(code)
        level = out.get("level")
        if level == "huyen" and isinstance(period, Period) and rules.after_merger(period):
            reason = rules.district_after_merger(self.label("level"), period)
            self.reject(row_no, "level", source.values.get("level"), reason)
            return False
        return True

    def _row_period(self, source: SourceRow, out: dict[str, Any]) -> Period | None | Literal[False]:
        """The row's period: its own cell, else its year, else the file's. False = rejected."""
        row_no = source.number
        file_period = self.hint.period
        raw = source.values.get("period")
        own: Period | None = None
        if raw is not None and not v.is_blank(raw):
            try:
                own = parse_period(raw)
            except v.ValueProblem as exc:
                self.reject(row_no, "period", raw, f"{self.label('period')}: {exc}")
                return False
        elif out.get("year") is not None and "period" in self.kind.column_names:
            own = period_for_year(int(out["year"]))
            if file_period and file_period.start.year == own.start.year:
                own = file_period  # a year column agrees with a finer period in the name
        if own is not None and file_period is not None and not _inside(own, file_period):
            raise FileRejected(
                f"the file name says period {file_period.label} but row {row_no} says {cell_text(raw) or own.label!r} "
                f"({own.label}), which lies outside it; fix the file name or the content"
            )
        # A row period inside the file's (Tháng 7/2025 in a 2025-H2 report) is the finer truth.
        return own or file_period

    def _natural_key(self, out: dict[str, Any]) -> tuple[Any, ...] | None:
        try:
            return tuple(out[c] for c in self.kind.natural_key)
        except KeyError:
            return None


def _inside(period: Period, outer: Period) -> bool:
    """Whether ``period`` lies within ``outer`` (a month in its half-year, or the same period)."""
    return outer.start <= period.start and period.end <= outer.end


def component_code(component: object) -> str:
    """``TOTAL`` for the total score, else a stable upper-case code for the component name."""
    text = v.normalise_text(component)
    if not text or v.fold(text) in {"tong", "tongdiem", "total", "chiso", "tongchiso"}:
        return "TOTAL"
    return re.sub(r"[^A-Za-z0-9]+", "_", fold_vietnamese(text)).strip("_").upper()[:60] or "TOTAL"
