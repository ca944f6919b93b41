"""Great Expectations suites per kind, and running them on a delivered file.

- :mod:`.checks` — the suites in code (one ``Check`` per expectation, with severity);
- :mod:`.gx_context` — syncing them into the committed GX context under ``expectations/``;
- :mod:`.in_memory` — GX on pandas chunks, for the small kinds;
- :mod:`.pushdown` — the same suite as SQL on the rows just loaded, for the large kind;
- :mod:`.arrow_suite` — the same suite on Arrow batches, while a large CSV of that kind
  streams into raw (:mod:`reform_etl.load.bulk`);
- :mod:`.file_rules` — total row, published rank order, volume against history;
- :mod:`.after_load` — the loader's hook that runs the last three inside the file's
  transaction;
- :mod:`.catalogue` — every rule with its severity and where it runs, for the report.

Severity follows the contract: ``error`` (GX ``critical``) rejects the offending rows,
``warning`` loads them and stores a warning beside them.
"""

from __future__ import annotations

from .after_load import AfterLoad, check_loaded_file
from .catalogue import FILE_RULES, RuleInfo, rule_catalogue
from .checks import ERROR, PUSHDOWN_KINDS, WARNING, Check, checks_for, runs_in_sql
from .derived import add_check_columns
from .gx_context import BATCH, DATASOURCE, sync_context
from .in_memory import validate_rows
from .pushdown import load_target
from .results import ExpectationOutcome, RowFinding, ValidationOutcome

__all__ = [
    "BATCH",
    "DATASOURCE",
    "ERROR",
    "FILE_RULES",
    "PUSHDOWN_KINDS",
    "WARNING",
    "AfterLoad",
    "Check",
    "ExpectationOutcome",
    "RowFinding",
    "RuleInfo",
    "ValidationOutcome",
    "add_check_columns",
    "check_loaded_file",
    "load_target",
    "checks_for",
    "rule_catalogue",
    "runs_in_sql",
    "sync_context",
    "validate_rows",
]
