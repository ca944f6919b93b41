"""Identity for the bulk path: each row's period and province, as the row path gives them.

The rules and their wording are the row path's (:mod:`reform_etl.load.rules`); what
differs is only that each distinct cell is resolved once, and that what would make the
row path refuse the file or mix periods hands the file back to it (:class:`NotBulkable`).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from ... import values as v
from ...periods import Period, parse_period
from ...provinces import UnknownProvince
from ...readers.table import clean_cell
from .. import rules
from ..normalise import Normaliser
from .cell_types import Typed
from .cells import Cells, NotBulkable, OddValues, as_mask
from .tally import Tally


@dataclass(frozen=True)
class _Place:
    code: str | None
    error: str | None
    warning: str | None
    blank: bool


class Identity:
    """The file's one period (its name's, else its rows') and each row's province."""

    def __init__(self, normaliser: Normaliser, by_name: dict[str, int], tally: Tally) -> None:
        self.normaliser, self.by_name, self.tally = normaliser, by_name, tally
        self.file_period: Period | None = normaliser.hint.period
        self.period = self.file_period
        self.periods = OddValues(self._period_cell)
        self.provinces = OddValues(self._place)

    def _period_cell(self, raw: str) -> Period | str | None:
        """A row's own period, the rejection reason, or None for an empty cell."""
        cleaned = clean_cell(raw)
        if cleaned is None or v.is_blank(cleaned):
            return None
        try:
            return parse_period(cleaned)
        except v.ValueProblem as exc:
            return f"{self.normaliser.label('period')}: {exc}"

    def periods_of(self, cells: Callable[[int], Cells], ok: np.ndarray, first_line: int) -> None:
        """Each row's period is its own cell's, else the file name's; rows with neither are rejected."""
        unresolved = ok.copy() if self.file_period is None else np.zeros(len(ok), dtype=bool)
        if "period" in self.by_name:
            column = cells(self.by_name["period"])
            found = self.periods.lookup(column.raw, ok)
            for position, reason in found.where(lambda r: isinstance(r, str)):
                self.tally.reject(first_line + position, 0, "period", column.cleaned(position), reason)
                ok[position] = False
            own = {r.label: r for r in found.found if isinstance(r, Period)}
            if len(own) > 1 or (self.period is not None and set(own) - {self.period.label}):
                # The row path refuses the file (name against content) or mixes periods.
                raise NotBulkable("the rows give another period than the file name, or several")
            if own and self.period is None:
                self.period = next(iter(own.values()))
            has_own = np.zeros(len(ok), dtype=bool)
            has_own[found.positions] = found.flags(lambda r: isinstance(r, Period))
            unresolved &= ~has_own
        for position in np.flatnonzero(unresolved & ok).tolist():
            self.tally.reject(first_line + position, 0, "period", None, rules.PERIOD_UNRESOLVED)
        ok &= ~unresolved
        if ok.any() and self.period is not None:
            self.tally.periods.add(self.period.label)

    def _place(self, raw: str) -> _Place:
        """A province cell resolved as the row path resolves it, for the file's one period."""
        cleaned = clean_cell(raw)
        file_province = self.normaliser.file_province
        if cleaned is None or v.is_blank(cleaned):
            error = None if file_province else rules.PROVINCE_UNRESOLVED
            return _Place(file_province, error, None, True)
        try:
            match = self.normaliser.resolver.resolve(cleaned, on=self.period.start if self.period else None)
        except (UnknownProvince, v.ValueProblem) as exc:
            return _Place(None, rules.refused(self.normaliser.label("province"), exc), None, False)
        if self.normaliser.file_province_from_name and match.code != file_province:
            raise NotBulkable("a row names another province than the file name")  # the row path refuses the file
        return _Place(match.code, None, match.warning, False)

    def provinces_of(self, cells: Callable[[int], Cells], ok: np.ndarray, first_line: int) -> pa.Array:
        """Each row's province code (null where rejected); warns about old names like the row path."""
        keep = pa.array(ok)
        if "province" not in self.by_name:
            code = self.normaliser.file_province
            if code is None:
                raise NotBulkable("no province for the rows")
            if ok.any():
                self.tally.provinces.add(code)
            return pc.if_else(keep, pa.scalar(code), pa.scalar(None, pa.string()))
        column = cells(self.by_name["province"])
        found = self.provinces.lookup(column.raw, ok)
        for position, place in found.where(lambda p: p.error is not None):
            raw = None if place.blank else column.cleaned(position)
            self.tally.reject(first_line + position, 0, "province", raw, place.error)
            ok[position] = False
        for position, place in found.where(lambda p: p.warning is not None):
            self.tally.warnings.append(
                (first_line + position, "province", column.cleaned(position), "old_province_name", place.warning)
            )
        self.tally.provinces |= {p.code for p in found.found if p.error is None and p.code is not None}
        codes = pc.replace_with_mask(pa.nulls(len(ok), pa.string()), keep, found.column(lambda p: p.code, pa.string()))
        return codes

    def after_merger(
        self, typed: dict[int, Typed], cells: Callable[[int], Cells], ok: np.ndarray, first_line: int
    ) -> np.ndarray:
        """District-level rows for a period after the 2025 merger are rejected, as on the row path."""
        period = self.period
        if "level" not in self.by_name or period is None or not rules.after_merger(period):
            return np.zeros(len(ok), dtype=bool)
        pos = self.by_name["level"]
        district = ok & as_mask(pc.equal(typed[pos].values, "huyen"))
        reason = rules.district_after_merger(self.normaliser.label("level"), period)
        for position in np.flatnonzero(district).tolist():
            self.tally.reject(first_line + position, 0, "level", cells(pos).cleaned(position), reason)
        return district

    # -- encoding for COPY -------------------------------------------------------------------
