"""``dossier_summary`` exports: a province's half-year counts by level, and the Nghệ An H1-2022 report."""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from reform_etl.kinds import get_kind
from reform_etl.writers import vn_number, write_xlsx

from .common import (
    FIRST_YEAR,
    UNKNOWN_PROVINCE_CODE,
    UNKNOWN_PROVINCE_NAME,
    GeneratedFile,
    column_labels,
    percent_of,
    pick_label,
    round2,
)
from .context import Context, Job, creation_time
from .faults import bad_number_text, choose_naming, export_file_name, finalise
from .formats import Table, write_table
from .geography import Period, Unit
from .procedures import level_text


@dataclass
class LevelFigures:
    level: str  # tinh / huyen / xa
    received: int
    received_online: int
    carried_over: int
    resolved_early: int
    resolved_on_time: int  # excluding early
    resolved_late: int
    pending_within_deadline: int
    pending_overdue: int

    @property
    def resolved(self) -> int:
        return self.resolved_early + self.resolved_on_time + self.resolved_late

    @property
    def on_time_rate(self) -> float:
        return percent_of(self.resolved_early + self.resolved_on_time, self.resolved)

    @property
    def late_rate(self) -> float:
        return percent_of(self.resolved_late, self.resolved)


ONLINE_SHARE = {2019: 0.12, 2020: 0.2, 2021: 0.3, 2022: 0.4, 2023: 0.5, 2024: 0.6, 2025: 0.68}
_LEVEL_VOLUME = {"tinh": (1.0, 1.0), "huyen": (0.6, 1.5), "xa": (1.5, 4.0)}
_LEVEL_ON_TIME = {"tinh": (93.0, 99.3), "huyen": (94.5, 99.6), "xa": (96.5, 99.9)}


def level_figures(rng: random.Random, level: str, base: int, year: int) -> LevelFigures:
    """Counts for one level that satisfy received + carried over = resolved + pending."""
    low, high = _LEVEL_VOLUME[level]
    received = max(300, round(base * rng.uniform(low, high)))
    carried = round(received * rng.uniform(0.02, 0.09))
    pending = round((received + carried) * rng.uniform(0.02, 0.07))
    overdue = round(pending * rng.uniform(0.03, 0.25))
    resolved = received + carried - pending
    late = max(1, round(resolved * (1 - rng.uniform(*_LEVEL_ON_TIME[level]) / 100)))
    early = round((resolved - late) * rng.uniform(0.35, 0.75))
    online_share = ONLINE_SHARE[year] + {"tinh": 0.08, "huyen": 0.0, "xa": -0.06}[level]
    online = round(received * min(0.97, max(0.02, online_share * rng.uniform(0.8, 1.2))))
    return LevelFigures(
        level, received, online, carried, early, resolved - late - early, late, pending - overdue, overdue
    )


def _summary_base(ctx: Context, unit: Unit, period: Period, rng: random.Random) -> int:
    growth = 1 + 0.06 * (period.year - FIRST_YEAR)
    half = 1.0 if period.label.endswith("H1") else 1.1
    return round((5000 + 105000 * ctx.size(unit) ** 1.4) * growth * half * rng.uniform(0.9, 1.1))


@dataclass
class _SummaryLayout:
    identity: bool  # province and period columns in the content
    online: bool
    carried: bool
    early: bool
    pending: bool
    rate: bool
    late_rate: bool
    count_style: str  # 'number' or a vn_number style
    rate_style: str  # 'number', 'comma', 'point', 'percent'
    level_style: str  # 'label', 'sbn' (Sở, ban, ngành), 'code'
    snake_keys: bool


def _summary_layout(rng: random.Random, fmt: str, identity: bool, fault: str | None) -> _SummaryLayout:
    json_like = fmt in ("json", "jsonl")
    if fmt.startswith("xlsx"):
        count_style = rng.choice(("number", "number", "dot"))
    elif json_like:
        count_style = "number"
    else:
        count_style = rng.choice(("plain", "plain", "dot", "comma", "space", "nbsp"))
    snake = json_like and rng.random() < 0.5
    return _SummaryLayout(
        identity=identity,
        online=rng.random() < 0.5,
        carried=rng.random() < 0.5,
        early=rng.random() < 0.6,
        pending=rng.random() < 0.5,
        rate=rng.random() < 0.65 or fault == "wrong_printed_rate",
        late_rate=rng.random() < 0.2,
        count_style=count_style,
        rate_style=rng.choice(("number", "comma"))
        if fmt.startswith("xlsx") or json_like
        else rng.choice(("comma", "comma", "point", "percent")),
        level_style="code" if snake else rng.choice(("label", "label", "label", "sbn")),
        snake_keys=snake,
    )


@dataclass(frozen=True)
class _Col:
    name: str
    label: str  # flat label, or the leaf label under a group
    group: str | None = None


def _summary_columns(rng: random.Random, layout: _SummaryLayout, report: bool) -> list[_Col]:
    kind = "dossier_summary"
    cols: list[_Col] = [_Col("stt", "STT")] if not layout.snake_keys else []
    if layout.identity:
        cols += [_Col("province", pick_label(rng, column_labels(kind, "province")[:3])), _Col("period", "Kỳ báo cáo")]
    cols.append(_Col("level", pick_label(rng, column_labels(kind, "level"))))
    cols.append(_Col("received", pick_label(rng, column_labels(kind, "received"))))
    if layout.online:
        cols.append(_Col("received_online", pick_label(rng, column_labels(kind, "received_online"))))
    if layout.carried:
        cols.append(_Col("carried_over", pick_label(rng, column_labels(kind, "carried_over"))))
    cols += _resolved_columns(rng, layout, report)
    if layout.pending:
        cols += _pending_columns(rng, report)
    if layout.rate:
        cols.append(_Col("reported_on_time_rate", _rate_label(rng, "reported_on_time_rate")))
    if layout.late_rate:
        cols.append(_Col("reported_late_rate", _rate_label(rng, "reported_late_rate")))
    if layout.snake_keys:
        return [_Col(c.name, c.name) for c in cols]
    return cols


def _rate_label(rng: random.Random, column: str) -> str:
    label = pick_label(rng, column_labels("dossier_summary", column))
    return label + " (%)" if rng.random() < 0.6 else label


def _resolved_columns(rng: random.Random, layout: _SummaryLayout, report: bool) -> list[_Col]:
    late_leaf = rng.choice(("Quá hạn", "Trễ hạn"))
    if report:
        group = rng.choice(("Số hồ sơ đã giải quyết", "Đã giải quyết"))
        on_time_leaf = "Đúng hạn" if layout.early else "Đúng hoặc trước hạn"
        cols = [_Col("resolved_early", "Trước hạn", group)] if layout.early else []
        return cols + [_Col("resolved_on_time", on_time_leaf, group), _Col("resolved_late", late_leaf, group)]
    on_time_only = ("Đúng hạn", "Giải quyết đúng hạn", "Đã giải quyết đúng hạn", "Số hồ sơ đã giải quyết đúng hạn")
    combined = ("Đúng hoặc trước hạn", "Đúng và trước hạn", "Trước và đúng hạn", "Đã giải quyết đúng hoặc trước hạn")
    cols = (
        [_Col("resolved_early", pick_label(rng, column_labels("dossier_summary", "resolved_early")))]
        if layout.early
        else []
    )
    on_time_label = rng.choice(on_time_only if layout.early else on_time_only + combined)
    return cols + [
        _Col("resolved_on_time", on_time_label),
        _Col("resolved_late", pick_label(rng, column_labels("dossier_summary", "resolved_late"))),
    ]


def _pending_columns(rng: random.Random, report: bool) -> list[_Col]:
    if report:
        group, within = rng.choice(
            (("Đang giải quyết", "Trong hạn"), ("Đang giải quyết", "Chưa đến hạn"), ("Đang xử lý", "Trong hạn"))
        )
        return [_Col("pending_within_deadline", within, group), _Col("pending_overdue", "Quá hạn", group)]
    return [
        _Col("pending_within_deadline", pick_label(rng, column_labels("dossier_summary", "pending_within_deadline"))),
        _Col("pending_overdue", pick_label(rng, column_labels("dossier_summary", "pending_overdue"))),
    ]


def _group_spans(cols: Sequence[_Col]) -> list[tuple[str, int, int]]:
    spans: list[tuple[str, int, int]] = []
    for index, col in enumerate(cols):
        if col.group is None:
            continue
        if spans and spans[-1][0] == col.group and spans[-1][2] == index - 1:
            spans[-1] = (col.group, spans[-1][1], index)
        else:
            spans.append((col.group, index, index))
    return spans


def _raw_summary_value(col: str, fig: LevelFigures, layout: _SummaryLayout) -> object:
    if col == "resolved_on_time" and not layout.early:
        return fig.resolved_early + fig.resolved_on_time
    if col == "reported_on_time_rate":
        return fig.on_time_rate
    if col == "reported_late_rate":
        return fig.late_rate
    if col == "level":
        return level_text(fig.level, layout.level_style)
    return getattr(fig, col)


def _format_count(value: object, style: str) -> object:
    if isinstance(value, int) and style != "number":
        return vn_number(value, style)
    return value


def _format_rate(value: object, style: str) -> object:
    if not isinstance(value, float) or style == "number":
        return value
    if style == "point":
        return f"{value:.2f}"
    text = vn_number(value)
    return text + "%" if style == "percent" else text


_SUMMARY_COUNTS = set(get_kind("dossier_summary").summable)
_RATE_COLUMNS = {"reported_on_time_rate", "reported_late_rate"}


def _format_summary_cell(col: str, value: object, layout: _SummaryLayout) -> object:
    if col in _SUMMARY_COUNTS:
        return _format_count(value, layout.count_style)
    if col in _RATE_COLUMNS:
        return _format_rate(value, layout.rate_style)
    return value


def _summary_matrix(
    figures: Sequence[LevelFigures], cols: Sequence[_Col], layout: _SummaryLayout, province: str | None, period: str
) -> list[list[object]]:
    matrix = []
    for number, fig in enumerate(figures, start=1):
        row: list[object] = []
        for col in cols:
            if col.name == "stt":
                row.append(number)
            elif col.name == "province":
                row.append(province)
            elif col.name == "period":
                row.append(period)
            else:
                row.append(_raw_summary_value(col.name, fig, layout))
        matrix.append(row)
    return matrix


def _summary_total(figures: Sequence[LevelFigures], cols: Sequence[_Col], layout: _SummaryLayout, label: str) -> list:
    total = LevelFigures(
        "tinh",
        *(sum(getattr(f, name) for f in figures) for name in LevelFigures.__dataclass_fields__ if name != "level"),
    )
    row: list[object] = []
    for col in cols:
        if col.name == "level":
            row.append(label)
        elif col.name in ("stt", "province", "period"):
            row.append(None)
        else:
            row.append(_raw_summary_value(col.name, total, layout))
    return row


def _summary_title(unit_official: str, period: Period) -> list[str]:
    return [
        f"ỦY BAN NHÂN DÂN {unit_official.upper()}",
        f"BÁO CÁO KẾT QUẢ GIẢI QUYẾT THỦ TỤC HÀNH CHÍNH {period.text().upper()}",
    ]


def emit_dossier_summary(ctx: Context, job: Job) -> list[GeneratedFile]:
    unit, period = job.place, job.period
    rng = ctx.rng(job.key)
    fault = ctx.draw_fault(job, _summary_faults(job))
    naming = choose_naming(ctx, job, rng, fault, neutral_share=0.1, content_share=0.15)
    layout = _summary_layout(rng, job.fmt, naming.content_province is not None, fault)
    report = job.fmt == "xlsx-report"
    cols = _summary_columns(rng, layout, report)
    levels = ["tinh", "xa"] if period.post_merger else ["tinh", "huyen", "xa"]
    if fault == "district_after_merger":
        levels = ["tinh", "huyen", "xa"]
    base = _summary_base(ctx, unit, period, rng)
    figures = [level_figures(rng, level, base, period.year) for level in levels]
    matrix = _summary_matrix(figures, cols, layout, naming.content_province, period.label)
    with_total = report or (job.fmt == "xlsx" and rng.random() < 0.5)
    total = _summary_total(figures, cols, layout, rng.choice(("Tổng cộng", "Tổng cộng", "Tổng số", "Cộng")))
    _apply_summary_faults(rng, fault, cols, matrix, total)
    formatted = [[_format_summary_cell(c.name, v, layout) for c, v in zip(cols, row, strict=True)] for row in matrix]
    if fault == "bad_number":
        _inject_bad_number(rng, cols, formatted, layout.count_style == "comma")
    official = UNKNOWN_PROVINCE_NAME if naming.province_code == UNKNOWN_PROVINCE_CODE else unit.official_name
    titles = _summary_title(official, period)
    if rng.random() < 0.4:
        titles.append("Đơn vị tính: hồ sơ")
    table = Table(
        header=[c.label for c in cols],
        rows=formatted,
        title_lines=titles if report or rng.random() < 0.2 else (),
        group_header=_group_spans(cols) if report else (),
        total_row=[_format_summary_cell(c.name, v, layout) for c, v in zip(cols, total, strict=True)]
        if with_total
        else None,
        json_wrapper=rng.choice((None, "data", "items")),
        hidden_first_sheet=job.fmt.startswith("xlsx") and rng.random() < 0.1,
    )
    suffixes = ("", "", "_bao_cao_tthc", "_bao-cao-ket-qua-giai-quyet-tthc", "_ket_qua_giai_quyet_ho_so")
    path = ctx.claim(job.kind, export_file_name(naming, job, rng, suffixes, "bao_cao_ket_qua_giai_quyet_tthc"))
    write_table(path, job.fmt, table, creation_time(period))
    return finalise(ctx, job, path, naming.province_code, fault)


def _summary_faults(job: Job) -> list[str]:
    faults = ["wrong_printed_rate", "unknown_province", "bad_number", "duplicate_delivery"]
    if job.fmt in ("xlsx", "xlsx-report", "json"):
        faults.append("truncated")
    if job.fmt == "xlsx-report":
        faults.append("total_mismatch")
    if job.period.post_merger:
        faults.append("district_after_merger")
        if job.unit is not None and job.unit.merged:
            faults.append("old_name_after_merger")
    return faults


def _apply_summary_faults(
    rng: random.Random, fault: str | None, cols: Sequence[_Col], matrix: list[list[object]], total: list
) -> None:
    names = [c.name for c in cols]
    if fault == "wrong_printed_rate":
        row = rng.choice(matrix)
        index = names.index("reported_on_time_rate")
        rate = float(row[index])  # type: ignore[arg-type]
        off = rng.uniform(2, 10)
        row[index] = round2(rate - off if rate + off > 100 else rate + rng.choice((off, -off)))
    elif fault == "total_mismatch":
        index = names.index("received")
        total[index] = int(total[index]) + rng.choice((-1, 1)) * rng.randint(7, 900)


def _inject_bad_number(
    rng: random.Random, cols: Sequence[_Col], matrix: list[list[object]], comma_grouping: bool
) -> None:
    counts = [i for i, c in enumerate(cols) if c.name in _SUMMARY_COUNTS]
    row = rng.choice(matrix)
    value = bad_number_text(rng, comma_grouping)
    row[rng.choice(counts)] = -3 if value == "-3" and rng.random() < 0.5 else value


def write_nghe_an_h1_2022(path: Path) -> None:
    """The Nghệ An H1-2022 report the acceptance test loads, in the province's own layout.

    Title rows, a two-row header with 'Số hồ sơ đã giải quyết' merged over 'Đúng hoặc trước
    hạn | Trễ hạn', counts as Vietnamese-formatted text ('82.978'), a printed on-time rate
    ('95,88') and a 'Tổng cộng' row that matches the column sums.
    """
    figures = [("Cấp tỉnh", 82978, 3566), ("Cấp huyện", 59884, 1353), ("Cấp xã", 297050, 1362)]
    header = ["STT", "Cấp", "Tổng số hồ sơ tiếp nhận", "Đúng hoặc trước hạn", "Trễ hạn", "Tỷ lệ đúng hạn (%)"]
    rows = [
        [
            number,
            level,
            vn_number(on_time + late),
            vn_number(on_time),
            vn_number(late),
            vn_number(percent_of(on_time, on_time + late)),
        ]
        for number, (level, on_time, late) in enumerate(figures, start=1)
    ]
    on_time_sum = sum(f[1] for f in figures)
    late_sum = sum(f[2] for f in figures)
    total = [
        "",
        "Tổng cộng",
        vn_number(on_time_sum + late_sum),
        vn_number(on_time_sum),
        vn_number(late_sum),
        vn_number(percent_of(on_time_sum, on_time_sum + late_sum)),
    ]
    write_xlsx(
        path,
        header,
        rows,
        title_lines=[
            "ỦY BAN NHÂN DÂN TỈNH NGHỆ AN",
            "BÁO CÁO KẾT QUẢ GIẢI QUYẾT THỦ TỤC HÀNH CHÍNH 6 THÁNG ĐẦU NĂM 2022",
            "Đơn vị tính: hồ sơ",
        ],
        group_header=[("Số hồ sơ đã giải quyết", 3, 4)],
        total_row=total,
        created=dt.datetime(2022, 6, 20, 8, 30),
    )
