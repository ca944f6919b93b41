"""Reporting periods and the identity a file name carries (contract §1)."""

from __future__ import annotations

from datetime import date, datetime

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from reform_etl.periods import FileIdentity, Period, identity_from_filename, parse_period, period_for_year
from reform_etl.values import ValueProblem

H1_2022 = Period("2022-H1", date(2022, 1, 1), date(2022, 6, 30), "half")
H2_2022 = Period("2022-H2", date(2022, 7, 1), date(2022, 12, 31), "half")
Q1_2022 = Period("2022-Q1", date(2022, 1, 1), date(2022, 3, 31), "quarter")
Q3_2022 = Period("2022-Q3", date(2022, 7, 1), date(2022, 9, 30), "quarter")
JUL_2022 = Period("2022-07", date(2022, 7, 1), date(2022, 7, 31), "month")
YEAR_2022 = Period("2022", date(2022, 1, 1), date(2022, 12, 31), "year")


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("2022", YEAR_2022),
        (2022, YEAR_2022),
        (2022.0, YEAR_2022),
        ("Năm 2022", YEAR_2022),
        ("NĂM 2022", YEAR_2022),
        ("2022-H1", H1_2022),
        ("2022-h1", H1_2022),
        ("H1/2022", H1_2022),
        ("6 tháng đầu năm 2022", H1_2022),
        ("6 tháng năm 2022", H1_2022),
        ("2022-H2", H2_2022),
        ("6 tháng cuối năm 2022", H2_2022),
        ("2022-Q1", Q1_2022),
        ("Quý I/2022", Q1_2022),
        ("Quý 1 năm 2022", Q1_2022),
        ("3 tháng đầu năm 2022", Q1_2022),
        ("2022-Q3", Q3_2022),
        ("Q3/2022", Q3_2022),
        ("Quý 3 năm 2022", Q3_2022),
        ("Quý III/2022", Q3_2022),
        ("Quý III - 2022", Q3_2022),
        ("2022-07", JUL_2022),
        ("07/2022", JUL_2022),
        ("7/2022", JUL_2022),
        ("Tháng 7/2022", JUL_2022),
        ("Tháng 07 năm 2022", JUL_2022),
        ("Tha\u0301ng 7/2022", JUL_2022),  # decomposed tone mark
        ("  2022-07 ", JUL_2022),
    ],
)
def test_period_spellings(value: object, expected: Period) -> None:
    assert parse_period(value) == expected


def test_period_ends() -> None:
    assert parse_period("2024-02") == Period("2024-02", date(2024, 2, 1), date(2024, 2, 29), "month")
    assert parse_period("2023-02").end == date(2023, 2, 28)  # type: ignore[union-attr]
    assert parse_period("Quý IV/2022") == Period("2022-Q4", date(2022, 10, 1), date(2022, 12, 31), "quarter")
    assert parse_period("2022-12").end == date(2022, 12, 31)  # type: ignore[union-attr]


@pytest.mark.parametrize("value", [None, "", "  ", float("nan")])
def test_blank_period(value: object) -> None:
    assert parse_period(value) is None


@pytest.mark.parametrize(
    ("value", "reason"),
    [
        ("2022-13", "month 13"),
        ("13/2022", "month 13"),
        ("Quý V/2022", "not a period"),
        ("2022-Q5", "not a period"),
        ("1999", "1999"),
        ("9 tháng đầu năm 2022", "cumulative span"),
        ("kỳ này", "not a period"),
        (date(2022, 7, 1), "is a date"),
        (datetime(2022, 7, 1), "is a date"),
        (True, "not a period"),
        (2022.5, "not a period"),
    ],
)
def test_period_rejections(value: object, reason: str) -> None:
    with pytest.raises(ValueProblem, match=reason):
        parse_period(value)


def test_period_for_year() -> None:
    assert period_for_year(2019) == Period("2019", date(2019, 1, 1), date(2019, 12, 31), "year")
    with pytest.raises(ValueProblem):
        period_for_year(1800)


@settings(max_examples=200, deadline=None)
@given(st.integers(2000, 2100), st.integers(1, 12))
def test_month_label_round_trip(year: int, month: int) -> None:
    period = parse_period(f"Tháng {month}/{year}")
    assert period is not None
    assert parse_period(period.label) == period
    assert (period.start.year, period.start.month, period.start.day) == (year, month, 1)
    assert period.end.month == month and (period.end.day >= 28)


@settings(max_examples=200, deadline=None)
@given(st.integers(2000, 2100), st.sampled_from(["H1", "H2", "Q1", "Q2", "Q3", "Q4", ""]))
def test_canonical_labels_round_trip(year: int, part: str) -> None:
    label = f"{year}-{part}" if part else str(year)
    period = parse_period(label)
    assert period is not None and period.label == label
    assert period.start <= period.end


# --- file names -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("40_2022-H1_bao-cao.xlsx", FileIdentity("40", H1_2022)),
        ("VN_2019_par.csv", FileIdentity("VN", period_for_year(2019))),
        ("vn_2022.json", FileIdentity("vn", YEAR_2022)),
        ("01_2022-Q3.csv", FileIdentity("01", Q3_2022)),
        ("1_2022-07.jsonl", FileIdentity("1", JUL_2022)),
        ("79_2022-q1_x_y.txt", FileIdentity("79", Q1_2022)),
        ("40_2022.final.xlsx", FileIdentity("40", YEAR_2022)),
        ("landing/dossier_summary/sub/40_2022-H2.csv", FileIdentity("40", H2_2022)),
        ("C:\\exports\\40_2022-H2.csv", FileIdentity("40", H2_2022)),
        ("40_2022", FileIdentity("40", YEAR_2022)),
    ],
)
def test_identity_from_filename(name: str, expected: FileIdentity) -> None:
    assert identity_from_filename(name) == expected


@pytest.mark.parametrize(
    "name",
    [
        "report.csv",
        "bao_cao_2022.xlsx",
        "2022_40.csv",
        "123_2022.csv",
        "40-2022.csv",
        "40_bao-cao.csv",
        "",
        "HN_2022.csv",
    ],
)
def test_names_outside_the_pattern_identify_nothing(name: str) -> None:
    assert identity_from_filename(name) == FileIdentity(None, None)


@pytest.mark.parametrize(
    "name", ["40_2022-13.csv", "40_2022-H3.csv", "40_2022-Q0.xlsx", "40_1999.csv", "40_2022-H1-x.csv"]
)
def test_invalid_period_in_file_name_is_an_error_naming_the_token(name: str) -> None:
    token = name.split("_", 1)[1].rsplit(".", 1)[0]
    with pytest.raises(ValueProblem, match=f"'{token}'"):
        identity_from_filename(name)


@settings(max_examples=200, deadline=None)
@given(value=st.one_of(st.none(), st.integers(), st.floats(), st.text()))
def test_parse_period_raises_only_value_problem(value: object) -> None:
    try:
        parse_period(value)
    except ValueProblem:
        pass


@settings(max_examples=200, deadline=None)
@given(value=st.text())
def test_parse_period_text_raises_only_value_problem(value: str) -> None:
    try:
        parse_period(value)
    except ValueProblem:
        pass


@settings(max_examples=200, deadline=None)
@given(
    name=st.one_of(
        st.text(),
        st.builds(lambda p, t, s: f"{p}_{t}{s}", st.from_regex(r"\d{1,2}|VN", fullmatch=True), st.text(), st.text()),
    )
)
def test_identity_from_filename_raises_only_value_problem(name: str) -> None:
    try:
        identity_from_filename(name)
    except ValueProblem:
        pass
