"""A fresh clone works wherever it is made, as root and as an ordinary user, and opens no folder.

Each case clones the repository into a folder only its owner may enter (mode 0700, like a
home folder or `mktemp -d`), under a name with a space and Vietnamese letters, gives the
clone a virtualenv of its own holding the server binaries (as `make setup` would, so
they sit inside the closed folder), then starts the embedded database and loads two
small files from there. The modes of every folder above the clone and of the clone's
binaries must be what they were.
"""

from __future__ import annotations

import json
import os
import pwd
import shutil
import stat
import subprocess
import sys
import sysconfig
import tempfile
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest

from reform_etl.embedded_db import EmbeddedServer
from tests.support import write_landing

pytestmark = [pytest.mark.integration, pytest.mark.slow]

ROOT = Path(__file__).resolve().parents[2]
FOLDER_NAME = "dự án CCHC"
TEST_USER = "reformtest"
MAIN_SITE = Path(sysconfig.get_path("purelib"))

if os.geteuid() != 0:
    pytest.skip(
        "starting the database as root and as another user needs root (CI runs as root)", allow_module_level=True
    )


def _modes(paths: list[Path]) -> dict[str, int]:
    return {str(p): stat.S_IMODE(p.stat().st_mode) for p in paths}


def _above(path: Path) -> list[Path]:
    return [path, *path.parents]


def _identity(user: pwd.struct_passwd | None) -> dict[str, object]:
    return {"user": user.pw_uid, "group": user.pw_gid, "extra_groups": []} if user else {}


def _clone(home: Path, python: str) -> Path:
    """A clone in ``home`` with its own virtualenv: server binaries copied in, the rest of the lock by path."""
    clone = home / FOLDER_NAME
    cloned = subprocess.run(
        ["git", "clone", "--quiet", "--no-hardlinks", str(ROOT), str(clone)], capture_output=True, text=True
    )
    assert cloned.returncode == 0, cloned.stderr
    venv = clone / ".venv"
    subprocess.run([python, "-m", "venv", "--without-pip", str(venv)], check=True, capture_output=True)
    site = venv / "lib" / f"python{sys.version_info.major}.{sys.version_info.minor}" / "site-packages"
    for name in ("pgserver", "pgserver.libs"):
        if (MAIN_SITE / name).is_dir():
            shutil.copytree(MAIN_SITE / name, site / name, ignore=shutil.ignore_patterns("__pycache__"))
    # The clone's own library first, then the project's locked set (read-only, shared).
    (site / "_clone.pth").write_text(f"{clone / 'include'}\n{MAIN_SITE}\n")
    return clone


def _reform_etl(clone: Path, *args: str, user: pwd.struct_passwd | None = None, **env: str):  # type: ignore[no-untyped-def]
    clean = {k: v for k, v in os.environ.items() if not k.startswith("REFORM_") and k != "WAREHOUSE_URL"}
    clean |= {"HOME": str(clone.parent), "PYTHONDONTWRITEBYTECODE": "1", **env}
    return subprocess.run(
        [str(clone / ".venv" / "bin" / "python"), "-m", "reform_etl.cli", *args],
        cwd=clone,
        env=clean,
        capture_output=True,
        text=True,
        timeout=300,
        **_identity(user),
    )


def _first_run(clone: Path, user: pwd.struct_passwd | None) -> str:
    """Start the database, load two files, check the rows; returns the data folder used."""
    landing = clone / "data" / "landing"
    write_landing(landing, count=2)
    if user:
        subprocess.run(["chown", "-R", f"{user.pw_uid}:{user.pw_gid}", str(landing.parent)], check=True)
    started = _reform_etl(clone, "db", "start", user=user)
    assert started.returncode == 0, started.stdout + started.stderr
    url = started.stdout.strip()
    try:
        loaded = _reform_etl(clone, "ingest", "--landing", str(landing), "--json", user=user)
        assert loaded.returncode == 0, loaded.stdout + loaded.stderr
        assert json.loads(loaded.stdout)["files_by_status"] == {"loaded": 2}
        with psycopg.connect(url) as conn:
            assert conn.execute("select count(*) from raw.dossier_summary").fetchone() == (4,)
        status = _reform_etl(clone, "db", "status", user=user)
        assert status.stdout.startswith("running"), status.stdout + status.stderr
        return status.stdout.split("(data in ", 1)[1].rstrip(")\n")
    finally:
        _reform_etl(clone, "db", "stop", user=user)


def _forget_server(clone: Path) -> None:
    link = clone / ".state" / "pg" / "data"
    if link.is_symlink() and Path(os.readlink(link)).parent.exists():
        shutil.rmtree(Path(os.readlink(link)).parent, ignore_errors=True)


@pytest.fixture
def closed_home() -> Iterator[Path]:
    # Like `mktemp -d`: only root may enter it. Under the temporary folder, where the data
    # folders of vanished state folders are cleaned up.
    home = Path(tempfile.mkdtemp(prefix="reform-first-run-"))
    home.chmod(0o700)
    yield home
    shutil.rmtree(home, ignore_errors=True)


def test_as_root_in_a_closed_folder(closed_home: Path):
    clone = _clone(closed_home, sys.executable)
    watched = [*_above(clone), *(clone / ".venv").rglob("pgserver*/**/*")]
    before = _modes(watched)
    try:
        data = _first_run(clone, user=None)
        assert _modes(watched) == before
        # reformpg cannot enter the clone: its data lives in a folder of its own, linked from the state folder.
        assert (clone / ".state" / "pg" / "data").is_symlink()
        assert data == os.readlink(clone / ".state" / "pg" / "data")
        assert Path(data).stat().st_uid == pwd.getpwnam("reformpg").pw_uid

        # Once the checkout is gone, the next server set up as root removes the orphaned data.
        shutil.rmtree(clone)
        other = EmbeddedServer(closed_home / "other" / "pg")
        other.start(fast_unsafe=True)
        other.destroy()
        assert not Path(data).parent.exists()
    finally:
        _forget_server(clone)


def test_as_root_in_an_open_folder_the_data_stays_in_the_state_folder():
    # Like a checkout under /srv: every folder above it may be entered by everyone.
    home = Path(tempfile.mkdtemp(prefix="reform-open-"))
    try:
        home.chmod(0o755)
        clone = _clone(home, sys.executable)
        before = _modes(_above(clone))
        data = _first_run(clone, user=None)
        assert _modes(_above(clone)) == before
        assert Path(data) == clone / ".state" / "pg" / "data" and not Path(data).is_symlink()
        assert Path(data).stat().st_uid == pwd.getpwnam("reformpg").pw_uid
    finally:
        shutil.rmtree(home, ignore_errors=True)


def test_as_root_a_runtime_folder_the_service_user_cannot_reach_is_one_clear_paragraph(closed_home: Path):
    clone = _clone(closed_home, sys.executable)
    result = _reform_etl(
        clone,
        "db",
        "start",
        REFORM_PG_RUNTIME_DIR=str(closed_home / "runtime"),
        REFORM_STATE_DIR=str(closed_home / "st"),
    )
    assert result.returncode == 3, result.stdout + result.stderr
    message = " ".join(result.stderr.split())
    assert "The embedded PostgreSQL cannot start" in message and "REFORM_PG_RUNTIME_DIR" in message
    assert str(closed_home / "runtime") in message and "WAREHOUSE_URL" in message
    assert "Traceback" not in result.stderr


@pytest.fixture(scope="module")
def ordinary_user() -> pwd.struct_passwd:
    try:
        return pwd.getpwnam(TEST_USER)
    except KeyError:
        subprocess.run(
            ["useradd", "--system", "--no-create-home", "--shell", "/usr/sbin/nologin", TEST_USER],
            check=True,
            capture_output=True,
        )
        return pwd.getpwnam(TEST_USER)


def _python_for(user: pwd.struct_passwd) -> str:
    """A Python 3.11 the user may run (the project's may sit under /root), or skip."""
    for candidate in (
        getattr(sys, "_base_executable", sys.executable),
        shutil.which("python3.11"),
        "/usr/bin/python3.11",
    ):
        if not candidate or not Path(candidate).exists():
            continue
        try:
            probe = subprocess.run(
                [candidate, "-c", f"import sys; sys.path.append({str(MAIN_SITE)!r}); import psycopg, typer, pandas"],
                capture_output=True,
                cwd="/",
                **_identity(user),
            )
        except PermissionError:
            continue
        if probe.returncode == 0:
            return candidate
    pytest.skip(f"no Python 3.11 with the project's packages ({MAIN_SITE}) is readable by an ordinary user here")


@pytest.fixture
def user_home(ordinary_user: pwd.struct_passwd) -> Iterator[Path]:
    # Outside pytest's folder, which only root may enter: like /home/<user>, mode 0700.
    home = Path(tempfile.mkdtemp(prefix="reform-first-run-"))
    os.chown(home, ordinary_user.pw_uid, ordinary_user.pw_gid)
    home.chmod(0o700)
    yield home
    shutil.rmtree(home, ignore_errors=True)


def test_as_an_ordinary_user_in_their_closed_folder(
    ordinary_user: pwd.struct_passwd, user_home: Path, closed_home: Path
):
    clone = _clone(user_home, _python_for(ordinary_user))
    subprocess.run(["chown", "-R", f"{ordinary_user.pw_uid}:{ordinary_user.pw_gid}", str(clone)], check=True)
    watched = [*_above(clone), *(clone / ".venv").rglob("pgserver*/**/*")]
    before = _modes(watched)
    data = _first_run(clone, user=ordinary_user)
    assert _modes(watched) == before
    assert Path(data) == clone / ".state" / "pg" / "data"  # their own server, data where the docs say
    assert Path(data).stat().st_uid == ordinary_user.pw_uid

    # A state folder they may not write: one paragraph naming it, no traceback.
    closed = closed_home / "not-theirs"
    refused = _reform_etl(clone, "db", "start", user=ordinary_user, REFORM_STATE_DIR=str(closed))
    assert refused.returncode == 3, refused.stdout + refused.stderr
    message = " ".join(refused.stderr.split())
    assert "The embedded PostgreSQL cannot start" in message and str(closed / "pg") in message
    assert "Traceback" not in refused.stderr
