"""The report's pages: overview, provinces, one page per province, files, rules."""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable
from datetime import date, datetime, timedelta, timezone

from markupsafe import Markup

from .. import kinds as k
from ..completeness import (
    DELIVERED,
    LATE,
    MISSING,
    NATIONAL,
    PENDING,
    REJECTED,
    STATUSES,
    WARNINGS,
    Cell,
    Matrix,
    former_name,
    province_name,
    province_sort_key,
    successor,
)
from ..periods import parse_period
from ..validation import rule_catalogue
from . import charts
from .data import DISAGREEMENT_RULES, ReasonGroup, ReportData, WarningRow
from .html import Raw, both, esc, grid2, link, muted, page, page_from, panel, t, table
from .html import cards as html_cards
from .templating import macro, render

VN_TIME = timezone(timedelta(hours=7))
MAX_ROWS = 300

STATUS = {
    DELIVERED: ("✓", "Đã nộp", "Delivered"),
    WARNINGS: ("!", "Đã nộp, có cảnh báo hoặc dòng bị loại", "Delivered with warnings or rejected rows"),
    LATE: ("◷", "Nộp muộn", "Delivered late"),
    REJECTED: ("✗", "Bị từ chối", "Rejected"),
    MISSING: ("–", "Chưa nộp (quá hạn)", "Missing (past due)"),
    PENDING: ("…", "Chưa đến hạn", "Not due yet"),
}
FILE_STATUS = {
    "loaded": ("Đã nạp", "Loaded"),
    "rejected": ("Bị từ chối", "Rejected"),
    "duplicate": ("Trùng lặp", "Duplicate"),
    "superseded": ("Đã thay thế", "Superseded"),
}


def local(moment: datetime | None) -> datetime | None:
    return moment.astimezone(VN_TIME) if moment and moment.tzinfo else moment


def province_label(code: str | None) -> str:
    if not code:
        return "?"
    return "Toàn quốc (VN)" if code == NATIONAL else f"{province_name(code)} ({code})"


def province_href(code: str, depth: int = 0) -> str:
    return f"{'../' * depth}province/{code}.html"


KIND_SHORT = {
    k.DOSSIER_SUMMARY.name: ("Tổng hợp hồ sơ", "Dossier summary"),
    k.DOSSIERS.name: ("Nhật ký hồ sơ", "Dossier records"),
    k.ONLINE_SERVICES.name: ("Danh mục DVC", "Service catalogue"),
    k.ONLINE_SERVICE_SUMMARY.name: ("Tổng hợp DVC trực tuyến", "Online services summary"),
    k.INDEX_SCORES.name: ("Chỉ số", "Index scores"),
}


def province_link(code: str | None, depth: int = 0) -> object:
    """A province's name linking to its page, or '?' when the file named none."""
    return link(province_href(code, depth), esc(province_label(code))) if code else "?"


def kind_label(kind: str | None) -> str:
    if kind in KIND_SHORT:
        return t(*KIND_SHORT[kind])
    return esc(kind or "?")


def status_badge(cell: Cell, *, depth: int = 0, href: str | None = None) -> Raw:
    glyph, vi, en = STATUS[cell.status]
    details = [both(vi, en)]
    if cell.due:
        details.append(f"hạn / due {cell.due:%d/%m/%Y}")
    if cell.delivered_at:
        details.append(f"nhận / received {local(cell.delivered_at):%d/%m/%Y}")
    if cell.files:
        details.append(f"{len(cell.files)} tệp / files; {cell.rows_loaded} dòng nạp / rows loaded")
    if cell.rows_rejected or cell.warnings:
        details.append(f"{cell.rows_rejected} dòng bị loại / rejected rows; {cell.warnings} cảnh báo / warnings")
    details += cell.messages[:2]
    if not cell.expected:
        details.append("ngoài lịch nộp / not in the calendar")
    target = href or f"{province_href(cell.province_code, depth)}#deliveries"
    badge = macro("badge", "status.html")
    return Raw(badge(cell.status, glyph, target, " — ".join(details), not cell.expected))


def legend() -> str:
    return str(macro("legend", "status.html")([(s, *STATUS[s]) for s in STATUSES]))


def _bucket(label: str | None) -> str | None:
    """The half-year a period ends in, so months, halves and years share one axis."""
    period = parse_period(label) if label and label != "mixed" else None
    if period is None:
        return None
    return f"{period.end.year}-H{1 if period.end.month <= 6 else 2}"


# -- overview ----------------------------------------------------------------------------


def _cards(data: ReportData) -> str:
    by_status = Counter(f.status for f in data.files)
    read = sum(f.rows_read for f in data.files if f.status != "duplicate")
    loaded = sum(f.rows_loaded for f in data.files)
    rejected = sum(f.rows_rejected for f in data.files)
    failing = sum(1 for r in data.dbt_rows if r.resource_type == "test" and r.status in ("fail", "error"))
    cards = [
        (t("Tệp đã nhận", "Files received"), len(data.files), ""),
        (t("Tệp bị từ chối", "Files rejected"), by_status.get("rejected", 0), ""),
        (t("Dòng đã nạp", "Rows loaded"), loaded, f"{t('trên', 'of')} {esc(read)} {t('dòng đọc', 'rows read')}"),
        (t("Dòng bị loại", "Rows rejected"), rejected, ""),
        (t("Cảnh báo", "Warnings"), sum(f.warnings for f in data.files), ""),
        (t("Kiểm thử dbt lỗi", "Failing dbt tests"), failing, ""),
    ]
    return html_cards(cards)


def _links(cells: Iterable[Cell]) -> list[Markup]:
    """Each cell's province as a link to its page."""
    return [
        Markup(link(province_href(c.province_code), esc(province_label(c.province_code))))  # noqa: S704 - built here
        for c in cells
    ]


def _this_period(matrix: Matrix) -> str:
    streams = []
    for stream in (s for s in matrix.streams if s.expected):
        period = matrix.latest_due_period(stream.id)
        if period is None:
            continue
        cells = [c for c in matrix.cells if c.stream == stream.id and c.period_label == period and c.expected]
        counts = Counter(c.status for c in cells)
        lists = [
            (vi, en, _links(group))
            for status, vi, en in (
                (MISSING, "Chưa nộp", "Not delivered"),
                (REJECTED, "Bị từ chối", "Rejected"),
                (LATE, "Nộp muộn", "Late"),
            )
            if (group := [c for c in cells if c.status == status])
        ]
        streams.append(
            {
                "id": stream.id,
                "title_vi": stream.title_vi,
                "title_en": stream.title_en,
                "period": period,
                "counts": [(s, *STATUS[s], counts[s]) for s in STATUSES if counts.get(s)],
                "lists": lists,
            }
        )
    return render("dq_report", "this_period.html", streams=streams)


def matrix_table(matrix: Matrix, stream: str, *, expected_only: bool = True) -> str:
    periods = [
        p
        for p in matrix.periods(stream)
        if not expected_only or any(c.expected for c in matrix.cells if c.stream == stream and c.period_label == p)
    ]
    provinces = matrix.provinces(stream)
    rows = []
    for code in provinces:
        cells = [matrix.cell(code, stream, p) for p in periods]
        if expected_only and not any(c and c.expected for c in cells):
            continue
        merged = " merged" if code != NATIONAL and successor(code) != code else ""
        note = f" → {successor(code)}" if merged else ""
        if former_name(code):
            note += f" ({both('trước 07/2025', 'before 07/2025')}: {former_name(code)})"
        rows.append(
            {
                "css": merged.strip(),
                "href": province_href(code),
                "name": province_label(code),
                "note": note,
                "badges": [Markup(status_badge(c) if c else "") for c in cells],  # noqa: S704 - badges built here
            }
        )
    return render("dq_report", "matrix.html", periods=periods, rows=rows)


def _rejected_files(data: ReportData, files: Iterable | None = None, depth: int = 0) -> str:
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


def _reason_table(groups: list[ReasonGroup], *, with_province: bool, depth: int = 0) -> str:
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


def _overall_reasons(groups: list[ReasonGroup]) -> list[ReasonGroup]:
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


def _warning_table(warnings: Iterable[WarningRow], *, with_province: bool, depth: int = 0) -> str:
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


def _heat(data: ReportData) -> str:
    read: dict[tuple[str, str], int] = defaultdict(int)
    lost: dict[tuple[str, str], int] = defaultdict(int)
    files: dict[tuple[str, str], int] = defaultdict(int)
    seen: set[tuple[int, str, str]] = set()
    for d in data.deliveries:
        bucket = _bucket(d.period_label)
        if bucket is None or (d.file_id, d.province_code, bucket) in seen:
            continue
        seen.add((d.file_id, d.province_code, bucket))
        key = (d.province_code, bucket)
        read[key] += d.rows_loaded + d.rows_rejected
        lost[key] += d.rows_rejected
        files[key] += 1
    if not read:
        return muted("Chưa có dữ liệu.", "No data yet.")
    columns = sorted({b for _, b in read})
    codes = sorted({p for p, _ in read}, key=province_sort_key)
    cells = {
        key: charts.HeatCell(
            lost[key] / read[key] if read[key] else 0.0,
            f"{province_label(key[0])} {key[1]}: {lost[key]} / {read[key]} dòng bị loại / rows rejected, "
            f"{files[key]} tệp / files",
        )
        for key in read
    }
    heat = charts.heatmap([(c, province_label(c), province_href(c)) for c in codes], columns, cells)
    national = [
        (
            b,
            100.0 * sum(lost[(p, b)] for p in codes) / max(1, sum(read[(p, b)] for p in codes)),
            f"{b}: {sum(lost[(p, b)] for p in codes)} / {sum(read[(p, b)] for p in codes)}",
        )
        for b in columns
    ]
    return (
        f"<p>{t('Mỗi ô: tỷ lệ dòng bị loại trong các tệp của tỉnh có kỳ kết thúc trong nửa năm đó (tệp bị từ chối cả tệp tính toàn bộ số dòng).', 'Each cell: share of rejected rows in the province files whose period ends in that half-year (a rejected file counts all its rows).')}</p>"
        f'<div class="grid2"><div class="panel scroll">{heat}</div><div class="panel"><h3>'
        f"{t('Toàn quốc theo nửa năm', 'All provinces by half-year')}</h3>{charts.bars(national)}</div></div>"
    )


def _dbt(data: ReportData) -> str:
    if data.dbt_recorded_at is None:
        return muted("Chưa có lần chạy dbt nào được ghi lại.", "No dbt build recorded yet.")
    counts = Counter((r.resource_type, r.status) for r in data.dbt_rows)
    summary = ", ".join(f"{rt} {st}: {n}" for (rt, st), n in sorted(counts.items()))
    failing = [
        (r.unique_id, r.status, r.failures, r.message)
        for r in data.dbt_rows
        if r.resource_type == "test" and r.status not in ("pass", "success")
    ]
    head = (
        f"<p>{t('Lần build gần nhất', 'Latest build')}: {esc(local(data.dbt_recorded_at))} "
        f"({esc(data.dbt_builds)} {t('lần build đã ghi', 'builds recorded')}). {esc(summary)}</p>"
    )
    return head + table(
        [t("Kiểm thử", "Test"), t("Kết quả", "Status"), t("Số dòng lỗi", "Failures"), t("Thông báo", "Message")],
        failing,
        numeric=[2],
        css="wide",
        empty=t("Mọi kiểm thử dbt trên các mart đều đạt.", "Every dbt test on the marts passed."),
    )


def _pulls(data: ReportData) -> str:
    """Sources whose latest pull failed, or brought nothing when data was expected."""
    if not data.pulls:
        return muted("Chưa có nguồn nào được kéo tự động.", "No source has been pulled yet.")
    trouble = [p for p in data.pulls if p.get("status") in ("failed", "empty")]
    rows = [
        (
            p.get("source_id"),
            p.get("transport"),
            kind_label(str(p.get("kind") or "")),
            province_label(str(p.get("province_code") or "")),
            p.get("status"),
            local(finished if isinstance(finished := p.get("finished_at"), datetime) else None),
            p.get("message"),
        )
        for p in trouble
    ]
    head = t(
        f"{len(data.pulls)} nguồn; lần kéo gần nhất của {len(trouble)} nguồn bị lỗi hoặc không có dữ liệu mới.",
        f"{len(data.pulls)} sources; the latest pull of {len(trouble)} failed or brought nothing.",
    )
    return f"<p>{head}</p>" + table(
        [
            t("Nguồn", "Source"),
            t("Cách kéo", "Transport"),
            t("Loại", "Kind"),
            t("Tỉnh/thành", "Province"),
            t("Kết quả", "Status"),
            t("Lúc", "At"),
            t("Thông báo", "Message"),
        ],
        rows,
        css="wide",
        empty=t("Mọi nguồn đều kéo được dữ liệu ở lần gần nhất.", "Every source delivered on its latest pull."),
    )


def _tie_break_table(data: ReportData) -> str:
    rows = [
        (b.index_code, str(b.year), b.component or t("Tổng", "Total"), b.score, b.ranked, b.name)
        for b in data.rank_tie_breaks[:MAX_ROWS]
    ]
    headers = [t("Chỉ số", "Index"), t("Năm", "Year"), t("Thành phần", "Component"), t("Điểm", "Score")]
    headers += [t("Thứ hạng công bố", "Published ranks"), t("Tệp", "File")]
    return table(headers, rows, numeric=[1, 3], empty=t("Không có.", "None."))


def _self_excess_table(data: ReportData) -> str:
    limit = f"{data.self_score_excess_points:g}"
    caption = t(
        f"Lĩnh vực có điểm tự đánh giá cao hơn điểm thẩm định quá {limit} điểm (REFORM_SELF_SCORE_EXCESS_POINTS).",
        f"Fields self-assessed more than {limit} points above the appraisal (REFORM_SELF_SCORE_EXCESS_POINTS).",
    )
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
    return f"<p class='muted'>{caption}</p>" + table(headers, rows, numeric=[1, 3, 4, 5], empty=t("Không có.", "None."))


def overview(data: ReportData) -> str:
    matrix = data.matrix
    disagreements = [w for w in data.warnings if w.rule in DISAGREEMENT_RULES]
    by_rule = Counter(w.rule for w in disagreements)
    streams = "".join(
        f"<details open><summary>{t(s.title_vi, s.title_en)}</summary>{matrix_table(matrix, s.id)}</details>"
        for s in matrix.streams
        if s.expected
    )
    return page_from(
        "overview.html",
        "Tổng quan",
        "Overview",
        generated=local(data.generated),
        as_of=f"{matrix.as_of:%d/%m/%Y}",
        judged_from=f"{matrix.lateness_judged_from:%d/%m/%Y}" if matrix.lateness_judged_from else None,
        cards=Markup(_cards(data)),
        this_period=Markup(_this_period(matrix)),
        rejected_files=Markup(_rejected_files(data)),
        reasons=Markup(_reason_table(_overall_reasons(data.reasons), with_province=False)),
        by_rule=", ".join(f"{rule}: {n}" for rule, n in by_rule.most_common()),
        disagreements=Markup(_warning_table(disagreements, with_province=True)),
        tie_breaks=Markup(_tie_break_table(data)),
        self_excess=Markup(_self_excess_table(data)),
        legend=Markup(legend()),
        streams=Markup(streams),
        heat=Markup(_heat(data)),
        pulls=Markup(_pulls(data)),
        dbt=Markup(_dbt(data)),
    )


# -- provinces ---------------------------------------------------------------------------


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
    streams = [s for s in matrix.streams if any(c.province_code == code for c in matrix.cells if c.stream == s.id)]
    blocks = []
    for s in streams:
        cells = sorted(
            (c for c in matrix.cells if c.stream == s.id and c.province_code == code), key=lambda c: c.period_end
        )
        head = "".join(f"<th>{esc(c.period_label)}</th>" for c in cells)
        tds = "".join(f"<td>{status_badge(c, href='#files')}</td>" for c in cells)
        blocks.append(
            f"<h3>{t(s.title_vi, s.title_en)}</h3><div class='scroll'><table class='matrix'><thead><tr>{head}"
            f"</tr></thead><tbody><tr>{tds}</tr></tbody></table></div>"
        )
    return "".join(blocks) or muted("Không có kỳ nào.", "No periods.")


def _province_trends(data: ReportData, code: str) -> str:
    panels = []
    shares: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    for d in data.deliveries:
        bucket = _bucket(d.period_label)
        if d.province_code == code and bucket:
            shares[bucket][0] += d.rows_rejected
            shares[bucket][1] += d.rows_loaded + d.rows_rejected
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
    file_rows = [
        (
            f.name,
            Raw(kind_label(f.kind)),
            data.period_of_file.get(f.file_id),
            Raw(f'<span class="status-{esc(f.status)}">{t(*FILE_STATUS.get(f.status, (f.status, f.status)))}</span>'),
            local(f.received_at),
            f.rows_read,
            f.rows_loaded,
            f.rows_rejected,
            f.warnings,
            f.message,
        )
        for f in files
    ]
    merged_into = successor(code) if code != NATIONAL else code
    predecessors = sorted(c for c in province_codes(data) if c != code and successor(c) == code)
    lineage = ""
    if merged_into != code:
        lineage = t(
            f"Sáp nhập vào {province_label(merged_into)} từ 01/07/2025.",
            f"Merged into {province_label(merged_into)} on 2025-07-01.",
        )
    elif predecessors:
        lineage = t("Từ 01/07/2025 gồm cả: ", "From 2025-07-01 also covers: ") + ", ".join(
            f'<a href="{c}.html">{esc(province_label(c))}</a>' for c in predecessors
        )
    reasons = [g for g in data.reasons if g.province_code == code]
    warnings = [w for w in data.warnings if w.province_code == code]
    rejected = [r for r in data.rejected_rows if r.province_code == code]
    return page_from(
        "province.html",
        province_label(code),
        province_label(code),
        depth=1,
        generated=local(data.generated),
        lineage=Markup(lineage),
        legend=Markup(legend()),
        matrix=Markup(_province_matrix(data, code)),
        trends=Markup(_province_trends(data, code)),
        files=Markup(
            table(
                [
                    t("Tệp", "File"),
                    t("Loại", "Kind"),
                    t("Kỳ", "Period"),
                    t("Trạng thái", "Status"),
                    t("Nhận lúc", "Received"),
                    t("Đọc", "Read"),
                    t("Nạp", "Loaded"),
                    t("Loại", "Rejected"),
                    t("Cảnh báo", "Warnings"),
                    t("Ghi chú", "Message"),
                ],
                file_rows,
                numeric=[5, 6, 7, 8],
                css="wide",
                empty=t("Chưa nhận tệp nào.", "No file received."),
            )
        ),
        reasons=Markup(_reason_table(reasons, with_province=False, depth=1)),
        rejected_count=len(rejected),
        rejected=Markup(
            table(
                [
                    t("Tệp", "File"),
                    t("Dòng", "Row"),
                    t("Cột", "Column"),
                    t("Giá trị gốc", "Raw value"),
                    t("Lý do", "Reason"),
                ],
                [(r.name, r.source_row, r.column, r.raw_value, r.reason) for r in rejected[:1000]],
                numeric=[1],
                css="wide",
            )
        ),
        warnings=Markup(_warning_table(warnings, with_province=False, depth=1)),
    )


# -- files and rules ---------------------------------------------------------------------


def files_page(data: ReportData) -> str:
    rows = [
        (
            f.file_id,
            f.name,
            Raw(kind_label(f.kind)),
            province_link(data.province_of_file.get(f.file_id)),
            data.period_of_file.get(f.file_id),
            Raw(f'<span class="status-{esc(f.status)}">{t(*FILE_STATUS.get(f.status, (f.status, f.status)))}</span>'),
            local(f.received_at),
            f.rows_read,
            f.rows_loaded,
            f.rows_rejected,
            f.warnings,
            f.message,
        )
        for f in data.files[:5000]
    ]
    body = table(
        [
            "file_id",
            t("Tệp", "File"),
            t("Loại", "Kind"),
            t("Tỉnh/thành", "Province"),
            t("Kỳ", "Period"),
            t("Trạng thái", "Status"),
            t("Nhận lúc", "Received"),
            t("Đọc", "Read"),
            t("Nạp", "Loaded"),
            t("Loại", "Rejected"),
            t("Cảnh báo", "Warnings"),
            t("Ghi chú", "Message"),
        ],
        rows,
        numeric=[0, 7, 8, 9, 10],
        css="wide",
    )
    return page_from("files.html", "Tệp đã nhận", "Files received", generated=local(data.generated), files=Markup(body))


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
                Raw(
                    f'<span class="sev-{esc(rule.severity)}">{t("lỗi — loại dòng" if rule.severity == "error" else "cảnh báo — vẫn nạp", "error — row rejected" if rule.severity == "error" else "warning — loaded, flagged")}</span>'
                ),
                rule.runs_in,
                ", ".join(rule.kinds),
                files,
                failed,
                unexpected or warned.get(rule.rule, 0),
            )
        )
    return page_from(
        "rules.html",
        "Quy tắc kiểm tra",
        "Validation rules",
        generated=local(data.generated),
        rules=Markup(
            table(
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
        ),
    )


def today() -> date:
    return datetime.now(VN_TIME).date()
