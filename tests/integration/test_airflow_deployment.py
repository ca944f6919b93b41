"""The local deployment as a data engineer runs it: real scheduler, LocalExecutor, PostgreSQL metadata.

One deployment is shared by the module (starting it costs about a minute): reform_ingest
runs every minute; files dropped into the landing folder must reach the warehouse through
a *scheduled* reform_ingest and the *asset-triggered* reform_transform and reform_report,
without anyone triggering anything. A real browser then logs in and sees those runs.

The warehouse URL carries a password that appears nowhere else (the test servers accept
any password), so every log the deployment wrote can be searched for it.
"""

from __future__ import annotations

import base64
import os
import shutil
import signal
import stat
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import psycopg
import pytest

from reform_etl.airflow_deploy import COMPONENTS, SCHEDULED_DAGS, LocalDeployment
from reform_etl.airflow_local import LOAD_POOL, free_port
from reform_etl.config import settings
from reform_etl.generate import generate
from tests.support import devtools_browser, sign_in_to_airflow

pytestmark = [pytest.mark.integration, pytest.mark.slow]

SCREENSHOT = settings().project_root / "docs" / "images" / "airflow-deployment.png"
# Two kinds of file of one province: a half-year summary and a month of dossier records.
DROPPED_KINDS = ("dossier_summary", "dossiers")
NOT_MANUAL = ("scheduled", "asset_triggered")


@dataclass
class Running:
    deployment: LocalDeployment
    warehouse: str
    password: str
    landing: Path


def _with(url: str, *, database: str, password: str | None = None) -> str:
    parts = urlsplit(url)
    netloc = parts.netloc
    if password and not parts.password:
        user, host = netloc.rsplit("@", 1) if "@" in netloc else ("postgres", netloc)
        netloc = f"{user}:{password}@{host}"
    return urlunsplit(parts._replace(netloc=netloc, path=f"/{database}"))


@pytest.fixture(scope="module")
def running(pg_server_url: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Running]:
    token = uuid.uuid4().hex[:10]
    database, metadata = f"t_deploy_{token}", f"t_airflow_{token}"
    admin = _with(pg_server_url, database="postgres")
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'create database "{database}"')
    # A server of our own accepts any password (trust); a given one keeps its real password.
    password = urlsplit(pg_server_url).password or f"marker-{uuid.uuid4().hex}"
    warehouse = _with(pg_server_url, database=database, password=password)
    landing = tmp_path_factory.mktemp("deployment-landing")
    deployment = LocalDeployment(
        tmp_path_factory.mktemp("deployment"),
        port=free_port(),
        slots=2,
        ingest_schedule="*/1 * * * *",
        # dbt renders the mart the dropped files feed and what it needs, without the data tests
        # (other tests cover those): a tenth of the project's dbt tasks, so the test takes
        # minutes, not a quarter of an hour, on a small machine.
        extra_env={
            "REFORM_TASK_RETRIES": "1",
            "REFORM_DBT_SELECT": "+fct_dossier_processing",
            "REFORM_DBT_EXCLUDE": "resource_type:test",
        },
        metadata_database=metadata,
    )
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("WAREHOUSE_URL", warehouse)
        patch.setenv("REFORM_LANDING_DIR", str(landing))
        try:
            deployment.up(timeout=420)
            yield Running(deployment, warehouse, password, landing)
        finally:
            deployment.down(timeout=20)
            with psycopg.connect(admin, autocommit=True) as conn:
                for name in (database, metadata):
                    conn.execute(f'drop database if exists "{name}" with (force)')


def test_up_twice_starts_no_second_set_and_keeps_its_secrets_private(running: Running) -> None:
    deployment = running.deployment
    first = {c.name: c.pid for c in deployment.status().components}
    again = deployment.up(timeout=120)
    assert {c.name: c.pid for c in again.components} == first
    assert again.running and set(first) == set(COMPONENTS)
    assert again.paused == dict.fromkeys(SCHEDULED_DAGS, False)
    assert deployment.api("GET", f"/api/v2/pools/{LOAD_POOL}")["slots"] >= 2
    assert stat.S_IMODE(deployment.config_file.stat().st_mode) == 0o600
    assert deployment.admin_password in deployment.config_file.read_text()
    # Airflow's own tables are in PostgreSQL, in the database named for this deployment.
    metadata = _with(running.warehouse, database=deployment.metadata_database)
    with psycopg.connect(metadata) as conn:
        assert conn.execute("select to_regclass('public.dag_run') is not null").fetchone() == (True,)


def _successful_runs(deployment: LocalDeployment, dag_id: str, after: float) -> list[dict[str, object]]:
    return [
        run
        for run in deployment.dag_runs(dag_id, limit=20)
        if run["state"] == "success"
        and run["run_type"] in NOT_MANUAL
        and _epoch(str(run.get("run_after") or run["logical_date"] or "")) >= after
    ]


def _epoch(stamp: str) -> float:
    from datetime import datetime

    return datetime.fromisoformat(stamp.replace("Z", "+00:00")).timestamp() if stamp else 0.0


def test_dropped_files_flow_through_scheduled_and_asset_triggered_runs(running: Running, tmp_path: Path, query) -> None:
    generated = tmp_path / "generated"
    generate(generated, provinces=1, years=(2024,), dossier_rows=50, fault_rate=0.0, seed=7)
    dropped_at = time.time() - 60  # a cron run is stamped with the minute it covers
    dropped: dict[str, str] = {}
    for kind in DROPPED_KINDS:
        source = sorted((generated / kind).glob("01_2024-*"))[0]  # H1 for summaries, January for records
        (running.landing / kind).mkdir(parents=True, exist_ok=True)
        shutil.copyfile(source, running.landing / kind / source.name)
        dropped[kind] = source.name

    deadline = time.monotonic() + 360
    done: dict[str, list[dict[str, object]]] = {}
    while time.monotonic() < deadline and len(done) < len(SCHEDULED_DAGS):
        for dag_id in SCHEDULED_DAGS:
            runs = _successful_runs(running.deployment, dag_id, dropped_at)
            if dag_id == "reform_ingest" and runs:
                # Only the scheduled run that loaded the files counts, not an empty one before.
                loaded = query(
                    running.warehouse,
                    "select count(*) from audit.file_ingestions where status = 'loaded' and run_id = any(%s)",
                    ([f"airflow-{r['dag_run_id']}" for r in runs],),
                )[0][0]
                runs = runs if loaded == len(dropped) else []
            if runs:
                done[dag_id] = runs
        time.sleep(3)
    missing = sorted(set(SCHEDULED_DAGS) - set(done))
    assert not missing, f"no successful scheduled/asset-triggered run of {missing}: {running.deployment.status()}"
    assert {run["run_type"] for run in done["reform_ingest"]} == {"scheduled"}
    assert {run["run_type"] for run in done["reform_transform"]} == {"asset_triggered"}
    assert {run["run_type"] for run in done["reform_report"]} == {"asset_triggered"}

    files = query(running.warehouse, "select path, status, rows_loaded from audit.file_ingestions")
    loaded = {Path(path).name: rows for path, status, rows in files if status == "loaded"}
    assert len(files) == 2 and set(loaded) == set(dropped.values())
    assert all(rows > 0 for rows in loaded.values())
    assert query(running.warehouse, "select count(*) from raw.dossiers")[0][0] == loaded[dropped["dossiers"]]
    # Each file's province and period reached the mart, from its own kind of source.
    delivered = query(running.warehouse, "select kind, province_code, period_label from audit.file_ingestions")
    for kind, province, period in delivered:
        source = "summary" if kind == "dossier_summary" else "records"
        rows = query(
            running.warehouse,
            "select count(*) from marts.fct_dossier_processing "
            "where province_code = %s and period_label = %s and source = %s",
            (province, period, source),
        )
        assert rows[0][0] > 0, (kind, province, period)
    # dbt built the marts as the transformer role, not as the login user.
    owners = query(running.warehouse, "select distinct tableowner from pg_tables where schemaname = 'marts'")
    assert owners == [("reform_transformer",)]


def test_the_ui_shows_the_scheduled_successful_runs(running: Running, chromium: str, tmp_path: Path) -> None:
    base = running.deployment.api_url
    with devtools_browser(chromium, tmp_path) as browser:
        sign_in_to_airflow(browser, f"{base}/dags", running.deployment.admin_password)

        for dag_id, run_type in (
            ("reform_ingest", "scheduled__"),
            ("reform_transform", "asset_triggered__"),
            ("reform_report", "asset_triggered__"),
        ):
            browser.call("Page.navigate", url=f"{base}/dags/{dag_id}/runs?state=success")
            browser.wait_for(
                "(() => { const t = document.body.innerText; "
                f"return t.includes({dag_id!r}) && t.includes({run_type!r}) && /success/i.test(t) "
                "&& !/manual__/.test(t); })()",
                60,
                f"a successful {run_type.rstrip('_')} run of {dag_id}",
            )

        # All DAGs' runs in one list, for the picture: the three DAGs, scheduled and asset-triggered.
        browser.call("Page.navigate", url=f"{base}/dag_runs?state=success")
        browser.wait_for(
            "(() => { const t = document.body.innerText; "
            "return ['reform_ingest', 'reform_transform', 'reform_report', 'scheduled__', 'asset_triggered__']"
            ".every(d => t.includes(d)); })()",
            60,
            "the successful runs of the three DAGs in the runs list",
        )
        time.sleep(1.5)  # let the list settle before the picture
        picture = base64.b64decode(browser.call("Page.captureScreenshot", format="png")["data"])
    assert picture.startswith(b"\x89PNG") and len(picture) > 10_000
    SCREENSHOT.parent.mkdir(parents=True, exist_ok=True)
    SCREENSHOT.write_bytes(picture)


def test_no_log_holds_the_warehouse_password(running: Running) -> None:
    logs = [p for p in (running.deployment.home / "logs").rglob("*") if p.is_file()]
    task_logs = [p for p in logs if "dag_id=" in str(p)]
    for dag_id in SCHEDULED_DAGS:
        assert any(f"dag_id={dag_id}" in str(p) for p in task_logs), f"no task log of {dag_id} to search"
    assert any("task_id=dbt." in str(p) for p in task_logs), "no dbt task log to search"
    leaks = [str(p) for p in logs if running.password in p.read_text(errors="ignore")]
    assert leaks == []


def _children(pid: int) -> list[int]:
    found = []
    for stat_file in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat_file.read_text().rsplit(")", 1)[1].split()
        except (OSError, IndexError):
            continue
        if int(fields[1]) == pid and fields[0] != "Z":
            found.append(int(stat_file.parent.name))
    return found


def test_a_scheduler_that_dies_is_started_again(running: Running) -> None:
    deployment = running.deployment
    supervisor = next(c.pid for c in deployment.status().components if c.name == "scheduler")
    assert supervisor is not None
    (scheduler,) = _children(supervisor)
    killed_at = time.time()
    os.kill(scheduler, signal.SIGKILL)  # what a lost metadata database does to it, only sooner
    deadline = time.monotonic() + 90
    healthy = False
    while time.monotonic() < deadline and not healthy:
        time.sleep(2)
        again = _children(supervisor)
        health = deployment.api("GET", "/api/v2/monitor/health")["scheduler"]
        beat = _epoch(str(health.get("latest_scheduler_heartbeat") or ""))
        healthy = bool(again) and again != [scheduler] and health["status"] == "healthy" and beat > killed_at
    assert healthy, f"the scheduler did not come back: {deployment.status()}"
    assert deployment.status().running


def test_down_stops_every_component(running: Running) -> None:
    deployment = running.deployment
    pids = [c.pid for c in deployment.status().components]
    stopped = deployment.down(timeout=20)
    assert sorted(stopped) == sorted(COMPONENTS)
    assert not any(c.alive for c in deployment.status().components)
    for pid in pids:
        assert pid is not None and (not Path(f"/proc/{pid}").exists() or _zombie(pid))
    assert deployment.down() == []  # idempotent


def _zombie(pid: int | None) -> bool:
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] == "Z"
    except OSError:
        return True
