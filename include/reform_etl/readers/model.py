"""What every reader hands back, whatever the file format."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .table import Header


class UnreadableFile(Exception):
    """The file cannot be read at all; str(e) is the reason, naming the file."""


@dataclass
class SourceRow:
    # The row number a person sees in the file (CSV line, Excel row, JSON record
    # position, JSONL line), so a rejection can be found and fixed at the source.
    number: int
    # Canonical column name -> raw cell value; only matched columns appear.
    values: dict[str, object]


@dataclass
class SourceTable:
    path: Path
    format: str  # 'csv' | 'xlsx' | 'xls' | 'json' | 'jsonl'
    encoding: str | None  # None for binary formats
    delimiter: str | None
    sheet: str | None
    header_row: int  # number of the (last) header row; 0 for JSON/JSONL (keys are the header)
    columns: dict[str, str]  # canonical name -> header label as written
    ignored_columns: list[str]
    rows: Iterator[SourceRow] = field(default_factory=lambda: iter(()))
    # Filled while ``rows`` is consumed: read them after the loop, not before.
    total_rows: list[SourceRow] = field(default_factory=list)
    # Blank spacer rows, plus the other non-data rows skipped (footer notes and
    # signatures, a column-number row under the header, a repeated header line), so
    # that rows yielded + total rows + this count = every row after the header.
    skipped_blank_rows: int = 0
    # The header as the reader located it (delimited text only): its column positions and
    # width let a bulk loader map COPY's positional columns and start after it without
    # sniffing the file a second time.
    header: Header | None = None
