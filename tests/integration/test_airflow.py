"""Airflow for real: every DAG imports cleanly and fast, and reform_pipeline runs end to end."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap

import pytest

from reform_etl.airflow_local import airflow_env, dags_test

from . import nghe_an

DAGBAG_PROBE = textwrap.dedent(
    """
    import json, time
    from airflow.dag_processing.dagbag import DagBag
    started = time.perf_counter()
    bag = DagBag()
    elapsed = time.perf_counter() - started
    cycles = {}
    for dag_id, dag in bag.dags.items():
        try:
            dag.check_cycle()
        except Exception as exc:
            cycles[dag_id] = str(exc)
    print(json.dumps({
        "errors": {k: str(v) for k, v in bag.import_errors.items()},
        "dags": {d: {"tasks": sorted(t.task_id for t in dag.tasks), "doc": bool(dag.doc_md)}
                 for d, dag in bag.dags.items()},
        "cycles": cycles,
        "seconds": elapsed,
    }))
    """
)


def test_dags_import_without_errors_cycles_or_database_access(tmp_path):
    env = airflow_env()
    # A database URL that cannot work: parsing a DAG must not need the warehouse.
    env["WAREHOUSE_URL"] = "postgresql://nobody@127.0.0.1:1/none"
    env["AIRFLOW_HOME"] = str(tmp_path / "airflow")
    probe = subprocess.run([sys.executable, "-c", DAGBAG_PROBE], env=env, capture_output=True, text=True, timeout=300)
    assert probe.returncode == 0, probe.stderr[-3000:]
    report = json.loads(probe.stdout.strip().splitlines()[-1])
    assert report["errors"] == {}
    assert report["cycles"] == {}
    assert "reform_pipeline" in report["dags"]
    assert report["dags"]["reform_pipeline"]["doc"]
    assert {"prepare", "discover", "ingest", "transform", "report"} <= set(report["dags"]["reform_pipeline"]["tasks"])
    assert report["seconds"] < 10


@pytest.mark.integration
def test_reform_pipeline_dag_runs_end_to_end(warehouse_url, landing, query):
    folder = landing / "dossier_summary"
    folder.mkdir()
    nghe_an.write(folder / nghe_an.FILE_NAME)
    (folder / "01_2024-H1.csv").write_text(
        'Cấp,Tiếp nhận,Đúng hạn,Quá hạn\nCấp tỉnh,"12,345",12000,345\nCấp xã,900,899,1\n', encoding="utf-8-sig"
    )
    (folder / "broken_2024.xlsx").write_bytes(b"PK\x03\x04 not really a workbook")

    code = dags_test("reform_pipeline", {"landing": str(landing)}, url=warehouse_url)

    assert code == 0
    [(status, files_seen)] = query(
        warehouse_url, "select status, files_seen from audit.pipeline_runs where trigger = 'airflow'"
    )
    assert (status, files_seen) == ("success", 3)
    statuses = dict(query(warehouse_url, "select regexp_replace(path, '^.*/', ''), status from audit.file_ingestions"))
    assert statuses == {nghe_an.FILE_NAME: "loaded", "01_2024-H1.csv": "loaded", "broken_2024.xlsx": "rejected"}
    rows = query(
        warehouse_url,
        "select province_code, level, round(on_time_rate, 2) from marts.fct_dossier_processing "
        "where level = 'tinh' order by province_code",
    )
    assert [(r[0], r[1], str(r[2])) for r in rows] == [("01", "tinh", "97.21"), ("40", "tinh", "95.88")]
