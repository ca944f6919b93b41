"""A kind's committed GX suite evaluated on Arrow columns, while a large file streams in.

The bulk loader types a record-level file in Arrow batches. Evaluating the suite on those
batches, before anything is written, lets it ``COPY`` the accepted rows straight into
``raw.<kind>``: no staging table, no second pass over the rows, and the loader never needs
to delete from raw. The expectations are the same committed ones :mod:`.pushdown` turns
into SQL (read with :func:`.pushdown.stored_suite`), translated here to Arrow compute with
GX's semantics for missing values; a type not translated fails loudly, as in SQL.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from .. import kinds as k
from .pushdown import Translated, Unsupported, stored_suite

Columns = Mapping[str, pa.Array]
Mask = Callable[[Columns], np.ndarray]


def _day(column: str) -> Callable[[Columns], pa.Array]:
    # A stamp compared by calendar day, as the SQL (``::date``) and Python rules do.
    def day(columns: Columns) -> pa.Array:
        values = columns[column]
        return pc.cast(pc.floor_temporal(values, unit="day"), pa.date32())

    return day


# Derived columns as Arrow expressions, mirroring derived.SQL_EXPRESSIONS.
ARROW_EXPRESSIONS: dict[str, dict[str, Callable[[Columns], pa.Array]]] = {
    k.DOSSIERS.name: {
        "received_on": _day("received_at"),
        "due_on": _day("due_at"),
        "completed_on": _day("completed_at"),
    },
}


ArrowExpectation = Translated  # .unexpected is a Mask


def _operand(kind: k.Kind, column: str) -> Callable[[Columns], pa.Array]:
    derived = ARROW_EXPRESSIONS.get(kind.name, {})
    if column in derived:
        return derived[column]
    return lambda columns: columns[column]


def _numpy(mask: pa.Array | pa.ChunkedArray) -> np.ndarray:
    return np.asarray(pc.fill_null(mask, False).to_numpy(zero_copy_only=False), dtype=bool)


def unexpected_mask(kind: k.Kind, expectation_type: str, args: Mapping[str, Any]) -> Mask:
    """A function of the batch's columns, true for each row GX would count as unexpected."""
    if expectation_type == "expect_column_values_to_not_be_null":
        value = _operand(kind, args["column"])
        return lambda columns: _numpy(pc.is_null(value(columns)))
    if expectation_type == "expect_column_values_to_be_between":
        value = _operand(kind, args["column"])
        low, high = args.get("min_value"), args.get("max_value")
        below = pc.less_equal if args.get("strict_min") else pc.less
        above = pc.greater_equal if args.get("strict_max") else pc.greater

        def outside(columns: Columns) -> np.ndarray:
            values = value(columns)
            bad = np.zeros(len(values), dtype=bool)
            # GX leaves missing values out of a range check (nulls compare to null, then False).
            if low is not None:
                bad |= _numpy(below(values, low))
            if high is not None:
                bad |= _numpy(above(values, high))
            return bad

        return outside
    if expectation_type == "expect_column_values_to_be_in_set":
        value = _operand(kind, args["column"])
        allowed = pa.array(list(args["value_set"]))

        def outside_set(columns: Columns) -> np.ndarray:
            values = value(columns)
            return _numpy(pc.and_(pc.is_valid(values), pc.invert(pc.is_in(values, value_set=allowed))))

        return outside_set
    if expectation_type == "expect_column_pair_values_a_to_be_greater_than_b":
        a, b = _operand(kind, args["column_A"]), _operand(kind, args["column_B"])
        compare = pc.greater_equal if args.get("or_equal") else pc.greater
        ignore = args.get("ignore_row_if", "both_values_are_missing")

        def pair(columns: Columns) -> np.ndarray:
            left, right = a(columns), b(columns)
            missing_a, missing_b = _numpy(pc.is_null(left)), _numpy(pc.is_null(right))
            if ignore == "either_value_is_missing":
                skip = missing_a | missing_b
            elif ignore == "both_values_are_missing":
                skip = missing_a & missing_b
            else:
                skip = np.zeros(len(left), dtype=bool)
            # A comparison with a missing value is not "greater": unexpected unless skipped.
            return ~skip & ~_numpy(compare(left, right))

        return pair
    raise Unsupported(f"expectation {expectation_type} cannot run on Arrow batches yet; translate it in arrow_suite.py")


def arrow_suite(kind: k.Kind, root: Path | None = None) -> list[ArrowExpectation]:
    """The kind's committed suite, each expectation as a mask over Arrow columns."""
    return [e.translated(unexpected_mask(kind, e.expectation, e.args)) for e in stored_suite(kind, root)]
