"""File writers for the formats provinces send: CSV in several encodings, xlsx reports, JSON.

The sample-data generator and the tests build their fixtures with these functions, so
they reproduce the quirks of real exports on purpose (Windows-1258 with decomposed tone
marks, UTF-16 "Unicode text", title rows and merged two-row headers) while staying
byte-for-byte deterministic: the same arguments always give the same file.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import re
import unicodedata
import zipfile
from collections.abc import Iterable, Iterator, Sequence
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path
from typing import Any, BinaryIO

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter

from .readers.legacy_vietnamese import TCVN3, VNI

# Workbook metadata and zip entry times would otherwise carry "now" and make two runs
# with the same seed differ.
FIXED_TIMESTAMP = dt.datetime(2025, 1, 1, 8, 0, 0)

_UTF8_BOM = b"\xef\xbb\xbf"
_UTF16_LE_BOM = b"\xff\xfe"

# The five Vietnamese tone marks. Windows-1258 has them only as combining characters,
# while the vowel shapes (â, ê, ô, ơ, ư, ă) exist precomposed, so cp1258 text is
# "base letter (with its shape) + tone mark".
_TONE_MARKS = frozenset("\u0300\u0301\u0303\u0309\u0323")

_GROUP_SEPARATORS = {"dot": ".", "comma": ",", "space": " ", "nbsp": "\u00a0", "plain": ""}


def vn_number(n: int | float, style: str = "dot", decimals: int = 2) -> str:
    """Format a number the way Vietnamese reports print it.

    Integers get a thousands separator chosen by ``style`` (``82978`` -> ``82.978``);
    floats get ``decimals`` places with a decimal comma (``90.09`` -> ``90,09``), except in
    the ``comma`` style, where the comma already groups thousands and the decimal mark is
    a point, so the text stays unambiguous.
    """
    if style not in _GROUP_SEPARATORS:
        raise ValueError(f"unknown number style {style!r}; expected one of {sorted(_GROUP_SEPARATORS)}")
    if isinstance(n, bool) or not isinstance(n, int | float):
        raise TypeError(f"vn_number needs an int or a float, got {type(n).__name__}")
    group = _GROUP_SEPARATORS[style]
    if isinstance(n, int):
        return _group_digits(str(abs(n)), group, negative=n < 0)
    quantum = Decimal(1).scaleb(-decimals)
    text = str(Decimal(repr(n)).quantize(quantum, rounding=ROUND_HALF_UP))
    negative = text.startswith("-")
    whole, _, fraction = text.lstrip("-").partition(".")
    decimal_mark = "." if style == "comma" else ","
    grouped = _group_digits(whole, group, negative=negative)
    return f"{grouped}{decimal_mark}{fraction}" if fraction else grouped


def _group_digits(digits: str, separator: str, *, negative: bool) -> str:
    groups: list[str] = []
    while len(digits) > 3:
        groups.insert(0, digits[-3:])
        digits = digits[:-3]
    groups.insert(0, digits)
    return ("-" if negative else "") + separator.join(groups)


# --------------------------------------------------------------------------- CSV


def to_windows_1258_form(text: str) -> str:
    """Rewrite text so every Vietnamese letter is encodable in Windows-1258.

    Full NFD would also split â/ê/ô/ơ/ư/ă into base + shape mark, which cp1258 cannot
    encode; only the tone marks are left decomposed, as Windows itself writes them.
    """
    out: list[str] = []
    base = ""
    tones: list[str] = []
    for ch in unicodedata.normalize("NFD", text):
        if unicodedata.combining(ch):
            if ch in _TONE_MARKS:
                tones.append(ch)
            else:
                base += ch
            continue
        out.append(unicodedata.normalize("NFC", base) + "".join(tones))
        base, tones = ch, []
    out.append(unicodedata.normalize("NFC", base) + "".join(tones))
    return "".join(out)


def _cell_text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dt.datetime):
        return value.strftime("%d/%m/%Y %H:%M")
    if isinstance(value, dt.date):
        return value.strftime("%d/%m/%Y")
    return str(value)


def _text_transform(encoding: str, decompose: bool):
    if encoding == "cp1258":
        return to_windows_1258_form
    if decompose:
        return lambda s: unicodedata.normalize("NFD", s)
    return lambda s: s


def _normalise_encoding(encoding: str, bom: bool) -> tuple[str, bytes]:
    """Return the codec to stream with and the byte-order mark to write first."""
    name = encoding.lower().replace("_", "-")
    if name in ("utf-8", "utf8"):
        return "utf-8", _UTF8_BOM if bom else b""
    if name in ("utf-8-sig", "utf8-sig"):
        return "utf-8", _UTF8_BOM
    if name in ("utf-16", "utf16", "utf-16-le", "utf-16le"):
        # Explicit little-endian plus BOM, as Excel writes it, so the bytes do not depend
        # on the machine the generator runs on.
        return "utf-16-le", _UTF16_LE_BOM
    if name in ("cp1258", "windows-1258"):
        return "cp1258", b""
    if name in (TCVN3, VNI):
        return name, b""
    raise ValueError(f"unsupported CSV encoding {encoding!r}; use utf-8, utf-16, cp1258, tcvn3 or vni")


def write_csv(
    path: Path,
    header: list[str],
    rows: Iterable[Sequence[object]],
    *,
    encoding: str = "utf-8",
    bom: bool = False,
    delimiter: str = ",",
    title_lines: Sequence[str] = (),
    decompose: bool = False,
    line_terminator: str = "\r\n",
) -> int:
    """Stream rows to a delimited text file; returns the number of data rows written.

    ``encoding`` is ``utf-8`` (``bom`` optional), ``utf-16`` (always with a BOM; Excel's
    tab-separated "Unicode text"), ``cp1258`` (tone marks written as combining
    characters; a character cp1258 cannot hold raises ``UnicodeEncodeError`` and no file
    is left behind), or the pre-Unicode ``tcvn3`` / ``vni`` (capitals with a tone are
    written in lower case in TCVN3, as its fonts store them). ``decompose`` writes NFD text in UTF-8, as many Mac tools do.
    Rows are consumed one at a time, so memory stays flat for millions of rows.
    """
    codec, bom_bytes = _normalise_encoding(encoding, bom)
    transform = _text_transform(codec, decompose)
    path.parent.mkdir(parents=True, exist_ok=True)
    count = 0
    try:
        with path.open("wb") as raw:
            raw.write(bom_bytes)
            text = io.TextIOWrapper(raw, encoding=codec, errors="strict", newline="", write_through=False)
            writer = csv.writer(text, delimiter=delimiter, lineterminator=line_terminator)
            for line in title_lines:
                writer.writerow([transform(line)])
            writer.writerow([transform(h) for h in header])
            for row in rows:
                writer.writerow([transform(_cell_text(v)) for v in row])
                count += 1
            text.flush()
            text.detach()
    except UnicodeEncodeError:
        path.unlink(missing_ok=True)
        raise
    return count


# --------------------------------------------------------------------------- JSON


def _json_value(value: object) -> Any:
    if isinstance(value, dt.datetime):
        return value.strftime("%d/%m/%Y %H:%M")
    if isinstance(value, dt.date):
        return value.strftime("%d/%m/%Y")
    return value


def _json_objects(header: list[str], rows: Iterable[Sequence[object]]) -> Iterator[str]:
    for row in rows:
        record = {key: _json_value(value) for key, value in zip(header, row, strict=True)}
        yield json.dumps(record, ensure_ascii=False)


def write_json(
    path: Path,
    header: list[str],
    rows: Iterable[Sequence[object]],
    *,
    wrapper: str | None = None,
) -> int:
    """Write an array of objects, or ``{wrapper: [...], "total": n}`` as provincial APIs do.

    Streams (one object per line), so the count for ``total`` is known only at the end;
    that is why it follows the array. Returns the number of objects.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    count = 0
    with path.open("w", encoding="utf-8", newline="\n") as fh:
        fh.write("{" + json.dumps(wrapper) + ": [\n" if wrapper else "[\n")
        for obj in _json_objects(header, rows):
            fh.write(("" if count == 0 else ",\n") + "  " + obj)
            count += 1
        fh.write("\n]" if count else "]")
        fh.write(f', "total": {count}}}\n' if wrapper else "\n")
    return count


def write_jsonl(path: Path, header: list[str], rows: Iterable[Sequence[object]]) -> int:
    """Write one JSON object per line; returns the number of lines."""
    path.parent.mkdir(parents=True, exist_ok=True)
    count = 0
    with path.open("w", encoding="utf-8", newline="\n") as fh:
        for obj in _json_objects(header, rows):
            fh.write(obj + "\n")
            count += 1
    return count


# --------------------------------------------------------------------------- xlsx

_BOLD = Font(bold=True)
_CENTER = Alignment(horizontal="center", vertical="center", wrap_text=True)


def write_xlsx(
    path: Path,
    header: list[str],
    rows: Iterable[Sequence[object]],
    *,
    title_lines: Sequence[str] = (),
    group_header: Sequence[tuple[str, int, int]] = (),
    total_row: Sequence[object] | None = None,
    sheet_name: str = "Báo cáo",
    hidden_first_sheet: bool = False,
    formulas_without_cache: bool = False,
    created: dt.datetime = FIXED_TIMESTAMP,
) -> int:
    """Write a one-table workbook the way provincial offices lay out their reports.

    Title rows (merged across the table, bold) and a blank spacer row come first; with
    ``group_header`` = [(label, first column, last column)] (0-based, inclusive) the
    header takes two rows: the group label merged over its columns and the leaf labels of
    ``header`` below it, other columns merged vertically. ``total_row`` is appended last.
    ``formulas_without_cache`` writes the total row as ``=SUM()`` formulas that carry no
    cached value (as files saved by non-Excel tools do). ``hidden_first_sheet`` puts an
    empty hidden sheet before the data. Without merges the sheet is written in streaming
    mode. Returns the number of data rows.
    """
    _check_groups(group_header, len(header))
    path.parent.mkdir(parents=True, exist_ok=True)
    streaming = not title_lines and not group_header
    wb = Workbook(write_only=streaming)
    wb.properties.created = created
    wb.properties.modified = created
    wb.properties.creator = "reform-etl"
    if not streaming and wb.active is not None:
        wb.remove(wb.active)
    if hidden_first_sheet:
        hidden = wb.create_sheet("Sheet1")
        hidden.sheet_state = "hidden"
    ws = wb.create_sheet(sheet_name)
    if streaming:
        ws.sheet_state = "visible"
        count = _fill_streaming(ws, header, rows, total_row, formulas_without_cache)
    else:
        count = _fill_report(ws, header, rows, title_lines, group_header, total_row, formulas_without_cache)
    if hidden_first_sheet:
        wb.active = 1
    buffer = io.BytesIO()
    wb.save(buffer)
    _write_deterministic_zip(buffer.getvalue(), path, created)
    return count


def _check_groups(group_header: Sequence[tuple[str, int, int]], width: int) -> None:
    taken: set[int] = set()
    for label, first, last in group_header:
        if not 0 <= first <= last < width:
            raise ValueError(f"group {label!r} spans columns {first}..{last}, outside the {width} header columns")
        span = set(range(first, last + 1))
        if span & taken:
            raise ValueError(f"group {label!r} overlaps another group")
        taken |= span


def _total_cells(total_row: Sequence[object], first_data_row: int, last_data_row: int, formulas: bool) -> list[object]:
    if not formulas or last_data_row < first_data_row:
        return list(total_row)
    cells: list[object] = []
    for index, value in enumerate(total_row):
        if isinstance(value, int | float) and not isinstance(value, bool):
            col = get_column_letter(index + 1)
            cells.append(f"=SUM({col}{first_data_row}:{col}{last_data_row})")
        else:
            cells.append(value)
    return cells


def _fill_streaming(ws, header, rows, total_row, formulas) -> int:
    ws.append(list(header))
    count = 0
    for row in rows:
        ws.append(list(row))
        count += 1
    if total_row is not None:
        ws.append(_total_cells(total_row, 2, count + 1, formulas))
    return count


def _fill_report(ws, header, rows, title_lines, group_header, total_row, formulas) -> int:
    width = len(header)
    last_col = get_column_letter(width)
    row_no = 1
    for line in title_lines:
        cell = ws.cell(row=row_no, column=1, value=line)
        cell.font = _BOLD
        cell.alignment = Alignment(horizontal="center")
        if width > 1:
            ws.merge_cells(f"A{row_no}:{last_col}{row_no}")
        row_no += 1
    if title_lines:
        row_no += 1  # blank spacer row, as in printed reports
    row_no = _write_header(ws, header, group_header, row_no)
    first_data_row = row_no
    for row in rows:
        for col, value in enumerate(row, start=1):
            cell = ws.cell(row=row_no, column=col, value=value)
            if isinstance(value, int) and not isinstance(value, bool):
                cell.number_format = "#,##0"
        row_no += 1
    count = row_no - first_data_row
    if total_row is not None:
        for col, value in enumerate(_total_cells(total_row, first_data_row, row_no - 1, formulas), start=1):
            cell = ws.cell(row=row_no, column=col, value=value)
            cell.font = _BOLD
    for col in range(1, width + 1):
        ws.column_dimensions[get_column_letter(col)].width = 14 if col > 2 else 22
    return count


def _write_header(ws, header: list[str], group_header: Sequence[tuple[str, int, int]], row_no: int) -> int:
    if not group_header:
        for col, label in enumerate(header, start=1):
            cell = ws.cell(row=row_no, column=col, value=label)
            cell.font, cell.alignment = _BOLD, _CENTER
        return row_no + 1
    grouped: dict[int, tuple[str, int, int]] = {}
    for group in group_header:
        for index in range(group[1], group[2] + 1):
            grouped[index] = group
    for index, label in enumerate(header):
        col = index + 1
        member = grouped.get(index)
        if member is None:
            cell = ws.cell(row=row_no, column=col, value=label)
            ws.merge_cells(start_row=row_no, start_column=col, end_row=row_no + 1, end_column=col)
        else:
            if index == member[1]:
                top = ws.cell(row=row_no, column=col, value=member[0])
                top.font, top.alignment = _BOLD, _CENTER
                if member[2] > member[1]:
                    ws.merge_cells(start_row=row_no, start_column=col, end_row=row_no, end_column=member[2] + 1)
            cell = ws.cell(row=row_no + 1, column=col, value=label)
        cell.font, cell.alignment = _BOLD, _CENTER
    return row_no + 2


_CORE_PROPERTIES = "docProps/core.xml"
_MODIFIED = re.compile(rb"(<dcterms:modified[^>]*>)[^<]*(</dcterms:modified>)")


def _write_deterministic_zip(data: bytes, path: Path, when: dt.datetime) -> None:
    """Re-pack the workbook with fixed times.

    openpyxl stamps the zip entries and the "modified" property with the time of saving
    whatever the workbook says, so both are reset here.
    """
    stamp = (max(when.year, 1980), when.month, when.day, when.hour, when.minute, when.second)
    modified = when.strftime("%Y-%m-%dT%H:%M:%SZ").encode()
    with zipfile.ZipFile(io.BytesIO(data)) as source, path.open("wb") as fh:
        _repack(source, fh, stamp, modified)


def _repack(source: zipfile.ZipFile, fh: BinaryIO, stamp: tuple[int, int, int, int, int, int], modified: bytes) -> None:
    with zipfile.ZipFile(fh, "w", compression=zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            content = source.read(info.filename)
            if info.filename == _CORE_PROPERTIES:
                content = _MODIFIED.sub(rb"\g<1>" + modified + rb"\g<2>", content)
            entry = zipfile.ZipInfo(info.filename, date_time=stamp)
            entry.compress_type = zipfile.ZIP_DEFLATED
            entry.external_attr = 0o600 << 16
            target.writestr(entry, content)
