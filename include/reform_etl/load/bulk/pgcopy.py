"""PostgreSQL's binary ``COPY`` format, built for a whole batch at once."""

from __future__ import annotations

import struct
from datetime import date

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from ... import kinds as k
from .cells import NotBulkable, offsets_of

PGCOPY_HEADER = b"PGCOPY\n\xff\r\n\x00" + struct.pack(">ii", 0, 0)
PGCOPY_TRAILER = struct.pack(">h", -1)
_PG_EPOCH_MICROS = 946_684_800 * 1_000_000  # 2000-01-01, PostgreSQL's epoch, in µs since 1970
_PG_EPOCH = date(2000, 1, 1)
# How each column type this path handles is sent in binary COPY.
SQL_TYPES = {
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
        return memoryview(rows.buffers()[2])[: int(offsets_of(rows)[-1])]


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
