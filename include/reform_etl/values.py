"""Parsers for the cell values of provincial exports (contract §3).

Every parser takes whatever a CSV, Excel or JSON reader hands over (str, int, float,
bool, Decimal, date/datetime or None), returns ``None`` for a blank cell and raises
:class:`ValueProblem` for anything it cannot accept. ``ValueProblem`` is the only
exception that may leave this module: the normaliser turns it into a rejected row, so
its message is written for the ministry analyst who has to fix the file.
"""

from __future__ import annotations

import math
import re
import unicodedata
from collections.abc import Mapping
from datetime import date, datetime, time, timedelta, timezone
from decimal import Decimal

from .folding import fold_vietnamese

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


class ValueProblem(ValueError):
    """A value that cannot be accepted; the message says why and what to do."""


# --- text helpers -------------------------------------------------------------------

# Invisible characters that spreadsheets and web exports leave in cells; they are not
# whitespace to Python, so strip() alone would keep them.
_INVISIBLE = dict.fromkeys(map(ord, "\u200b\u200c\u200d\u2060\ufeff\u00ad"))
_WHITESPACE_RUN = re.compile(r"\s+")
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
    collapsed = _WHITESPACE_RUN.sub(" ", text).strip()
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


def _as_text(value: object) -> str:
    """A non-blank str value, NFC, with invisible characters removed and trimmed."""
    return unicodedata.normalize("NFC", str(value).translate(_INVISIBLE)).strip()


# --- numbers ------------------------------------------------------------------------

# Counts go to BIGINT columns; anything larger is a typo or a pasted identifier.
_MAX_COUNT = 2**63 - 1
# Longer than any real figure; keeps Decimal/int conversion cheap on garbage input.
_MAX_NUMBER_CHARS = 40
_MINUS = "-\u2212\u2013"  # hyphen-minus, minus sign, en dash (Word/Excel auto-format)
_GROUPED = {sep: re.compile(rf"[1-9]\d{{0,2}}(?:{re.escape(sep)}\d{{3}})+") for sep in ".,"}
_SPACE_GROUPED = re.compile(r"[1-9]\d{0,2}(?: \d{3})+(?:[.,]\d+)?")
_EXPONENT = re.compile(r"[0-9.,]+[eE][+-]?\d+")


def unwrap_scalar(value: object) -> object:
    """numpy scalars (from pandas-based readers) as the Python values they stand for."""
    if type(value).__module__ == "numpy" and hasattr(value, "item"):
        try:
            return value.item()
        except (TypeError, ValueError, OverflowError):  # an odd numpy scalar is kept as it came
            return value
    return value


def _number_from_text(raw: str, *, lone_group_of_three: bool, what: str) -> Decimal:
    """Decimal value of a number written the Vietnamese or the English way.

    Rules (contract §3): spaces and no-break spaces group thousands; with both '.' and
    ',' present the last one is the decimal separator; one kind repeated ('1.234.567')
    is grouping. A *single* separator followed by exactly three digits ('82.978',
    '1,234') is the one truly ambiguous case: ``lone_group_of_three`` says whether it is
    read as thousands (counts) or as a decimal point (scores).
    """
    # Every kind of Unicode space (no-break, narrow, figure) counts as one plain space.
    text = _WHITESPACE_RUN.sub(" ", _as_text(raw).removeprefix("'"))
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
        number = _as_text(value).removesuffix("%")
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
    if isinstance(value, str) and _as_text(value).endswith("%"):
        return parse_percent(value)
    return parse_decimal(value)


# --- dates --------------------------------------------------------------------------

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
    text = _as_text(raw)
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


# --- vocabularies -------------------------------------------------------------------

# Years a report, an index or a period may belong to.
MIN_YEAR, MAX_YEAR = 2000, 2100


def _vocabulary(groups: Mapping[str, tuple[str, ...]]) -> dict[str, str]:
    """Folded spelling -> canonical value; a spelling claimed twice is a bug here."""
    table: dict[str, str] = {}
    for canonical, spellings in groups.items():
        for spelling in (canonical, *spellings):
            key = fold(spelling)
            if not key or table.get(key, canonical) != canonical:
                raise RuntimeError(f"vocabulary clash on {spelling!r}")
            table[key] = canonical
    return table


def _numeric_code(value: object) -> str | None:
    """'2' for 2, 2.0 or Decimal('2'): provincial systems send codes as numbers.

    Only numbers that could be a code or a year; huge ones would be slow to convert.
    """
    if isinstance(value, bool) or not isinstance(value, int | float | Decimal):
        return None
    try:
        if -1e9 < value < 1e9 and value == int(value):
            return str(int(value))
    except (ArithmeticError, ValueError):  # NaN and infinities of float and Decimal
        pass
    return None


def _lookup(value: object, table: dict[str, str], what: str, accepted: str) -> str | None:
    value = unwrap_scalar(value)
    if is_blank(value):
        return None
    if isinstance(value, bool):
        raise ValueProblem(f"{quote(value)} is a yes/no value, not {what}; use {accepted}")
    code = _numeric_code(value)
    key = code if code is not None else fold(value) if isinstance(value, str) else None
    if key and key in table:
        return table[key]
    raise ValueProblem(f"{quote(value)} is not a known {what}; use {accepted}")


_LEVELS = _vocabulary(
    {
        "tinh": (
            "Cấp tỉnh",
            "Tỉnh",
            "Sở, ban, ngành",
            "Sở ban ngành",
            "so-ban-nganh",
            "Sở, ngành",
            "cnvpdk",
            "province",
            "provincial",
        ),
        "huyen": (
            "Cấp huyện",
            "quan-huyen",
            "Quận/huyện",
            "Quận, huyện, thị xã",
            "Cấp huyện, quận, thị xã",
            "district",
        ),
        "xa": (
            "Cấp xã",
            "phường",
            "thị trấn",
            "xa-phuong",
            "Xã, phường",
            "Phường, xã",
            "Xã, phường, thị trấn",
            "Cấp xã, phường, thị trấn",
            "commune",
        ),
    }
)
_LEVEL_HELP = "tinh (Cấp tỉnh, Sở ban ngành), huyen (Cấp huyện) or xa (Cấp xã, phường, thị trấn)"


def parse_level(value: object) -> str | None:
    """Administrative level: 'tinh' | 'huyen' | 'xa'.

    Numeric codes are not accepted: provincial systems number levels differently
    (1 = tỉnh in one, 1 = xã in another), so '1' would be a guess.
    """
    value = unwrap_scalar(value)
    if _numeric_code(value) is not None or (isinstance(value, str) and _as_text(value).isdigit()):
        raise ValueProblem(f"{quote(value)} is a number, not a level; use {_LEVEL_HELP}")
    return _lookup(value, _LEVELS, "level (cấp)", _LEVEL_HELP)


_CHANNELS = _vocabulary(
    {
        "truc_tiep": ("Trực tiếp", "1", "Nộp trực tiếp", "direct", "in person"),
        "truc_tuyen": ("Trực tuyến", "Qua mạng", "online", "2", "Nộp trực tuyến"),
        "buu_chinh": (
            "Bưu chính",
            "Bưu chính công ích",
            "BCCI",
            "Dịch vụ bưu chính công ích (BCCI)",
            "Dịch vụ bưu chính công ích",
            "Qua bưu chính",
            "post",
            "postal",
            "3",
        ),
    }
)


def parse_channel(value: object) -> str | None:
    """Submission channel: 'truc_tiep' | 'truc_tuyen' | 'buu_chinh' (codes 1/2/3)."""
    return _lookup(
        value,
        _CHANNELS,
        "channel (kênh)",
        "truc_tiep (Trực tiếp, 1), truc_tuyen (Trực tuyến, 2) or buu_chinh (Bưu chính công ích, BCCI, 3)",
    )


_ONLINE_MODES = _vocabulary(
    {
        "toan_trinh": ("Toàn trình", "DVCTT toàn trình", "DVC trực tuyến toàn trình", "Mức độ 4", "Mức 4", "4", "full"),
        "mot_phan": ("Một phần", "DVCTT một phần", "DVC trực tuyến một phần", "Mức độ 3", "Mức 3", "3", "partial"),
        "khong": (
            "Không",
            "Mức độ 1",
            "Mức độ 2",
            "Mức độ 1-2",
            "Mức độ 1, 2",
            "Mức 1",
            "Mức 2",
            "1",
            "2",
            "DVC thông tin",
            "Dịch vụ công thông tin",
            "none",
        ),
    }
)


def parse_online_mode(value: object) -> str | None:
    """Online service mode: 'toan_trinh' | 'mot_phan' | 'khong' (legacy Mức độ 4/3/1-2)."""
    return _lookup(
        value,
        _ONLINE_MODES,
        "online service mode",
        "toan_trinh (Toàn trình, Mức độ 4), mot_phan (Một phần, Mức độ 3) or khong (Mức độ 1-2)",
    )


_BOOLS = {
    key: canonical == "yes"
    for key, canonical in _vocabulary(
        {
            "yes": ("có", "x", "1", "true", "đã tích hợp", "đã", "rồi", "y", "đúng"),
            "no": ("không", "k", "0", "false", "chưa", "chưa tích hợp", "không tích hợp", "n", "sai"),
        }
    ).items()
}
# Tick marks fold to nothing, so they are looked up before folding.
_TICKS = {"✓", "✔", "☑", "✅", "√"}


def parse_bool(value: object) -> bool | None:
    """Yes/no: có/x/1/true/đã tích hợp -> True; không/0/false/chưa -> False."""
    value = unwrap_scalar(value)
    if is_blank(value):
        return None
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and _as_text(value) in _TICKS:
        return True
    code = _numeric_code(value)
    key = code if code is not None else fold(value) if isinstance(value, str) else None
    if key in _BOOLS:
        return _BOOLS[key]
    raise ValueProblem(f"{quote(value)} is not yes or no; use có/không, x (or empty), 1/0 or true/false")


def parse_year(value: object) -> int | None:
    """A calendar year 2000–2100: 2022, 2022.0, '2022', 'Năm 2022'."""
    value = unwrap_scalar(value)
    if is_blank(value):
        return None
    code = None if isinstance(value, bool) else _numeric_code(value)
    if isinstance(value, str) and len(value) < 100:
        # '2022.0' is what a float year column looks like once written to CSV
        match = re.fullmatch(r"(?:nam )?(\d{4})(?: 0+)?", fold_words(value))
        code = match.group(1) if match else None
    if code is None or not code.isdigit():
        raise ValueProblem(f"{quote(value)} is not a year; write the year as four digits, e.g. 2022")
    year = int(code)
    if not MIN_YEAR <= year <= MAX_YEAR:
        raise ValueProblem(f"{quote(value)} is outside the years {MIN_YEAR}–{MAX_YEAR}; check for a typo")
    return year


_INDEX_CODES = _vocabulary(
    {
        "PAR": (
            "PAR Index",
            "PAR INDEX",
            "Chỉ số CCHC",
            "Chỉ số PAR",
            "Chỉ số cải cách hành chính",
            "Chỉ số cải cách hành chính (PAR Index)",
        ),
        "SIPAS": (
            "Chỉ số hài lòng",
            "Chỉ số SIPAS",
            "Chỉ số hài lòng về sự phục vụ hành chính",
            "Chỉ số hài lòng của người dân, tổ chức đối với sự phục vụ của cơ quan hành chính nhà nước",
        ),
        "PCI": ("Chỉ số PCI", "Chỉ số năng lực cạnh tranh cấp tỉnh"),
        "PAPI": ("Chỉ số PAPI", "Chỉ số hiệu quả quản trị và hành chính công cấp tỉnh"),
        "SI766": (
            "766",
            "SI 766",
            "Bộ chỉ số 766",
            "Chỉ số 766",
            "Chỉ số phục vụ người dân, doanh nghiệp",
            "Bộ chỉ số phục vụ người dân, doanh nghiệp",
        ),
    }
)


def parse_index_code(value: object) -> str | None:
    """Published index: 'PAR' | 'SIPAS' | 'PCI' | 'PAPI' | 'SI766'."""
    return _lookup(
        value,
        _INDEX_CODES,
        "index",
        "PAR (Chỉ số CCHC), SIPAS (Chỉ số hài lòng), PCI, PAPI or SI766 (Bộ chỉ số 766)",
    )
