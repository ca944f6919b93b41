"""Format-independent table logic: cleaning cells, finding the header, sorting rows.

Every reader turns its file into numbered rows of cells; this module decides which row
is the header and which of the rows after it are data, totals, or spacers and footers.
"""

from __future__ import annotations

import itertools
import json
import re
import unicodedata
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import date, datetime

from ..headers import fold_label, fold_text, header_labels, match_columns
from ..kinds import Kind
from .model import SourceRow, SourceTable, UnreadableFile

# Titles, ministry letterheads and blank lines above a header rarely take more than a
# dozen rows; 30 leaves room without scanning data as if it were a header.
HEADER_SCAN_ROWS = 30

RawRow = tuple[int, Sequence[object]]
# A merged range as (first row, first col, last row, last col), 0-based, as Excel stores it.
Merge = tuple[int, int, int, int]

# The folded first text cell of a total row: "Tổng cộng", "Tổng số", "Cộng", "Total",
# "Tổng", "Tổng cộng toàn tỉnh", "Tổng số (A+B)". "Toàn tỉnh" / "Toàn quốc" rows sum the
# units above them just like "Tổng cộng" does.
_TOTAL = re.compile(r"tongcong.*|(?:tong(?:so)?|cong|total|grandtotal)(?:toantinh|toanquoc|chung)?|toantinh|toanquoc")
# Folded notes and signature lines under a report table. They must be the whole cell or
# the part before a colon ("Nơi nhận:", "Ghi chú: ..."): as prefixes they would also
# catch data such as the procedure "Xác nhận tình trạng hôn nhân".
_FOOTER_WORDS = frozenset(
    {
        "noinhan",
        "nguoilap",
        "nguoilapbieu",
        "nguoilapbang",
        "ghichu",
        "luuy",
        "nguon",
        "nguonsolieu",
        "thutruong",
        "thutruongdonvi",
        "lanhdao",
        "lanhdaodonvi",
        "ketoan",
        "ketoantruong",
        "giamdoc",
        "phogiamdoc",
        "chutich",
        "phochutich",
        "truongphong",
        "chanhvanphong",
        "nguoiky",
        "xacnhan",
        "xacnhancuathutruongdonvi",
        "kyghirohoten",
        "kytenghirohoten",
        "kyghirohotenvadongdau",
        "kytendongdau",
        "dasky",
        "luu",
        "luuvt",
    }
)
# Signature blocks are sparse: a title and a name, not a row of values.
_FOOTER_MAX_CELLS = 3
_FOOTER_ABBREVIATION = re.compile(r"^(TM|KT|TL|TUQ)\s*\.", re.IGNORECASE)  # "TM. ỦY BAN NHÂN DÂN"
_DATE_LINE = re.compile(r"ngay\d{0,2}thang\d{0,2}nam\d{0,4}")  # "Nghệ An, ngày 15 tháng 7 năm 2022"
_NUMBER_LIKE = re.compile(r"[\d\s.,%+\-]+")
# A column-number row under the header: "(1) (2) (3)=(4)+(5)" or "A B 1 2 3".
_MARK = r"\(?\s*(?:\d{1,2}|[A-Za-z])\s*\)?"
_NUMBERING = re.compile(rf"{_MARK}(?:\s*[-+=*/x:]\s*{_MARK})*")
_LEADING_INT = re.compile(r"\(?\s*(\d{1,2})")


def clean_cell(value: object) -> object:
    """NFC text without surrounding space, None for empty; Excel numbers and dates made plain."""
    if value is None:
        return None
    if isinstance(value, str):
        text = value.strip()
        if text and not text.isascii():
            # Windows-1258 and Mac tools write tone marks as combining characters.
            text = unicodedata.normalize("NFC", text).strip("\ufeff\u200b").strip()
        return text or None
    if isinstance(value, bool):
        return value
    if isinstance(value, float):
        if value != value:  # NaN: an empty cell in some exporters
            return None
        # Excel stores every number as a float; 82978.0 is the count a person typed.
        if value.is_integer() and abs(value) < 2**53:
            return int(value)
        return value
    if isinstance(value, datetime):
        return value
    if isinstance(value, date):
        return datetime(value.year, value.month, value.day)
    if isinstance(value, dict | list):
        # Nested JSON has no column meaning; keep it visible as text for the rejection.
        return json.dumps(value, ensure_ascii=False)
    return value


def _texts(cells: Sequence[object]) -> list[str | None]:
    out: list[str | None] = []
    for c in cells:
        v = clean_cell(c)
        out.append(None if v is None else str(v))
    return out


@dataclass
class Header:
    number: int  # row number of the (last) header row
    position: int  # index of that row among the scanned rows
    index_map: dict[int, str]  # column position -> canonical name
    columns: dict[str, str]  # canonical name -> label as written
    ignored: list[str]
    # The header rows' own texts, to recognise the header repeated further down.
    header_texts: list[list[str | None]]


def fill_group_row(
    group: Sequence[object],
    sub: Sequence[object],
    group_number: int,
    merges: Sequence[Merge] | None,
    row_text: Callable[[int], list[str | None]],
) -> list[str | None]:
    """Spread a group label over the columns it spans.

    Excel keeps a merged cell's text in its first cell only. With merge information the
    ranges say how far it reaches; without it (CSV, "centre across selection"), the text
    is carried right over empty group cells that have a sub-header below them.
    """
    g = _texts(group)
    s = _texts(sub)
    width = max(len(g), len(s))
    g += [None] * (width - len(g))
    s += [None] * (width - len(s))
    filled = list(g)
    from_merge: set[int] = set()
    vertical: set[int] = set()
    row0 = group_number - 1
    for r0, c0, r1, c1 in merges or ():
        if not r0 <= row0 <= r1 or c0 >= width:
            continue  # elsewhere, or right of every cell that holds text
        if r1 > r0:
            vertical.update(range(c0, c1 + 1))
        if c1 > c0:
            top = g[c0] if r0 == row0 else _at(row_text(r0 + 1), c0)
            for c in range(c0, min(c1, width - 1) + 1):
                filled[c] = top
                from_merge.add(c)
    for c in range(1, width):
        if filled[c] is None and s[c] is not None and c not in from_merge:
            left = c - 1
            if filled[left] is not None and left not in from_merge and left not in vertical:
                filled[c] = filled[left]
    return filled


def _at(cells: Sequence[str | None], i: int) -> str | None:
    return cells[i] if i < len(cells) else None


def locate_header(
    rows: Sequence[RawRow],
    kind: Kind,
    what: str,
    merges: Sequence[Merge] | None = None,
) -> Header:
    """Pick the row (or pair of rows) among the first rows that names the most columns."""
    scanned = list(rows[:HEADER_SCAN_ROWS])
    texts = {number: _texts(cells) for number, cells in scanned}

    def row_text(number: int) -> list[str | None]:
        return texts.get(number, [])

    best: Header | None = None
    best_score = 0
    best_cells = 0
    for pos, (number, _cells) in enumerate(scanned):
        sub = texts[number]
        if all(t is None for t in sub):
            continue
        # A row names at most as many columns as it has cells with text, and it must name more
        # than the best row so far to replace it: the data rows under a header that matched
        # every cell are not matched at all (matching folds every cell, the costly part).
        index_map: dict[int, str] = {}
        ignored: list[str] = []
        if _with_text(sub) > best_score:
            index_map, ignored = match_columns(sub, kind)
        group: list[str | None] | None = None
        # Adjacent by position, not number: a quoted line break makes a CSV record two lines.
        above = scanned[pos - 1] if pos else None
        if above and any(t is not None for t in texts[above[0]]):
            filled = fill_group_row(above[1], _cells, above[0], merges, row_text)
            if _with_text(sub, filled) > max(best_score, len(index_map)):
                two_map, two_ignored = match_columns(sub, kind, filled)
                # The row above is a group row only when it adds columns; otherwise it is a title.
                if len(two_map) > len(index_map):
                    index_map, ignored, group = two_map, two_ignored, filled
        if len(index_map) > best_score:
            labels = header_labels(sub, group)
            best_score = len(index_map)
            best_cells = sum(1 for t in labels if t)
            header_rows = [sub] if group is None else [texts[scanned[pos - 1][0]], sub]
            best = Header(
                number=number,
                position=pos,
                index_map=index_map,
                columns={name: labels[i] for i, name in index_map.items()},
                ignored=ignored,
                header_texts=header_rows,
            )
    # One matched label could be a title that happens to say "Tỉnh"; demand two, unless
    # the table really has a single column.
    if best is None or best_score < 2 and best_cells != 1:
        raise UnreadableFile(
            f"{what}: no header row found in the first {HEADER_SCAN_ROWS} rows; "
            f"expected columns such as {expected_labels(kind)}"
        )
    return best


def _with_text(*rows: Sequence[str | None]) -> int:
    """Positions where any of ``rows`` has text: the most columns they can name together."""
    return sum(1 for cells in itertools.zip_longest(*rows) if any(cells))


def expected_labels(kind: Kind) -> str:
    columns = [kind.column(n) for n in kind.required] or list(kind.columns)
    return ", ".join(f"'{c.labels[0] if c.labels else c.name}'" for c in columns[:5])


def _has_letter(text: str) -> bool:
    return any(ch.isalpha() for ch in text)


def is_total_row(nonempty: Sequence[tuple[int, object]]) -> bool:
    """A total row names itself in its first text cell ("Tổng cộng", after an empty STT)."""
    for _, value in nonempty[:3]:
        if isinstance(value, str) and _has_letter(value):
            return names_total(value)
    return False


def names_total(text: str) -> bool:
    """Whether a row's first cell with a letter makes it a total row (the bulk path asks too)."""
    # Cheap test first: this runs on every row of multi-million-row logs.
    if text[:1] not in "TtCcGg":
        return False
    return bool(_TOTAL.fullmatch(fold_label(text)))


def is_numbering_row(nonempty: Sequence[tuple[int, object]]) -> bool:
    """The "(1) (2) (3)" or "A B 1 2 3" row some forms put under the header."""
    if len(nonempty) < 2:
        return False
    tokens: list[str] = []
    for _, value in nonempty:
        if isinstance(value, bool) or not isinstance(value, int | str):
            return False
        token = str(value)
        if not _NUMBERING.fullmatch(token):
            return False
        tokens.append(token)
    if all(t.startswith("(") for t in tokens):
        return True
    numbers = [int(m.group(1)) for t in tokens if (m := _LEADING_INT.match(t))]
    # Consecutive numbers only: a data row of small counts is not 1, 2, 3, 4.
    return len(numbers) >= 3 and all(b == a + 1 for a, b in zip(numbers, numbers[1:], strict=False))


def _is_footer_marker(nonempty: Sequence[tuple[int, object]]) -> bool:
    if len(nonempty) > _FOOTER_MAX_CELLS:
        return False
    texts = [v for _, v in nonempty if isinstance(v, str)]
    if len(texts) < len(nonempty):  # a cell that is not text
        return False
    if any(_NUMBER_LIKE.fullmatch(t) for t in texts):
        return False
    first = str(nonempty[0][1])
    if _FOOTER_ABBREVIATION.match(first):
        return True
    if fold_text(first.split(":", 1)[0]) in _FOOTER_WORDS:
        return True
    return bool(_DATE_LINE.search(fold_text(first)))


class RowSorter:
    """Sorts the rows after the header into data, totals and skipped rows."""

    def __init__(self, table: SourceTable, header: Header, *, sheet_like: bool = True) -> None:
        self.table = table
        self.items = sorted(header.index_map.items())
        self.matched = set(header.index_map)
        self.header_texts = header.header_texts
        # Footers, column-number rows and repeated headers belong to printed reports;
        # JSON records have none of them.
        self.sheet_like = sheet_like
        self.first = True
        self.in_footer = False

    def passed_data_row(self) -> None:
        """A caller recognised a data row itself (the bulk path's cheap test) and kept it from us.

        Such a row has more than three cells: it ends a footer block, and the first row
        (the only one tested as a numbering row) went before it.
        """
        self.in_footer = False
        self.first = False

    def rows(self, raw_rows: Iterable[RawRow]) -> Iterator[SourceRow]:
        for number, cells in raw_rows:
            cleaned = [clean_cell(c) for c in cells]
            nonempty = [(i, v) for i, v in enumerate(cleaned) if v is not None]
            if not nonempty:
                self.table.skipped_blank_rows += 1
                continue
            if self.sheet_like and self._skip(nonempty):
                self.table.skipped_blank_rows += 1
                continue
            values = {name: cleaned[i] if i < len(cleaned) else None for i, name in self.items}
            if is_total_row(nonempty):
                self.table.total_rows.append(SourceRow(number, values))
                continue
            yield SourceRow(number, values)

    def _skip(self, nonempty: list[tuple[int, object]]) -> bool:
        first, self.first = self.first, False
        if first and is_numbering_row(nonempty):
            return True
        if self._repeats_header(nonempty):
            return True
        if all(i not in self.matched for i, _ in nonempty) and all(
            isinstance(v, str) and _has_letter(v) for _, v in nonempty
        ):
            # Only notes outside the table's columns ("Ghi chú: ...", a signature).
            return True
        if _is_footer_marker(nonempty):
            self.in_footer = True
            return True
        if self.in_footer:
            # Names and titles under "NGƯỜI LẬP BIỂU"; a fuller row, or one with a digit, is data again.
            if len(nonempty) <= _FOOTER_MAX_CELLS and all(
                isinstance(v, str) and not any(ch.isdigit() for ch in v) for _, v in nonempty
            ):
                return True
            self.in_footer = False
        return False

    def _repeats_header(self, nonempty: list[tuple[int, object]]) -> bool:
        # Concatenated exports repeat the header line; it is not a data row.
        i0, v0 = nonempty[0]
        for texts in self.header_texts:
            if _at(texts, i0) == v0 and all(
                isinstance(v, str) and fold_text(v) == fold_text(_at(texts, i) or "") for i, v in nonempty
            ):
                return True
        return False


def guarded(rows: Iterator[SourceRow], what: str) -> Iterator[SourceRow]:
    """Let only UnreadableFile out of row iteration, whatever broke underneath."""
    try:
        yield from rows
    except UnreadableFile:
        raise
    except Exception as exc:  # noqa: BLE001 - the contract: callers handle one exception type
        raise UnreadableFile(f"{what}: reading stopped part-way: {type(exc).__name__}: {exc}") from exc
