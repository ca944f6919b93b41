"""Reading for the bulk path: the file after its header, as UTF-8, in Arrow batches."""

from __future__ import annotations

import codecs
import csv
import io
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.csv as pa_csv

from ...readers import SourceTable
from ...readers.table import Header
from ...readers.text import detect_encoding, read_head
from .cells import NotBulkable

# Arrow parses blocks of this size and reads up to 32 of them ahead, so the block bounds
# the reader's memory; blocks are then merged into batches of BATCH_ROWS rows, large
# enough that the per-batch Python work vanishes and small enough to stay a few MB.
BLOCK_BYTES = 1 << 20
BATCH_ROWS = 1 << 15

_LINE_END = re.compile(r"\r\n|\r|\n")


@dataclass(frozen=True)
class _Layout:
    header: Header
    delimiter: str
    width: int
    skip_chars: int  # decoded characters up to the end of the header line
    skip_bytes: int  # the same in the file's bytes (UTF-8 files only)
    first_line: int  # physical line number of the first line after the header


def layout_of(table: SourceTable) -> _Layout:
    """Where the data starts, after the header the row reader located (not sniffed again)."""
    header, delimiter = table.header, table.delimiter
    if header is None or delimiter is None:
        raise NotBulkable("the reader kept no header to start after")
    head = read_head(table.path)
    encoding, text = detect_encoding(head, len(head) >= table.path.stat().st_size, f"'{table.path.name}'")
    if encoding != table.encoding:
        raise NotBulkable("the file changed while it was read")
    skip = header_end(text, delimiter, header.number)
    bom = len(codecs.BOM_UTF8) if encoding == "utf-8-sig" else 0
    skip_bytes = bom + len(text[:skip].encode("utf-8")) if encoding in ("utf-8", "utf-8-sig") else 0
    width = len(header.header_texts[-1])
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
    # Arrow parses blocks on its own threads and still yields them in file order: the reader
    # thread, which the COPY waits for, then spends less of its time parsing.
    reader = pa_csv.open_csv(
        _open_text(table, layout),
        read_options=pa_csv.ReadOptions(column_names=names, block_size=BLOCK_BYTES, use_threads=True),
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
