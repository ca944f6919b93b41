"""Parsers for the cell values of provincial exports (contract §3).

Every parser takes whatever a CSV, Excel or JSON reader hands over (str, int, float,
bool, Decimal, date/datetime or None), returns ``None`` for a blank cell and raises
:class:`ValueProblem` for anything it cannot accept. ``ValueProblem`` is the only
exception that may leave these parsers: the normaliser turns it into a rejected row, so
its message is written for the ministry analyst who has to fix the file.

Import them from here. They live in ``value_text`` (blanks, clean-up, matching keys),
``value_numbers``, ``value_dates`` and ``value_vocabularies`` (coded values and years).
"""

from __future__ import annotations

from .value_dates import parse_datetime
from .value_numbers import parse_count, parse_decimal, parse_percent
from .value_numbers import parse_score as parse_score
from .value_text import ValueProblem, fold, fold_words, is_blank, normalise_text, quote, unwrap_scalar
from .value_vocabularies import (
    MAX_YEAR,
    MIN_YEAR,
    parse_bool,
    parse_channel,
    parse_index_code,
    parse_level,
    parse_online_mode,
    parse_year,
)

__all__ = [
    "ValueProblem",
    "MAX_YEAR",
    "MIN_YEAR",
    "fold",
    "fold_words",
    "is_blank",
    "normalise_text",
    "parse_bool",
    "parse_channel",
    "parse_count",
    "parse_datetime",
    "parse_decimal",
    "parse_index_code",
    "parse_level",
    "parse_online_mode",
    "parse_percent",
    "parse_year",
    "quote",
    "unwrap_scalar",
]
