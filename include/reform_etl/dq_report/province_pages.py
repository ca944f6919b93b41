"""The provinces' index (provinces.html) and one page per province (province/<code>.html)."""

from __future__ import annotations

from collections import defaultdict

from ..completeness import LATE, MISSING, NATIONAL, province_sort_key, successor
from . import charts
from .data import ReportData
from .file_pages import file_cells, file_headers
from .html import Raw, built, grid2, page, page_from, panel, t, table
from .issue_tables import reason_table, warning_table
from .labels import bucket, kind_label, legend, local, province_label, province_link, status_badge
from .templating import render


def province_codes(data: ReportData) -> list[str]:
    codes = {c.province_code for c in data.matrix.cells} | set(data.province_of_file.values())
    return sorted((c for c in codes if c), key=province_sort_key)


def provinces_index(data: ReportData) -> str:
    rows = []
    for code in province_codes(data):
        files = data.files_of(code)
        cells = [c for c in data.matrix.cells if c.province_code == code and c.expected]
        rows.append(
            (
                province_link(code),
                len(files),
                sum(1 for f in files if f.status == "rejected"),
                sum(1 for c in cells if c.status == MISSING),
                sum(1 for c in cells if c.status == LATE),
                sum(f.rows_rejected for f in files),
                sum(f.warnings for f in files),
            )
        )
    body = table(
        [
            t("Tỉnh/thành", "Province"),
            t("Tệp", "Files"),
            t("Tệp bị từ chối", "Files rejected"),
            t("Kỳ chưa nộp", "Periods missing"),
            t("Kỳ nộp muộn", "Periods late"),
            t("Dòng bị loại", "Rows rejected"),
            t("Cảnh báo", "Warnings"),
        ],
        rows,
        numeric=range(1, 7),
    )
    return page("Tỉnh/thành", "Provinces", body, generated=local(data.generated))


def _province_matrix(data: ReportData, code: str) -> str:
    matrix = data.matrix
    streams = []
    for s in matrix.streams:
        cells = sorted(
            (c for c in matrix.cells if c.stream == s.id and c.province_code == code), key=lambda c: c.period_end
        )
        if cells:
            streams.append(
                {
                    "vi": s.title_vi,
                    "en": s.title_en,
                    "periods": [c.period_label for c in cells],
                    "badges": [status_badge(c, href="#files") for c in cells],
                }
            )
    return render("dq_report", "province_matrix.html", streams=streams)


def _province_trends(data: ReportData, code: str) -> str:
    panels = []
    shares: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    for d in data.deliveries:
        half = bucket(d.period_label)
        if d.province_code == code and half:
            shares[half][0] += d.rows_rejected
            shares[half][1] += d.rows_loaded + d.rows_rejected
    if shares:
        points = [
            (b, 100.0 * lost / max(total, 1), f"{b}: {lost} / {total}") for b, (lost, total) in sorted(shares.items())
        ]
        panels.append(panel("Tỷ lệ dòng bị loại", "Share of rejected rows", charts.bars(points)))
    trend = data.trends.get(code, [])
    if trend:
        labels = [p.period_label for p in trend]
        panels.append(
            panel(
                "Hồ sơ tiếp nhận (báo cáo 6 tháng)",
                "Dossiers received (summary reports)",
                charts.lines(labels, [("received", "#12385f", [float(p.received) for p in trend])], y_min=0),
            )
        )
        panels.append(
            panel(
                "Tỷ lệ đúng hạn tính từ số liệu",
                "On-time rate computed from the counts",
                charts.lines(labels, [("on-time %", "#1a7f37", [p.on_time_rate for p in trend])], y_unit="%"),
            )
        )
    return grid2(panels) if panels else ""


def province_page(data: ReportData, code: str) -> str:
    files = data.files_of(code)
    file_rows = [[f.name, Raw(kind_label(f.kind)), *file_cells(data, f)] for f in files]
    merged_into = successor(code) if code != NATIONAL else code
    predecessors = sorted(c for c in province_codes(data) if c != code and successor(c) == code)
    reasons = [g for g in data.reasons if g.province_code == code]
    warnings = [w for w in data.warnings if w.province_code == code]
    rejected = [r for r in data.rejected_rows if r.province_code == code]
    files_table = table(
        [t("Tệp", "File"), t("Loại", "Kind"), *file_headers()],
        file_rows,
        numeric=[5, 6, 7, 8],
        css="wide",
        empty=t("Chưa nhận tệp nào.", "No file received."),
    )
    rejected_table = table(
        [t("Tệp", "File"), t("Dòng", "Row"), t("Cột", "Column"), t("Giá trị gốc", "Raw value"), t("Lý do", "Reason")],
        [(r.name, r.source_row, r.column, r.raw_value, r.reason) for r in rejected[:1000]],
        numeric=[1],
        css="wide",
    )
    return page_from(
        "province.html",
        province_label(code),
        province_label(code),
        depth=1,
        generated=local(data.generated),
        merged_into=province_label(merged_into) if merged_into != code else None,
        predecessors=[(f"{c}.html", province_label(c)) for c in predecessors],
        legend=legend(),
        matrix=built(_province_matrix(data, code)),
        trends=built(_province_trends(data, code)),
        files=built(files_table),
        reasons=built(reason_table(reasons, with_province=False, depth=1)),
        rejected_count=len(rejected),
        rejected=built(rejected_table),
        warnings=built(warning_table(warnings, with_province=False, depth=1)),
    )
