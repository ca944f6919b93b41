"""First run, identical rerun, run with a re-submission: the three runs of issue 9's acceptance."""

from __future__ import annotations

import psycopg
import pytest

from reform_etl import pipeline
from reform_etl.generate import generate

pytestmark = pytest.mark.integration


def _marts(url: str) -> dict[str, list[tuple[object, ...]]]:
    with psycopg.connect(url) as conn:
        tables = [
            r[0]
            for r in conn.execute(
                "select table_name from information_schema.tables where table_schema = 'marts' "
                "and table_type = 'BASE TABLE' order by 1"
            )
        ]
        return {t: conn.execute(f'select * from marts."{t}" order by 1, 2, 3, 4').fetchall() for t in tables}


def _run(url, landing):  # type: ignore[no-untyped-def]
    run_id = pipeline.new_run_id("test")
    pipeline.prepare(url, run_id=run_id, trigger="test", landing=landing)
    results = pipeline.ingest_all(url, landing, run_id=run_id)
    pipeline.transform(url, run_id=run_id)
    return results


def test_rerun_changes_nothing_and_a_resubmission_corrects_the_figures(warehouse_url, tmp_path, query):
    landing = tmp_path / "landing"
    generate(landing, provinces=3, years=(2024,), dossier_rows=600, fault_rate=0.0, seed=5)

    first = _run(warehouse_url, landing)
    marts_after_first = _marts(warehouse_url)
    audit_rows = query(warehouse_url, "select count(*) from audit.file_ingestions")[0][0]
    assert all(r.status == "loaded" for r in first)
    assert marts_after_first["fct_dossier_processing"]

    second = _run(warehouse_url, landing)
    assert {r.status for r in second} == {"unchanged"}
    assert query(warehouse_url, "select count(*) from audit.file_ingestions")[0][0] == audit_rows
    assert _marts(warehouse_url) == marts_after_first

    # A province re-sends its H1 report with corrected counts.
    folder = landing / "dossier_summary"
    (folder / "01_2024-H1_gui_lai.csv").write_text(
        "Cấp,Tiếp nhận,Đúng hạn,Quá hạn\nCấp tỉnh,5000,4000,1000\nCấp huyện,300,300,0\nCấp xã,200,190,10\n",
        encoding="utf-8",
    )
    third = {r.path.name: r for r in _run(warehouse_url, landing)}
    assert third["01_2024-H1_gui_lai.csv"].status == "loaded"
    rows = query(
        warehouse_url,
        "select level, received, round(on_time_rate, 2) from marts.fct_dossier_processing "
        "where province_code = '01' and period_label = '2024-H1' and source = 'summary' order by level",
    )
    assert [(r[0], r[1], str(r[2])) for r in rows] == [
        ("huyen", 300, "100.00"),
        ("tinh", 5000, "80.00"),
        ("xa", 200, "95.00"),
    ]
    superseded = query(
        warehouse_url,
        "select f.status, f.path from audit.file_ingestions f where f.file_id = "
        "(select supersedes_file_id from audit.file_ingestions where path like '%%01_2024-H1_gui_lai.csv')",
    )
    assert superseded and superseded[0][0] == "superseded"
    # raw keeps every delivery: the old rows are still there.
    [(kept,)] = query(
        warehouse_url,
        "select count(*) from raw.dossier_summary r join audit.file_ingestions f using (file_id) "
        "where f.status = 'superseded' and r.province_code = '01' and r.period_label = '2024-H1'",
    )
    assert kept >= 1
