"""Cell value parsers (contract §3): one case per rule, round trips, and robustness."""

from __future__ import annotations

import math
from collections.abc import Callable
from datetime import UTC, date, datetime, time, timedelta, timezone
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from reform_etl.values import (
    ValueProblem,
    fold,
    is_blank,
    normalise_text,
    parse_bool,
    parse_channel,
    parse_count,
    parse_datetime,
    parse_decimal,
    parse_index_code,
    parse_level,
    parse_online_mode,
    parse_percent,
    parse_year,
)

PARSERS: list[Callable[[object], object]] = [
    parse_count,
    parse_decimal,
    parse_percent,
    parse_datetime,
    parse_level,
    parse_channel,
    parse_online_mode,
    parse_bool,
    parse_year,
    parse_index_code,
    normalise_text,
]
PARSER_IDS = [p.__name__ for p in PARSERS]


# --- blanks and text ------------------------------------------------------------------


@pytest.mark.parametrize("value", [None, float("nan"), Decimal("NaN"), "", "   ", "\u00a0", " \t\n", "\u200b"])
def test_blank_values(value: object) -> None:
    assert is_blank(value)


@pytest.mark.parametrize("value", ["-", "0", 0, 0.0, False, "x"])
def test_not_blank_values(value: object) -> None:
    assert not is_blank(value)


@pytest.mark.parametrize("parser", PARSERS, ids=PARSER_IDS)
@pytest.mark.parametrize("value", [None, "", "  ", "\u00a0", float("nan")])
def test_every_parser_returns_none_for_blank(parser: Callable[[object], object], value: object) -> None:
    assert parser(value) is None


@pytest.mark.parametrize(
    "parser",
    [parse_count, parse_decimal, parse_percent, parse_datetime, parse_level, parse_channel, parse_year],
    ids=lambda p: p.__name__,
)
def test_a_dash_is_not_blank_but_rejected(parser: Callable[[object], object]) -> None:
    with pytest.raises(ValueProblem, match="'-'"):
        parser("-")


def test_pandas_missing_markers_are_blank() -> None:
    pd = pytest.importorskip("pandas")
    assert is_blank(pd.NaT) and is_blank(pd.NA)
    assert parse_datetime(pd.NaT) is None


def test_normalise_text_nfc_trim_and_collapse() -> None:
    decomposed = "Ho\u0300a Bi\u0300nh"  # tone marks as separate code points (Windows-1258, macOS)
    assert normalise_text(decomposed) == "Hòa Bình"
    assert normalise_text("  Sở\u00a0\u00a0Tư   pháp \n") == "Sở Tư pháp"
    assert normalise_text(5.0) == "5"
    assert normalise_text(12) == "12"


def test_fold_keeps_only_ascii_letters_and_digits() -> None:
    assert fold("Tỷ lệ đúng hạn (%)") == "tyledunghan"
    assert fold("Bà Rịa - Vũng Tàu") == "bariavungtau"
    assert fold("ĐẮK LẮK") == "daklak"
    assert fold("Quý IV/2022") == "quyiv2022"


# --- counts ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "value",
    ["82978", "82.978", "82,978", "82 978", "82\u00a0978", "82\u202f978", 82978, 82978.0, Decimal("82978"), " 82978 "],
)
def test_count_spellings(value: object) -> None:
    assert parse_count(value) == 82978


@pytest.mark.parametrize(
    ("value", "expected"),
    [("1.234.567", 1234567), ("1,234,567", 1234567), ("1 234 567", 1234567), ("0", 0), ("82.978,00", 82978)],
)
def test_count_grouping(value: str, expected: int) -> None:
    assert parse_count(value) == expected


@pytest.mark.parametrize(
    ("value", "reason"),
    [
        ("1.5", "fractional"),
        ("12,5", "fractional"),
        (12.5, "fractional"),
        ("82.978,5", "fractional"),
        ("-5", "negative"),
        (-5, "negative"),
        ("(5)", "negative"),
        ("1.23.456", "groups of three"),
        ("8 2978", "groups of three"),
        ("1e5", "scientific notation"),
        ("abc", "not a whole number"),
        (True, "yes/no"),
        (datetime(2022, 1, 1), "date"),
        (float("inf"), "finite"),
        (10**30, "too large"),
    ],
)
def test_count_rejections(value: object, reason: str) -> None:
    with pytest.raises(ValueProblem, match=reason):
        parse_count(value)


def test_count_message_quotes_the_raw_value() -> None:
    with pytest.raises(ValueProblem, match=r"^'82\.978,5' has a fractional part"):
        parse_count("82.978,5")


_SEPARATORS = [".", ",", " ", "\u00a0", ""]


def _grouped(n: int, sep: str) -> str:
    return f"{n:,}".replace(",", sep)


@settings(max_examples=200, deadline=None)
@given(st.integers(min_value=0, max_value=10**15), st.sampled_from(_SEPARATORS))
def test_count_round_trip(n: int, sep: str) -> None:
    assert parse_count(_grouped(n, sep)) == n


# --- decimals and percentages ---------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("90,09", 90.09),
        ("90.09", 90.09),
        ("1.234,5", 1234.5),
        ("1,234.5", 1234.5),
        ("1 234,5", 1234.5),
        ("1\u00a0234.5", 1234.5),
        ("1,234", 1.234),  # a lone separator is a decimal point for scores
        ("-3,5", -3.5),
        (",5", 0.5),
        (90.09, 90.09),
        (7, 7.0),
        (Decimal("12.25"), 12.25),
    ],
)
def test_decimal_spellings(value: object, expected: float) -> None:
    assert parse_decimal(value) == expected


@pytest.mark.parametrize(
    "value",
    ["inf", "nan", float("inf"), float("-inf"), Decimal("Infinity"), "1.2.3", "9,9,9", "12a", "1e3", True, "1.234.5,6"],
)
def test_decimal_rejections(value: object) -> None:
    with pytest.raises(ValueProblem):
        parse_decimal(value)


@settings(max_examples=200, deadline=None)
@given(st.integers(min_value=0, max_value=10**9), st.sampled_from([",", "."]), st.booleans())
def test_decimal_round_trip(cents: int, decimal_sep: str, grouped: bool) -> None:
    whole, fraction = divmod(cents, 100)
    group_sep = "." if decimal_sep == "," else ","
    text = f"{_grouped(whole, group_sep) if grouped else whole}{decimal_sep}{fraction:02d}"
    assert parse_decimal(text) == cents / 100


@pytest.mark.parametrize(
    ("value", "expected"),
    [("99,44%", 99.44), ("99,44 %", 99.44), ("100", 100.0), ("0%", 0.0), (85.5, 85.5), ("12.5", 12.5)],
)
def test_percent_spellings(value: object, expected: float) -> None:
    assert parse_percent(value) == expected


@pytest.mark.parametrize("value", ["100,01%", "-1", 101, "%", "abc%", "50%%"])
def test_percent_rejections(value: object) -> None:
    with pytest.raises(ValueProblem):
        parse_percent(value)


def test_percent_out_of_range_message() -> None:
    with pytest.raises(ValueProblem, match=r"'120%' is outside 0–100"):
        parse_percent("120%")


# --- dates ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("05/03/2022", datetime(2022, 3, 5)),
        ("5/3/2022", datetime(2022, 3, 5)),
        ("05-03-2022", datetime(2022, 3, 5)),
        ("05.03.2022", datetime(2022, 3, 5)),
        ("05/03/2022 08:30", datetime(2022, 3, 5, 8, 30)),
        ("05/03/2022 08:30:15", datetime(2022, 3, 5, 8, 30, 15)),
        ("08:30 05/03/2022", datetime(2022, 3, 5, 8, 30)),
        ("5/3/2022 8:30 PM", datetime(2022, 3, 5, 20, 30)),
        ("2022-03-05", datetime(2022, 3, 5)),
        ("2022-03-05T08:30:00", datetime(2022, 3, 5, 8, 30)),
        ("2022-03-05 08:30", datetime(2022, 3, 5, 8, 30)),
        ("2022-03-05T01:30:00Z", datetime(2022, 3, 5, 8, 30)),  # UTC -> Vietnam time
        ("2022-03-05T08:30:00+07:00", datetime(2022, 3, 5, 8, 30)),
        ("2022/03/05", datetime(2022, 3, 5)),
        (44621, datetime(2022, 3, 1)),  # Excel serial, 1900 date system
        (44621.5, datetime(2022, 3, 1, 12)),
        (date(2022, 3, 1), datetime(2022, 3, 1)),
        (datetime(2022, 3, 1, 9, 15), datetime(2022, 3, 1, 9, 15)),
        (datetime(2022, 3, 1, 2, 0, tzinfo=UTC), datetime(2022, 3, 1, 9, 0)),
    ],
)
def test_datetime_spellings(value: object, expected: datetime) -> None:
    assert parse_datetime(value) == expected


@pytest.mark.parametrize(
    ("value", "reason"),
    [
        ("12/31/2022", "month 31"),  # month first is never assumed
        ("31/02/2022", "no day 31"),
        ("29/02/2023", "no day 29"),
        ("2022-02-30", "not a real date"),
        ("05/03/22", "not a date"),
        ("05/03-2022", "not a date"),
        ("05/03/2022 25:00", "impossible time"),
        ("44621", "bare number"),  # a serial as text is not assumed to be a date
        ("20220305", "bare number"),
        (2022, "plausible Excel date"),  # a year in a date column is not 1905-07-14
        ("01/01/0202", "year 202"),
        (time(8, 30), "time of day"),
        (True, "yes/no"),
        ("hôm qua", "not a date"),
    ],
)
def test_datetime_rejections(value: object, reason: str) -> None:
    with pytest.raises(ValueProblem, match=reason):
        parse_datetime(value)


@settings(max_examples=200, deadline=None)
@given(
    st.dates(min_value=date(1900, 1, 1), max_value=date(2100, 12, 31)),
    st.sampled_from(["/", "-", "."]),
    st.booleans(),
    st.one_of(st.none(), st.times().map(lambda t: t.replace(microsecond=0))),
)
def test_datetime_round_trip(day: date, sep: str, padded: bool, clock: time | None) -> None:
    d, m = (f"{day.day:02d}", f"{day.month:02d}") if padded else (str(day.day), str(day.month))
    text = f"{d}{sep}{m}{sep}{day.year:04d}"
    expected = datetime.combine(day, time())
    if clock is not None:
        text += f" {clock:%H:%M:%S}"
        expected = datetime.combine(day, clock)
    assert parse_datetime(text) == expected


@settings(max_examples=200, deadline=None)
@given(st.datetimes(min_value=datetime(1980, 1, 1), max_value=datetime(2100, 12, 31)))
def test_excel_serial_round_trip(moment: datetime) -> None:
    moment = moment.replace(microsecond=0)
    serial = (moment - datetime(1899, 12, 30)) / timedelta(days=1)
    assert parse_datetime(serial) == moment


@settings(max_examples=100, deadline=None)
@given(st.datetimes(min_value=datetime(2000, 1, 1), max_value=datetime(2100, 1, 1)), st.integers(-12, 14))
def test_iso_with_offset_is_vietnam_local_time(moment: datetime, hours: int) -> None:
    aware = moment.replace(microsecond=0, tzinfo=timezone(timedelta(hours=hours)))
    expected = aware.astimezone(timezone(timedelta(hours=7))).replace(tzinfo=None)
    assert parse_datetime(aware.isoformat()) == expected


# --- vocabularies -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("tinh", "tinh"),
        ("Cấp tỉnh", "tinh"),
        ("CẤP TỈNH", "tinh"),
        ("Sở, ban, ngành", "tinh"),
        ("Sở ban ngành", "tinh"),
        ("so-ban-nganh", "tinh"),
        ("cnvpdk", "tinh"),
        ("Tỉnh", "tinh"),
        ("huyen", "huyen"),
        ("Cấp huyện", "huyen"),
        ("quan-huyen", "huyen"),
        ("Quận/huyện", "huyen"),
        ("xa", "xa"),
        ("Cấp xã", "xa"),
        ("phường", "xa"),
        ("thị trấn", "xa"),
        ("xa-phuong", "xa"),
        ("Cấp xã, phường, thị trấn", "xa"),
        ("Ca\u0302\u0301p xa\u0303", "xa"),  # decomposed tone marks
    ],
)
def test_level_spellings(value: str, expected: str) -> None:
    assert parse_level(value) == expected


@pytest.mark.parametrize("value", ["1", 2, 3.0, "Cấp trung ương", "tỉnh/huyện", True])
def test_level_rejections_list_the_accepted_values(value: object) -> None:
    with pytest.raises(ValueProblem, match="tinh .*huyen .*xa"):
        parse_level(value)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("truc_tiep", "truc_tiep"),
        ("Trực tiếp", "truc_tiep"),
        ("1", "truc_tiep"),
        (1, "truc_tiep"),
        (1.0, "truc_tiep"),
        ("truc_tuyen", "truc_tuyen"),
        ("Trực tuyến", "truc_tuyen"),
        ("Qua mạng", "truc_tuyen"),
        ("online", "truc_tuyen"),
        ("2", "truc_tuyen"),
        (2, "truc_tuyen"),
        ("buu_chinh", "buu_chinh"),
        ("Bưu chính", "buu_chinh"),
        ("Bưu chính công ích", "buu_chinh"),
        ("BCCI", "buu_chinh"),
        ("Dịch vụ bưu chính công ích (BCCI)", "buu_chinh"),
        ("3", "buu_chinh"),
        (3.0, "buu_chinh"),
    ],
)
def test_channel_spellings(value: object, expected: str) -> None:
    assert parse_channel(value) == expected


@pytest.mark.parametrize("value", ["4", 4, 0, 1.5, "email", True])
def test_channel_rejections(value: object) -> None:
    with pytest.raises(ValueProblem, match="truc_tiep"):
        parse_channel(value)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("toan_trinh", "toan_trinh"),
        ("Toàn trình", "toan_trinh"),
        ("DVCTT toàn trình", "toan_trinh"),
        ("Mức độ 4", "toan_trinh"),
        ("4", "toan_trinh"),
        (4, "toan_trinh"),
        ("full", "toan_trinh"),
        ("mot_phan", "mot_phan"),
        ("Một phần", "mot_phan"),
        ("DVCTT một phần", "mot_phan"),
        ("Mức độ 3", "mot_phan"),
        ("3", "mot_phan"),
        ("partial", "mot_phan"),
        ("khong", "khong"),
        ("Không", "khong"),
        ("Mức độ 1", "khong"),
        ("Mức độ 2", "khong"),
        ("Mức độ 1-2", "khong"),
        ("1", "khong"),
        ("2", "khong"),
        ("DVC thông tin", "khong"),
        ("none", "khong"),
    ],
)
def test_online_mode_spellings(value: object, expected: str) -> None:
    assert parse_online_mode(value) == expected


@pytest.mark.parametrize("value", ["5", "Mức độ 5", "có", True])
def test_online_mode_rejections(value: object) -> None:
    with pytest.raises(ValueProblem, match="toan_trinh"):
        parse_online_mode(value)


@pytest.mark.parametrize(
    "value",
    ["có", "Có", "co", "x", "X", "1", 1, 1.0, "true", "TRUE", "yes", "đã tích hợp", "Đã tích hợp", "Đã", "✓", True],
)
def test_bool_true(value: object) -> None:
    assert parse_bool(value) is True


@pytest.mark.parametrize(
    "value", ["không", "Không", "khong", "0", 0, "false", "no", "chưa", "Chưa tích hợp", "chưa tích hợp", False]
)
def test_bool_false(value: object) -> None:
    assert parse_bool(value) is False


@pytest.mark.parametrize("value", ["2", 2, "có thể", "-", "?"])
def test_bool_rejections(value: object) -> None:
    with pytest.raises(ValueProblem, match="not yes or no"):
        parse_bool(value)


@pytest.mark.parametrize(
    ("value", "expected"),
    [(2022, 2022), ("2022", 2022), (2022.0, 2022), ("2022.0", 2022), ("Năm 2022", 2022), (2000, 2000), (2100, 2100)],
)
def test_year_spellings(value: object, expected: int) -> None:
    assert parse_year(value) == expected


@pytest.mark.parametrize(
    ("value", "reason"),
    [(1999, "outside"), ("2101", "outside"), (2022.5, "not a year"), ("20222", "not a year"), (True, "not a year")],
)
def test_year_rejections(value: object, reason: str) -> None:
    with pytest.raises(ValueProblem, match=reason):
        parse_year(value)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("PAR", "PAR"),
        ("par", "PAR"),
        ("Chỉ số CCHC", "PAR"),
        ("PAR Index", "PAR"),
        ("PAR INDEX", "PAR"),
        ("Chỉ số cải cách hành chính", "PAR"),
        ("SIPAS", "SIPAS"),
        ("Chỉ số hài lòng", "SIPAS"),
        ("Chỉ số hài lòng về sự phục vụ hành chính", "SIPAS"),
        ("PCI", "PCI"),
        ("Chỉ số năng lực cạnh tranh cấp tỉnh", "PCI"),
        ("PAPI", "PAPI"),
        ("Chỉ số hiệu quả quản trị và hành chính công cấp tỉnh", "PAPI"),
        ("SI766", "SI766"),
        ("766", "SI766"),
        (766, "SI766"),
        ("Bộ chỉ số 766", "SI766"),
        ("Chỉ số phục vụ người dân, doanh nghiệp", "SI766"),
    ],
)
def test_index_code_spellings(value: object, expected: str) -> None:
    assert parse_index_code(value) == expected


@pytest.mark.parametrize("value", ["HDI", "Chỉ số", 765])
def test_index_code_rejections(value: object) -> None:
    with pytest.raises(ValueProblem, match="PAR .*SI766"):
        parse_index_code(value)


# --- robustness: nothing but ValueProblem ever escapes ----------------------------------

ANY_CELL = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.floats(),
    st.decimals(),
    st.text(),
    st.dates(),
    st.datetimes(),
    st.datetimes(timezones=st.sampled_from([UTC, timezone(timedelta(hours=7)), timezone(timedelta(hours=-5))])),
    st.times(),
)


def _only_value_problems(parser: Callable[[object], object], value: object) -> None:
    try:
        parser(value)
    except ValueProblem as problem:
        assert str(problem)  # a reason a person can read


@pytest.mark.parametrize("parser", PARSERS, ids=PARSER_IDS)
@settings(max_examples=200, deadline=None)
@given(value=st.text())
def test_any_text_raises_only_value_problem(parser: Callable[[object], object], value: str) -> None:
    _only_value_problems(parser, value)


@pytest.mark.parametrize("parser", PARSERS, ids=PARSER_IDS)
@settings(max_examples=200, deadline=None)
@given(value=st.one_of(st.none(), st.integers(), st.floats(), st.text()))
def test_any_scalar_raises_only_value_problem(parser: Callable[[object], object], value: object) -> None:
    _only_value_problems(parser, value)


@pytest.mark.parametrize("parser", PARSERS, ids=PARSER_IDS)
@settings(max_examples=100, deadline=None)
@given(value=ANY_CELL)
def test_any_reader_value_raises_only_value_problem(parser: Callable[[object], object], value: object) -> None:
    _only_value_problems(parser, value)


class _Weird:
    def __str__(self) -> str:
        raise RuntimeError("broken __str__")


@pytest.mark.parametrize("parser", PARSERS, ids=PARSER_IDS)
@pytest.mark.parametrize(
    "value",
    [
        10**5000,
        -(10**5000),
        Decimal("1E+999999"),
        Decimal("-Infinity"),
        Decimal("sNaN"),
        float("inf"),
        "9" * 100_000,
        "1." * 50_000,
        "\x00",
        object(),
        _Weird(),
        [1, 2],
        {"a": 1},
        b"82978",
    ],
    ids=lambda v: type(v).__name__,
)
def test_hostile_values_raise_only_value_problem(parser: Callable[[object], object], value: object) -> None:
    _only_value_problems(parser, value)


def test_messages_of_huge_values_stay_short() -> None:
    with pytest.raises(ValueProblem) as caught:
        parse_count("9" * 100_000)
    assert len(str(caught.value)) < 300


def test_numpy_scalars_are_accepted() -> None:
    np = pytest.importorskip("numpy")
    assert parse_count(np.int64(82978)) == 82978
    assert parse_decimal(np.float64(90.09)) == 90.09
    assert parse_channel(np.int64(2)) == "truc_tuyen"
    assert parse_bool(np.bool_(True)) is True
    assert math.isclose(parse_percent(np.float32(50.0)) or 0, 50.0)
