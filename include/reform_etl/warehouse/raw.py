"""The shape of ``raw.<kind>``: the columns the loaders write, derived from the kinds.

The tables themselves are created by the numbered migrations; a test checks that every
kind's columns here and in a freshly migrated warehouse agree, so a column added to
:mod:`reform_etl.kinds` fails that test until a migration adds it.
"""

from __future__ import annotations

from .. import kinds as k

_SQL_TYPES = {
    k.TEXT: "text",
    k.CODE: "text",
    k.COUNT: "bigint",
    k.DECIMAL: "numeric",
    k.PERCENT: "numeric",
    k.DATETIME: "timestamp",
    k.LEVEL: "text",
    k.CHANNEL: "text",
    k.ONLINE_MODE: "text",
    k.BOOL: "boolean",
    k.YEAR: "integer",
    k.INDEX_CODE: "text",
}


def raw_columns(kind: k.Kind) -> list[tuple[str, str]]:
    """Columns of ``raw.<kind>`` in load order: lineage, identity, then the measures."""
    cols: list[tuple[str, str]] = [("file_id", "bigint not null"), ("source_row", "integer not null")]
    names = kind.column_names
    if "province" in names:
        cols.append(("province_code", "text not null"))
    if "period" in names:
        cols += [("period_label", "text not null"), ("period_start", "date not null"), ("period_end", "date not null")]
    for column in kind.columns:
        if column.name in ("province", "period"):
            continue
        if column.name == "year" and "period" in names:
            continue  # folded into the period
        cols.append((column.name, _SQL_TYPES[column.type]))
    if kind.name == k.INDEX_SCORES.name:
        cols.append(("component_code", "text not null"))
    return cols
