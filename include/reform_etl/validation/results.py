"""What a validation hands back to the loader: per-expectation outcomes and per-row findings."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class ExpectationOutcome:
    expectation: str
    rule: str
    column: str
    severity: str
    success: bool
    unexpected_count: int
    observed_value: str | None


@dataclass(frozen=True)
class RowFinding:
    source_row: int | None
    column: str | None
    raw_value: str | None
    rule: str
    severity: str
    message: str


@dataclass
class ValidationOutcome:
    suite: str
    outcomes: list[ExpectationOutcome] = field(default_factory=list)
    findings: list[RowFinding] = field(default_factory=list)
