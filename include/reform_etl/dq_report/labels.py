"""What every page of the report names the same way: statuses, kinds, provinces, local time."""

from __future__ import annotations

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
    province_name,
)
from ..periods import parse_period
from .html import Raw, both, esc, link, t
from .templating import macro

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
KIND_SHORT = {
    k.DOSSIER_SUMMARY.name: ("Tổng hợp hồ sơ", "Dossier summary"),
    k.DOSSIERS.name: ("Nhật ký hồ sơ", "Dossier records"),
    k.ONLINE_SERVICES.name: ("Danh mục DVC", "Service catalogue"),
    k.ONLINE_SERVICE_SUMMARY.name: ("Tổng hợp DVC trực tuyến", "Online services summary"),
    k.INDEX_SCORES.name: ("Chỉ số", "Index scores"),
}


def local(moment: datetime | None) -> datetime | None:
    return moment.astimezone(VN_TIME) if moment and moment.tzinfo else moment


def today() -> date:
    return datetime.now(VN_TIME).date()


def province_label(code: str | None) -> str:
    if not code:
        return "?"
    return "Toàn quốc (VN)" if code == NATIONAL else f"{province_name(code)} ({code})"


def province_href(code: str, depth: int = 0) -> str:
    return f"{'../' * depth}province/{code}.html"


def province_link(code: str | None, depth: int = 0) -> object:
    """A province's name linking to its page, or '?' when the file named none."""
    return link(province_href(code, depth), esc(province_label(code))) if code else "?"


def kind_label(kind: str | None) -> str:
    if kind in KIND_SHORT:
        return t(*KIND_SHORT[kind])
    return esc(kind or "?")


def file_status(status: str) -> Raw:
    """A file's status word, coloured by the style sheet."""
    vi, en = FILE_STATUS.get(status, (status, status))
    return Raw(macro("file_status")(status, vi, en))


def status_badge(cell: Cell, *, depth: int = 0, href: str | None = None) -> Markup:
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
    badge: Markup = macro("badge", "status.html")(cell.status, glyph, target, " — ".join(details), not cell.expected)
    return badge


def legend() -> Markup:
    found: Markup = macro("legend", "status.html")([(s, *STATUS[s]) for s in STATUSES])
    return found


def bucket(label: str | None) -> str | None:
    """The half-year a period ends in, so months, halves and years share one axis."""
    period = parse_period(label) if label and label != "mixed" else None
    if period is None:
        return None
    return f"{period.end.year}-H{1 if period.end.month <= 6 else 2}"
