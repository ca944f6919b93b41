"""CSV / TXT: encoding and delimiter are detected, never configured, and rows are streamed.

Provinces send whatever their software writes: UTF-8 (with or without BOM), Excel's
"Unicode text" (UTF-16 with BOM, tab separated), Windows-1258 from older Vietnamese
Windows setups, or TCVN3 / VNI from offices still on the pre-Unicode fonts
(:mod:`.legacy_vietnamese`). Files can be several GB, so only a sample is held in memory.
"""

from __future__ import annotations

import codecs
import csv
import io
from collections.abc import Iterator
from pathlib import Path

from charset_normalizer import from_bytes

from ..kinds import Kind
from ..text_controls import count_controls
from .legacy_vietnamese import DISPLAY_NAMES, most_plausible
from .model import SourceRow, SourceTable, UnreadableFile
from .sniff import describe_binary
from .table import HEADER_SCAN_ROWS, Header, RawRow, RowSorter, guarded, locate_header

SAMPLE_BYTES = 1 << 20
DELIMITERS = (",", ";", "\t")
# Share of control characters above which decoded "text" is really binary data.
_MAX_CONTROL_SHARE = 0.005
_ALLOWED_CONTROLS = frozenset("\t\n\r\f\v")
_HEADER_PREFIX_CHARS = 65536

# The csv module's 128 KB field limit trips on long free-text notes; raising it only
# widens what is accepted, it changes nothing for files that already parse.
csv.field_size_limit(max(csv.field_size_limit(), 16 * 1024 * 1024))


def _name(path: Path) -> str:
    return f"'{path.name}'"


def read_head(path: Path, size: int = SAMPLE_BYTES) -> bytes:
    with path.open("rb") as f:
        return f.read(size)


def detect_encoding(head: bytes, complete: bool, what: str) -> tuple[str, str]:
    """Return (codec name, decoded sample). ``complete`` says the sample is the whole file."""
    if not head:
        raise UnreadableFile(f"{what} is empty (0 bytes); send the file again with its data")
    if head.startswith(codecs.BOM_UTF8):
        encoding = "utf-8-sig"
    elif head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        encoding = "utf-16"
    else:
        binary = describe_binary(head)
        if binary or b"\x00" in head:
            raise UnreadableFile(
                f"{what} is not a text file: it contains {binary or 'binary data'}. "
                "Export the table as CSV (UTF-8), or send the workbook with its own .xlsx/.xls extension"
            )
        encoding = _guess_8bit(head, complete, what)
    try:
        text = codecs.getincrementaldecoder(encoding)("strict").decode(head, final=complete)
    except UnicodeDecodeError as exc:
        raise UnreadableFile(f"{what} is not valid {encoding} text: {exc.reason} at byte {exc.start}") from None
    _reject_binary_text(text, what)
    if not text.strip():
        raise UnreadableFile(f"{what} has no content (only blank lines or a byte-order mark)")
    return encoding, text


def _guess_8bit(head: bytes, complete: bool, what: str) -> str:
    try:
        # final=False: the sample may end inside a multi-byte character.
        codecs.getincrementaldecoder("utf-8")("strict").decode(head, final=complete)
        return "utf-8"
    except UnicodeDecodeError:
        pass
    # Vietnamese text that is not UTF-8 is Windows-1258, TCVN3 or VNI in practice; all three
    # decode almost any byte, so the one whose text reads most like Vietnamese is taken.
    # Detectors often call them cp1252, which decodes the same bytes into wrong letters.
    encoding, clean = most_plausible(head, complete)
    if clean:
        return encoding
    if encoding != "cp1258":
        raise UnreadableFile(
            f"{what} looks like Vietnamese text in the old {DISPLAY_NAMES[encoding]} encoding, but has bytes "
            "that encoding does not define; open it with a converter (Unikey: Công cụ chuyển mã) and save it "
            "again as CSV UTF-8"
        )
    best = from_bytes(head).best()
    if best is None:
        raise UnreadableFile(
            f"{what} is in an unknown text encoding (not UTF-8, Windows-1258, TCVN3 or VNI); save it again as CSV UTF-8"
        )
    return codecs.lookup(best.encoding).name


def _reject_binary_text(text: str, what: str) -> None:
    sample = text[:65536]
    controls = count_controls(sample, _ALLOWED_CONTROLS)
    if sample and controls / len(sample) > _MAX_CONTROL_SHARE:
        raise UnreadableFile(
            f"{what} is not a text file: it contains binary data. Export the table as CSV (UTF-8), "
            "or send the workbook with its own .xlsx/.xls extension"
        )


def _records(lines: Iterator[str], delimiter: str) -> Iterator[RawRow]:
    """Records numbered by the physical line they start on (blank lines count too)."""
    reader = csv.reader(lines, delimiter=delimiter)
    previous = 0
    for record in reader:
        start = previous + 1
        previous = reader.line_num
        yield start, record


def _sample_rows(text: str, delimiter: str, complete: bool) -> list[RawRow]:
    # The header is in the first few KB; parse the whole sample only when it is not.
    prefix = text[:_HEADER_PREFIX_CHARS]
    rows = _parse_sample(prefix, delimiter)
    if len(rows) > HEADER_SCAN_ROWS:
        return rows[:HEADER_SCAN_ROWS]
    if len(prefix) < len(text):
        rows = _parse_sample(text, delimiter)
    if not complete and len(rows) <= HEADER_SCAN_ROWS and rows:
        rows.pop()  # the sample may cut the last record short
    return rows[:HEADER_SCAN_ROWS]


def _parse_sample(text: str, delimiter: str) -> list[RawRow]:
    rows: list[RawRow] = []
    try:
        for row in _records(io.StringIO(text, newline=""), delimiter):
            rows.append(row)
            if len(rows) > HEADER_SCAN_ROWS:
                break
    except csv.Error:
        pass  # an odd quote in a title line; the rows before it still tell the delimiter
    return rows


def choose_delimiter(text: str, complete: bool, kind: Kind, what: str) -> tuple[str, Header]:
    """The delimiter under which a header row matches the most columns.

    csv.Sniffer guesses from character frequency and is thrown by title lines and by
    decimal commas; asking which split yields real column names is more reliable.
    """
    best: tuple[int, int, str, Header] | None = None
    failure = ""
    for delimiter in DELIMITERS:
        rows = _sample_rows(text, delimiter, complete)
        try:
            header = locate_header(rows, kind, what)
        except UnreadableFile as exc:
            # Keep the text only: a kept exception would pin this frame and its sample.
            failure = failure or str(exc)
            continue
        header_line = rows[header.position][1]
        key = (len(header.index_map), len(header_line))
        if best is None or key > best[:2]:
            best = (*key, delimiter, header)
    if best is None:
        raise UnreadableFile(failure)
    return best[2], best[3]


def open_csv(path: Path, kind: Kind) -> SourceTable:
    what = _name(path)
    size = path.stat().st_size
    head = read_head(path)
    complete = len(head) >= size
    encoding, text = detect_encoding(head, complete, what)
    delimiter, header = choose_delimiter(text, complete, kind, what)
    table = SourceTable(
        path=path,
        format="csv",
        encoding=encoding,
        delimiter=delimiter,
        sheet=None,
        header_row=header.number,
        columns=header.columns,
        ignored_columns=header.ignored,
        header=header,
    )
    table.rows = guarded(_stream(path, encoding, delimiter, header, table), what)
    return table


def _stream(path: Path, encoding: str, delimiter: str, header: Header, table: SourceTable) -> Iterator[SourceRow]:
    # Opened here, not in open_table, so a table whose rows are never read holds no file.
    what = _name(path)
    line = 0
    with path.open("rb") as raw, io.TextIOWrapper(raw, encoding=encoding, newline="") as text:
        after_header = ((n, cells) for n, cells in _records(text, delimiter) if n > header.number)

        def numbered() -> Iterator[RawRow]:
            nonlocal line
            for n, cells in after_header:
                line = n
                yield n, cells

        try:
            yield from RowSorter(table, header).rows(numbered())
        except UnicodeDecodeError as exc:
            raise UnreadableFile(
                f"{what} is not valid {encoding} text after line {line} ({exc.reason}); "
                "the file mixes encodings: save it again as CSV UTF-8"
            ) from None
        except csv.Error as exc:
            raise UnreadableFile(f"{what}: malformed CSV after line {line}: {exc}") from None
