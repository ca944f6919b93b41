"""``index_scores`` exports: national PAR Index and SIPAS tables, PAR components, a self-assessment."""

from __future__ import annotations

import math
import random
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from functools import lru_cache

from reform_etl.writers import vn_number

from .common import (
    NATIONAL,
    UNKNOWN_PROVINCE_CODE,
    UNKNOWN_PROVINCE_NAME,
    GeneratedFile,
    column_labels,
    pick_label,
    read_reference,
    round2,
)
from .context import Context, Job, creation_time
from .faults import finalise
from .formats import FORMAT_EXTENSIONS, Table, write_table
from .geography import SPELLING_STYLES, Unit, province_spelling, units_for, year_period


@dataclass(frozen=True)
class ParField:
    name: str
    printed_max: float | None  # None where the reference does not know the points
    weight: float  # points used to split a total between fields


@lru_cache(maxsize=1)
def _par_structure() -> dict[str, tuple[ParField, ...]]:
    rows = read_reference("par_index_structure.csv")

    def fields(decision: str) -> list[dict[str, str]]:
        return [r for r in rows if r["framework_decision"].startswith(decision) and r["field_no"].isdigit()]

    old = fields("Quyết định 2948")
    new = [r for r in fields("Quyết định 876") if "scoring blocks" not in r["framework_decision"]]
    # Points of fields 6 and 7 in the 876 framework are not in the reference; they only split
    # the remainder of the 100 points here and are never printed.
    known = sum(float(r["max_points"]) for r in new if r["max_points"])
    unknown = [r for r in new if not r["max_points"]]
    share = (100 - known) / len(unknown) if unknown else 0
    return {
        "2948": tuple(ParField(r["field_name_vi"], float(r["max_points"]), float(r["max_points"])) for r in old),
        "876": tuple(
            ParField(
                r["field_name_vi"],
                float(r["max_points"]) if r["max_points"] else None,
                float(r["max_points"]) if r["max_points"] else share,
            )
            for r in new
        ),
    }


def par_fields(year: int) -> tuple[ParField, ...]:
    structure = _par_structure()
    if year >= 2022:
        return structure["876"]
    # 2018-2021 frameworks' points are not known; the 2017 names are used, points printed for 2017 only.
    fields = structure["2948"]
    return fields if year == 2017 else tuple(ParField(f.name, None, f.weight) for f in fields)


@lru_cache(maxsize=1)
def _national_averages() -> dict[tuple[str, int], float]:
    averages = {}
    for row in read_reference("index_national_summary.csv"):
        if row["metric"] in ("national_average_provinces", "national_average"):
            averages[(row["index"], int(row["year"]))] = float(row["value"])
    return averages


def national_average(index: str, year: int) -> float:
    known = {y: v for (i, y), v in _national_averages().items() if i == index}
    if year in known:
        return known[year]
    before = [y for y in known if y < year]
    after = [y for y in known if y > year]
    if before and after:
        a, b = max(before), min(after)
        return known[a] + (known[b] - known[a]) * (year - a) / (b - a)
    nearest = max(before) if before else min(after)
    return known[nearest] + (0.6 if before else -0.6) * abs(year - nearest)


def competition_ranks(scores: Sequence[float]) -> list[int]:
    """1 = best; ties share a rank and the next rank skips (1, 2, 2, 4)."""
    return [1 + sum(1 for other in scores if other > s) for s in scores]


def _soft_clamp(value: float, low: float, high: float, knee: float = 1.5) -> float:
    """Squeeze values into [low, high] without piling them up on the bounds (which would tie ranks)."""
    if value < low + knee:
        return low + knee * math.exp((value - low - knee) / knee)
    if value > high - knee:
        return high - knee * math.exp((high - knee - value) / knee)
    return value


def province_scores(ctx: Context, units: Sequence[Unit], index: str, year: int) -> list[float]:
    avg = national_average(index, year)
    rng = ctx.rng("scores", index, year)
    if index == "PAR":
        spread = min(3.2, (95.8 - avg) / 2.6)
        raw = [avg + ctx.strength(u, index) * spread + rng.gauss(0, 0.5) for u in units]
        raw = [_soft_clamp(s, 70.0, 96.0) for s in raw]
        qn = [i for i, u in enumerate(units) if u.code == "22"]
        if qn and raw[qn[0]] < max(raw):
            raw[qn[0]] = min(96.0, max(raw) + 0.15)
        if qn:
            # Quảng Ninh leads: the others stay strictly below it.
            raw = [s if i == qn[0] else min(s, raw[qn[0]] - 0.05) for i, s in enumerate(raw)]
        return [round2(s) for s in raw]
    raw = [avg + ctx.strength(u, index) * 2.3 + rng.gauss(0, 0.6) for u in units]
    return [round2(_soft_clamp(s, 78.0, 92.0)) for s in raw]


def split_total(rng: random.Random, total: float, fields: Sequence[ParField]) -> list[float]:
    """Field scores that add up to ``total`` (to the cent) and stay within each field's points."""
    weights = [f.weight for f in fields]
    ratio = total / sum(weights)
    parts = [w * ratio for w in weights]
    for _ in range(3 * len(parts)):
        i, j = rng.sample(range(len(parts)), 2)
        room = min(weights[i] - parts[i], parts[j], 0.6)
        if room > 0:
            delta = rng.uniform(0, room)
            parts[i] += delta
            parts[j] -= delta
    cents = [int(Decimal(repr(p)).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP) * 100) for p in parts]
    gap = int(round(total * 100)) - sum(cents)
    slack = max(range(len(parts)), key=lambda k: weights[k] * 100 - cents[k] if gap > 0 else cents[k])
    cents[slack] += gap
    return [c / 100 for c in cents]


@dataclass
class _IndexTable:
    units: list[Unit]
    scores: list[float]
    ranks: list[int]


def _index_table(ctx: Context, year: int, index: str) -> _IndexTable:
    period = year_period(year)
    units = units_for(period, ctx.geo.new_codes, ctx.geo)
    scores = province_scores(ctx, units, index, year)
    return _IndexTable(units, scores, competition_ranks(scores))


def _score_text(value: float, style: str, percent: bool = False) -> object:
    if style == "number":
        return value
    if style == "point":
        return f"{value:.2f}"
    text = vn_number(value)
    return text + "%" if percent and style == "percent" else text


def _spell_rows(rng: random.Random, units: Sequence[Unit]) -> list[str]:
    style = rng.choice(SPELLING_STYLES)
    return [province_spelling(u, "alias" if rng.random() < 0.15 else style, rng) for u in units]


def _index_faults(job: Job) -> list[str]:
    faults = ["unknown_province", "bad_number", "duplicate_delivery"]
    if FORMAT_EXTENSIONS[job.fmt] == "xlsx":
        faults.append("truncated")
    if job.period.under_34_units and job.variant != "par_self":
        faults.append("old_name_after_merger")
    return faults


def _rename_to_old(rng: random.Random, units: Sequence[Unit], names: list[str]) -> None:
    merged = [i for i, u in enumerate(units) if u.merged]
    i = rng.choice(merged)
    old = [n for n in units[i].constituent_names if n != units[i].name]
    names[i] = rng.choice(old)


def emit_par(ctx: Context, job: Job) -> list[GeneratedFile]:
    year = job.period.year
    rng = ctx.rng(job.key)
    fault = ctx.draw_fault(job, _index_faults(job))
    data = _index_table(ctx, year, "PAR")
    names = _spell_rows(rng, data.units)
    if fault == "old_name_after_merger":
        _rename_to_old(rng, data.units, names)
    order = sorted(range(len(names)), key=lambda i: (data.ranks[i], data.units[i].code))
    if rng.random() < 0.3:
        order = list(range(len(names)))
    score_style = rng.choice(("number", "number", "number", "comma"))
    with_index, with_year = rng.random() < 0.4, rng.random() < 0.3
    header = ["STT", pick_label(rng, column_labels("index_scores", "province")[:3])]
    header += ["Bộ chỉ số"] if with_index else []
    header += ["Năm"] if with_year else []
    header += [rng.choice(("Tổng điểm", "Điểm", "Điểm đạt được", "Kết quả")), rng.choice(("Xếp hạng", "Thứ hạng"))]
    rows = []
    for number, i in enumerate(order, start=1):
        row: list[object] = [number, names[i]]
        row += [rng.choice(("PAR", "PAR INDEX", "Chỉ số CCHC"))] if with_index else []
        row += [year] if with_year else []
        rows.append(row + [_score_text(data.scores[i], score_style), data.ranks[i]])
    _index_row_faults(rng, fault, rows)
    titles = [
        "BỘ NỘI VỤ",
        f"KẾT QUẢ CHỈ SỐ CẢI CÁCH HÀNH CHÍNH NĂM {year} CỦA CÁC TỈNH, THÀNH PHỐ TRỰC THUỘC TRUNG ƯƠNG",
    ]
    path = ctx.claim(job.kind, f"{NATIONAL}_{year}_par.xlsx")
    write_table(path, job.fmt, Table(header=header, rows=rows, title_lines=titles), creation_time(job.period))
    return finalise(ctx, job, path, NATIONAL, fault)


def _index_row_faults(rng: random.Random, fault: str | None, rows: list[list[object]]) -> None:
    if fault == "unknown_province":
        row = list(rng.choice(rows))
        row[1] = UNKNOWN_PROVINCE_NAME
        row[0] = len(rows) + 1
        rows.append(row)
    elif fault == "bad_number":
        row = rng.choice(rows)
        if rng.random() < 0.5:
            row[-1] = rng.choice(("12,5", "-3", "n/a"))
        else:
            row[-2] = "n/a"


def emit_par_components(ctx: Context, job: Job) -> list[GeneratedFile]:
    year = job.period.year
    rng = ctx.rng(job.key)
    fault = ctx.draw_fault(job, _index_faults(job))
    data = _index_table(ctx, year, "PAR")
    fields = par_fields(year)
    names = _spell_rows(rng, data.units)
    if fault == "old_name_after_merger":
        _rename_to_old(rng, data.units, names)
    point = rng.random() < 0.3
    header = [
        pick_label(rng, column_labels("index_scores", "province")[:3]),
        rng.choice(("Lĩnh vực", "Thành phần", "Nội dung")),
        rng.choice(("Điểm đạt được", "Điểm")),
        "Điểm tối đa",
    ]
    rows: list[list[object]] = []
    for unit, name, total in zip(data.units, names, data.scores, strict=True):
        parts = split_total(ctx.rng("par-split", unit.code, year), total, fields)
        for f, score in zip(fields, parts, strict=True):
            printed = "" if f.printed_max is None else _score_text(f.printed_max, "point" if point else "comma")
            rows.append([name, f.name, _score_text(score, "point" if point else "comma"), printed])
    if fault == "unknown_province":
        rows.append([UNKNOWN_PROVINCE_NAME, fields[0].name, "8,5", rows[0][3]])
    elif fault == "bad_number":
        rng.choice(rows)[2] = "n/a"
    path = ctx.claim(job.kind, f"{NATIONAL}_{year}_par_thanh_phan.csv")
    table = Table(header=header, rows=rows, delimiter=";" if not point else ",")
    write_table(path, job.fmt, table, creation_time(job.period))
    return finalise(ctx, job, path, NATIONAL, fault)


def emit_sipas(ctx: Context, job: Job) -> list[GeneratedFile]:
    year = job.period.year
    rng = ctx.rng(job.key)
    fault = ctx.draw_fault(job, _index_faults(job))
    data = _index_table(ctx, year, "SIPAS")
    names = _spell_rows(rng, data.units)
    if fault == "old_name_after_merger":
        _rename_to_old(rng, data.units, names)
    style = rng.choice(("comma", "percent", "point"))
    with_index = rng.random() < 0.4
    header = ["STT", pick_label(rng, column_labels("index_scores", "province")[:3])]
    header += ["Chỉ số"] if with_index else []
    header += [rng.choice(("Kết quả (%)", "Giá trị chỉ số (%)", "Điểm")), rng.choice(("Xếp hạng", "Thứ hạng", "Hạng"))]
    rows = []
    for number, i in enumerate(sorted(range(len(names)), key=lambda k: (data.ranks[k], data.units[k].code)), 1):
        row: list[object] = [number, names[i]]
        row += [rng.choice(("SIPAS", "Chỉ số hài lòng"))] if with_index else []
        rows.append(row + [_score_text(data.scores[i], style, percent=True), data.ranks[i]])
    _index_row_faults(rng, fault, rows)
    path = ctx.claim(job.kind, f"{NATIONAL}_{year}_sipas.csv")
    write_table(path, job.fmt, Table(header=header, rows=rows), creation_time(job.period))
    return finalise(ctx, job, path, NATIONAL, fault)


def emit_par_self(ctx: Context, job: Job) -> list[GeneratedFile]:
    unit, year = job.place, job.period.year
    rng = ctx.rng(job.key)
    fault = ctx.draw_fault(job, _index_faults(job))
    data = _index_table(ctx, year, "PAR")
    total = data.scores[[u.code for u in data.units].index(unit.code)]
    fields = par_fields(year)
    parts = split_total(ctx.rng("par-split", unit.code, year), total, fields)
    # The province is repeated in every row (as well as in the file name): the kind requires it.
    code = UNKNOWN_PROVINCE_CODE if fault == "unknown_province" else unit.code
    province = UNKNOWN_PROVINCE_NAME if fault == "unknown_province" else province_spelling(unit, "official", rng)
    header = [
        "STT",
        pick_label(rng, column_labels("index_scores", "province")[:3]),
        rng.choice(("Lĩnh vực", "Nội dung")),
    ]
    header += ["Điểm tối đa", "Điểm tự đánh giá", "Điểm đạt được"]
    rows: list[list[object]] = []
    for number, (f, score) in enumerate(zip(fields, parts, strict=True), start=1):
        self_score = min(f.weight, score + rng.uniform(0, 1.2))
        printed_max = "" if f.printed_max is None else vn_number(f.printed_max)
        rows.append([number, province, f.name, printed_max, vn_number(round2(self_score)), vn_number(score)])
    if fault == "bad_number":
        rng.choice(rows)[4] = "n/a"
    path = ctx.claim(job.kind, f"{code}_{year}_par_tu_danh_gia.csv")
    titles = [f"BÁO CÁO TỰ ĐÁNH GIÁ, CHẤM ĐIỂM CHỈ SỐ CẢI CÁCH HÀNH CHÍNH NĂM {year}", unit.official_name.upper()]
    table = Table(header=header, rows=rows, title_lines=titles if rng.random() < 0.3 else ())
    write_table(path, job.fmt, table, creation_time(job.period))
    return finalise(ctx, job, path, code, fault)
