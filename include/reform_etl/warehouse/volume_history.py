"""A delivery's figures beside the province's earlier periods, for the volume rule
(validation/file_rules.check_volume): one row per figure judged, with how many earlier
periods there are and their median.

Rows: (source_row, level, period_label, received, earlier periods, median, first earlier
period, last earlier period). Only the current delivery of each earlier period counts
(the latest by ``delivery_key``), and provinces formed by the 2025 merger are compared
only with periods of their own era.
"""

from __future__ import annotations

from datetime import date
from typing import Any

import psycopg

_GRAIN = (
    "case when {0} ~ '^[0-9]{{4}}$' then 'year' when {0} ~ '-H' then 'half' when {0} ~ '-Q' then 'quarter' "
    "else 'month' end"
)
_SAME_ERA = "(c.province_code <> all(%(merged)s) or (h.period_start >= %(merger)s) = (c.period_start >= %(merger)s))"

# The f-strings below splice in constant SQL fragments of this module, never input.
_SUMMARY_VOLUME_SQL = f"""
with cur as (
    select source_row, province_code, level, period_label, period_start, received,
           {_GRAIN.format("period_label")} as grain
    from raw.dossier_summary where file_id = %(f)s and received is not null
), hist as (
    select distinct on (r.province_code, r.period_label, r.level)
           r.province_code, r.level, r.period_label, r.period_start, r.received,
           {_GRAIN.format("r.period_label")} as grain
    from raw.dossier_summary r join audit.file_ingestions f on f.file_id = r.file_id
    where r.file_id <> %(f)s and f.status in ('loaded', 'superseded') and r.received is not null
      and r.province_code in (select province_code from cur)
    order by r.province_code, r.period_label, r.level, f.delivery_key desc, r.source_row desc
)
select c.source_row, c.level, c.period_label, c.received, count(*) as n,
       percentile_cont(0.5) within group (order by h.received) as median,
       min(h.period_label) as first_period, max(h.period_label) as last_period
from cur c join hist h on h.province_code = c.province_code and h.level = c.level
     and h.period_start < c.period_start and h.grain = c.grain and {_SAME_ERA}
group by c.source_row, c.level, c.period_label, c.received
order by c.source_row
"""  # noqa: S608 - constant fragments only

# Record-level files are compared per province and month of receipt. Their counts come from
# audit.file_period_counts (one row per file, province and period, written when a file
# loads), not from raw, so the rule costs the same whatever the history holds.
_RECORDS_VOLUME_SQL = f"""
with cur as (
    select province_code, period_label, period_start, rows_loaded as received,
           {_GRAIN.format("period_label")} as grain
    from audit.file_period_counts where file_id = %(f)s
), per_file as (
    select c.file_id, f.delivery_key, c.province_code, c.period_label, c.period_start, c.rows_loaded as received
    from audit.file_period_counts c join audit.file_ingestions f on f.file_id = c.file_id
    where c.file_id <> %(f)s and f.status in ('loaded', 'superseded')
      and c.province_code in (select province_code from cur)
), hist as (
    select distinct on (province_code, period_label) province_code, period_label, period_start, received,
           {_GRAIN.format("period_label")} as grain
    from per_file order by province_code, period_label, delivery_key desc
)
select null::integer, null::text, c.period_label, c.received, count(*) as n,
       percentile_cont(0.5) within group (order by h.received) as median,
       min(h.period_label) as first_period, max(h.period_label) as last_period
from cur c join hist h on h.province_code = c.province_code and h.period_start < c.period_start
     and h.grain = c.grain and {_SAME_ERA}
group by c.period_label, c.received
order by c.period_label
"""  # noqa: S608 - constant fragments only


def _history(
    conn: psycopg.Connection, query: str, file_id: int, merged: list[str], merger: date
) -> list[tuple[Any, ...]]:
    return conn.execute(query, {"f": file_id, "merged": merged, "merger": merger}).fetchall()


def summary_volumes(conn: psycopg.Connection, file_id: int, merged: list[str], merger: date) -> list[tuple[Any, ...]]:
    """Dossiers received per level and period in a ``dossier_summary`` file, against raw's history."""
    return _history(conn, _SUMMARY_VOLUME_SQL, file_id, merged, merger)


def record_volumes(conn: psycopg.Connection, file_id: int, merged: list[str], merger: date) -> list[tuple[Any, ...]]:
    """Dossier records per month in a ``dossiers`` file, against ``audit.file_period_counts``."""
    return _history(conn, _RECORDS_VOLUME_SQL, file_id, merged, merger)
