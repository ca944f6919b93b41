"""Schemas, tables and roles the loader owns: ``raw`` and ``audit``.

``marts`` belongs to dbt. The DDL here is idempotent, so every run may call
:func:`bootstrap`; the raw tables are derived from the kinds so that a new column in
:mod:`reform_etl.kinds` reaches the database without a hand-written migration.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from datetime import date

import psycopg
from psycopg import sql

from . import kinds as k

log = logging.getLogger(__name__)

LOADER_ROLE = "reform_loader"
TRANSFORMER_ROLE = "reform_transformer"
BI_ROLE = "bi_reader"
# Schemas dbt builds in (dbt_project.yml and macros/generate_schema_name.sql). They are
# created here, by the login user, so that dbt running as the transformer needs CREATE on
# these schemas only, not on the whole database.
DBT_SCHEMAS = ("staging", "intermediate", "marts", "reference", "snapshots")

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


AUDIT_DDL = """
create table if not exists audit.pipeline_runs (
    run_id          text primary key,
    started_at      timestamptz not null default now(),
    finished_at     timestamptz,
    trigger         text,
    landing_dir     text,
    status          text not null default 'running',
    files_seen      integer not null default 0,
    message         text
);
create table if not exists audit.file_ingestions (
    file_id             bigserial primary key,
    run_id              text,
    path                text not null,
    sha256              text not null,
    size_bytes          bigint,
    kind                text,
    format              text,
    encoding            text,
    sheet               text,
    province_code       text,
    period_label        text,
    status              text not null check (status in ('loaded','rejected','duplicate','superseded')),
    rows_read           integer not null default 0,
    rows_loaded         integer not null default 0,
    rows_rejected       integer not null default 0,
    warnings            integer not null default 0,
    message             text,
    received_at         timestamptz not null default now(),
    delivered_at        timestamptz not null,
    delivery_key        text collate "C" not null,
    loaded_at           timestamptz,
    supersedes_file_id  bigint references audit.file_ingestions(file_id),
    duplicate_of_file_id bigint references audit.file_ingestions(file_id),
    constraint rows_add_up check (rows_read = rows_loaded + rows_rejected)
);
create index if not exists file_ingestions_sha256 on audit.file_ingestions (sha256);
create index if not exists file_ingestions_path on audit.file_ingestions (path, sha256);
create table if not exists audit.rejected_rows (
    file_id      bigint not null references audit.file_ingestions(file_id),
    source_row   integer,
    column_name  text,
    raw_value    text,
    reason       text not null
);
create index if not exists rejected_rows_file on audit.rejected_rows (file_id);
create table if not exists audit.row_warnings (
    file_id      bigint not null references audit.file_ingestions(file_id),
    source_row   integer,
    column_name  text,
    raw_value    text,
    rule         text not null,
    message      text not null
);
create index if not exists row_warnings_file on audit.row_warnings (file_id);
create table if not exists audit.validation_results (
    run_id            text,
    file_id           bigint references audit.file_ingestions(file_id),
    suite             text not null,
    expectation       text not null,
    column_name       text,
    success           boolean not null,
    severity          text not null check (severity in ('error','warning')),
    observed_value    text,
    unexpected_count  bigint,
    checked_at        timestamptz not null default now()
);
create index if not exists validation_results_file on audit.validation_results (file_id);
create table if not exists audit.file_period_counts (
    file_id        bigint not null references audit.file_ingestions(file_id),
    province_code  text not null,
    period_label   text not null,
    period_start   date not null,
    rows_loaded    bigint not null,
    primary key (file_id, province_code, period_label)
);
create index if not exists file_period_counts_province on audit.file_period_counts (province_code, period_label, file_id);
create table if not exists audit.dbt_results (
    run_id          text,
    invocation      text not null,
    unique_id       text not null,
    resource_type   text not null,
    status          text not null,
    failures        integer,
    message         text,
    execution_time  double precision,
    recorded_at     timestamptz not null default now()
);
"""

# Warehouses from before delivery order was recorded: their deliveries keep the order they
# were loaded in (received_at, then file_id), which is what decided the marts until then.
# Run only when the columns are missing: ALTER TABLE locks the audit table against every
# load, and bootstrap runs at the start of each run and task.
_DELIVERY_ORDER_MIGRATION = """
alter table audit.file_ingestions add column if not exists delivered_at timestamptz;
alter table audit.file_ingestions add column if not exists delivery_key text collate "C";
update audit.file_ingestions
set delivered_at = received_at,
    delivery_key = lpad((extract(epoch from received_at) * 1000000)::bigint::text, 20, '0')
        || '|' || path || '|' || lpad(file_id::text, 20, '0')
where delivery_key is null;
alter table audit.file_ingestions alter column delivered_at set not null;
alter table audit.file_ingestions alter column delivery_key set not null;
"""

COMMENTS = {
    "audit.file_ingestions": "One row per file the pipeline has seen: its identity (SHA-256), kind, province, period, "
    "status and row accounting. rows_read = rows_loaded + rows_rejected always. delivered_at is when the file was "
    "delivered (its modification time in the landing folder, or when a pull fetched it); delivery_key orders "
    "deliveries by that time, then path: of two rows with the same natural key, the later delivery's is current.",
    "audit.rejected_rows": "Rows that were read but not loaded, with the source row number as a person sees it in "
    "the file, the column, the raw value and the reason.",
    "audit.row_warnings": "Rows that loaded but broke a warning rule (for example a printed rate that disagrees "
    "with the counts).",
    "audit.validation_results": "Every expectation evaluated on every file, with severity and outcome.",
    "audit.file_period_counts": "Dossier records (raw.dossiers) each file holds per province and month: rows_loaded "
    "rows of period_label (starting period_start). Written when the file loads; the volume rule compares a new "
    "month with these instead of re-counting raw.",
    "audit.pipeline_runs": "One row per pipeline run (command line or Airflow).",
    "audit.dbt_results": "Outcome of every dbt model, seed and data test in every build.",
}


# Files' rows per province and period, counted from raw (their rows looked up by file_id).
# ``on conflict`` lets two loads that count the same missing delivery (below) both go through.
_COUNT_FROM_RAW_SQL = f"""
insert into audit.file_period_counts (file_id, province_code, period_label, period_start, rows_loaded)
select file_id, province_code, period_label, min(period_start), count(*)
from raw.{k.DOSSIERS.name} where file_id = any(%(files)s)
group by file_id, province_code, period_label
order by file_id, province_code, period_label
on conflict do nothing
"""

# Deliveries in the history without counts: all of them once, in a warehouse from before the
# table; afterwards none, unless a loader of an earlier release committed a file since.
_UNCOUNTED_SQL = f"""
select f.file_id from audit.file_ingestions f
where f.kind = '{k.DOSSIERS.name}' and f.status in ('loaded', 'superseded')
  and not exists (select 1 from audit.file_period_counts c where c.file_id = f.file_id)
order by f.file_id
"""


def _count_uncounted(conn: psycopg.Connection) -> int:
    """Count, from raw, the deliveries that have no counts yet; returns the rows written."""
    missing = [row[0] for row in conn.execute(_UNCOUNTED_SQL).fetchall()]
    if not missing:
        return 0
    return conn.execute(_COUNT_FROM_RAW_SQL, {"files": missing}).rowcount


PeriodCount = tuple[str | None, str | None, date | None, int]  # province, period label, period start, rows


def record_period_counts(conn: psycopg.Connection, file_id: int, counts: Iterable[PeriodCount] | None = None) -> None:
    """Count a file's ``raw.dossiers`` rows per province and period into ``audit.file_period_counts``.

    ``counts`` are the same figures when the loader already has them (the bulk path tallies
    them while streaming), which saves reading the file's rows back.

    Runs inside the file's transaction, once its rows are final, and costs a lookup of the
    file's own rows whatever the warehouse's history. Earlier deliveries found without
    counts are counted too (in file order, so concurrent loads doing the same cannot
    deadlock), which keeps the history the volume rule compares with complete.
    """
    if counts is None:
        conn.execute(_COUNT_FROM_RAW_SQL, {"files": [file_id]})
    else:
        with conn.cursor().copy(
            "copy audit.file_period_counts (file_id, province_code, period_label, period_start, rows_loaded) from stdin"
        ) as copy:
            for province, label, start, rows in sorted(counts, key=lambda c: (c[0] or "", c[1] or "")):
                copy.write_row((file_id, province, label, start, rows))
    _count_uncounted(conn)


def bootstrap(conn: psycopg.Connection) -> None:
    """Create schemas, raw and audit tables, and the project's roles. Safe to repeat."""
    with conn.transaction():
        # Serialise concurrent bootstraps (parallel Airflow tasks on a fresh database).
        conn.execute("select pg_advisory_xact_lock(hashtext('reform_etl.bootstrap'))")
        for schema in ("raw", "audit", *DBT_SCHEMAS):
            conn.execute(sql.SQL("create schema if not exists {}").format(sql.Identifier(schema)))
        new_counts = conn.execute("select to_regclass('audit.file_period_counts') is null").fetchone()
        unordered = conn.execute(
            "select to_regclass('audit.file_ingestions') is not null and not exists (select 1 from "
            "information_schema.columns where table_schema = 'audit' and table_name = 'file_ingestions' "
            "and column_name = 'delivery_key')"
        ).fetchone()
        if unordered and unordered[0]:
            conn.execute(_DELIVERY_ORDER_MIGRATION)
        conn.execute(AUDIT_DDL)
        for kind in k.KINDS.values():
            _ensure_raw_table(conn, kind)
        if new_counts and new_counts[0]:
            # A warehouse from before the table: count the files already loaded, once.
            filled = _count_uncounted(conn)
            if filled:
                log.info("audit.file_period_counts: counted %s province-periods of earlier deliveries", filled)
        for table, comment in COMMENTS.items():
            schema, name = table.split(".")
            conn.execute(
                sql.SQL("comment on table {}.{} is {}").format(
                    sql.Identifier(schema), sql.Identifier(name), sql.Literal(comment)
                )
            )
        _ensure_roles(conn)


def _ensure_raw_table(conn: psycopg.Connection, kind: k.Kind) -> None:
    table = sql.Identifier("raw", kind.name)
    columns = raw_columns(kind)
    body = sql.SQL(", ").join(sql.SQL("{} {}").format(sql.Identifier(n), sql.SQL(t)) for n, t in columns)
    conn.execute(sql.SQL("create table if not exists {} ({})").format(table, body))
    # Columns added to a kind after the table was first created.
    for name, sql_type in columns:
        conn.execute(
            sql.SQL("alter table {} add column if not exists {} {}").format(
                table, sql.Identifier(name), sql.SQL(sql_type.replace(" not null", ""))
            )
        )
    if kind.name == k.INDEX_SCORES.name:
        # Scores loaded before the source column was part of the key: the same rule staging
        # applies, written once, so supersession's key joins (plain equality, hashable) see them.
        conn.execute(
            "update raw.index_scores set source = case when self_score is not null then %s else %s end "
            "where source is null",
            (k.SELF_ASSESSED, k.APPRAISED),
        )
    # Raw's one index. Raw is append-only and file ids grow with time, so a block-range
    # index finds a file's rows (and the files dbt's ledger says are new) at a fraction
    # of a btree's upkeep. Every other lookup is by file too: supersession joins a new file
    # with the earlier files of its provinces (ingest._supersede), dbt keeps its own keyed
    # tables. A btree on the natural key cost as much as 70 % of the COPY itself on every
    # load (docs/performance.md), so warehouses created before lose it, and the old btree
    # on file_id, here.
    conn.execute(
        sql.SQL("create index if not exists {} on {} using brin (file_id)").format(
            sql.Identifier(f"{kind.name}_file_id_brin"), table
        )
    )
    for old in (f"{kind.name}_file_id", f"{kind.name}_natural_key"):
        conn.execute(sql.SQL("drop index if exists {}").format(sql.Identifier("raw", old)))


def _ensure_roles(conn: psycopg.Connection) -> None:
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
    from .config import settings

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


@contextmanager
def connect(url: str, *, autocommit: bool = False) -> Iterator[psycopg.Connection]:
    try:
        conn = psycopg.connect(url, autocommit=autocommit, connect_timeout=10, application_name="reform-etl")
    except psycopg.OperationalError as exc:
        raise WarehouseUnavailable(f"cannot connect to the warehouse at {redact(url)}: {exc}".strip()) from exc
    try:
        yield conn
    finally:
        conn.close()


class WarehouseUnavailable(RuntimeError):
    pass


def redact(url: str) -> str:
    """The URL with any password hidden, for messages and logs."""
    from urllib.parse import urlsplit, urlunsplit

    parts = urlsplit(url)
    if parts.password:
        netloc = parts.netloc.replace(f":{parts.password}@", ":***@")
        return urlunsplit(parts._replace(netloc=netloc))
    return url
