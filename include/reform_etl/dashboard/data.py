"""Reading the marts for the scorecard: read-only, one query per table, tolerant of gaps.

The dashboard is written by every run, also while a mart is still being built or after a
model changed shape. So every table is read through :func:`fetch`, which asks the catalogue
which of the wanted columns exist, selects only those (a missing one reads as ``None``) and
returns no rows for a table that is missing or cannot be read. A page then says "no data
yet" instead of the run failing. Numbers come back as ``float``, text NFC-normalised.
"""

from __future__ import annotations

import logging
import unicodedata
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any

import psycopg
from psycopg import sql
from psycopg.rows import dict_row

from ..completeness import province_name as reference_name

log = logging.getLogger(__name__)

SCHEMA = "marts"
MERGER_DATE = date(2025, 7, 1)
INDEXES = ("PAR", "SIPAS")

Row = dict[str, Any]

COLUMNS: dict[str, tuple[str, ...]] = {
    "dim_province": (
        "province_key",
        "province_code",
        "province_name",
        "province_type",
        "region_code",
        "region_name",
        "valid_from",
        "valid_to",
        "is_current",
        "successor_province_code",
    ),
    "dim_region": ("region_code", "region_name", "provinces_before_merger", "provinces_current"),
    "dim_index": (
        "index_component_key",
        "index_code",
        "index_name",
        "year",
        "component_code",
        "component_name",
        "component_type",
        "component_no",
        "max_score",
    ),
    "fct_index_scores": (
        "index_code",
        "year",
        "province_code",
        "province_key",
        "component_code",
        "component_label",
        "is_total",
        "index_component_key",
        "score",
        "max_score",
    ),
    "fct_province_rankings": (
        "index_code",
        "year",
        "province_code",
        "province_key",
        "region_code",
        "score",
        "rank",
        "provinces_ranked",
        "region_rank",
        "region_provinces_ranked",
        "previous_rank",
        "rank_change",
        "rank_change_basis",
        "published_rank",
        "rank_matches_published",
    ),
    "fct_online_service_coverage": (
        "province_code",
        "province_key",
        "period_label",
        "period_start",
        "source",
        "coverage_rate",
        "online_dossier_rate",
    ),
    "rpt_province_scorecard": (
        "province_code",
        "province_key",
        "province_name",
        "region_code",
        "year",
        "par_score",
        "par_rank",
        "par_provinces_ranked",
        "sipas_score",
        "sipas_rank",
        "sipas_provinces_ranked",
        "on_time_rate",
        "online_dossier_rate",
        "coverage_rate",
        "target_online_procedures",
        "gap_online_procedures",
        "target_online_dossiers",
        "gap_online_dossiers",
        "target_satisfaction",
        "gap_satisfaction",
    ),
    "rpt_region_summary": (
        "region_code",
        "year",
        "provinces",
        "median_par_score",
        "median_sipas_score",
        "median_on_time_rate",
        "median_online_dossier_rate",
        "median_coverage_rate",
        "best_par_province_code",
    ),
    "rpt_target_progress": (
        "province_code",
        "province_name",
        "year",
        "target_code",
        "target_name",
        "target_scope",
        "metric",
        "milestone_year",
        "is_current_milestone",
        "target_value",
        "actual",
        "gap",
        "met",
    ),
    "rpt_dossier_on_time": (
        "basis",
        "province_code",
        "province_key",
        "source",
        "period_label",
        "period_start",
        "level",
        "rows_summed",
        "received",
        "on_time_rate",
        "on_time_share",
        "contributing_codes",
        "is_complete",
    ),
    "rpt_restated_34": (
        "province_code",
        "province_name",
        "figure",
        "period_label",
        "period_start",
        "period_end",
        "year",
        "level",
        "source",
        "is_restated",
        "contributing_codes",
        "units_reporting",
        "units_expected",
        "is_complete",
        "received",
        "resolved_early",
        "resolved_on_time",
        "resolved_late",
        "on_time_rate",
        "procedures_total",
        "procedures_online",
        "coverage_rate",
        "dossiers_total",
        "dossiers_online",
        "online_dossier_rate",
    ),
}

# Only what the pages draw, so a large warehouse stays quick to read.
FILTERS: dict[str, sql.Composable] = {
    "fct_index_scores": sql.SQL("index_code in ('PAR', 'SIPAS')"),
    "fct_province_rankings": sql.SQL("index_code in ('PAR', 'SIPAS')"),
    "dim_index": sql.SQL("index_code in ('PAR', 'SIPAS')"),
}
FILTER_COLUMNS = {"fct_index_scores": "index_code", "fct_province_rankings": "index_code", "dim_index": "index_code"}


def _clean(value: Any) -> Any:
    if isinstance(value, Decimal):
        return float(value)
    if isinstance(value, str):
        return unicodedata.normalize("NFC", value)
    return value


def available_columns(conn: psycopg.Connection, schema: str = SCHEMA) -> dict[str, set[str]]:
    rows = conn.execute(
        "select table_name, column_name from information_schema.columns where table_schema = %s", (schema,)
    ).fetchall()
    found: dict[str, set[str]] = defaultdict(set)
    for table, column in rows:
        found[table].add(column)
    return found


def fetch(
    conn: psycopg.Connection,
    table: str,
    wanted: Sequence[str],
    present: dict[str, set[str]],
    *,
    missing: list[str] | None = None,
) -> list[Row]:
    """Every row of ``marts.<table>`` with the ``wanted`` columns (absent ones as None)."""
    have = present.get(table)
    if not have:
        if missing is not None:
            missing.append(table)
        return []
    columns = [c for c in wanted if c in have]
    if missing is not None:
        missing.extend(f"{table}.{c}" for c in wanted if c not in have)
    if not columns:
        return []
    query = sql.SQL("select {} from {}.{}").format(
        sql.SQL(", ").join(sql.Identifier(c) for c in columns), sql.Identifier(SCHEMA), sql.Identifier(table)
    )
    if table in FILTERS and FILTER_COLUMNS[table] in have:
        query = query + sql.SQL(" where ") + FILTERS[table]
    try:
        with conn.transaction(), conn.cursor(row_factory=dict_row) as cur:
            cur.execute(query)
            rows = cur.fetchall()
    except psycopg.Error as exc:  # a mart being rebuilt, a permission missing: show no data
        log.warning("scorecard: cannot read %s.%s: %s", SCHEMA, table, exc)
        if missing is not None:
            missing.append(table)
        return []
    return [{c: _clean(row.get(c)) for c in wanted} for row in rows]


@dataclass(frozen=True)
class Version:
    """One row of dim_province: a unit as it was between two dates."""

    key: int | str
    code: str
    name: str
    type: str | None
    region_code: str | None
    region_name: str | None
    valid_from: date | None
    valid_to: date | None
    successor: str | None

    @property
    def is_current(self) -> bool:
        return self.valid_to is None

    def valid_on(self, day: date) -> bool:
        return (self.valid_from is None or self.valid_from <= day) and (self.valid_to is None or day <= self.valid_to)


@dataclass
class Marts:
    """Everything the pages show, read once."""

    versions: list[Version] = field(default_factory=list)
    regions: dict[str, str] = field(default_factory=dict)  # code -> Vietnamese name
    components: dict[Any, Row] = field(default_factory=dict)  # index_component_key -> dim_index row
    scores: list[Row] = field(default_factory=list)
    rankings: list[Row] = field(default_factory=list)
    on_time: list[Row] = field(default_factory=list)  # rpt_dossier_on_time
    coverage: list[Row] = field(default_factory=list)
    scorecard: list[Row] = field(default_factory=list)
    region_summary: list[Row] = field(default_factory=list)  # rpt_region_summary
    targets: list[Row] = field(default_factory=list)
    restated: list[Row] = field(default_factory=list)
    missing: list[str] = field(default_factory=list)

    # -- provinces -------------------------------------------------------------------------

    def versions_of(self, code: str) -> list[Version]:
        return sorted((v for v in self.versions if v.code == code), key=lambda v: v.valid_from or date.min)

    def version(self, code: str, day: date) -> Version | None:
        return next((v for v in self.versions_of(code) if v.valid_on(day)), None)

    def version_in_year(self, code: str, year: int) -> Version | None:
        """The unit a yearly figure belongs to: the version valid at the end of the year."""
        return self.version(code, date(year, 12, 31))

    def current(self, code: str) -> Version | None:
        return next((v for v in self.versions_of(code) if v.is_current), None)

    def _current_or_last(self, code: str) -> Version | None:
        versions = self.versions_of(code)
        return self.current(code) or (versions[-1] if versions else None)

    def name(self, code: str | None, *, year: int | None = None, on: date | None = None) -> str:
        """The unit's name in a year (its version valid at the year's end) or on a day; else today's."""
        if not code:
            return "?"
        day = on if on is not None else date(year, 12, 31) if year is not None else None
        chosen = self.version(code, day) if day is not None else None
        chosen = chosen or self._current_or_last(code)
        return chosen.name if chosen else reference_name(code)

    def label(self, code: str | None, *, year: int | None = None, on: date | None = None) -> str:
        return f"{self.name(code, year=year, on=on)} ({code})" if code else "?"

    def region_of(self, code: str) -> str | None:
        found = self._current_or_last(code)
        return found.region_code if found else None

    def successor_of(self, code: str) -> str | None:
        """The current unit a former unit became (None for a current unit or when unknown)."""
        former = [v for v in self.versions_of(code) if not v.is_current and v.successor]
        if not former or self.current(code) is not None and former[-1].successor == code:
            return None
        return former[-1].successor

    def predecessors(self, code: str) -> list[Version]:
        """The pre-merger units a current unit was formed from (only when it was a merger)."""
        formed = [v for v in self.versions if not v.is_current and v.successor == code]
        current = self.current(code)
        merged = current is not None and current.valid_from is not None and current.valid_from >= MERGER_DATE
        if not merged and not any(v.code != code for v in formed):
            return []
        return sorted(formed, key=lambda v: v.code)

    def page_codes(self) -> list[str]:
        """Every current unit, then every former unit that has figures or a version."""
        current = {v.code for v in self.versions if v.is_current}
        seen = {v.code for v in self.versions}
        for rows in (self.rankings, self.scorecard, self.on_time, self.restated):
            seen.update(r["province_code"] for r in rows if r.get("province_code"))
        codes = sorted(c for c in seen if isinstance(c, str) and c.isalnum())
        return sorted(codes, key=lambda c: (c not in current, c))

    def is_former_only(self, code: str) -> bool:
        return self.current(code) is None and bool(self.versions_of(code))

    # -- figures ---------------------------------------------------------------------------

    def rows_for(self, rows: Iterable[Row], code: str) -> list[Row]:
        return [r for r in rows if r.get("province_code") == code]


def load(conn: psycopg.Connection) -> Marts:
    conn.read_only = True
    present = available_columns(conn)
    missing: list[str] = []

    def get(table: str) -> list[Row]:
        return fetch(conn, table, COLUMNS[table], present, missing=missing)

    versions = []
    for r in get("dim_province"):
        if not r.get("province_code"):
            continue
        versions.append(
            Version(
                key=r["province_key"] if r.get("province_key") is not None else r["province_code"],
                code=r["province_code"],
                name=r.get("province_name") or reference_name(r["province_code"]),
                type=r.get("province_type"),
                region_code=r.get("region_code"),
                region_name=r.get("region_name"),
                valid_from=r.get("valid_from"),
                valid_to=r.get("valid_to"),
                successor=r.get("successor_province_code"),
            )
        )
    regions = {
        r["region_code"]: r.get("region_name") or r["region_code"] for r in get("dim_region") if r.get("region_code")
    }
    for v in versions:
        if v.region_code and v.region_code not in regions:
            regions[v.region_code] = v.region_name or v.region_code
    components = {r["index_component_key"]: r for r in get("dim_index") if r.get("index_component_key") is not None}
    return Marts(
        versions=versions,
        regions=regions,
        components=components,
        scores=get("fct_index_scores"),
        rankings=[r for r in get("fct_province_rankings") if r.get("year") is not None and r.get("rank") is not None],
        on_time=get("rpt_dossier_on_time"),
        coverage=get("fct_online_service_coverage"),
        scorecard=get("rpt_province_scorecard"),
        region_summary=get("rpt_region_summary"),
        targets=get("rpt_target_progress"),
        restated=get("rpt_restated_34"),
        missing=missing,
    )
