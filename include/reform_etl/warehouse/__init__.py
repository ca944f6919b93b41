"""The warehouse's owner: its connection, its schema (numbered migrations) and its audit trail.

``raw`` and ``audit`` belong to the loader, ``marts`` to dbt. Every table the Python side
creates is created by a migration in ``migrations/`` (see :mod:`.migrate`), and every
query of ``audit`` by the pipeline lives in :mod:`.audit`. :func:`bootstrap` is cheap once
the warehouse is current, so every run and task may call it.
"""

from __future__ import annotations

import logging

import psycopg

from .audit import PeriodCount, record_period_counts
from .connection import WarehouseUnavailable, connect, redact
from .migrate import LOCK_KEY, Migration, migrate, migrations, pending
from .raw import raw_columns
from .roles import BI_ROLE, DBT_SCHEMAS, LOADER_ROLE, TRANSFORMER_ROLE, act_as, can_use_role, ensure_roles

log = logging.getLogger(__name__)

__all__ = [
    "BI_ROLE",
    "DBT_SCHEMAS",
    "LOADER_ROLE",
    "TRANSFORMER_ROLE",
    "Migration",
    "PeriodCount",
    "WarehouseUnavailable",
    "act_as",
    "bootstrap",
    "can_use_role",
    "connect",
    "migrate",
    "migrations",
    "pending",
    "raw_columns",
    "record_period_counts",
    "redact",
]


def bootstrap(conn: psycopg.Connection) -> None:
    """Bring the schema up to date, then the project's roles and grants. Safe to repeat."""
    migrate(conn)
    with conn.transaction():
        # Serialised with the migrations: concurrent GRANTs on one object fail in PostgreSQL.
        conn.execute("select pg_advisory_xact_lock(hashtext(%s))", (LOCK_KEY,))
        ensure_roles(conn)
