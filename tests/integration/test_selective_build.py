"""A routine dbt build selects only what new deliveries feed, and the marts come out as a full build's.

One warehouse loads a first set of deliveries and is built in full (it is new), then takes a
re-delivery of record-level dossiers and later one index table, each followed by a routine
build. A fresh warehouse loads the same files and is built in full once. Every mart and every
file's fate must be equal row for row.
"""

from __future__ import annotations

from pathlib import Path

import psycopg
import pytest

from reform_etl import pipeline
from reform_etl.generate import generate
from reform_etl.transform import TransformResult

from . import marts_fixtures as fx
from . import warehouse_state as state

pytestmark = pytest.mark.integration


def _load_and_build(url: str, landing: Path, *, full: bool = False) -> TransformResult:
    run_id = pipeline.new_run_id("test")
    pipeline.prepare(url, run_id=run_id, trigger="test", landing=landing)
    pipeline.ingest_all(url, landing, run_id=run_id)
    return pipeline.transform(url, run_id=run_id, full=full)


def _built(result: TransformResult) -> set[str]:
    return {n.unique_id.split(".")[-1] for n in result.nodes if n.resource_type in ("model", "snapshot", "seed")}


def _relation(url: str, name: str, schema: str = "marts") -> tuple[int, str | None, bool | None]:
    """The relation's oid, its comment, and whether bi_reader may read it (None without that role)."""
    with psycopg.connect(url) as conn:
        row = conn.execute(
            "select c.oid, obj_description(c.oid, 'pg_class'), "
            "case when exists (select from pg_roles where rolname = 'bi_reader') "
            "then has_table_privilege('bi_reader', c.oid, 'select') end "
            "from pg_class c join pg_namespace n on n.oid = c.relnamespace "
            "where n.nspname = %s and c.relname = %s",
            (schema, name),
        ).fetchone()
    assert row is not None, name
    return int(row[0]), row[1], row[2]


def test_routine_builds_select_the_changed_kinds_and_equal_a_full_build(
    warehouse_url: str, pg_server_url: str, landing: Path
) -> None:
    generate(landing, provinces=3, years=(2024, 2025), dossier_rows=300, fault_rate=0.0, seed=4)
    fx.write_records(landing, fx.RECORDS_V1)
    fx.write_par_2019(landing)

    first = _load_and_build(warehouse_url, landing)
    assert first.count("seed") > 0 and first.count("unit_test") > 0  # a new warehouse is built in full
    table_before = _relation(warehouse_url, "fct_dossier_processing")
    view_before = _relation(warehouse_url, "stg_raw__dossiers", "staging")
    assert _relation(warehouse_url, "int_dossier_records__current", "intermediate")[1]  # documented by the full build
    # A routine build neither compares the incremental table's columns again nor rewrites its
    # comments (macros/materializations/routine_incremental.sql): a comment put on it now stays.
    with psycopg.connect(warehouse_url, autocommit=True) as conn:
        conn.execute("comment on table intermediate.int_dossier_records__current is 'kept by routine builds'")
    current_before = _relation(warehouse_url, "int_dossier_records__current", "intermediate")
    assert table_before[1] and table_before[2] is not False  # documented, and granted where the role exists

    # A re-delivery of record-level dossiers: only the dossier side is built, without seeds or unit tests.
    fx.write_records(landing, fx.RECORDS_V2)
    second = _load_and_build(warehouse_url, landing)
    built = _built(second)
    assert {"stg_raw__dossiers", "int_dossier_records__current", "fct_dossier_processing"} <= built
    assert not built & {"stg_raw__index_scores", "fct_index_scores", "dim_province", "provinces_34"}
    assert second.count("seed") == 0 and second.count("unit_test") == 0
    assert second.count("test") > 0  # the selected models' data tests still run
    # the marts' rows were replaced in place: the same table, still documented and granted
    assert _relation(warehouse_url, "fct_dossier_processing") == table_before
    assert _relation(warehouse_url, "stg_raw__dossiers", "staging") == view_before  # the view is kept
    # the incremental table is the same table, and its comment was not written again
    assert _relation(warehouse_url, "int_dossier_records__current", "intermediate") == current_before

    # Another kind, then nothing new at all.
    fx.write_pci_2011(landing)
    third = _load_and_build(warehouse_url, landing)
    assert "fct_index_scores" in _built(third) and "fct_dossier_processing" not in _built(third)
    # the staging view's data tests check the new delivery's rows: a routine build keeps them
    assert any(n.resource_type == "test" and "stg_raw__index_scores" in n.unique_id for n in third.nodes)
    assert _load_and_build(warehouse_url, landing).nodes == []

    reference = f"{pg_server_url.rsplit('/', 1)[0]}/{warehouse_url.rsplit('/', 1)[1]}_ref"
    admin = f"{pg_server_url.rsplit('/', 1)[0]}/postgres"
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'create database "{reference.rsplit("/", 1)[1]}"')
    try:
        _load_and_build(reference, landing, full=True)
        assert state.statuses(reference) == state.statuses(warehouse_url)
        assert state.differences(state.marts(warehouse_url), state.marts(reference)) == []
    finally:
        with psycopg.connect(admin, autocommit=True) as conn:
            conn.execute(f'drop database if exists "{reference.rsplit("/", 1)[1]}" with (force)')


def test_a_full_build_is_there_when_asked_for(warehouse_url: str, landing: Path) -> None:
    fx.write_records(landing, fx.RECORDS_V1)
    _load_and_build(warehouse_url, landing)
    oid, comment, granted = _relation(warehouse_url, "fct_dossier_processing")
    again = _load_and_build(warehouse_url, landing, full=True)
    assert again.count("seed") > 0 and "fct_index_scores" in _built(again)
    # a full build recreates the marts' tables (dbt's table materialization), comment and grant included
    recreated = _relation(warehouse_url, "fct_dossier_processing")
    assert recreated[0] != oid and recreated[1:] == (comment, granted)
