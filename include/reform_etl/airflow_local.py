"""Run Airflow locally with its state inside the project (``.state/airflow``).

Used by ``make run`` and the tests: metadata in SQLite, DAGs from ``dags/``, no examples,
no usage telemetry, and the warehouse handed to task processes as the connection
``reform_warehouse`` in their environment (never through XCom, which would store it in the
metadata database). The long-running local deployment is :mod:`reform_etl.airflow_deploy`.
"""

from __future__ import annotations

import hashlib
import json
import os
import socket
import subprocess
import sys
from pathlib import Path

from .airflow_connection import connection_env
from .airflow_dbt import ManifestError, ensure_manifest
from .config import settings
from .embedded_db import warehouse_url

# Concurrent COPY loads into the warehouse (reform_ingest, reform_backfill); operators
# change the size with `airflow pools set`, the project only creates it when missing.
LOAD_POOL = "reform_db_loads"
LOAD_POOL_SLOTS = 4


def airflow_home() -> Path:
    return settings().state_dir / "airflow"


def airflow_env(url: str | None = None) -> dict[str, str]:
    home = airflow_home()
    env = os.environ.copy()
    env.update(
        {
            "AIRFLOW_HOME": str(home),
            "AIRFLOW__CORE__DAGS_FOLDER": str(settings().dags_dir),
            "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
            "AIRFLOW__LOGGING__BASE_LOG_FOLDER": str(home / "logs"),
            "AIRFLOW__USAGE_DATA_COLLECTION__ENABLED": "False",
            "AIRFLOW__COSMOS__ENABLE_TELEMETRY": "False",
            # Cosmos keeps dbt's partial-parse cache here instead of the machine's /tmp.
            "AIRFLOW__COSMOS__CACHE_DIR": str(home / "cosmos"),
            "SCARF_ANALYTICS": "false",
            "DO_NOT_TRACK": "1",
            "GX_ANALYTICS_ENABLED": "false",
            "REFORM_STATE_DIR": str(settings().state_dir),
            "REFORM_REPORTS_DIR": str(settings().reports_dir),
            "REFORM_ARCHIVE_DIR": str(settings().archive_dir),
        }
    )
    if url:
        # Tasks read the connection; WAREHOUSE_URL stays for the library calls outside tasks.
        env["WAREHOUSE_URL"] = url
        env.update(connection_env(url))
    return env


def _airflow() -> str:
    return str(Path(sys.executable).with_name("airflow"))


def _run_logged(args: list[str], env: dict[str, str], log: Path) -> None:
    with log.open("w") as handle:
        subprocess.run(args, env=env, stdout=handle, stderr=subprocess.STDOUT, check=True)  # noqa: S603 - the venv's airflow


def ensure_metadata(env: dict[str, str], *, pool: bool = True) -> None:
    """``airflow db migrate``, the load pool and the dbt manifest, each once (fast no-op afterwards).

    The migration is repeated when Airflow's version or its metadata database changes.
    ``pool=False`` leaves the pool to the caller (the local deployment creates it over the API).
    """
    from importlib.metadata import version

    home = Path(env["AIRFLOW_HOME"])
    home.mkdir(parents=True, exist_ok=True)
    stamp = home / ".migrated"
    # A digest, not the URL: the URL may hold the database password.
    database = hashlib.sha256(env.get("AIRFLOW__DATABASE__SQL_ALCHEMY_CONN", "sqlite").encode()).hexdigest()[:16]
    migrated = f"{version('apache-airflow-core')} {database}"
    if not stamp.exists() or stamp.read_text() not in ("", migrated):
        _run_logged([_airflow(), "db", "migrate"], env, home / "db_migrate.log")
        stamp.write_text(migrated)
    if pool:
        ensure_pool(env)
    try:
        ensure_manifest()
    except ManifestError as exc:
        # Only reform_transform needs it, and it renders a task that explains the problem.
        print(f"warning: {exc}", file=sys.stderr)


def ensure_pool(env: dict[str, str], slots: int = LOAD_POOL_SLOTS) -> None:
    """Create the load pool in this Airflow's metadata (tasks in a missing pool never start)."""
    stamp = Path(env["AIRFLOW_HOME"]) / f".pool-{LOAD_POOL}"
    if stamp.exists():
        return
    _run_logged(
        [_airflow(), "pools", "set", LOAD_POOL, str(slots), "Concurrent COPY loads into the CCHC warehouse"],
        env,
        Path(env["AIRFLOW_HOME"]) / "pools_set.log",
    )
    stamp.touch()


def worker_hostname() -> str:
    """``[core] hostname_callable``: ``REFORM_WORKER_HOSTNAME`` when set, else the FQDN.

    Lets several Celery workers on one machine record distinct hosts on their task instances.
    """
    return settings().worker_hostname or socket.getfqdn()


def dags_test(dag_id: str, conf: dict[str, object], *, url: str | None = None, log_name: str = "dags_test.log") -> int:
    """``airflow dags test <dag_id>`` in a child process; returns its exit code."""
    env = airflow_env(url or warehouse_url())
    ensure_metadata(env)
    log = airflow_home() / log_name
    with log.open("w") as handle:
        result = subprocess.run(  # noqa: S603 - the venv's airflow, a DAG id of ours
            [_airflow(), "dags", "test", dag_id, "--conf", json.dumps(conf)],
            env=env,
            stdout=handle,
            stderr=subprocess.STDOUT,
            cwd=settings().project_root,
        )
    if result.returncode == 0 and "state=failed" in log.read_text(errors="replace").lower().replace(" ", ""):
        return 1
    return result.returncode


def run_pipeline_dag(landing: Path) -> int:
    return dags_test("reform_pipeline", {"landing": str(landing)})


# -- running Airflow's long-lived components on this machine (tests, local demos) ------------


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def api_server_env(env: dict[str, str], *, port: int, admin_password: str, jwt_secret: str) -> dict[str, str]:
    """An api-server on 127.0.0.1:``port`` with the simple auth manager and one known admin.

    The password goes into the manager's passwords file (it only generates passwords for
    users missing from that file), so nothing random has to be fished out of a log.
    """
    home = Path(env["AIRFLOW_HOME"])
    home.mkdir(parents=True, exist_ok=True)
    passwords = home / "simple_auth_manager_passwords.json"
    passwords.write_text(json.dumps({"admin": admin_password}))
    passwords.chmod(0o600)
    return env | {
        "AIRFLOW__CORE__AUTH_MANAGER": "airflow.api_fastapi.auth.managers.simple.simple_auth_manager.SimpleAuthManager",
        "AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_USERS": "admin:admin",
        "AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_PASSWORDS_FILE": str(passwords),
        "AIRFLOW__API__HOST": "127.0.0.1",
        "AIRFLOW__API__PORT": str(port),
        "AIRFLOW__API__BASE_URL": f"http://127.0.0.1:{port}",
        "AIRFLOW__API_AUTH__JWT_SECRET": jwt_secret,
        "AIRFLOW__CORE__EXECUTION_API_SERVER_URL": f"http://127.0.0.1:{port}/execution/",
    }


def celery_env(env: dict[str, str], *, metadata_url: str, broker_url: str, key_prefix: str) -> dict[str, str]:
    """CeleryExecutor with a PostgreSQL metadata database and a Redis broker.

    ``metadata_url`` is ``postgresql://user@host:port/db``; the psycopg 3 drivers are used
    for both the sync and the async engine (asyncpg is not installed). ``key_prefix``
    namespaces every Redis key, so several stacks can share one Redis.
    """
    base = metadata_url.split("://", 1)[1]
    return env | {
        "AIRFLOW__CORE__EXECUTOR": "CeleryExecutor",
        "AIRFLOW__DATABASE__SQL_ALCHEMY_CONN": f"postgresql+psycopg://{base}",
        "AIRFLOW__DATABASE__SQL_ALCHEMY_CONN_ASYNC": f"postgresql+psycopg_async://{base}",
        "AIRFLOW__CELERY__BROKER_URL": broker_url,
        "AIRFLOW__CELERY_BROKER_TRANSPORT_OPTIONS__GLOBAL_KEYPREFIX": key_prefix,
        "AIRFLOW__CELERY_BROKER_TRANSPORT_OPTIONS__VISIBILITY_TIMEOUT": "21600",
        "AIRFLOW__CORE__HOSTNAME_CALLABLE": "reform_etl.airflow_local.worker_hostname",
    }


def spawn(args: list[str], env: dict[str, str], log: Path) -> subprocess.Popen[bytes]:
    """Start an Airflow component in its own process group (so stopping it stops its children)."""
    log.parent.mkdir(parents=True, exist_ok=True)
    handle = log.open("wb")
    return subprocess.Popen(  # noqa: S603 - callers pass the venv's airflow and fixed arguments
        args, env=env, stdout=handle, stderr=subprocess.STDOUT, start_new_session=True, cwd=settings().project_root
    )


def stop(process: subprocess.Popen[bytes], timeout: float = 20.0) -> None:
    """SIGTERM the component's process group, then SIGKILL what is still there after ``timeout``."""
    import signal

    if process.poll() is None:
        try:
            os.killpg(process.pid, signal.SIGTERM)
        except ProcessLookupError:
            pass
        try:
            process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            pass
    # Children (task processes, gunicorn/uvicorn workers) may outlive the leader.
    try:
        os.killpg(process.pid, signal.SIGKILL)
    except ProcessLookupError:
        pass
    if process.poll() is None:
        process.wait(timeout=10)


def airflow_command() -> str:
    return _airflow()
