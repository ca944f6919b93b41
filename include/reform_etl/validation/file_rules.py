"""Rules that need more than one row: the total row, the order of published ranks, and a
province's history. They run once per file, after its rows are in ``raw`` and before the
file's transaction commits, on the loader's own connection (so they see those rows).
"""

from __future__ import annotations

import csv
from collections.abc import Iterable, Mapping
from datetime import date
from functools import cache
from pathlib import Path
from typing import Any

import psycopg

from .. import kinds as k
from .. import values as v
from ..config import settings
from ..provinces import MERGER_DATE, ProvinceResolver, UnknownProvince
from ..warehouse import PeriodCount, record_period_counts, volume_history
from .catalogue import FILE_RULES
from .messages import label, show
from .results import ExpectationOutcome, RowFinding

_RULES = {r.rule: r for r in FILE_RULES}


def _outcome(rule: str, column: str, unexpected: int, observed: str) -> ExpectationOutcome:
    info = _RULES[rule]
    return ExpectationOutcome(
        expectation=info.expectation,
        rule=rule,
        column=column,
        severity=info.severity,
        success=unexpected == 0,
        unexpected_count=unexpected,
        observed_value=observed[:500],
    )


# -- the total row -----------------------------------------------------------------------


def check_totals(
    kind: k.Kind, totals: Iterable[Any], sums: Mapping[str, int], labels: Mapping[str, str] | None
) -> tuple[list[ExpectationOutcome], list[RowFinding]]:
    """A total row is not data; it must agree with the column sums, else a warning.

    ``totals`` are the reader's total rows (``number``, ``values``); ``sums`` the sums of
    the data rows read (rejected ones included: the total was printed over them too).
    """
    findings: list[RowFinding] = []
    compared = 0
    for total in totals:
        for name, raw in total.values.items():
            if name not in kind.summable or v.is_blank(raw):
                continue
            try:
                printed = v.parse_count(raw)
            except v.ValueProblem:
                continue
            if printed is None:
                continue
            compared += 1
            summed = sums.get(name, 0)
            if printed != summed:
                findings.append(
                    RowFinding(
                        source_row=total.number,
                        column=name,
                        raw_value=None if raw is None else str(raw)[:500],
                        rule="total_row_mismatch",
                        severity="warning",
                        message=f"total row says {label(name, labels)} = {printed} but the rows above sum to "
                        f"{summed}; correct the total or the rows",
                    )
                )
    if not compared:
        return [], findings
    observed = f"{compared - len(findings)} of {compared} totals agree with the column sums"
    return [_outcome("total_row_mismatch", "", len(findings), observed)], findings


# -- published ranks ---------------------------------------------------------------------

_RANK_SQL = """
with r as (
    select source_row, province_code, index_code, year, component_code, component, score, published_rank
    from raw.index_scores
    where file_id = %(f)s and score is not null and published_rank is not null
)
select a.source_row, a.province_code, a.year, a.index_code, a.component, a.component_code, a.score,
       a.published_rank, c.n, o.source_row, o.province_code, o.score, o.published_rank,
       (select count(*) from r) as ranked
from r a
cross join lateral (
    select count(*) as n from r b
    where (b.index_code, b.year, b.component_code) = (a.index_code, a.year, a.component_code)
      and ((a.published_rank < b.published_rank and a.score < b.score)
        or (a.published_rank > b.published_rank and a.score > b.score))
) c
cross join lateral (
    select b.source_row, b.province_code, b.score, b.published_rank from r b
    where (b.index_code, b.year, b.component_code) = (a.index_code, a.year, a.component_code)
      and ((a.published_rank < b.published_rank and a.score < b.score)
        or (a.published_rank > b.published_rank and a.score > b.score))
    order by abs(b.published_rank - a.published_rank), b.source_row
    limit 1
) o
order by a.source_row
"""


def _province_name(code: str, year: int) -> str:
    try:
        return ProvinceResolver.default().name_of(code, on=date(int(year), 12, 31))
    except (UnknownProvince, ValueError):
        return code


def check_rank_order(
    conn: psycopg.Connection, file_id: int, labels: Mapping[str, str] | None
) -> tuple[list[ExpectationOutcome], list[RowFinding]]:
    """Rows whose published rank contradicts their score against another row of the file.

    A pairwise test, not a comparison with ranks recomputed from the file: a provincial
    report may print only its own row with its national rank, which no file-local
    ranking could check. Ties (equal scores or equal ranks) are never a disagreement,
    since publications round scores.
    """
    rows = conn.execute(_RANK_SQL, {"f": file_id}).fetchall()
    ranked = conn.execute(
        "select count(*) from raw.index_scores where file_id = %s and score is not null and published_rank is not null",
        (file_id,),
    ).fetchone()
    if not ranked or ranked[0] < 2:
        return [], []
    findings = []
    for (
        source_row,
        code,
        year,
        index,
        component,
        component_code,
        score,
        rank,
        n,
        o_row,
        o_code,
        o_score,
        o_rank,
        _,
    ) in rows:
        better = rank < o_rank
        where = f"{index} {year}" + ("" if component_code == "TOTAL" else f", {component or component_code}")
        others = f" (and {n - 1} other row{'s' if n > 2 else ''})" if n > 1 else ""
        findings.append(
            RowFinding(
                source_row=int(source_row),
                column="published_rank",
                raw_value=str(rank),
                rule="published_rank_order",
                severity="warning",
                message=(
                    f"{label('published_rank', labels)}: {_province_name(code, year)} is ranked {rank} in {where}, "
                    f"{'better' if better else 'worse'} than {_province_name(o_code, year)} (rank {o_rank}, row "
                    f"{o_row}){others}, but its {label('score', labels)} {show(score)} is "
                    f"{'lower' if better else 'higher'} than {show(o_score)}; the published ranks disagree with the "
                    "order of the published scores — check both rows"
                ),
            )
        )
    observed = f"{len(findings)} of {ranked[0]} ranked rows out of order with their scores"
    return [_outcome("published_rank_order", "published_rank", len(findings), observed)], findings


# -- volume against the province's history -----------------------------------------------


def volume_settings() -> tuple[float, int]:
    """(factor, minimum earlier periods): ×3 from the median of at least 3 earlier periods."""
    return settings().volume_factor, settings().volume_min_history


@cache
def _merged_codes() -> list[str]:
    # Units formed by the 2025 merger are compared only with periods of their own era.
    path = Path(__file__).resolve().parents[1] / "reference" / "provinces_34.csv"
    with path.open(encoding="utf-8-sig", newline="") as handle:
        return sorted(row["new_code"] for row in csv.DictReader(handle) if row.get("merged") == "yes")


def check_volume(
    conn: psycopg.Connection,
    kind: k.Kind,
    file_id: int,
    labels: Mapping[str, str] | None,
    counts: Iterable[PeriodCount] | None = None,
) -> tuple[list[ExpectationOutcome], list[RowFinding]]:
    """Dossiers received far (×factor) from the province's median over earlier periods.

    For record-level files this also writes the file's counts per province and month to
    ``audit.file_period_counts`` (in the file's transaction), the history later files are
    judged against.
    """
    if kind.name == k.DOSSIER_SUMMARY.name:
        history, column = volume_history.summary_volumes, "received"
    elif kind.name == k.DOSSIERS.name:
        # The file's own counts first: they are its side of the comparison and, once it
        # commits, part of the history the next file is judged against.
        record_period_counts(conn, file_id, counts)
        history, column = volume_history.record_volumes, None
    else:
        return [], []
    factor, min_history = volume_settings()
    rows = history(conn, file_id, _merged_codes(), MERGER_DATE)
    judged = [r for r in rows if r[4] >= min_history and r[5] is not None]
    if not judged:
        return [], []
    findings = []
    for source_row, level, period, received, n, median, first, last in judged:
        median = float(median)
        if median <= 0 or (received <= factor * median and received * factor >= median):
            continue
        ratio = received / median if received else 0.0
        what = (
            f"{label('received', labels)} {received} at level {level}"
            if column
            else f"the file holds {received} dossier records"
        )
        findings.append(
            RowFinding(
                source_row=source_row,
                column=column,
                raw_value=str(received),
                rule="volume_vs_history",
                severity="warning",
                message=(
                    f"{what} for {period}: {ratio:.1f}× the province's median of {show(median)} over its "
                    f"{n} earlier periods ({first} … {last}), more than ×{show(factor)} away; check that the export is "
                    "complete and in the right unit"
                ),
            )
        )
    observed = f"{len(findings)} of {len(judged)} figures more than ×{show(factor)} from the province's median"
    return [_outcome("volume_vs_history", column or "", len(findings), observed)], findings
