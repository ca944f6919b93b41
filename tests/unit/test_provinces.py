"""Province resolution across the 2025-07-01 merger (contract §3, Province)."""

from __future__ import annotations

import csv
import unicodedata
from collections import defaultdict
from datetime import date, datetime
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import reform_etl
from reform_etl.provinces import MERGER_DATE, ProvinceMatch, ProvinceResolver, UnknownProvince
from reform_etl.values import ValueProblem, fold

REFERENCE = Path(reform_etl.__file__).parent / "reference"
BEFORE = date(2024, 1, 1)
AFTER = date(2025, 7, 1)


def _rows(name: str) -> list[dict[str, str]]:
    with (REFERENCE / name).open(encoding="utf-8-sig", newline="") as handle:
        return list(csv.DictReader(handle))


ROWS_63, ROWS_34, MERGER = _rows("provinces_63.csv"), _rows("provinces_34.csv"), _rows("merger_2025.csv")
SUCCESSOR = {row["old_code"]: row["new_code"] for row in MERGER}


def _spellings_63() -> list[tuple[str, str]]:
    """Every (spelling, code) the reference data gives for the 63 pre-2025 units."""
    pairs = []
    for row in ROWS_63:
        names = [row["name"], row["official_name_gso"], row["name_2019_2024"], *row["aliases"].split(";")]
        pairs += [(name.strip(), row["code"]) for name in names if name.strip()]
    pairs += [(row["old_name"], row["old_code"]) for row in MERGER]
    pairs += [(row["old_name_in_par_reports"], row["old_code"]) for row in MERGER]
    return sorted(set(pairs))


def _spellings_34() -> list[tuple[str, str]]:
    return sorted({(n, row["new_code"]) for row in ROWS_34 for n in (row["new_name"], row["official_name"])})


SPELLINGS_63 = _spellings_63()
SPELLINGS_34 = _spellings_34()


@pytest.fixture(scope="module")
def resolver() -> ProvinceResolver:
    return ProvinceResolver.default()


def _without_marks(text: str) -> str:
    stripped = "".join(c for c in unicodedata.normalize("NFD", text) if not unicodedata.combining(c))
    return stripped.replace("đ", "d").replace("Đ", "D")


# --- reference data sanity ------------------------------------------------------------


def test_default_is_cached() -> None:
    assert ProvinceResolver.default() is ProvinceResolver.default()


def test_reference_lists_have_63_and_34_units() -> None:
    assert len(ROWS_63) == 63 and len(ROWS_34) == 34 and len(MERGER) == 63


@pytest.mark.parametrize(("spellings", "era"), [(SPELLINGS_63, "63"), (SPELLINGS_34, "34")])
def test_no_two_units_share_a_folded_key(spellings: list[tuple[str, str]], era: str) -> None:
    codes_by_key: dict[str, set[str]] = defaultdict(set)
    for spelling, code in spellings:
        codes_by_key[fold(spelling)].add(code)
    clashes = {key: codes for key, codes in codes_by_key.items() if len(codes) > 1}
    assert not clashes, f"folded keys naming two units ({era}): {clashes}"


def test_a_colliding_alias_is_refused_when_loading() -> None:
    rows = [dict(row) for row in ROWS_63]
    ha_nam = next(row for row in rows if row["code"] == "35")
    ha_nam["aliases"] += ";Ha Noi"  # would make 'Hà Nội' ambiguous
    with pytest.raises(ValueError, match="already names province"):
        ProvinceResolver(rows, ROWS_34, MERGER)


@pytest.mark.parametrize(
    ("a", "b"),
    [("Hà Nam", "Hà Nội"), ("Quảng Nam", "Quảng Ngãi"), ("Hà Giang", "Hậu Giang"), ("Bình Định", "Bình Dương")],
)
def test_lookalike_names_stay_distinct(resolver: ProvinceResolver, a: str, b: str) -> None:
    assert resolver.resolve(a).code != resolver.resolve(b).code


# --- codes ------------------------------------------------------------------------------


@pytest.mark.parametrize("value", ["1", "01", 1, 1.0, " 01 "])
def test_code_with_or_without_leading_zero(resolver: ProvinceResolver, value: object) -> None:
    assert resolver.resolve(value) == ProvinceMatch("01", "Hà Nội", None)


@pytest.mark.parametrize("value", ["03", "99", "00", 0, 100, "001", 1.5, "79a"])
def test_codes_in_neither_list_are_unknown(resolver: ProvinceResolver, value: object) -> None:
    with pytest.raises(UnknownProvince, match="unknown province"):
        resolver.resolve(value)


def test_codes_mean_the_unit_of_the_period(resolver: ProvinceResolver) -> None:
    assert resolver.resolve("15", BEFORE) == ProvinceMatch("15", "Yên Bái", None)
    assert resolver.resolve("15", AFTER) == ProvinceMatch("15", "Lào Cai", None)
    assert resolver.resolve("24", BEFORE).name == "Bắc Giang"
    assert resolver.resolve("24", AFTER).name == "Bắc Ninh"


def test_old_code_after_merger_maps_to_successor_with_warning(resolver: ProvinceResolver) -> None:
    match = resolver.resolve("02", AFTER)
    assert (match.code, match.name) == ("08", "Tuyên Quang")
    assert match.warning is not None and "'02'" in match.warning and "Hà Giang" in match.warning


# --- names ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "code"),
    [
        ("Hà Nội", "01"),
        ("Ha Noi", "01"),
        ("Hanoi", "01"),
        ("HÀ NỘI", "01"),
        ("Thành phố Hà Nội", "01"),
        ("TP. Hà Nội", "01"),
        ("TP Hà Nội", "01"),
        ("Tp.Hà Nội", "01"),
        ("Hanoi City", "01"),
        ("Tỉnh Hà Giang", "02"),
        ("tinh Ha Giang", "02"),
        ("T.Hà Giang", "02"),
        ("T. Hà Giang", "02"),
        ("Hà Giang province", "02"),
        ("Hoà Bình", "17"),
        ("Hòa Bình", "17"),
        ("Ho\u0300a Bi\u0300nh", "17"),  # decomposed
        ("Thanh Hoá", "38"),
        ("Thanh Hóa", "38"),
        ("Khánh Hoà", "56"),
        ("Bà Rịa - Vũng Tàu", "77"),
        ("Bà Rịa-Vũng Tàu", "77"),
        ("Bà Rịa – Vũng Tàu", "77"),  # en dash
        ("Bà Rịa Vũng Tàu", "77"),
        ("BR-VT", "77"),
        ("BRVT", "77"),
        ("TP.HCM", "79"),
        ("TPHCM", "79"),
        ("TP HCM", "79"),
        ("HCM", "79"),
        ("HCMC", "79"),
        ("Ho Chi Minh City", "79"),
        ("Thành phố Hồ Chí Minh", "79"),
        ("TP. Hồ Chí Minh", "79"),
        ("Hồ Chí Minh", "79"),
        ("TT-Huế", "46"),
        ("Thừa Thiên - Huế", "46"),
        ("Thừa Thiên Huế", "46"),
        ("Huế", "46"),
        ("Hue", "46"),
        ("Bắc Cạn", "06"),
        ("Bắc Kạn", "06"),
        ("Đắc Lắc", "66"),
        ("Đắk Lắk", "66"),
        ("Dak Lak", "66"),
        ("Đắc Nông", "67"),
        ("Kiên Giang", "91"),
        ("Kon Tum", "62"),
        ("Kontum", "62"),
        ("Cần Thơ", "92"),
        ("TP Cần Thơ", "92"),
    ],
)
def test_name_spellings(resolver: ProvinceResolver, value: str, code: str) -> None:
    match = resolver.resolve(value)
    assert match.code == code and match.warning is None


@pytest.mark.parametrize(
    "value", ["Xyz", "Ha Nom", "Hà Nộii", "Sài Gòn Mới", "Tỉnh", "TP", "-", "Hà", True, date(2022, 1, 1)]
)
def test_unknown_names_are_refused_without_guessing(resolver: ProvinceResolver, value: object) -> None:
    with pytest.raises(UnknownProvince) as caught:
        resolver.resolve(value)
    assert "not a GSO code or a name of the 63 provinces before 2025-07-01 or the 34 from then" in str(caught.value)


def test_unknown_message_quotes_the_value(resolver: ProvinceResolver) -> None:
    with pytest.raises(UnknownProvince, match=r"^unknown province 'Xyz': "):
        resolver.resolve("Xyz")


def test_unknown_province_is_a_value_problem() -> None:
    assert issubclass(UnknownProvince, ValueProblem)


@pytest.mark.parametrize("value", [None, "", "  "])
def test_blank_province_is_refused(resolver: ProvinceResolver, value: object) -> None:
    with pytest.raises(UnknownProvince, match="empty"):
        resolver.resolve(value)


# --- the 2025 merger --------------------------------------------------------------------


def test_merged_name_after_merger_maps_to_successor(resolver: ProvinceResolver) -> None:
    match = resolver.resolve("Hà Giang", AFTER)
    assert (match.code, match.name) == ("08", "Tuyên Quang")
    assert match.warning == "'Hà Giang' was merged into Tuyên Quang (08) on 2025-07-01; loaded under Tuyên Quang"


def test_merged_name_before_merger_is_the_old_unit(resolver: ProvinceResolver) -> None:
    assert resolver.resolve("Hà Giang", BEFORE) == ProvinceMatch("02", "Hà Giang", None)
    assert resolver.resolve("Hà Giang") == ProvinceMatch("02", "Hà Giang", None)
    assert resolver.resolve("Hà Giang", date(2025, 6, 30)).code == "02"


def test_datetime_as_date(resolver: ProvinceResolver) -> None:
    assert resolver.resolve("Hà Giang", datetime(2025, 7, 1, 0, 0)).code == "08"


def test_renamed_unit_with_retained_code_also_warns(resolver: ProvinceResolver) -> None:
    # Yên Bái kept its code (15) but the unit is now called Lào Cai.
    match = resolver.resolve("Yên Bái", AFTER)
    assert (match.code, match.name) == ("15", "Lào Cai")
    assert match.warning is not None and "Lào Cai (15)" in match.warning


@pytest.mark.parametrize(
    ("value", "code", "name"),
    [
        ("Lào Cai", "15", "Lào Cai"),
        ("Gia Lai", "52", "Gia Lai"),
        ("Hà Nội", "01", "Hà Nội"),
        ("Thừa Thiên Huế", "46", "Huế"),
    ],
)
def test_new_unit_names_after_merger_need_no_warning(
    resolver: ProvinceResolver, value: str, code: str, name: str
) -> None:
    assert resolver.resolve(value, AFTER) == ProvinceMatch(code, name, None)


def test_namesake_of_new_unit_before_merger_is_the_old_unit(resolver: ProvinceResolver) -> None:
    assert resolver.resolve("Lào Cai", BEFORE) == ProvinceMatch("10", "Lào Cai", None)
    assert resolver.resolve("Gia Lai", BEFORE).code == "64"


@pytest.mark.parametrize("row", MERGER, ids=lambda row: row["old_code"])
def test_every_old_unit_after_merger_lands_on_its_successor(resolver: ProvinceResolver, row: dict[str, str]) -> None:
    by_name = resolver.resolve(row["old_name"], AFTER)
    by_code = resolver.resolve(row["old_code"], AFTER)
    assert by_name.code == by_code.code == row["new_code"]
    assert by_name.name == row["new_name"]
    if row["code_retained"] == "no":
        assert by_code.warning is not None
        assert (by_name.warning is None) == (fold(row["old_name"]) == fold(row["new_name"]))


def test_name_of(resolver: ProvinceResolver) -> None:
    assert resolver.name_of("1") == "Hà Nội"
    assert resolver.name_of("15", BEFORE) == "Yên Bái"
    assert resolver.name_of("15", AFTER) == "Lào Cai"
    with pytest.raises(UnknownProvince):
        resolver.name_of("02", AFTER)
    with pytest.raises(UnknownProvince):
        resolver.name_of("03")


@pytest.mark.parametrize("value", ["VN", "vn", "Toàn quốc", "TOÀN QUỐC", "Cả nước", "Việt Nam", "Viet Nam"])
def test_national_markers(resolver: ProvinceResolver, value: str) -> None:
    assert resolver.is_national(value)
    with pytest.raises(UnknownProvince, match="whole country"):
        resolver.resolve(value)


@pytest.mark.parametrize("value", ["Hà Nội", "01", 1, None, "", "Vietnamese"])
def test_not_national(resolver: ProvinceResolver, value: object) -> None:
    assert not resolver.is_national(value)


def test_merger_date_constant() -> None:
    assert MERGER_DATE == date(2025, 7, 1)


# --- properties -------------------------------------------------------------------------

PREFIXES = [
    "",
    "Tỉnh ",
    "tỉnh ",
    "TỈNH ",
    "Tinh ",
    "Thành phố ",
    "Thanh pho ",
    "TP. ",
    "TP.",
    "TP ",
    "TP",
    "Tp. ",
    "T.",
    "T. ",
]


def _variant(spelling: str, prefix: str, marks: bool, case: str) -> str:
    text = spelling if marks else _without_marks(spelling)
    text = prefix + text
    return {"keep": text, "upper": text.upper(), "lower": text.lower()}[case]


VARIANT = (st.sampled_from(PREFIXES), st.booleans(), st.sampled_from(["keep", "upper", "lower"]))


@settings(max_examples=200, deadline=None)
@given(st.sampled_from(SPELLINGS_63), *VARIANT)
def test_every_reference_spelling_of_the_63_resolves(
    resolver: ProvinceResolver, pair: tuple[str, str], prefix: str, marks: bool, case: str
) -> None:
    spelling, code = pair
    value = _variant(spelling, prefix, marks, case)
    assert resolver.resolve(value).code == code
    assert resolver.resolve(value, AFTER).code == SUCCESSOR[code]


@settings(max_examples=200, deadline=None)
@given(st.sampled_from(SPELLINGS_34), *VARIANT)
def test_every_reference_spelling_of_the_34_resolves(
    resolver: ProvinceResolver, pair: tuple[str, str], prefix: str, marks: bool, case: str
) -> None:
    spelling, code = pair
    match = resolver.resolve(_variant(spelling, prefix, marks, case), AFTER)
    assert match.code == code and match.warning is None


@pytest.mark.parametrize(("spelling", "code"), SPELLINGS_63)
def test_each_63_spelling_exactly(resolver: ProvinceResolver, spelling: str, code: str) -> None:
    assert resolver.resolve(spelling).code == code


@settings(max_examples=200, deadline=None)
@given(st.integers(1, 99), st.sampled_from(["int", "str", "padded", "float"]))
def test_codes_resolve_iff_listed(resolver: ProvinceResolver, n: int, form: str) -> None:
    value: object = {"int": n, "str": str(n), "padded": f"{n:02d}", "float": float(n)}[form]
    code = f"{n:02d}"
    if code in SUCCESSOR:
        assert resolver.resolve(value).code == code
    else:
        with pytest.raises(UnknownProvince):
            resolver.resolve(value)


@settings(max_examples=200, deadline=None)
@given(value=st.text(), after=st.booleans())
def test_any_text_raises_only_unknown_province(resolver: ProvinceResolver, value: str, after: bool) -> None:
    try:
        resolver.resolve(value, AFTER if after else None)
    except UnknownProvince:
        pass
    resolver.is_national(value)


@settings(max_examples=200, deadline=None)
@given(value=st.one_of(st.none(), st.integers(), st.floats(), st.text()), after=st.booleans())
def test_any_scalar_raises_only_unknown_province(resolver: ProvinceResolver, value: object, after: bool) -> None:
    try:
        resolver.resolve(value, AFTER if after else None)
    except UnknownProvince:
        pass
    try:
        resolver.name_of(value)  # type: ignore[arg-type]
    except UnknownProvince:
        pass
    resolver.is_national(value)


@pytest.mark.parametrize(
    "value",
    [10**5000, float("inf"), float("nan"), "x" * 100_000, object(), b"01", [1]],
    ids=lambda v: type(v).__name__,
)
def test_hostile_values(resolver: ProvinceResolver, value: object) -> None:
    with pytest.raises(UnknownProvince):
        resolver.resolve(value)
    assert resolver.is_national(value) is False
