"""XLSX / XLS through calamine: cached formula values, dates as dates, merged ranges.

calamine also reports merged ranges and hidden sheets, so a second parse with openpyxl
(slow, and memory-hungry outside read-only mode) is not needed for either.
"""

from __future__ import annotations

import zipfile
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from itertools import chain
from pathlib import Path

from python_calamine import CalamineSheet, CalamineWorkbook, PasswordError, SheetTypeEnum, SheetVisibleEnum

from ..config import settings
from ..kinds import PERCENT, Kind
from .model import SourceRow, SourceTable, UnreadableFile
from .sniff import ENCRYPTED_PACKAGE, OLE_MAGIC, ZIP_MAGIC, describe_binary, looks_like_markup
from .table import HEADER_SCAN_ROWS, Header, Merge, RawRow, RowSorter, guarded, locate_header

# An .xlsx is a ZIP of XML; a "zip bomb" expands to far more than any report sheet.
MAX_EXPANDED_BYTES = 4 << 30
MAX_SHEETS_SCANNED = 20
# Another sheet replaces the first visible one only when it matches clearly more columns.
_CLEARLY_BETTER = 2

_PASSWORD_ADVICE = "remove the password (File > Info > Protect Workbook > Encrypt with Password) and send it again"  # noqa: S105 - advice, not a secret


def _name(path: Path) -> str:
    return f"'{path.name}'"


def _content_format(path: Path, declared: str) -> str:
    """'xlsx' or 'xls' according to the bytes, or UnreadableFile saying what the file is."""
    what = _name(path)
    with path.open("rb") as f:
        head = f.read(4096)
    if not head:
        raise UnreadableFile(f"{what} is empty (0 bytes); send the workbook again")
    if head.startswith(ZIP_MAGIC):
        _check_zip(path, what)
        return "xlsx"
    if head.startswith(OLE_MAGIC):
        if _is_encrypted(path):
            raise UnreadableFile(f"{what} is password-protected, so it cannot be read; {_PASSWORD_ADVICE}")
        return "xls"
    label = declared.upper()
    markup = looks_like_markup(head)
    if markup:
        raise UnreadableFile(
            f"{what} is not a real {label} workbook but {markup} saved with an .{declared} name; "
            "open it in Excel and save it as Excel Workbook (.xlsx)"
        )
    binary = describe_binary(head)
    if binary is None and _mostly_text(head):
        raise UnreadableFile(
            f"{what} is not a {label} workbook but a text file; if it is a CSV export, rename it to .csv"
        )
    raise UnreadableFile(
        f"{what} is not a readable {label} workbook: its content is {binary or 'not an Excel file'}; "
        "save it from Excel as Excel Workbook (.xlsx) and send it again"
    )


def _mostly_text(head: bytes) -> bool:
    try:
        text = head.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return sum(ch.isprintable() or ch in "\t\r\n" for ch in text) >= 0.98 * len(text)


def _check_zip(path: Path, what: str) -> None:
    try:
        with zipfile.ZipFile(path) as archive:
            infos = archive.infolist()
    except (zipfile.BadZipFile, OSError, ValueError) as exc:
        raise UnreadableFile(f"{what} is not a readable XLSX workbook (truncated or corrupt): {exc}") from None
    names = {i.filename for i in infos}
    if "xl/workbook.xml" not in names and "xl/workbook.bin" not in names:
        listed = ", ".join(sorted(names)[:5]) or "nothing"
        raise UnreadableFile(f"{what} is a ZIP archive but not an Excel workbook (it holds: {listed})")
    expanded = sum(i.file_size for i in infos)
    compressed = sum(i.compress_size for i in infos) or 1
    limit = min(MAX_EXPANDED_BYTES, settings().max_unzipped_bytes)
    if expanded > limit:
        raise UnreadableFile(
            f"{what} expands to {expanded / 2**20:,.0f} MB when unzipped, beyond the "
            f"{limit / 2**20:,.0f} MB limit for a workbook; split it, or send the data as CSV"
        )
    # Real workbooks compress 5-20x; hundreds of times is a zip bomb, whatever its size.
    if expanded > 20 << 20 and expanded / compressed > 200:
        raise UnreadableFile(
            f"{what} would expand {expanded / compressed:,.0f} times when unzipped, which no real workbook does; "
            "it is refused as a possible zip bomb"
        )


def _is_encrypted(path: Path) -> bool:
    # The stream name lives in the OLE directory, which small files keep near the start
    # and large ones anywhere: scan in chunks rather than loading the file.
    tail = b""
    with path.open("rb") as f:
        while chunk := f.read(1 << 20):
            if ENCRYPTED_PACKAGE in tail + chunk:
                return True
            tail = chunk[-len(ENCRYPTED_PACKAGE) :]
    return False


@dataclass
class _SheetRows:
    """A sheet's rows numbered as Excel shows them, the first rows buffered for the header."""

    name: str
    head: list[RawRow]
    rest: Iterator[RawRow]
    merges: list[Merge] | None


def _sheet_rows(sheet: CalamineSheet) -> _SheetRows:
    start = sheet.start
    merges = sheet.merged_cell_ranges
    merge_list = None if merges is None else [(r0, c0, r1, c1) for (r0, c0), (r1, c1) in merges]
    if start is None:
        return _SheetRows(sheet.name, [], iter(()), merge_list)
    first_row, first_col = start
    raw = iter(sheet.iter_rows())
    # calamine pads the rows above the data but starts columns at the first used one;
    # find out which rather than rely on it, so row numbers match what Excel shows.
    offset = 0
    pending: list[Sequence[object]] = []
    if first_row > 0:
        first = next(raw, None)
        if first is not None:
            if any(c not in ("", None) for c in first):
                offset = first_row
            pending.append(first)
    pad = [None] * first_col

    def numbered() -> Iterator[RawRow]:
        for number, cells in enumerate(chain(pending, raw), start=offset + 1):
            yield number, [*pad, *cells] if pad else cells

    rows = numbered()
    head = [row for _, row in zip(range(HEADER_SCAN_ROWS), rows, strict=False)]
    return _SheetRows(sheet.name, head, rows, merge_list)


def _open_workbook(path: Path, declared: str, actual: str) -> CalamineWorkbook:
    what = _name(path)
    try:
        if actual == declared:
            return CalamineWorkbook.from_path(str(path))
        # Content and extension disagree (an .xls that is really .xlsx): let calamine
        # recognise the content instead of trusting the name.
        with path.open("rb") as f:
            return CalamineWorkbook.from_filelike(f)
    except PasswordError:
        raise UnreadableFile(f"{what} is password-protected, so it cannot be read; {_PASSWORD_ADVICE}") from None
    except Exception as exc:  # noqa: BLE001 - calamine raises several unrelated types
        raise UnreadableFile(
            f"{what} is not a readable {actual.upper()} workbook (truncated or corrupt): {exc}"
        ) from None


def _candidate_sheets(workbook: CalamineWorkbook, what: str) -> list[str]:
    visible = [
        m.name
        for m in workbook.sheets_metadata
        if m.visible == SheetVisibleEnum.Visible and m.typ == SheetTypeEnum.WorkSheet
    ]
    if not visible:
        raise UnreadableFile(f"{what} has no visible worksheet; unhide the sheet that holds the table")
    return visible[:MAX_SHEETS_SCANNED]


def open_excel(path: Path, kind: Kind, declared: str) -> SourceTable:
    actual = _content_format(path, declared)
    what = _name(path)
    workbook = _open_workbook(path, declared, actual)
    try:
        chosen = _choose_sheet(workbook, kind, what, actual)
    finally:
        # The chosen sheet's cells are already in memory; the file is not needed any more.
        workbook.close()
    sheet_rows, header = chosen
    table = SourceTable(
        path=path,
        format=actual,
        encoding=None,
        delimiter=None,
        sheet=sheet_rows.name,
        header_row=header.number,
        columns=header.columns,
        ignored_columns=header.ignored,
    )
    sheet_what = f"{what} (sheet '{sheet_rows.name}')"
    scaled = _percent_formatted(path, actual, sheet_rows.name, header, kind)
    table.rows = guarded(_stream(sheet_rows, header, table, scaled), sheet_what)
    return table


_PERCENT_PROBE_MAX_BYTES = 50 << 20


def _percent_formatted(path: Path, actual: str, sheet: str, header: Header, kind: Kind) -> set[tuple[int, int]]:
    """(row, column) of the cells in percentage columns that Excel formats as percent.

    Such a cell shows "99,44%" but holds 0.9944, and calamine gives only the value. The
    contract's percentages are on a 0-100 scale, so exactly these cells are scaled by 100;
    a neighbour typed as 99.44 is left alone. openpyxl (read-only) gives the formats;
    percentage columns live in summary reports, which are small.
    """
    wanted = {pos for pos, name in header.index_map.items() if kind.column(name).type == PERCENT}
    if not wanted or actual != "xlsx" or path.stat().st_size > _PERCENT_PROBE_MAX_BYTES:
        return set()
    try:
        import openpyxl

        book = openpyxl.load_workbook(path, read_only=True, data_only=True)
        try:
            found: set[tuple[int, int]] = set()
            for number, row in enumerate(book[sheet].iter_rows(min_row=header.number + 1), start=header.number + 1):
                for pos in wanted:
                    cell = row[pos] if pos < len(row) else None
                    value = getattr(cell, "value", None)
                    if isinstance(value, int | float) and "%" in str(getattr(cell, "number_format", "")):
                        found.add((number, pos))
            return found
        finally:
            book.close()
    except Exception:  # noqa: BLE001 - formats are a refinement; the values were read already
        return set()


def _choose_sheet(workbook: CalamineWorkbook, kind: Kind, what: str, actual: str) -> tuple[_SheetRows, Header]:
    first: tuple[_SheetRows, Header | None, str] | None = None
    best: tuple[_SheetRows, Header] | None = None
    for name in _candidate_sheets(workbook, what):
        sheet_what = f"{what} (sheet '{name}')"
        try:
            sheet = _sheet_rows(workbook.get_sheet_by_name(name))
        except Exception as exc:  # noqa: BLE001 - calamine raises several unrelated types
            raise UnreadableFile(
                f"{sheet_what} is not readable ({actual.upper()} truncated or corrupt): {exc}"
            ) from None
        try:
            header: Header | None = locate_header(sheet.head, kind, sheet_what, sheet.merges)
            failure = ""
        except UnreadableFile as exc:
            header, failure = None, str(exc)
        if first is None:
            first = (sheet, header, failure)
        if header is not None and (best is None or len(header.index_map) > len(best[1].index_map)):
            best = (sheet, header)
    if first is None:  # openpyxl gives every workbook at least one sheet
        raise RuntimeError("the workbook has no sheet")
    first_sheet, first_header, first_failure = first
    if first_header is not None:
        if best is not None and len(best[1].index_map) >= len(first_header.index_map) + _CLEARLY_BETTER:
            return best
        return first_sheet, first_header
    if best is not None:
        return best
    raise UnreadableFile(first_failure)


def _stream(sheet: _SheetRows, header: Header, table: SourceTable, scaled: set[tuple[int, int]]) -> Iterator[SourceRow]:
    rows: Iterator[RawRow] = chain(sheet.head[header.position + 1 :], sheet.rest)
    if scaled:
        rows = (_scale_percent(row, scaled) for row in rows)
    yield from RowSorter(table, header).rows(rows)


def _scale_percent(row: RawRow, scaled: set[tuple[int, int]]) -> RawRow:
    number, cells = row
    cells = list(cells)
    for pos in {p for n, p in scaled if n == number}:
        if pos >= len(cells):
            continue
        value = cells[pos]
        if isinstance(value, int | float) and not isinstance(value, bool):
            # round() drops the binary noise of x*100 (0.9944*100 = 99.44000000000001).
            cells[pos] = round(value * 100, 9)
    return number, cells
