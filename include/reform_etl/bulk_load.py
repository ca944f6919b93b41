"""The bulk path under its former name; it lives in :mod:`reform_etl.load.bulk`."""

from __future__ import annotations

from .load.bulk import BulkResult, NotBulkable, eligible, in_background, load, supported
from .load.bulk.cell_types import ARROW_TYPES, TYPES, Parsed, Typed, fast_datetime, parse_with, type_column
from .load.bulk.cells import Cells, Lookup, OddValues, refuse_line_breaks
from .load.bulk.pgcopy import Tuples, constant_field
from .load.bulk.repeats import SeenKeys, key_hash, string_hash
from .load.bulk.row_sorting import RowSorting
from .load.bulk.run import ENCODINGS, IDENTITY
from .load.bulk.source import BATCH_ROWS, BLOCK_BYTES, batches, header_end, layout_of

__all__ = [
    "ARROW_TYPES",
    "BATCH_ROWS",
    "BLOCK_BYTES",
    "ENCODINGS",
    "IDENTITY",
    "TYPES",
    "BulkResult",
    "Cells",
    "Lookup",
    "NotBulkable",
    "OddValues",
    "Parsed",
    "RowSorting",
    "SeenKeys",
    "Tuples",
    "Typed",
    "batches",
    "constant_field",
    "eligible",
    "fast_datetime",
    "header_end",
    "in_background",
    "key_hash",
    "layout_of",
    "load",
    "parse_with",
    "refuse_line_breaks",
    "string_hash",
    "supported",
    "type_column",
]
