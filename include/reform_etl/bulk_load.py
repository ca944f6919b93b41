"""The bulk path for large CSV exports: Arrow reads and types, PostgreSQL gets binary COPY.

Per-row Python costs about 150 µs a row, 60 times PostgreSQL's own ``COPY``; typing the
cells with SQL expressions after a text ``COPY`` still costs about 60 µs a row. This path
reads the file with Arrow's streaming CSV reader, types whole columns at once with Arrow
compute and NumPy, checks them with the kind's committed GX suite on the same batches
(:mod:`reform_etl.validation.arrow_suite`), and streams the accepted rows straight into
``raw.<kind>`` as binary ``COPY`` (which PostgreSQL ingests faster than CSV: there is no
text to parse). Reading, typing and validating run in a background thread while the main
thread feeds ``COPY``, and memory stays flat: one batch at a time, never the whole file.

The semantics are the row path's, value for value:

- cells are those Python's ``csv`` module gives, numbered by the physical line a person
  sees; each is cleaned like :func:`reform_etl.readers.table.clean_cell` (trimmed, NFC);
- values in the common fixed shapes (plain ASCII codes and text, ``05/03/2024 08:30``,
  ``2024-03-05``) are typed vectorised by rules that agree with :mod:`reform_etl.values`
  on exactly those shapes; every other distinct value is handed to the row path's own
  parser (:data:`reform_etl.normalise.PARSERS`) once, so odd values and the wording of
  every rejection are exactly the row path's;
- rows the row reader would treat specially (spacers, footers, total rows, a repeated
  header) are recognised by a cheap test and then sorted by the row reader's own
  :class:`~reform_etl.readers.table.RowSorter`;
- identity (period, province), the district-after-merger rule and repeated keys follow
  :class:`reform_etl.normalise.Normaliser` rule for rule.

What does not fit raises :class:`NotBulkable` before anything is kept (ragged rows,
quoted line breaks, several periods in one file, a file the row path would refuse as a
whole), and the caller falls back to the row path inside the same transaction.
"""

from __future__ import annotations

import codecs
import csv
import io
import queue
import re
import struct
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field, replace
from datetime import date
from pathlib import Path
from typing import Any

import numpy as np
import psycopg
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pa_csv
from psycopg import sql

from . import kinds as k
from . import values as v
from .config import settings
from .headers import fold_label
from .normalise import PARSERS, Normaliser
from .periods import Period, parse_period
from .provinces import MERGER_DATE, UnknownProvince
from .readers import SourceTable, UnreadableFile
from .readers.table import _TOTAL, Header, RowSorter, clean_cell
from .readers.text import _choose_delimiter, detect_encoding, read_head
from .validation.arrow_suite import ArrowExpectation, arrow_suite
from .validation.checks import ERROR
from .validation.messages import raw_text, render
from .validation.results import ExpectationOutcome, RowFinding

ENCODINGS = frozenset({"utf-8", "utf-8-sig", "cp1258", "utf-16"})
# Column types this path can type and send as binary COPY; a kind with any other type
# (numbers on a numeric column, years) keeps the row path.
TYPES = frozenset({k.TEXT, k.CODE, k.DATETIME, k.LEVEL, k.CHANNEL, k.ONLINE_MODE, k.BOOL, k.INDEX_CODE, k.COUNT})
IDENTITY = frozenset({"province", "period"})
# Arrow parses blocks of this size and reads up to 32 of them ahead, so the block bounds
# the reader's memory; blocks are then merged into batches of BATCH_ROWS rows, large
# enough that the per-batch Python work vanishes and small enough to stay a few MB.
BLOCK_BYTES = 1 << 20
BATCH_ROWS = 1 << 15
# Distinct odd values remembered per column; beyond this the memo starts again (memory
# stays bounded on a column of free text, a value is just parsed again).
MEMO_LIMIT = 20_000

# What str.strip() removes among ASCII characters.
ASCII_SPACE = " \t\n\v\f\r\x1c\x1d\x1e\x1f"


class NotBulkable(Exception):
    """This file cannot take the bulk path; use the row path."""


def supported(kind: k.Kind) -> bool:
    return all(c.type in TYPES for c in kind.columns if c.name not in IDENTITY) and "year" not in kind.column_names


def eligible(table: SourceTable, kind: k.Kind) -> bool:
    return (
        supported(kind)
        and table.format == "csv"
        and table.positions is not None
        and table.encoding in ENCODINGS
        and table.path.stat().st_size >= settings().bulk_min_bytes
    )


@dataclass
class BulkResult:
    rows_read: int
    rows_written: int  # rows written to the target (accepted by the reader and the suite)
    outcomes: list[ExpectationOutcome] = field(default_factory=list)
    # Rows written per (province, period label, period start): the volume rule's history.
    period_counts: list[tuple[str | None, str | None, date | None, int]] = field(default_factory=list)


# -- reading: the file after its header, as UTF-8, in Arrow batches --------------------------

_LINE_END = re.compile(r"\r\n|\r|\n")


@dataclass(frozen=True)
class _Layout:
    header: Header
    delimiter: str
    width: int
    skip_chars: int  # decoded characters up to the end of the header line
    skip_bytes: int  # the same in the file's bytes (UTF-8 files only)
    first_line: int  # physical line number of the first line after the header


def layout_of(table: SourceTable, kind: k.Kind) -> _Layout:
    """Where the data starts, with the header exactly as the row reader found it."""
    what = f"'{table.path.name}'"
    head = read_head(table.path)
    complete = len(head) >= table.path.stat().st_size
    encoding, text = detect_encoding(head, complete, what)
    delimiter, header = _choose_delimiter(text, complete, kind, what)
    same = (encoding, delimiter, header.number) == (table.encoding, table.delimiter, table.header_row)
    if not same or dict(header.index_map) != dict(table.positions or {}):
        raise NotBulkable("the header reads differently a second time")
    skip = header_end(text, delimiter, header.number)
    bom = len(codecs.BOM_UTF8) if encoding == "utf-8-sig" else 0
    skip_bytes = bom + len(text[:skip].encode("utf-8")) if encoding in ("utf-8", "utf-8-sig") else 0
    width = table.width or len(header.header_texts[-1])
    return _Layout(header, delimiter, width, skip, skip_bytes, header.number + 1)


def header_end(text: str, delimiter: str, header_line: int) -> int:
    """Character offset just after physical line ``header_line``, which must hold the whole header."""
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    try:
        for _ in reader:
            if reader.line_num >= header_line:
                break
    except csv.Error:
        raise NotBulkable("the lines above the data do not parse as CSV") from None
    if reader.line_num != header_line:
        raise NotBulkable("the header spans several lines")
    ends = [m.end() for _, m in zip(range(header_line), _LINE_END.finditer(text), strict=False)]
    if len(ends) < header_line:
        raise NotBulkable("no line after the header")
    return ends[-1]


class _Utf8Stream(io.RawIOBase):
    """The file's text after its first ``skip_chars`` characters, re-encoded as UTF-8."""

    def __init__(self, path: Path, encoding: str, skip_chars: int) -> None:
        self._file = path.open("rb")
        self._encoding = encoding
        self._decoder = codecs.getincrementaldecoder(encoding)("strict")
        self._skip = skip_chars
        self._pending = memoryview(b"")
        self._done = False

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        while not self._pending and not self._done:
            block = self._file.read(1 << 22)
            self._done = not block
            try:
                text = self._decoder.decode(block, final=self._done)
            except UnicodeDecodeError:
                raise NotBulkable(f"bytes that are not {self._encoding} text") from None
            if self._skip:
                cut = min(self._skip, len(text))
                text, self._skip = text[cut:], self._skip - cut
            self._pending = memoryview(text.encode("utf-8"))
        n = min(len(buffer), len(self._pending))
        buffer[:n] = self._pending[:n]
        self._pending = self._pending[n:]
        return n

    def close(self) -> None:
        self._file.close()
        super().close()


def _open_text(table: SourceTable, layout: _Layout) -> Any:
    encoding = table.encoding or "utf-8"
    if encoding in ("utf-8", "utf-8-sig"):
        # UTF-8 goes to Arrow untouched (Arrow checks it is valid); only the header is skipped.
        stream = pa.OSFile(str(table.path))
        stream.seek(layout.skip_bytes)
        return stream
    return io.BufferedReader(_Utf8Stream(table.path, encoding, layout.skip_chars), 1 << 22)


def batches(table: SourceTable, layout: _Layout) -> Iterator[pa.RecordBatch]:
    """Record batches of about BATCH_ROWS rows of string cells, in file order."""
    names = [f"c{i}" for i in range(layout.width)]
    reader = pa_csv.open_csv(
        _open_text(table, layout),
        read_options=pa_csv.ReadOptions(column_names=names, block_size=BLOCK_BYTES, use_threads=False),
        # Quoted line breaks are parsed (and then refused); empty lines stay rows of
        # empty cells, so that the n-th row is the n-th physical line.
        parse_options=pa_csv.ParseOptions(
            delimiter=layout.delimiter, newlines_in_values=True, ignore_empty_lines=False
        ),
        convert_options=pa_csv.ConvertOptions(
            column_types=dict.fromkeys(names, pa.string()), strings_can_be_null=False, quoted_strings_can_be_null=False
        ),
    )
    pending: list[pa.RecordBatch] = []
    rows = 0
    try:
        for batch in reader:
            pending.append(batch)
            rows += batch.num_rows
            if rows >= BATCH_ROWS:
                yield _merged(pending)
                pending, rows = [], 0
        if pending:
            yield _merged(pending)
    finally:
        reader.close()


def _merged(batches: list[pa.RecordBatch]) -> pa.RecordBatch:
    if len(batches) == 1:
        return batches[0]
    return pa.Table.from_batches(batches).combine_chunks().to_batches()[0]


# -- cells ---------------------------------------------------------------------------------


def _offsets(arr: pa.Array) -> np.ndarray:
    return np.frombuffer(arr.buffers()[1], dtype=np.int32)[arr.offset : arr.offset + len(arr) + 1]


def _data(arr: pa.Array) -> np.ndarray:
    buffer = arr.buffers()[2]
    return np.frombuffer(buffer, dtype=np.uint8) if buffer is not None else np.zeros(0, np.uint8)


def _value_bytes(arr: pa.Array) -> np.ndarray:
    offsets = _offsets(arr)
    return _data(arr)[offsets[0] : offsets[-1]]


def _mask(values: pa.Array) -> np.ndarray:
    """A boolean Arrow array as NumPy, nulls as False."""
    if values.null_count:
        values = values.fill_null(False)
    return values.to_numpy(zero_copy_only=False)


@dataclass
class Cells:
    """One column of one batch: the raw strings and what is known without Python."""

    raw: pa.StringArray
    ascii: np.ndarray  # only ASCII characters
    trimmed: pa.StringArray  # str.strip() of an ASCII cell (meaningless for the others)
    blank: np.ndarray  # an ASCII cell that cleans to nothing
    controls: bool  # some cell holds a character below U+0020 (tabs, line breaks...)

    @classmethod
    def of(cls, raw: pa.Array) -> Cells:
        if raw.type != pa.string():
            raw = raw.cast(pa.string())
        ascii_ = _mask(pc.string_is_ascii(raw))
        trimmed = pc.ascii_trim(raw, characters=ASCII_SPACE)
        blank = ascii_ & (pc.binary_length(trimmed).to_numpy(zero_copy_only=False) == 0)
        controls = bool((_value_bytes(raw) < 0x20).any())
        return cls(raw, ascii_, trimmed, blank, controls)

    @property
    def filled(self) -> np.ndarray:
        """ASCII cells certainly not empty once cleaned."""
        return self.ascii & ~self.blank


def refuse_line_breaks(raw: pa.Array) -> None:
    # A quoted line break would make row numbers drift from what a person sees.
    data = _value_bytes(raw)
    if (data == 0x0A).any() or (data == 0x0D).any():
        raise NotBulkable("a quoted cell spans lines")


@dataclass
class Lookup:
    """Results for some cells of a column: cell ``positions[i]`` got ``found[indices[i]]``."""

    positions: np.ndarray
    indices: np.ndarray
    found: list[Any]

    def flags(self, test: Callable[[Any], bool]) -> np.ndarray:
        """``test`` of each looked-up cell's result, per cell."""
        return np.array([test(r) for r in self.found], dtype=bool)[self.indices]

    def column(self, pick: Callable[[Any], Any], arrow_type: pa.DataType) -> pa.Array:
        """``pick`` of each looked-up cell's result, as an Arrow array in cell order."""
        return pa.array([pick(r) for r in self.found], type=arrow_type).take(pa.array(self.indices))

    def where(self, test: Callable[[Any], bool]) -> Iterator[tuple[int, Any]]:
        """(position, result) for the cells whose result passes ``test`` (few, by design)."""
        hit = self.flags(test) if self.found else np.zeros(0, dtype=bool)
        for i in np.flatnonzero(hit).tolist():
            yield int(self.positions[i]), self.found[self.indices[i]]


class OddValues:
    """Values a vectorised rule does not cover, each worked out once by Python."""

    def __init__(self, work: Callable[[str], Any], limit: int = MEMO_LIMIT) -> None:
        self._work = work
        self._memo: dict[str, Any] = {}
        self._limit = limit

    def lookup(self, raw: pa.Array, where: np.ndarray) -> Lookup:
        positions = np.flatnonzero(where)
        if not len(positions):
            return Lookup(positions, positions, [])
        encoded = pc.dictionary_encode(raw.filter(pa.array(where)))
        if len(self._memo) > self._limit:
            self._memo.clear()
        found = []
        for value in encoded.dictionary.to_pylist():
            result = self._memo.get(value, self)
            if result is self:
                result = self._memo[value] = self._work(value)
            found.append(result)
        return Lookup(positions, encoded.indices.to_numpy(zero_copy_only=False), found)


# -- typing: vectorised rules that agree with reform_etl.values on the shapes they accept ---


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
            return Parsed(None, f"{label}: {exc}")

    return work


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
        ok = ok & ~_mask(pc.match_substring_regex(cells.trimmed, "[\\x00-\\x1f]"))
    if ok.any():
        ok = ok & ~_mask(pc.match_substring(cells.trimmed, "  "))
    return ok, cells.trimmed


def fast_count(cells: Cells) -> tuple[np.ndarray, pa.Array]:
    """Up to 15 plain digits: parse_count gives the integer they spell."""
    ok = cells.filled & _mask(pc.match_substring_regex(cells.trimmed, "^[0-9]{1,15}$"))
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
    offsets = _offsets(cells.trimmed)
    lengths = np.diff(offsets)
    data = _data(cells.trimmed)
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


# -- rows the row reader treats specially --------------------------------------------------


@dataclass(frozen=True)
class CellFacts:
    """What RowSorter looks at in one cleaned cell."""

    empty: bool
    letter: bool  # has a letter (str.isalpha)
    total: bool  # would start a total row ("Tổng cộng", "Cộng", "Total"...)
    header: frozenset[int]  # positions whose header text it equals


def cell_facts(header_texts: list[list[str | None]]) -> Callable[[str], CellFacts]:
    def work(raw: str) -> CellFacts:
        cleaned = clean_cell(raw)
        if cleaned is None:
            return CellFacts(True, False, False, frozenset())
        text = str(cleaned)
        letter = any(ch.isalpha() for ch in text)
        total = letter and text[:1] in "TtCcGg" and bool(_TOTAL.fullmatch(fold_label(text)))
        at = frozenset(i for texts in header_texts for i, t in enumerate(texts) if t == text)
        return CellFacts(False, letter, total, at)

    return work


class RowSorting:
    """Which rows of a batch are data, exactly as :class:`RowSorter` decides, at vectorised cost.

    A row is *plain* when cheap tests prove the row reader yields it as data: at least
    four non-empty cells in matched columns (so no blank-row, notes-only, footer or
    signature rule can apply), its first non-empty cell is no header label (no repeated
    header), and the first cell with a letter among its first three non-empty cells does
    not start a total row. Every other row goes through a real RowSorter, in file order
    and in the state the row reader would have reached by then.
    """

    def __init__(self, table: SourceTable, header: Header, width: int) -> None:
        self.stub = replace(table, rows=iter(()), total_rows=[], skipped_blank_rows=0)
        self.sorter = RowSorter(self.stub, header)
        self.header = header
        self.width = width
        self.matched = sorted(header.index_map)
        self.facts = [OddValues(cell_facts(header.header_texts)) for _ in range(width)]
        self.first_pending = True  # no row has been proven plain yet
        self.plain_since = False  # plain rows came after the last row the sorter saw

    def data_rows(self, batch: pa.RecordBatch, cells: Callable[[int], Cells], first_line: int) -> np.ndarray:
        plain = self.plain(batch.num_rows, cells)
        data = plain.copy()
        others = np.flatnonzero(~plain)
        if not len(others):
            self.plain_since = self.plain_since or batch.num_rows > 0
            return data
        previous = -1
        for i, row in zip(others.tolist(), batch.take(pa.array(others)).to_pylist(), strict=True):
            if i > previous + 1 or (previous < 0 and self.plain_since):
                # A plain row has more than three cells: it ends a footer block, and the
                # first row (the only one tested as a numbering row) went before it.
                self.sorter.in_footer = False
                self.sorter.first = False
            values = [row[f"c{j}"] for j in range(self.width)]
            data[i] = any(True for _ in self.sorter.rows([(first_line + i, values)]))
            previous = i
        self.plain_since = previous < batch.num_rows - 1
        return data

    def plain(self, n: int, cells: Callable[[int], Cells]) -> np.ndarray:
        filled = np.zeros(n, dtype=np.int16)
        for j in self.matched:
            filled += cells(j).filled
        plain = self._leading_cells_plain(filled >= 4, cells)
        if self.first_pending and plain.any():
            # The first data row could be a column-numbering row: the sorter decides.
            plain[int(np.argmax(plain))] = False
            self.first_pending = False
        return plain

    def _leading_cells_plain(self, candidates: np.ndarray, cells: Callable[[int], Cells]) -> np.ndarray:
        """Rows whose first cells prove they start neither a total row nor the header again."""
        undecided = candidates.copy()
        plain = np.zeros(len(candidates), dtype=bool)
        seen = np.zeros(len(candidates), dtype=np.int8)
        first = np.ones(len(candidates), dtype=bool)
        for j in range(self.width):
            if not undecided.any():
                break
            empty, letter, total, header = self._facts_of(j, cells(j), undecided)
            here = undecided & ~empty
            repeat = here & first & header
            first &= ~here
            here &= ~repeat
            undecided &= ~repeat
            decides = here & letter
            plain |= decides & ~total
            seen += here & ~letter
            third = here & ~letter & (seen >= 3)
            plain |= third
            undecided &= ~(decides | third)
        return plain

    def _facts_of(self, j: int, col: Cells, rows: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """(empty, has a letter, starts a total row, equals a header label) per cell."""
        empty = col.blank.copy()
        letter = col.ascii & _mask(pc.match_substring_regex(col.trimmed, "[A-Za-z]"))
        total_like = _mask(pc.is_in(pc.utf8_slice_codeunits(col.trimmed, 0, 1), pa.array(list("TtCcGg"))))
        header = np.zeros(len(empty), dtype=bool)
        for label in {t[j] for t in self.header.header_texts if j < len(t) and t[j] is not None}:
            header |= col.ascii & _mask(pc.equal(col.trimmed, label))
        total = np.zeros(len(empty), dtype=bool)
        # Total-looking ASCII cells and every non-ASCII cell are judged by Python, once per value.
        looked = self.facts[j].lookup(col.raw, rows & ((letter & total_like) | ~col.ascii))
        if len(looked.positions):
            at = looked.positions
            empty[at] = looked.flags(lambda f: f.empty)
            letter[at] = looked.flags(lambda f: f.letter)
            total[at] = looked.flags(lambda f: f.total)
            header[at] = looked.flags(lambda f: j in f.header)
        return empty, letter, total, header


# -- repeated keys ---------------------------------------------------------------------------

_P1, _P2 = np.uint64(0x100000001B3), np.uint64(0x9E3779B97F4A7C15)
_MIX1, _MIX2 = np.uint64(0xFF51AFD7ED558CCD), np.uint64(0xC4CEB9FE1A85EC53)


def key_hash(columns: list[pa.Array]) -> np.ndarray:
    """A 64-bit hash per row of the key columns: equal keys, equal hashes.

    It only finds *candidate* repeats; each is held back and confirmed against the
    file's written rows, so a collision costs a lookup, never a wrong rejection.
    """
    out = np.zeros(len(columns[0]) if columns else 0, dtype=np.uint64)
    with np.errstate(over="ignore"):
        for column in columns:
            text = column if column.type == pa.string() else column.cast(pa.string())
            out = out * _P2 + string_hash(text.fill_null("\x00"))
        # MurmurHash3's finaliser: every output bit depends on every input bit.
        for multiplier in (_MIX1, _MIX2):
            out ^= out >> np.uint64(33)
            out *= multiplier
        out ^= out >> np.uint64(33)
    return out


def string_hash(arr: pa.Array) -> np.ndarray:
    """Polynomial hash of each string's bytes (mod 2**64), mixed with its length."""
    offsets = _offsets(arr).astype(np.int64)
    lengths = np.diff(offsets)
    data = _data(arr)[offsets[0] : offsets[-1]]
    if not len(data):
        return lengths.astype(np.uint64)
    longest = int(lengths.max())
    with np.errstate(over="ignore"):
        powers = np.cumprod(np.full(longest, _P1, dtype=np.uint64))
        if (lengths == longest).all():
            # One width (identifiers usually have it): a column at a time, no per-byte index.
            grid = data.reshape(len(lengths), longest)
            sums = np.zeros(len(lengths), dtype=np.uint64)
            for i in range(longest):
                sums += grid[:, i].astype(np.uint64) * powers[i]
        else:
            starts = offsets[:-1] - offsets[0]
            position = np.arange(len(data), dtype=np.int64) - np.repeat(starts, lengths)
            weighted = np.append(data.astype(np.uint64) * powers[position], np.uint64(0))
            sums = np.add.reduceat(weighted, np.minimum(starts, len(data)))
            sums[lengths == 0] = 0
        return sums * _P2 + lengths.astype(np.uint64)


class SeenKeys:
    """The keys seen so far, as a blocked Bloom filter of fixed size.

    A fixed 32 MB, however long the file, keeps memory flat; a false "seen" only makes
    a key a candidate, which the written rows then confirm or clear.
    """

    def __init__(self, words: int = 1 << 22) -> None:
        self.bits = np.zeros(words, dtype=np.uint64)
        self.slot = np.uint64(words - 1)

    def repeats(self, hashes: np.ndarray) -> np.ndarray:
        """True where a key may have been seen before (earlier in this batch or before it)."""
        word = (hashes & self.slot).astype(np.int64)
        one, six = np.uint64(1), np.uint64(63)
        probe = one << ((hashes >> np.uint64(40)) & six)
        probe |= one << ((hashes >> np.uint64(46)) & six)
        probe |= one << ((hashes >> np.uint64(52)) & six)
        seen = (self.bits[word] & probe) == probe
        order = np.argsort(hashes, kind="stable")
        ordered = hashes[order]
        seen[order[1:]] |= ordered[1:] == ordered[:-1]
        np.bitwise_or.at(self.bits, word, probe)
        return seen


# -- binary COPY ----------------------------------------------------------------------------

PGCOPY_HEADER = b"PGCOPY\n\xff\r\n\x00" + struct.pack(">ii", 0, 0)
PGCOPY_TRAILER = struct.pack(">h", -1)
_PG_EPOCH_MICROS = 946_684_800 * 1_000_000  # 2000-01-01, PostgreSQL's epoch, in µs since 1970
_PG_EPOCH = date(2000, 1, 1)


def _fixed_binary(payload: np.ndarray, width: int, valid: np.ndarray | None) -> pa.Array:
    """Rows of ``width`` bytes each as a binary array (null where not ``valid``)."""
    n = len(payload) // width if width else 0
    offsets = pa.py_buffer((np.arange(n + 1, dtype=np.int32) * width).tobytes())
    bitmap = None if valid is None else pa.py_buffer(np.packbits(valid, bitorder="little").tobytes())
    return pa.BinaryArray.from_buffers(pa.binary(), n, [bitmap, offsets, pa.py_buffer(payload)])


def _words(lengths: np.ndarray) -> np.ndarray:
    """Big-endian 4-byte length words, one row each."""
    return lengths.astype(">i4").view(np.uint8).reshape(len(lengths), 4)


def constant_field(value: object, sql_type: str) -> bytes:
    """One binary COPY field for a value every row shares."""
    if value is None:
        return struct.pack(">i", -1)
    if sql_type == "text":
        data = str(value).encode("utf-8")
    elif sql_type == "bigint" and isinstance(value, int):
        data = struct.pack(">q", value)
    elif sql_type == "date" and isinstance(value, date):
        data = struct.pack(">i", (value - _PG_EPOCH).days)
    else:
        raise NotBulkable(f"no binary COPY constant for {sql_type}")
    return struct.pack(">i", len(data)) + data


class Tuples:
    """Binary COPY tuples for one batch, added a field at a time in COPY's column order.

    Leading fields that every row shares become one prefix; fixed-width bytes (length
    words, numbers and stamps without NULLs) are packed side by side in one NumPy block;
    only variable-length bytes stay separate Arrow arrays. One Arrow kernel then joins
    the pieces row by row into the COPY stream.
    """

    def __init__(self, rows: int, fields: int) -> None:
        self.rows = rows
        self.head = struct.pack(">h", fields)
        self.pieces: list[pa.Array] = []
        self.block: list[np.ndarray] = []

    def constant(self, value: object, sql_type: str) -> None:
        field = constant_field(value, sql_type)
        if self.pieces or self.block:
            self.block.append(np.broadcast_to(np.frombuffer(field, dtype=np.uint8), (self.rows, len(field))))
        else:
            self.head += field

    def column(self, values: pa.Array, sql_type: str) -> None:
        valid = None if values.null_count == 0 else values.is_valid().to_numpy(zero_copy_only=False)
        if sql_type == "text":
            data = values.cast(pa.binary())
            self.block.append(_words(pc.binary_length(data).fill_null(-1).to_numpy(zero_copy_only=False)))
            self._variable(data)
            return
        payload, width = _fixed_bytes(values, sql_type)
        if valid is None:
            self.block += [_words(np.full(self.rows, width)), payload.reshape(self.rows, width)]
        else:
            self.block.append(_words(np.where(valid, width, -1)))
            self._variable(_fixed_binary(payload.ravel(), width, valid))

    def _variable(self, data: pa.Array) -> None:
        self._flush()
        self.pieces.append(data)

    def _flush(self) -> None:
        if self.block:
            block = np.ascontiguousarray(np.hstack(self.block))
            self.pieces.append(_fixed_binary(block.ravel(), block.shape[1], None))
            self.block = []

    def payload(self) -> memoryview:
        self._flush()
        if not self.pieces:
            return memoryview(self.head * self.rows)
        rows = pc.binary_join_element_wise(
            pa.scalar(self.head, pa.binary()), *self.pieces, pa.scalar(b"", pa.binary()), null_handling="skip"
        )
        return memoryview(rows.buffers()[2])[: int(_offsets(rows)[-1])]


def _fixed_bytes(values: pa.Array, sql_type: str) -> tuple[np.ndarray, int]:
    """(big-endian bytes, width) of a fixed-width column; NULLs become zeros (and are skipped)."""
    if sql_type == "timestamp":
        micros = values.cast(pa.int64()).fill_null(0).to_numpy(zero_copy_only=False) - _PG_EPOCH_MICROS
        return micros.astype(">i8").view(np.uint8), 8
    if sql_type == "bigint":
        return values.fill_null(0).to_numpy(zero_copy_only=False).astype(">i8").view(np.uint8), 8
    if sql_type == "integer":
        return values.fill_null(0).to_numpy(zero_copy_only=False).astype(">i4").view(np.uint8), 4
    if sql_type == "boolean":
        return values.fill_null(False).to_numpy(zero_copy_only=False).astype(np.uint8), 1
    raise NotBulkable(f"no binary COPY for {sql_type}")


# -- the load --------------------------------------------------------------------------------


def load(
    conn: psycopg.Connection,
    kind: k.Kind,
    table: SourceTable,
    normaliser: Normaliser,
    *,
    file_id: int,
    target: sql.Composable,
    columns: list[str],
) -> BulkResult:
    """Validate the file's typed rows with the kind's suite and ``COPY`` those accepted into
    ``target`` (``raw.<kind>``); record rejections, warnings and findings on ``normaliser``.

    Nothing is written that a later step would have to delete: rows failing an error
    expectation, and repeats of a key seen earlier in the file, never reach ``target``.
    Must run inside the file's transaction. Raises :class:`NotBulkable` (after rolling its
    own savepoint back, with ``normaliser`` and ``table`` untouched) when the file needs
    the row path.
    """
    try:
        with conn.transaction():
            return _BulkLoad(conn, kind, table, normaliser, file_id, target, columns).run()
    except (pa.ArrowInvalid, pa.ArrowTypeError, psycopg.errors.DataError, UnicodeError, UnreadableFile) as exc:
        raise NotBulkable(str(exc).splitlines()[0]) from None


_SQL_TYPES = {
    k.TEXT: "text",
    k.CODE: "text",
    k.LEVEL: "text",
    k.CHANNEL: "text",
    k.ONLINE_MODE: "text",
    k.INDEX_CODE: "text",
    k.DATETIME: "timestamp",
    k.BOOL: "boolean",
    k.COUNT: "bigint",
}
_CONSTANT = ("file_id", "period_label", "period_start", "period_end")
_UNRESOLVED_PERIOD = "period unresolved: no period in the file name or the row"


@dataclass(frozen=True)
class _Place:
    code: str | None
    error: str | None
    warning: str | None
    blank: bool


@dataclass
class _Tally:
    """What the load learnt, handed to the normaliser only once nothing can fall back."""

    rows_read: int = 0
    rows_written: int = 0
    rejections: list[tuple[int, int, str | None, object, str]] = field(default_factory=list)
    warnings: list[tuple[int, str, object, str, str]] = field(default_factory=list)
    provinces: set[str] = field(default_factory=set)
    periods: set[str] = field(default_factory=set)
    findings: list[tuple[int, int, RowFinding]] = field(default_factory=list)  # (line, expectation, finding)
    unexpected: list[int] = field(default_factory=list)  # per expectation, over rows that are not repeats
    validated: int = 0  # rows the suite judged (repeats excluded, as on the row path)
    written: dict[tuple[Any, Any, Any], int] = field(default_factory=dict)  # (province, label, start) -> rows

    def count_written(self, province: Any, label: Any, start: Any, rows: int) -> None:
        key = (province, label, start)
        self.written[key] = self.written.get(key, 0) + rows


class _KeptColumns(dict[str, pa.Array]):
    """A batch's kept rows by column name; a column the file lacks reads as all missing,
    as it does in ``raw`` (the suite may name it)."""

    def __init__(self, n: int, columns: dict[str, pa.Array], types: dict[str, pa.DataType]) -> None:
        super().__init__(columns)
        self.n, self.types = n, types

    def __missing__(self, name: str) -> pa.Array:
        values = pa.nulls(self.n, self.types.get(name, pa.string()))
        self[name] = values
        return values

    def row(self, position: int, constants: dict[str, tuple[object, str]]) -> dict[str, Any]:
        """One row as the suite's messages and a late ``COPY`` see it."""
        row: dict[str, Any] = {name: value for name, (value, _) in constants.items()}
        row.update((name, values[position].as_py()) for name, values in self.items())
        return row


@dataclass
class _Held:
    """A row whose key the Bloom filter may have seen: kept aside until repeats are settled."""

    line: int
    key: tuple[Any, ...]
    row: dict[str, Any]
    failed: list[int]  # indexes of the expectations it breaks


class _BulkLoad:
    def __init__(
        self,
        conn: psycopg.Connection,
        kind: k.Kind,
        table: SourceTable,
        normaliser: Normaliser,
        file_id: int,
        target: sql.Composable,
        columns: list[str],
    ) -> None:
        self.conn, self.kind, self.table, self.normaliser = conn, kind, table, normaliser
        self.file_id, self.target = file_id, target
        self.layout = layout_of(table, kind)
        names = self.layout.header.index_map
        self.by_name = {name: pos for pos, name in names.items()}
        self.typed = [(pos, kind.column(name)) for pos, name in sorted(names.items()) if name not in IDENTITY]
        self.odd = {pos: OddValues(parse_with(c.type, normaliser.label(c.name))) for pos, c in self.typed}
        self.sorting = RowSorting(table, self.layout.header, self.layout.width)
        self.seen = SeenKeys()
        self.tally = _Tally()
        self.suite: list[ArrowExpectation] = arrow_suite(kind)
        self.tally.unexpected = [0] * len(self.suite)
        self.errors = [i for i, e in enumerate(self.suite) if e.severity == ERROR]
        self.held: list[_Held] = []
        # First line of each key whose row the suite kept out of the target (for settling repeats).
        self.unloaded: dict[tuple[Any, ...], int] = {}
        self.arrow_types = {c.name: ARROW_TYPES[c.type] for c in kind.columns if c.type in ARROW_TYPES}
        self.file_period: Period | None = normaliser.hint.period
        self.period = self.file_period
        self.periods = OddValues(self._period_cell)
        self.provinces = OddValues(self._place)
        available = {*_CONSTANT, "province_code", "source_row", *(c.name for _, c in self.typed)}
        chosen = [c for c in columns if c in available]
        # Fields the same on every row go first (the province usually is): one shared prefix.
        first = [*_CONSTANT, "province_code"]
        self.order = [c for c in first if c in chosen] + [c for c in chosen if c not in first]

    def run(self) -> BulkResult:
        statement = sql.SQL("copy {} ({}) from stdin (format binary)").format(
            self.target, sql.SQL(", ").join(map(sql.Identifier, self.order))
        )
        with self.conn.cursor().copy(statement) as copy:
            copy.write(PGCOPY_HEADER)
            for payload in in_background(self._payloads()):
                copy.write(payload)
            copy.write(PGCOPY_TRAILER)
        if self.tally.rows_read == 0:
            raise NotBulkable("no data rows")
        self._settle_held()
        self._hand_over()
        counts = [(*key, rows) for key, rows in self.tally.written.items()]
        return BulkResult(self.tally.rows_read, self.tally.rows_written, self._outcomes(), counts)

    def _payloads(self) -> Iterator[memoryview]:
        done = 0
        for batch in batches(self.table, self.layout):
            payload = self._batch(batch, self.layout.first_line + done)
            done += batch.num_rows
            if payload is not None:
                yield payload

    # -- one batch ---------------------------------------------------------------------------

    def _batch(self, batch: pa.RecordBatch, first_line: int) -> memoryview | None:
        for column in batch.columns:
            refuse_line_breaks(column)
        known: dict[int, Cells] = {}

        def cells(j: int) -> Cells:
            if j not in known:
                known[j] = Cells.of(batch.column(j))
            return known[j]

        data = self.sorting.data_rows(batch, cells, first_line)
        self.tally.rows_read += int(data.sum())
        typed = {pos: type_column(cells(pos), column.type, self.odd[pos]) for pos, column in self.typed}
        ok = data & ~self._cell_problems(typed, data, cells, first_line)
        self._periods_of(cells, ok, first_line)
        province = self._provinces_of(cells, ok, first_line)
        ok &= ~self._after_merger(typed, cells, ok, first_line)
        if not ok.any():
            return None
        return self._encode(typed, province, ok, first_line)

    def _cleaned(self, cells: Cells, position: int) -> object:
        return clean_cell(cells.raw[position].as_py())

    def _reject(self, line: int, order: int, column: str | None, raw: object, reason: str) -> None:
        self.tally.rejections.append((line, order, column, raw, reason))

    def _cell_problems(
        self, typed: dict[int, Typed], data: np.ndarray, cells: Callable[[int], Cells], first_line: int
    ) -> np.ndarray:
        """Rows with a cell the parser refuses or a required cell empty, recorded as the row path does."""
        bad = np.zeros(len(data), dtype=bool)
        for column in typed.values():
            bad[list(column.errors)] = True
        missing: dict[int, np.ndarray] = {}
        for pos, column in self.typed:
            if column.required:
                missing[pos] = typed[pos].values.is_null().to_numpy(zero_copy_only=False)
                missing[pos][list(typed[pos].errors)] = False
                bad |= missing[pos]
        bad &= data
        required = [self.by_name[name] for name in self.kind.required if name not in IDENTITY]
        for position in np.flatnonzero(bad).tolist():
            line, order = first_line + position, 0
            for pos, column in self.typed:
                if position in typed[pos].errors:
                    raw = self._cleaned(cells(pos), position)
                    self._reject(line, order, column.name, raw, typed[pos].errors[position])
                    order += 1
            for pos in required:
                if missing[pos][position]:
                    name = self.layout.header.index_map[pos]
                    label = self.normaliser.label(name)
                    self._reject(line, order, name, None, f"{label}: a value is required but the cell is empty")
                    order += 1
        return bad

    # -- identity --------------------------------------------------------------------------

    def _period_cell(self, raw: str) -> Period | str | None:
        """A row's own period, the rejection reason, or None for an empty cell."""
        cleaned = clean_cell(raw)
        if cleaned is None or v.is_blank(cleaned):
            return None
        try:
            return parse_period(cleaned)
        except v.ValueProblem as exc:
            return f"{self.normaliser.label('period')}: {exc}"

    def _periods_of(self, cells: Callable[[int], Cells], ok: np.ndarray, first_line: int) -> None:
        """Each row's period is its own cell's, else the file name's; rows with neither are rejected."""
        unresolved = ok.copy() if self.file_period is None else np.zeros(len(ok), dtype=bool)
        if "period" in self.by_name:
            column = cells(self.by_name["period"])
            found = self.periods.lookup(column.raw, ok)
            for position, reason in found.where(lambda r: isinstance(r, str)):
                self._reject(first_line + position, 0, "period", self._cleaned(column, position), reason)
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
            self._reject(first_line + position, 0, "period", None, _UNRESOLVED_PERIOD)
        ok &= ~unresolved
        if ok.any() and self.period is not None:
            self.tally.periods.add(self.period.label)

    def _place(self, raw: str) -> _Place:
        """A province cell resolved as the row path resolves it, for the file's one period."""
        cleaned = clean_cell(raw)
        file_province = self.normaliser._file_province
        if cleaned is None or v.is_blank(cleaned):
            error = None if file_province else "province unresolved: empty cell and no code in the file name"
            return _Place(file_province, error, None, True)
        try:
            match = self.normaliser.resolver.resolve(cleaned, on=self.period.start if self.period else None)
        except (UnknownProvince, v.ValueProblem) as exc:
            return _Place(None, f"{self.normaliser.label('province')}: {exc}", None, False)
        if self.normaliser._file_province_from_name and match.code != file_province:
            raise NotBulkable("a row names another province than the file name")  # the row path refuses the file
        return _Place(match.code, None, match.warning, False)

    def _provinces_of(self, cells: Callable[[int], Cells], ok: np.ndarray, first_line: int) -> pa.Array:
        """Each row's province code (null where rejected); warns about old names like the row path."""
        keep = pa.array(ok)
        if "province" not in self.by_name:
            code = self.normaliser._file_province
            if code is None:
                raise NotBulkable("no province for the rows")
            if ok.any():
                self.tally.provinces.add(code)
            return pc.if_else(keep, pa.scalar(code), pa.scalar(None, pa.string()))
        column = cells(self.by_name["province"])
        found = self.provinces.lookup(column.raw, ok)
        for position, place in found.where(lambda p: p.error is not None):
            raw = None if place.blank else self._cleaned(column, position)
            self._reject(first_line + position, 0, "province", raw, place.error)
            ok[position] = False
        for position, place in found.where(lambda p: p.warning is not None):
            self.tally.warnings.append(
                (first_line + position, "province", self._cleaned(column, position), "old_province_name", place.warning)
            )
        self.tally.provinces |= {p.code for p in found.found if p.error is None and p.code is not None}
        codes = pc.replace_with_mask(pa.nulls(len(ok), pa.string()), keep, found.column(lambda p: p.code, pa.string()))
        return codes

    def _after_merger(
        self, typed: dict[int, Typed], cells: Callable[[int], Cells], ok: np.ndarray, first_line: int
    ) -> np.ndarray:
        """District-level rows for a period after the 2025 merger are rejected, as on the row path."""
        period = self.period
        if "level" not in self.by_name or period is None or period.start < MERGER_DATE:
            return np.zeros(len(ok), dtype=bool)
        pos = self.by_name["level"]
        district = ok & _mask(pc.equal(typed[pos].values, "huyen"))
        label = self.normaliser.label("level")
        for position in np.flatnonzero(district).tolist():
            self._reject(
                first_line + position,
                0,
                "level",
                self._cleaned(cells(pos), position),
                f"{label}: district-level (cấp huyện) data for {period.label} — the district level was "
                "abolished on 2025-07-01; report these dossiers under the province or commune level",
            )
        return district

    # -- encoding for COPY -------------------------------------------------------------------

    def _encode(
        self, typed: dict[int, Typed], province: pa.Array, ok: np.ndarray, first_line: int
    ) -> memoryview | None:
        rows = np.flatnonzero(ok)
        keep = pa.array(ok)

        def kept(values: pa.Array) -> pa.Array:
            return values if len(rows) == len(ok) else values.filter(keep)

        per_row: dict[str, tuple[pa.Array, str]] = {
            "source_row": (pa.array((rows + first_line).astype(np.int32)), "integer"),
            "province_code": (kept(province), "text"),
        }
        for pos, column in self.typed:
            per_row[column.name] = (kept(typed[pos].values), _SQL_TYPES[column.type])
        period = self.period
        constants: dict[str, tuple[object, str]] = {
            "file_id": (self.file_id, "bigint"),
            "period_label": (period.label if period else None, "text"),
            "period_start": (period.start if period else None, "date"),
            "period_end": (period.end if period else None, "date"),
        }
        columns = _KeptColumns(len(rows), {name: values for name, (values, _) in per_row.items()}, self.arrow_types)
        load = self._judge(columns, constants, rows + first_line)
        if not load.any():
            return None
        if not load.all():
            chosen = pa.array(load)
            per_row = {name: (values.filter(chosen), t) for name, (values, t) in per_row.items()}
        n = int(load.sum())
        self.tally.rows_written += n
        codes = per_row["province_code"][0]
        label, start = constants["period_label"][0], constants["period_start"][0]
        if codes.null_count == 0 and pc.all(pc.equal(codes, codes[0])).as_py():
            constants["province_code"] = (codes[0].as_py(), "text")  # the usual file: one province
            self.tally.count_written(codes[0].as_py(), label, start, n)
        else:
            for entry in pc.value_counts(codes).to_pylist():
                self.tally.count_written(entry["values"], label, start, entry["counts"])
        tuples = Tuples(n, len(self.order))
        for name in self.order:
            if name in constants:
                tuples.constant(*constants[name])
            else:
                tuples.column(*per_row[name])
        return tuples.payload()

    # -- the suite and repeated keys, before anything is written ------------------------------

    def _judge(self, columns: _KeptColumns, constants: dict[str, tuple[object, str]], lines: np.ndarray) -> np.ndarray:
        """Which kept rows go to the target now; the rest are findings or held back.

        A row whose key the Bloom filter may have seen is held back: it is either a repeat
        (rejected, as the row path rejects it before validating) or a false alarm (written
        at the end). Every other row is the first of its key, so its suite verdict stands.
        """
        key = [columns[c] for c in self.kind.natural_key]
        held = self.seen.repeats(key_hash(key))
        masks = [e.unexpected(columns) for e in self.suite]
        error = np.zeros(len(lines), dtype=bool)
        for i in self.errors:
            error |= masks[i]
        judged = ~held
        self.tally.validated += int(judged.sum())
        for i, mask in enumerate(masks):
            self.tally.unexpected[i] += int((mask & judged).sum())
        failing = np.zeros(len(lines), dtype=bool)
        for mask in masks:
            failing |= mask
        for position in np.flatnonzero((failing & judged) | held).tolist():
            row = columns.row(position, constants)
            failed = [i for i, mask in enumerate(masks) if mask[position]]
            line = int(lines[position])
            key_values = tuple(row[c] for c in self.kind.natural_key)
            if held[position]:
                self.held.append(_Held(line, key_values, row, failed))
                continue
            self._found(line, row, failed)
            if error[position]:
                self.unloaded.setdefault(key_values, line)
        return ~held & ~error

    def _found(self, line: int, row: dict[str, Any], failed: list[int]) -> None:
        labels = self.table.columns
        for i in failed:
            e = self.suite[i]
            finding = RowFinding(
                source_row=line,
                column=e.blame,
                raw_value=raw_text(row.get(e.blame)),
                rule=e.rule,
                severity=e.severity,
                message=render(e.message, row, labels),
            )
            self.tally.findings.append((line, i, finding))

    def _settle_held(self) -> None:
        """Reject the held rows that repeat an earlier row's key; judge and write the others."""
        if not self.held:
            return
        lines: dict[tuple[Any, ...], list[int]] = {}
        for h in self.held:
            if None not in h.key:  # a missing key part never matches (as in SQL)
                lines.setdefault(h.key, []).append(h.line)
        for key_values, line in self.unloaded.items():
            if key_values in lines:
                lines[key_values].append(line)
        for key_values, line in self._lines_in_target(list(lines)):
            lines[key_values].append(line)
        late: list[_Held] = []
        for h in self.held:
            first = min(lines[h.key]) if h.key in lines else h.line
            if h.line > first:
                described = ", ".join(str(x) for x in h.key)
                self._reject(
                    h.line,
                    0,
                    None,
                    described,
                    f"repeats the key ({described}) of row {first} in the same file; send each record once per delivery",
                )
                continue
            self.tally.validated += 1
            for i in h.failed:
                self.tally.unexpected[i] += 1
            self._found(h.line, h.row, h.failed)
            if not any(i in self.errors for i in h.failed):
                late.append(h)
        if late:
            statement = sql.SQL("copy {} ({}) from stdin").format(
                self.target, sql.SQL(", ").join(map(sql.Identifier, self.order))
            )
            with self.conn.cursor().copy(statement) as copy:
                for h in late:
                    copy.write_row([h.row.get(c) for c in self.order])
                    self.tally.count_written(
                        h.row.get("province_code"), h.row.get("period_label"), h.row.get("period_start"), 1
                    )
            self.tally.rows_written += len(late)

    def _lines_in_target(self, keys: list[tuple[Any, ...]]) -> list[tuple[tuple[Any, ...], int]]:
        """(key, source row) of this file's rows already written with one of ``keys``."""
        if not keys:
            return []
        names = sql.SQL(", ").join(map(sql.Identifier, self.kind.natural_key))
        self.conn.execute(
            sql.SQL("create temp table bulk_repeats on commit drop as select {} from {} limit 0").format(
                names, self.target
            )
        )
        with self.conn.cursor().copy(sql.SQL("copy bulk_repeats ({}) from stdin").format(names)) as copy:
            for values in keys:
                copy.write_row(values)
        same = sql.SQL(" and ").join(
            sql.SQL("s.{c} = r.{c}").format(c=sql.Identifier(c)) for c in self.kind.natural_key
        )
        # The file's rows are not in raw's statistics yet: PostgreSQL would take them for a
        # handful and loop over them once per key. One hash join, then the setting as it was.
        previous = self.conn.execute("select current_setting('enable_nestloop')").fetchone()
        self.conn.execute("set local enable_nestloop = off")
        found = self.conn.execute(
            sql.SQL("select s.source_row, {} from {} s join bulk_repeats r on {} where s.file_id = %s").format(
                sql.SQL(", ").join(sql.SQL("s.{}").format(sql.Identifier(c)) for c in self.kind.natural_key),
                self.target,
                same,
            ),
            (self.file_id,),
        ).fetchall()
        self.conn.execute(
            sql.SQL("set local enable_nestloop = {}").format(sql.Literal(previous[0] if previous else "on"))
        )
        return [(tuple(values), line) for line, *values in found]

    def _outcomes(self) -> list[ExpectationOutcome]:
        total = self.tally.validated
        return [e.outcome(n, total, "while loading") for e, n in zip(self.suite, self.tally.unexpected, strict=True)]

    def _hand_over(self) -> None:
        """Past the last point that can hand the file back to the row path."""
        n = self.normaliser
        n.rows_read += self.tally.rows_read
        for line, _, column, raw, reason in sorted(self.tally.rejections, key=lambda r: (r[0], r[1])):
            n.reject(line, column, raw, reason)
        for line, column, raw, rule, message in sorted(self.tally.warnings, key=lambda w: w[0]):
            n.warn(line, column, raw, rule, message)
        for _, _, f in sorted(self.tally.findings, key=lambda x: (x[0], x[1])):
            if f.severity == ERROR:
                n.reject(f.source_row, f.column, f.raw_value, f.message)
            else:
                n.warn(f.source_row, f.column, f.raw_value, f.rule, f.message)
        n.provinces_seen |= self.tally.provinces
        n.periods_seen |= self.tally.periods
        self.table.total_rows.extend(self.sorting.stub.total_rows)
        self.table.skipped_blank_rows += self.sorting.stub.skipped_blank_rows


# -- a producer thread, so that reading and typing overlap with COPY --------------------------

_DONE = object()


def in_background(items: Iterator[Any], depth: int = 2) -> Iterator[Any]:
    """Run ``items`` in a thread, up to ``depth`` items ahead; its exceptions surface here."""
    handoff: queue.Queue[Any] = queue.Queue(maxsize=depth)
    stop = threading.Event()

    def put(item: Any) -> None:
        while not stop.is_set():
            try:
                handoff.put(item, timeout=0.1)
                return
            except queue.Full:
                continue

    def produce() -> None:
        try:
            for item in items:
                if stop.is_set():
                    return
                put(item)
            put(_DONE)
        except BaseException as exc:  # noqa: BLE001 - handed to the consumer, which raises it
            put(exc)

    worker = threading.Thread(target=produce, name="bulk-load-reader", daemon=True)
    worker.start()
    try:
        while True:
            item = handoff.get()
            if item is _DONE:
                return
            if isinstance(item, BaseException):
                raise item
            yield item
    finally:
        stop.set()
        worker.join()
