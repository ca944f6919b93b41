"""Province codes and names, before and after the 2025-07-01 merger (63 -> 34 units).

Matching is an exact lookup of a folded key (no diacritics, no case, no punctuation):
never a fuzzy guess, because a near miss such as 'Hà Nam' for 'Hà Nội' would silently
load one province's data under another.
"""

from __future__ import annotations

import csv
import functools
import re
import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path

from reform_etl.values import ValueProblem, fold, is_blank, quote, unwrap_scalar

__all__ = ["MERGER_DATE", "ProvinceMatch", "ProvinceResolver", "UnknownProvince"]

MERGER_DATE = date(2025, 7, 1)
_REFERENCE = Path(__file__).parent / "reference"

# Spellings seen in provincial reports that the reference CSVs do not list. Variants
# that differ only in tone marks, case, spacing or hyphens need no entry: folding
# already makes them equal.
_EXTRA_ALIASES: dict[str, tuple[str, ...]] = {
    "01": ("Hà Nội",),
    "06": ("Bắc Cạn",),
    "31": ("Haiphong",),
    "46": ("Thừa Thiên-Huế", "Thừa Thiên Huế"),
    "48": ("Danang",),
    "66": ("Đắk Lắc", "Đắc Lắk", "Daklak"),
    "67": ("Đắc Nông", "Daknong"),
    "79": ("HCM", "HCMC", "TP HCM", "Hồ Chí Minh", "Ho Chi Minh"),
    "92": ("Cantho",),
}
_NATIONAL = frozenset({"vn", "vietnam", "toanquoc", "canuoc", "national", "nationwide"})
# Administrative prefixes, written in full, abbreviated, with or without tone marks.
_PREFIX = re.compile(r"^(?:t[iỉ]nh|th[aà]nh\s*ph[oố]|tp|t\s*\.)[\s.]*", re.IGNORECASE)
_SUFFIXES = ("city", "province")
_CODE = re.compile(r"\d{1,2}")


@dataclass(frozen=True)
class ProvinceMatch:
    code: str  # GSO 2-digit code of the unit valid on the date asked for
    name: str  # that unit's name
    warning: str | None = None  # set when an old name/code was mapped to its 2025 successor


class UnknownProvince(ValueProblem):
    """A province value that names none of the 63 (pre-2025) or 34 (2025) units."""


def _read_csv(name: str) -> list[dict[str, str]]:
    with (_REFERENCE / name).open(encoding="utf-8-sig", newline="") as handle:
        return list(csv.DictReader(handle))


def _split(cell: str | None) -> list[str]:
    return [part.strip() for part in (cell or "").split(";") if part.strip()]


def _key_table(spellings_by_code: Mapping[str, Iterable[str]], era: str) -> dict[str, str]:
    """Folded key -> code; two units sharing a key would make a lookup a guess, so it is refused."""
    table: dict[str, str] = {}
    for code, spellings in spellings_by_code.items():
        for spelling in spellings:
            key = fold(spelling)
            if not key:
                continue
            if table.setdefault(key, code) != code:
                raise ValueError(
                    f"reference data: the spelling {spelling!r} of province {code} folds to {key!r}, "
                    f"which already names province {table[key]} ({era})"
                )
    return table


class ProvinceResolver:
    """Resolves codes and names to the unit valid on a date; built from the reference CSVs."""

    def __init__(
        self,
        provinces_63: Iterable[Mapping[str, str]],
        provinces_34: Iterable[Mapping[str, str]],
        merger: Iterable[Mapping[str, str]],
    ) -> None:
        rows_63, rows_34 = list(provinces_63), list(provinces_34)
        self._old_names = {row["code"]: row["name"] for row in rows_63}
        self._new_names = {row["new_code"]: row["new_name"] for row in rows_34}
        self._successor = {row["old_code"]: row["new_code"] for row in merger}
        missing = set(self._old_names) - set(self._successor)
        if missing:
            raise ValueError(f"reference data: merger_2025.csv has no successor for the codes {sorted(missing)}")

        old_spellings: dict[str, list[str]] = {code: [] for code in self._old_names}
        for row in rows_63:
            old_spellings[row["code"]] += [row["name"], row["official_name_gso"], row["name_2019_2024"]]
            old_spellings[row["code"]] += _split(row.get("aliases"))
        for row in merger:
            old_spellings[row["old_code"]] += [row["old_name"], row["old_name_in_par_reports"]]
        for code, extra in _EXTRA_ALIASES.items():
            old_spellings[code] += extra

        # A 2025 unit is also called by every spelling of the old unit whose name it kept
        # (Huế keeps 'Thừa Thiên Huế', the new Lào Cai keeps 'Lào Cai').
        new_spellings: dict[str, list[str]] = {}
        for row in rows_34:
            namesake = [old for old, name in self._old_names.items() if fold(name) == fold(row["new_name"])]
            new_spellings[row["new_code"]] = [row["new_name"], row["official_name"]]
            for old in namesake:
                new_spellings[row["new_code"]] += old_spellings[old]

        self._old_keys = _key_table(old_spellings, "before 2025-07-01")
        self._new_keys = _key_table(new_spellings, "from 2025-07-01")

    @classmethod
    def default(cls) -> ProvinceResolver:
        """The resolver over the packaged reference CSVs, loaded once per process."""
        return _default_resolver()

    # --- public API -----------------------------------------------------------------

    def resolve(self, value: object, on: date | None = None) -> ProvinceMatch:
        """The unit ``value`` denotes for data whose period starts ``on``.

        Before the merger (or with no date) the 63-unit list applies. From 2025-07-01 a
        name or code of a unit that no longer exists is mapped to its successor, with
        a warning that says so.
        """
        value = unwrap_scalar(value)
        if is_blank(value):
            raise UnknownProvince("the province is empty; give a GSO code (e.g. 01) or a province name")
        if self.is_national(value):
            raise UnknownProvince(
                f"{quote(value)} means the whole country, not a province; national data goes in a file named VN_…"
            )
        after_merger = _after_merger(on)
        code = _as_code(value)
        if code is not None:
            return self._by_code(code, value, after_merger)
        if isinstance(value, str) and len(value) <= 200:
            return self._by_name(value, after_merger)
        raise self._unknown(value)

    def name_of(self, code: str, on: date | None = None) -> str:
        """Name of the unit with this GSO code on the date (63-unit list when ``on`` is None)."""
        normalised = _as_code(unwrap_scalar(code))
        names = self._new_names if _after_merger(on) else self._old_names
        if normalised is None or normalised not in names:
            when = "from 2025-07-01" if _after_merger(on) else "before 2025-07-01"
            raise UnknownProvince(f"{quote(code)} is not the GSO code of a province {when}")
        return names[normalised]

    def is_national(self, value: object) -> bool:
        """True for values that mean the whole country ('VN', 'Toàn quốc', 'Cả nước', 'Việt Nam')."""
        value = unwrap_scalar(value)
        return isinstance(value, str) and len(value) <= 100 and fold(value) in _NATIONAL

    # --- helpers --------------------------------------------------------------------

    def _by_code(self, code: str, raw: object, after_merger: bool) -> ProvinceMatch:
        if not after_merger:
            if code in self._old_names:
                return ProvinceMatch(code, self._old_names[code])
            raise self._unknown(raw)
        if code in self._new_names:
            return ProvinceMatch(code, self._new_names[code])
        if code in self._old_names:
            return self._successor_of(code, f"{quote(raw)} was the code of {self._old_names[code]}, which")
        raise self._unknown(raw)

    def _by_name(self, raw: str, after_merger: bool) -> ProvinceMatch:
        keys = _candidate_keys(raw)
        primary, secondary = (self._new_keys, self._old_keys) if after_merger else (self._old_keys, self._new_keys)
        # Every candidate is tried in the era's own list before the other one, so that a
        # stripped prefix never wins over an exact name of the right era.
        for table in (primary, secondary):
            for key in keys:
                if key not in table:
                    continue
                code = table[key]
                if table is self._new_keys:
                    return ProvinceMatch(code, self._new_names[code])
                if after_merger:
                    return self._successor_of(code, quote(raw))
                return ProvinceMatch(code, self._old_names[code])
        raise self._unknown(raw)

    def _successor_of(self, old_code: str, subject: str) -> ProvinceMatch:
        """The 2025 unit that absorbed ``old_code``; ``subject`` starts the warning sentence."""
        new_code = self._successor[old_code]
        new_name = self._new_names[new_code]
        warning = (
            f"{subject} was merged into {new_name} ({new_code}) on {MERGER_DATE.isoformat()}; loaded under {new_name}"
        )
        return ProvinceMatch(new_code, new_name, warning)

    @staticmethod
    def _unknown(raw: object) -> UnknownProvince:
        return UnknownProvince(
            f"unknown province {quote(raw)}: not a GSO code or a name of the 63 provinces "
            "before 2025-07-01 or the 34 from then"
        )


@functools.cache
def _default_resolver() -> ProvinceResolver:
    return ProvinceResolver(
        _read_csv("provinces_63.csv"),
        _read_csv("provinces_34.csv"),
        _read_csv("merger_2025.csv"),
    )


def _after_merger(on: date | None) -> bool:
    if on is None:
        return False
    day = on.date() if isinstance(on, datetime) else on  # datetime vs date cannot be compared
    return day >= MERGER_DATE


def _as_code(value: object) -> str | None:
    """'01' for 1, 1.0, '1' or '01'; None when the value is not code-shaped."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float | Decimal):
        try:
            if 0 < value < 100 and value == int(value):
                return f"{int(value):02d}"
        except (ArithmeticError, ValueError):  # NaN, infinities
            return None
        return None
    if isinstance(value, str):
        text = value.strip()
        if _CODE.fullmatch(text) and text.isascii():
            return f"{int(text):02d}"
    return None


def _candidate_keys(raw: str) -> list[str]:
    """Folded keys to try, most literal first: as written, without prefix, without suffix."""
    text = unicodedata.normalize("NFC", raw).strip()
    full = fold(text)
    stripped = fold(_PREFIX.sub("", text, count=1))
    keys = [full, stripped]
    for key in (full, stripped):
        for suffix in _SUFFIXES:
            if key.endswith(suffix) and len(key) > len(suffix):
                keys.append(key.removesuffix(suffix))
    return [key for key in dict.fromkeys(keys) if key]
