"""Years a current unit's code still meant a pre-merger unit, marked with * on its page."""

from __future__ import annotations

from collections.abc import Iterable

from markupsafe import Markup

from .data import Marts
from .links import piece


def former_years(marts: Marts, code: str, years: Iterable[int]) -> dict[int, str]:
    """Years whose figures under ``code`` belong to a pre-merger unit (for a current unit's page)."""
    if marts.current(code) is None:
        return {}
    notes = {}
    for year in years:
        version = marts.version_in_year(code, year)
        if version is not None and not version.is_current:
            notes[year] = f"{version.name} ({code})"
    return notes


def year_label(year: int, former: dict[int, str]) -> str:
    return f"{year}*" if year in former else str(year)


def former_note(former: dict[int, str]) -> Markup | str:
    if not former:
        return ""
    note: Markup = piece("former_note")(", ".join(sorted(set(former.values()))))
    return note
