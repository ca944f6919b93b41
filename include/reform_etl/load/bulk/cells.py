"""Cells of one Arrow column, and the Python work on values no vectorised rule covers.

Everything the bulk path knows about a column without a Python loop (ASCII or not,
trimmed, blank, control characters) is worked out here once per batch; what only Python
can judge is worked out once per distinct value and remembered (:class:`OddValues`).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from ...readers.table import clean_cell

# Distinct odd values remembered per column; beyond this the memo starts again (memory
# stays bounded on a column of free text, a value is just parsed again).
MEMO_LIMIT = 20_000

# What str.strip() removes among ASCII characters.
ASCII_SPACE = " \t\n\v\f\r\x1c\x1d\x1e\x1f"


class NotBulkable(Exception):
    """This file cannot take the bulk path; use the row path."""


def offsets_of(arr: pa.Array) -> np.ndarray:
    return np.frombuffer(arr.buffers()[1], dtype=np.int32)[arr.offset : arr.offset + len(arr) + 1]


def data_of(arr: pa.Array) -> np.ndarray:
    buffer = arr.buffers()[2]
    return np.frombuffer(buffer, dtype=np.uint8) if buffer is not None else np.zeros(0, np.uint8)


def value_bytes(arr: pa.Array) -> np.ndarray:
    offsets = offsets_of(arr)
    return data_of(arr)[offsets[0] : offsets[-1]]


def as_mask(values: pa.Array) -> np.ndarray:
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
        ascii_ = as_mask(pc.string_is_ascii(raw))
        trimmed = pc.ascii_trim(raw, characters=ASCII_SPACE)
        blank = ascii_ & (pc.binary_length(trimmed).to_numpy(zero_copy_only=False) == 0)
        controls = bool((value_bytes(raw) < 0x20).any())
        return cls(raw, ascii_, trimmed, blank, controls)

    def cleaned(self, position: int) -> object:
        """One cell as the row reader cleans it (for the raw value beside a rejection)."""
        return clean_cell(self.raw[position].as_py())

    @property
    def filled(self) -> np.ndarray:
        """ASCII cells certainly not empty once cleaned."""
        return self.ascii & ~self.blank


def refuse_line_breaks(raw: pa.Array) -> None:
    # A quoted line break would make row numbers drift from what a person sees.
    data = value_bytes(raw)
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
