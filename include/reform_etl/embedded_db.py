"""The embedded PostgreSQL used when no ``WAREHOUSE_URL`` is given.

The server binaries come from the ``pgserver`` wheel (PostgreSQL 16), so nothing has to
be installed system-wide. We drive ``initdb``/``pg_ctl`` ourselves rather than through
pgserver's own wrapper because that wrapper only listens on a Unix socket, and both
Great Expectations' PostgreSQL source and Airflow connections want host and port.
PostgreSQL refuses to run as root; when we are root (CI, containers) the server runs
as an unprivileged system user created on first use.
"""

from __future__ import annotations

import importlib.util
import os
import pwd
import shutil
import socket
import stat
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

from .config import settings

DATABASE = "reform"
SUPERUSER = "postgres"
PREFERRED_PORT = 55432
SERVICE_USER = "reformpg"


class EmbeddedDatabaseError(RuntimeError):
    pass


def _bin(name: str) -> Path:
    # Located without importing pgserver: its package import probes runtime folders and warns.
    spec = importlib.util.find_spec("pgserver")
    if spec is None or not spec.submodule_search_locations:
        raise EmbeddedDatabaseError("the pgserver package is not installed: run `make setup`")
    return Path(next(iter(spec.submodule_search_locations))) / "pginstall" / "bin" / name


@dataclass(frozen=True)
class EmbeddedServer:
    root: Path

    @classmethod
    def default(cls) -> EmbeddedServer:
        return cls(settings().state_dir / "pg")

    @property
    def data_dir(self) -> Path:
        return self.root / "data"

    @property
    def log_file(self) -> Path:
        return self.root / "server.log"

    @property
    def port_file(self) -> Path:
        return self.root / "port"

    @property
    def port(self) -> int | None:
        try:
            return int(self.port_file.read_text().strip())
        except (FileNotFoundError, ValueError):
            return None

    def url(self, database: str = DATABASE) -> str:
        port = self.port
        if port is None:
            raise EmbeddedDatabaseError("the embedded database has never been started: run `reform-etl db start`")
        return f"postgresql://{SUPERUSER}@127.0.0.1:{port}/{database}"

    # -- lifecycle ---------------------------------------------------------------------

    def is_running(self) -> bool:
        if not (self.data_dir / "PG_VERSION").exists():
            return False
        result = self._run(["pg_ctl", "-D", str(self.data_dir), "status"], check=False)
        return result.returncode == 0

    def start(self, *, fast_unsafe: bool = False) -> str:
        """Start (initialising on first use) and return the connection URL. Idempotent.

        ``fast_unsafe`` turns off fsync for throw-away test databases.
        """
        self.root.mkdir(parents=True, exist_ok=True)
        user = self._service_user()
        if user:
            self._grant_to(user)
        if not (self.data_dir / "PG_VERSION").exists():
            self._initdb()
        if not self.is_running():
            port = self._choose_port()
            options = [
                "-h 127.0.0.1",
                f"-p {port}",
                "-c unix_socket_directories=''",
                "-c synchronous_commit=off",
                "-c max_connections=200",
                "-c shared_buffers=256MB",
                "-c max_wal_size=2GB",
            ]
            if fast_unsafe or os.environ.get("REFORM_PG_FAST") == "1":
                options += ["-c fsync=off", "-c full_page_writes=off"]
            result = self._run(
                [
                    "pg_ctl",
                    "-D",
                    str(self.data_dir),
                    "-l",
                    str(self.log_file),
                    "-w",
                    "-t",
                    "60",
                    "-o",
                    " ".join(options),
                    "start",
                ],
                check=False,
            )
            if result.returncode != 0:
                raise EmbeddedDatabaseError(
                    f"the embedded PostgreSQL did not start (exit {result.returncode}).\n"
                    f"{result.stdout}{result.stderr}\nServer log: {self.log_file}\n{self._log_tail()}"
                )
            self.port_file.write_text(f"{port}\n")
        self._ensure_database()
        return self.url()

    def stop(self) -> bool:
        """Stop the server; returns False when it was not running."""
        if not self.is_running():
            return False
        self._run(["pg_ctl", "-D", str(self.data_dir), "-m", "fast", "-w", "stop"], check=True)
        return True

    def destroy(self) -> None:
        self.stop()
        shutil.rmtree(self.root, ignore_errors=True)

    # -- internals ---------------------------------------------------------------------

    def _service_user(self) -> str | None:
        if os.geteuid() != 0:
            return None
        try:
            pwd.getpwnam(SERVICE_USER)
        except KeyError:
            subprocess.run(
                ["useradd", "--system", "--no-create-home", "--shell", "/usr/sbin/nologin", SERVICE_USER],
                check=True,
                capture_output=True,
            )
        return SERVICE_USER

    def _grant_to(self, user: str) -> None:
        entry = pwd.getpwnam(user)
        # The service user must be able to walk down to its folder and run the binaries.
        _allow_traversal(self.root)
        # Only what we (root) create sits directly in the root; the data folder below is
        # written by the service user itself, so it needs no walk on every start.
        for path in [self.root, *self.root.iterdir()]:
            if path.stat().st_uid != entry.pw_uid:
                os.chown(path, entry.pw_uid, entry.pw_gid, follow_symlinks=False)
        install = _bin("postgres").parent.parent
        if _needs_opening(install):
            _allow_traversal(install)
            for path in [install, *install.rglob("*")]:
                mode = path.stat().st_mode
                wanted = mode | stat.S_IROTH | (stat.S_IXOTH if path.is_dir() or mode & stat.S_IXUSR else 0)
                if wanted != mode:
                    path.chmod(wanted)

    def _initdb(self) -> None:
        if self.data_dir.exists():
            shutil.rmtree(self.data_dir)
        result = self._run(
            [
                "initdb",
                "-D",
                str(self.data_dir),
                "-U",
                SUPERUSER,
                "--auth=trust",
                "--encoding=UTF8",
                "--no-locale",
                "--no-sync",
            ],
            check=False,
        )
        if result.returncode != 0:
            raise EmbeddedDatabaseError(f"initdb failed: {result.stdout}{result.stderr}")

    def _choose_port(self) -> int:
        for candidate in (self.port, PREFERRED_PORT):
            if candidate and _port_is_free(candidate):
                return candidate
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            return int(s.getsockname()[1])

    def _ensure_database(self) -> None:
        import psycopg

        deadline = time.monotonic() + 30
        while True:
            try:
                with psycopg.connect(self.url("postgres"), autocommit=True, connect_timeout=5) as conn:
                    exists = conn.execute("select 1 from pg_database where datname = %s", (DATABASE,)).fetchone()
                    if not exists:
                        conn.execute(f'create database "{DATABASE}"')
                return
            except psycopg.OperationalError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.3)

    def _run(self, args: list[str], *, check: bool) -> subprocess.CompletedProcess[str]:
        command = [str(_bin(args[0])), *args[1:]]
        user = self._service_user()
        # Drop root's group too: a parent folder like pytest's (mode 701, group root) would
        # otherwise deny access through its group bits.
        identity = {"user": user, "group": user, "extra_groups": []} if user else {}
        result = subprocess.run(
            command,
            capture_output=True,
            text=True,
            **identity,
            cwd=self.root if self.root.exists() else None,
            timeout=120,
        )
        if check and result.returncode != 0:
            raise EmbeddedDatabaseError(f"{args[0]} failed: {result.stdout}{result.stderr}")
        return result

    def _log_tail(self, lines: int = 20) -> str:
        try:
            return "\n".join(self.log_file.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return ""


def _allow_traversal(path: Path) -> None:
    """o+x on every parent folder, so another user can reach ``path``."""
    for parent in [*path.parents][::-1]:
        mode = parent.stat().st_mode
        if mode | stat.S_IXOTH != mode:
            parent.chmod(mode | stat.S_IXOTH)


def _needs_opening(install: Path) -> bool:
    """True while the wheel's binaries are not yet readable and runnable by other users."""
    server = install / "bin" / "postgres"
    return not (server.stat().st_mode & stat.S_IXOTH and (install / "lib").stat().st_mode & stat.S_IXOTH)


def _port_is_free(port: int) -> bool:
    with socket.socket() as s:
        # PostgreSQL listens with SO_REUSEADDR, so a port whose old connections linger in
        # TIME_WAIT after a restart is still its own; probe the same way to keep the URL stable.
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            s.bind(("127.0.0.1", port))
        except OSError:
            return False
        return True


def warehouse_url(*, start: bool = True) -> str:
    """The warehouse to use: ``WAREHOUSE_URL`` if given, else the embedded server."""
    given = settings().warehouse_url
    if given:
        return given
    server = EmbeddedServer.default()
    if start:
        return server.start()
    return server.url()
