"""Typing whole columns: vectorised rules that agree with :mod:`reform_etl.values` on the
shapes they accept, and the row path's own parser for every other distinct value."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from ... import kinds as k
from ... import values as v
from ...readers.table import clean_cell
from ..normalise import PARSERS
from ..rules import refused
from .cells import Cells, OddValues, as_mask, data_of, offsets_of


@dataclass
class Typed:
    values: pa.Array  # the parser's value, null when blank or rejected
    errors: dict[int, str]  # position in the batch -> rejection reason


@dataclass(frozen=True)
class Parsed:
    value: Any
    error: str | None


def parse_with(column_type: str, label: str) -> Callable[[str], Parsed]:
    """The row path on one raw cell: clean it as the reader does, then parse it."""
    parse = PARSERS[column_type]

    def work(raw: str) -> Parsed:
        try:
            return Parsed(parse(clean_cell(raw)), None)
        except v.ValueProblem as exc:
            return Parsed(None, refused(label, exc))

    return work


# Column types this path can type and send as binary COPY; a kind with any other type
# (numbers on a numeric column, years) keeps the row path.
TYPES = frozenset({k.TEXT, k.CODE, k.DATETIME, k.LEVEL, k.CHANNEL, k.ONLINE_MODE, k.BOOL, k.INDEX_CODE, k.COUNT})
ARROW_TYPES: dict[str, pa.DataType] = {
    k.TEXT: pa.string(),
    k.CODE: pa.string(),
    k.LEVEL: pa.string(),
    k.CHANNEL: pa.string(),
    k.ONLINE_MODE: pa.string(),
    k.INDEX_CODE: pa.string(),
    k.DATETIME: pa.timestamp("us"),
    k.BOOL: pa.bool_(),
    k.COUNT: pa.int64(),
}


def fast_text(cells: Cells) -> tuple[np.ndarray, pa.Array]:
    """Printable ASCII with single spaces: cleaning and normalise_text leave it as trimmed."""
    ok = cells.filled
    if cells.controls:
        ok = ok & ~as_mask(pc.match_substring_regex(cells.trimmed, "[\\x00-\\x1f]"))
    if ok.any():
        ok = ok & ~as_mask(pc.match_substring(cells.trimmed, "  "))
    return ok, cells.trimmed


def fast_count(cells: Cells) -> tuple[np.ndarray, pa.Array]:
    """Up to 15 plain digits: parse_count gives the integer they spell."""
    ok = cells.filled & as_mask(pc.match_substring_regex(cells.trimmed, "^[0-9]{1,15}$"))
    values = pc.cast(pc.if_else(pa.array(ok), cells.trimmed, pa.scalar("0")), pa.int64())
    return ok, values


_DAYS_IN_MONTH = np.array([0, 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31], dtype=np.int64)
_STAMP_WIDTHS = (10, 16, 19)  # dd/mm/yyyy, then with hh:mm, then with hh:mm:ss
_SLASH, _DOT, _DASH, _SPACE, _COLON, _T = (ord(c) for c in "/.- :T")


def _stamp_grid(cells: Cells) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(rows, their byte grid, their widths) for the cells that may hold a fixed-width stamp.

    When every non-empty cell has one width (the usual export), the values lie back to
    back in Arrow's buffer and the grid is a reshape of it; otherwise they are gathered.
    """
    offsets = offsets_of(cells.trimmed)
    lengths = np.diff(offsets)
    data = data_of(cells.trimmed)
    filled = lengths > 0
    widths = np.unique(lengths[filled]) if filled.any() else np.zeros(0, dtype=lengths.dtype)
    if len(widths) == 1 and int(widths[0]) in _STAMP_WIDTHS:
        width = int(widths[0])
        rows = np.flatnonzero(filled)
        return rows, data[offsets[0] : offsets[-1]].reshape(len(rows), width), np.full(len(rows), width)
    rows = np.flatnonzero(np.isin(lengths, _STAMP_WIDTHS))
    index = offsets[rows][:, None] + np.arange(19, dtype=np.int32)
    np.minimum(index, max(len(data) - 1, 0), out=index)
    grid = data[index] if len(data) else np.zeros((len(rows), 19), dtype=np.uint8)
    return rows, grid, lengths[rows]


class _Columns:
    """Byte columns of a grid; columns past its width read as zero bytes (never a digit)."""

    def __init__(self, grid: np.ndarray) -> None:
        self.grid = grid
        self.zero = np.zeros(len(grid), dtype=np.uint8)

    def __getitem__(self, c: int) -> np.ndarray:
        return self.grid[:, c] if c < self.grid.shape[1] else self.zero


def _digits(grid: _Columns, columns: list[int]) -> tuple[np.ndarray, np.ndarray]:
    """(all ASCII digits, the number they spell) for some columns of a byte grid."""
    ok = np.ones(len(grid.zero), dtype=bool)
    number = np.zeros(len(grid.zero), dtype=np.int32)
    for c in columns:
        digit = grid[c] - np.uint8(48)  # wraps below '0', so one comparison tests both ends
        ok &= digit <= 9
        number = number * 10 + digit
    return ok, number


def _days_from_civil(y: np.ndarray, m: np.ndarray, d: np.ndarray) -> np.ndarray:
    """Days since 1970-01-01 of valid Gregorian dates (H. Hinnant's algorithm)."""
    y = y - (m <= 2)
    era = np.floor_divide(y, 400)
    yoe = y - era * 400
    doy = (153 * (m + np.where(m > 2, -3, 9)) + 2) // 5 + d - 1
    doe = yoe * 365 + yoe // 4 - yoe // 100 + doy
    return era * 146097 + doe - 719468


def fast_datetime(cells: Cells) -> tuple[np.ndarray, np.ndarray]:
    """(ok, µs since 1970) for dd/mm/yyyy[ hh:mm[:ss]] (one separator kind) and ISO stamps.

    These shapes, with a real date, a year 1900-2100 and a real time of day, are what
    parse_datetime turns into exactly this instant; anything else is left to it.
    """
    n = len(cells.raw)
    ok = np.zeros(n, dtype=bool)
    micros = np.zeros(n, dtype=np.int64)
    rows, bytes_, width = _stamp_grid(cells)
    if not len(rows):
        return ok, micros
    grid = _Columns(bytes_)
    timed, seconds = width >= 16, width == 19

    separator = grid[2]
    ok_d, day_d = _digits(grid, [0, 1])
    ok_m, month_d = _digits(grid, [3, 4])
    ok_y, year_d = _digits(grid, [6, 7, 8, 9])
    dmy = ok_d & ok_m & ok_y & (grid[5] == separator)
    dmy &= (separator == _SLASH) | (separator == _DOT) | (separator == _DASH)
    ok_y, year_i = _digits(grid, [0, 1, 2, 3])
    ok_m, month_i = _digits(grid, [5, 6])
    ok_d, day_i = _digits(grid, [8, 9])
    iso = ok_y & ok_m & ok_d & (grid[4] == _DASH) & (grid[7] == _DASH)
    year = np.where(dmy, year_d, year_i)
    month = np.where(dmy, month_d, month_i)
    day = np.where(dmy, day_d, day_i)

    # dd/mm/yyyy takes a single space before the time; ISO a space or a 'T'.
    gap = grid[10]
    clock = np.where(dmy, gap == _SPACE, (gap == _SPACE) | (gap == _T)) & (grid[13] == _COLON)
    ok_h, hour = _digits(grid, [11, 12])
    ok_mi, minute = _digits(grid, [14, 15])
    clock &= ok_h & ok_mi & (hour < 24) & (minute < 60)
    ok_s, second = _digits(grid, [17, 18])
    with_seconds = ok_s & (grid[16] == _COLON) & (second < 60)

    leap = ((year % 4 == 0) & (year % 100 != 0)) | (year % 400 == 0)
    month_days = _DAYS_IN_MONTH[np.clip(month, 0, 12)] + ((month == 2) & leap)
    good = (dmy | iso) & (year >= 1900) & (year <= 2100) & (month >= 1) & (month <= 12)
    good &= (day >= 1) & (day <= month_days) & (~timed | clock) & (~seconds | with_seconds)
    seconds_of_day = np.where(timed, hour * 3600 + minute * 60, 0) + np.where(seconds, second, 0).astype(np.int64)
    days = _days_from_civil(year.astype(np.int64), np.clip(month, 1, 12).astype(np.int64), day.astype(np.int64))
    ok[rows] = good & cells.filled[rows]
    micros[rows] = np.where(good, (days * 86400 + seconds_of_day) * 1_000_000, 0)
    return ok, micros


def type_column(cells: Cells, column_type: str, odd: OddValues) -> Typed:
    """The column typed as the row path types it; errors name the value and the column."""
    n = len(cells.raw)
    arrow_type = ARROW_TYPES[column_type]
    if column_type in (k.TEXT, k.CODE):
        ok, fast = fast_text(cells)
        base = pc.if_else(pa.array(ok), fast, pa.scalar(None, pa.string()))
    elif column_type == k.DATETIME:
        ok, micros = fast_datetime(cells)
        base = pa.array(micros, type=pa.int64(), mask=~ok).cast(arrow_type)
    elif column_type == k.COUNT:
        ok, fast = fast_count(cells)
        base = pc.if_else(pa.array(ok), fast, pa.scalar(None, pa.int64()))
    else:  # small vocabularies: every distinct spelling goes to the parser once
        ok = np.zeros(n, dtype=bool)
        base = pa.nulls(n, arrow_type)
    odd_cells = odd.lookup(cells.raw, ~(ok | cells.blank))
    if not len(odd_cells.positions):
        return Typed(base, {})
    errors = {position: result.error for position, result in odd_cells.where(lambda r: r.error is not None)}
    slow = odd_cells.column(lambda r: r.value, arrow_type)
    if len(odd_cells.positions) == n:
        return Typed(slow, errors)
    replaced = np.zeros(n, dtype=bool)
    replaced[odd_cells.positions] = True
    return Typed(pc.replace_with_mask(base, pa.array(replaced), slow), errors)
