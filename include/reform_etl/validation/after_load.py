"""The loader's one hook after a file's rows are COPYed: SQL suite, file rules, history.

Findings go to the normaliser like its own (rejections and warnings with row, column,
raw value and reason), so the file's accounting stays in one place; rows an error
rejects here are deleted from ``raw`` before the transaction commits.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol

import psycopg

from .. import kinds as k
from ..warehouse import PeriodCount
from .checks import ERROR, runs_in_sql
from .file_rules import check_rank_order, check_totals, check_volume
from .pushdown import validate_loaded
from .results import ExpectationOutcome, RowFinding


class RowSink(Protocol):
    """What the normaliser offers to record a finding (see :class:`reform_etl.load.normalise.Normaliser`)."""

    def reject(self, row: int | None, column: str | None, raw: object, reason: str) -> None: ...

    def warn(self, row: int | None, column: str | None, raw: object, rule: str, message: str) -> None: ...


@dataclass
class AfterLoad:
    outcomes: list[ExpectationOutcome] = field(default_factory=list)
    findings: list[RowFinding] = field(default_factory=list)
    rows_removed: int = 0


def check_loaded_file(
    conn: psycopg.Connection,
    kind: k.Kind,
    file_id: int,
    sink: RowSink,
    *,
    labels: Mapping[str, str] | None = None,
    total_rows: Iterable[Any] = (),
    sums: Mapping[str, int] | None = None,
    validated: bool = False,
    period_counts: Iterable[PeriodCount] | None = None,
) -> AfterLoad:
    """Run what needs the whole file or the warehouse; record findings on ``sink``.

    Returns the outcomes for ``audit.validation_results`` and how many loaded rows an
    error removed again (the caller subtracts them from rows_loaded). ``validated`` says the
    suite already ran while the rows streamed in (the bulk path), so only the rules over the
    whole file and the history are left; ``period_counts`` are the rows it wrote per
    province and period, when it counted them on the way.
    """
    result = AfterLoad()
    if runs_in_sql(kind) and not validated:
        pushed = validate_loaded(conn, kind, file_id, labels=labels)
        result.outcomes += pushed.outcomes
        result.findings += pushed.findings
        result.rows_removed = pushed.rows_removed
    for outcomes, findings in (
        check_totals(kind, total_rows, sums or {}, labels),
        check_rank_order(conn, file_id, labels) if kind.name == k.INDEX_SCORES.name else ([], []),
        check_volume(conn, kind, file_id, labels, period_counts),
    ):
        result.outcomes += outcomes
        result.findings += findings
    for finding in result.findings:
        if finding.severity == ERROR:
            sink.reject(finding.source_row, finding.column, finding.raw_value, finding.message)
        else:
            sink.warn(finding.source_row, finding.column, finding.raw_value, finding.rule, finding.message)
    return result
