"""Coded values matched by their folded spelling: levels, channels, online modes, yes/no, years, index codes."""

from __future__ import annotations

import re
from collections.abc import Mapping
from decimal import Decimal

from .value_text import ValueProblem, as_text, fold, fold_words, is_blank, quote, unwrap_scalar

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
    if _numeric_code(value) is not None or (isinstance(value, str) and as_text(value).isdigit()):
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
    if isinstance(value, str) and as_text(value) in _TICKS:
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
