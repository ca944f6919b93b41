"""Which files one call writes (kinds, provinces, periods, formats), and the call itself."""

from __future__ import annotations

from collections.abc import Callable, Collection, Sequence
from pathlib import Path

from reform_etl.kinds import KINDS

from .common import FIRST_YEAR, LAST_YEAR, GeneratedFile, GenerationSummary, apportion
from .context import Context, Job, date_deliveries
from .dossier_summary import emit_dossier_summary
from .dossiers import MONTH_WEIGHTS, emit_dossiers
from .formats import FORMAT_WEIGHTS, format_deck
from .geography import Geography, Unit, half_year, load_geography, month_period, units_for, year_period
from .index_scores import emit_par, emit_par_components, emit_par_self, emit_sipas
from .online_service_summary import emit_online_summary
from .online_services import emit_online_services, sends_catalogue


def _selected_codes(geo: Geography, provinces: int | None) -> list[str]:
    codes = geo.new_codes
    if provinces is None:
        return codes
    if provinces < 1:
        raise ValueError("provinces must be at least 1 (or None for all 34)")
    return codes[:provinces]


def _plan_dossier_summary(selected: Sequence[str], years: Sequence[int], geo: Geography) -> list[Job]:
    jobs = []
    for year in years:
        for half in (1, 2):
            period = half_year(year, half)
            jobs += [Job("dossier_summary", period, u) for u in units_for(period, selected, geo)]
    return jobs


def _plan_dossiers(ctx: Context, selected: Sequence[str], years: Sequence[int], dossier_rows: int) -> list[Job]:
    if dossier_rows <= 0:
        return []
    year = max(years)
    count = min(len(selected), max(3, dossier_rows // 250_000))
    picks = sorted({selected[round(i * (len(selected) - 1) / max(1, count - 1))] for i in range(count)})
    months = [month_period(year, m) for m in range(1, 13)]
    slots = [(code, p) for code in picks for p in months]
    per_slot = apportion(ctx.rng("dossier-rows"), dossier_rows, [MONTH_WEIGHTS[p.start.month - 1] for _, p in slots])
    jobs = []
    for (code, period), rows in zip(slots, per_slot, strict=True):
        units = units_for(period, [code], ctx.geo)
        shares = apportion(ctx.rng("dossier-split", code, period.label), rows, [ctx.size(u) for u in units])
        jobs += [Job("dossiers", period, u, rows=n) for u, n in zip(units, shares, strict=True) if n > 0]
    return jobs


def _catalogue_senders(ctx: Context, units: Sequence[Unit], year: int) -> dict[str, bool]:
    sends = {u.code: sends_catalogue(ctx, u, year) for u in units}
    if len(units) >= 2 and len(set(sends.values())) == 1:
        # Even a small sample should hold both a catalogue and a summary.
        odd_one = max(units, key=lambda u: ctx.rng("online-odd", u.code, year).random())
        sends[odd_one.code] = not sends[odd_one.code]
    return sends


def _plan_online(ctx: Context, kind: str, selected: Sequence[str], years: Sequence[int]) -> list[Job]:
    want_catalogue = kind == "online_services"
    jobs = []
    for year in years:
        period = year_period(year)
        units = units_for(period, selected, ctx.geo)
        sends = _catalogue_senders(ctx, units, year)
        jobs += [Job(kind, period, u) for u in units if sends[u.code] == want_catalogue]
    return jobs


def _plan_index(ctx: Context, selected: Sequence[str], years: Sequence[int]) -> list[Job]:
    jobs = []
    for year in years:
        period = year_period(year)
        jobs += [
            Job("index_scores", period, None, "par", "xlsx-report"),
            Job("index_scores", period, None, "par_components", "csv-utf8-bom"),
            Job("index_scores", period, None, "sipas", "csv-utf8-nfd" if year % 3 == 0 else "csv-utf8-bom"),
        ]
        units = units_for(period, selected, ctx.geo)
        reporting = [u for u in units if ctx.rng("par-self", u.code, year).random() < 0.12] or units[:1]
        jobs += [Job("index_scores", period, u, "par_self", "csv-utf8-bom") for u in reporting]
    return jobs


_EMITTERS: dict[str, Callable[[Context, Job], list[GeneratedFile]]] = {
    "dossier_summary": emit_dossier_summary,
    "dossiers": emit_dossiers,
    "online_services": emit_online_services,
    "online_service_summary": emit_online_summary,
    "par": emit_par,
    "par_components": emit_par_components,
    "sipas": emit_sipas,
    "par_self": emit_par_self,
}


def _plan(
    ctx: Context, kinds: Collection[str], selected: Sequence[str], years: Sequence[int], dossier_rows: int
) -> list[Job]:
    jobs: list[Job] = []
    for kind in KINDS:
        if kind not in kinds:
            continue
        if kind == "dossier_summary":
            planned = _plan_dossier_summary(selected, years, ctx.geo)
        elif kind == "dossiers":
            planned = _plan_dossiers(ctx, selected, years, dossier_rows)
        elif kind == "index_scores":
            planned = _plan_index(ctx, selected, years)
        else:
            planned = _plan_online(ctx, kind, selected, years)
        if kind in FORMAT_WEIGHTS:
            deck = format_deck(ctx.rng("formats", kind), FORMAT_WEIGHTS[kind], len(planned))
            for job, fmt in zip(planned, deck, strict=True):
                job.fmt = fmt
        jobs += planned
    return jobs


def _check_arguments(years: Sequence[int], fault_rate: float, kinds: Collection[str] | None) -> list[str]:
    if not years:
        raise ValueError("years must name at least one year")
    bad_years = [y for y in years if not FIRST_YEAR <= y <= LAST_YEAR]
    if bad_years:
        raise ValueError(f"years must be within {FIRST_YEAR}-{LAST_YEAR}, got {bad_years}")
    if not 0 <= fault_rate <= 1:
        raise ValueError(f"fault_rate must be between 0 and 1, got {fault_rate}")
    wanted = set(KINDS) if kinds is None else set(kinds)
    unknown = sorted(wanted - set(KINDS))
    if unknown:
        raise ValueError(f"unknown kinds {unknown}; known: {', '.join(KINDS)}")
    return [k for k in KINDS if k in wanted]  # contract order, so the manifest does not depend on set order


def generate(
    out_dir: Path,
    *,
    provinces: int | None = None,
    years: Sequence[int] = (2024, 2025),
    dossier_rows: int = 2000,
    fault_rate: float = 0.1,
    seed: int = 42,
    kinds: Collection[str] | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> GenerationSummary:
    """Write sample exports under ``out_dir/<kind>/`` and ``out_dir/_manifest.json``.

    ``provinces`` keeps the first N of the 34 current units (by code) and, for periods
    before 2025-07-01, the 63-list units they were formed from. ``dossier_rows`` is the
    approximate total of record-level rows (months of the last year, a few provinces).
    Each file gets one injected fault with probability ``fault_rate`` (see ``FAULTS``).
    Existing files of the same names are overwritten; others are left alone.
    """
    out_dir = Path(out_dir)
    years = sorted(set(years))
    chosen = _check_arguments(years, fault_rate, kinds)
    geo = load_geography()
    ctx = Context(out_dir=out_dir, seed=seed, fault_rate=fault_rate, geo=geo)
    selected = _selected_codes(geo, provinces)
    jobs = _plan(ctx, chosen, selected, years, dossier_rows)
    files: list[GeneratedFile] = []
    for done, job in enumerate(jobs, start=1):
        emitted = _EMITTERS[job.variant or job.kind](ctx, job)
        date_deliveries(emitted, job.period)
        files += emitted
        if progress is not None:
            progress(done, len(jobs))
    parameters: dict[str, object] = {
        "provinces": provinces,
        "years": list(years),
        "dossier_rows": dossier_rows,
        "fault_rate": fault_rate,
        "seed": seed,
        "kinds": chosen,
    }
    summary = GenerationSummary(out_dir=out_dir, files=files, parameters=parameters)
    out_dir.mkdir(parents=True, exist_ok=True)
    summary.write_manifest()
    return summary
