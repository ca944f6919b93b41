"""Turning a rule's message template into the sentence stored with a finding.

Values are shown the way a Vietnamese report writes them would be ambiguous, so they are
shown plainly (``95.88``, ``14/03/2024 16:00``); column names are shown as in the
normaliser's reasons, canonical name plus the file's own header when it differs.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from datetime import date, datetime
from decimal import Decimal
from typing import Any

_LABEL = re.compile(r"\{@([a-z_0-9]+)\}")


def label(column: str, labels: Mapping[str, str] | None) -> str:
    """``resolved_late ('Quá hạn')`` when the file wrote the header differently."""
    written = (labels or {}).get(column)
    return f"{column} ('{written}')" if written and written != column else column


def show(value: Any) -> str:
    """A value as a person reads it in a message or in the raw_value column."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "(empty)"
    if isinstance(value, datetime):
        return (
            value.strftime("%d/%m/%Y %H:%M")
            if (value.hour, value.minute, value.second) != (0, 0, 0)
            else (value.strftime("%d/%m/%Y"))
        )
    if isinstance(value, date):
        return value.strftime("%d/%m/%Y")
    if isinstance(value, float | Decimal):
        number = float(value)
        if number.is_integer():
            return str(int(number))
        return f"{number:.4f}".rstrip("0").rstrip(".")
    if hasattr(value, "item"):  # numpy scalars from pandas
        return show(value.item())
    return str(value)


class _Value:
    """A value that formats plainly by default and honours an explicit format spec."""

    def __init__(self, value: Any) -> None:
        self.value = value.item() if hasattr(value, "item") else value

    def __format__(self, spec: str) -> str:
        if spec and isinstance(self.value, int | float | Decimal) and not isinstance(self.value, bool):
            if isinstance(self.value, float) and math.isnan(self.value):
                return "(empty)"
            return format(float(self.value), spec)
        return show(self.value)


class _Row(dict[str, Any]):
    def __missing__(self, key: str) -> _Value:
        return _Value(None)


def render(template: str, row: Mapping[str, Any], labels: Mapping[str, str] | None = None) -> str:
    """Fill ``{@column}`` with the column's label and ``{column}`` with the row's value."""
    with_labels = _LABEL.sub(lambda m: label(m.group(1), labels).replace("{", "{{").replace("}", "}}"), template)
    try:
        return with_labels.format_map(_Row({key: _Value(value) for key, value in row.items()}))
    except (ValueError, TypeError, IndexError, KeyError):
        return with_labels


def raw_text(value: Any) -> str | None:
    """The value stored in ``raw_value``: as shown, never longer than 500 characters."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return None
    return show(value)[:500]
