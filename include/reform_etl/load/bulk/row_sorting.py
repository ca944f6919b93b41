"""Rows the row reader treats specially (spacers, footers, totals, a repeated header),
found at vectorised cost and then sorted by the row reader's own :class:`RowSorter`."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from ...readers import SourceTable
from ...readers.table import Header, RowSorter, clean_cell, names_total
from .cells import Cells, OddValues, as_mask


@dataclass(frozen=True)
class CellFacts:
    """What RowSorter looks at in one cleaned cell."""

    empty: bool
    letter: bool  # has a letter (str.isalpha)
    total: bool  # would start a total row ("Tổng cộng", "Cộng", "Total"...)
    header: frozenset[int]  # positions whose header text it equals


def cell_facts(header_texts: list[list[str | None]]) -> Callable[[str], CellFacts]:
    def work(raw: str) -> CellFacts:
        cleaned = clean_cell(raw)
        if cleaned is None:
            return CellFacts(True, False, False, frozenset())
        text = str(cleaned)
        letter = any(ch.isalpha() for ch in text)
        total = letter and names_total(text)
        at = frozenset(i for texts in header_texts for i, t in enumerate(texts) if t == text)
        return CellFacts(False, letter, total, at)

    return work


class RowSorting:
    """Which rows of a batch are data, exactly as :class:`RowSorter` decides, at vectorised cost.

    A row is *plain* when cheap tests prove the row reader yields it as data: at least
    four non-empty cells in matched columns (so no blank-row, notes-only, footer or
    signature rule can apply), its first non-empty cell is no header label (no repeated
    header), and the first cell with a letter among its first three non-empty cells does
    not start a total row. Every other row goes through a real RowSorter, in file order
    and in the state the row reader would have reached by then.
    """

    def __init__(self, table: SourceTable, header: Header, width: int) -> None:
        self.stub = replace(table, rows=iter(()), total_rows=[], skipped_blank_rows=0)
        self.sorter = RowSorter(self.stub, header)
        self.header = header
        self.width = width
        self.matched = sorted(header.index_map)
        self.facts = [OddValues(cell_facts(header.header_texts)) for _ in range(width)]
        self.first_pending = True  # no row has been proven plain yet
        self.plain_since = False  # plain rows came after the last row the sorter saw

    def data_rows(self, batch: pa.RecordBatch, cells: Callable[[int], Cells], first_line: int) -> np.ndarray:
        plain = self.plain(batch.num_rows, cells)
        data = plain.copy()
        others = np.flatnonzero(~plain)
        if not len(others):
            self.plain_since = self.plain_since or batch.num_rows > 0
            return data
        previous = -1
        for i, row in zip(others.tolist(), batch.take(pa.array(others)).to_pylist(), strict=True):
            if i > previous + 1 or (previous < 0 and self.plain_since):
                self.sorter.passed_data_row()
            values = [row[f"c{j}"] for j in range(self.width)]
            data[i] = any(True for _ in self.sorter.rows([(first_line + i, values)]))
            previous = i
        self.plain_since = previous < batch.num_rows - 1
        return data

    def plain(self, n: int, cells: Callable[[int], Cells]) -> np.ndarray:
        filled = np.zeros(n, dtype=np.int16)
        for j in self.matched:
            filled += cells(j).filled
        plain = self._leading_cells_plain(filled >= 4, cells)
        if self.first_pending and plain.any():
            # The first data row could be a column-numbering row: the sorter decides.
            plain[int(np.argmax(plain))] = False
            self.first_pending = False
        return plain

    def _leading_cells_plain(self, candidates: np.ndarray, cells: Callable[[int], Cells]) -> np.ndarray:
        """Rows whose first cells prove they start neither a total row nor the header again."""
        undecided = candidates.copy()
        plain = np.zeros(len(candidates), dtype=bool)
        seen = np.zeros(len(candidates), dtype=np.int8)
        first = np.ones(len(candidates), dtype=bool)
        for j in range(self.width):
            if not undecided.any():
                break
            empty, letter, total, header = self._facts_of(j, cells(j), undecided)
            here = undecided & ~empty
            repeat = here & first & header
            first &= ~here
            here &= ~repeat
            undecided &= ~repeat
            decides = here & letter
            plain |= decides & ~total
            seen += here & ~letter
            third = here & ~letter & (seen >= 3)
            plain |= third
            undecided &= ~(decides | third)
        return plain

    def _facts_of(self, j: int, col: Cells, rows: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """(empty, has a letter, starts a total row, equals a header label) per cell."""
        empty = col.blank.copy()
        letter = col.ascii & as_mask(pc.match_substring_regex(col.trimmed, "[A-Za-z]"))
        total_like = as_mask(pc.is_in(pc.utf8_slice_codeunits(col.trimmed, 0, 1), pa.array(list("TtCcGg"))))
        header = np.zeros(len(empty), dtype=bool)
        for label in {t[j] for t in self.header.header_texts if j < len(t) and t[j] is not None}:
            header |= col.ascii & as_mask(pc.equal(col.trimmed, label))
        total = np.zeros(len(empty), dtype=bool)
        # Total-looking ASCII cells and every non-ASCII cell are judged by Python, once per value.
        looked = self.facts[j].lookup(col.raw, rows & ((letter & total_like) | ~col.ascii))
        if len(looked.positions):
            at = looked.positions
            empty[at] = looked.flags(lambda f: f.empty)
            letter[at] = looked.flags(lambda f: f.letter)
            total[at] = looked.flags(lambda f: f.total)
            header[at] = looked.flags(lambda f: j in f.header)
        return empty, letter, total, header
