"""The service as it runs: a real scheduler picks up deliveries wave after wave, and the end is a clean rebuild.

The local deployment (api-server, scheduler, dag-processor, triggerer, LocalExecutor with
two task slots, Airflow's metadata in the same embedded PostgreSQL as the warehouse) runs
reform_ingest every minute, reform_transform and reform_report on its Assets. Deliveries
come in three waves a minute apart: new periods, re-submissions that correct earlier
figures, exact copies (one of them delivered before its twin but dropped after it), a
faulty file, a file delivered long ago and dropped late, and two deliveries of one natural
key at the same moment. While it runs, one load task's process is killed (SIGKILL) in the
middle of its load, and the warehouse server is restarted once.

When everything is quiet, the marts the deployment builds and the status of every file
must equal, row for row, what one ``reform-etl run`` over the same folder gives in a fresh
database.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import psutil
import psycopg
import pytest

from reform_etl.airflow_deploy import LocalDeployment
from reform_etl.airflow_local import free_port
from reform_etl.delivery import mark_delivered
from reform_etl.embedded_db import EmbeddedServer

from . import marts_fixtures as fx
from . import warehouse_state as state
from .deliveries import T0, many_records, records, summary

pytestmark = [pytest.mark.integration, pytest.mark.slow]

WAVE_GAP = 65  # seconds between waves: each meets a different scheduled reform_ingest
QUIET_TIMEOUT = 480
# What the deployment's dbt renders: the dossier fact and everything it needs.
DBT_SELECT = "+fct_dossier_processing"


@dataclass
class Service:
    deployment: LocalDeployment
    server: EmbeddedServer
    warehouse: str
    landing: Path


def _database_url(url: str, database: str) -> str:
    return urlunsplit(urlsplit(url)._replace(path=f"/{database}"))


@pytest.fixture(scope="module")
def service(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Service]:
    # A server of its own, so that the test may restart it without disturbing other tests.
    server = EmbeddedServer(tmp_path_factory.mktemp("continuous-pg"))
    admin = server.start(fast_unsafe=True)
    with psycopg.connect(_database_url(admin, "postgres"), autocommit=True) as conn:
        conn.execute('drop database if exists "cchc_continuous" with (force)')
        conn.execute('create database "cchc_continuous"')
    warehouse = _database_url(admin, "cchc_continuous")
    landing = tmp_path_factory.mktemp("continuous-landing")
    deployment = LocalDeployment(
        tmp_path_factory.mktemp("continuous-airflow"),
        port=free_port(),
        slots=2,
        ingest_schedule="*/1 * * * *",
        extra_env={
            "REFORM_TASK_RETRIES": "3",
            "REFORM_DBT_SELECT": DBT_SELECT,
            "REFORM_DBT_EXCLUDE": "resource_type:test",
        },
        metadata_database="airflow_continuous",
    )
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("WAREHOUSE_URL", warehouse)
        patch.setenv("REFORM_LANDING_DIR", str(landing))
        try:
            deployment.up(timeout=420)
            yield Service(deployment, server, warehouse, landing)
        finally:
            deployment.down(timeout=20)
            server.destroy()


# -- the deliveries ------------------------------------------------------------------------


def _wave_1(landing: Path) -> None:
    summary(landing, "22_2024-H1.csv", "Quảng Ninh;2024-H1;Cấp tỉnh;1.000;400;100;800;100\n", T0)
    records(landing, fx.RECORDS_V1, T0)
    # Two deliveries of one key at the same moment: the name decides (b after a).
    same = T0 + timedelta(minutes=5)
    summary(landing, "31_2024-H1_a.csv", "Hải Phòng;2024-H1;Cấp tỉnh;2.000;900;300;1.500;200\n", same)
    summary(landing, "31_2024-H1_b.csv", "Hải Phòng;2024-H1;Cấp tỉnh;2.100;950;300;1.600;200\n", same)
    # Faulty: every row unreadable, so the file is rejected whole.
    summary(landing, "27_2024-H1.csv", "Bắc Ninh;2024-H1;Cấp tỉnh;n/a;n/a;n/a;n/a;n/a\n", T0)
    # Large enough that its load can be caught and killed in the middle.
    many_records(landing, "01_2025-11.csv", 120_000, T0)


def _wave_2(landing: Path) -> None:
    # Re-submissions correcting earlier figures.
    summary(landing, "22_2024-H1_sua.csv", "Quảng Ninh;2024-H1;Cấp tỉnh;1.200;500;100;900;200\n", T0 + timedelta(1))
    records(landing, fx.RECORDS_V2, T0 + timedelta(1))
    # An exact copy of a file of the first wave, sent again.
    shutil.copyfile(landing / "dossier_summary" / "27_2024-H1.csv", landing / "dossier_summary" / "27_2024-H1_x.csv")
    mark_delivered(landing / "dossier_summary" / "27_2024-H1_x.csv", T0 + timedelta(1))
    # A new period.
    summary(landing, "22_2024-H2.csv", "Quảng Ninh;2024-H2;Cấp tỉnh;1.100;450;100;950;50\n", T0 + timedelta(1))


def _wave_3(landing: Path) -> None:
    # Delivered long ago, dropped only now (copied with its old time): it changes nothing.
    summary(landing, "22_2024-H1_cu.csv", "Quảng Ninh;2024-H1;Cấp tỉnh;900;300;100;700;100\n", T0 - timedelta(1))
    # A copy of the corrected records delivered before it (and before the first log): it
    # takes the correction's place and order, so the first log now comes after it.
    copy = landing / "dossiers" / "22_2025-09_truoc.csv"
    shutil.copyfile(landing / "dossiers" / fx.RECORDS_V2[0], copy)
    mark_delivered(copy, T0 - timedelta(hours=1))
    # Another correction of the latest report.
    summary(landing, "22_2024-H2_sua.csv", "Quảng Ninh;2024-H2;Cấp tỉnh;1.150;460;100;1.000;50\n", T0 + timedelta(2))


# -- faults while it runs ------------------------------------------------------------------


def _kill_a_running_load(service: Service, timeout: float = 180) -> str:
    """SIGKILL the process of the ingest task loading the large file, once it is writing rows."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        copying = _copying_backends(service.warehouse)
        for process in psutil.process_iter(["pid", "cmdline"]):
            title = " ".join(process.info["cmdline"] or [])
            if title.startswith("airflow worker -- ") and copying and _holds_a_connection(process, copying):
                os.kill(process.info["pid"], signal.SIGKILL)
                return title
        time.sleep(0.2)
    raise AssertionError("no load task was seen writing rows to kill")


def _copying_backends(url: str) -> set[int]:
    """Client ports of the warehouse sessions running a COPY into raw."""
    try:
        with psycopg.connect(url, connect_timeout=3) as conn:
            rows = conn.execute(
                "select client_port from pg_stat_activity where state = 'active' and query ilike 'copy %raw%'"
            ).fetchall()
    except psycopg.OperationalError:
        return set()
    return {int(r[0]) for r in rows if r[0] is not None}


def _holds_a_connection(process: psutil.Process, ports: set[int]) -> bool:
    try:
        return any(c.laddr and c.laddr.port in ports for c in process.net_connections(kind="tcp"))
    except (psutil.Error, OSError):
        return False


def _restart(server: EmbeddedServer) -> None:
    assert server.is_running(), f"the warehouse server died before its restart:\n{server.log_file.read_text()[-3000:]}"
    assert server.stop()
    time.sleep(2)
    server.start(fast_unsafe=True)


# -- quiet ---------------------------------------------------------------------------------


def _files_in(landing: Path) -> set[str]:
    return {str(p) for p in landing.rglob("*") if p.is_file() and not p.name.startswith((".", "_"))}


def _wait_until_quiet(service: Service) -> None:
    """Every file judged, then a successful reform_transform started after the last load, nothing active."""
    deployment = service.deployment
    deadline = time.monotonic() + QUIET_TIMEOUT
    expected = _files_in(service.landing)
    while time.monotonic() < deadline:
        try:
            with psycopg.connect(service.warehouse, connect_timeout=3) as conn:
                judged = {r[0] for r in conn.execute("select path from audit.file_ingestions").fetchall()}
                last_load = conn.execute("select max(received_at) from audit.file_ingestions").fetchone()[0]
        except psycopg.Error:
            time.sleep(3)
            continue
        if expected <= judged and last_load is not None:
            runs = {dag: deployment.dag_runs(dag, limit=50) for dag in ("reform_ingest", "reform_transform")}
            active = [r for rs in runs.values() for r in rs if r["state"] in ("queued", "running")]
            caught_up = [
                r
                for r in runs["reform_transform"]
                if r["state"] == "success" and _stamp(r.get("start_date")) > last_load.timestamp()
            ]
            if caught_up and not active:
                return
        time.sleep(5)
    raise AssertionError(f"the service did not settle within {QUIET_TIMEOUT} s: {deployment.status()}")


def _stamp(value: object) -> float:
    from datetime import datetime

    return datetime.fromisoformat(str(value).replace("Z", "+00:00")).timestamp() if value else 0.0


def _clean_run(landing: Path, admin_url: str, tmp_path: Path) -> str:
    """One ``reform-etl run`` over the same folder, in a fresh database."""
    name = f"t_clean_{uuid.uuid4().hex[:10]}"
    with psycopg.connect(_database_url(admin_url, "postgres"), autocommit=True) as conn:
        conn.execute(f'create database "{name}"')
    url = _database_url(admin_url, name)
    env = os.environ | {"WAREHOUSE_URL": url, "REFORM_REPORTS_DIR": str(tmp_path / "reports")}
    done = subprocess.run(
        [sys.executable, "-m", "reform_etl.cli", "run", "--landing", str(landing)],
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    return url


# -- the test ------------------------------------------------------------------------------


def test_continuous_operation_ends_where_a_clean_run_does(service: Service, pg_server_url: str, tmp_path: Path) -> None:
    started = time.monotonic()
    _wave_1(service.landing)
    killed = _kill_a_running_load(service)
    assert killed

    time.sleep(max(0.0, started + WAVE_GAP - time.monotonic()))
    _wave_2(service.landing)
    time.sleep(20)
    _restart(service.server)

    time.sleep(max(0.0, started + 2 * WAVE_GAP - time.monotonic()))
    _wave_3(service.landing)
    _wait_until_quiet(service)

    # The kill cost a retry, not a file: the large file is loaded once, whole.
    with psycopg.connect(service.warehouse) as conn:
        loaded = conn.execute(
            "select rows_loaded from audit.file_ingestions where path like '%%01_2025-11.csv'"
        ).fetchall()
    assert loaded == [(120_000,)]

    clean = _clean_run(service.landing, pg_server_url, tmp_path)
    try:
        assert state.statuses(service.warehouse) == state.statuses(clean)
        built = state.marts(service.warehouse)
        assert built.get("fct_dossier_processing"), "the deployment built no dossier figures"
        reference = {table: rows for table, rows in state.marts(clean).items() if table in built}
        assert not state.differences(reference, built), state.differences(reference, built)
    finally:
        with psycopg.connect(_database_url(pg_server_url, "postgres"), autocommit=True) as conn:
            conn.execute(f'drop database if exists "{urlsplit(clean).path.lstrip("/")}" with (force)')
