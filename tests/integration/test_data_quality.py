"""Every data-quality rule, fed a file that breaks it, through the real loader and warehouse.

Each case writes a small CSV with Vietnamese headers into ``landing/<kind>/`` and asserts
what the warehouse stored: the rejected row (row number as in the file, column, raw value,
a reason naming the file's own header) or the warning, and the failed expectation in
``audit.validation_results`` with the contract's severity. Clean files of every kind must
come through with nothing rejected and nothing flagged.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path

import pytest

from reform_etl import kinds, pipeline
from reform_etl.completeness import (
    DELIVERED,
    LATE,
    MISSING,
    PENDING,
    REJECTED,
    WARNINGS,
    completeness,
    load_calendar,
)
from reform_etl.validation import checks_for
from reform_etl.warehouse import connect

pytestmark = pytest.mark.integration

SUMMARY_HEADER = (
    "Cấp;Tổng số hồ sơ tiếp nhận;Tiếp nhận trực tuyến;Kỳ trước chuyển sang;Trước hạn;Đúng hạn;Quá hạn;"
    "Đang giải quyết trong hạn;Đang giải quyết quá hạn;Tỷ lệ đúng hạn (%);Tỷ lệ trễ hạn (%)"
)
# received + carried over = resolved + pending on both rows; rates agree with the counts.
SUMMARY_TINH = "Cấp tỉnh;1.000;400;100;200;700;100;80;20;90,00;10,00"
SUMMARY_XA = "Cấp xã;500;100;0;0;450;50;0;0;90,00;10,00"
SUMMARY_TOTAL = "Tổng cộng;1.500;500;100;200;1.150;150;80;20;90,00;10,00"

RECORDS_HEADER = "Mã hồ sơ;Mã TTHC;Cấp;Kênh;Ngày tiếp nhận;Ngày hẹn trả;Ngày có kết quả"
RECORDS = [
    "H.001;1.002033;Cấp tỉnh;Trực tuyến;05/03/2024 08:30;15/03/2024;14/03/2024 16:00",
    "H.002;2.000889;Cấp xã;Trực tiếp;06/03/2024 14:10;06/03/2024;06/03/2024",
    "H.003;2.000889;Cấp xã;2;07/03/2024;12/03/2024;",
    "H.004;1.002033;Cấp tỉnh;3;08/03/2024;18/03/2024;20/03/2024 10:00",
]

CATALOGUE_HEADER = "Mã TTHC;Tên TTHC;Cấp;Mức độ;Tích hợp Cổng DVC quốc gia;Tổng số hồ sơ;Số hồ sơ trực tuyến"
CATALOGUE = [
    "1.002033;Cấp giấy phép xây dựng;Cấp tỉnh;Mức độ 4;x;120;100",
    "2.000889;Đăng ký kết hôn;Cấp xã;Một phần;không;300;12",
]

ONLINE_HEADER = (
    "Tỉnh/thành phố;Tổng số TTHC;DVC trực tuyến;Toàn trình;Một phần;Tích hợp Cổng DVC quốc gia;Tổng số hồ sơ;"
    "Hồ sơ trực tuyến;Tỷ lệ DVC trực tuyến (%);Tỷ lệ hồ sơ trực tuyến (%)"
)
ONLINE_ROWS = [
    "Nghệ An;1.500;1.200;700;500;1.100;250.000;130.000;80,00;52,00",
    "Hà Tĩnh;1.000;900;600;300;900;100.000;60.000;90,00;60,00",
    "Thanh Hóa;2.000;1.000;500;500;1.000;400.000;100.000;50,00;25,00",
]

INDEX_HEADER = "Tỉnh, thành phố;Điểm;Điểm tối đa;Xếp hạng"
INDEX_ROWS = ["Quảng Ninh;90,09;100;1", "TP. Hải Phòng;88,50;100;2", "Nghệ An;85,10;100;3", "Hà Tĩnh;84,00;100;4"]


def _write(landing: Path, kind: str, name: str, header: str, rows: list[str]) -> Path:
    folder = landing / kind
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    path.write_text("\n".join([header, *rows]) + "\n", encoding="utf-8")
    return path


def _ingest(url: str, landing: Path) -> dict[str, pipeline.IngestResult]:
    run_id = pipeline.new_run_id("test")
    pipeline.prepare(url, run_id=run_id, trigger="test", landing=landing)
    return {r.path.name: r for r in pipeline.ingest_all(url, landing, run_id=run_id)}


def _accounts_add_up(url: str, query) -> None:  # type: ignore[no-untyped-def]
    assert query(url, "select count(*) from audit.file_ingestions where rows_read <> rows_loaded + rows_rejected") == [
        (0,)
    ]


@pytest.fixture
def lenient(monkeypatch: pytest.MonkeyPatch) -> None:
    """Let a file that loses a row or two still load, so its validation results are kept."""
    monkeypatch.setenv("REFORM_MAX_REJECTED_SHARE", "0.9")


# -- clean files ---------------------------------------------------------------------------


def test_clean_files_of_every_kind_load_with_nothing_rejected_or_flagged(warehouse_url, landing, query):
    _write(landing, "dossier_summary", "40_2023-H1.csv", SUMMARY_HEADER, [SUMMARY_TINH, SUMMARY_XA, SUMMARY_TOTAL])
    _write(landing, "dossiers", "40_2024-03.csv", RECORDS_HEADER, RECORDS)
    _write(landing, "online_services", "42_2024.csv", CATALOGUE_HEADER, CATALOGUE)
    _write(landing, "online_service_summary", "VN_2024_dvc.csv", ONLINE_HEADER, ONLINE_ROWS)
    _write(landing, "index_scores", "VN_2023_par.csv", INDEX_HEADER, INDEX_ROWS)

    results = _ingest(warehouse_url, landing)

    for name, result in results.items():
        assert (result.status, result.rows_rejected, result.warnings) == ("loaded", 0, 0), (name, result.message)
    assert query(warehouse_url, "select * from audit.rejected_rows") == []
    assert query(warehouse_url, "select * from audit.row_warnings") == []
    failed = query(warehouse_url, "select suite, expectation from audit.validation_results where not success")
    assert failed == []
    # Every expectation of every suite ran on its file and was recorded.
    recorded = query(warehouse_url, "select suite, expectation from audit.validation_results")
    for kind in kinds.KINDS.values():
        rules = {e.split(":", 1)[1] for suite, e in recorded if suite == kind.name}
        assert {c.rule for c in checks_for(kind)} <= rules, kind.name
    assert ("dossier_summary", "ExpectTotalRowToMatchColumnSums:total_row_mismatch") in recorded
    assert ("index_scores", "ExpectPublishedRanksToFollowScores:published_rank_order") in recorded
    _accounts_add_up(warehouse_url, query)


# -- one case per rule ---------------------------------------------------------------------


@dataclass(frozen=True)
class Case:
    kind: str
    name: str
    header: str
    rows: list[str]
    severity: str  # error: the row is rejected; warning: it loads and is flagged
    rule: str
    source_row: int | None
    column: str | None
    says: tuple[str, ...]  # fragments the stored reason or message must contain
    flagged_rows: tuple[int, ...] = field(default=())  # when more than one row is flagged


CASES = {
    "printed_on_time_rate": Case(
        "dossier_summary",
        "40_2023-H1.csv",
        SUMMARY_HEADER,
        [SUMMARY_TINH.replace("90,00;10,00", "80,00;10,00"), SUMMARY_XA],
        "warning",
        "printed_on_time_rate",
        2,
        "reported_on_time_rate",
        ("'Tỷ lệ đúng hạn (%)'", "80", "90.00", "0.5 points"),
    ),
    "printed_late_rate": Case(
        "dossier_summary",
        "40_2023-H1.csv",
        SUMMARY_HEADER,
        [SUMMARY_TINH, SUMMARY_XA.replace("90,00;10,00", "90,00;15,00")],
        "warning",
        "printed_late_rate",
        3,
        "reported_late_rate",
        ("'Tỷ lệ trễ hạn (%)'", "15", "10.00"),
    ),
    "total_row_mismatch": Case(
        "dossier_summary",
        "40_2023-H1.csv",
        SUMMARY_HEADER,
        [SUMMARY_TINH, SUMMARY_XA, SUMMARY_TOTAL.replace("Tổng cộng;1.500", "Tổng cộng;1.600")],
        "warning",
        "total_row_mismatch",
        4,
        "received",
        ("'Tổng số hồ sơ tiếp nhận'", "1600", "1500"),
    ),
    "dossier_balance": Case(
        "dossier_summary",
        "40_2023-H1.csv",
        SUMMARY_HEADER,
        [SUMMARY_TINH.replace(";80;20;", ";0;20;"), SUMMARY_XA],
        "warning",
        "dossier_balance",
        2,
        "received",
        ("1100", "1020", "carried over"),
    ),
    "received_online_within_received": Case(
        "dossier_summary",
        "40_2023-H1.csv",
        SUMMARY_HEADER,
        [SUMMARY_TINH, SUMMARY_XA.replace("500;100;", "500;700;")],
        "warning",
        "received_online_within_received",
        3,
        "received_online",
        ("'Tiếp nhận trực tuyến'", "700"),
    ),
    "percent_outside_0_100": Case(
        "dossier_summary",
        "40_2023-H1.csv",
        SUMMARY_HEADER,
        [SUMMARY_TINH.replace("90,00;10,00", "120;10,00"), SUMMARY_XA],
        "error",
        "",
        2,
        "reported_on_time_rate",
        ("'Tỷ lệ đúng hạn (%)'", "outside 0–100"),
    ),
    "full_and_partial_within_online": Case(
        "online_service_summary",
        "VN_2024_dvc.csv",
        ONLINE_HEADER,
        [ONLINE_ROWS[0], ONLINE_ROWS[1].replace(";900;600;300;", ";900;700;300;"), ONLINE_ROWS[2]],
        "error",
        "full_and_partial_within_online",
        3,
        "procedures_online",
        ("'DVC trực tuyến'", "'Toàn trình'", "'Một phần'", "1000", "must not exceed"),
    ),
    "online_within_total": Case(
        "online_service_summary",
        "VN_2024_dvc.csv",
        ONLINE_HEADER,
        [ONLINE_ROWS[0], ONLINE_ROWS[1].replace("1.000;900;600;300;900", "1.000;1.100;600;300;900"), ONLINE_ROWS[2]],
        "error",
        "online_within_total",
        3,
        "procedures_online",
        ("'DVC trực tuyến'", "'Tổng số TTHC'", "1100"),
    ),
    "printed_coverage_rate": Case(
        "online_service_summary",
        "VN_2024_dvc.csv",
        ONLINE_HEADER,
        [ONLINE_ROWS[0].replace("80,00;52,00", "85,00;52,00"), *ONLINE_ROWS[1:]],
        "warning",
        "printed_coverage_rate",
        2,
        "reported_coverage_rate",
        ("'Tỷ lệ DVC trực tuyến (%)'", "80.00"),
    ),
    "printed_online_dossier_rate": Case(
        "online_service_summary",
        "VN_2024_dvc.csv",
        ONLINE_HEADER,
        [*ONLINE_ROWS[:2], ONLINE_ROWS[2].replace("50,00;25,00", "50,00;35,00")],
        "warning",
        "printed_online_dossier_rate",
        4,
        "reported_online_dossier_rate",
        ("'Tỷ lệ hồ sơ trực tuyến (%)'", "35", "25.00"),
    ),
    "score_within_max": Case(
        "index_scores",
        "VN_2023_par.csv",
        INDEX_HEADER,
        [INDEX_ROWS[0], "TP. Hải Phòng;18,50;15;2", *INDEX_ROWS[2:]],
        "error",
        "score_within_max",
        3,
        "score",
        ("'Điểm'", "18.5", "15", "'Điểm tối đa'"),
    ),
    "score_above_the_index_scale": Case(
        "index_scores",
        "VN_2023_par.csv",
        "Tỉnh, thành phố;Điểm;Xếp hạng",
        ["Quảng Ninh;90,09;1", "TP. Hải Phòng;101,5;2", "Nghệ An;85,10;3"],
        "error",
        "score_within_max",
        3,
        "score",
        ("'Điểm'", "101.5", "100"),
    ),
    "published_rank_order": Case(
        "index_scores",
        "VN_2023_par.csv",
        INDEX_HEADER,
        ["Quảng Ninh;90,09;100;2", "TP. Hải Phòng;88,50;100;1", *INDEX_ROWS[2:]],
        "warning",
        "published_rank_order",
        2,
        "published_rank",
        ("'Xếp hạng'", "'Điểm'", "Hải Phòng", "Quảng Ninh", "disagree"),
        flagged_rows=(2, 3),
    ),
    "completed_not_before_received": Case(
        "dossiers",
        "40_2024-03.csv",
        RECORDS_HEADER,
        [*RECORDS[:3], "H.004;1.002033;Cấp tỉnh;3;08/03/2024;18/03/2024;01/03/2024 10:00"],
        "error",
        "completed_not_before_received",
        5,
        "completed_at",
        ("'Ngày có kết quả'", "'Ngày tiếp nhận'", "01/03/2024 10:00", "08/03/2024"),
    ),
    "due_not_before_received": Case(
        "dossiers",
        "40_2024-03.csv",
        RECORDS_HEADER,
        ["H.001;1.002033;Cấp tỉnh;Trực tuyến;05/03/2024 08:30;25/02/2024;", *RECORDS[1:]],
        "error",
        "due_not_before_received",
        2,
        "due_at",
        ("'Ngày hẹn trả'", "'Ngày tiếp nhận'", "25/02/2024"),
    ),
    "duplicate_dossier_id": Case(
        "dossiers",
        "40_2024-03.csv",
        RECORDS_HEADER,
        [*RECORDS, RECORDS[1].replace("Trực tiếp", "Trực tuyến")],
        "error",
        "",
        6,
        None,
        ("repeats the key", "H.002", "row 3"),
    ),
}


@pytest.mark.parametrize("case_id", list(CASES))
def test_each_rule_stores_its_finding_with_the_right_severity(case_id, warehouse_url, landing, query, lenient):
    case = CASES[case_id]
    _write(landing, case.kind, case.name, case.header, case.rows)

    [result] = _ingest(warehouse_url, landing).values()

    assert result.status == "loaded", result.message
    if case.severity == "error":
        stored = query(
            warehouse_url,
            "select source_row, column_name, raw_value, reason from audit.rejected_rows where file_id = %s",
            (result.file_id,),
        )
        assert [(r[0], r[1]) for r in stored] == [(case.source_row, case.column)], stored
        reason = stored[0][3]
        assert (result.rows_rejected, result.rows_loaded) == (1, len(case.rows) - 1)
        raw_rows = query(warehouse_url, f"select source_row from raw.{case.kind} where file_id = %s", (result.file_id,))
        assert case.source_row not in {r[0] for r in raw_rows}, "a rejected row must not stay in raw"
    else:
        stored = query(
            warehouse_url,
            "select source_row, column_name, raw_value, rule, message from audit.row_warnings where file_id = %s "
            "order by source_row",
            (result.file_id,),
        )
        rows = case.flagged_rows or (case.source_row,)
        assert [(r[0], r[1], r[3]) for r in stored] == [(n, case.column, case.rule) for n in rows], stored
        reason = stored[0][4]
        assert result.rows_rejected == 0 and result.rows_loaded == len(
            [r for r in case.rows if not r.startswith("Tổng cộng")]
        )
    for fragment in case.says:
        assert fragment in reason, (fragment, reason)
    if case.rule:
        failed = query(
            warehouse_url,
            "select severity, unexpected_count from audit.validation_results where file_id = %s and not success "
            "and expectation like %s",
            (result.file_id, f"%:{case.rule}"),
        )
        assert failed == [(case.severity, len(case.flagged_rows) or 1)], failed
    _accounts_add_up(warehouse_url, query)


def test_sql_validation_of_records_removes_rejected_rows_and_keeps_the_counts(warehouse_url, landing, query, lenient):
    bad = [
        "H.005;1.002033;Cấp tỉnh;2;09/03/2024;01/03/2024;",  # due before received
        "H.006;1.002033;Cấp tỉnh;2;09/03/2024 15:00;09/03/2024;09/03/2024 09:00",  # same day: valid
        "H.007;1.002033;Cấp tỉnh;2;10/03/2024;20/03/2024;02/03/2024",  # completed before received
    ]
    _write(landing, "dossiers", "40_2024-03.csv", RECORDS_HEADER, [*RECORDS, *bad])

    [result] = _ingest(warehouse_url, landing).values()

    assert (result.rows_read, result.rows_loaded, result.rows_rejected) == (7, 5, 2)
    kept = {r[0] for r in query(warehouse_url, "select dossier_id from raw.dossiers")}
    assert kept == {"H.001", "H.002", "H.003", "H.004", "H.006"}
    observed = query(
        warehouse_url,
        "select expectation, observed_value from audit.validation_results where file_id = %s and not success",
        (result.file_id,),
    )
    assert sorted(e.split(":")[1] for e, _ in observed) == ["completed_not_before_received", "due_not_before_received"]
    assert all(o.endswith("(SQL)") for _, o in observed)


def _summary_with_received(received: str) -> list[str]:
    return [f"Cấp tỉnh;{received};0;0;0;{received};0;0;0;100;0"]


def test_received_far_from_the_provinces_history_is_a_warning(warehouse_url, landing, query):
    for period, received in (("2022-H1", "1.000"), ("2022-H2", "1.100"), ("2023-H1", "900")):
        _write(landing, "dossier_summary", f"40_{period}.csv", SUMMARY_HEADER, _summary_with_received(received))
    _write(landing, "dossier_summary", "40_2023-H2.csv", SUMMARY_HEADER, _summary_with_received("10.000"))
    # Another province with a small history is judged against its own, not Nghệ An's.
    for period in ("2022-H1", "2022-H2", "2023-H1", "2023-H2"):
        _write(landing, "dossier_summary", f"42_{period}.csv", SUMMARY_HEADER, _summary_with_received("100"))

    results = _ingest(warehouse_url, landing)

    warned = query(
        warehouse_url,
        "select regexp_replace(f.path, '^.*/', ''), w.source_row, w.column_name, w.rule, w.message "
        "from audit.row_warnings w join audit.file_ingestions f using (file_id)",
    )
    assert [w[:4] for w in warned] == [("40_2023-H2.csv", 2, "received", "volume_vs_history")]
    assert "10000" in warned[0][4] and "1000" in warned[0][4] and "3 earlier periods" in warned[0][4]
    assert "'Tổng số hồ sơ tiếp nhận'" in warned[0][4]
    assert results["40_2023-H2.csv"].status == "loaded" and results["40_2023-H2.csv"].rows_loaded == 1
    [(severity, success)] = query(
        warehouse_url,
        "select severity, success from audit.validation_results where file_id = %s and expectation like %s",
        (results["40_2023-H2.csv"].file_id, "%volume_vs_history"),
    )
    assert (severity, success) == ("warning", False)


def test_record_volume_far_from_earlier_months_is_a_warning(warehouse_url, landing, query):
    def month(n: int, count: int) -> list[str]:
        return [f"M{n}.{i};1.002033;Cấp xã;2;0{n}/0{n}/2024;2{n}/0{n}/2024;" for i in range(count)]

    for n in (1, 2, 3):
        _write(landing, "dossiers", f"40_2024-0{n}.csv", RECORDS_HEADER, month(n, 10))
    _write(landing, "dossiers", "40_2024-04.csv", RECORDS_HEADER, month(4, 2))

    _ingest(warehouse_url, landing)

    warned = query(warehouse_url, "select source_row, rule, message from audit.row_warnings")
    assert [(w[0], w[1]) for w in warned] == [(None, "volume_vs_history")]
    assert "2 dossier records for 2024-04" in warned[0][2]


# -- completeness --------------------------------------------------------------------------

CALENDAR = """
late_after_days: 30
judge_lateness_from: 2000-01-01
deliveries:
  - kind: dossier_summary
    provinces: ["40", "42", "38", "01"]
    every: half
    from: 2023-H1
  - kind: index_scores
    index: PAR
    provinces: [VN]
    every: year
    from: 2023
    late_after_days: 180
  - kind: index_scores
    index: SIPAS
    provinces: [VN]
    every: year
    from: 2023
    late_after_days: 180
"""


def test_completeness_matrix_reports_missing_rejected_late_and_warned_deliveries(
    warehouse_url, landing, query, tmp_path
):
    _write(landing, "dossier_summary", "40_2023-H1.csv", SUMMARY_HEADER, [SUMMARY_TINH, SUMMARY_XA])
    _write(
        landing,
        "dossier_summary",
        "42_2023-H1.csv",
        SUMMARY_HEADER,
        [SUMMARY_TINH.replace("90,00;10,00", "70,00;10,00"), SUMMARY_XA],
    )
    _write(landing, "dossier_summary", "38_2023-H1.csv", "Cấp;Ghi chú", ["Cấp tỉnh;không có số liệu"])
    _write(landing, "dossier_summary", "40_2023-H2.csv", SUMMARY_HEADER, [SUMMARY_TINH])
    _write(landing, "index_scores", "VN_2023_par.csv", INDEX_HEADER, INDEX_ROWS)  # SIPAS: not yet
    results = _ingest(warehouse_url, landing)
    assert results["38_2023-H1.csv"].status == "rejected"
    # Delivered in time, as far as the warehouse can tell: received two weeks after the half-year.
    with connect(warehouse_url) as conn:
        conn.execute(
            "update audit.file_ingestions set received_at = %s where path like %s or path like %s",
            (datetime(2023, 7, 14, 9, 0), "%40_2023-H1.csv", "%42_2023-H1.csv"),
        )
        conn.execute(
            "update audit.file_ingestions set received_at = %s where path like %s",
            (datetime(2024, 1, 15, 9, 0), "%VN_2023_par.csv"),
        )
        conn.commit()
    path = tmp_path / "calendar.yml"
    path.write_text(CALENDAR, encoding="utf-8")

    with connect(warehouse_url) as conn:
        matrix = completeness(conn, calendar=load_calendar(path), as_of=date(2024, 2, 10))

    def status(province: str, stream: str, period: str) -> str:
        cell = matrix.cell(province, stream, period)
        assert cell is not None, (province, stream, period)
        return cell.status

    assert status("40", "dossier_summary", "2023-H1") == DELIVERED
    assert status("42", "dossier_summary", "2023-H1") == WARNINGS
    assert status("38", "dossier_summary", "2023-H1") == REJECTED
    assert status("01", "dossier_summary", "2023-H1") == MISSING
    assert status("40", "dossier_summary", "2023-H2") == LATE  # received now, due 2024-01-30
    assert status("42", "dossier_summary", "2023-H2") == MISSING
    assert status("VN", "index_scores:PAR", "2023") == DELIVERED
    assert status("VN", "index_scores:SIPAS", "2023") == PENDING  # due mid-2024
    rejected = matrix.cell("38", "dossier_summary", "2023-H1")
    assert rejected is not None and "no header row" in rejected.messages[0]
    assert matrix.latest_due_period("dossier_summary") == "2023-H2"
    assert [c.province_code for c in matrix.not_delivered("dossier_summary", "2023-H2")] == ["01", "38", "42"]


def test_the_suite_pushed_down_to_sql_finds_what_gx_finds_in_memory(warehouse_url, landing):
    """The SQL translation of the dossiers suite agrees with GX itself, row by row."""
    import psycopg
    from psycopg import sql

    from reform_etl.validation import load_target, validate_rows
    from reform_etl.validation.pushdown import validate_loaded
    from reform_etl.warehouse import raw_columns

    day = datetime(2024, 3, 10, 9, 30)
    rows = [
        {
            "dossier_id": "A",
            "procedure_code": "1",
            "level": "xa",
            "channel": "truc_tuyen",
            "received_at": day,
            "due_at": datetime(2024, 3, 10),
            "completed_at": datetime(2024, 3, 10, 8, 0),
        },
        {
            "dossier_id": "B",
            "procedure_code": "1",
            "level": "xa",
            "channel": "truc_tuyen",
            "received_at": day,
            "due_at": datetime(2024, 3, 9),
            "completed_at": None,
        },
        {
            "dossier_id": "C",
            "procedure_code": "1",
            "level": "tinh",
            "channel": "buu_chinh",
            "received_at": day,
            "due_at": datetime(2024, 3, 20),
            "completed_at": datetime(2024, 3, 1),
        },
        {
            "dossier_id": "D",
            "procedure_code": "1",
            "level": "thon",
            "channel": "fax",
            "received_at": day,
            "due_at": None,
            "completed_at": None,
        },
    ]
    for n, row in enumerate(rows, start=2):
        row.update(
            source_row=n,
            province_code="40",
            period_label="2024-03",
            period_start=date(2024, 3, 1),
            period_end=date(2024, 3, 31),
        )
    in_memory = validate_rows(kinds.DOSSIERS, [dict(r) for r in rows], force=True)

    pipeline.prepare(warehouse_url, run_id="t", trigger="test", landing=landing)
    columns = [name for name, _ in raw_columns(kinds.DOSSIERS)]
    with psycopg.connect(warehouse_url) as conn, conn.transaction():
        target = load_target(conn, kinds.DOSSIERS)
        with conn.cursor().copy(
            sql.SQL("copy {} ({}) from stdin").format(target, sql.SQL(", ").join(map(sql.Identifier, columns)))
        ) as copy:
            for row in rows:
                copy.write_row([1 if c == "file_id" else row.get(c) for c in columns])
        pushed = validate_loaded(conn, kinds.DOSSIERS, 1)

    def found(findings) -> set[tuple[str, int]]:  # type: ignore[no-untyped-def]
        return {(f.rule, f.source_row) for f in findings}

    assert (
        found(pushed.findings)
        == found(in_memory.findings)
        == {
            ("due_not_before_received", 3),
            ("completed_not_before_received", 4),
            ("level_allowed", 5),
            ("channel_allowed", 5),
            ("due_at_required", 5),
        }
    )
    assert {(o.rule, o.unexpected_count) for o in pushed.outcomes} == {
        (o.rule, o.unexpected_count) for o in in_memory.outcomes
    }
    assert pushed.rows_removed == 3
