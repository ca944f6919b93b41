"""Counts, scores and percentages written the Vietnamese or the English way (contract §3)."""

from __future__ import annotations

import math
import re
from datetime import date, datetime, time
from decimal import Decimal

from .value_text import WHITESPACE_RUN, ValueProblem, as_text, is_blank, quote, unwrap_scalar

# Counts go to BIGINT columns; anything larger is a typo or a pasted identifier.
_MAX_COUNT = 2**63 - 1
# Longer than any real figure; keeps Decimal/int conversion cheap on garbage input.
_MAX_NUMBER_CHARS = 40
_MINUS = "-\u2212\u2013"  # hyphen-minus, minus sign, en dash (Word/Excel auto-format)
_GROUPED = {sep: re.compile(rf"[1-9]\d{{0,2}}(?:{re.escape(sep)}\d{{3}})+") for sep in ".,"}
_SPACE_GROUPED = re.compile(r"[1-9]\d{0,2}(?: \d{3})+(?:[.,]\d+)?")
_EXPONENT = re.compile(r"[0-9.,]+[eE][+-]?\d+")


def _number_from_text(raw: str, *, lone_group_of_three: bool, what: str) -> Decimal:
    """Decimal value of a number written the Vietnamese or the English way.

    Rules (contract §3): spaces and no-break spaces group thousands; with both '.' and
    ',' present the last one is the decimal separator; one kind repeated ('1.234.567')
    is grouping. A *single* separator followed by exactly three digits ('82.978',
    '1,234') is the one truly ambiguous case: ``lone_group_of_three`` says whether it is
    read as thousands (counts) or as a decimal point (scores).
    """
    # Every kind of Unicode space (no-break, narrow, figure) counts as one plain space.
    text = WHITESPACE_RUN.sub(" ", as_text(raw).removeprefix("'"))
    negative = False
    if text and text[0] in f"{_MINUS}+":
        negative, text = text[0] != "+", text[1:].lstrip()
    elif text.startswith("(") and text.endswith(")"):  # accounting-style negative
        negative, text = True, text[1:-1].strip()
    if not text or len(text) > _MAX_NUMBER_CHARS:
        raise ValueProblem(f"{quote(raw)} is not {what}")
    if _EXPONENT.fullmatch(text):
        raise ValueProblem(
            f"{quote(raw)} is in scientific notation, which loses digits; "
            "export the column with a number format instead of 'General'"
        )
    if " " in text:
        if not _SPACE_GROUPED.fullmatch(text):
            raise ValueProblem(f"{quote(raw)} is not {what}: digits separated by spaces must be groups of three")
        text = text.replace(" ", "")
    if not re.fullmatch(r"[0-9.,]*[0-9][0-9.,]*", text):
        raise ValueProblem(f"{quote(raw)} is not {what}")
    digits = _canonical_digits(text, lone_group_of_three=lone_group_of_three)
    if digits is None:
        raise ValueProblem(f"{quote(raw)} is not {what}: its thousands separators are not in groups of three digits")
    number = Decimal(digits)
    return -number if negative else number


def _canonical_digits(text: str, *, lone_group_of_three: bool) -> str | None:
    """'1.234,5' -> '1234.5'; None when the separators do not make sense."""
    has_dot, has_comma = "." in text, "," in text
    if has_dot and has_comma:
        decimal_sep = "." if text.rfind(".") > text.rfind(",") else ","
        group_sep = "," if decimal_sep == "." else "."
        whole, _, fraction = text.rpartition(decimal_sep)
        if decimal_sep in whole or not fraction or not _GROUPED[group_sep].fullmatch(whole):
            return None
        return whole.replace(group_sep, "") + "." + fraction
    if not (has_dot or has_comma):
        return text
    sep = "." if has_dot else ","
    if text.count(sep) > 1:
        return text.replace(sep, "") if _GROUPED[sep].fullmatch(text) else None
    whole, _, fraction = text.partition(sep)
    if not fraction:
        return whole or None  # '82978.' as some exporters write it
    if lone_group_of_three and _GROUPED[sep].fullmatch(text):
        return whole + fraction
    return (whole or "0") + "." + fraction


def _decimal_of(value: object, *, lone_group_of_three: bool, what: str) -> Decimal:
    """Any accepted numeric input as a finite Decimal."""
    if isinstance(value, bool):
        raise ValueProblem(f"{quote(value)} is a yes/no value, not {what}")
    if isinstance(value, datetime | date | time):
        raise ValueProblem(f"{quote(value)} is a date or time, not {what}; check that this is the right column")
    if isinstance(value, int):
        return Decimal(value)
    if isinstance(value, float | Decimal):
        if not value.is_finite() if isinstance(value, Decimal) else not math.isfinite(value):
            raise ValueProblem(f"{quote(value)} is not a finite number")
        # via repr so that 90.09 stays 90.09 rather than its binary expansion
        return Decimal(repr(value)) if isinstance(value, float) else value
    if not isinstance(value, str):
        raise ValueProblem(f"{quote(value)} is not {what}")
    return _number_from_text(value, lone_group_of_three=lone_group_of_three, what=what)


def parse_count(value: object) -> int | None:
    """A non-negative whole number: 82978, '82.978', '82,978', '82 978' -> 82978.

    A zero fraction is accepted ('82978,00', 82978.0: Excel number formats and float
    cells); any other fraction is an error, never rounded.
    """
    value = unwrap_scalar(value)
    if is_blank(value):
        return None
    number = _decimal_of(value, lone_group_of_three=True, what="a whole number (a count)")
    if abs(number) > _MAX_COUNT:
        raise ValueProblem(f"{quote(value)} is too large to be a count; check for a pasted identifier or a typo")
    if number != number.to_integral_value():
        raise ValueProblem(f"{quote(value)} has a fractional part; a count must be a whole number")
    if number < 0:
        raise ValueProblem(f"{quote(value)} is negative; a count cannot be below zero")
    return int(number)


def parse_decimal(value: object) -> float | None:
    """A score-like number: '90,09', '90.09', '1.234,5', '1,234.5', '1 234,5'.

    A lone separator followed by three digits ('1,234') is read as a decimal point:
    scores have up to 3-4 decimals, while no index has scores in the thousands.
    Counts make the opposite choice (see :func:`parse_count`).
    """
    value = unwrap_scalar(value)
    if is_blank(value):
        return None
    number = _decimal_of(value, lone_group_of_three=False, what="a number")
    result = float(number)
    if not math.isfinite(result):
        raise ValueProblem(f"{quote(value)} is too large to be a score")
    return result


def parse_percent(value: object) -> float | None:
    """A percentage on the 0–100 scale, with or without a trailing '%': '99,44%' -> 99.44.

    Numbers arrive as they are: an Excel cell formatted as percent holds 0.9944 for
    99.44 %, and it is the reader's job to scale it, since the value alone cannot tell.
    """
    value = unwrap_scalar(value)
    if is_blank(value):
        return None
    number: object = value
    if isinstance(value, str):
        number = as_text(value).removesuffix("%")
        if is_blank(number):
            raise ValueProblem(f"{quote(value)} is not a percentage")
    try:
        result = parse_decimal(number)
    except ValueProblem as problem:
        raise ValueProblem(str(problem).replace(quote(number), quote(value), 1)) from None
    if result is None or not 0 <= result <= 100:
        raise ValueProblem(f"{quote(value)} is outside 0–100; percentages are on a 0–100 scale")
    return result


def parse_score(value: object) -> float | None:
    """A score or index value; a trailing '%' is allowed (SIPAS is published as '89,33%').

    Unlike :func:`parse_percent` there is no 0–100 bound here: scores are checked against
    their own maximum by the expectation suite.
    """
    value = unwrap_scalar(value)
    if isinstance(value, str) and as_text(value).endswith("%"):
        return parse_percent(value)
    return parse_decimal(value)
