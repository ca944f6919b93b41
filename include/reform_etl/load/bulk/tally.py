"""What a bulk load learns while it streams, kept aside until nothing can fall back."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from ...validation.results import RowFinding


@dataclass
class Tally:
    """What the load learnt, handed to the normaliser only once nothing can fall back."""

    rows_read: int = 0
    rows_written: int = 0
    rejections: list[tuple[int, int, str | None, object, str]] = field(default_factory=list)
    warnings: list[tuple[int, str, object, str, str]] = field(default_factory=list)
    provinces: set[str] = field(default_factory=set)
    periods: set[str] = field(default_factory=set)
    findings: list[tuple[int, int, RowFinding]] = field(default_factory=list)  # (line, expectation, finding)
    unexpected: list[int] = field(default_factory=list)  # per expectation, over rows that are not repeats
    validated: int = 0  # rows the suite judged (repeats excluded, as on the row path)
    written: dict[tuple[Any, Any, Any], int] = field(default_factory=dict)  # (province, label, start) -> rows
    # Per province, the smallest and largest key-range value written (audit.file_key_ranges),
    # so supersession need not read the file's rows back from raw to find them.
    key_ranges: dict[str, tuple[str, str]] = field(default_factory=dict)
    key_ranges_known: bool = True  # False when the range column is not text the stream can compare

    def reject(self, line: int, order: int, column: str | None, raw: object, reason: str) -> None:
        """``order``: where this reason comes among the row's reasons, as the row path lists them."""
        self.rejections.append((line, order, column, raw, reason))

    def count_written(self, province: Any, label: Any, start: Any, rows: int) -> None:
        key = (province, label, start)
        self.written[key] = self.written.get(key, 0) + rows

    def widen_range(self, province: str | None, low: str | None, high: str | None) -> None:
        """Take rows of ``province`` whose range values lie between ``low`` and ``high`` into account."""
        if province is None or low is None or high is None:
            return
        known = self.key_ranges.get(province)
        self.key_ranges[province] = (low, high) if known is None else (min(known[0], low), max(known[1], high))
