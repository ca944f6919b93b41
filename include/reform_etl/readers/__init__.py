"""Readers: any delivered file -> a header mapped to canonical columns + streamed rows.

``open_table`` reads just enough to find the header (and to reject a file that cannot be
read at all); rows are produced lazily, so multi-GB logs stream in constant memory.
Every failure, at opening or while iterating rows, is an ``UnreadableFile`` whose text
names the file and says what to do.
"""

from __future__ import annotations

from pathlib import Path

from ..kinds import Kind
from .excel import open_excel
from .jsonfile import open_json, open_jsonl
from .model import SourceRow, SourceTable, UnreadableFile
from .text import open_csv

__all__ = ["FORMATS", "SourceRow", "SourceTable", "UnreadableFile", "open_table"]

# Extension -> format. .xlsm is an .xlsx with macros (the macros are never run).
FORMATS: dict[str, str] = {
    ".csv": "csv",
    ".txt": "csv",
    ".tsv": "csv",
    ".xlsx": "xlsx",
    ".xlsm": "xlsx",
    ".xls": "xls",
    ".json": "json",
    ".jsonl": "jsonl",
    ".ndjson": "jsonl",
}


def open_table(path: Path, kind: Kind) -> SourceTable:
    """Open a delivered file as a table of ``kind``; raises UnreadableFile, nothing else."""
    path = Path(path)
    what = f"'{path.name}'"
    fmt = FORMATS.get(path.suffix.lower())
    if fmt is None:
        accepted = ", ".join(sorted({e for e in FORMATS if e not in (".tsv", ".ndjson")}))
        shown = path.suffix or "(none)"
        raise UnreadableFile(f"{what}: file type {shown} is not accepted; send one of {accepted}")
    try:
        if not path.is_file():
            raise UnreadableFile(f"{what} does not exist or is not a regular file")
        if fmt == "csv":
            return open_csv(path, kind)
        if fmt in ("xlsx", "xls"):
            return open_excel(path, kind, fmt)
        if fmt == "json":
            return open_json(path, kind)
        return open_jsonl(path, kind)
    except UnreadableFile:
        raise
    except OSError as exc:
        raise UnreadableFile(f"{what} could not be opened: {exc.strerror or exc}") from None
    except Exception as exc:  # noqa: BLE001 - the contract: callers handle one exception type
        raise UnreadableFile(f"{what} could not be read: {type(exc).__name__}: {exc}") from exc
