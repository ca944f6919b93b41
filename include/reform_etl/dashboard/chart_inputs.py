"""What the scorecard's charts are sized and labelled by: widths, short period labels, targets."""

from __future__ import annotations

from datetime import date

from .charts import Target
from .data import Marts, Row
from .labels import TARGETS

WIDE = 640  # a line chart wider than this gets a row of its own


def line_width(labels: int, least: int = 560) -> int:
    """Wide enough that every x label of the report's line chart has room (about 56 px each)."""
    return max(least, min(1240, 100 + 56 * labels))


def short_period(label: str) -> str:
    """'2025-03' as '03/25', so twelve months fit under a chart; other labels as they are."""
    if len(label) == 7 and label[4] == "-" and label[:4].isdigit() and label[5:].isdigit():
        return f"{label[5:]}/{label[2:4]}"
    return label


def period_key(row: Row) -> tuple[date, str]:
    """Periods in time order (a row without a start last), then by label."""
    start = row.get("period_start")
    return (start if isinstance(start, date) else date.max, str(row.get("period_label") or ""))


def targets_by_code(marts: Marts) -> dict[str, dict[int, float]]:
    found: dict[str, dict[int, float]] = {code: dict(values) for code, values in TARGETS.items()}
    for r in marts.targets:
        if r.get("target_scope") not in (None, "national") or r.get("target_value") is None:
            continue
        if r.get("target_code") and r.get("milestone_year"):
            found.setdefault(r["target_code"], {})[int(r["milestone_year"])] = float(r["target_value"])
    return found


def target_lines(values: dict[int, float]) -> list[Target]:
    colours = ("#b42318", "#7a1f8c", "#12385f")
    return [
        Target(f"Mục tiêu {year}: {value:g}%", f"{year} target: {value:g}%", value, colours[i % len(colours)])
        for i, (year, value) in enumerate(sorted(values.items()))
    ]
