"""Header labels as provincial reports print them, table-driven, each to its canonical column.

The spellings come from the forms provinces fill in: units and column numbers after the
label, line breaks inside a cell, a two-row header with a group cell, the Ghi chú and STT
columns that carry no figure, and the online-service counts by level (mức độ 3, 4) of the
summaries written before 2022. Matching stays exact on the folded text: the last cases are
labels that look close to a column but must match none.
"""

from __future__ import annotations

import pytest

from reform_etl.headers import match_columns
from reform_etl.kinds import DOSSIER_SUMMARY, DOSSIERS, INDEX_SCORES, ONLINE_SERVICE_SUMMARY, ONLINE_SERVICES, Kind

SUM, LOG, CAT, ONL, IDX = DOSSIER_SUMMARY, DOSSIERS, ONLINE_SERVICES, ONLINE_SERVICE_SUMMARY, INDEX_SCORES

# (kind, header cell as printed, canonical column or None for a column that carries no figure)
SPELLINGS: list[tuple[Kind, str, str | None]] = [
    # -- dossier_summary: the periodic report of dossier processing
    (SUM, "Tổng số hồ sơ tiếp nhận\n(hồ sơ)", "received"),
    (SUM, "Số hồ sơ tiếp nhận trong kỳ (1)", "received"),
    (SUM, "Tổng số hồ sơ tiếp nhận\n(1)=(2)+(3)", "received"),
    (SUM, "TỔNG SỐ HỒ SƠ TIẾP NHẬN", "received"),
    (SUM, "Tiếp nhận trực tuyến\n(hồ sơ)", "received_online"),
    (SUM, "Trong đó: trực tuyến", "received_online"),
    (SUM, "Số hồ sơ từ kỳ trước chuyển sang", "carried_over"),
    (SUM, "Kỳ trước chuyển sang (2)", "carried_over"),
    (SUM, "Đã giải quyết trước hạn (3)", "resolved_early"),
    (SUM, "Đã giải quyết\nđúng hạn\n(4)", "resolved_on_time"),
    (SUM, "Số hồ sơ đã giải quyết đúng hoặc trước hạn", "resolved_on_time"),
    (SUM, "Đã giải quyết quá hạn (5)", "resolved_late"),
    (SUM, "Giải quyết trễ hạn\n(hồ sơ)", "resolved_late"),
    (SUM, "Đang giải quyết trong hạn", "pending_within_deadline"),
    (SUM, "Đang giải quyết\nquá hạn (7)", "pending_overdue"),
    (SUM, "Tỷ lệ giải quyết đúng hạn (%)", "reported_on_time_rate"),
    (SUM, "Tỉ lệ đúng hạn\n(%)", "reported_on_time_rate"),
    (SUM, "TỶ LỆ TRỄ HẠN (%)", "reported_late_rate"),
    (SUM, "Cấp giải quyết", "level"),
    (SUM, "Kỳ báo cáo", "period"),
    (SUM, "Ghi chú", None),
    (SUM, "STT", None),
    # -- dossiers: the one-stop-shop log
    (LOG, "Mã hồ sơ", "dossier_id"),
    (LOG, "Số biên nhận", "dossier_id"),
    (LOG, "Mã TTHC", "procedure_code"),
    (LOG, "Tên thủ tục hành chính", "procedure_name"),
    (LOG, "Ngày tiếp nhận\n(dd/mm/yyyy)", "received_at"),
    (LOG, "Ngày hẹn trả", "due_at"),
    (LOG, "Hạn giải quyết", "due_at"),
    (LOG, "Ngày có kết quả", "completed_at"),
    (LOG, "Kênh nộp hồ sơ", "channel"),
    (LOG, "Cơ quan giải quyết", "agency"),
    (LOG, "Trạng thái hồ sơ", "status"),
    # -- online_services: the catalogue with each procedure's level
    (CAT, "Mã số TTHC", "procedure_code"),
    (CAT, "Mức độ DVCTT", "online_mode"),
    (CAT, "Mức độ DVC\n(toàn trình/một phần)", "online_mode"),
    (CAT, "Cấp thẩm quyền", "level"),
    (CAT, "Đã tích hợp Cổng DVC quốc gia", "on_national_portal"),
    (CAT, "Hồ sơ nộp trực tuyến", "dossiers_online"),
    # -- online_service_summary, with the legacy counts by level (before 2022)
    (ONL, "Tổng số TTHC (1)", "procedures_total"),
    (ONL, "Số DVC trực tuyến toàn trình", "procedures_full_online"),
    (ONL, "Số DVC trực tuyến một phần", "procedures_partial_online"),
    (ONL, "DVC trực tuyến mức độ 3, 4", "procedures_online"),
    (ONL, "Số DVC mức độ 3", "procedures_partial_online"),
    (ONL, "DVC mức độ 4", "procedures_full_online"),
    (ONL, "mức độ 3 và 4", "procedures_online"),
    (ONL, "DVCTT mức 3, 4", "procedures_online"),
    (ONL, "Số DVC trực tuyến\nmức độ 4", "procedures_full_online"),
    (ONL, "DVC trực tuyến\nmức độ 3\n(thủ tục)", "procedures_partial_online"),
    (ONL, "Số DVC trực tuyến mức độ 3, 4 (2)", "procedures_online"),
    (ONL, "Tỷ lệ DVC trực tuyến (%)", "reported_coverage_rate"),
    (ONL, "Số hồ sơ nộp trực tuyến", "dossiers_online"),
    (ONL, "Ghi chú", None),
    # -- index_scores: national tables and a province's self-assessment
    (IDX, "Tỉnh, thành phố", "province"),
    (IDX, "Địa phương", "province"),
    (IDX, "Điểm tự đánh giá", "self_score"),
    (IDX, "Điểm thẩm định", "score"),
    (IDX, "Tổng điểm\n(100)", "score"),
    (IDX, "Điểm tối đa", "max_score"),
    (IDX, "Xếp hạng", "published_rank"),
    (IDX, "Lĩnh vực", "component"),
    # -- close to a column, but none: exact matching is not loosened
    (ONL, "Mức độ 2", None),
    (ONL, "Mức độ", None),
    (ONL, "Số DVC mức độ 1, 2", None),
    (SUM, "Đang giải quyết", None),
]


def test_enough_real_spellings() -> None:
    assert len(SPELLINGS) >= 40


@pytest.mark.parametrize(("kind", "printed", "expected"), SPELLINGS, ids=[f"{k.name}:{p}" for k, p, _ in SPELLINGS])
def test_printed_header_matches_its_column(kind: Kind, printed: str, expected: str | None) -> None:
    matched, ignored = match_columns(["STT", printed], kind)
    assert matched.get(1) == expected
    assert ignored == ["STT"] + ([" ".join(printed.split())] if expected is None else [])


# Two-row headers as the forms print them: a group cell merged over its sub-columns.
TWO_ROW = [
    (
        SUM,
        [
            "Cấp",
            "Số hồ sơ nhận giải quyết",
            "Số hồ sơ nhận giải quyết",
            "Số hồ sơ đã giải quyết",
            "Số hồ sơ đã giải quyết",
        ],
        ["", "Tổng số", "Trong đó: Trực tuyến", "Đúng hạn", "Quá hạn"],
        {0: "level", 1: "received", 2: "received_online", 3: "resolved_on_time", 4: "resolved_late"},
    ),
    (
        SUM,
        ["Số hồ sơ đang giải quyết", "Số hồ sơ đang giải quyết", "Ghi chú"],
        ["Trong hạn", "Quá hạn", ""],
        {0: "pending_within_deadline", 1: "pending_overdue"},
    ),
    (
        ONL,
        ["Tổng số TTHC", "DVC trực tuyến", "DVC trực tuyến", "DVC trực tuyến"],
        ["", "Mức độ 3, 4", "Mức độ 4", "Mức độ 3"],
        {0: "procedures_total", 1: "procedures_online", 2: "procedures_full_online", 3: "procedures_partial_online"},
    ),
]


@pytest.mark.parametrize(("kind", "groups", "subs", "expected"), TWO_ROW)
def test_two_row_headers(kind: Kind, groups: list[str], subs: list[str], expected: dict[int, str]) -> None:
    assert match_columns(subs, kind, groups)[0] == expected
