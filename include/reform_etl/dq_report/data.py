"""Everything the report shows, read from the ``audit`` and ``raw`` schemas in one pass.

The report reads ``raw`` rather than ``marts`` so that it still tells the truth when dbt
failed (that failure is one of the things it reports).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime
from pathlib import Path

import psycopg

from ..completeness import Delivery, Matrix, completeness, deliveries, load_calendar, province_name
from ..config import settings

MAX_WARNINGS = 20_000
MAX_REJECTED_ROWS = 20_000

# Rules saying that a province's published figure disagrees with its own counts.
DISAGREEMENT_RULES = (
    "printed_on_time_rate",
    "printed_late_rate",
    "printed_coverage_rate",
    "printed_online_dossier_rate",
    "total_row_mismatch",
    "dossier_balance",
    "published_rank_order",
    "received_online_within_received",
    "dossiers_online_within_total",
    "portal_within_total",
)


@dataclass(frozen=True)
class FileRow:
    file_id: int
    kind: str | None
    province_code: str | None
    period_label: str | None
    status: str
    rows_read: int
    rows_loaded: int
    rows_rejected: int
    warnings: int
    name: str
    message: str | None
    received_at: datetime


@dataclass(frozen=True)
class ReasonGroup:
    province_code: str | None
    kind: str | None
    column: str | None
    pattern: str
    rows: int
    files: int
    example_file: str
    example_row: int | None
    example_raw: str | None
    example_reason: str


@dataclass(frozen=True)
class WarningRow:
    file_id: int
    name: str
    kind: str | None
    province_code: str | None
    period_label: str | None
    source_row: int | None
    column: str | None
    raw_value: str | None
    rule: str
    message: str


@dataclass(frozen=True)
class RejectedRow:
    file_id: int
    name: str
    province_code: str | None
    source_row: int | None
    column: str | None
    raw_value: str | None
    reason: str


@dataclass(frozen=True)
class RuleStat:
    suite: str
    expectation: str
    rule: str
    severity: str
    files: int
    failed_files: int
    unexpected: int


@dataclass(frozen=True)
class DbtRow:
    unique_id: str
    resource_type: str
    status: str
    failures: int | None
    message: str | None


@dataclass(frozen=True)
class TrendPoint:
    period_label: str
    period_end: date
    received: int
    on_time_rate: float | None


@dataclass(frozen=True)
class RankTieBreak:
    """Scores tied as printed that the publisher still gave distinct ranks: agreement, not a fault."""

    file_id: int
    name: str
    index_code: str
    year: int
    component: str | None
    score: float
    ranked: str  # "Đà Nẵng (48): 3, Bắc Ninh (27): 4"


@dataclass(frozen=True)
class SelfScoreExcess:
    """A PAR field the province self-assessed above its appraisal by more than the setting."""

    province_code: str
    index_code: str
    year: int
    component: str | None
    self_score: float
    score: float
    self_file: str
    appraised_file: str


@dataclass
class ReportData:
    generated: datetime
    matrix: Matrix
    deliveries: list[Delivery]
    files: list[FileRow]
    reasons: list[ReasonGroup]
    warnings: list[WarningRow]
    rejected_rows: list[RejectedRow]
    rule_stats: list[RuleStat]
    dbt_rows: list[DbtRow]
    dbt_recorded_at: datetime | None
    dbt_builds: int
    trends: dict[str, list[TrendPoint]] = field(default_factory=dict)
    # The latest pull of every registered source (empty when nothing is pulled, only dropped in).
    pulls: list[dict[str, object]] = field(default_factory=list)
    province_of_file: dict[int, str] = field(default_factory=dict)
    period_of_file: dict[int, str] = field(default_factory=dict)
    rank_tie_breaks: list[RankTieBreak] = field(default_factory=list)
    self_score_excesses: list[SelfScoreExcess] = field(default_factory=list)
    self_score_excess_points: float = 0.0

    def files_of(self, province: str) -> list[FileRow]:
        return [f for f in self.files if self.province_of_file.get(f.file_id) == province]


def _latest_pulls(conn: psycopg.Connection) -> list[dict[str, object]]:
    exists = conn.execute("select to_regclass('audit.source_pulls') is not null").fetchone()
    if not exists or not exists[0]:
        return []
    from ..pull.state import latest_pulls

    return latest_pulls(conn)


def _name(path: str) -> str:
    return Path(path).name


_REASONS_SQL = r"""
select r.file_id, f.kind, f.province_code, r.column_name,
       -- The reason without what differs from row to row (the raw value, numbers), to group by.
       regexp_replace(
           case when coalesce(r.raw_value, '') = '' then r.reason else replace(r.reason, r.raw_value, '…') end,
           '[0-9]+([.,/:-][0-9]+)*', 'N', 'g') as pattern,
       count(*) as n,
       min(r.source_row) as example_row,
       (array_agg(r.raw_value order by r.source_row))[1] as example_raw,
       (array_agg(r.reason order by r.source_row))[1] as example_reason
from audit.rejected_rows r join audit.file_ingestions f on f.file_id = r.file_id
where r.source_row is not null
group by r.file_id, f.kind, f.province_code, r.column_name, pattern
"""


def _reasons(conn: psycopg.Connection, names: dict[int, str], province_of: dict[int, str]) -> list[ReasonGroup]:
    """Row rejections grouped by province, kind, column and the reason's wording."""
    merged: dict[tuple[str | None, str | None, str | None, str], ReasonGroup] = {}
    for file_id, kind, _, column, pattern, n, row, raw, reason in conn.execute(_REASONS_SQL):
        key = (province_of.get(file_id), kind, column, pattern)
        seen = merged.get(key)
        if seen is None:
            merged[key] = ReasonGroup(*key, int(n), 1, str(names.get(file_id, str(file_id))), row, raw, str(reason))
        else:
            merged[key] = replace(seen, rows=seen.rows + int(n), files=seen.files + 1)
    groups = list(merged.values())
    return sorted(groups, key=lambda g: (-g.rows, g.pattern))


def _trends(conn: psycopg.Connection) -> dict[str, list[TrendPoint]]:
    """Dossiers received and the on-time rate computed from the counts, per province and period."""
    rows = conn.execute(
        """
        select province_code, period_label, period_end, sum(received),
               sum(coalesce(resolved_early, 0) + resolved_on_time), sum(coalesce(resolved_early, 0) + resolved_on_time
               + resolved_late)
        from (
            select distinct on (r.province_code, r.period_label, r.level) r.*
            from raw.dossier_summary r join audit.file_ingestions f on f.file_id = r.file_id
            where f.status in ('loaded', 'superseded')
            order by r.province_code, r.period_label, r.level, f.delivery_key desc, r.source_row desc
        ) current_rows
        group by province_code, period_label, period_end
        order by province_code, period_end
        """
    ).fetchall()
    out: dict[str, list[TrendPoint]] = defaultdict(list)
    for province, label, end, received, good, resolved in rows:
        rate = float(good) * 100 / float(resolved) if resolved else None
        out[province].append(TrendPoint(label, end, int(received or 0), rate))
    return dict(out)


# Scores tied as printed within one loaded table whose published ranks still differ; a table
# a later delivery replaced whole (superseded) is history and left out.
_TIE_BREAKS_SQL = """
select r.file_id, r.index_code, r.year, max(r.component), r.score,
       string_agg(r.province_code || ':' || r.published_rank, ',' order by r.published_rank, r.province_code)
from raw.index_scores r
join audit.file_ingestions f on f.file_id = r.file_id and f.status = 'loaded'
where r.score is not null and r.published_rank is not null
group by r.file_id, r.index_code, r.year, r.component_code, r.score
having count(distinct r.published_rank) > 1
order by r.year desc, r.index_code, r.file_id, r.score desc
"""

# The latest figure of each side (self-assessment, appraisal) per PAR field, read from raw like
# the rest of the report; the appraised side falls back on the points the self-assessment file
# printed, as fct_index_scores does. Rows loaded before raw had a source column count as self
# when they carry a self-assessed figure.
_SELF_EXCESS_SQL = """
with sided as (
    select r.*, coalesce(r.source, case when r.self_score is not null then 'self' else 'appraised' end) as side,
           f.delivery_key
    from raw.index_scores r
    join audit.file_ingestions f on f.file_id = r.file_id and f.status in ('loaded', 'superseded')
    where r.index_code = 'PAR'
),
latest as (
    select distinct on (index_code, year, province_code, component_code, side) *
    from sided
    order by index_code, year, province_code, component_code, side, delivery_key desc, source_row desc
)
select s.province_code, s.index_code, s.year, s.component, s.self_score,
       coalesce(a.score, s.score), s.file_id, coalesce(a.file_id, s.file_id)
from latest s
left join latest a
    on a.side = 'appraised' and (a.index_code, a.year, a.province_code, a.component_code)
        = (s.index_code, s.year, s.province_code, s.component_code)
where s.side = 'self'
  and s.self_score - coalesce(a.score, s.score) > %(limit)s
order by s.year desc, s.province_code, s.component_code
"""


def _tie_breaks(conn: psycopg.Connection, names: dict[int, str]) -> list[RankTieBreak]:
    found = []
    for file_id, index, year, component, score, ranked in conn.execute(_TIE_BREAKS_SQL):
        places = ", ".join(
            f"{province_name(code)} ({code}): {rank}" for code, rank in (p.split(":") for p in ranked.split(","))
        )
        found.append(RankTieBreak(file_id, names.get(file_id, str(file_id)), index, year, component, score, places))
    return found


def _self_excesses(conn: psycopg.Connection, names: dict[int, str], limit: float) -> list[SelfScoreExcess]:
    return [
        SelfScoreExcess(code, index, year, component, self_score, score, names.get(sf, str(sf)), names.get(af, str(af)))
        for code, index, year, component, self_score, score, sf, af in conn.execute(_SELF_EXCESS_SQL, {"limit": limit})
    ]


def load(conn: psycopg.Connection, *, as_of: date | None = None) -> ReportData:
    delivered = deliveries(conn)
    matrix = completeness(conn, calendar=load_calendar(), as_of=as_of)
    files = [
        FileRow(fid, kind, prov, period, status, read, loaded, rej, warn, _name(path), message, received)
        for fid, kind, prov, period, status, read, loaded, rej, warn, path, message, received in conn.execute(
            "select file_id, kind, province_code, period_label, status, rows_read, rows_loaded, rows_rejected, "
            "warnings, path, message, received_at from audit.file_ingestions order by file_id desc"
        )
    ]
    names = {f.file_id: f.name for f in files}
    province_of = {f.file_id: f.province_code for f in files if f.province_code}
    for d in delivered:
        province_of.setdefault(d.file_id, d.province_code)
    # A rejected file has no period in the audit row; its name usually says which it was.
    period_of = {f.file_id: f.period_label for f in files if f.period_label}
    for d in delivered:
        period_of.setdefault(d.file_id, d.period_label)
    warnings = [
        WarningRow(fid, names.get(fid, str(fid)), kind, province_of.get(fid), period, row, column, raw, rule, message)
        for fid, kind, period, row, column, raw, rule, message in conn.execute(
            "select w.file_id, f.kind, f.period_label, w.source_row, w.column_name, w.raw_value, w.rule, w.message "
            "from audit.row_warnings w join audit.file_ingestions f on f.file_id = w.file_id "
            "order by w.file_id desc, w.source_row nulls first limit %s",
            (MAX_WARNINGS,),
        )
    ]
    rejected_rows = [
        RejectedRow(fid, names.get(fid, str(fid)), province_of.get(fid), row, column, raw, reason)
        for fid, row, column, raw, reason in conn.execute(
            "select file_id, source_row, column_name, raw_value, reason from audit.rejected_rows "
            "where source_row is not null order by file_id desc, source_row limit %s",
            (MAX_REJECTED_ROWS,),
        )
    ]
    rule_stats = [
        RuleStat(suite, expectation, expectation.split(":", 1)[-1], severity, int(n), int(failed), int(unexpected))
        for suite, expectation, severity, n, failed, unexpected in conn.execute(
            "select suite, expectation, severity, count(distinct file_id), "
            "count(distinct file_id) filter (where not success), coalesce(sum(unexpected_count), 0) "
            "from audit.validation_results group by suite, expectation, severity order by suite, expectation"
        )
    ]
    latest = conn.execute("select max(recorded_at), count(distinct recorded_at) from audit.dbt_results").fetchone()
    dbt_at, builds = (latest[0], int(latest[1])) if latest else (None, 0)
    dbt_rows = [
        DbtRow(*row)
        for row in conn.execute(
            "select unique_id, resource_type, status, failures, message from audit.dbt_results "
            "where recorded_at = %s order by (status in ('pass', 'success')), resource_type, unique_id",
            (dbt_at,),
        )
    ]
    pulls = _latest_pulls(conn)
    excess_limit = settings().self_score_excess_points
    return ReportData(
        rank_tie_breaks=_tie_breaks(conn, names),
        self_score_excesses=_self_excesses(conn, names, excess_limit),
        self_score_excess_points=excess_limit,
        pulls=pulls,
        generated=datetime.now(UTC),
        matrix=matrix,
        deliveries=delivered,
        files=files,
        reasons=_reasons(conn, names, province_of),
        warnings=warnings,
        rejected_rows=rejected_rows,
        rule_stats=rule_stats,
        dbt_rows=dbt_rows,
        dbt_recorded_at=dbt_at,
        dbt_builds=builds,
        trends=_trends(conn),
        province_of_file=province_of,
        period_of_file=period_of,
    )
