"""Dates and times: day first always, Excel serials within reason, stored as naive Vietnam time (contract §3)."""

from __future__ import annotations

import re
from datetime import date, datetime, time, timedelta, timezone
from decimal import Decimal

from .value_text import ValueProblem, as_text, is_blank, quote, unwrap_scalar

_VN_TZ = timezone(timedelta(hours=7))
_EXCEL_EPOCH = datetime(1899, 12, 30)  # serial 0 after Excel's fake 1900-02-29 is skipped
# A number in a date column that predates 1980 is more likely a year or a count than
# an Excel serial; rejecting it beats loading 2022 as 1905-07-14.
_MIN_SERIAL = 29221  # 1980-01-01
_MAX_SERIAL = 73416  # 2101-01-01 (exclusive)
# Dates outside this window are typos (0202, 20222) or time-only cells (1899-12-30).
_MIN_YEAR, _MAX_YEAR = 1900, 2100

_TIME = r"(?P<h>\d{1,2})[:hH](?P<mi>\d{2})(?::(?P<s>\d{2})(?:[.,]\d{1,6})?)?\s*(?P<ampm>AM|PM|SA|CH|am|pm)?"
_DAY_FIRST = re.compile(r"(?P<d>\d{1,2})(?P<sep>[/.-])(?P<m>\d{1,2})(?P=sep)(?P<y>\d{4})")
_YEAR_FIRST = re.compile(r"(?P<y>\d{4})(?P<sep>[/.-])(?P<m>\d{1,2})(?P=sep)(?P<d>\d{1,2})")
_DATE_THEN_TIME = re.compile(rf"(?P<date>[\d/.-]+)(?:(?:\s+|\s*,\s*|T)(?P<time>{_TIME}))?")
_TIME_THEN_DATE = re.compile(rf"(?P<time>{_TIME})(?:\s+|\s*,\s*)(?:ngày\s+)?(?P<date>[\d/.-]+)")
_ISO = re.compile(r"\d{4}-\d{2}-\d{2}(?:[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d{1,6})?)?)?(?:Z|[+-]\d{2}(?::?\d{2})?)?")


def _check_year(result: datetime, raw: object) -> datetime:
    if not _MIN_YEAR <= result.year <= _MAX_YEAR:
        raise ValueProblem(
            f"{quote(raw)} has the year {result.year}, outside {_MIN_YEAR}–{_MAX_YEAR}; check for a typo"
        )
    return result


def _naive_vietnam(moment: datetime) -> datetime:
    """Aware times are moved to Vietnam time (UTC+7) and stored naive, like all others."""
    if moment.tzinfo is None or moment.utcoffset() is None:
        return moment.replace(tzinfo=None)
    return moment.astimezone(_VN_TZ).replace(tzinfo=None)


def _from_excel_serial(value: float | int | Decimal) -> datetime:
    # Compared before any float conversion: a 5000-digit int must not overflow.
    if not _MIN_SERIAL <= value < _MAX_SERIAL:
        raise ValueProblem(
            f"{quote(value)} is a bare number, not a plausible Excel date (serial {_MIN_SERIAL}–{_MAX_SERIAL - 1}, "
            "1980–2100); write the date as dd/mm/yyyy"
        )
    # Rounded to the second: Excel stores times as binary fractions of a day.
    seconds = round(float(value) * 86400)
    return _EXCEL_EPOCH + timedelta(seconds=seconds)


def _clock(match: re.Match[str], raw: object) -> time:
    hour, minute = int(match["h"]), int(match["mi"])
    second = int(match["s"] or 0)
    ampm = (match["ampm"] or "").upper()
    if ampm:
        if not 1 <= hour <= 12:
            raise ValueProblem(f"{quote(raw)} has the hour {hour} together with {ampm}")
        hour = hour % 12 + (12 if ampm in {"PM", "CH"} else 0)
    if hour > 23 or minute > 59 or second > 59:
        raise ValueProblem(f"{quote(raw)} has an impossible time of day")
    return time(hour, minute, second)


def _calendar_date(text: str, raw: object) -> date:
    match = _DAY_FIRST.fullmatch(text) or _YEAR_FIRST.fullmatch(text)
    if match is None:
        raise ValueProblem(f"{quote(raw)} is not a date; write it day first as dd/mm/yyyy (e.g. 05/03/2022)")
    day, month, year = int(match["d"]), int(match["m"]), int(match["y"])
    if month > 12:
        raise ValueProblem(
            f"{quote(raw)} has the month {month}, which does not exist; dates must be day first (dd/mm/yyyy), "
            "never month first"
        )
    try:
        return date(year, month, day)
    except ValueError:
        raise ValueProblem(f"{quote(raw)} is not a real date: month {month} of {year} has no day {day}") from None


def _datetime_from_text(raw: object) -> datetime:
    text = as_text(raw)
    if re.fullmatch(r"\d+(?:[.,]\d+)?", text):
        raise ValueProblem(
            f"{quote(raw)} is a bare number, not a date; write the date as dd/mm/yyyy "
            "(if it is an Excel date serial, keep the cell formatted as a date)"
        )
    if _ISO.fullmatch(text):
        try:
            return _naive_vietnam(datetime.fromisoformat(text.replace("Z", "+00:00")))
        except ValueError:
            raise ValueProblem(f"{quote(raw)} is not a real date or time (ISO 8601 yyyy-mm-dd[Thh:mm:ss])") from None
    match = _DATE_THEN_TIME.fullmatch(text) or _TIME_THEN_DATE.fullmatch(text)
    if match is None:
        raise ValueProblem(
            f"{quote(raw)} is not a date; write it day first as dd/mm/yyyy, optionally with hh:mm or hh:mm:ss"
        )
    day = _calendar_date(match["date"], raw)
    clock = _clock(match, raw) if match["time"] else time()
    return datetime.combine(day, clock)


def parse_datetime(value: object) -> datetime | None:
    """A naive datetime (Vietnam local time); day first always, never month first.

    Year-first dates ('2022/03/05', '2022-3-5') are read as year-month-day: no one
    writes year-day-month, so that order is not a guess.
    """
    value = unwrap_scalar(value)
    if is_blank(value):
        return None
    if isinstance(value, bool):
        raise ValueProblem(f"{quote(value)} is a yes/no value, not a date")
    if isinstance(value, datetime):
        return _check_year(_naive_vietnam(value), value)
    if isinstance(value, date):
        return _check_year(datetime(value.year, value.month, value.day), value)
    if isinstance(value, time):
        raise ValueProblem(f"{quote(value)} is a time of day without a date")
    if isinstance(value, int | float | Decimal):
        return _from_excel_serial(value)
    if not isinstance(value, str):
        raise ValueProblem(f"{quote(value)} is not a date")
    return _check_year(_datetime_from_text(value), value)
