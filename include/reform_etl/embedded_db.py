"""The embedded PostgreSQL used when no ``WAREHOUSE_URL`` is given.

The server binaries come from the ``pgserver`` wheel (PostgreSQL 16), so nothing has to
be installed system-wide. We drive ``initdb``/``pg_ctl`` ourselves rather than through
pgserver's own wrapper because that wrapper only listens on a Unix socket, and both
Great Expectations' PostgreSQL source and Airflow connections want host and port.

PostgreSQL refuses to run as root. When we are root (CI, containers) the server runs as
an unprivileged system user, ``reformpg``, created on first use, and that user gets a
place of its own rather than a way into the checkout: a root-owned, read-only copy of the
server binaries under ``REFORM_PG_RUNTIME_DIR`` (``/var/lib/reform-etl``), and, when it
cannot enter the state folder (a checkout under ``/root`` or in a ``mktemp -d`` folder),
its data folder there too, with ``<state>/pg/data`` a symbolic link to it. No permission
of any folder outside the state folder is ever changed.
"""

from __future__ import annotations

import hashlib
import importlib.util
import os
import pwd
import shutil
import socket
import stat
import subprocess
import tempfile
import time
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import TypedDict

from .config import settings

DATABASE = "reform"
SUPERUSER = "postgres"
PREFERRED_PORT = 55432
SERVICE_USER = "reformpg"
OWNER_FILE = "state-folder"
_OTHERS_FIX = "Or set WAREHOUSE_URL to use a PostgreSQL you run yourself."


class EmbeddedDatabaseError(RuntimeError):
    pass


def _cannot_start(problem: str, fix: str) -> EmbeddedDatabaseError:
    """One paragraph: what is wrong, where, and what to do."""
    return EmbeddedDatabaseError(f"The embedded PostgreSQL cannot start: {problem}. {fix} {_OTHERS_FIX}")


def _install() -> Path:
    """The wheel's PostgreSQL installation (bin/, lib/, share/)."""
    # Located without importing pgserver: its package import probes runtime folders and warns.
    spec = importlib.util.find_spec("pgserver")
    if spec is None or not spec.submodule_search_locations:
        raise EmbeddedDatabaseError("the pgserver package is not installed: run `make setup`")
    return Path(next(iter(spec.submodule_search_locations))) / "pginstall"


def _bin(name: str) -> Path:
    return _install() / "bin" / name


@dataclass(frozen=True)
class EmbeddedServer:
    """A server whose state is ``root`` (``<state>/pg``): its port file and its data folder."""

    root: Path

    @classmethod
    def default(cls) -> EmbeddedServer:
        return cls(settings().state_dir / "pg")

    @property
    def data_dir(self) -> Path:
        """``root/data``, or the service user's own folder it links to (root only)."""
        link = self.root / "data"
        return Path(os.readlink(link)) if link.is_symlink() else link

    @property
    def log_file(self) -> Path:
        # Beside the data folder: pg_ctl, running as the server's user, must be able to write it.
        return self.data_dir.parent / "server.log"

    @property
    def port_file(self) -> Path:
        return self.root / "port"

    @property
    def port(self) -> int | None:
        try:
            return int(self.port_file.read_text().strip())
        except (FileNotFoundError, ValueError):
            return self._running_port()

    def _running_port(self) -> int | None:
        """The port a running server of this data folder listens on (its postmaster.pid, line 4).

        The port file lives in the state folder; when that folder was removed and made again
        while the server ran on (its data is kept elsewhere as root), the server still says.
        """
        try:
            lines = (self.data_dir / "postmaster.pid").read_text().splitlines()
            return int(lines[3])
        except (OSError, IndexError, ValueError):
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
        try:
            self._prepare()
            if not (self.data_dir / "PG_VERSION").exists():
                self._initdb()
            running = self.is_running()
        except PermissionError as exc:
            raise _cannot_start(
                f"permission denied on {exc.filename}",
                "Run the command as the user who owns the checkout, or point REFORM_STATE_DIR at a folder you may write.",
            ) from None
        if not running:
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
            if fast_unsafe or settings().pg_fast:
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
        if (self.root / "data").is_symlink():
            shutil.rmtree(self.data_dir.parent, ignore_errors=True)
        shutil.rmtree(self.root, ignore_errors=True)

    # -- where the server runs from ----------------------------------------------------------

    def _prepare(self) -> None:
        """Create the state folder and, as root, give the service user what it needs."""
        try:
            self.root.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise _cannot_start(
                f"cannot create its folder {self.root} ({exc.strerror})",
                "Point REFORM_STATE_DIR at a folder you may write, or run as the user who owns the checkout.",
            ) from None
        user = self._service_user()
        if user is None:
            if not os.access(_bin("postgres"), os.X_OK):
                raise _cannot_start(
                    f"the server binary {_bin('postgres')} is not executable (a noexec mount?)",
                    "Create the virtualenv on a file system that allows running programs (`make setup`).",
                )
            return
        runtime = settings().pg_runtime_dir
        binaries = _runtime_copy(runtime)
        link = self.root / "data"
        if link.is_symlink() or (not link.exists() and not _as_user(user, "test", "-x", str(self.root))):
            # The service user cannot enter the state folder: its data goes to a folder it owns.
            own = (
                Path(os.readlink(link)).parent
                if link.is_symlink()
                else runtime / "pg" / _digest(str(self.root.absolute()))
            )
            if not own.is_dir():
                _forget_orphans(runtime / "pg")
                _make_folders(own)
                os.chown(own, user.pw_uid, user.pw_gid)
                own.chmod(0o700)
                # Which state folder it serves, so a folder whose checkout is gone can be removed.
                (own / OWNER_FILE).write_text(f"{self.root.absolute()}\n", encoding="utf-8")
            if not link.is_symlink():
                link.symlink_to(own / "data", target_is_directory=True)
        else:
            # The state folder is open to it: keep the data where the project documents it.
            for path in [self.root, *self.root.iterdir()]:
                if path.stat(follow_symlinks=False).st_uid != user.pw_uid:
                    os.chown(path, user.pw_uid, user.pw_gid, follow_symlinks=False)
        home = self.data_dir.parent
        if not _as_user(user, "test", "-w", str(home), "-a", "-x", str(binaries / "bin" / "postgres")):
            raise _cannot_start(
                f"its service user {user.pw_name} cannot write {home} or run {binaries / 'bin' / 'postgres'}",
                f"Set REFORM_PG_RUNTIME_DIR to a folder whose parents every user may enter (now {runtime}), "
                f"or move {self.root / 'data'} away to let it choose a place again, or run as a user other than root.",
            )

    def _service_user(self) -> pwd.struct_passwd | None:
        if os.geteuid() != 0:
            return None
        try:
            return pwd.getpwnam(SERVICE_USER)
        except KeyError:
            pass
        try:
            subprocess.run(  # noqa: S603 - fixed arguments
                # S607: an admin tool found on root's PATH wherever the distribution puts it.
                ["useradd", "--system", "--no-create-home", "--shell", "/usr/sbin/nologin", SERVICE_USER],  # noqa: S607
                check=True,
                capture_output=True,
            )
        except (OSError, subprocess.CalledProcessError) as exc:
            try:  # another process may have created it meanwhile
                return pwd.getpwnam(SERVICE_USER)
            except KeyError:
                why = (
                    exc.stderr.decode(errors="replace").strip()
                    if isinstance(exc, subprocess.CalledProcessError)
                    else exc
                )
                raise _cannot_start(
                    f"PostgreSQL refuses to run as root and the service user {SERVICE_USER} could not be created ({why})",
                    f"Create a system user named {SERVICE_USER} yourself, or run the command as a user other than root.",
                ) from None
        return pwd.getpwnam(SERVICE_USER)

    def _binaries(self) -> Path:
        """The installation the server runs from: the wheel's, or as root its runtime copy."""
        if os.geteuid() != 0:
            return _install()
        return _runtime_copy(settings().pg_runtime_dir)

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
        command = [str(self._binaries() / "bin" / args[0]), *args[1:]]
        user = self._service_user()
        home = self.data_dir.parent
        result = subprocess.run(  # noqa: S603 - the server binaries pgserver ships
            command,
            capture_output=True,
            text=True,
            **_identity(user),
            # A folder the server's user may enter: root's own current folder may be closed to it.
            cwd=home if home.is_dir() else None,
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


class _Identity(TypedDict, total=False):
    """The ``subprocess.run`` arguments that run a child as another user."""

    user: int
    group: int
    extra_groups: list[int]


def _identity(user: pwd.struct_passwd | None) -> _Identity:
    # Drop root's supplementary groups too, so that only what is open to every user is reachable.
    return _Identity(user=user.pw_uid, group=user.pw_gid, extra_groups=[]) if user else _Identity()


def _as_user(user: pwd.struct_passwd, *test: str) -> bool:
    """Whether ``test`` (a `test` expression) holds for ``user``: its access, not root's."""
    # S603: callers pass the `test` program and paths of the embedded server, no outside input.
    done = subprocess.run(list(test), capture_output=True, cwd="/", **_identity(user), timeout=30)  # noqa: S603
    return done.returncode == 0


def _forget_orphans(folders: Path) -> None:
    """Remove data folders under ``runtime/pg`` whose temporary state folder is gone.

    Test runs and throw-away clones under the temporary folder leave them behind, and
    nothing can reach that data again. A state folder elsewhere may only be out of sight
    (an unmounted disk), so its data is never removed here; neither is a running server's.
    """
    scratch = Path(tempfile.gettempdir()).resolve()
    for own in folders.glob("*/"):
        try:
            state = Path((own / OWNER_FILE).read_text(encoding="utf-8").strip())
        except OSError:
            continue
        if not state.is_relative_to(scratch):
            continue
        link = state / "data"
        if link.is_symlink() and Path(os.readlink(link)).parent == own:
            continue
        if _server_alive(own / "data"):
            continue
        shutil.rmtree(own, ignore_errors=True)


def _server_alive(data: Path) -> bool:
    try:
        pid = int((data / "postmaster.pid").read_text().split()[0])
    except (OSError, ValueError, IndexError):
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _make_folders(path: Path) -> Path:
    """Create ``path`` and its missing parents open to every user (mode 0755), whatever root's umask.

    Only folders created here get that mode; existing ones are left as they are.
    """
    missing = []
    for folder in [path, *path.parents]:
        if folder.exists():
            break
        missing.append(folder)
    for folder in reversed(missing):
        try:
            folder.mkdir()
        except FileExistsError:
            continue
        folder.chmod(0o755)
    return path


def _digest(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()[:16]


@cache
def _binary_digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()[:16]


def _runtime_copy(runtime: Path) -> Path:
    """A root-owned copy of the wheel's installation that every user may read and run.

    The wheel's binaries find their shared libraries in ``pgserver.libs`` beside the
    package (``$ORIGIN/../../../pgserver.libs``), so the copy keeps that layout. Named after
    the server binary's digest, so checkouts with the same pgserver share one copy and a
    new version gets its own; built aside and renamed into place, so concurrent starts
    never see half a copy. Returns the copy's ``pginstall`` folder.
    """
    source = _install()
    target = runtime / "bin" / f"pg-{_binary_digest(source / 'bin' / 'postgres')}"
    installed = target / "pgserver" / "pginstall"
    if (installed / "bin" / "postgres").is_file():
        return installed
    try:
        _make_folders(target.parent)
        scratch = Path(tempfile.mkdtemp(prefix=".copy-", dir=target.parent))
    except OSError as exc:
        raise _cannot_start(
            f"cannot create {runtime} for its binaries ({exc.strerror})",
            "Set REFORM_PG_RUNTIME_DIR to a folder root may create and every user may enter.",
        ) from None
    try:
        copy = scratch / "copy"
        shutil.copytree(
            source, copy / "pgserver" / "pginstall", symlinks=True, ignore=shutil.ignore_patterns("include")
        )
        libs = source.parent.parent / "pgserver.libs"
        if libs.is_dir():
            shutil.copytree(libs, copy / "pgserver.libs", symlinks=True)
        for path in [copy, *copy.rglob("*")]:
            if path.is_symlink():
                continue
            mode = path.stat().st_mode
            runnable = path.is_dir() or mode & (stat.S_IXUSR | stat.S_IXGRP | stat.S_IXOTH)
            path.chmod(0o755 if runnable else 0o644)
        try:
            copy.rename(target)
        except OSError:
            if not (installed / "bin" / "postgres").is_file():
                raise
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    return installed


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
