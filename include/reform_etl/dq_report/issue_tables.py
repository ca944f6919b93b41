"""The tables of what went wrong: rejected files, rejected rows by reason, warnings, ties, self-scores.

Shared by the overview (every province) and each province's page (``with_province=False``).
"""

from __future__ import annotations

from collections.abc import Iterable

from .data import ReasonGroup, ReportData, WarningRow
from .html import Raw, built, esc, link, t, table
from .labels import MAX_ROWS, kind_label, local, province_href, province_label, province_link
from .templating import render


def rejected_files_table(data: ReportData, files: Iterable | None = None, depth: int = 0) -> str:
    rows = [
        (
            link(
                province_href(data.province_of_file[f.file_id], depth),
                esc(province_label(data.province_of_file[f.file_id])),
            )
            if f.file_id in data.province_of_file
            else "?",
            Raw(kind_label(f.kind)),
            data.period_of_file.get(f.file_id),
            f.name,
            local(f.received_at),
            f.rows_read,
            f.message,
        )
        for f in (files if files is not None else data.files)
        if f.status == "rejected"
    ][:MAX_ROWS]
    headers = [
        t("Tỉnh/thành", "Province"),
        t("Loại", "Kind"),
        t("Kỳ", "Period"),
        t("Tệp", "File"),
        t("Nhận lúc", "Received"),
        t("Dòng đọc", "Rows read"),
        t("Lý do", "Reason"),
    ]
    return table(
        headers, rows, numeric=[5], css="wide", empty=t("Không có tệp nào bị từ chối.", "No file was rejected.")
    )


def reason_table(groups: list[ReasonGroup], *, with_province: bool, depth: int = 0) -> str:
    headers = ([t("Tỉnh/thành", "Province")] if with_province else []) + [
        t("Loại", "Kind"),
        t("Cột", "Column"),
        t("Lý do (ví dụ đầu tiên)", "Reason (first example)"),
        t("Số dòng", "Rows"),
        t("Số tệp", "Files"),
        t("Ví dụ: tệp", "Example: file"),
        t("Dòng", "Row"),
        t("Giá trị gốc", "Raw value"),
    ]
    rows = []
    for g in groups[:MAX_ROWS]:
        province = [province_link(g.province_code, depth)] if with_province else []
        # The raw value gets a cell of its own, so that a formula in it is made inert.
        rows.append(
            [
                *province,
                Raw(kind_label(g.kind)),
                g.column or "",
                g.example_reason,
                g.rows,
                g.files,
                g.example_file,
                g.example_row,
                g.example_raw,
            ]
        )
    numeric = [4, 5, 7] if with_province else [3, 4, 6]
    return table(
        headers, rows, numeric=numeric, css="wide", empty=t("Không có dòng nào bị loại.", "No row was rejected.")
    )


def overall_reasons(groups: list[ReasonGroup]) -> list[ReasonGroup]:
    """The reasons of every province added up by kind, column and pattern, most rows first."""
    merged: dict[tuple[str | None, str | None, str], ReasonGroup] = {}
    for g in groups:
        key = (g.kind, g.column, g.pattern)
        seen = merged.get(key)
        merged[key] = (
            g
            if seen is None
            else ReasonGroup(
                None,
                g.kind,
                g.column,
                g.pattern,
                seen.rows + g.rows,
                seen.files + g.files,
                seen.example_file,
                seen.example_row,
                seen.example_raw,
                seen.example_reason,
            )
        )
    return sorted(merged.values(), key=lambda g: (-g.rows, g.pattern))


def warning_table(warnings: Iterable[WarningRow], *, with_province: bool, depth: int = 0) -> str:
    headers = ([t("Tỉnh/thành", "Province")] if with_province else []) + [
        t("Kỳ", "Period"),
        t("Tệp", "File"),
        t("Dòng", "Row"),
        t("Quy tắc", "Rule"),
        t("Nội dung", "Message"),
    ]
    rows = []
    for w in list(warnings)[:MAX_ROWS]:
        province = [province_link(w.province_code, depth)] if with_province else []
        rows.append([*province, w.period_label, w.name, w.source_row, w.rule, w.message])
    return table(
        headers, rows, numeric=[3 if with_province else 2], css="wide", empty=t("Không có cảnh báo.", "No warnings.")
    )


def tie_break_table(data: ReportData) -> str:
    rows = [
        (b.index_code, str(b.year), b.component or t("Tổng", "Total"), b.score, b.ranked, b.name)
        for b in data.rank_tie_breaks[:MAX_ROWS]
    ]
    headers = [t("Chỉ số", "Index"), t("Năm", "Year"), t("Thành phần", "Component"), t("Điểm", "Score")]
    headers += [t("Thứ hạng công bố", "Published ranks"), t("Tệp", "File")]
    return table(headers, rows, numeric=[1, 3], empty=t("Không có.", "None."))


def self_excess_table(data: ReportData) -> str:
    rows = [
        (
            province_link(e.province_code),
            str(e.year),
            e.component or t("Tổng", "Total"),
            e.self_score,
            e.score,
            round(float(e.self_score) - float(e.score), 2),
            e.self_file,
            e.appraised_file,
        )
        for e in data.self_score_excesses[:MAX_ROWS]
    ]
    headers = [t("Tỉnh", "Province"), t("Năm", "Year"), t("Lĩnh vực", "Field"), t("Tự đánh giá", "Self-assessed")]
    headers += [t("Thẩm định", "Appraised"), t("Chênh lệch", "Gap"), t("Tệp tự đánh giá", "Self-assessment file")]
    headers += [t("Tệp thẩm định", "Appraisal file")]
    return render(
        "dq_report",
        "self_excess.html",
        limit=f"{data.self_score_excess_points:g}",
        table=built(table(headers, rows, numeric=[1, 3, 4, 5], empty=t("Không có.", "None."))),
    )
