"""Reporting periods: canonical labels, Vietnamese spellings and file-name identity.

A period is a year, a half, a quarter or a month. Its canonical label ('2022',
'2022-H1', '2022-Q3', '2022-07') is what the warehouse stores and what file names use.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from reform_etl.values import MAX_YEAR, MIN_YEAR, ValueProblem, fold_words, is_blank, parse_year, quote

__all__ = [
    "FileIdentity",
    "Period",
    "identity_from_filename",
    "parse_period",
    "period_containing",
    "period_for_year",
    "period_from_label",
]


@dataclass(frozen=True)
class Period:
    label: str  # canonical: '2022', '2022-H1', '2022-H2', '2022-Q3', '2022-07'
    start: date
    end: date  # inclusive last day
    grain: str  # 'year' | 'half' | 'quarter' | 'month'


_FORMS = "write it as 2022, 2022-H1, 2022-Q3 or 2022-07 (or Năm 2022, 6 tháng đầu năm 2022, Quý I/2022, Tháng 7/2022)"


def _check_year(year: int, raw: object) -> int:
    if not MIN_YEAR <= year <= MAX_YEAR:
        raise ValueProblem(f"{quote(raw)} has the year {year}, outside {MIN_YEAR}–{MAX_YEAR}; check for a typo")
    return year


def _span(label: str, grain: str, year: int, first_month: int, months: int) -> Period:
    start = date(year, first_month, 1)
    after = date(year + (first_month + months - 1) // 12, (first_month + months - 1) % 12 + 1, 1)
    return Period(label, start, after - timedelta(days=1), grain)


def period_for_year(year: int) -> Period:
    """The calendar year as a period."""
    return _span(str(_check_year(year, year)), "year", year, 1, 12)


def _half(year: int, half: int) -> Period:
    return _span(f"{year}-H{half}", "half", year, 6 * half - 5, 6)


def _quarter(year: int, quarter: int) -> Period:
    return _span(f"{year}-Q{quarter}", "quarter", year, 3 * quarter - 2, 3)


def _month(year: int, month: int, raw: object) -> Period:
    if not 1 <= month <= 12:
        raise ValueProblem(f"{quote(raw)} has the month {month}, which does not exist; {_FORMS}")
    return _span(f"{year}-{month:02d}", "month", year, month, 1)


_ROMAN = {"i": 1, "ii": 2, "iii": 3, "iv": 4}
_Y = r"(?P<y>\d{4})"
_OF_YEAR = rf"(?:nam )?{_Y}"  # 'năm 2022', or just '2022' after '/' or '-'

# Patterns run on fold_words() output: no diacritics, lower case, punctuation -> ' '.
_YEAR_FORMS = [rf"(?:ca |12 thang )?{_OF_YEAR}"]
_HALF_FORMS = [
    rf"{_Y} h(?P<n>[12])",
    rf"h(?P<n>[12]) {_OF_YEAR}",
    # '6 tháng năm 2022' is how report titles name the first half
    rf"(?:6|sau) thang (?:(?P<first>dau )|(?P<last>cuoi ))?{_OF_YEAR}",
    rf"nua (?:(?P<first>dau)|(?P<last>cuoi)) {_OF_YEAR}",
]
_QUARTER_FORMS = [
    rf"{_Y} q(?P<n>[1-4])",
    rf"q(?P<n>[1-4]) {_OF_YEAR}",
    rf"quy (?P<n>[1-4]|i|ii|iii|iv) {_OF_YEAR}",
    rf"3 thang (?:(?P<first>dau )|(?P<last>cuoi ))(?:nam )?{_Y}",
]
_MONTH_FORMS = [rf"{_Y} (?P<n>\d{{1,2}})", rf"(?:thang )?(?P<n>\d{{1,2}}) {_OF_YEAR}"]
# Cumulative spans provinces also report; none is a year, half, quarter or month.
_UNSUPPORTED = re.compile(r"(?:9|chin) thang .*|\d{1,2} thang (?:dau |cuoi )?(?:nam )?\d{4}")


def _match_any(patterns: list[str], text: str) -> re.Match[str] | None:
    for pattern in patterns:
        match = re.fullmatch(pattern, text)
        if match:
            return match
    return None


def _period_from_text(raw: str) -> Period:
    if len(raw) > 100:
        raise ValueProblem(f"{quote(raw)} is too long to be a period; {_FORMS}")
    text = fold_words(raw)
    if match := _match_any(_YEAR_FORMS, text):
        return period_for_year(_check_year(int(match["y"]), raw))
    if match := _match_any(_HALF_FORMS, text):
        half = 2 if match.groupdict().get("last") else int(match.groupdict().get("n") or 1)
        return _half(_check_year(int(match["y"]), raw), half)
    if match := _match_any(_QUARTER_FORMS, text):
        n = match.groupdict().get("n") or ("4" if match.groupdict().get("last") else "1")
        return _quarter(_check_year(int(match["y"]), raw), _ROMAN.get(n) or int(n))
    if match := _match_any(_MONTH_FORMS, text):
        return _month(_check_year(int(match["y"]), raw), int(match["n"]), raw)
    if _UNSUPPORTED.fullmatch(text):
        raise ValueProblem(
            f"{quote(raw)} is a cumulative span, not a year, half, quarter or month; "
            "send the data per quarter or month, or for the whole year"
        )
    raise ValueProblem(f"{quote(raw)} is not a period; {_FORMS}")


def parse_period(value: object) -> Period | None:
    """A period from a canonical label, a Vietnamese spelling or a bare year (int 2022)."""
    if is_blank(value):
        return None
    if isinstance(value, datetime | date):
        # Excel turns a typed '07/2022' into the date 2022-07-01; whether the sender
        # meant that month cannot be known, so the cell has to be fixed.
        raise ValueProblem(f"{quote(value)} is a date, not a period; format the cell as text and {_FORMS}")
    if isinstance(value, str):
        return _period_from_text(value)
    try:
        year = parse_year(value)
    except ValueProblem:
        raise ValueProblem(f"{quote(value)} is not a period; {_FORMS}") from None
    if year is None:  # blank was handled above
        raise ValueProblem(f"{quote(value)} is not a period; {_FORMS}")
    return period_for_year(year)


def period_from_label(label: str) -> Period:
    """The period of a label the pipeline itself wrote or chose (``2024-Q1``), so never blank."""
    period = parse_period(label)
    if period is None:
        raise ValueProblem(f"{quote(label)} is not a period; {_FORMS}")
    return period


def period_containing(day: date, grain: str) -> Period:
    """The period of ``grain`` (year, half, quarter or month) that ``day`` falls in."""
    if grain == "year":
        return period_for_year(day.year)
    if grain == "half":
        return period_from_label(f"{day.year}-H{1 if day.month <= 6 else 2}")
    if grain == "quarter":
        return period_from_label(f"{day.year}-Q{(day.month - 1) // 3 + 1}")
    if grain == "month":
        return period_from_label(f"{day.year}-{day.month:02d}")
    raise ValueError(f"unknown period grain {grain!r}; expected year, half, quarter or month")


@dataclass(frozen=True)
class FileIdentity:
    province_token: str | None  # raw token from the file name: '40', '01', '1', 'VN'
    period: Period | None


_FILE_NAME = re.compile(r"(?P<province>\d{1,2}|vn)_(?P<period>[^_.]+)(?:[_.].*)?", re.IGNORECASE | re.DOTALL)
# What the contract allows in a file name; other spellings belong in the content.
_FILE_PERIOD = re.compile(r"(?P<y>\d{4})(?:-(?:(?P<h>h[12])|(?P<q>q[1-4])|(?P<m>\d{1,2})))?", re.IGNORECASE)
_FILE_FORMS = "YYYY, YYYY-H1, YYYY-H2, YYYY-Q1..YYYY-Q4 or YYYY-MM"


def _period_from_file_token(token: str, name: str) -> Period:
    match = _FILE_PERIOD.fullmatch(token)
    year = int(match["y"]) if match else 0
    month = int(match["m"]) if match and match["m"] else 1
    if match is None or not MIN_YEAR <= year <= MAX_YEAR or not 1 <= month <= 12:
        raise ValueProblem(
            f"the file name {quote(name)} has the period {quote(token)}, which is not a valid period; "
            f"rename the file as <province>_<period>_… with the period as {_FILE_FORMS} "
            f"(years {MIN_YEAR}–{MAX_YEAR})"
        )
    if match["h"]:
        return _half(year, int(match["h"][1]))
    if match["q"]:
        return _quarter(year, int(match["q"][1]))
    if match["m"]:
        return _month(year, month, token)
    return period_for_year(year)


def identity_from_filename(name: str) -> FileIdentity:
    """Province token and period of ``<province>_<period>[_anything].<ext>``.

    A name in another shape identifies nothing (the content has to); a name in this
    shape whose period token starts like a year but is not a valid period is an error,
    because the sender clearly meant to say which period the file holds.
    """
    base = re.split(r"[\\/]", name)[-1]
    stem = base.rsplit(".", 1)[0] if "." in base else base
    match = _FILE_NAME.fullmatch(stem)
    if match is None or not re.match(r"\d{4}(?:-|$)", match["period"]):
        return FileIdentity(None, None)
    return FileIdentity(match["province"], _period_from_file_token(match["period"], base))
