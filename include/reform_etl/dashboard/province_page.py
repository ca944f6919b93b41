"""One province's page (province/<code>.html): its latest figures, then each section in turn."""

from __future__ import annotations

from datetime import datetime

from markupsafe import Markup

from ..dq_report.html import built, esc, t
from ..dq_report.templating import render
from . import charts
from .charts import no_data, pct
from .data import Marts
from .index_section import index_section
from .labels import PROVINCE_TYPES
from .links import figure_cards, piece, province_link, region_label, stamp
from .merger_section import merger_section
from .province_series import dossier_section, online_section


def _gap(value: float | None, target: float | None) -> Markup | str:
    if value is None:
        return ""
    goal = f" {target:g}%" if target is not None else ""
    gap: Markup = piece("gap")(
        "gap-ok" if value >= 0 else "gap-short", f"so với mục tiêu{goal}", f"vs the{goal} target", f"{value:+.1f}"
    )
    return gap


def province_cards(marts: Marts, code: str) -> str:
    rows = [r for r in marts.scorecard if r.get("province_code") == code and r.get("year") is not None]
    if not rows:
        return no_data("marts.rpt_province_scorecard")
    r = max(rows, key=lambda r: r["year"])
    year = r["year"]

    def rank(prefix: str) -> str:
        if r.get(f"{prefix}_rank") is None:
            return ""
        return f"{t('hạng', 'rank')} {r[f'{prefix}_rank']}/{esc(r.get(f'{prefix}_provinces_ranked'))}"

    cards = [
        (t(f"PAR INDEX {year}", f"PAR INDEX {year}"), charts.fmt(r.get("par_score")), rank("par")),
        (t(f"SIPAS {year}", f"SIPAS {year}"), charts.fmt(r.get("sipas_score")), rank("sipas")),
        (t(f"Hồ sơ đúng hạn {year}", f"Dossiers on time {year}"), pct(r.get("on_time_rate")), ""),
        (
            t(f"Hồ sơ trực tuyến {year}", f"Online dossiers {year}"),
            pct(r.get("online_dossier_rate")),
            _gap(r.get("gap_online_dossiers"), r.get("target_online_dossiers")),
        ),
        (
            t(f"TTHC trực tuyến {year}", f"Procedures online {year}"),
            pct(r.get("coverage_rate")),
            _gap(r.get("gap_online_procedures"), r.get("target_online_procedures")),
        ),
    ]
    return figure_cards(cards)


def province_page(marts: Marts, code: str, *, generated: datetime | None = None, dq_link: bool = False) -> str:
    unit = marts.current(code)
    versions = marts.versions_of(code)
    latest = unit or (versions[-1] if versions else None)
    name = latest.name if latest else marts.name(code)
    region = latest.region_code if latest else marts.region_of(code)
    successor = marts.successor_of(code)
    kind = latest.type if latest and latest.type else None
    title_vi = f"{name} ({code})" + (" — trước 07/2025" if successor else "")
    title_en = f"{name} ({code})" + (" — before 07/2025" if successor else "")
    return render(
        "dashboard",
        "province.html",
        title_vi=title_vi,
        title_en=title_en,
        up="../",
        stamp=stamp(generated),
        dq_link=dq_link,
        code=code,
        kind=(kind, PROVINCE_TYPES.get(kind.lower(), kind)) if kind else None,
        region=region_label(marts, region) if region else None,
        successor=province_link(marts, successor, depth=1) if successor else None,
        formed_by_merger=not successor and bool(marts.predecessors(code)),
        cards=built(province_cards(marts, code)),
        merger=built(merger_section(marts, code)),
        index=built(index_section(marts, code)),
        dossiers=built(dossier_section(marts, code)),
        online=built(online_section(marts, code)),
    )
