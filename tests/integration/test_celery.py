"""Scale-out for real: reform_ingest under CeleryExecutor on two workers.

The test starts everything itself on 127.0.0.1 -- an api-server, a scheduler, a
dag-processor and two Celery workers -- with a fresh PostgreSQL database as Airflow's
metadata and Redis as the broker (its own DB number and key prefix), triggers
reform_ingest over six files through the REST API, and checks that every mapped task
succeeded and that both workers ran some of them. Everything is stopped and dropped at
the end. Without Redis or PostgreSQL on 127.0.0.1 it skips, unless CI=true.
"""

from __future__ import annotations

import json
import os
import secrets
import socket
import time
import urllib.error
import urllib.request
import uuid
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest

from reform_etl.airflow_dbt import ensure_manifest
from reform_etl.airflow_local import (
    LOAD_POOL,
    airflow_command,
    airflow_env,
    api_server_env,
    celery_env,
    free_port,
    spawn,
    stop,
)
from tests.support import write_landing

pytestmark = [pytest.mark.integration, pytest.mark.slow]

PG_ADMIN = os.environ.get("REFORM_TEST_AIRFLOW_PG", "postgresql://postgres@127.0.0.1:5432/postgres")
REDIS_HOST, REDIS_PORT = "127.0.0.1", 6379
RUN_TIMEOUT = 240
WORKERS = ("reform-worker-a", "reform-worker-b")


def _unavailable(reason: str) -> None:
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail(f"CI=true but {reason}")
    pytest.skip(f"{reason}; the Celery scale-out test needs Redis on 127.0.0.1:6379 and PostgreSQL on 127.0.0.1:5432")


def _redis(command: str) -> bytes:
    with socket.create_connection((REDIS_HOST, REDIS_PORT), timeout=3) as s:
        s.sendall(command.encode() + b"\r\n")
        return s.recv(4096)


@pytest.fixture
def metadata_db() -> Iterator[str]:
    try:
        with psycopg.connect(PG_ADMIN, autocommit=True, connect_timeout=3) as conn:
            name = f"airflow_celery_{uuid.uuid4().hex[:10]}"
            conn.execute(f'create database "{name}"')
    except psycopg.OperationalError as exc:
        _unavailable(f"PostgreSQL at {PG_ADMIN} is not reachable ({str(exc).strip()[:200]})")
    yield PG_ADMIN.rsplit("/", 1)[0] + f"/{name}"
    with psycopg.connect(PG_ADMIN, autocommit=True) as conn:
        conn.execute(f'drop database if exists "{name}" with (force)')


@pytest.fixture
def broker() -> Iterator[tuple[str, str]]:
    try:
        if not _redis("PING").startswith(b"+PONG"):
            _unavailable("Redis at 127.0.0.1:6379 did not answer PING")
    except OSError as exc:
        _unavailable(f"Redis at 127.0.0.1:6379 is not reachable ({exc})")
    import redis

    # A DB number of our own where possible, and a key prefix in any case.
    prefix = f"reform-test-{uuid.uuid4().hex[:10]}:"
    client = None
    for number in range(15, 0, -1):
        candidate = redis.Redis(host=REDIS_HOST, port=REDIS_PORT, db=number)
        if candidate.dbsize() == 0:
            client = candidate
            break
    client = client or redis.Redis(host=REDIS_HOST, port=REDIS_PORT, db=15)
    number = client.connection_pool.connection_kwargs["db"]
    yield f"redis://{REDIS_HOST}:{REDIS_PORT}/{number}", prefix
    for key in client.scan_iter(match=f"{prefix}*", count=500):
        client.delete(key)
    for key in client.scan_iter(match="_kombu.binding.*", count=500):
        # Bindings of our prefixed queues only.
        if prefix.encode() in key:
            client.delete(key)
    client.close()


def _http(method: str, url: str, token: str | None = None, body: object | None = None) -> object:
    data = json.dumps(body).encode() if body is not None else None
    headers = {"Content-Type": "application/json"}
    if token:
        headers["Authorization"] = f"Bearer {token}"
    request = urllib.request.Request(url, data=data, headers=headers, method=method)
    with urllib.request.urlopen(request, timeout=15) as response:
        return json.loads(response.read() or b"null")


def _wait(predicate, timeout: float, what: str, logs: dict[str, Path], processes: dict):  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + timeout
    last: object = None
    while time.monotonic() < deadline:
        dead = [name for name, p in processes.items() if p.poll() is not None]
        if dead:
            pytest.fail(f"{', '.join(dead)} exited while waiting for {what}\n{_tails(logs)}")
        try:
            last = predicate()
        except (OSError, urllib.error.URLError, psycopg.Error, KeyError) as exc:
            last = exc
        else:
            if last:
                return last
        time.sleep(1)
    pytest.fail(f"timed out after {timeout:.0f} s waiting for {what} (last: {last!r})\n{_tails(logs)}")


def _tails(logs: dict[str, Path], lines: int = 25) -> str:
    out = []
    for name, path in logs.items():
        text = path.read_text(errors="replace").splitlines()[-lines:] if path.exists() else ["(no log)"]
        out.append(f"--- {name}: {path}\n" + "\n".join(text))
    return "\n".join(out)


def test_reform_ingest_runs_on_two_celery_workers(warehouse_url, landing, query, metadata_db, broker, tmp_path):
    started = time.monotonic()
    files = write_landing(landing, count=6)
    ensure_manifest()  # reform_transform is parsed too; without a manifest it renders a placeholder
    broker_url, key_prefix = broker
    port = free_port()
    password = secrets.token_urlsafe(16)
    env = airflow_env(warehouse_url) | {"AIRFLOW_HOME": str(tmp_path / "airflow")}
    env = api_server_env(env, port=port, admin_password=password, jwt_secret=secrets.token_urlsafe(32))
    env = celery_env(env, metadata_url=metadata_db, broker_url=broker_url, key_prefix=key_prefix)
    env |= {
        "AIRFLOW__LOGGING__BASE_LOG_FOLDER": str(tmp_path / "airflow" / "logs"),
        "AIRFLOW__CELERY__WORKER_CONCURRENCY": "2",
        "AIRFLOW__SCHEDULER__ENABLE_HEALTH_CHECK": "False",
        # Asset-triggered only: unpausing must not start a scheduled run beside ours.
        "REFORM_INGEST_SCHEDULE": "none",
        "REFORM_TASK_RETRIES": "0",
    }
    airflow = airflow_command()
    logs_dir = tmp_path / "logs"
    import subprocess

    for args, name in (
        ([airflow, "db", "migrate"], "migrate"),
        ([airflow, "pools", "set", LOAD_POOL, "4", "loads"], "pool"),
    ):
        done = subprocess.run(args, env=env, capture_output=True, text=True, timeout=180)
        assert done.returncode == 0, f"airflow {name} failed:\n{done.stdout[-2000:]}\n{done.stderr[-3000:]}"

    components = {
        "api-server": ([airflow, "api-server", "--host", "127.0.0.1", "--port", str(port)], {}),
        "scheduler": ([airflow, "scheduler"], {}),
        "dag-processor": ([airflow, "dag-processor"], {}),
    }
    for number, worker in enumerate(WORKERS):
        components[worker] = (
            [
                airflow,
                "celery",
                "worker",
                "--celery-hostname",
                f"{worker}@%h",
                "--concurrency",
                "2",
                "--skip-serve-logs",
            ],
            {"REFORM_WORKER_HOSTNAME": worker, "AIRFLOW__LOGGING__WORKER_LOG_SERVER_PORT": str(free_port() + number)},
        )
    logs = {name: logs_dir / f"{name}.log" for name in components}
    processes = {}
    try:
        for name, (args, extra) in components.items():
            processes[name] = spawn(args, env | extra, logs[name])
        base = f"http://127.0.0.1:{port}"

        def token() -> str | None:
            answer = _http("POST", f"{base}/auth/token", body={"username": "admin", "password": password})
            return answer.get("access_token") if isinstance(answer, dict) else None

        bearer = _wait(token, 120, "the api-server to hand out a token", logs, processes)
        _wait(
            lambda: _http("GET", f"{base}/api/v2/dags/reform_ingest", bearer),
            120,
            "the dag-processor to register reform_ingest",
            logs,
            processes,
        )
        _http("PATCH", f"{base}/api/v2/dags/reform_ingest", bearer, {"is_paused": False})
        run = _http(
            "POST",
            f"{base}/api/v2/dags/reform_ingest/dagRuns",
            bearer,
            {"logical_date": None, "conf": {"landing": str(landing)}, "dag_run_id": f"celery-{uuid.uuid4().hex[:8]}"},
        )
        assert isinstance(run, dict)
        run_id = run["dag_run_id"]

        def finished() -> str | None:
            state = _http("GET", f"{base}/api/v2/dags/reform_ingest/dagRuns/{run_id}", bearer)["state"]  # type: ignore[index]
            return state if state in ("success", "failed") else None

        state = _wait(finished, RUN_TIMEOUT, f"run {run_id} to finish", logs, processes)
        with psycopg.connect(metadata_db) as conn:
            instances = conn.execute(
                "select task_id, map_index, state, hostname from task_instance "
                "where dag_id = 'reform_ingest' and run_id = %s order by task_id, map_index",
                (run_id,),
            ).fetchall()
            events = conn.execute(
                "select a.name, e.extra from asset_event e join asset a on a.id = e.asset_id "
                "where e.source_dag_id = 'reform_ingest' and e.source_run_id = %s",
                (run_id,),
            ).fetchall()
        detail = f"{instances}\n{_tails(logs)}"
        assert state == "success", detail
        mapped = [i for i in instances if i[0] == "ingest"]
        assert sorted(i[1] for i in mapped) == list(range(len(files))), detail
        assert {i[2] for i in instances} == {"success"}, detail
        hosts = {i[3] for i in mapped}
        assert hosts <= set(WORKERS) and len(hosts) == 2, (
            f"mapped tasks ran on {hosts}, expected both workers\n{detail}"
        )
        assert [e[0] for e in events] == ["reform_raw_dossier_summary"]
        loaded = query(warehouse_url, "select count(*) from audit.file_ingestions where status = 'loaded'")
        assert loaded == [(len(files),)]
    finally:
        for name in reversed(list(processes)):
            stop(processes[name])
    assert time.monotonic() - started < 300
