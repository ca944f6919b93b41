"""A routine build finds a delivery's raw rows through the file_id index, autovacuum or not."""

from __future__ import annotations

import psycopg
import pytest

from reform_etl.warehouse.migrate import migrate
from reform_etl.warehouse.raw_lookups import prepare_file_lookups

pytestmark = pytest.mark.integration


def _plan(conn: psycopg.Connection, file_id: int) -> str:
    rows = conn.execute(f"explain select * from raw.dossiers where file_id = {file_id}").fetchall()
    return "\n".join(r[0] for r in rows)


def test_the_file_id_index_serves_a_table_autovacuum_has_not_reached(warehouse_url: str) -> None:
    with psycopg.connect(warehouse_url, autocommit=True) as conn:
        migrate(conn)
        # Forty deliveries appended in file order, as loads write them; autovacuum kept away.
        conn.execute("alter table raw.dossiers set (autovacuum_enabled = false)")
        conn.execute(
            "insert into raw.dossiers (file_id, source_row, province_code, period_label, period_start,"
            " period_end, dossier_id, procedure_name)"
            " select g / 5000 + 1, g % 5000 + 2, '40', '2025-03', date '2025-03-01', date '2025-03-31',"
            " 'H-' || g, repeat('thủ tục ', 8) from generate_series(0, 199999) g"
        )
        assert "Seq Scan" in _plan(conn, 40)  # no statistics: the planner expects the worst
        prepare_file_lookups(conn, ["dossiers"])
        assert "dossiers_file_id_brin" in _plan(conn, 40)
        summarised = conn.execute("select brin_summarize_new_values('raw.dossiers_file_id_brin')").fetchone()
        assert summarised == (0,)  # every range was summarised already
