"""Numbered schema migrations, applied once each and recorded in ``audit.schema_migrations``.

``migrations/NNNN_<name>.sql`` are applied in order, each in its own transaction under an
advisory lock, so parallel bootstraps (Airflow workers, parallel loads) apply each exactly
once and the others wait for it. A warehouse that is up to date costs one catalogue query
and a read of the version table: no DDL, so no lock on any audit or raw table.

The first migrations are the baseline of the warehouse as it was before this table existed,
written with ``if not exists`` so they also upgrade such a warehouse in place. A migration
whose version is recorded but one of whose tables is missing (dropped by hand, restored
from a partial dump) is applied again with every later one, which is why every migration
must be re-runnable.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from functools import cache
from importlib import resources

import psycopg

log = logging.getLogger(__name__)

VERSION_TABLE = "audit.schema_migrations"
# One key for every process that changes the warehouse's schema (bootstrap, roles).
LOCK_KEY = "reform_etl.bootstrap"

_VERSION_DDL = """
create schema if not exists audit;
create table if not exists audit.schema_migrations (
    version     integer primary key,
    name        text not null,
    applied_at  timestamptz not null default now()
);
comment on table audit.schema_migrations is 'Schema migrations applied to this warehouse '
    '(include/reform_etl/warehouse/migrations), one row each, with when.';
"""

_FILE_NAME = re.compile(r"^(\d{4})_([a-z0-9_]+)\.sql$")
_CREATES = re.compile(r"create table if not exists\s+([a-z_]+\.[a-z_]+)", re.IGNORECASE)


@dataclass(frozen=True)
class Migration:
    version: int
    name: str
    sql: str

    @property
    def creates(self) -> tuple[str, ...]:
        """Tables the migration creates, which must exist for it to count as applied."""
        return tuple(_CREATES.findall(self.sql))


@cache
def migrations() -> tuple[Migration, ...]:
    """The migrations shipped with the package, in version order."""
    found = []
    for entry in resources.files(__package__).joinpath("migrations").iterdir():
        match = _FILE_NAME.match(entry.name)
        if match is None:
            if entry.name.endswith(".sql"):
                raise ValueError(f"migration file {entry.name} is not named NNNN_<name>.sql")
            continue
        found.append(Migration(int(match.group(1)), match.group(2), entry.read_text(encoding="utf-8")))
    found.sort(key=lambda m: m.version)
    versions = [m.version for m in found]
    if versions != list(range(1, len(found) + 1)):
        raise ValueError(f"migration versions must run 1, 2, 3, ... without gaps or repeats; found {versions}")
    return tuple(found)


def _applied(conn: psycopg.Connection) -> set[int]:
    row = conn.execute("select to_regclass(%s) is not null", (VERSION_TABLE,)).fetchone()
    if not (row and row[0]):
        return set()
    return {r[0] for r in conn.execute("select version from audit.schema_migrations").fetchall()}


def _pending(conn: psycopg.Connection, applied: set[int]) -> list[Migration]:
    known = [m for m in migrations() if m.version in applied]
    # to_regclass takes no lock, so this check leaves the tables free for loads.
    tables = sorted({t for m in known for t in m.creates})
    missing: set[str] = set()
    if tables:
        missing = {
            r[0]
            for r in conn.execute(
                "select t from unnest(%s::text[]) t where to_regclass(t) is null", (tables,)
            ).fetchall()
        }
    # A repaired table is rebuilt by its migration and then by every later one, which may
    # have changed it since.
    repair = min((m.version for m in known if missing.intersection(m.creates)), default=None)
    return [m for m in migrations() if m.version not in applied or (repair is not None and m.version >= repair)]


def pending(conn: psycopg.Connection) -> list[Migration]:
    """The migrations :func:`migrate` would apply now."""
    with conn.transaction():
        return _pending(conn, _applied(conn))


def migrate(conn: psycopg.Connection) -> list[Migration]:
    """Apply the missing migrations in order; returns those this call applied.

    Call it outside an open transaction, so that each migration commits on its own.
    """
    if not pending(conn):
        return []
    done: set[int] = set()
    applied: list[Migration] = []
    repairs: set[int] | None = None
    while True:
        with conn.transaction():
            conn.execute("select pg_advisory_xact_lock(hashtext(%s))", (LOCK_KEY,))
            # Also makes this session see the catalogue as the lock's last holder left it: the
            # advisory lock alone does not refresh the cached view to_regclass reads.
            conn.execute(_VERSION_DDL)
            recorded = _applied(conn)
            # Read again under the lock: another bootstrap may have applied them meanwhile.
            fresh = _pending(conn, recorded)
            if repairs is None:
                # Re-applied ones stay planned after their first step has put the table back.
                repairs = {m.version for m in fresh if m.version in recorded}
            todo = [m for m in migrations() if m.version not in done and (m in fresh or m.version in repairs)]
            if not todo:
                return applied
            step = todo[0]
            conn.execute(step.sql)
            conn.execute(
                "insert into audit.schema_migrations (version, name) values (%s, %s) "
                "on conflict (version) do update set name = excluded.name, applied_at = now()",
                (step.version, step.name),
            )
        log.info("warehouse migration %04d_%s applied", step.version, step.name)
        done.add(step.version)
        applied.append(step)
