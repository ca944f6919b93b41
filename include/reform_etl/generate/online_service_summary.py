"""``online_service_summary`` exports: one row of online-service counts for a province and year."""

from __future__ import annotations

import random

from reform_etl.writers import vn_number

from .common import GeneratedFile, column_labels, percent_of, pick_label, round2
from .context import Context, Job, creation_time
from .dossier_summary import ONLINE_SHARE
from .faults import bad_number_text, choose_naming, export_file_name, finalise
from .formats import Table, write_table
from .geography import Period, Unit
from .online_services import FULL_SHARE, PARTIAL_SHARE


def emit_online_summary(ctx: Context, job: Job) -> list[GeneratedFile]:
    unit, period = job.place, job.period
    rng = ctx.rng(job.key)
    faults = ["wrong_printed_rate", "unknown_province", "bad_number", "duplicate_delivery"]
    if job.fmt in ("xlsx", "json"):
        faults.append("truncated")
    fault = ctx.draw_fault(job, faults)
    naming = choose_naming(ctx, job, rng, fault, neutral_share=0.1, content_share=0.2)
    values = _online_summary_values(ctx, rng, unit, period)
    optional = {
        "procedures_full_online": rng.random() < 0.7,
        "procedures_partial_online": None,
        "procedures_on_national_portal": rng.random() < 0.6,
        "dossiers_total": rng.random() < 0.7,
        "dossiers_online": None,
        "reported_coverage_rate": rng.random() < 0.6 or fault == "wrong_printed_rate",
        "reported_online_dossier_rate": None,
    }
    optional["procedures_partial_online"] = optional["procedures_full_online"]
    optional["dossiers_online"] = optional["dossiers_total"]
    optional["reported_online_dossier_rate"] = optional["dossiers_total"] and rng.random() < 0.7
    names = ["procedures_total", "procedures_online"] + [n for n, on in optional.items() if on]
    if fault == "wrong_printed_rate":
        off = rng.uniform(2, 10)
        rate = values["reported_coverage_rate"]
        if not isinstance(rate, int | float):
            raise TypeError(f"{job.key}: the coverage rate is {rate!r}, not a number")
        values["reported_coverage_rate"] = round2(rate - off if rate + off > 100 else rate + off)
    snake = job.fmt == "json" and rng.random() < 0.4
    header: list[str] = []
    row: list[object] = []
    if naming.content_province is not None:
        header += ["province", "year"] if snake else [pick_label(rng, column_labels(job.kind, "province")[:3]), "Năm"]
        row += [naming.content_province, period.year]
    legacy = period.year <= 2022 and rng.random() < 0.5
    count_style = rng.choice(("plain", "dot"))
    count_cells = []
    for name in names:
        if not name.startswith("reported_"):
            count_cells.append(len(row))
        header.append(name if snake else _online_summary_label(rng, name, legacy))
        row.append(_online_summary_cell(values[name], job.fmt, count_style))
    if fault == "bad_number":
        row[rng.choice(count_cells)] = bad_number_text(rng, False)
    title = [f"TỔNG HỢP TÌNH HÌNH CUNG CẤP DỊCH VỤ CÔNG TRỰC TUYẾN {period.text().upper()}"]
    table = Table(
        header=header,
        rows=[row],
        title_lines=title if rng.random() < 0.3 else (),
        json_wrapper=rng.choice((None, "data", "items")),
    )
    fmt = job.fmt
    if table.title_lines and fmt == "xlsx":
        fmt = job.fmt = "xlsx-report"
    suffixes = ("_tong_hop_dvctt", "_dvc_truc_tuyen", "")
    path = ctx.claim(job.kind, export_file_name(naming, job, rng, suffixes, "tong_hop_dvc_truc_tuyen"))
    write_table(path, fmt, table, creation_time(period))
    return finalise(ctx, job, path, naming.province_code, fault)


def _online_summary_label(rng: random.Random, name: str, legacy: bool) -> str:
    labels = column_labels("online_service_summary", name)
    # Counts by level ("DVC trực tuyến mức độ 3, 4") head summaries written before 2022 only.
    by_level = [x for x in labels if "mức" in x.lower()]
    if legacy and by_level:
        return rng.choice(by_level)
    label = pick_label(rng, [x for x in labels if x not in by_level])
    return label + " (%)" if name.startswith("reported_") and rng.random() < 0.6 else label


def _online_summary_cell(value: object, fmt: str, count_style: str) -> object:
    if fmt == "json" or fmt.startswith("xlsx"):
        return value
    if isinstance(value, float):
        return vn_number(value)
    if isinstance(value, int):
        return vn_number(value, count_style)
    return value


def _online_summary_values(ctx: Context, rng: random.Random, unit: Unit, period: Period) -> dict[str, object]:
    total = rng.randint(1350, 2100) if not unit.merged else rng.randint(1600, 2300)
    full = round(total * FULL_SHARE[period.year] * rng.uniform(0.8, 1.2))
    partial = min(total - full, round(total * PARTIAL_SHARE[period.year] * rng.uniform(0.8, 1.2)))
    online = full + partial
    dossiers = round((150_000 + 2_500_000 * ctx.size(unit)) * rng.uniform(0.85, 1.15))
    dossiers_online = round(dossiers * min(0.95, ONLINE_SHARE[period.year] * rng.uniform(0.8, 1.2)))
    return {
        "procedures_total": total,
        "procedures_online": online,
        "procedures_full_online": full,
        "procedures_partial_online": partial,
        "procedures_on_national_portal": round(online * rng.uniform(0.7, 0.98)),
        "dossiers_total": dossiers,
        "dossiers_online": dossiers_online,
        "reported_coverage_rate": percent_of(online, total),
        "reported_online_dossier_rate": percent_of(dossiers_online, dossiers),
    }
