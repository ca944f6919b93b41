"""Who reports for a period (the 63 units before the 2025 merger, the 34 after) and how they are spelled."""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache

from reform_etl.folding import fold_vietnamese

from .common import MERGER_DATE, read_reference, slugify


@dataclass(frozen=True)
class Unit:
    """A province as it existed in some period: one of the 63 before 2025-07-01, or of the 34."""

    code: str
    name: str
    official_name: str
    is_city: bool
    aliases: tuple[str, ...]
    successor_code: str
    constituents: tuple[str, ...]  # codes of the 63 units it covers (its own code for a 63 unit)
    constituent_names: tuple[str, ...]

    @property
    def merged(self) -> bool:
        return len(self.constituents) > 1


@dataclass(frozen=True)
class Geography:
    old_rows: dict[str, dict[str, str]]
    new_rows: dict[str, dict[str, str]]
    successor: dict[str, str]

    @property
    def new_codes(self) -> list[str]:
        return sorted(self.new_rows)


@lru_cache(maxsize=1)
def load_geography() -> Geography:
    old = {r["code"]: r for r in read_reference("provinces_63.csv")}
    new = {r["new_code"]: r for r in read_reference("provinces_34.csv")}
    successor = {r["old_code"]: r["new_code"] for r in read_reference("merger_2025.csv")}
    return Geography(old, new, successor)


def _aliases(raw: str) -> tuple[str, ...]:
    return tuple(a.strip() for a in raw.split(";") if a.strip())


def _old_unit(geo: Geography, code: str, year: int) -> Unit:
    row = geo.old_rows[code]
    # Huế became a centrally-run city on 2025-01-01; reports up to 2024 say 'Thừa Thiên Huế'.
    before_2025 = year <= 2024
    name = row["name_2019_2024"] if before_2025 else row["name"]
    unit_type = row["type_2019_2024"] if before_2025 else row["type"]
    is_city = unit_type.startswith("thành phố")
    official = ("Thành phố " if is_city else "Tỉnh ") + name.removeprefix("TP ")
    if not before_2025 or name == row["name"]:
        official = row["official_name_gso"]
    return Unit(code, name, official, is_city, _aliases(row["aliases"]), geo.successor[code], (code,), (name,))


def _new_unit(geo: Geography, code: str) -> Unit:
    row = geo.new_rows[code]
    old_codes = tuple(row["old_codes"].split(";"))
    # Aliases come from the constituent that gave its name (Gia Lai 52 takes old Gia Lai 64's),
    # minus the pre-2025 spellings of Huế, which would now read as an old name.
    namesake = next((c for c in old_codes if geo.old_rows[c]["name"] == row["new_name"]), code)
    aliases = tuple(a for a in _aliases(geo.old_rows[namesake]["aliases"]) if "Thừa" not in a and "Thua" not in a)
    return Unit(
        code,
        row["new_name"],
        row["official_name"],
        row["type"].startswith("thành phố"),
        aliases,
        code,
        old_codes,
        tuple(row["old_names"].split(";")),
    )


# --------------------------------------------------------------------------- periods


@dataclass(frozen=True)
class Period:
    label: str
    start: dt.date
    end: dt.date

    @property
    def year(self) -> int:
        return self.start.year

    @property
    def post_merger(self) -> bool:
        """Starts on/after 2025-07-01: no district level any more."""
        return self.start >= MERGER_DATE

    @property
    def under_34_units(self) -> bool:
        # A period that ends after the merger (2025-H2, a month from July, the year 2025) is
        # reported by the 34 units that exist when the report is made.
        return self.end >= MERGER_DATE

    def text(self) -> str:
        """How a report title names the period."""
        if self.label.endswith("-H1"):
            return f"6 tháng đầu năm {self.year}"
        if self.label.endswith("-H2"):
            return f"6 tháng cuối năm {self.year}"
        if len(self.label) == 7:
            return f"tháng {self.start.month} năm {self.year}"
        return f"năm {self.year}"

    def slug(self) -> str:
        return slugify(self.text())


def half_year(year: int, half: int) -> Period:
    if half == 1:
        return Period(f"{year}-H1", dt.date(year, 1, 1), dt.date(year, 6, 30))
    return Period(f"{year}-H2", dt.date(year, 7, 1), dt.date(year, 12, 31))


def month_period(year: int, month: int) -> Period:
    following = dt.date(year + (month == 12), month % 12 + 1, 1)
    return Period(f"{year}-{month:02d}", dt.date(year, month, 1), following - dt.timedelta(days=1))


def year_period(year: int) -> Period:
    return Period(str(year), dt.date(year, 1, 1), dt.date(year, 12, 31))


def units_for(period: Period, selected_new: Sequence[str], geo: Geography | None = None) -> list[Unit]:
    """The units that report for ``period``, limited to the selected current units."""
    geo = geo or load_geography()
    wanted = set(selected_new)
    if period.under_34_units:
        return [_new_unit(geo, c) for c in sorted(wanted)]
    old_codes = sorted(c for c, new in geo.successor.items() if new in wanted)
    return [_old_unit(geo, c, period.year) for c in old_codes]


def province_spelling(unit: Unit, style: str, rng: random.Random) -> str:
    """One of the ways reports write a province: plain, official, 'TP.', no diacritics, alias."""
    plain = unit.name.removeprefix("TP ")
    if style == "official":
        return unit.official_name
    if style == "short":
        return f"TP. {plain}" if unit.is_city else plain
    if style == "prefixed":
        return f"TP {plain}" if unit.is_city else f"Tỉnh {plain}"
    if style == "ascii":
        return fold_vietnamese(unit.name)
    if style == "alias" and unit.aliases:
        return rng.choice(unit.aliases)
    if style == "code":
        return unit.code
    return unit.name


SPELLING_STYLES = ("name", "name", "official", "short", "prefixed", "ascii", "alias")
