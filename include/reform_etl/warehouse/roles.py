"""The project's roles and what each may do: loader, transformer, BI reader.

Run on every bootstrap rather than as a numbered migration: whether roles can be created
depends on the login user's rights (a warning, not a failure, without CREATEROLE), dbt may
have built relations as another user since, and the BI password comes from the
environment. Every statement is idempotent, as when bootstrap ran them before migrations.
"""

from __future__ import annotations

import logging

import psycopg
from psycopg import sql

log = logging.getLogger(__name__)

LOADER_ROLE = "reform_loader"
TRANSFORMER_ROLE = "reform_transformer"
BI_ROLE = "bi_reader"
# Schemas dbt builds in (dbt_project.yml and macros/generate_schema_name.sql); migration
# 0001 creates them, so that dbt running as the transformer needs CREATE on these schemas
# only, not on the whole database.
DBT_SCHEMAS = ("staging", "intermediate", "marts", "reference", "snapshots")


def ensure_roles(conn: psycopg.Connection) -> None:
    """Create the loader, transformer and BI roles when we are allowed to.

    On a warehouse given by the operator we may lack CREATEROLE; the pipeline still works,
    only the least-privilege roles are missing, so this is a warning, not a failure.
    """
    can_create = conn.execute("select rolsuper or rolcreaterole from pg_roles where rolname = current_user").fetchone()
    if not can_create or not can_create[0]:
        log.warning("current user may not create roles; skipping %s/%s/%s", LOADER_ROLE, TRANSFORMER_ROLE, BI_ROLE)
        return
    for role in (LOADER_ROLE, TRANSFORMER_ROLE, BI_ROLE):
        conn.execute(
            sql.SQL(
                "do $$ begin if not exists (select from pg_roles where rolname = {}) then create role {} nologin; "
                "end if; end $$"
            ).format(sql.Literal(role), sql.Identifier(role))
        )
    loader, transformer, bi = (sql.Identifier(r) for r in (LOADER_ROLE, TRANSFORMER_ROLE, BI_ROLE))
    for statement in (
        # The loader appends to raw (never changes or deletes a row) and keeps the audit trail.
        "grant usage on schema raw, audit to {loader}",
        "grant select, insert on all tables in schema raw to {loader}",
        "grant select, insert, update on all tables in schema audit to {loader}",
        "grant usage on all sequences in schema audit to {loader}",
        "alter default privileges in schema raw grant select, insert on tables to {loader}",
        "alter default privileges in schema audit grant select, insert, update on tables to {loader}",
        "alter default privileges in schema audit grant usage on sequences to {loader}",
        # dbt reads raw and audit and builds marts (plus its staging views and seeds).
        "grant usage on schema raw, audit to {transformer}",
        "grant select on all tables in schema raw, audit to {transformer}",
        "alter default privileges in schema raw, audit grant select on tables to {transformer}",
        "grant usage, create on schema staging, intermediate, marts, reference, snapshots to {transformer}",
        # BI reads the marts and the audit trail, nothing else.
        "grant usage on schema marts, audit to {bi}",
        "grant select on all tables in schema audit to {bi}",
        "alter default privileges in schema audit grant select on tables to {bi}",
        "revoke all on schema raw from {bi}",
    ):
        conn.execute(sql.SQL(statement).format(loader=loader, transformer=transformer, bi=bi))
    _join_roles(conn)
    _hand_dbt_relations_to_transformer(conn)
    _enable_bi_login(conn)


def _join_roles(conn: psycopg.Connection) -> None:
    """Make the login user a member of the loader and transformer roles, so it may switch to them.

    A superuser already may. A login user with CREATEROLE (PostgreSQL 16) administers the
    roles it created but is not a member of them until it grants them to itself.
    """
    for role in (LOADER_ROLE, TRANSFORMER_ROLE):
        if can_use_role(conn, role):
            continue
        try:
            with conn.transaction():
                conn.execute(sql.SQL("grant {} to current_user").format(sql.Identifier(role)))
        except psycopg.errors.InsufficientPrivilege as exc:
            log.warning("cannot make the login user a member of %s: %s", role, exc)


_NOT_TRANSFORMERS_SQL = """
select n.nspname, c.relname, c.relkind
from pg_class c join pg_namespace n on n.oid = c.relnamespace
where n.nspname = any(%(schemas)s) and c.relkind in ('r', 'v', 'm', 'p', 'S')
  and c.relowner <> (select oid from pg_roles where rolname = %(role)s)
order by n.nspname, c.relname
"""


def _hand_dbt_relations_to_transformer(conn: psycopg.Connection) -> None:
    """Give dbt's relations built by another user (an earlier release, a superuser's dbt) to the transformer.

    dbt replaces a table by renaming and dropping the old one, which only its owner may
    do; owning what it builds is the least the transformer needs. A no-op (one catalogue
    query) once everything is the transformer's.
    """
    # 'S': the batch sequences of the incremental models' ledgers (macros/delivery_ledger.sql).
    kinds = {"r": "table", "p": "table", "v": "view", "m": "materialized view", "S": "sequence"}
    rows = conn.execute(_NOT_TRANSFORMERS_SQL, {"schemas": list(DBT_SCHEMAS), "role": TRANSFORMER_ROLE}).fetchall()
    for schema, name, kind in rows:
        conn.execute(
            sql.SQL("alter {} {} owner to {}").format(
                sql.SQL(kinds[kind]), sql.Identifier(schema, name), sql.Identifier(TRANSFORMER_ROLE)
            )
        )
    if rows:
        log.info("handed %s dbt relation(s) built by another user to %s", len(rows), TRANSFORMER_ROLE)


def _enable_bi_login(conn: psycopg.Connection) -> None:
    """Let BI tools log in as bi_reader when the operator gives it a password.

    The password comes from the environment only (never the repository or a log line);
    without it the role stays NOLOGIN and BI users are granted it as members instead.
    """
    from ..config import settings

    secret = settings().bi_reader_password
    if not secret:
        return
    password = secret.get_secret_value()
    conn.execute(sql.SQL("alter role {} login password {}").format(sql.Identifier(BI_ROLE), sql.Literal(password)))


def can_use_role(conn: psycopg.Connection, role: str) -> bool:
    """True when ``role`` exists and the login user may ``set role`` to it."""
    row = conn.execute(
        "select pg_has_role(current_user, oid, 'MEMBER') from pg_roles where rolname = %s", (role,)
    ).fetchone()
    return bool(row and row[0])


def act_as(conn: psycopg.Connection, role: str) -> bool:
    """Switch the session to a least-privilege role when the login user may use it.

    Returns False (and keeps the login user's rights) on a warehouse where the project's
    roles do not exist or the user is not a member of them.
    """
    if not can_use_role(conn, role):
        log.info("role %s not available to %s; loading with the login user's rights", role, "the login user")
        return False
    conn.execute(sql.SQL("set role {}").format(sql.Identifier(role)))
    return True
