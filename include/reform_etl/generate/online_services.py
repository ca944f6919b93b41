"""``online_services`` exports: a province's catalogue of procedures and how far each is online."""

from __future__ import annotations

from .common import FIRST_YEAR, GeneratedFile, column_labels, pick_label
from .context import Context, Job, creation_time
from .faults import bad_number_text, choose_naming, export_file_name, finalise
from .formats import Table, write_table
from .geography import Period, Unit
from .procedures import LEVEL_LABELS, Procedure, procedures_for

FULL_SHARE = {2019: 0.08, 2020: 0.15, 2021: 0.24, 2022: 0.32, 2023: 0.4, 2024: 0.48, 2025: 0.56}
PARTIAL_SHARE = {2019: 0.25, 2020: 0.3, 2021: 0.33, 2022: 0.35, 2023: 0.33, 2024: 0.32, 2025: 0.3}


def online_mode_text(propensity: float, year: int, legacy: bool) -> tuple[str, str]:
    """(canonical mode, text as printed) for a procedure in a year."""
    full, partial = FULL_SHARE[year], PARTIAL_SHARE[year]
    mode = "toan_trinh" if propensity < full else ("mot_phan" if propensity < full + partial else "khong")
    if legacy:
        return mode, {"toan_trinh": "Mức độ 4", "mot_phan": "Mức độ 3", "khong": "Mức độ 2"}[mode]
    return mode, {"toan_trinh": "Toàn trình", "mot_phan": "Một phần", "khong": "Không"}[mode]


def sends_catalogue(ctx: Context, unit: Unit, year: int) -> bool:
    # Most provinces send their catalogue; about a quarter send only the counts, and a few
    # switch from one year to the next.
    usual = ctx.rng("online", unit.code).random() < 0.75
    flip = ctx.rng("online", unit.code, year).random() < 0.1
    return usual != flip


def _portal_text(integrated: bool, style: str) -> str:
    return {"co": ("có", "không"), "x": ("x", ""), "10": ("1", "0")}[style][0 if integrated else 1]


def emit_online_services(ctx: Context, job: Job) -> list[GeneratedFile]:
    unit, period = job.place, job.period
    rng = ctx.rng(job.key)
    faults = ["unknown_province", "bad_number", "duplicate_delivery"] + (["truncated"] if "xlsx" in job.fmt else [])
    fault = ctx.draw_fault(job, faults)
    naming = choose_naming(ctx, job, rng, fault, neutral_share=0.1, content_share=0.1)
    catalogue = _catalogue(ctx, unit, period)
    with_counts = rng.random() < 0.35 or fault == "bad_number"
    portal_style = rng.choice(("co", "co", "x", "10"))
    kind = job.kind
    header = ["STT"]
    if naming.content_province is not None:
        header += [pick_label(rng, column_labels(kind, "province")[:3]), "Năm"]
    header += [
        pick_label(rng, column_labels(kind, "procedure_code")),
        pick_label(rng, column_labels(kind, "procedure_name")[:3]),
        "Lĩnh vực",
        pick_label(rng, column_labels(kind, "level")[:4] + ("Cấp thẩm quyền",)),
        pick_label(rng, column_labels(kind, "online_mode")[:5]),
        pick_label(rng, column_labels(kind, "on_national_portal")),
    ]
    if with_counts:
        header += [
            pick_label(rng, column_labels(kind, "dossiers_total")),
            pick_label(rng, column_labels(kind, "dossiers_online")),
        ]
    rows = []
    for number, proc in enumerate(catalogue, start=1):
        mode, mode_text = online_mode_text(
            ctx.rng("mode", unit.code, proc.code).random(), period.year, period.year <= 2022
        )
        row: list[object] = [number]
        if naming.content_province is not None:
            row += [naming.content_province, period.year]
        row += [proc.code, proc.name, proc.field_name, LEVEL_LABELS[proc.level], mode_text]
        integrated = (mode != "khong" and rng.random() < 0.9) or rng.random() < 0.05
        row.append(_portal_text(integrated, portal_style))
        if with_counts:
            total = int(rng.paretovariate(1.3) * 20) - 20
            online = round(total * rng.uniform(0.3, 0.95)) if mode != "khong" else 0
            row += [total, online]
        rows.append(row)
    if fault == "bad_number":
        rng.choice(rows)[-2] = bad_number_text(rng, False)
    title = [f"DANH MỤC THỦ TỤC HÀNH CHÍNH VÀ MỨC ĐỘ CUNG CẤP DỊCH VỤ CÔNG TRỰC TUYẾN {period.text().upper()}"]
    table = Table(
        header=header,
        rows=rows,
        title_lines=title if job.fmt == "xlsx-report" else (),
        delimiter=rng.choice((",", ",", ";")),
    )
    suffixes = ("_danh_muc_tthc", "_danh_muc_dvc", "")
    path = ctx.claim(kind, export_file_name(naming, job, rng, suffixes, "danh_muc_tthc_dvc_truc_tuyen"))
    write_table(path, job.fmt, table, creation_time(period))
    return finalise(ctx, job, path, naming.province_code, fault)


def _catalogue(ctx: Context, unit: Unit, period: Period) -> list[Procedure]:
    """150-400 procedures, mostly the same ones from one year to the next."""
    pool = list(procedures_for(ctx.seed, period.under_34_units))
    order = ctx.rng("catalogue", unit.code)
    order.shuffle(pool)
    size = min(len(pool), order.randint(150, 330) + 10 * (period.year - FIRST_YEAR))
    chosen = pool[:size]
    return sorted(chosen, key=lambda p: (("tinh", "huyen", "xa").index(p.level), p.field_name, p.code))
