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

    def reject(self, line: int, order: int, column: str | None, raw: object, reason: str) -> None:
        """``order``: where this reason comes among the row's reasons, as the row path lists them."""
        self.rejections.append((line, order, column, raw, reason))

    def count_written(self, province: Any, label: Any, start: Any, rows: int) -> None:
        key = (province, label, start)
        self.written[key] = self.written.get(key, 0) + rows
