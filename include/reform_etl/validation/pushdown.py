"""A kind's GX suite run as SQL on the rows of one file, inside the file's transaction.

For the large kinds, files the bulk path cannot take (small ones, workbooks, odd layouts)
are COPYed into a staging table private to the file's transaction (:func:`load_target`);
the suite runs there as SQL, and only the rows no error rejects are then inserted into
``raw``, which stays append-only. Large CSV files are validated on Arrow batches while they
stream in instead (:mod:`.arrow_suite`), from the same committed suite read by
:func:`stored_suite`.

Why not a GX SQL data source: GX opens its own SQLAlchemy connection, which cannot see
rows COPYed by a transaction that has not committed yet, and committing first would break
"a file is loaded whole or not at all". So the committed suite is read from the GX
context and each of its expectations is translated to a ``WHERE`` condition. Only the
expectation types the pushdown kinds use are translated; a suite that gains another type
fails loudly here (and in the unit tests), never silently skips it.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import psycopg
from psycopg import sql

from .. import kinds as k
from ..config import settings
from ..warehouse import raw_columns
from .checks import ERROR, WARNING, checks_for, runs_in_sql
from .derived import SQL_EXPRESSIONS
from .messages import raw_text, render
from .results import ExpectationOutcome, RowFinding

TRANSLATABLE = frozenset(
    {
        "expect_column_values_to_not_be_null",
        "expect_column_values_to_be_between",
        "expect_column_values_to_be_in_set",
        "expect_column_pair_values_a_to_be_greater_than_b",
    }
)


class Unsupported(ValueError):
    """An expectation type this module cannot run as SQL."""


@dataclass(frozen=True)
class Translated:
    """A stored expectation with its test for an unexpected row in one engine: a SQL
    condition (here) or a mask over Arrow columns (:mod:`.arrow_suite`)."""

    expectation: str
    rule: str
    severity: str
    blame: str
    message: str
    unexpected: Any  # true for a row that breaks the expectation

    def outcome(self, unexpected: int, total: int, engine: str) -> ExpectationOutcome:
        return ExpectationOutcome(
            expectation=self.expectation,
            rule=self.rule,
            column=self.blame,
            severity=self.severity,
            success=unexpected == 0,
            unexpected_count=unexpected,
            observed_value=f"{unexpected} of {total} rows unexpected ({engine})",
        )


SqlExpectation = Translated  # .unexpected is a sql.Composable


def _operand(kind: k.Kind, column: str) -> sql.Composable:
    derived = SQL_EXPRESSIONS.get(kind.name, {})
    if column in derived:
        return sql.SQL("(" + derived[column] + ")")
    return sql.Identifier(column)


def unexpected_condition(kind: k.Kind, expectation_type: str, args: Mapping[str, Any]) -> sql.Composable:
    """The SQL condition that is true for a row GX would count as unexpected."""
    if expectation_type == "expect_column_values_to_not_be_null":
        return sql.SQL("{} is null").format(_operand(kind, args["column"]))
    if expectation_type == "expect_column_values_to_be_between":
        column = _operand(kind, args["column"])
        parts = []
        if args.get("min_value") is not None:
            op = "<=" if args.get("strict_min") else "<"
            parts.append(sql.SQL("{} " + op + " {}").format(column, sql.Literal(args["min_value"])))
        if args.get("max_value") is not None:
            op = ">=" if args.get("strict_max") else ">"
            parts.append(sql.SQL("{} " + op + " {}").format(column, sql.Literal(args["max_value"])))
        if not parts:
            return sql.SQL("false")
        # GX leaves missing values out of a range check.
        return sql.SQL("({} is not null and ({}))").format(column, sql.SQL(" or ").join(parts))
    if expectation_type == "expect_column_values_to_be_in_set":
        column = _operand(kind, args["column"])
        return sql.SQL("({} is not null and not ({} = any({})))").format(
            column, column, sql.Literal(list(args["value_set"]))
        )
    if expectation_type == "expect_column_pair_values_a_to_be_greater_than_b":
        a, b = _operand(kind, args["column_A"]), _operand(kind, args["column_B"])
        op = ">=" if args.get("or_equal") else ">"
        ignore = args.get("ignore_row_if", "both_values_are_missing")
        skip: sql.Composable
        if ignore == "either_value_is_missing":
            skip = sql.SQL("({} is null or {} is null)").format(a, b)
        elif ignore == "both_values_are_missing":
            skip = sql.SQL("({} is null and {} is null)").format(a, b)
        else:
            skip = sql.SQL("false")
        return sql.SQL("(not {} and not coalesce({} " + op + " {}, false))").format(skip, a, b)
    raise Unsupported(f"expectation {expectation_type} cannot run as SQL yet; translate it in pushdown.py")


@dataclass(frozen=True)
class StoredExpectation:
    """One expectation of a committed suite, with what the project adds to it."""

    expectation: str
    args: Mapping[str, Any]
    rule: str
    severity: str
    blame: str
    message: str

    def translated(self, unexpected: Any) -> Translated:
        return Translated(self.expectation, self.rule, self.severity, self.blame, self.message, unexpected)


def stored_suite(kind: k.Kind, root: Path | None = None) -> list[StoredExpectation]:
    """The kind's committed suite as GX wrote it (``expectations/gx/expectations/<kind>.json``).

    Read as plain JSON: the same file GX reads, without the seconds it takes to start a GX
    context in a process that only loads record-level files.
    """
    path = (root or settings().expectations_dir) / "gx" / "expectations" / f"{kind.name}.json"
    try:
        stored = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise Unsupported(f"cannot read the committed suite {path}: {exc}; run `reform-etl expectations sync`") from exc
    checks = {c.rule: c for c in checks_for(kind)}
    found = []
    for expectation in stored.get("expectations", []):
        kind_of, args = expectation["type"], expectation.get("kwargs", {})
        meta = expectation.get("meta") or {}
        rule = meta.get("rule", kind_of)
        check = checks.get(rule)
        if args.get("mostly", 1) not in (1, 1.0):
            raise Unsupported(f"{rule}: 'mostly' below 1 is not supported outside GX")
        found.append(
            StoredExpectation(
                expectation=kind_of,
                args=args,
                rule=rule,
                severity=meta.get("severity", ERROR if expectation.get("severity") == "critical" else WARNING),
                blame=meta.get("blame") or (check.blame if check else args.get("column", "")),
                message=check.message if check else meta.get("message", rule),
            )
        )
    return found


def sql_suite(kind: k.Kind, root: Path | None = None) -> list[SqlExpectation]:
    """The kind's committed suite, each expectation as a SQL condition."""
    return [e.translated(unexpected_condition(kind, e.expectation, e.args)) for e in stored_suite(kind, root)]


@dataclass
class PushdownResult:
    outcomes: list[ExpectationOutcome]
    findings: list[RowFinding]
    rows_removed: int


def staging_table(kind: k.Kind) -> sql.Identifier:
    return sql.Identifier(f"stage_{kind.name}")


def load_target(conn: psycopg.Connection, kind: k.Kind) -> sql.Composable:
    """Where the loader COPYs a file's rows: ``raw.<kind>``, or a staging table for the
    kinds validated in SQL (dropped when the file's transaction ends)."""
    if not runs_in_sql(kind):
        return sql.Identifier("raw", kind.name)
    conn.execute(
        sql.SQL("create temp table {} (like {} including defaults) on commit drop").format(
            staging_table(kind), sql.Identifier("raw", kind.name)
        )
    )
    return staging_table(kind)


def validate_loaded(
    conn: psycopg.Connection,
    kind: k.Kind,
    file_id: int,
    *,
    labels: Mapping[str, str] | None = None,
    root: Path | None = None,
) -> PushdownResult:
    """Run the suite on the staged rows of ``file_id``; move the rows no error rejects to raw.

    One pass counts every expectation; a second fetches only the failing rows (few, in a
    file worth loading); a third inserts the rest into ``raw``.
    """
    expectations = sql_suite(kind, root)
    table = staging_table(kind)
    counts = conn.execute(
        sql.SQL("select count(*), {} from {} where file_id = %(f)s").format(
            sql.SQL(", ").join(sql.SQL("count(*) filter (where {})").format(e.unexpected) for e in expectations),
            table,
        ),
        {"f": file_id},
    ).fetchone()
    if counts is None:  # an aggregate without group by always answers one row
        raise RuntimeError(f"counting file {file_id}'s failures returned no row")
    total, failed = int(counts[0]), [int(n) for n in counts[1:]]
    outcomes = [e.outcome(n, total, "SQL") for e, n in zip(expectations, failed, strict=True)]
    failing = [e for e, n in zip(expectations, failed, strict=True) if n]
    findings = _findings(conn, table, file_id, failing, labels) if failing else []
    errors = [e.unexpected for e in failing if e.severity == ERROR]
    rejected = sql.SQL(" or ").join(errors) if errors else sql.SQL("false")
    columns = sql.SQL(", ").join(sql.Identifier(name) for name, _ in raw_columns(kind))
    moved = conn.execute(
        sql.SQL("insert into {} ({}) select {} from {} where file_id = %(f)s and not coalesce({}, false)").format(
            sql.Identifier("raw", kind.name), columns, columns, table, rejected
        ),
        {"f": file_id},
    )
    return PushdownResult(outcomes, findings, total - moved.rowcount)


def _findings(
    conn: psycopg.Connection,
    table: sql.Composable,
    file_id: int,
    failing: list[SqlExpectation],
    labels: Mapping[str, str] | None,
) -> list[RowFinding]:
    flags = sql.SQL(", ").join(
        sql.SQL("({}) as {}").format(e.unexpected, sql.Identifier(f"_f{i}")) for i, e in enumerate(failing)
    )
    cursor = conn.execute(
        sql.SQL("select *, {} from {} where file_id = %(f)s and ({}) order by source_row").format(
            flags, table, sql.SQL(" or ").join(e.unexpected for e in failing)
        ),
        {"f": file_id},
    )
    names = [d.name for d in cursor.description or []]
    findings = []
    for values in cursor:
        row = dict(zip(names, values, strict=True))
        for i, e in enumerate(failing):
            if row[f"_f{i}"]:
                findings.append(
                    RowFinding(
                        source_row=int(row["source_row"]),
                        column=e.blame,
                        raw_value=raw_text(row.get(e.blame)),
                        rule=e.rule,
                        severity=e.severity,
                        message=render(e.message, row, labels),
                    )
                )
    return findings
