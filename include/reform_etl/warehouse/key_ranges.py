"""Key ranges per delivered file, so supersession reads only the files that can share a key.

Supersession joins a new file's natural keys with the rows of every earlier file of its
provinces, a read that grows with each province's history. Raw keeps no index on the natural
key (a btree costs about 0.7 s per million rows loaded). Instead, each file records, per
province, the smallest and largest value of the key column that follows the province
(``dossier_id`` for record-level dossiers, ``period_label`` for the periodic kinds). Two
files whose ranges do not overlap in any province cannot share a key, so they need no join.

One-stop-shop systems number dossiers by period, so a month's range rarely meets another
month's, and a re-delivery meets its original. Keys without order only make ranges overlap,
which costs what the join costs today and is never a wrong answer. A file recorded before
the table (migration 0008) existed has no range and always stays a candidate.
"""

from __future__ import annotations

import psycopg
from psycopg import sql

from .. import kinds as k


def range_column(kind: k.Kind) -> str | None:
    """The key column ranges are kept on: the one after the province, if the key starts with it."""
    key = kind.natural_key
    return key[1] if len(key) > 1 and key[0] == "province_code" else None


def record(
    conn: psycopg.Connection, kind: k.Kind, file_id: int, *, known: dict[str, tuple[str, str]] | None = None
) -> None:
    """Store this file's ranges (in the load's transaction, after its rows are written).

    ``known``: the ranges per province as the load saw the rows go by; without them they are
    read back from raw, a scan of the file's rows (half a second per million).
    """
    column = range_column(kind)
    if column is None:
        return
    if known is not None:
        with conn.cursor() as cur:
            cur.executemany(
                "insert into audit.file_key_ranges (file_id, province_code, min_key, max_key) "
                "values (%s, %s, %s, %s) on conflict (file_id, province_code) do nothing",
                [(file_id, province, low, high) for province, (low, high) in sorted(known.items())],
            )
        return
    conn.execute(
        sql.SQL(
            "insert into audit.file_key_ranges (file_id, province_code, min_key, max_key) "
            'select file_id, province_code, min({c}::text collate "C"), max({c}::text collate "C") '
            "from {t} where file_id = %s and {c} is not null group by file_id, province_code "
            "on conflict (file_id, province_code) do nothing"
        ).format(c=sql.Identifier(column), t=sql.Identifier("raw", kind.name)),
        (file_id,),
    )


def overlapping(conn: psycopg.Connection, kind: k.Kind, file_id: int, candidates: list[int] | None) -> list[int] | None:
    """Those of ``candidates`` that may share a key with ``file_id``: a range meets one of its own, or no range.

    ``None`` (any file may) and an unrecorded new file are returned unchanged.
    """
    if candidates is None or not candidates or range_column(kind) is None:
        return candidates
    own = conn.execute("select 1 from audit.file_key_ranges where file_id = %s limit 1", (file_id,)).fetchone()
    if own is None:
        return candidates
    rows = conn.execute(
        "select c.file_id from unnest(%(c)s::bigint[]) as c (file_id) "
        "where not exists (select 1 from audit.file_key_ranges r where r.file_id = c.file_id) "
        "or exists (select 1 from audit.file_key_ranges r join audit.file_key_ranges n "
        "  on n.file_id = %(f)s and n.province_code = r.province_code "
        "  and r.min_key <= n.max_key and r.max_key >= n.min_key "
        "  where r.file_id = c.file_id) "
        "order by c.file_id",
        {"c": candidates, "f": file_id},
    ).fetchall()
    return [int(r[0]) for r in rows]
