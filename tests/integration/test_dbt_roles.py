"""dbt works as reform_transformer, also over relations an earlier dbt built as the login user."""

from __future__ import annotations

import pytest

from reform_etl import pipeline
from reform_etl.warehouse import DBT_SCHEMAS, TRANSFORMER_ROLE
from tests.support import write_landing

pytestmark = pytest.mark.integration

OWNERS_SQL = """
select distinct pg_get_userbyid(c.relowner)
from pg_class c join pg_namespace n on n.oid = c.relnamespace
where n.nspname = any(%s) and c.relkind in ('r', 'v', 'm')
"""


def test_dbt_takes_over_what_the_login_user_built_and_keeps_to_its_schemas(
    warehouse_url, landing, query, monkeypatch
) -> None:
    write_landing(landing, count=2)
    first = pipeline.new_run_id("test")
    pipeline.prepare(warehouse_url, run_id=first, trigger="test", landing=landing)
    pipeline.ingest_all(warehouse_url, landing, run_id=first)
    # An earlier release: dbt ran with the login user's rights.
    monkeypatch.setenv("REFORM_DBT_ROLE", "none")
    pipeline.transform(warehouse_url, run_id=first)
    login = query(warehouse_url, "select current_user")[0][0]
    assert query(warehouse_url, OWNERS_SQL, (list(DBT_SCHEMAS),)) == [(login,)]
    marts_before = pipeline.current_mart_rows(warehouse_url)

    monkeypatch.delenv("REFORM_DBT_ROLE")
    second = pipeline.new_run_id("test")
    pipeline.prepare(warehouse_url, run_id=second, trigger="test", landing=landing)
    pipeline.transform(warehouse_url, run_id=second)

    assert query(warehouse_url, OWNERS_SQL, (list(DBT_SCHEMAS),)) == [(TRANSFORMER_ROLE,)]
    assert pipeline.current_mart_rows(warehouse_url) == marts_before
    # Its rights end at its own schemas: no new schema, nothing in raw or audit but reading.
    assert query(
        warehouse_url,
        "select has_database_privilege(%(r)s, current_database(), 'CREATE'), "
        "has_schema_privilege(%(r)s, 'raw', 'CREATE'), has_schema_privilege(%(r)s, 'audit', 'CREATE'), "
        "has_table_privilege(%(r)s, 'audit.file_ingestions', 'INSERT')",
        {"r": TRANSFORMER_ROLE},
    ) == [(False, False, False, False)]
