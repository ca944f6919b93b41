"""Shared fixtures: a real PostgreSQL for the whole session and a fresh database per test.

The server is the embedded one (pgserver binaries) unless REFORM_TEST_WAREHOUSE_URL names
an existing PostgreSQL to use instead (a database is created and dropped per test either way).
State (archive, reports, dbt target, Airflow home) goes to a temporary folder so a test
run never touches the user's .state or reports.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import psycopg
import pytest

os.environ.setdefault("GX_ANALYTICS_ENABLED", "false")
os.environ.setdefault("DO_NOT_TRACK", "1")


@pytest.fixture(scope="session", autouse=True)
def isolated_state(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    root = tmp_path_factory.mktemp("state")
    saved = {
        k: os.environ.get(k) for k in ("REFORM_STATE_DIR", "REFORM_ARCHIVE_DIR", "REFORM_REPORTS_DIR", "WAREHOUSE_URL")
    }
    os.environ["REFORM_STATE_DIR"] = str(root / "state")
    os.environ["REFORM_ARCHIVE_DIR"] = str(root / "archive")
    os.environ["REFORM_REPORTS_DIR"] = str(root / "reports")
    os.environ.pop("WAREHOUSE_URL", None)
    yield root
    for key, value in saved.items():
        if value is None:
            os.environ.pop(key, None)
        else:
            os.environ[key] = value


@pytest.fixture(scope="session")
def pg_server_url(isolated_state: Path) -> Iterator[str]:
    given = os.environ.get("REFORM_TEST_WAREHOUSE_URL")
    if given:
        yield given
        return
    from reform_etl.embedded_db import EmbeddedServer

    server = EmbeddedServer(isolated_state / "pg")
    url = server.start(fast_unsafe=True)
    yield url
    server.destroy()


def _with_database(url: str, name: str) -> str:
    parts = urlsplit(url)
    return urlunsplit(parts._replace(path=f"/{name}"))


@pytest.fixture
def warehouse_url(pg_server_url: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """A fresh, empty warehouse database; WAREHOUSE_URL points at it during the test."""
    name = f"t_{uuid.uuid4().hex[:12]}"
    admin = _with_database(pg_server_url, "postgres")
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'create database "{name}"')
    url = _with_database(pg_server_url, name)
    monkeypatch.setenv("WAREHOUSE_URL", url)
    yield url
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'drop database if exists "{name}" with (force)')


@pytest.fixture
def landing(tmp_path: Path) -> Path:
    folder = tmp_path / "landing"
    folder.mkdir()
    return folder


def _query(url: str, sql: str, params: tuple[object, ...] = ()) -> list[tuple[object, ...]]:
    with psycopg.connect(url) as conn:
        return conn.execute(sql, params).fetchall()


@pytest.fixture
def query():  # type: ignore[no-untyped-def]
    """``query(url, sql, params)`` -> all rows; for asserting what the warehouse holds."""
    return _query


@pytest.fixture(scope="session")
def chromium() -> str:
    """Headless Chromium, installed from Debian's packages if missing; CI must have it."""
    from tests.support import find_browser, install_browser

    found = find_browser()
    if found is None:
        why = install_browser()
        found = find_browser()
        if found is None:
            if os.environ.get("CI", "").lower() == "true":
                pytest.fail(f"CI needs headless Chromium for the browser tests and it could not be installed: {why}")
            pytest.skip(f"headless Chromium is not installed and cannot be installed here ({why})")
    return found
