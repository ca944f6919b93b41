"""The sample-data generator and the format writers it is built on."""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import io
import json
import re
import tracemalloc
import unicodedata
import zipfile
from collections import Counter
from pathlib import Path

import openpyxl
import pytest

from reform_etl.generate import (
    FAULTS,
    MANIFEST_NAME,
    GenerationSummary,
    competition_ranks,
    generate,
    par_fields,
    write_nghe_an_h1_2022,
)
from reform_etl.writers import to_windows_1258_form, vn_number, write_csv, write_json, write_jsonl, write_xlsx

FILE_NAME = re.compile(
    r"^(?P<code>\d{2}|VN)_(?P<period>\d{4}(-H[12]|-Q[1-4]|-\d{2})?)(_[^.]*)?\.(xlsx|csv|txt|json|jsonl)$"
)
NEUTRAL_PREFIXES = ("bao_cao_", "danh_muc_", "tong_hop_")
PROCEDURE_CODE = re.compile(r"^\d\.\d{6}$")


def _digests(root: Path) -> dict[str, str]:
    return {
        p.relative_to(root).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(root.rglob("*"))
        if p.is_file()
    }


@pytest.fixture(scope="module")
def clean(tmp_path_factory: pytest.TempPathFactory) -> GenerationSummary:
    return generate(tmp_path_factory.mktemp("clean"), provinces=3, years=(2024, 2025), fault_rate=0, seed=7)


@pytest.fixture(scope="module")
def faulty(tmp_path_factory: pytest.TempPathFactory) -> GenerationSummary:
    return generate(tmp_path_factory.mktemp("faulty"), provinces=6, years=(2024, 2025), fault_rate=1, seed=11)


def _files(summary: GenerationSummary, kind: str, fmt: str | None = None) -> list:
    return [f for f in summary.files if f.kind == kind and (fmt is None or f.format == fmt)]


# --------------------------------------------------------------------------- determinism and layout


def test_same_seed_gives_byte_identical_files(tmp_path: Path) -> None:
    args = {"provinces": 3, "years": (2024, 2025), "dossier_rows": 600, "fault_rate": 0.3, "seed": 5}
    first = _digests(generate(tmp_path / "a", **args).out_dir)
    second = _digests(generate(tmp_path / "b", **args).out_dir)
    assert first == second
    assert any(name.endswith(".xlsx") for name in first), "xlsx files must be reproducible too"
    other = _digests(generate(tmp_path / "c", **{**args, "seed": 6}).out_dir)
    assert other != first


def test_layout_follows_the_contract(clean: GenerationSummary) -> None:
    on_disk = {p.relative_to(clean.out_dir).as_posix() for p in clean.out_dir.rglob("*") if p.is_file()}
    listed = {f.path.relative_to(clean.out_dir).as_posix() for f in clean.files}
    assert on_disk == listed | {MANIFEST_NAME}
    for f in clean.files:
        assert f.path.parent == clean.out_dir / f.kind
        match = FILE_NAME.match(f.path.name)
        if match is None:
            assert f.path.name.startswith(NEUTRAL_PREFIXES), f.path.name
            continue
        assert match["period"] == f.period_label
        assert match["code"] == f.province_code


def test_manifest_lists_every_file(clean: GenerationSummary) -> None:
    manifest = json.loads((clean.out_dir / MANIFEST_NAME).read_text(encoding="utf-8"))
    assert len(manifest["files"]) == len(clean.files)
    assert manifest["parameters"]["provinces"] == 3
    first = manifest["files"][0]
    assert set(first) == {"path", "kind", "province_code", "period_label", "format", "faults"}


def test_first_three_units_and_their_predecessors(clean: GenerationSummary) -> None:
    by_period: dict[str, set[str]] = {}
    for f in _files(clean, "dossier_summary"):
        by_period.setdefault(f.period_label, set()).add(f.province_code)
    # Tuyên Quang (08) was formed from Hà Giang (02) and Tuyên Quang (08) on 2025-07-01.
    for label in ("2024-H1", "2024-H2", "2025-H1"):
        assert by_period[label] == {"01", "02", "04", "08"}
    assert by_period["2025-H2"] == {"01", "04", "08"}


def test_every_kind_is_generated(clean: GenerationSummary) -> None:
    counts = clean.counts_by_kind()
    assert set(counts) == {"dossier_summary", "dossiers", "online_services", "online_service_summary", "index_scores"}
    index_names = {f.path.name for f in _files(clean, "index_scores")}
    assert {"VN_2024_par.xlsx", "VN_2024_sipas.csv", "VN_2025_par.xlsx", "VN_2025_sipas.csv"} <= index_names
    assert any(name.endswith("_par_tu_danh_gia.csv") for name in index_names)


def test_formats_are_mixed(clean: GenerationSummary) -> None:
    formats = Counter(f.format for f in _files(clean, "dossier_summary"))
    # The format deck puts every format in at least once when there are enough files.
    expected = {"xlsx-report", "xlsx", "csv-utf8", "csv-utf8-bom", "csv-utf16", "csv-cp1258", "json", "jsonl"}
    assert expected <= set(formats)
    assert formats["xlsx-report"] == max(formats.values())


def test_rejects_bad_arguments(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="years"):
        generate(tmp_path, years=(2018,))
    with pytest.raises(ValueError, match="unknown kinds"):
        generate(tmp_path, kinds={"nope"})
    with pytest.raises(ValueError, match="fault_rate"):
        generate(tmp_path, fault_rate=1.5)


def test_progress_reports_every_file(tmp_path: Path) -> None:
    calls: list[tuple[int, int]] = []
    generate(
        tmp_path, provinces=1, years=(2024,), kinds={"dossier_summary"}, progress=lambda d, t: calls.append((d, t))
    )
    assert calls == [(1, 2), (2, 2)]


# --------------------------------------------------------------------------- faults


def test_no_faults_when_fault_rate_is_zero(clean: GenerationSummary) -> None:
    assert all(f.faults == [] for f in clean.files)
    manifest = json.loads((clean.out_dir / MANIFEST_NAME).read_text(encoding="utf-8"))
    assert manifest["fault_counts"] == {}
    assert not any(f.province_code == "99" for f in clean.files)


def test_clean_files_are_readable_and_consistent(clean: GenerationSummary) -> None:
    for f in clean.files:
        if f.path.suffix == ".xlsx":
            openpyxl.load_workbook(f.path, read_only=True).close()
        elif f.path.suffix == ".json":
            json.loads(f.path.read_text(encoding="utf-8"))
        elif f.path.suffix == ".jsonl":
            for line in f.path.read_text(encoding="utf-8").splitlines():
                json.loads(line)
    for f in _files(clean, "dossier_summary", "xlsx-report"):
        _assert_total_matches(f.path)


def _assert_total_matches(path: Path) -> None:
    rows = [r for r in openpyxl.load_workbook(path).worksheets[-1].iter_rows(values_only=True)]
    total_at = next(i for i, r in enumerate(rows) if any(v in ("Tổng cộng", "Tổng số", "Cộng") for v in r))
    data = [r for r in rows[:total_at] if isinstance(r[0], int)]
    for col, printed in enumerate(rows[total_at]):
        if isinstance(printed, int) or (isinstance(printed, str) and re.fullmatch(r"[\d.]+", printed)):
            assert _count(printed) == sum(_count(r[col]) for r in data), (path.name, col)


def _count(value: object) -> int:
    return value if isinstance(value, int) else int(str(value).replace(".", ""))


def test_fault_rate_one_injects_many_kinds_of_fault(faulty: GenerationSummary) -> None:
    counts = faulty.fault_counts()
    assert set(counts) <= set(FAULTS)
    assert len(counts) >= 8, counts
    originals = {f.path for f in faulty.files if "duplicate_delivery" in f.faults}
    assert all(f.faults or _has_copy(faulty, f) for f in faulty.files if f.path not in originals)


def _has_copy(summary: GenerationSummary, original) -> bool:
    data = original.path.read_bytes()
    return any(
        f is not original and "duplicate_delivery" in f.faults and f.path.read_bytes() == data for f in summary.files
    )


def test_truncated_files_are_unreadable(faulty: GenerationSummary) -> None:
    truncated = [f for f in faulty.files if "truncated" in f.faults]
    assert truncated
    for f in truncated:
        if f.path.suffix == ".xlsx":
            with pytest.raises((zipfile.BadZipFile, OSError, KeyError, EOFError)):
                openpyxl.load_workbook(f.path)
        else:
            with pytest.raises((json.JSONDecodeError, UnicodeDecodeError)):
                json.loads(f.path.read_text(encoding="utf-8"))


def test_district_rows_only_appear_as_a_fault(clean: GenerationSummary, faulty: GenerationSummary) -> None:
    for f in _files(clean, "dossier_summary"):
        if f.period_label == "2025-H2":
            assert "huyện" not in _text_of(f.path)
    flagged = [f for f in faulty.files if "district_after_merger" in f.faults]
    assert flagged
    assert all("huyện" in _text_of(f.path) or "huyen" in _text_of(f.path) for f in flagged)


def _text_of(path: Path) -> str:
    if path.suffix == ".xlsx":
        wb = openpyxl.load_workbook(path)
        return "\n".join(str(v) for ws in wb.worksheets for row in ws.iter_rows(values_only=True) for v in row)
    raw = path.read_bytes()
    text = raw.decode("utf-16") if raw.startswith(b"\xff\xfe") else _decode_8bit(raw)
    return unicodedata.normalize("NFC", text)


def _decode_8bit(raw: bytes) -> str:
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        return raw.decode("cp1258")


# --------------------------------------------------------------------------- encodings


def test_cp1258_file_has_combining_tone_marks(clean: GenerationSummary) -> None:
    f = _files(clean, "dossier_summary", "csv-cp1258")[0]
    raw = f.path.read_bytes()
    with pytest.raises(UnicodeDecodeError):
        raw.decode("utf-8")
    text = raw.decode("cp1258")
    assert any(unicodedata.combining(ch) for ch in text)
    assert "Cấp" in unicodedata.normalize("NFC", text)
    assert ";" in text.splitlines()[0]


def test_utf16_file_starts_with_a_bom(clean: GenerationSummary) -> None:
    f = _files(clean, "dossier_summary", "csv-utf16")[0]
    raw = f.path.read_bytes()
    assert raw.startswith(b"\xff\xfe")
    lines = raw.decode("utf-16").splitlines()
    assert any(line.count("\t") >= 3 for line in lines)  # title rows, if any, are single cells


def test_windows_1258_form_round_trips() -> None:
    text = "Cấp tỉnh, Đúng hoặc trước hạn, Thừa Thiên Huế, Bà Rịa - Vũng Tàu, Ứng Hòa, Đắk Lắk"
    encoded = to_windows_1258_form(text).encode("cp1258")
    assert unicodedata.normalize("NFC", encoded.decode("cp1258")) == text


def test_write_csv_refuses_what_cp1258_cannot_hold(tmp_path: Path) -> None:
    target = tmp_path / "x.csv"
    with pytest.raises(UnicodeEncodeError):
        write_csv(target, ["Tên"], [["漢字"]], encoding="cp1258")
    assert not target.exists()


def test_write_csv_decomposes_for_mac_tools(tmp_path: Path) -> None:
    target = tmp_path / "nfd.csv"
    write_csv(target, ["Cấp"], [["Cấp xã"]], decompose=True, title_lines=["BÁO CÁO"])
    text = target.read_bytes().decode("utf-8")
    assert text == unicodedata.normalize("NFD", "BÁO CÁO\r\nCấp\r\nCấp xã\r\n")


# --------------------------------------------------------------------------- content


def test_dossier_records_look_like_a_one_stop_log(clean: GenerationSummary) -> None:
    files = _files(clean, "dossiers", "csv-utf8") + _files(clean, "dossiers", "csv-utf8-bom")
    assert {f.period_label for f in _files(clean, "dossiers")} == {f"2025-{m:02d}" for m in range(1, 13)}
    for f in files:
        rows = list(csv.reader(io.StringIO(f.path.read_text(encoding="utf-8-sig"))))
        header, body = rows[0], rows[1:]
        assert header[0] in ("Mã hồ sơ", "Số biên nhận", "Mã biên nhận", "Số hồ sơ")
        ids = [r[0] for r in body]
        assert len(ids) == len(set(ids))
        assert all(PROCEDURE_CODE.match(r[1]) for r in body)
        for r in body:
            received = _day_first(r[5])
            assert received.strftime("%Y-%m") == f.period_label
            if r[7]:
                assert _day_first(r[7]) > received


def _day_first(text: str) -> dt.datetime:
    for fmt in ("%d/%m/%Y %H:%M", "%d/%m/%Y %H:%M:%S", "%d-%m-%Y %H:%M", "%Y-%m-%dT%H:%M:%S"):
        try:
            return dt.datetime.strptime(text, fmt)
        except ValueError:
            continue
    raise AssertionError(f"not a day-first date: {text!r}")


def test_dossier_rows_total_close_to_request(tmp_path: Path) -> None:
    summary = generate(tmp_path, provinces=3, years=(2025,), dossier_rows=1200, kinds={"dossiers"}, fault_rate=0)
    total = 0
    for f in summary.files:
        lines = f.path.read_text(encoding="utf-8-sig").splitlines()
        total += len(lines) - (0 if f.path.suffix == ".jsonl" else 1)
    assert total == 1200
    # Before the merger Tuyên Quang's records come from Hà Giang and Tuyên Quang separately.
    assert {f.province_code for f in summary.files if f.period_label == "2025-03"} == {"01", "02", "04", "08"}
    assert {f.province_code for f in summary.files if f.period_label == "2025-09"} == {"01", "04", "08"}


def test_dossiers_stream_in_constant_memory(tmp_path: Path) -> None:
    tracemalloc.start()
    try:
        summary = generate(tmp_path, provinces=3, years=(2025,), dossier_rows=50_000, kinds={"dossiers"})
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert sum(f.path.stat().st_size for f in summary.files) > 5_000_000
    assert peak < 30 * 1024 * 1024


def test_procedure_codes_stay_text_in_xlsx(clean: GenerationSummary) -> None:
    f = next(f for f in _files(clean, "online_services") if f.path.suffix == ".xlsx")
    ws = openpyxl.load_workbook(f.path).worksheets[-1]
    codes = [c for row in ws.iter_rows() for c in row if isinstance(c.value, str) and PROCEDURE_CODE.match(c.value)]
    assert len(codes) >= 150
    assert all(c.data_type == "s" for c in codes)
    assert any(c.value.endswith("0") for c in codes), "trailing zeros are what a numeric reader would lose"


def test_par_table_ranks_and_components(clean: GenerationSummary) -> None:
    ws = openpyxl.load_workbook(clean.out_dir / "index_scores" / "VN_2024_par.xlsx").worksheets[-1]
    rows = [r for r in ws.iter_rows(values_only=True) if isinstance(r[0], int)]
    assert len(rows) == 63
    scores = [float(str(r[-2]).replace(",", ".")) for r in rows]
    assert all(70 <= s <= 96 for s in scores)
    assert [r[-1] for r in rows] == competition_ranks(scores)
    top = rows[[r[-1] for r in rows].index(1)][1]
    assert "Quảng Ninh" in unicodedata.normalize("NFC", top) or top in ("Quang Ninh", "Tỉnh Quảng Ninh")
    components = list(
        csv.reader(
            io.StringIO(
                (clean.out_dir / "index_scores" / "VN_2024_par_thanh_phan.csv").read_text(encoding="utf-8-sig")
            ),
            delimiter=_delimiter(clean),
        )
    )
    per_province: dict[str, float] = {}
    for name, _field, score, _max in components[1:]:
        per_province[name] = per_province.get(name, 0) + float(score.replace(",", "."))
    assert len(per_province) == 63
    assert sorted(round(v, 2) for v in per_province.values()) == sorted(scores)


def _delimiter(summary: GenerationSummary) -> str:
    header = (summary.out_dir / "index_scores" / "VN_2024_par_thanh_phan.csv").read_text(encoding="utf-8-sig")
    return ";" if ";" in header.splitlines()[0] else ","


def test_par_fields_use_reference_points() -> None:
    fields_2024 = par_fields(2024)
    assert len(fields_2024) == 8
    assert [f.printed_max for f in fields_2024].count(None) == 2  # points of fields 6 and 7 are unknown
    assert sum(f.weight for f in fields_2024) == pytest.approx(100)
    assert all(f.printed_max is None for f in par_fields(2020))


def test_competition_ranking_shares_and_skips() -> None:
    assert competition_ranks([90.1, 88.0, 90.1, 70.0]) == [1, 3, 1, 4]


# --------------------------------------------------------------------------- the Nghệ An workbook


def test_nghe_an_workbook(tmp_path: Path) -> None:
    path = tmp_path / "40_2022-H1_bao-cao-ket-qua-giai-quyet-tthc.xlsx"
    write_nghe_an_h1_2022(path)
    ws = openpyxl.load_workbook(path).active
    merged = {str(r) for r in ws.merged_cells.ranges}
    assert {"A1:F1", "A2:F2", "D5:E5", "A5:A6", "C5:C6", "F5:F6"} <= merged
    assert ws["D5"].value == "Số hồ sơ đã giải quyết"
    assert (ws["D6"].value, ws["E6"].value) == ("Đúng hoặc trước hạn", "Trễ hạn")
    rows = list(ws.iter_rows(min_row=7, values_only=True))
    province = rows[0]
    assert province[1] == "Cấp tỉnh"
    assert province[2:] == ("86.544", "82.978", "3.566", "95,88")
    total = rows[-1]
    assert total[1] == "Tổng cộng"
    for col in (2, 3, 4):
        assert _count(total[col]) == sum(_count(r[col]) for r in rows[:-1])
    write_nghe_an_h1_2022(tmp_path / "again.xlsx")
    assert (tmp_path / "again.xlsx").read_bytes() == path.read_bytes()


# --------------------------------------------------------------------------- writers


@pytest.mark.parametrize(
    ("value", "style", "expected"),
    [
        (82978, "dot", "82.978"),
        (82978, "comma", "82,978"),
        (82978, "space", "82 978"),
        (82978, "nbsp", "82\u00a0978"),
        (82978, "plain", "82978"),
        (1234567, "dot", "1.234.567"),
        (-3, "dot", "-3"),
        (90.09, "dot", "90,09"),
        (95.875, "dot", "95,88"),
        (1234.5, "dot", "1.234,50"),
        (1234.5, "comma", "1,234.50"),
    ],
)
def test_vn_number(value: float, style: str, expected: str) -> None:
    assert vn_number(value, style) == expected


def test_write_json_wrapper_and_jsonl(tmp_path: Path) -> None:
    write_json(tmp_path / "a.json", ["Mã TTHC", "Số"], [["1.000890", 3], ["2.000889", None]], wrapper="data")
    doc = json.loads((tmp_path / "a.json").read_text(encoding="utf-8"))
    assert doc == {"data": [{"Mã TTHC": "1.000890", "Số": 3}, {"Mã TTHC": "2.000889", "Số": None}], "total": 2}
    write_json(tmp_path / "b.json", ["x"], [])
    assert json.loads((tmp_path / "b.json").read_text(encoding="utf-8")) == []
    assert write_jsonl(tmp_path / "c.jsonl", ["x"], iter([[1], [2]])) == 2


def test_write_xlsx_hidden_sheet_and_uncached_formulas(tmp_path: Path) -> None:
    path = tmp_path / "f.xlsx"
    write_xlsx(
        path,
        ["Cấp", "Tiếp nhận"],
        [["Cấp tỉnh", 5], ["Cấp xã", 7]],
        total_row=["Tổng cộng", 12],
        hidden_first_sheet=True,
        formulas_without_cache=True,
    )
    wb = openpyxl.load_workbook(path, data_only=True)
    assert [ws.sheet_state for ws in wb.worksheets] == ["hidden", "visible"]
    rows = list(wb.worksheets[1].iter_rows(values_only=True))
    assert rows[-1] == ("Tổng cộng", None)  # no cached value: what a non-Excel tool leaves behind
    formulas = list(openpyxl.load_workbook(path).worksheets[1].iter_rows(values_only=True))
    assert formulas[-1][1] == "=SUM(B2:B3)"


def test_write_xlsx_group_header_needs_valid_columns(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="outside"):
        write_xlsx(tmp_path / "x.xlsx", ["a", "b"], [], group_header=[("g", 1, 2)])


def test_the_generator_is_a_package_of_modules_a_person_can_hold_in_mind() -> None:
    import reform_etl.generate as package

    modules = sorted(Path(package.__file__).parent.glob("*.py"))
    assert {"dossier_summary.py", "dossiers.py", "online_services.py", "index_scores.py", "faults.py"} <= {
        m.name for m in modules
    }
    too_long = {m.name: n for m in modules if (n := len(m.read_text(encoding="utf-8").splitlines())) > 600}
    assert not too_long
