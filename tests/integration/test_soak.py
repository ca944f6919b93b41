"""Many deliveries at once: exact accounting per file, no duplicates, concurrent loads of the same keys."""

from __future__ import annotations

import json
import time
from datetime import UTC, datetime, timedelta

import pytest

from reform_etl import pipeline
from reform_etl.delivery import mark_delivered
from reform_etl.generate import generate

pytestmark = [pytest.mark.integration, pytest.mark.slow]


def test_soak_of_500_plus_files_with_parallel_loads(warehouse_url, tmp_path, query):
    landing = tmp_path / "landing"
    summary = generate(landing, provinces=None, years=(2023, 2024, 2025), dossier_rows=3000, fault_rate=0.1, seed=11)
    manifest = json.loads(summary.write_manifest().read_text())
    files = manifest["files"]
    assert len(files) >= 500
    faulty = sum(1 for f in files if f["faults"])
    assert 0.05 * len(files) <= faulty <= 0.2 * len(files)

    run_id = pipeline.new_run_id("soak")
    pipeline.prepare(warehouse_url, run_id=run_id, trigger="test", landing=landing)
    started = time.perf_counter()
    results = pipeline.ingest_all(warehouse_url, landing, run_id=run_id, workers=2)
    elapsed = time.perf_counter() - started
    print(f"soak: {len(files)} files in {elapsed:.1f} s with 2 workers")

    assert len(results) == len(files)
    rows = query(
        warehouse_url,
        "select path, sha256, status, rows_read, rows_loaded, rows_rejected from audit.file_ingestions",
    )
    assert len(rows) == len(files), "each file recorded exactly once"
    assert len({r[0] for r in rows}) == len(files)
    assert all(r[3] == r[4] + r[5] for r in rows)
    loaded_hashes = [r[1] for r in rows if r[2] in ("loaded", "superseded")]
    assert len(loaded_hashes) == len(set(loaded_hashes)), "no bytes loaded twice"
    for kind in ("dossier_summary", "dossiers", "online_services", "online_service_summary", "index_scores"):
        [(dupes,)] = query(
            warehouse_url,
            f"select count(*) from (select file_id, source_row from raw.{kind} group by 1, 2 having count(*) > 1) d",
        )
        assert dupes == 0, kind
        [(raw_rows,)] = query(warehouse_url, f"select count(*) from raw.{kind}")
        [(accounted,)] = query(
            warehouse_url,
            "select coalesce(sum(rows_loaded), 0) from audit.file_ingestions where kind = %s "
            "and status in ('loaded', 'superseded')",
            (kind,),
        )
        assert raw_rows == accounted, kind


def test_two_loads_of_the_same_keys_at_once_never_both_win(warehouse_url, landing, query):
    """Four versions of one report loaded side by side: the last delivered wins, whichever commits last."""
    folder = landing / "dossier_summary"
    folder.mkdir()
    header = "Cấp,Tiếp nhận,Đúng hạn,Quá hạn\n"
    sent = datetime(2024, 7, 10, 8, 0, tzinfo=UTC)
    for version, late in ((1, 5), (2, 7), (3, 9), (4, 11)):
        body = "".join(f"Cấp {lv},{1000 + late},1000,{late}\n" for lv in ("tỉnh", "xã"))
        path = folder / f"40_2024-H1_v{version}.csv"
        path.write_text(header + body, encoding="utf-8")
        mark_delivered(path, sent + timedelta(hours=version))

    run_id = pipeline.new_run_id("race")
    pipeline.prepare(warehouse_url, run_id=run_id, trigger="test", landing=landing)
    pipeline.ingest_all(warehouse_url, landing, run_id=run_id, workers=4)

    statuses = dict(query(warehouse_url, "select regexp_replace(path, '^.*/', ''), status from audit.file_ingestions"))
    assert statuses == {
        "40_2024-H1_v1.csv": "superseded",
        "40_2024-H1_v2.csv": "superseded",
        "40_2024-H1_v3.csv": "superseded",
        "40_2024-H1_v4.csv": "loaded",
    }
    [(late,)] = query(
        warehouse_url,
        "select max(r.resolved_late) from raw.dossier_summary r join audit.file_ingestions f using (file_id) "
        "where f.status = 'loaded'",
    )
    assert late == 11
