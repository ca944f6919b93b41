"""Pieces every scorecard page shares: links to province pages, region labels, figure cards."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime

from markupsafe import Markup

from ..dq_report.html import Raw, both
from ..dq_report.html import cards as card_row
from ..dq_report.templating import environment
from . import charts
from .data import Marts
from .labels import REGION_EN, REGION_SHORT


def piece(name: str) -> Callable[..., Markup]:
    """A macro of ``templates/pieces.html``: the scorecard's small pieces of markup."""
    found: Callable[..., Markup] = getattr(environment("dashboard").get_template("pieces.html").module, name)
    return found


def stamp(generated: datetime | None) -> str:
    return generated.strftime("%d/%m/%Y %H:%M") if generated else ""


def province_href(code: str, depth: int = 0) -> str:
    return f"{'../' * depth}province/{code}.html"


def province_link(marts: Marts, code: str, *, depth: int = 0, year: int | None = None) -> Markup:
    found: Markup = piece("province_link")(province_href(code, depth), marts.label(code, year=year))
    return found


def region_label(marts: Marts, code: str | None, *, short: bool = False) -> Markup | str:
    if not code:
        return "–"
    if short and code in REGION_SHORT:
        vi, en = REGION_SHORT[code]
    else:
        vi = marts.regions.get(code, code)
        en = REGION_EN.get(code, vi)
    full = both(marts.regions.get(code, code), REGION_EN.get(code, code))
    found: Markup = piece("region_label")(full, charts.region_colour(code), vi, en)
    return found


def figure_cards(items: Sequence[tuple[str, str, str]]) -> str:
    # The values here are already markup (formatted figures, escaped names).
    return card_row([(label, Raw(value), extra) for label, value, extra in items])
