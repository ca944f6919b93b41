"""Crash the loader or the database mid-load; after a rerun the warehouse equals an uninterrupted run."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import psycopg
import pytest

from reform_etl.embedded_db import EmbeddedServer
from reform_etl.writers import write_csv

pytestmark = pytest.mark.integration

CLI = str(Path(sys.executable).with_name("reform-etl"))
ROWS = 300_000
HEADER = ["Mã hồ sơ", "Mã TTHC", "Cấp", "Kênh", "Ngày tiếp nhận", "Ngày hẹn trả", "Ngày có kết quả"]


def _big_landing(root: Path) -> Path:
    landing = root / "landing"
    (landing / "dossiers").mkdir(parents=True)
    (landing / "dossier_summary").mkdir()

    def rows():  # type: ignore[no-untyped-def]
        for i in range(ROWS):
            day = 1 + i % 28
            yield [
                f"H40-{i:07d}",
                "1.002033",
                "Cấp xã",
                "2",
                f"{day:02d}/03/2024 08:00",
                f"{day:02d}/04/2024",
                f"{day:02d}/03/2024 17:00",
            ]

    write_csv(landing / "dossiers" / "40_2024-03.csv", HEADER, rows())
    (landing / "dossier_summary" / "40_2024-H1.csv").write_text(
        "Cấp,Tiếp nhận,Đúng hạn,Quá hạn\nCấp tỉnh,100,95,5\nCấp xã,50,50,0\n", encoding="utf-8"
    )
    return landing


def _counts(url: str) -> dict[str, object]:
    with psycopg.connect(url) as conn:
        return {
            "raw.dossiers": conn.execute("select count(*) from raw.dossiers").fetchone()[0],
            "raw.dossier_summary": conn.execute("select count(*) from raw.dossier_summary").fetchone()[0],
            "files": conn.execute(
                "select regexp_replace(path, '^.*/', ''), status, rows_read, rows_loaded, rows_rejected "
                "from audit.file_ingestions order by 1"
            ).fetchall(),
            "rejected_rows": conn.execute("select count(*) from audit.rejected_rows").fetchone()[0],
            "marts": conn.execute(
                "select level, source, sum(received), sum(resolved_on_time) from marts.fct_dossier_processing "
                "group by 1, 2 order by 1, 2"
            ).fetchall(),
        }


def _run(url: str, landing: Path, *command: str) -> subprocess.Popen[str]:
    env = os.environ.copy()
    env["WAREHOUSE_URL"] = url
    return subprocess.Popen(
        [CLI, *command, "--landing", str(landing)],
        env=env,
        text=True,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        start_new_session=True,
    )


def _wait_for_copy(url: str, timeout: float = 120) -> None:
    deadline = time.monotonic() + timeout
    with psycopg.connect(url, autocommit=True) as conn:
        while time.monotonic() < deadline:
            # Any COPY of the loader: into raw (row path) or into its staging tables (bulk path).
            busy = conn.execute(
                "select count(*) from pg_stat_activity where application_name = 'reform-etl' "
                "and state = 'active' and query ilike 'copy %'"
            ).fetchone()[0]
            if busy:
                return
            time.sleep(0.02)
    raise AssertionError("the load never reached COPY")


def _fresh_db(server_url: str, name: str) -> str:
    admin = server_url.rsplit("/", 1)[0] + "/postgres"
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'drop database if exists "{name}" with (force)')
        conn.execute(f'create database "{name}"')
    return server_url.rsplit("/", 1)[0] + f"/{name}"


@pytest.fixture(scope="module")
def reference(pg_server_url: str, tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, object]]:
    """The landing folder and the warehouse an uninterrupted run leaves behind."""
    landing = _big_landing(tmp_path_factory.mktemp("fault"))
    url = _fresh_db(pg_server_url, "fault_reference")
    proc = _run(url, landing, "run")
    out, err = proc.communicate(timeout=600)
    assert proc.returncode == 0, err
    return landing, _counts(url)


def test_sigkill_in_the_middle_of_copy_leaves_nothing_partial(reference, pg_server_url):
    landing, expected = reference
    url = _fresh_db(pg_server_url, "fault_sigkill")
    proc = _run(url, landing, "ingest")
    _wait_for_copy(url)
    os.killpg(proc.pid, signal.SIGKILL)
    proc.wait(timeout=30)

    time.sleep(0.5)
    with psycopg.connect(url) as conn:
        assert conn.execute("select count(*) from raw.dossiers").fetchone()[0] == 0
        assert (
            conn.execute("select count(*) from audit.file_ingestions where path like '%dossiers%'").fetchone()[0] == 0
        )
    rerun = _run(url, landing, "run")
    _, err = rerun.communicate(timeout=600)
    assert rerun.returncode == 0, err
    assert _counts(url) == expected


def test_database_stopped_mid_run_then_rerun_matches(reference, tmp_path):
    landing, expected = reference
    server = EmbeddedServer(tmp_path / "pg")
    url = server.start(fast_unsafe=True)
    try:
        proc = _run(url, landing, "run")
        _wait_for_copy(url)
        server.stop()
        _, err = proc.communicate(timeout=120)
        assert proc.returncode == 3, err
        assert "lost the connection to the warehouse" in err
        assert "Traceback" not in err
        server.start(fast_unsafe=True)
        rerun = _run(url, landing, "run")
        _, err = rerun.communicate(timeout=600)
        assert rerun.returncode == 0, err
        assert _counts(url) == expected
    finally:
        server.destroy()
