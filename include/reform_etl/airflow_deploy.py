"""A local Airflow deployment: api-server, scheduler, dag-processor and triggerer on this machine.

``reform-etl airflow up|down|status`` (and ``make airflow``) drive it; the tests use
:class:`LocalDeployment` directly. Everything lives under ``<state>/airflow/deployment``:
configuration, generated secrets (mode 0600), pid files and component logs. Airflow's
metadata is the database ``airflow`` on the warehouse's PostgreSQL server (the embedded
one unless ``WAREHOUSE_URL`` is given): the LocalExecutor needs a real database, not SQLite.

The components run detached, each in its own session under a small supervisor
(:mod:`reform_etl.airflow_supervise`) that starts it again when it exits by itself, as the
scheduler side does when the database restarts; so ``up`` returns and they keep running.
``up`` again starts only what is not alive. The warehouse reaches the tasks as the
connection ``reform_warehouse``.
"""

from __future__ import annotations

import functools
import json
import os
import secrets
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from .airflow_local import (
    LOAD_POOL,
    airflow_env,
    api_server_env,
    ensure_metadata,
    free_port,
)
from .config import settings

# Stopped in this order: the scheduler first, so nothing new starts while the rest go down;
# the api-server last, because running tasks report their end through it.
COMPONENTS = ("scheduler", "triggerer", "dag-processor", "api-server")
SCHEDULED_DAGS = ("reform_ingest", "reform_transform", "reform_report")
METADATA_DATABASE = "airflow"
PREFERRED_PORT = 8080
DEFAULT_SLOTS = 4


class DeploymentError(RuntimeError):
    pass


@dataclass(frozen=True)
class ComponentState:
    name: str
    pid: int | None
    alive: bool


@dataclass
class DeploymentStatus:
    url: str
    components: list[ComponentState]
    paused: dict[str, bool | None] = field(default_factory=dict)
    last_runs: dict[str, dict[str, Any] | None] = field(default_factory=dict)

    @property
    def running(self) -> bool:
        return all(c.alive for c in self.components)


@dataclass(frozen=True)
class DeploymentConfig:
    """What ``up`` was started with; kept so ``up`` again (or ``status``) uses the same."""

    port: int
    slots: int
    ingest_schedule: str
    admin_password: str
    jwt_secret: str
    fernet_key: str

    @classmethod
    def generate(cls, *, port: int, slots: int, ingest_schedule: str) -> DeploymentConfig:
        from cryptography.fernet import Fernet

        return cls(
            port=port,
            slots=slots,
            ingest_schedule=ingest_schedule,
            admin_password=secrets.token_urlsafe(12),
            jwt_secret=secrets.token_urlsafe(32),
            fernet_key=Fernet.generate_key().decode(),
        )


def metadata_url(warehouse: str, database: str = METADATA_DATABASE) -> str:
    """Airflow's metadata database: ``database`` on the warehouse's server, psycopg 3 driver."""
    parts = urlsplit(warehouse)
    return urlunsplit(parts._replace(scheme="postgresql+psycopg", path=f"/{database}", query=""))


def ensure_metadata_database(warehouse: str, database: str = METADATA_DATABASE) -> None:
    """Create Airflow's metadata database next to the warehouse when it is missing."""
    import psycopg
    from psycopg import sql

    from .warehouse import redact

    try:
        with psycopg.connect(warehouse, autocommit=True, connect_timeout=10) as conn:
            if conn.execute("select 1 from pg_database where datname = %s", (database,)).fetchone():
                return
            conn.execute(sql.SQL("create database {}").format(sql.Identifier(database)))
    except psycopg.Error as exc:
        raise DeploymentError(
            f"cannot create Airflow's metadata database {database!r} on {redact(warehouse)}: {exc}. "
            "Create it (owned by the warehouse user) and run again."
        ) from exc


class LocalDeployment:
    """The four Airflow components of one project checkout, with the LocalExecutor.

    ``port``, ``slots`` (executor parallelism and load-pool size) and ``ingest_schedule``
    (``REFORM_INGEST_SCHEDULE`` of reform_ingest, a cron expression) apply when the
    deployment is first started; later calls reuse what was saved unless given again.
    ``extra_env`` is added to every component's environment (tests pass settings here);
    ``metadata_database`` names Airflow's database on the warehouse's server.
    """

    def __init__(
        self,
        home: Path | None = None,
        *,
        port: int | None = None,
        slots: int | None = None,
        ingest_schedule: str | None = None,
        extra_env: Mapping[str, str] | None = None,
        metadata_database: str = METADATA_DATABASE,
    ) -> None:
        self.home = home or settings().state_dir / "airflow" / "deployment"
        self._wanted: dict[str, int | str | None] = {"port": port, "slots": slots, "ingest_schedule": ingest_schedule}
        self._extra_env = dict(extra_env or {})
        self.metadata_database = metadata_database
        self._children: dict[str, subprocess.Popen[bytes]] = {}
        self._token: tuple[str, float] | None = None

    # -- configuration and secrets ------------------------------------------------------

    @property
    def config_file(self) -> Path:
        return self.home / "deployment.json"

    def config(self) -> DeploymentConfig:
        """The saved configuration, created (with new secrets) on first use; explicit arguments win."""
        saved: dict[str, Any] = {}
        if self.config_file.exists():
            saved = json.loads(self.config_file.read_text())
        wanted = {k: v for k, v in self._wanted.items() if v is not None}
        if not saved:
            port = int(wanted.get("port") or _preferred_port())
            slots = int(wanted.get("slots") or DEFAULT_SLOTS)
            schedule = str(wanted.get("ingest_schedule") or (settings().ingest_schedule or "none"))
            config = DeploymentConfig.generate(port=port, slots=slots, ingest_schedule=schedule)
        else:
            config = DeploymentConfig(**(saved | wanted))
        if config.slots < 2:
            raise DeploymentError("the deployment needs at least 2 task slots")
        if config.__dict__ != saved:
            self._save(config)
        return config

    def _save(self, config: DeploymentConfig) -> None:
        self.home.mkdir(parents=True, exist_ok=True)
        scratch = self.config_file.with_suffix(".tmp")
        # Created 0600 from the start: it holds the admin password and the signing keys.
        descriptor = os.open(scratch, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(descriptor, "w") as handle:
            json.dump(config.__dict__, handle, indent=2)
        os.chmod(scratch, 0o600)
        os.replace(scratch, self.config_file)

    @property
    def api_url(self) -> str:
        return f"http://127.0.0.1:{self.config().port}"

    @property
    def admin_password(self) -> str:
        return self.config().admin_password

    def env(self) -> dict[str, str]:
        """The environment every component (and an ``airflow`` command for this deployment) runs with."""
        from .embedded_db import warehouse_url

        config = self.config()
        warehouse = warehouse_url()
        env = airflow_env(warehouse) | {"AIRFLOW_HOME": str(self.home)}
        env["AIRFLOW__LOGGING__BASE_LOG_FOLDER"] = str(self.home / "logs")
        env = api_server_env(env, port=config.port, admin_password=config.admin_password, jwt_secret=config.jwt_secret)
        base = metadata_url(warehouse, self.metadata_database)
        env |= {
            "AIRFLOW__CORE__EXECUTOR": "LocalExecutor",
            "AIRFLOW__CORE__PARALLELISM": str(config.slots),
            "AIRFLOW__CORE__FERNET_KEY": config.fernet_key,
            "AIRFLOW__DATABASE__SQL_ALCHEMY_CONN": base,
            "AIRFLOW__DATABASE__SQL_ALCHEMY_CONN_ASYNC": base.replace("+psycopg://", "+psycopg_async://", 1),
            # A restarted PostgreSQL leaves dead connections in the pools; test each before use.
            "AIRFLOW__DATABASE__SQL_ALCHEMY_POOL_PRE_PING": "True",
            # One web worker is plenty for one person and saves several hundred MB.
            "AIRFLOW__API__WORKERS": "1",
            "REFORM_INGEST_SCHEDULE": config.ingest_schedule,
        }
        return env | self._extra_env

    # -- lifecycle ----------------------------------------------------------------------

    def up(self, timeout: float = 300) -> DeploymentStatus:
        """Start what is not running, wait for the UI and the DAGs, unpause the scheduled DAGs."""
        deadline = time.monotonic() + timeout
        from .embedded_db import warehouse_url

        warehouse = warehouse_url()
        ensure_metadata_database(warehouse, self.metadata_database)
        env = self.env()
        if not all(self._alive(name) for name in COMPONENTS):
            self._migrate(env)
        for name in reversed(COMPONENTS):  # api-server first: the others' tasks talk to it
            if not self._alive(name):
                self._start(name, env)
        self._wait_for_api(deadline)
        self._ensure_pool()
        self._wait_for_dags(deadline)
        for dag_id in SCHEDULED_DAGS:
            self.api("PATCH", f"/api/v2/dags/{dag_id}", {"is_paused": False})
        return self.status()

    def down(self, timeout: float = 30, *, with_db: bool = False) -> list[str]:
        """Stop the components (SIGTERM, SIGKILL after ``timeout``); returns the ones that ran."""
        stopped = []
        for name in COMPONENTS:
            pid = self._pid(name)
            if pid is not None and self._alive(name):
                _terminate_group(pid, timeout, on_wait=functools.partial(self._reap, name))
                stopped.append(name)
            self._reap(name)
            self._pid_file(name).unlink(missing_ok=True)
        if with_db and not settings().warehouse_url:
            from .embedded_db import EmbeddedServer

            EmbeddedServer.default().stop()
        return stopped

    def status(self) -> DeploymentStatus:
        components = [ComponentState(name, self._pid(name), self._alive(name)) for name in COMPONENTS]
        state = DeploymentStatus(url=self.api_url, components=components)
        if not self._alive("api-server"):
            return state
        try:
            for dag_id in SCHEDULED_DAGS:
                dag = self.api("GET", f"/api/v2/dags/{dag_id}")
                state.paused[dag_id] = bool(dag.get("is_paused"))
                runs = self.dag_runs(dag_id, limit=1)
                state.last_runs[dag_id] = runs[0] if runs else None
        except DeploymentError:
            pass  # the api-server is starting or the DAGs are not parsed yet
        return state

    # -- the REST API -------------------------------------------------------------------

    def api(self, method: str, path: str, body: Mapping[str, Any] | None = None) -> Any:
        """One authenticated call to the api-server's REST API; the JSON answer."""
        headers = {"Authorization": f"Bearer {self._access_token()}", "Content-Type": "application/json"}
        data = json.dumps(body).encode() if body is not None else None
        request = urllib.request.Request(f"{self.api_url}{path}", data=data, headers=headers, method=method)  # noqa: S310 - our own api-server
        try:
            with urllib.request.urlopen(request, timeout=30) as answer:  # noqa: S310 - our own api-server
                raw = answer.read()
        except urllib.error.HTTPError as exc:
            raise DeploymentError(f"{method} {path}: HTTP {exc.code} {exc.read()[:500]!r}") from exc
        except OSError as exc:
            raise DeploymentError(f"{method} {path}: {exc}") from exc
        return json.loads(raw) if raw else None

    def dag_runs(self, dag_id: str, *, limit: int = 25) -> list[dict[str, Any]]:
        """The DAG's latest runs, newest first (``run_type``, ``state``, ``dag_run_id``, ...)."""
        answer = self.api("GET", f"/api/v2/dags/{dag_id}/dagRuns?order_by=-run_after&limit={limit}")
        return list(answer.get("dag_runs", []))

    def _access_token(self) -> str:
        if self._token and self._token[1] > time.monotonic():
            return self._token[0]
        body = json.dumps({"username": "admin", "password": self.admin_password}).encode()
        request = urllib.request.Request(  # noqa: S310 - our own api-server
            f"{self.api_url}/auth/token", data=body, headers={"Content-Type": "application/json"}, method="POST"
        )
        try:
            with urllib.request.urlopen(request, timeout=30) as answer:  # noqa: S310 - our own api-server
                token = str(json.loads(answer.read())["access_token"])
        except (OSError, KeyError, ValueError) as exc:
            raise DeploymentError(f"cannot log in to {self.api_url}: {exc}") from exc
        # Tokens live 24 h by default; renewing every 10 minutes stays well inside that.
        self._token = (token, time.monotonic() + 600)
        return token

    # -- internals ----------------------------------------------------------------------

    def _migrate(self, env: dict[str, str]) -> None:
        ensure_metadata(env | {"AIRFLOW__CORE__EXECUTOR": "LocalExecutor"}, pool=False)

    def _start(self, name: str, env: dict[str, str]) -> None:
        log = self.home / "logs" / f"{name}.log"
        log.parent.mkdir(parents=True, exist_ok=True)
        # Under a supervisor that starts the component again when it exits by itself
        # (a database restart makes the scheduler side exit).
        args = [sys.executable, "-m", "reform_etl.airflow_supervise", name]
        if name == "api-server":
            args += ["--host", "127.0.0.1", "--port", str(self.config().port)]
        with log.open("ab") as handle:
            process = subprocess.Popen(  # noqa: S603 - our own interpreter and module, fixed arguments
                args,
                env=env,
                stdout=handle,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
                start_new_session=True,  # its own process group: down() stops its children too
                cwd=settings().project_root,
            )
        self._children[name] = process
        self._pid_file(name).parent.mkdir(parents=True, exist_ok=True)
        self._pid_file(name).write_text(f"{process.pid}\n")

    def _wait_for_api(self, deadline: float) -> None:
        while time.monotonic() < deadline:
            if not self._alive("api-server"):
                raise DeploymentError(f"the api-server exited; see {self._log_tail('api-server')}")
            try:
                with urllib.request.urlopen(f"{self.api_url}/api/v2/monitor/health", timeout=5):  # noqa: S310
                    return
            except OSError:
                time.sleep(1)
        raise DeploymentError(f"the api-server did not answer at {self.api_url}; see {self._log_tail('api-server')}")

    def _ensure_pool(self) -> None:
        """The load pool with one slot per task slot, created once (operators may resize it later)."""
        try:
            self.api("GET", f"/api/v2/pools/{LOAD_POOL}")
            return
        except DeploymentError as exc:
            if "HTTP 404" not in str(exc):
                raise
        description = "Concurrent COPY loads into the CCHC warehouse"
        self.api("POST", "/api/v2/pools", {"name": LOAD_POOL, "slots": self.config().slots, "description": description})

    def _wait_for_dags(self, deadline: float) -> None:
        missing: set[str] = set(SCHEDULED_DAGS)
        while time.monotonic() < deadline:
            for name in ("scheduler", "dag-processor"):
                if not self._alive(name):
                    raise DeploymentError(f"the {name} exited; see {self._log_tail(name)}")
            answer = self.api("GET", "/api/v2/dags?dag_id_pattern=reform_&limit=100")
            missing = set(SCHEDULED_DAGS) - {d["dag_id"] for d in answer.get("dags", [])}
            if not missing:
                return
            time.sleep(2)
        errors = self.api("GET", "/api/v2/importErrors").get("import_errors", [])
        detail = "; ".join(f"{e.get('filename')}: {str(e.get('stack_trace'))[-300:]}" for e in errors)
        raise DeploymentError(f"DAGs not parsed in time: {sorted(missing)}. {detail}")

    def _pid_file(self, name: str) -> Path:
        return self.home / "run" / f"{name}.pid"

    def _pid(self, name: str) -> int | None:
        try:
            return int(self._pid_file(name).read_text().strip())
        except (FileNotFoundError, ValueError):
            return None

    def _alive(self, name: str) -> bool:
        self._reap(name)
        pid = self._pid(name)
        return pid is not None and _is_component(pid, name)

    def _reap(self, name: str) -> None:
        # A child of this process that exited stays a zombie (and looks alive) until waited for.
        child = self._children.get(name)
        if child is not None and child.poll() is not None:
            del self._children[name]

    def _log_tail(self, name: str, lines: int = 30) -> str:
        log = self.home / "logs" / f"{name}.log"
        try:
            tail = "\n".join(log.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            tail = ""
        return f"{log}:\n{tail}"


def _preferred_port() -> int:
    import socket

    with socket.socket() as probe:
        try:
            probe.bind(("127.0.0.1", PREFERRED_PORT))
            return PREFERRED_PORT
        except OSError:
            return free_port()


def _is_component(pid: int, name: str) -> bool:
    """True when ``pid`` runs (not a zombie) and is still this Airflow component (pids get reused)."""
    proc = Path("/proc") / str(pid)
    try:
        state = (proc / "stat").read_text().rsplit(")", 1)[1].split()[0]
        command = (proc / "cmdline").read_bytes().split(b"\0")
    except (OSError, IndexError):
        return False
    # The api-server retitles itself ("airflow api_server -- host:..."), the others keep argv.
    title = b" ".join(command)
    names = (name.encode(), name.replace("-", "_").encode())
    return state != "Z" and b"airflow" in title and any(n in title for n in names)


def _terminate_group(pid: int, timeout: float, on_wait: Callable[[], None]) -> None:
    """SIGTERM the component's process group, SIGKILL whatever is left after ``timeout``."""
    try:
        os.killpg(pid, signal.SIGTERM)
    except ProcessLookupError:
        return
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        on_wait()  # reaps the leader when it is our own child
        if not _group_has_live_members(pid):
            return
        time.sleep(0.3)
    try:
        os.killpg(pid, signal.SIGKILL)
    except ProcessLookupError:
        pass


def _group_has_live_members(pgid: int) -> bool:
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except (OSError, IndexError):
            continue
        if int(fields[2]) == pgid and fields[0] != "Z":
            return True
    return False
