"""Running a kind's suite with GX on a chunk of typed rows (pandas), for the small kinds."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from .. import kinds as k
from ..config import settings
from .checks import ERROR, WARNING, checks_for, runs_in_sql
from .derived import add_check_columns
from .gx_context import BATCH, DATASOURCE, context
from .messages import raw_text, render, show
from .results import ExpectationOutcome, RowFinding, ValidationOutcome


def validate_rows(
    kind: k.Kind,
    rows: list[dict[str, Any]],
    root: Path | None = None,
    *,
    labels: Mapping[str, str] | None = None,
    force: bool = False,
) -> ValidationOutcome:
    """Run the kind's suite on typed rows (each with ``source_row``).

    ``labels`` maps canonical column names to the file's headers, so that a reason names
    the column as the sender wrote it. Kinds validated in PostgreSQL return nothing here
    (their suite runs once per file after COPY) unless ``force`` is set.
    """
    if runs_in_sql(kind) and not force:
        return ValidationOutcome(suite=kind.name)
    import pandas as pd

    add_check_columns(kind, rows)
    ctx = context(str(root or settings().expectations_dir))
    suite = ctx.suites.get(kind.name)
    checks = {c.rule: c for c in checks_for(kind)}
    columns = {"source_row"}
    for expectation in suite.expectations:
        args = expectation.configuration.kwargs
        columns |= {args[key] for key in ("column", "column_A", "column_B") if args.get(key)}
    frame = pd.DataFrame(rows)
    for column in columns - set(frame.columns):
        frame[column] = None
    batch = (
        ctx.data_sources.get(DATASOURCE)
        .get_asset(kind.name)
        .get_batch_definition(BATCH)
        .get_batch(batch_parameters={"dataframe": frame})
    )
    result = batch.validate(
        suite,
        result_format={"result_format": "COMPLETE", "unexpected_index_column_names": ["source_row"]},
    )
    by_row = {r["source_row"]: r for r in rows}
    outcome = ValidationOutcome(suite=kind.name)
    for item in result.results:
        config = item.expectation_config
        meta = config.meta or {}
        rule = meta.get("rule", config.type)
        severity = meta.get("severity", ERROR if str(config.severity).endswith("CRITICAL") else WARNING)
        check = checks.get(rule)
        blame = meta.get("blame") or (check.blame if check else config.kwargs.get("column", ""))
        details = item.result or {}
        exception = (item.exception_info or {}).get("exception_message")
        outcome.outcomes.append(
            ExpectationOutcome(
                expectation=config.type,
                rule=rule,
                column=blame,
                severity=severity,
                success=bool(item.success),
                unexpected_count=int(details.get("unexpected_count") or 0),
                observed_value=exception or _observed(details),
            )
        )
        if item.success:
            continue
        template = check.message if check else meta.get("message", rule)
        for hit in details.get("unexpected_index_list") or []:
            source_row = int(hit["source_row"])
            row = by_row.get(source_row, {})
            outcome.findings.append(
                RowFinding(
                    source_row=source_row,
                    column=blame,
                    raw_value=raw_text(row.get(blame)),
                    rule=rule,
                    severity=severity,
                    message=render(template, row, labels),
                )
            )
    # A rejected row is not loaded, so a warning beside it would flag nothing.
    rejected = {f.source_row for f in outcome.findings if f.severity == ERROR}
    outcome.findings = [f for f in outcome.findings if f.severity == ERROR or f.source_row not in rejected]
    return outcome


def _observed(details: dict[str, Any]) -> str | None:
    if "observed_value" in details:
        return None if details["observed_value"] is None else show(details["observed_value"])[:500]
    count, total = details.get("unexpected_count"), details.get("element_count")
    if count is None:
        return None
    return f"{count} of {total} rows unexpected" if total is not None else f"{count} rows unexpected"
