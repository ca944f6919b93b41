"""JSON (an array of records, possibly wrapped) and JSON Lines (one record per line).

Record keys play the role of header labels. A plain JSON document has to be parsed
whole, so it is capped in size; JSON Lines is streamed like CSV.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from itertools import islice
from pathlib import Path

from ..headers import match_columns
from ..kinds import Kind
from .model import SourceRow, SourceTable, UnreadableFile
from .table import Header, RawRow, RowSorter, expected_labels, guarded, locate_header
from .text import SAMPLE_BYTES, detect_encoding, read_head

MAX_JSON_BYTES = 200 * 1024 * 1024
# Records may differ in their keys; the first ones decide which columns exist.
KEY_SCAN_RECORDS = 1000
_WRAPPER_KEYS = ("data", "items")


def _name(path: Path) -> str:
    return f"'{path.name}'"


def _type_name(value: object) -> str:
    return {dict: "an object", list: "an array", str: "a string", bool: "true/false", type(None): "null"}.get(
        type(value), "a number"
    )


def _find_records(doc: object) -> list[object] | None:
    if isinstance(doc, list):
        return doc
    if not isinstance(doc, dict):
        return None
    for key in _WRAPPER_KEYS:
        if isinstance(doc.get(key), list):
            return doc[key]
    # One level deeper, as API responses do: {"result": {"data": [...]}}.
    for value in doc.values():
        if isinstance(value, dict):
            for key in _WRAPPER_KEYS:
                if isinstance(value.get(key), list):
                    return value[key]
    return None


def _key_header(keys: list[str], kind: Kind, what: str) -> Header:
    index_map, ignored = match_columns(list(keys), kind)
    if len(index_map) < 2 and not (len(index_map) == 1 and len(keys) == 1):
        raise UnreadableFile(
            f"{what}: the record keys ({', '.join(keys[:8]) or 'none'}) name too few columns of "
            f"{kind.name}; expected keys such as {expected_labels(kind)}"
        )
    return Header(
        number=0,
        position=-1,
        index_map=index_map,
        columns={name: keys[i] for i, name in index_map.items()},
        ignored=ignored,
        header_texts=[],
    )


def _union_keys(records: list[dict[str, object]]) -> list[str]:
    keys: dict[str, None] = {}
    for record in records:
        keys.update(dict.fromkeys(record))
    return list(keys)


def _table(path: Path, fmt: str, encoding: str, header: Header) -> SourceTable:
    return SourceTable(
        path=path,
        format=fmt,
        encoding=encoding,
        delimiter=None,
        sheet=None,
        header_row=header.number,
        columns=header.columns,
        ignored_columns=header.ignored,
    )


def open_json(path: Path, kind: Kind) -> SourceTable:
    what = _name(path)
    size = path.stat().st_size
    if size > MAX_JSON_BYTES:
        raise UnreadableFile(
            f"{what} is too large for a JSON document ({size / 2**20:.0f} MB, limit "
            f"{MAX_JSON_BYTES / 2**20:.0f} MB); send it as JSON Lines (.jsonl, one record per line) or CSV"
        )
    data = path.read_bytes()
    encoding, text = detect_encoding(data, True, what)
    try:
        doc = json.loads(text)
    except json.JSONDecodeError as exc:
        raise UnreadableFile(f"{what} is not valid JSON: {exc.msg} at line {exc.lineno}, column {exc.colno}") from None
    records = _find_records(doc)
    if records is None:
        raise UnreadableFile(
            f"{what} holds {_type_name(doc)} without a list of records; expected [{{...}}, ...] "
            'or {"data": [...]} / {"items": [...]}'
        )
    if not records:
        raise UnreadableFile(f"{what} holds an empty list of records")
    if all(isinstance(r, list) for r in records):
        # A table as rows of cells (spreadsheet APIs export this): find its header row.
        rows: list[RawRow] = [(i, r) for i, r in enumerate(records, start=1)]  # type: ignore[misc]
        header = locate_header(rows, kind, what)
        table = _table(path, "json", encoding, header)
        table.rows = guarded(RowSorter(table, header).rows(iter(rows[header.position + 1 :])), what)
        return table
    objects: list[dict[str, object]] = []
    for i, record in enumerate(records, start=1):
        if not isinstance(record, dict):
            raise UnreadableFile(f"{what}: record {i} is {_type_name(record)}, not an object with named fields")
        objects.append(record)
    keys = _union_keys(objects[:KEY_SCAN_RECORDS])
    header = _key_header(keys, kind, what)
    table = _table(path, "json", encoding, header)
    cells = ((i, [r.get(k) for k in keys]) for i, r in enumerate(objects, start=1))
    table.rows = guarded(RowSorter(table, header, sheet_like=False).rows(cells), what)
    return table


def _jsonl_records(lines: Iterator[str], what: str) -> Iterator[tuple[int, dict[str, object] | None]]:
    """(line number, record) per line; None for a blank line."""
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            yield number, None
            continue
        try:
            record = json.loads(line)
        except json.JSONDecodeError as exc:
            raise UnreadableFile(f"{what}: line {number} is not valid JSON: {exc.msg} (column {exc.colno})") from None
        if not isinstance(record, dict):
            raise UnreadableFile(f"{what}: line {number} is {_type_name(record)}, not an object with named fields")
        yield number, record


def open_jsonl(path: Path, kind: Kind) -> SourceTable:
    what = _name(path)
    size = path.stat().st_size
    head = read_head(path, SAMPLE_BYTES)
    encoding, _ = detect_encoding(head, len(head) >= size, what)
    with path.open(encoding=encoding, newline=None) as f:
        first = [r for _, r in islice(_jsonl_records(f, what), KEY_SCAN_RECORDS * 2) if r is not None]
    if not first:
        raise UnreadableFile(f"{what} holds no records (only blank lines)")
    keys = _union_keys(first[:KEY_SCAN_RECORDS])
    header = _key_header(keys, kind, what)
    table = _table(path, "jsonl", encoding, header)
    table.rows = guarded(_stream_jsonl(path, encoding, keys, header, table), what)
    return table


def _stream_jsonl(
    path: Path, encoding: str, keys: list[str], header: Header, table: SourceTable
) -> Iterator[SourceRow]:
    what = _name(path)
    with path.open(encoding=encoding, newline=None) as f:
        cells = (
            (number, [] if record is None else [record.get(k) for k in keys])
            for number, record in _jsonl_records(f, what)
        )
        yield from RowSorter(table, header, sheet_like=False).rows(cells)
