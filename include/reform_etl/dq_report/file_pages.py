"""Every file received (files.html) and every validation rule (rules.html)."""

from __future__ import annotations

from collections import Counter, defaultdict

from ..validation import rule_catalogue
from .data import FileRow, ReportData
from .html import Raw, built, page_from, t, table
from .labels import file_status, kind_label, local, province_link
from .templating import macro


def file_cells(data: ReportData, f: FileRow) -> list[object]:
    """A file's row from its period on: status, when it came, its row counts and the message."""
    return [
        data.period_of_file.get(f.file_id),
        file_status(f.status),
        local(f.received_at),
        f.rows_read,
        f.rows_loaded,
        f.rows_rejected,
        f.warnings,
        f.message,
    ]


def file_headers() -> list[str]:
    """The headers of :func:`file_cells`."""
    return [
        t("Kỳ", "Period"),
        t("Trạng thái", "Status"),
        t("Nhận lúc", "Received"),
        t("Đọc", "Read"),
        t("Nạp", "Loaded"),
        t("Loại", "Rejected"),
        t("Cảnh báo", "Warnings"),
        t("Ghi chú", "Message"),
    ]


def files_page(data: ReportData) -> str:
    rows = [
        [
            f.file_id,
            f.name,
            Raw(kind_label(f.kind)),
            province_link(data.province_of_file.get(f.file_id)),
            *file_cells(data, f),
        ]
        for f in data.files[:5000]
    ]
    body = table(
        ["file_id", t("Tệp", "File"), t("Loại", "Kind"), t("Tỉnh/thành", "Province"), *file_headers()],
        rows,
        numeric=[0, 7, 8, 9, 10],
        css="wide",
    )
    return page_from("files.html", "Tệp đã nhận", "Files received", generated=local(data.generated), files=built(body))


def _severity(severity: str) -> Raw:
    error = severity == "error"
    vi = "lỗi — loại dòng" if error else "cảnh báo — vẫn nạp"
    en = "error — row rejected" if error else "warning — loaded, flagged"
    return Raw(macro("severity")(severity, vi, en))


def rules_page(data: ReportData) -> str:
    stats: dict[str, list[int]] = defaultdict(lambda: [0, 0, 0])
    for s in data.rule_stats:
        stats[s.rule][0] += s.files
        stats[s.rule][1] += s.failed_files
        stats[s.rule][2] += s.unexpected
    warned = Counter(w.rule for w in data.warnings)
    rows = []
    for rule in rule_catalogue():
        files, failed, unexpected = stats.get(rule.rule, [0, 0, 0])
        rows.append(
            (
                rule.rule,
                Raw(t(rule.title_vi, rule.title_en)),
                _severity(rule.severity),
                rule.runs_in,
                ", ".join(rule.kinds),
                files,
                failed,
                unexpected or warned.get(rule.rule, 0),
            )
        )
    rules = table(
        [
            t("Quy tắc", "Rule"),
            t("Mô tả", "Description"),
            t("Mức độ", "Severity"),
            t("Chạy ở", "Runs in"),
            t("Loại dữ liệu", "Kinds"),
            t("Số tệp đã kiểm", "Files checked"),
            t("Số tệp vi phạm", "Files failing"),
            t("Số dòng vi phạm", "Rows failing"),
        ],
        rows,
        numeric=[5, 6, 7],
        css="wide",
    )
    return page_from(
        "rules.html", "Quy tắc kiểm tra", "Validation rules", generated=local(data.generated), rules=built(rules)
    )
