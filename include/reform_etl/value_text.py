"""The ground under every cell parser: :class:`ValueProblem`, blank cells, text clean-up, matching keys.

:mod:`reform_etl.values` re-exports all of it; the number, date and vocabulary parsers
build on it.
"""

from __future__ import annotations

import math
import re
import unicodedata
from datetime import date, datetime
from decimal import Decimal

from .folding import fold_vietnamese


class ValueProblem(ValueError):
    """A value that cannot be accepted; the message says why and what to do."""


# Invisible characters that spreadsheets and web exports leave in cells; they are not
# whitespace to Python, so strip() alone would keep them.
_INVISIBLE = dict.fromkeys(map(ord, "\u200b\u200c\u200d\u2060\ufeff\u00ad"))
WHITESPACE_RUN = re.compile(r"\s+")
_MAX_QUOTE = 80


def _safe_str(value: object) -> str:
    try:
        return value if isinstance(value, str) else str(value)
    except Exception:  # noqa: BLE001 - a broken __str__ (or a 5000-digit int) must not hide the real problem
        if isinstance(value, int):
            return f"<a number of about {int(value.bit_length() * 0.30103)} digits>"
        return f"<{type(value).__name__}>"


def quote(value: object) -> str:
    """The raw value as it should appear in a message: repr-quoted, cut when huge."""
    text = _safe_str(value)
    if len(text) > _MAX_QUOTE:
        text = text[: _MAX_QUOTE - 1] + "…"
    return repr(text)


def _is_nan_like(value: object) -> bool:
    # pandas hands over NaN/NaT/NA for empty cells; NaT and NA are recognised by type
    # name so that this module does not need pandas.
    if isinstance(value, float):
        return math.isnan(value)
    if isinstance(value, Decimal):
        return value.is_nan()
    return type(value).__name__ in {"NaTType", "NAType"}


def is_blank(value: object) -> bool:
    """True for an empty cell: None, NaN/NaT, '' or only (any kind of) whitespace.

    A lone '-' is deliberately *not* blank: provinces use it both for "nothing" and
    for "not reported", so it is a value to be rejected, not silently skipped.
    """
    if value is None or _is_nan_like(value):
        return True
    if isinstance(value, str):
        return not value.translate(_INVISIBLE).strip()
    return False


def normalise_text(value: object) -> str | None:
    """NFC, trimmed, internal whitespace (incl. no-break spaces) collapsed; None if blank."""
    if is_blank(value):
        return None
    if isinstance(value, str):
        text = value
    elif isinstance(value, float) and value.is_integer():
        # Excel stores a typed "5" as 5.0; the text a person saw was "5".
        text = str(int(value))
    elif isinstance(value, datetime | date):
        text = value.isoformat()
    else:
        text = _safe_str(value)
    text = unicodedata.normalize("NFC", text.translate(_INVISIBLE))
    collapsed = WHITESPACE_RUN.sub(" ", text).strip()
    return collapsed or None


def fold(text: str) -> str:
    """Matching key: no diacritics, lower case, ASCII letters and digits only.

    'Cấp xã, phường' -> 'capxaphuong'; 'Bà Rịa - Vũng Tàu' -> 'bariavungtau'.
    """
    if not isinstance(text, str):
        text = str(text)
    return re.sub(r"[^a-z0-9]+", "", fold_vietnamese(text).lower())


def fold_words(text: str) -> str:
    """Like :func:`fold` but keeps word boundaries as single spaces: 'Quý I/2022' -> 'quy i 2022'."""
    if not isinstance(text, str):
        text = str(text)
    return re.sub(r"[^a-z0-9]+", " ", fold_vietnamese(text).lower()).strip()


def as_text(value: object) -> str:
    """A non-blank str value, NFC, with invisible characters removed and trimmed."""
    return unicodedata.normalize("NFC", str(value).translate(_INVISIBLE)).strip()


def unwrap_scalar(value: object) -> object:
    """numpy scalars (from pandas-based readers) as the Python values they stand for."""
    if type(value).__module__ == "numpy" and hasattr(value, "item"):
        try:
            return value.item()
        except (TypeError, ValueError, OverflowError):  # an odd numpy scalar is kept as it came
            return value
    return value
