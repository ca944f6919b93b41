"""Key ranges per file narrow supersession to the deliveries that can share a key."""

from __future__ import annotations

from pathlib import Path

import psycopg
import pytest

from reform_etl import kinds as k
from reform_etl import pipeline
from reform_etl.warehouse import key_ranges

from . import marts_fixtures as fx

pytestmark = pytest.mark.integration

OCTOBER = (
    "22_2025-10.csv",
    [
        "QN-1001,1.001450,Đăng ký đất đai,Cấp tỉnh,Trực tuyến,02/10/2025 08:00,09/10/2025 17:00,05/10/2025 10:00",
        "QN-1002,2.001584,Cấp bản sao văn bằng,Cấp tỉnh,Trực tiếp,03/10/2025 09:00,10/10/2025 17:00,",
    ],
)


def test_only_files_whose_ranges_meet_remain_candidates(warehouse_url: str, landing: Path) -> None:
    paths = [fx.write_records(landing, d) for d in (fx.RECORDS_V1, OCTOBER, fx.RECORDS_V2)]
    run_id = pipeline.new_run_id("test")
    pipeline.prepare(warehouse_url, run_id=run_id, trigger="test", landing=landing)
    ids = {r.path.name: r.file_id for r in pipeline.ingest_all(warehouse_url, landing, run_id=run_id)}
    september, october, again = (ids[p.name] for p in paths)
    dossiers = k.get_kind("dossiers")
    with psycopg.connect(warehouse_url, autocommit=True) as conn:
        # The loads recorded their ranges; a file without one (loaded before the table) keeps every candidate.
        conn.execute("delete from audit.file_key_ranges")
        assert key_ranges.overlapping(conn, dossiers, again, [september, october]) == [september, october]
        for file_id in (september, october, again):
            key_ranges.record(conn, dossiers, file_id)
        assert conn.execute(
            "select min_key, max_key from audit.file_key_ranges where file_id = %s", (again,)
        ).fetchall() == [("QN-0001", "QN-0005")]
        # The re-delivery meets September (its original), not October.
        assert key_ranges.overlapping(conn, dossiers, again, [september, october]) == [september]
        assert key_ranges.overlapping(conn, dossiers, october, [september, again]) == []
        # A file from before the table (no range) always stays a candidate.
        conn.execute("delete from audit.file_key_ranges where file_id = %s", (october,))
        assert key_ranges.overlapping(conn, dossiers, again, [september, october]) == [september, october]
        assert key_ranges.overlapping(conn, dossiers, again, None) is None


def test_the_range_column_follows_the_province_in_the_natural_key() -> None:
    assert key_ranges.range_column(k.get_kind("dossiers")) == "dossier_id"
    assert key_ranges.range_column(k.get_kind("dossier_summary")) == "period_label"
    assert key_ranges.range_column(k.get_kind("index_scores")) is None
