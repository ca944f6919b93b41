"""Least privilege, tested by trying what each role must not do; secrets never reach logs."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import psycopg
import pytest
from psycopg import errors

from reform_etl import pipeline
from reform_etl.airflow_local import dags_test

from . import nghe_an

pytestmark = pytest.mark.integration

CLI = str(Path(sys.executable).with_name("reform-etl"))


@pytest.fixture(scope="module")
def loaded(pg_server_url: str, tmp_path_factory: pytest.TempPathFactory) -> str:
    """One loaded warehouse shared by the role checks (each check rolls back)."""
    admin = pg_server_url.rsplit("/", 1)[0] + "/postgres"
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute("drop database if exists permissions with (force)")
        conn.execute("create database permissions")
    url = pg_server_url.rsplit("/", 1)[0] + "/permissions"
    landing = tmp_path_factory.mktemp("permissions")
    (landing / "dossier_summary").mkdir()
    nghe_an.write(landing / "dossier_summary" / nghe_an.FILE_NAME)
    run_id = pipeline.new_run_id("test")
    pipeline.prepare(url, run_id=run_id, trigger="test", landing=landing)
    pipeline.ingest_all(url, landing, run_id=run_id)
    pipeline.transform(url, run_id=run_id)
    return url


def _as(url: str, role: str, statement: str) -> str:
    """'ok' or the SQLSTATE class name of the error, running one statement as ``role``."""
    with psycopg.connect(url) as conn:
        conn.execute(f'set role "{role}"')
        try:
            conn.execute(statement)
        except errors.InsufficientPrivilege:
            return "denied"
        finally:
            conn.rollback()
    return "ok"


@pytest.mark.parametrize(
    ("role", "statement", "expected"),
    [
        ("bi_reader", "select count(*) from marts.fct_dossier_processing", "ok"),
        ("bi_reader", "select count(*) from marts.dim_province", "ok"),
        ("bi_reader", "select count(*) from audit.file_ingestions", "ok"),
        ("bi_reader", "select count(*) from audit.rejected_rows", "ok"),
        ("bi_reader", "select count(*) from audit.file_period_counts", "ok"),
        ("bi_reader", "select count(*) from raw.dossier_summary", "denied"),
        ("bi_reader", "delete from marts.fct_dossier_processing", "denied"),
        ("bi_reader", "update audit.file_ingestions set status = 'loaded'", "denied"),
        ("bi_reader", "create table marts.mine (x int)", "denied"),
        ("reform_loader", "insert into raw.dossier_summary select * from raw.dossier_summary limit 1", "ok"),
        ("reform_loader", "update raw.dossier_summary set received = 0", "denied"),
        ("reform_loader", "delete from raw.dossier_summary", "denied"),
        ("reform_loader", "delete from audit.rejected_rows", "denied"),
        ("reform_loader", "insert into audit.file_period_counts select * from audit.file_period_counts limit 1", "ok"),
        ("reform_loader", "delete from audit.file_period_counts", "denied"),
        ("reform_loader", "drop table audit.file_ingestions", "denied"),
        ("reform_loader", "select count(*) from marts.fct_dossier_processing", "denied"),
        ("reform_loader", "create table marts.mine (x int)", "denied"),
        ("reform_transformer", "select count(*) from raw.dossier_summary", "ok"),
        ("reform_transformer", "insert into raw.dossier_summary select * from raw.dossier_summary limit 1", "denied"),
        ("reform_transformer", "update audit.file_ingestions set status = 'loaded'", "denied"),
        ("reform_transformer", "create table marts.scratch_by_dbt (x int)", "ok"),
    ],
)
def test_each_role_can_do_only_its_job(loaded: str, role: str, statement: str, expected: str) -> None:
    assert _as(loaded, role, statement) == expected


def test_the_password_never_appears_in_output_or_logs(pg_server_url, landing, tmp_path, isolated_state):
    password = "Zx9-not-in-any-log-7Qk"
    admin = pg_server_url.rsplit("/", 1)[0] + "/postgres"
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute("drop database if exists secretdb with (force)")
        conn.execute("drop role if exists secret_etl")
        conn.execute(f"create role secret_etl login superuser password '{password}'")
        conn.execute("create database secretdb owner secret_etl")
    host = pg_server_url.split("@", 1)[1].rsplit("/", 1)[0]
    url = f"postgresql://secret_etl:{password}@{host}/secretdb"
    (landing / "dossier_summary").mkdir()
    nghe_an.write(landing / "dossier_summary" / nghe_an.FILE_NAME)
    (landing / "dossier_summary" / "99_2024-H1.csv").write_text("Cấp,Tiếp nhận,Đúng hạn,Quá hạn\n", encoding="utf-8")
    env = os.environ.copy() | {"WAREHOUSE_URL": url, "REFORM_LOG_LEVEL": "DEBUG"}

    run = subprocess.run([CLI, "run", "--landing", str(landing)], capture_output=True, text=True, env=env, timeout=600)
    assert run.returncode == 0, run.stderr
    assert dags_test("reform_pipeline", {"landing": str(landing)}, url=url, log_name="secret_dags_test.log") == 0

    leaks = [run.stdout, run.stderr]
    for path in Path(isolated_state).rglob("*"):
        if path.is_file() and path.suffix in {".log", ".json", ".txt", ""} and path.stat().st_size < 50 << 20:
            try:
                if password in path.read_text(errors="ignore"):
                    leaks.append(str(path))
            except OSError:
                continue
    assert not [leak for leak in leaks if password in leak or leak.startswith("/")], leaks
