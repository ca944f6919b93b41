"""The pipeline end to end against a real PostgreSQL: read -> validate -> COPY -> dbt -> marts."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest

from reform_etl import pipeline
from reform_etl.report import write_report

from . import nghe_an

pytestmark = pytest.mark.integration

CSV_HEADER = "Tỉnh/thành phố;Kỳ báo cáo;Cấp;Tiếp nhận;Trước hạn;Đúng hạn;Quá hạn;Tỷ lệ đúng hạn (%)\n"


def _run(url: str, landing: Path, *, transform: bool = True) -> pipeline.RunSummary:
    run_id = pipeline.new_run_id("test")
    pipeline.prepare(url, run_id=run_id, trigger="test", landing=landing)
    summary = pipeline.RunSummary(run_id=run_id, files=pipeline.ingest_all(url, landing, run_id=run_id))
    if transform:
        summary.transform = pipeline.transform(url, run_id=run_id)
    return summary


def _write_csv(landing: Path, name: str, body: str, encoding: str = "utf-8") -> Path:
    folder = landing / "dossier_summary"
    folder.mkdir(exist_ok=True)
    path = folder / name
    path.write_bytes((CSV_HEADER + body).encode(encoding))
    return path


def test_nghe_an_workbook_gives_the_on_time_rate_from_the_counts(warehouse_url, landing, query):
    folder = landing / "dossier_summary"
    folder.mkdir()
    nghe_an.write(folder / nghe_an.FILE_NAME)

    summary = _run(warehouse_url, landing)

    [result] = summary.files
    assert (result.status, result.rows_read, result.rows_loaded, result.rows_rejected) == ("loaded", 3, 3, 0)
    rows = query(
        warehouse_url,
        "select level, received, resolved_on_time, resolved_late, on_time_rate, period_start, province_code "
        "from marts.fct_dossier_processing order by level",
    )
    by_level = {r[0]: r for r in rows}
    assert set(by_level) == {"tinh", "huyen", "xa"}
    tinh = by_level["tinh"]
    assert tinh[1:4] == (86544, 82978, 3566)
    assert round(tinh[4], 2) == Decimal("95.88")
    assert str(tinh[5]) == "2022-01-01" and tinh[6] == "40"
    # The total row is checked, not loaded, and it agrees with the sums: no warning.
    assert query(warehouse_url, "select count(*) from audit.row_warnings") == [(0,)]


def test_bad_rows_are_rejected_with_file_row_column_and_the_rest_loads(warehouse_url, landing, query):
    body = "".join(
        [
            "Nghệ An;2023-H1;Cấp tỉnh;10.000;1.000;8.500;500;95,00\n",
            "Nghệ An;2023-H1;Cấp huyện;5.000;0;4.800;12,5;96,00\n",  # fractional count
            "Nghệ An;2023-H1;Cấp xã;20.000;2.000;17.000;1.000;80,00\n",  # printed rate wrong by 15 points
            "Nghệ An;2023-H1;Cấp thôn;1;0;1;0;100\n",  # unknown level
            "Nghệ An;2023-H1;Cấp tỉnh;1;0;1;0;100\n",  # the key (province, period, tinh) again
        ]
    )
    _write_csv(landing, "40_2023-H1.csv", body)
    os_limit = pytest.MonkeyPatch()
    os_limit.setenv("REFORM_MAX_REJECTED_SHARE", "0.9")
    try:
        summary = _run(warehouse_url, landing)
    finally:
        os_limit.undo()

    [result] = summary.files
    assert result.status == "loaded"
    assert (result.rows_read, result.rows_loaded, result.rows_rejected) == (5, 2, 3)
    rejected = query(
        warehouse_url, "select source_row, column_name, raw_value, reason from audit.rejected_rows order by source_row"
    )
    assert [(r[0], r[1], r[2]) for r in rejected] == [
        (3, "resolved_late", "12,5"),
        (5, "level", "Cấp thôn"),
        (6, None, "40, 2023-H1, tinh"),
    ]
    assert "Quá hạn" in rejected[0][3]  # the reason names the file's own header
    warnings = query(warehouse_url, "select source_row, rule, message from audit.row_warnings")
    assert [(w[0], w[1]) for w in warnings] == [(4, "printed_on_time_rate")]
    assert "80" in warnings[0][2] and "95.00" in warnings[0][2]
    stored = query(
        warehouse_url,
        "select rows_read, rows_loaded, rows_rejected, warnings from audit.file_ingestions where file_id = %s",
        (result.file_id,),
    )
    assert stored == [(5, 2, 3, 1)]
    # Every expectation of the suite is recorded for the file; only the printed-rate rule failed.
    results = query(
        warehouse_url,
        "select expectation, severity, success, unexpected_count from audit.validation_results where file_id = %s",
        (result.file_id,),
    )
    assert len(results) >= 10
    assert [(r[0].split(":")[1], r[1], r[3]) for r in results if not r[2]] == [("printed_on_time_rate", "warning", 1)]


def test_too_many_rejected_rows_reject_the_file_and_counts_still_add_up(warehouse_url, landing, query):
    body = "Nghệ An;2023-H1;Cấp tỉnh;n/a;0;1;0;\nNghệ An;2023-H1;Cấp xã;10;0;9;1;90\n"
    _write_csv(landing, "40_2023-H1.csv", body)

    [result] = _run(warehouse_url, landing, transform=False).files

    assert result.status == "rejected"
    assert (result.rows_read, result.rows_loaded, result.rows_rejected) == (2, 0, 2)
    assert "more than the 20%" in (result.message or "")
    assert query(warehouse_url, "select count(*) from raw.dossier_summary") == [(0,)]


def test_identity_contradiction_duplicates_and_supersession(warehouse_url, landing, query):
    good = "Nghệ An;2023-H1;Cấp tỉnh;10.000;1.000;8.500;500;95,00\n"
    first = _write_csv(landing, "40_2023-H1_v1.csv", good)
    _run(warehouse_url, landing, transform=False)
    # The same bytes under another name: a duplicate, nothing loaded twice.
    (landing / "dossier_summary" / "40_2023-H1_copy.csv").write_bytes(first.read_bytes())
    # A corrected re-delivery of the same key supersedes the first.
    _write_csv(landing, "40_2023-H1_v2.csv", "Nghệ An;2023-H1;Cấp tỉnh;10.000;1.000;8.000;1.000;90,00\n")
    # File name says Hà Tĩnh (42), content says Nghệ An: rejected naming both.
    _write_csv(landing, "42_2023-H1.csv", good.replace("10.000", "10.001"))

    summary = _run(warehouse_url, landing)

    by_name = {f.path.name: f for f in summary.files}
    assert by_name["40_2023-H1_v1.csv"].status == "unchanged"
    assert by_name["40_2023-H1_copy.csv"].status == "duplicate"
    assert by_name["40_2023-H1_v2.csv"].status == "loaded"
    contradiction = by_name["42_2023-H1.csv"]
    assert contradiction.status == "rejected"
    assert "42" in contradiction.message and "Nghệ An" in contradiction.message
    statuses = dict(query(warehouse_url, "select regexp_replace(path, '^.*/', ''), status from audit.file_ingestions"))
    assert statuses["40_2023-H1_v1.csv"] == "superseded"
    rows = query(warehouse_url, "select resolved_late, file_id from marts.fct_dossier_processing")
    assert [r[0] for r in rows] == [1000]
    # raw keeps every delivery
    assert query(warehouse_url, "select count(*) from raw.dossier_summary") == [(2,)]
    accounting = query(
        warehouse_url, "select count(*) from audit.file_ingestions where rows_read <> rows_loaded + rows_rejected"
    )
    assert accounting == [(0,)]


def test_district_level_after_the_merger_is_rejected(warehouse_url, landing, query):
    header_free = "Nghệ An;2025-H2;Cấp tỉnh;100;10;80;10;90\nNghệ An;2025-H2;Cấp huyện;100;10;80;10;90\n"
    _write_csv(landing, "40_2025-H2.csv", header_free)
    os_limit = pytest.MonkeyPatch()
    os_limit.setenv("REFORM_MAX_REJECTED_SHARE", "0.5")
    try:
        [result] = _run(warehouse_url, landing, transform=False).files
    finally:
        os_limit.undo()
    assert (result.status, result.rows_loaded, result.rows_rejected) == ("loaded", 1, 1)
    [(reason,)] = query(warehouse_url, "select reason from audit.rejected_rows")
    assert "abolished on 2025-07-01" in reason


def test_report_lists_files_and_reasons_and_escapes_cells(warehouse_url, landing):
    _write_csv(
        landing,
        "40_2023-H1.csv",
        'Nghệ An;2023-H1;=HYPERLINK("http://x");1;0;1;0;100\nNghệ An;2023-H1;Cấp tỉnh;10;0;9;1;90\nNghệ An;2023-H1;Cấp xã;10;0;9;1;90\n',
    )
    os_limit = pytest.MonkeyPatch()
    os_limit.setenv("REFORM_MAX_REJECTED_SHARE", "0.5")
    try:
        _run(warehouse_url, landing, transform=False)
    finally:
        os_limit.undo()
    page = write_report(warehouse_url).read_text(encoding="utf-8")
    assert "40_2023-H1.csv" in page
    assert "=HYPERLINK" not in page.replace("&#x27;=HYPERLINK", "")
    assert "not one of" in page or "level" in page
