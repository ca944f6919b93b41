"""Validate: the kind's expectation suite on typed rows, and what a file may lose.

Findings of error severity reject their rows, warnings are stored beside rows that load;
outcomes are summed per expectation over the whole file (:class:`Accounting`). Rules over
the whole file or the warehouse's history run after the rows are written
(:func:`reform_etl.validation.check_loaded_file`).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from .. import kinds as k
from ..validation import ERROR, ExpectationOutcome, validate_rows
from .normalise import Normaliser
from .types import FileRejected


@dataclass
class Accounting:
    """The file's expectation outcomes, one per (rule, column), summed over its chunks."""

    outcomes: dict[tuple[str, str], ExpectationOutcome] = field(default_factory=dict)

    def add_outcome(self, outcome: ExpectationOutcome) -> None:
        key = (outcome.rule, outcome.column)
        seen = self.outcomes.get(key)
        if seen is None:
            self.outcomes[key] = outcome
        else:
            self.outcomes[key] = ExpectationOutcome(
                expectation=seen.expectation,
                rule=seen.rule,
                column=seen.column,
                severity=seen.severity,
                success=seen.success and outcome.success,
                unexpected_count=seen.unexpected_count + outcome.unexpected_count,
                observed_value=outcome.observed_value if not outcome.success else seen.observed_value,
            )


def validate_chunk(
    kind: k.Kind,
    chunk: list[dict[str, Any]],
    normaliser: Normaliser,
    accounting: Accounting,
    labels: Mapping[str, str],
) -> list[dict[str, Any]]:
    """The rows of ``chunk`` the suite lets through; its findings go to ``normaliser``."""
    outcome = validate_rows(kind, chunk, labels=labels)
    for item in outcome.outcomes:
        accounting.add_outcome(item)
    bad_rows: set[int] = set()
    for finding in outcome.findings:
        if finding.severity == ERROR:
            normaliser.reject(finding.source_row, finding.column, finding.raw_value, finding.message)
            if finding.source_row is not None:  # a finding about the whole file names no row
                bad_rows.add(finding.source_row)
        else:
            normaliser.warn(finding.source_row, finding.column, finding.raw_value, finding.rule, finding.message)
    return [row for row in chunk if row["source_row"] not in bad_rows]


def refuse_if_lost(normaliser: Normaliser, limit: float) -> None:
    """A file with no data rows, or losing more than ``limit`` of them, is refused whole."""
    rows_read = normaliser.rows_read
    rows_rejected = len(normaliser.rejected_rows)
    if rows_read == 0:
        raise FileRejected("the file has a header but no data rows")
    if rows_read and rows_rejected / rows_read > limit:
        raise FileRejected(
            f"{rows_rejected} of {rows_read} rows were rejected ({rows_rejected / rows_read:.0%}), more than "
            f"the {limit:.0%} a file may lose; nothing from it was loaded. The rejected rows say why."
        )
