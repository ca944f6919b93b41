"""``audit.dbt_build_state``: what the last successful dbt build saw (used by dbt_selection)."""

from __future__ import annotations

from collections.abc import Sequence

import psycopg

# Everything about a kind's deliveries that its models read; in file order so that the
# digest does not depend on the plan.
_KIND_FINGERPRINTS = """
select kind, md5(string_agg(
    concat_ws('|', file_id, status, delivery_key, rows_loaded, supersedes_file_id), ',' order by file_id))
from audit.file_ingestions
group by kind
"""


def kind_fingerprints(conn: psycopg.Connection) -> dict[str, str]:
    """A digest per kind of what its deliveries hold now."""
    return {str(kind): str(value) for kind, value in conn.execute(_KIND_FINGERPRINTS).fetchall()}


def stored(conn: psycopg.Connection) -> dict[str, str]:
    """The fingerprints the last successful build recorded, by scope."""
    return {str(s): str(f) for s, f in conn.execute("select scope, fingerprint from audit.dbt_build_state").fetchall()}


def record(conn: psycopg.Connection, values: Sequence[tuple[str, str, str | None]]) -> None:
    """Remember (scope, fingerprint, run_id) of a successful build."""
    with conn.cursor() as cur:
        cur.executemany(
            "insert into audit.dbt_build_state (scope, fingerprint, run_id) values (%s, %s, %s) "
            "on conflict (scope) do update set fingerprint = excluded.fingerprint, run_id = excluded.run_id, "
            "built_at = now()",
            values,
        )
