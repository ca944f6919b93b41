"""Row rules both load paths apply, each with the one wording its rejection has.

The row path (:mod:`.normalise`) applies them a row at a time and the bulk path
(:mod:`.bulk`) a column at a time; both take the test and the sentence from here, so a
rule changes in one place and the two paths keep rejecting the same rows for the same
reason, word for word.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from ..periods import Period
from ..provinces import MERGER_DATE

PERIOD_UNRESOLVED = "period unresolved: no period in the file name or the row"
PROVINCE_UNRESOLVED = "province unresolved: empty cell and no code in the file name"


def refused(label: str, problem: object) -> str:
    """A cell the parser or the resolver refused: the column's label, then the problem."""
    return f"{label}: {problem}"


def required_but_empty(label: str) -> str:
    return f"{label}: a value is required but the cell is empty"


def repeated_key(key: Sequence[Any], first_row: int) -> tuple[str, str]:
    """(the key as shown, the reason) for a row repeating an earlier row's key in its file."""
    described = ", ".join(str(x) for x in key)
    reason = f"repeats the key ({described}) of row {first_row} in the same file; send each record once per delivery"
    return described, reason


def after_merger(period: Period | None) -> bool:
    """Whether a row of ``period`` may no longer be reported at district level."""
    return period is not None and period.start >= MERGER_DATE


def district_after_merger(label: str, period: Period) -> str:
    return (
        f"{label}: district-level (cấp huyện) data for {period.label} — the district level was "
        "abolished on 2025-07-01; report these dossiers under the province or commune level"
    )
