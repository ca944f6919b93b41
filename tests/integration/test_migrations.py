"""Numbered migrations: a fresh warehouse, one built before them, parallel bootstraps, a second run."""

from __future__ import annotations

import threading
import uuid
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import psycopg
import pytest

from reform_etl import kinds as k
from reform_etl import warehouse

pytestmark = pytest.mark.integration

FIXTURES = Path(__file__).parent / "fixtures"
SCHEMAS = ("raw", "audit", *warehouse.DBT_SCHEMAS)

# Column order is left out on purpose: a column that an upgrade adds comes last, as it
# always did with "add column", and every reader and loader names its columns.
_COLUMNS = """
select table_schema, table_name, column_name, data_type, is_nullable, column_default, collation_name
from information_schema.columns where table_schema = any(%(s)s) order by 1, 2, 3
"""
_INDEXES = (
    "select schemaname, tablename, indexname, indexdef from pg_indexes where schemaname = any(%(s)s) order by 1, 2, 3"
)
_CONSTRAINTS = """
select n.nspname, c.conrelid::regclass::text, c.conname, pg_get_constraintdef(c.oid)
from pg_constraint c join pg_namespace n on n.oid = c.connamespace
where n.nspname = any(%(s)s) order by 1, 2, 3
"""
_COMMENTS = """
select c.oid::regclass::text, obj_description(c.oid, 'pg_class')
from pg_class c join pg_namespace n on n.oid = c.relnamespace
where n.nspname = any(%(s)s) and c.relkind = 'r' order by 1
"""
_SCHEMAS = "select nspname from pg_namespace where nspname = any(%(s)s) order by 1"
_APPLIED = "select version, name, applied_at from audit.schema_migrations order by version"


def _catalogue(url: str) -> dict[str, list[tuple[object, ...]]]:
    with psycopg.connect(url) as conn:
        return {
            name: conn.execute(query, {"s": list(SCHEMAS)}).fetchall()
            for name, query in (
                ("schemas", _SCHEMAS),
                ("columns", _COLUMNS),
                ("indexes", _INDEXES),
                ("constraints", _CONSTRAINTS),
                ("comments", _COMMENTS),
            )
        }


def _bootstrap(url: str) -> None:
    with warehouse.connect(url, autocommit=True) as conn:
        warehouse.bootstrap(conn)


@pytest.fixture
def fresh_url(pg_server_url: str) -> Iterator[str]:
    """A second empty database, bootstrapped by this release, to compare an upgrade with."""
    name = f"t_{uuid.uuid4().hex[:12]}"
    admin = urlunsplit(urlsplit(pg_server_url)._replace(path="/postgres"))
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'create database "{name}"')
    url = urlunsplit(urlsplit(pg_server_url)._replace(path=f"/{name}"))
    _bootstrap(url)
    yield url
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'drop database if exists "{name}" with (force)')


def _build_d5374ec(url: str) -> None:
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute((FIXTURES / "warehouse_d5374ec.sql").read_text(encoding="utf-8"))


def test_the_migrations_are_numbered_in_order_from_one() -> None:
    found = warehouse.migrations()
    assert [m.version for m in found] == list(range(1, len(found) + 1))
    assert all(m.sql.strip() for m in found)


def test_a_fresh_warehouse_gets_every_migration_once_and_the_kinds_raw_columns(warehouse_url, query) -> None:
    _bootstrap(warehouse_url)

    applied = query(warehouse_url, _APPLIED)
    assert [(v, n) for v, n, _ in applied] == [(m.version, m.name) for m in warehouse.migrations()]
    for kind in k.KINDS.values():
        columns = query(
            warehouse_url,
            "select column_name, data_type, is_nullable from information_schema.columns "
            "where table_schema = 'raw' and table_name = %s order by ordinal_position",
            (kind.name,),
        )
        # A column added to a kind needs a migration that adds it to the table: this says which.
        expected = [
            (
                name,
                {"timestamp": "timestamp without time zone"}.get(t.split()[0], t.split()[0]),
                "NO" if "not null" in t else "YES",
            )
            for name, t in warehouse.raw_columns(kind)
        ]
        assert columns == expected, f"raw.{kind.name} differs from raw_columns({kind.name}): add a migration"


def test_a_warehouse_built_before_migrations_is_upgraded_to_the_same_schema(warehouse_url, fresh_url, query) -> None:
    _build_d5374ec(warehouse_url)
    with psycopg.connect(warehouse_url, autocommit=True) as conn:
        conn.execute(
            "insert into audit.file_ingestions (path, sha256, kind, status, delivered_at, delivery_key) "
            "values ('a.csv', 'abc', 'dossiers', 'loaded', now(), 'k')"
        )

    _bootstrap(warehouse_url)

    assert _catalogue(warehouse_url) == _catalogue(fresh_url)
    assert [v for v, _, _ in query(warehouse_url, _APPLIED)] == [m.version for m in warehouse.migrations()]
    assert query(warehouse_url, "select path, delivery_key from audit.file_ingestions") == [("a.csv", "k")]


def test_an_earlier_shape_is_upgraded_with_its_rows(warehouse_url, fresh_url, query) -> None:
    """No delivery order, no counts table, scores without source, the btrees raw had once."""
    _build_d5374ec(warehouse_url)
    with psycopg.connect(warehouse_url, autocommit=True) as conn:
        conn.execute(
            """
            drop table audit.file_period_counts;
            alter table audit.file_ingestions drop column delivered_at, drop column delivery_key;
            alter table raw.index_scores drop column source;
            create index dossiers_file_id on raw.dossiers (file_id);
            insert into audit.file_ingestions (path, sha256, kind, status, received_at)
            values ('40_2024-01.csv', 'abc', 'dossiers', 'loaded', '2024-02-01 08:00+07'),
                   ('40_2024.csv', 'def', 'index_scores', 'loaded', '2024-02-02 08:00+07');
            insert into raw.dossiers (file_id, source_row, province_code, period_label, period_start, period_end)
            select 1, n, '40', '2024-01', '2024-01-01', '2024-01-31' from generate_series(2, 8) n;
            insert into raw.index_scores (file_id, source_row, province_code, index_code, year, component,
                                          self_score, component_code)
            values (2, 2, '40', 'PAR', 2024, 'a', 7, 'a'), (2, 3, '40', 'PAR', 2024, 'b', null, 'b');
            """
        )

    _bootstrap(warehouse_url)

    assert _catalogue(warehouse_url) == _catalogue(fresh_url)
    assert query(warehouse_url, "select delivery_key from audit.file_ingestions order by file_id") == [
        ("00001706749200000000|40_2024-01.csv|00000000000000000001",),
        ("00001706835600000000|40_2024.csv|00000000000000000002",),
    ]
    assert query(
        warehouse_url, "select file_id, province_code, period_label, rows_loaded from audit.file_period_counts"
    ) == [(1, "40", "2024-01", 7)]
    assert query(warehouse_url, "select source from raw.index_scores order by source_row") == [
        (k.SELF_ASSESSED,),
        (k.APPRAISED,),
    ]


def test_a_second_bootstrap_applies_nothing_and_changes_no_table(warehouse_url, query) -> None:
    _bootstrap(warehouse_url)
    before = query(warehouse_url, _APPLIED)
    with psycopg.connect(warehouse_url, autocommit=True) as conn:
        # Every DDL command from here on is written down, whoever runs it.
        conn.execute(
            """
            create table public.ddl_seen (tag text not null);
            create function public.note_ddl() returns event_trigger language plpgsql as
            $$ begin insert into public.ddl_seen values (tg_tag); end $$;
            create event trigger note_ddl on ddl_command_start execute function public.note_ddl();
            """
        )

    with warehouse.connect(warehouse_url, autocommit=True) as conn:
        assert warehouse.pending(conn) == []
        warehouse.bootstrap(conn)
        conn.execute("create view public.probe as select 1")  # shows that the trigger notes DDL

    assert query(warehouse_url, _APPLIED) == before
    tags = {tag for (tag,) in query(warehouse_url, "select tag from public.ddl_seen")}
    assert "CREATE VIEW" in tags
    # What is left is the roles' grants, which bootstrap keeps on every run (warehouse/roles.py).
    assert tags - {"CREATE VIEW"} <= {"GRANT", "REVOKE", "ALTER DEFAULT PRIVILEGES"}, tags


def test_a_dropped_table_is_created_again(warehouse_url, query) -> None:
    _bootstrap(warehouse_url)
    with psycopg.connect(warehouse_url, autocommit=True) as conn:
        conn.execute("drop table audit.task_failures")

    with warehouse.connect(warehouse_url, autocommit=True) as conn:
        # Its migration and the later ones, which may have changed the table since.
        later = [m.name for m in warehouse.migrations() if m.version >= 5]
        assert later[:2] == ["task_failures", "backfills"]
        assert [m.name for m in warehouse.migrate(conn)] == later
    assert query(warehouse_url, "select to_regclass('audit.task_failures') is not null") == [(True,)]


@pytest.mark.parametrize("built", ["empty", "d5374ec"])
def test_four_parallel_bootstraps_apply_each_migration_once(warehouse_url, fresh_url, built) -> None:
    if built == "d5374ec":
        _build_d5374ec(warehouse_url)
    start = threading.Barrier(4)
    applied: list[int] = []
    errors: list[BaseException] = []

    def bootstrap() -> None:
        try:
            with warehouse.connect(warehouse_url, autocommit=True) as conn:
                start.wait(timeout=30)
                applied.extend(m.version for m in warehouse.migrate(conn))
                warehouse.bootstrap(conn)
        except BaseException as exc:  # noqa: BLE001 - reported below, with the thread's error
            errors.append(exc)

    threads = [threading.Thread(target=bootstrap) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)

    assert errors == []
    assert sorted(applied) == [m.version for m in warehouse.migrations()]
    assert _catalogue(warehouse_url) == _catalogue(fresh_url)
