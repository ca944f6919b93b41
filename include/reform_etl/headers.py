"""Matching a file's header labels to the canonical columns of a kind.

Provinces write the same column a dozen ways ("Tỷ lệ đúng hạn (%)", "TY LE DUNG HAN",
"tỉ lệ đúng hạn"), so labels are compared on a folded form: no diacritics, no case, no
spacing or punctuation. Matching is exact on that form, never by substring: "Quá hạn" must
not match "Đang giải quyết quá hạn", and a fuzzy match that picks the wrong count column
would load plausible but false numbers.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from functools import lru_cache

from .kinds import Kind
from .values import fold

# A trailing unit or column number: "(%)", "(hồ sơ)", "[điểm]", "(3=4+5)", a bare "%".
_TRAILING_UNIT = re.compile(r"\s*(?:\(([^()]*)\)|\[([^\[\]]*)\]|%)\s*[:.*]*\s*$")
# A column formula printed under the label: "(1)=(2)+(3)", "(7)=(4)/(1)". Every term is in
# parentheses, so a level written "mức độ 3+4" is never taken for one.
_TERM = r"\(\s*\d+(?:\s*[-+*/x×]\s*\d+)*\s*\)"
_COLUMN_FORMULA = re.compile(rf"\s*{_TERM}(?:\s*[-+=*/x×]\s*{_TERM})+\s*$")
# Longer parentheticals carry meaning ("(bao gồm kỳ trước chuyển sang)"), so only short
# ones, or an explicit "Đơn vị tính: ..." note, are treated as units.
_MAX_UNIT_WORDS = 3
_UNIT_NOTE = re.compile(r"^\s*(đơn vị|đvt|dvt|don vi)", re.IGNORECASE)
# Sub-header labels that mean "the group's own total" ("Tiếp nhận" over "Tổng số | Trực tuyến").
_TOTAL_SUBS = frozenset({"tong", "tongso", "tongcong", "cong", "total"})


@lru_cache(maxsize=65536)
def fold_text(text: str) -> str:
    """Fold without removing a unit: the matching key of :func:`values.fold`, cached per label."""
    return fold(text)


def strip_unit(label: str) -> str:
    """Remove trailing units like "(%)" or "(hồ sơ)", repeatedly ("Tỷ lệ (%) (5)"), and a column formula.

    A label that is nothing but a unit ("(%)", a column number "(3)") strips to "".
    """
    label = _COLUMN_FORMULA.sub("", label.strip())
    while m := _TRAILING_UNIT.search(label):
        inner = m.group(1) if m.group(1) is not None else (m.group(2) or "")
        if len(inner.split()) > _MAX_UNIT_WORDS and not _UNIT_NOTE.match(inner):
            break
        label = label[: m.start()].rstrip()
    return label


def fold_label(label: str) -> str:
    """The form header labels are compared on: trailing unit removed, then folded."""
    return fold_text(strip_unit(label))


@lru_cache(maxsize=32)
def _label_index(kind: Kind) -> dict[str, str]:
    index: dict[str, str] = {}
    for column in kind.columns:
        for label in (column.name, *column.labels):
            for folded in (fold_text(label), fold_label(label)):
                # setdefault: when two columns share a folded label, the earlier column in
                # kinds.py wins, the same way every time.
                if folded:
                    index.setdefault(folded, column.name)
    return index


def _text(cell: object) -> str:
    if cell is None:
        return ""
    if isinstance(cell, float) and cell.is_integer():
        cell = int(cell)
    return " ".join(unicodedata.normalize("NFC", str(cell)).split())


def _lookup(index: dict[str, str], *labels: str) -> str | None:
    for label in labels:
        for folded in (fold_text(label), fold_label(label)):
            if folded and folded in index:
                return index[folded]
    return None


def _group_runs(group: Sequence[str]) -> list[int]:
    """For each column, how many adjacent columns carry the same group text."""
    runs = [0] * len(group)
    start = 0
    for i in range(1, len(group) + 1):
        if i == len(group) or group[i] != group[start]:
            for j in range(start, i):
                runs[j] = i - start
            start = i
    return runs


def match_columns(
    header_cells: list[str | None],
    kind: Kind,
    group_cells: list[str | None] | None = None,
) -> tuple[dict[int, str], list[str]]:
    """Map column positions to canonical names; return them and the labels that matched nothing.

    ``group_cells`` is the row above a two-row header, already filled across merged ranges.
    """
    index = _label_index(kind)
    subs, groups = _aligned(header_cells, group_cells)
    runs = _group_runs(groups)

    matched: dict[int, str] = {}
    taken: set[str] = set()
    ignored: list[str] = []
    for i, (sub, group) in enumerate(zip(subs, groups, strict=True)):
        if not sub and not group:
            continue
        written = _written(sub, group)
        name = _match_cell(index, sub, group, runs[i])
        if name is None or name in taken:
            ignored.append(written)
            continue
        matched[i] = name
        taken.add(name)
    return matched, ignored


def header_labels(header_cells: list[str | None], group_cells: list[str | None] | None = None) -> list[str]:
    """Each column's header as written: "group / sub" for two-row headers, "" when there is none."""
    subs, groups = _aligned(header_cells, group_cells)
    return [_written(sub, group) for sub, group in zip(subs, groups, strict=True)]


def _aligned(header_cells: Sequence[object], group_cells: Sequence[object] | None) -> tuple[list[str], list[str]]:
    subs = [_text(c) for c in header_cells]
    groups = [_text(c) for c in group_cells] if group_cells is not None else []
    width = max(len(subs), len(groups))
    return subs + [""] * (width - len(subs)), groups + [""] * (width - len(groups))


def _written(sub: str, group: str) -> str:
    return f"{group} / {sub}" if group and sub and group != sub else (sub or group)


def _match_cell(index: dict[str, str], sub: str, group: str, run: int) -> str | None:
    if not group:
        return _lookup(index, sub)
    sub_folded = fold_label(sub)
    candidates: list[str] = []
    if sub_folded:
        # The pair first: "Đang giải quyết" over "Quá hạn" is pending_overdue, not resolved_late.
        candidates += [f"{group} {sub}", f"{strip_unit(group)} {strip_unit(sub)}", sub]
    # The group alone names this column only when nothing below narrows it: a cell merged
    # down over both rows, a "Tổng số" sub-column, or a group over this one column only.
    if not sub_folded or sub_folded in _TOTAL_SUBS or run == 1:
        candidates.append(group)
    return _lookup(index, *candidates)


def header_score(cells: list[str | None], kind: Kind) -> int:
    """How many distinct columns of ``kind`` this row would match as a one-row header."""
    return len(match_columns(cells, kind)[0])
