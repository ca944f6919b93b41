"""Columns the domain rules look at that no file carries: computed rates, gaps, dates.

Each is computed in Python for suites run in memory (:func:`add_check_columns`) and, for
the kinds validated in PostgreSQL, written as a SQL expression over ``raw.<kind>``
(:data:`SQL_EXPRESSIONS`), so the same GX suite means the same thing on both paths.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime
from typing import Any

from .. import kinds as k

Row = dict[str, Any]

# The scale of a total index score when the file gives no max_score: PAPI adds eight
# dimensions of 10 points; the others are on 100.
INDEX_SCALE = {"PAR": 100.0, "SIPAS": 100.0, "PCI": 100.0, "SI766": 100.0, "PAPI": 80.0}


def _gap(printed: float | None, computed: float | None) -> float | None:
    if printed is None or computed is None:
        return None
    return float(printed) - computed


def _share(part: int | None, whole: int | None) -> float | None:
    if part is None or not whole:
        return None
    return part * 100.0 / whole


def on_time_rate(early: float | None, on_time: float | None, late: float | None) -> float | None:
    """The contract's on-time rate from counts, as the marts compute it (early counts as on time)."""
    if on_time is None or late is None:
        return None
    done = (early or 0) + on_time + late
    return 100.0 * ((early or 0) + on_time) / done if done else None


def _dossier_summary(row: Row) -> None:
    early = row.get("resolved_early") or 0
    on_time = row.get("resolved_on_time")
    late = row.get("resolved_late")
    computed = computed_late = None
    if on_time is not None and late is not None and early + on_time + late > 0:
        computed = on_time_rate(early, on_time, late)
        computed_late = None if computed is None else 100.0 - computed
    row["computed_on_time_rate"] = computed
    row["computed_late_rate"] = computed_late
    row["on_time_rate_gap"] = _gap(row.get("reported_on_time_rate"), computed)
    row["late_rate_gap"] = _gap(row.get("reported_late_rate"), computed_late)
    parts_in = [row.get("received"), row.get("carried_over")]
    parts_out = [
        row.get("resolved_early"),
        on_time,
        late,
        row.get("pending_within_deadline"),
        row.get("pending_overdue"),
    ]
    # The balance is only checked when every term is present (contract §4).
    if all(p is not None for p in parts_in + parts_out):
        row["balance_in"] = sum(parts_in)
        row["balance_out"] = sum(parts_out)
        row["balance_gap"] = row["balance_in"] - row["balance_out"]
    else:
        row["balance_in"] = row["balance_out"] = row["balance_gap"] = None


def _online_service_summary(row: Row) -> None:
    full, partial = row.get("procedures_full_online"), row.get("procedures_partial_online")
    row["procedures_split_online"] = None if full is None and partial is None else (full or 0) + (partial or 0)
    row["computed_coverage_rate"] = _share(row.get("procedures_online"), row.get("procedures_total"))
    row["coverage_rate_gap"] = _gap(row.get("reported_coverage_rate"), row["computed_coverage_rate"])
    row["computed_online_dossier_rate"] = _share(row.get("dossiers_online"), row.get("dossiers_total"))
    row["online_dossier_rate_gap"] = _gap(row.get("reported_online_dossier_rate"), row["computed_online_dossier_rate"])


def _day(value: Any) -> date | None:
    # Exports often give a due date without a time: comparing days, not instants, keeps
    # "received 14:30, due the same day" valid.
    if isinstance(value, datetime):
        return value.date()
    return value if isinstance(value, date) else None


def _dossiers(row: Row) -> None:
    row["received_on"] = _day(row.get("received_at"))
    row["due_on"] = _day(row.get("due_at"))
    row["completed_on"] = _day(row.get("completed_at"))


def _index_scores(row: Row) -> None:
    ceiling = row.get("max_score")
    if ceiling is None and row.get("component_code") == "TOTAL":
        ceiling = INDEX_SCALE.get(str(row.get("index_code")))
    row["score_ceiling"] = None if ceiling is None else float(ceiling)


_PYTHON: dict[str, Callable[[Row], None]] = {
    k.DOSSIER_SUMMARY.name: _dossier_summary,
    k.DOSSIERS.name: _dossiers,
    k.ONLINE_SERVICE_SUMMARY.name: _online_service_summary,
    k.INDEX_SCORES.name: _index_scores,
}

# Derived columns as SQL over raw.<kind>, for the kinds whose suite runs in PostgreSQL.
SQL_EXPRESSIONS: dict[str, dict[str, str]] = {
    k.DOSSIERS.name: {
        "received_on": "received_at::date",
        "due_on": "due_at::date",
        "completed_on": "completed_at::date",
    },
}


def add_check_columns(kind: k.Kind, rows: list[Row]) -> None:
    """Compute, in place, the columns the suite's domain rules expect."""
    derive = _PYTHON.get(kind.name)
    if derive is None:
        return
    for row in rows:
        derive(row)
