"""Every kind of the export contract in every format, through the real loader (contract §2–§4),
and a generated corpus of mixed, partly broken deliveries (§5: nothing lost, every file a status)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from reform_etl import pipeline
from reform_etl.generate import generate
from reform_etl.writers import write_csv, write_json, write_jsonl, write_xlsx

pytestmark = pytest.mark.integration

TABLES: dict[str, tuple[list[str], list[list[str]]]] = {
    "dossier_summary": (
        ["Cấp", "Tổng số hồ sơ tiếp nhận", "Trước hạn", "Đúng hạn", "Trễ hạn", "Tỷ lệ đúng hạn (%)"],
        [["Cấp tỉnh", "1.234", "100", "1.034", "100", "91,90"], ["Cấp xã", "500", "0", "495", "5", "99,00"]],
    ),
    "dossiers": (
        [
            "Mã hồ sơ",
            "Mã TTHC",
            "Tên TTHC",
            "Cấp",
            "Kênh",
            "Ngày tiếp nhận",
            "Ngày hẹn trả",
            "Ngày có kết quả",
            "Thanh toán trực tuyến",
        ],
        [
            [
                "H.001",
                "1.002033",
                "Cấp giấy phép xây dựng",
                "Cấp tỉnh",
                "2",
                "05/03/2024 08:30",
                "15/03/2024",
                "14/03/2024 16:00",
                "có",
            ],
            ["H.002", "2.000889", "Đăng ký kết hôn", "Cấp xã", "Trực tiếp", "06/03/2024", "08/03/2024", "", "không"],
        ],
    ),
    "online_services": (
        ["Mã TTHC", "Tên TTHC", "Cấp", "Mức độ", "Tích hợp Cổng DVC quốc gia"],
        [
            ["1.002033", "Cấp giấy phép xây dựng", "Cấp tỉnh", "Mức độ 4", "x"],
            ["2.000889", "Đăng ký kết hôn", "Cấp xã", "Một phần", "không"],
        ],
    ),
    "online_service_summary": (
        ["Tổng số TTHC", "DVC trực tuyến", "Toàn trình", "Một phần", "Tổng số hồ sơ", "Hồ sơ trực tuyến"],
        [["1.500", "1.200", "700", "500", "250.000", "130.000"]],
    ),
    "index_scores": (
        ["Tỉnh, thành phố", "Điểm", "Xếp hạng"],
        [["Quảng Ninh", "90,09", "1"], ["TP. Hải Phòng", "88,5", "2"], ["Nghe An", "85,1", "3"]],
    ),
}

PERIOD = {
    "dossier_summary": "2024-H1",
    "dossiers": "2024-03",
    "online_services": "2024",
    "online_service_summary": "2024",
}

# One province (or, for national index tables, one year) per format so no delivery supersedes another.
FORMATS = {
    "csv-utf8-bom": ("40", 2019),
    "csv-utf16-tab": ("42", 2020),
    "csv-cp1258-semicolon": ("38", 2021),
    "xlsx-title-rows": ("01", 2022),
    "json-data": ("79", 2023),
    "jsonl": ("48", 2024),
    # Offices still on the pre-Unicode fonts (TCVN3 = ABC / .VnTime, VNI-Times).
    "csv-tcvn3": ("31", 2017),
    "csv-vni-semicolon": ("22", 2018),
}


def _write(path_stem: Path, fmt: str, header: list[str], rows: list[list[str]]) -> Path:
    if fmt == "csv-utf8-bom":
        path = path_stem.with_suffix(".csv")
        write_csv(path, header, rows, bom=True)
    elif fmt == "csv-utf16-tab":
        path = path_stem.with_suffix(".txt")
        write_csv(path, header, rows, encoding="utf-16", delimiter="\t")
    elif fmt == "csv-cp1258-semicolon":
        path = path_stem.with_suffix(".csv")
        write_csv(path, header, rows, encoding="cp1258", delimiter=";")
    elif fmt == "csv-tcvn3":
        path = path_stem.with_suffix(".csv")
        write_csv(path, header, rows, encoding="tcvn3")
    elif fmt == "csv-vni-semicolon":
        path = path_stem.with_suffix(".csv")
        write_csv(path, header, rows, encoding="vni", delimiter=";")
    elif fmt == "xlsx-title-rows":
        path = path_stem.with_suffix(".xlsx")
        write_xlsx(path, header, rows, title_lines=["ỦY BAN NHÂN DÂN", "BÁO CÁO SỐ LIỆU"])
    elif fmt == "json-data":
        path = path_stem.with_suffix(".json")
        write_json(path, header, rows, wrapper="data")
    else:
        path = path_stem.with_suffix(".jsonl")
        write_jsonl(path, header, rows)
    return path


def _corpus(landing: Path) -> dict[tuple[str, str], Path]:
    written = {}
    for kind, (header, rows) in TABLES.items():
        (landing / kind).mkdir(parents=True, exist_ok=True)
        for fmt, (province, year) in FORMATS.items():
            stem = f"VN_{year}_par" if kind == "index_scores" else f"{province}_{PERIOD[kind]}_{fmt}"
            written[(kind, fmt)] = _write(landing / kind / stem, fmt, header, rows)
    return written


def test_every_kind_in_every_format_loads_typed_values(warehouse_url, landing, query):
    written = _corpus(landing)
    run_id = pipeline.new_run_id("test")
    pipeline.prepare(warehouse_url, run_id=run_id, trigger="test", landing=landing)
    results = {r.path: r for r in pipeline.ingest_all(warehouse_url, landing, run_id=run_id)}

    for (kind, fmt), path in written.items():
        result = results[path]
        expected_rows = len(TABLES[kind][1])
        assert (result.status, result.rows_loaded, result.rows_rejected, result.warnings) == (
            "loaded",
            expected_rows,
            0,
            0,
        ), (
            f"{kind} as {fmt}: {result.message} {query(warehouse_url, 'select * from audit.rejected_rows where file_id=%s', (result.file_id,))}"
        )

    def one(sql: str, fmt: str) -> tuple[object, ...]:
        kind = sql.split(" from raw.")[1].split()[0]
        file_id = results[written[(kind, fmt)]].file_id
        return query(warehouse_url, sql + " and file_id = %s", (file_id,))[0]

    for fmt in FORMATS:
        assert one(
            "select received, resolved_early, resolved_on_time from raw.dossier_summary where level='tinh'", fmt
        ) == (1234, 100, 1034)
        code, channel, received_at, completed_at, paid = one(
            "select procedure_code, channel, received_at::text, completed_at::text, paid_online from raw.dossiers "
            "where dossier_id='H.001'",
            fmt,
        )
        assert (code, channel, received_at, completed_at, paid) == (
            "1.002033",
            "truc_tuyen",
            "2024-03-05 08:30:00",
            "2024-03-14 16:00:00",
            True,
        )
        assert one(
            "select online_mode, on_national_portal from raw.online_services where procedure_code='1.002033'", fmt
        ) == ("toan_trinh", True)
        assert one(
            "select procedures_total, procedures_online, dossiers_online from raw.online_service_summary where true",
            fmt,
        ) == (1500, 1200, 130000)
        assert one(
            "select province_code, index_code, score::text, published_rank, component_code "
            "from raw.index_scores where published_rank = 1",
            fmt,
        ) == ("22", "PAR", "90.09", 1, "TOTAL")
    # Decomposed tone marks from Windows-1258 arrive NFC-normalised.
    [(name,)] = query(
        warehouse_url,
        "select procedure_name from raw.online_services where procedure_code='2.000889' and file_id = %s",
        (results[written[("online_services", "csv-cp1258-semicolon")]].file_id,),
    )
    assert name == "Đăng ký kết hôn"
    # TCVN3 and VNI files are recognised as such and converted: the same names in Unicode.
    for fmt, encoding in (("csv-tcvn3", "tcvn3"), ("csv-vni-semicolon", "vni")):
        file_id = results[written[("online_services", fmt)]].file_id
        assert query(
            warehouse_url,
            "select f.encoding, r.procedure_name from raw.online_services r join audit.file_ingestions f "
            "using (file_id) where r.procedure_code = '2.000889' and r.file_id = %s",
            (file_id,),
        ) == [(encoding, "Đăng ký kết hôn")]


def test_a_mixed_partly_broken_corpus_gives_every_file_a_status_and_loses_no_row(warehouse_url, tmp_path, query):
    landing = tmp_path / "landing"
    summary = generate(landing, provinces=3, years=(2024, 2025), dossier_rows=1500, fault_rate=0.35, seed=7)
    manifest = json.loads(summary.write_manifest().read_text())

    run_id = pipeline.new_run_id("test")
    pipeline.prepare(warehouse_url, run_id=run_id, trigger="test", landing=landing)
    pipeline.ingest_all(warehouse_url, landing, run_id=run_id)
    pipeline.transform(warehouse_url, run_id=run_id)

    stored = {
        Path(path).relative_to(landing).as_posix(): (status, read, loaded, rejected, warnings)
        for path, status, read, loaded, rejected, warnings in query(
            warehouse_url,
            "select path, status, rows_read, rows_loaded, rows_rejected, warnings from audit.file_ingestions",
        )
    }
    files = manifest["files"]
    assert {f["path"] for f in files} == set(stored), "every generated file is recorded exactly once"
    for status, read, loaded, rejected, _ in stored.values():
        assert status in {"loaded", "rejected", "duplicate", "superseded"}
        assert read == loaded + rejected
    faults = {f["path"]: set(f["faults"]) for f in files}
    assert any(faults.values()), "the corpus must contain faults for this test to mean anything"
    for path, fault_set in faults.items():
        status, read, loaded, rejected, warnings = stored[path]
        if not fault_set:
            # Nothing valid is rejected.
            assert rejected == 0 and status in {"loaded", "superseded"}, (path, stored[path])
        if "truncated" in fault_set:
            assert status == "rejected", path
        if "duplicate_delivery" in fault_set:
            assert status in {"duplicate", "loaded", "superseded"}, path
        if fault_set & {"bad_number", "bad_date", "duplicate_dossier_id", "district_after_merger"}:
            assert rejected > 0, (path, fault_set, stored[path])
        if fault_set & {"wrong_printed_rate", "total_mismatch", "old_name_after_merger"}:
            assert warnings > 0 or status == "rejected", (path, fault_set, stored[path])
    assert any(s[0] == "duplicate" for s in stored.values()) == any("duplicate_delivery" in f for f in faults.values())


def test_unknown_kind_folder_and_legacy_xls(warehouse_url, landing, query):
    import xlwt

    (landing / "budget").mkdir()
    (landing / "budget" / "40_2024.csv").write_text("a,b\n1,2\n", encoding="utf-8")
    (landing / "dossier_summary").mkdir()
    book = xlwt.Workbook()
    sheet = book.add_sheet("Biểu 06a")
    sheet.write(0, 0, "BÁO CÁO KẾT QUẢ GIẢI QUYẾT TTHC")
    for col, label in enumerate(["Cấp", "Tiếp nhận", "Đúng hạn", "Quá hạn"]):
        sheet.write(2, col, label)
    for row, values in enumerate([["Cấp tỉnh", 1000, 990, 10], ["Cấp xã", 200, 200, 0]], start=3):
        for col, value in enumerate(values):
            sheet.write(row, col, value)
    book.save(str(landing / "dossier_summary" / "40_2023-H2.xls"))

    run_id = pipeline.new_run_id("test")
    pipeline.prepare(warehouse_url, run_id=run_id, trigger="test", landing=landing)
    results = {r.path.name: r for r in pipeline.ingest_all(warehouse_url, landing, run_id=run_id)}

    unknown = results["40_2024.csv"]
    assert unknown.status == "rejected" and "unknown kind 'budget'" in (unknown.message or "")
    xls = results["40_2023-H2.xls"]
    assert (xls.status, xls.rows_loaded) == ("loaded", 2)
    [(row,)] = query(warehouse_url, "select source_row from raw.dossier_summary where level = 'tinh'")
    assert row == 4  # Excel row number as a person sees it
