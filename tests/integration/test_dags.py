"""The data-aware DAGs: they parse fast without touching a database, and they run end to end.

reform_ingest -> (raw Assets) -> reform_transform (Cosmos, one task per dbt node) ->
(mart Assets) -> reform_report, plus reform_backfill and the shared failure callback.
"""

from __future__ import annotations

import http.server
import json
import sqlite3
import subprocess
import sys
import textwrap
import threading
from pathlib import Path

import pytest

from reform_etl import backfill, pipeline, tasks
from reform_etl.airflow_callbacks import ReformFailureNotifier, failure_line, task_failed
from reform_etl.airflow_dbt import ensure_manifest, mart_models
from reform_etl.airflow_local import airflow_env, airflow_home, dags_test
from reform_etl.config import settings
from tests.support import write_landing

DAG_FILES = ("reform_ingest", "reform_transform", "reform_report", "reform_backfill", "reform_pipeline")


PARSE_PROBE = textwrap.dedent(
    """
    import json, socket, sys, time

    attempts = []
    real_connect = socket.socket.connect

    def guarded(self, address):
        # A Unix socket is local IPC; anything else would be a database or network call.
        if self.family != socket.AF_UNIX:
            attempts.append(str(address))
            raise OSError("network access while parsing a DAG")
        return real_connect(self, address)

    socket.socket.connect = guarded
    import psycopg

    def no_db(*args, **kwargs):
        attempts.append("psycopg.connect")
        raise psycopg.OperationalError("database access while parsing a DAG")

    psycopg.connect = no_db
    import reform_etl.embedded_db as embedded

    def no_server(self, **kwargs):
        attempts.append("embedded server start")
        raise RuntimeError("the embedded PostgreSQL was started while parsing a DAG")

    embedded.EmbeddedServer.start = no_server
    from airflow.dag_processing.dagbag import DagBag

    out = {}
    for path in sys.argv[1:]:
        started = time.perf_counter()
        bag = DagBag(dag_folder=path)
        seconds = time.perf_counter() - started
        dags = {}
        for dag_id, dag in bag.dags.items():
            dag.check_cycle()
            dags[dag_id] = {
                "doc": dag.doc_md or "",
                "tasks": sorted(t.task_id for t in dag.tasks),
                "owner": sorted({t.owner for t in dag.tasks}),
                "callbacks": sorted({len(t.on_failure_callback or []) for t in dag.tasks}),
                "schedule": repr(getattr(dag.timetable, "asset_condition", None)),
                "outlets": sorted({getattr(o, "name", "") for t in dag.tasks for o in t.outlets}),
            }
        out[path] = {"seconds": seconds, "errors": {k: str(v) for k, v in bag.import_errors.items()}, "dags": dags}
    print(json.dumps({"files": out, "attempts": attempts}))
    """
)


def test_each_dag_file_parses_in_under_two_seconds_without_database_access(tmp_path):
    ensure_manifest()
    env = airflow_env()
    env.pop("WAREHOUSE_URL", None)  # parsing must not even look for the warehouse
    env["AIRFLOW_HOME"] = str(tmp_path / "airflow")
    paths = [str(settings().dags_dir / f"{name}.py") for name in DAG_FILES]
    probe = subprocess.run(
        [sys.executable, "-c", PARSE_PROBE, *paths], env=env, capture_output=True, text=True, timeout=120
    )
    assert probe.returncode == 0, probe.stderr[-3000:]
    report = json.loads(probe.stdout.strip().splitlines()[-1])
    assert report["attempts"] == []
    files = report["files"]
    for path, result in files.items():
        assert result["errors"] == {}, path
        assert result["seconds"] < 2.0, f"{path} took {result['seconds']:.2f} s to parse"
        for dag_id, dag in result["dags"].items():
            assert dag["doc"].lstrip().startswith(f"### {dag_id}"), f"{dag_id} has no doc_md from its docstring"
            assert dag["callbacks"] == [1], f"{dag_id}: every task needs the shared failure callback"
    dags = {dag_id: dag for result in files.values() for dag_id, dag in result["dags"].items()}
    assert set(DAG_FILES) <= set(dags)
    assert dags["reform_ingest"]["tasks"] == ["discover", "finish", "ingest", "prepare", "publish"]
    assert dags["reform_backfill"]["tasks"] == ["finish", "plan", "prepare", "publish", "reprocess"]
    assert dags["reform_report"]["tasks"] == ["data_docs", "report"]
    dbt_tasks = [t for t in dags["reform_transform"]["tasks"] if t.startswith("dbt.")]
    # Every mart is a model task followed by its own test task; seeds load reference data.
    for mart in mart_models():
        assert f"dbt.{mart}.run" in dbt_tasks
        assert f"dbt.{mart}.test" in dbt_tasks or any(t.startswith(f"dbt.{mart}") for t in dbt_tasks)
    assert any(t.endswith("_seed") for t in dbt_tasks)
    assert {"prepare", "publish"} <= set(dags["reform_transform"]["tasks"])
    # Data-aware chain: pull -> ingest -> transform -> report, through Assets.
    assert "reform_landing_dossier_summary" in dags["reform_ingest"]["schedule"]
    assert dags["reform_ingest"]["outlets"] == ["reform_raw_loaded"]  # the alias; events name the kind
    assert "reform_raw_dossier_summary" in dags["reform_transform"]["schedule"]
    assert {f"reform_mart_{m}" for m in mart_models()} | {"reform_marts"} <= set(dags["reform_transform"]["outlets"])
    assert "reform_marts" in dags["reform_report"]["schedule"]


def _asset_events(dag_id: str) -> list[tuple[str, str]]:
    with sqlite3.connect(airflow_home() / "airflow.db") as db:
        return db.execute(
            "select a.name, e.extra from asset_event e join asset a on a.id = e.asset_id where e.source_dag_id = ? "
            "order by e.id",
            (dag_id,),
        ).fetchall()


@pytest.mark.integration
def test_ingest_transform_and_backfill_dags_run_end_to_end(warehouse_url, landing, query, monkeypatch):
    # The dossier path of the dbt project (seeds, staging, dim_province, the fact and every
    # test on them): the whole project renders the same way, it only takes longer.
    monkeypatch.setenv("REFORM_DBT_SELECT", "+fct_dossier_processing")
    monkeypatch.setenv("REFORM_TASK_RETRIES", "0")  # a failure shows at once, not after back-off
    files = write_landing(landing, count=6)
    (landing / "dossier_summary" / "broken_2024.xlsx").write_bytes(b"PK\x03\x04 not really a workbook")

    assert dags_test("reform_ingest", {"landing": str(landing)}, url=warehouse_url, log_name="ingest.log") == 0
    statuses = query(warehouse_url, "select status, count(*) from audit.file_ingestions group by 1 order by 1")
    assert statuses == [("loaded", len(files)), ("rejected", 1)]
    events = _asset_events("reform_ingest")
    assert [name for name, _ in events] == ["reform_raw_dossier_summary"]
    assert json.loads(events[0][1])["rows_loaded"] == 2 * len(files)

    # Nothing new for the next run: no file is mapped again, so nothing is recorded twice.
    assert tasks.discover_new({"landing": str(landing), "run_id": "next"}) == []

    assert dags_test("reform_transform", {}, url=warehouse_url, log_name="transform.log") == 0
    rows = query(warehouse_url, "select count(*) from marts.fct_dossier_processing where level = 'tinh'")
    assert rows == [(len(files),)]
    outcomes = dict(query(warehouse_url, "select resource_type, count(*) from audit.dbt_results group by 1 order by 1"))
    assert outcomes.get("model", 0) >= 2 and outcomes.get("test", 0) >= 5 and outcomes.get("seed", 0) >= 1
    assert query(warehouse_url, "select count(*) from audit.dbt_results where status in ('error', 'fail')") == [(0,)]
    assert "reform_marts" in [name for name, _ in _asset_events("reform_transform")]

    before = query(warehouse_url, "select file_id, path from audit.file_ingestions order by file_id")
    conf = {"province": "40", "period_from": "2024", "period_to": "2024"}
    assert dags_test("reform_backfill", conf, url=warehouse_url, log_name="backfill.log") == 0
    after = query(warehouse_url, "select file_id, path from audit.file_ingestions order by file_id")
    changed = sorted(set(before) ^ set(after))
    assert [Path(p).name for _, p in changed] == ["40_2024-H1.csv", "40_2024-H1.csv"]
    assert [name for name, _ in _asset_events("reform_backfill")] == ["reform_raw_dossier_summary"]


@pytest.mark.integration
def test_backfill_reprocesses_one_province_and_period_and_nothing_else(warehouse_url, landing, query):
    write_landing(landing, count=3, period="2022-H1")  # 01, 02, 04
    write_landing(landing, count=3, period="2022-H2")
    redelivery = landing / "dossier_summary" / "02_2022-H1_ban-sua.csv"
    redelivery.write_text(
        'Cấp,Tiếp nhận,Đúng hạn,Quá hạn\nCấp tỉnh,"20.000",19000,1000\nCấp xã,930,930,0\n', encoding="utf-8"
    )
    pipeline.prepare(warehouse_url, run_id="load", trigger="test", landing=landing)
    pipeline.ingest_all(warehouse_url, landing, run_id="load")
    snapshot = "select file_id, status, province_code, period_label, rows_loaded from audit.file_ingestions order by 1"
    before = query(warehouse_url, snapshot)
    raw_before = query(warehouse_url, "select file_id, count(*) from raw.dossier_summary group by 1 order by 1")

    done = backfill.run(warehouse_url, province="2", period_from="2022-H1", run_id="bf-1")

    [group] = done
    assert (group["province"], group["period"]) == ("02", "2022-H1")
    assert [(f["old_status"], f["status"]) for f in group["files"]] == [
        ("superseded", "superseded"),
        ("loaded", "loaded"),
    ]
    after = query(warehouse_url, snapshot)
    untouched = [r for r in before if not (r[2] == "02" and r[3] == "2022-H1")]
    assert [r for r in after if not (r[2] == "02" and r[3] == "2022-H1")] == untouched
    new = [r for r in after if r[2] == "02" and r[3] == "2022-H1"]
    assert [r[1] for r in new] == ["superseded", "loaded"] and min(r[0] for r in new) > max(r[0] for r in before)
    raw_after = dict(query(warehouse_url, "select file_id, count(*) from raw.dossier_summary group by 1 order by 1"))
    for file_id, count in raw_before:
        if file_id in {r[0] for r in untouched}:
            assert raw_after[file_id] == count
    paths = query(
        warehouse_url, "select path from audit.file_ingestions where file_id = any(%s)", ([r[0] for r in new],)
    )
    assert sorted(Path(p).parent for (p,) in paths) == [landing / "dossier_summary"] * 2
    assert query(warehouse_url, "select count(*), count(new_file_id) from audit.backfills") == [(2, 2)]

    # A file that loaded but would now be rejected rolls its period back.
    [(digest,)] = query(
        warehouse_url,
        "select sha256 from audit.file_ingestions where province_code = '04' and period_label = '2022-H2'",
    )
    archived = next((settings().archive_dir / digest[:2]).glob(f"{digest}*"))
    archived.chmod(0o644)
    archived.write_bytes(b"PK\x03\x04 damaged archive copy")
    state = query(warehouse_url, snapshot)
    with pytest.raises(backfill.BackfillError, match="is now rejected"):
        backfill.run(warehouse_url, province="04", period_from="2022-H2", run_id="bf-2")
    assert query(warehouse_url, snapshot) == state


@pytest.mark.integration
@pytest.mark.parametrize("handler", [task_failed, ReformFailureNotifier()], ids=["function", "notifier"])
def test_failure_callback_logs_records_and_calls_the_webhook(handler, warehouse_url, query, monkeypatch, caplog):
    pipeline.prepare(warehouse_url, run_id="airflow-manual__x", trigger="airflow", landing=Path("."))
    received: list[dict[str, object]] = []

    class Hook(http.server.BaseHTTPRequestHandler):
        def do_POST(self) -> None:  # noqa: N802 - the http.server API
            received.append(json.loads(self.rfile.read(int(self.headers["Content-Length"]))))
            self.send_response(204)
            self.end_headers()

        def log_message(self, *args: object) -> None:
            pass

    server = http.server.HTTPServer(("127.0.0.1", 0), Hook)
    threading.Thread(target=server.serve_forever, daemon=True).start()

    class TI:
        dag_id, task_id, map_index, run_id, try_number, hostname = "reform_ingest", "ingest", 3, "manual__x", 4, "w1"

    context = {"ti": TI(), "exception": ConnectionError("warehouse at db:5432 refused the connection")}
    try:
        monkeypatch.delenv("REFORM_ALERT_WEBHOOK_URL", raising=False)
        handler(context)
        assert received == []
        monkeypatch.setenv("REFORM_ALERT_WEBHOOK_URL", f"http://127.0.0.1:{server.server_port}/hook")
        with caplog.at_level("ERROR", logger="airflow.task"):
            handler(context)
    finally:
        server.shutdown()
    line = "REFORM TASK FAILED reform_ingest.ingest[3] run=manual__x try=4: ConnectionError: warehouse at db:5432"
    assert any(r.getMessage().startswith(line) for r in caplog.records)
    assert [r["text"] for r in received] == [failure_line({**received[0]})]
    rows = query(
        warehouse_url, "select dag_id, task_id, map_index, run_id, hostname, error_type from audit.task_failures"
    )
    assert rows == [("reform_ingest", "ingest", 3, "manual__x", "w1", "ConnectionError")] * 2
    assert query(warehouse_url, "select status from audit.pipeline_runs where run_id = 'airflow-manual__x'") == [
        ("failed",)
    ]
