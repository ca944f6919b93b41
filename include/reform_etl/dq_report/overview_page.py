"""The report's overview (index.html): this period, what was rejected, the matrix, pulls, dbt."""

from __future__ import annotations

from collections import Counter, defaultdict
from datetime import datetime

from ..completeness import (
    LATE,
    MISSING,
    NATIONAL,
    REJECTED,
    STATUSES,
    Matrix,
    former_name,
    province_sort_key,
    successor,
)
from . import charts
from .data import DISAGREEMENT_RULES, ReportData
from .html import both, built, esc, link, muted, page_from, t, table
from .html import cards as html_cards
from .issue_tables import (
    overall_reasons,
    reason_table,
    rejected_files_table,
    self_excess_table,
    tie_break_table,
    warning_table,
)
from .labels import STATUS, bucket, kind_label, legend, local, province_href, province_label, status_badge
from .templating import render


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


def this_period(matrix: Matrix) -> str:
    """The latest due period of each stream: counts by status, then who is missing or late."""
    streams = []
    for stream in (s for s in matrix.streams if s.expected):
        period = matrix.latest_due_period(stream.id)
        if period is None:
            continue
        cells = [c for c in matrix.cells if c.stream == stream.id and c.period_label == period and c.expected]
        counts = Counter(c.status for c in cells)
        lists = [
            (vi, en, [built(link(province_href(c.province_code), esc(province_label(c.province_code)))) for c in group])
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
    rows = []
    for code in matrix.provinces(stream):
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
                "badges": [status_badge(c) if c else "" for c in cells],
            }
        )
    return render("dq_report", "matrix.html", periods=periods, rows=rows)


def _heat(data: ReportData) -> str:
    read: dict[tuple[str, str], int] = defaultdict(int)
    lost: dict[tuple[str, str], int] = defaultdict(int)
    files: dict[tuple[str, str], int] = defaultdict(int)
    seen: set[tuple[int, str, str]] = set()
    for d in data.deliveries:
        half = bucket(d.period_label)
        if half is None or (d.file_id, d.province_code, half) in seen:
            continue
        seen.add((d.file_id, d.province_code, half))
        key = (d.province_code, half)
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
    return render("dq_report", "heat.html", heat=built(heat), national=built(charts.bars(national)))


def _dbt(data: ReportData) -> str:
    if data.dbt_recorded_at is None:
        return muted("Chưa có lần chạy dbt nào được ghi lại.", "No dbt build recorded yet.")
    counts = Counter((r.resource_type, r.status) for r in data.dbt_rows)
    failing = [
        (r.unique_id, r.status, r.failures, r.message)
        for r in data.dbt_rows
        if r.resource_type == "test" and r.status not in ("pass", "success")
    ]
    failures = table(
        [t("Kiểm thử", "Test"), t("Kết quả", "Status"), t("Số dòng lỗi", "Failures"), t("Thông báo", "Message")],
        failing,
        numeric=[2],
        css="wide",
        empty=t("Mọi kiểm thử dbt trên các mart đều đạt.", "Every dbt test on the marts passed."),
    )
    return render(
        "dq_report",
        "dbt.html",
        recorded=local(data.dbt_recorded_at),
        builds=data.dbt_builds,
        summary=", ".join(f"{rt} {st}: {n}" for (rt, st), n in sorted(counts.items())),
        failures=built(failures),
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
    sources = table(
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
    return render("dq_report", "pulls.html", pulls=len(data.pulls), trouble=len(trouble), sources=built(sources))


def overview(data: ReportData) -> str:
    matrix = data.matrix
    disagreements = [w for w in data.warnings if w.rule in DISAGREEMENT_RULES]
    by_rule = Counter(w.rule for w in disagreements)
    streams = [
        {"vi": s.title_vi, "en": s.title_en, "matrix": built(matrix_table(matrix, s.id))}
        for s in matrix.streams
        if s.expected
    ]
    return page_from(
        "overview.html",
        "Tổng quan",
        "Overview",
        generated=local(data.generated),
        as_of=f"{matrix.as_of:%d/%m/%Y}",
        judged_from=f"{matrix.lateness_judged_from:%d/%m/%Y}" if matrix.lateness_judged_from else None,
        cards=built(_cards(data)),
        this_period=built(this_period(matrix)),
        rejected_files=built(rejected_files_table(data)),
        reasons=built(reason_table(overall_reasons(data.reasons), with_province=False)),
        by_rule=", ".join(f"{rule}: {n}" for rule, n in by_rule.most_common()),
        disagreements=built(warning_table(disagreements, with_province=True)),
        tie_breaks=built(tie_break_table(data)),
        self_excess=built(self_excess_table(data)),
        legend=legend(),
        streams=streams,
        heat=built(_heat(data)),
        pulls=built(_pulls(data)),
        dbt=built(_dbt(data)),
    )
