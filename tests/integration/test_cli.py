"""The reform-etl command as an operator runs it: exit codes, JSON output, the embedded database."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from . import nghe_an

pytestmark = pytest.mark.integration

CLI = str(Path(sys.executable).with_name("reform-etl"))


def reform_etl(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([CLI, *args], capture_output=True, text=True, env=env or os.environ.copy(), timeout=600)


def test_run_exits_zero_when_files_are_rejected_and_prints_json(warehouse_url, landing, query):
    folder = landing / "dossier_summary"
    folder.mkdir()
    nghe_an.write(folder / nghe_an.FILE_NAME)
    (folder / "99_2024-H1.csv").write_text("Cấp,Tiếp nhận,Đúng hạn,Quá hạn\nCấp tỉnh,1,1,0\n", encoding="utf-8")

    result = reform_etl("run", "--landing", str(landing), "--json")

    assert result.returncode == 0, result.stderr
    summary = json.loads(result.stdout)
    assert summary["files_by_status"] == {"loaded": 1, "rejected": 1}
    assert summary["rows_read"] == summary["rows_loaded"] + summary["rows_rejected"]
    assert summary["mart_rows"]["fct_dossier_processing"] == 3
    assert summary["dbt"]["success"] is True
    rejected = next(f for f in summary["files"] if f["status"] == "rejected")
    assert "99" in rejected["message"] and "99_2024-H1.csv" in rejected["message"]
    assert Path(summary["report"]).is_file()


def test_run_exits_3_with_a_clear_message_when_the_warehouse_is_unreachable(landing):
    env = os.environ.copy()
    env["WAREHOUSE_URL"] = "postgresql://reform:secret-password@127.0.0.1:1/reform"
    result = reform_etl("run", "--landing", str(landing), env=env)
    assert result.returncode == 3
    assert "not reachable" in result.stderr
    assert "secret-password" not in result.stderr + result.stdout


def test_run_exits_4_when_dbt_fails(warehouse_url, landing, tmp_path, monkeypatch):
    # A broken copy of the project: a model with invalid SQL.
    project = tmp_path / "project"
    shutil.copytree(Path(__file__).resolve().parents[2] / "dbt_project", project / "dbt_project", symlinks=False)
    (project / "dbt_project" / "models" / "marts" / "broken.sql").write_text("select * from no_such_table")
    for name in ("include", "expectations"):
        (project / name).symlink_to(Path(__file__).resolve().parents[2] / name)
    env = os.environ.copy()
    env["REFORM_PROJECT_ROOT"] = str(project)
    result = reform_etl("run", "--landing", str(landing), env=env)
    assert result.returncode == 4, result.stdout + result.stderr
    assert "dbt build failed" in result.stderr


def test_unknown_landing_folder_is_a_usage_error(tmp_path):
    # Longer than any terminal, so a wrapped message would split the path.
    missing = tmp_path / ("missing-" + "x" * 120)
    result = reform_etl("run", "--landing", str(missing))
    assert result.returncode == 2
    assert f"landing folder {missing} does not exist" in result.stderr


def test_help_lists_the_commands():
    result = reform_etl("--help")
    assert result.returncode == 0
    for command in ("run", "ingest", "transform", "report", "status", "generate", "db"):
        assert command in result.stdout


def test_embedded_database_start_status_stop(tmp_path):
    env = os.environ.copy()
    env.pop("WAREHOUSE_URL", None)
    env["REFORM_STATE_DIR"] = str(tmp_path / "state")
    started = reform_etl("db", "start", env=env)
    assert started.returncode == 0, started.stderr
    assert started.stdout.strip().startswith("postgresql://postgres@127.0.0.1:")
    try:
        assert reform_etl("db", "status", env=env).stdout.startswith("running")
    finally:
        stopped = reform_etl("db", "stop", env=env)
    assert stopped.returncode == 0 and "stopped" in stopped.stdout
    status = reform_etl("db", "status", env=env)
    assert status.returncode == 1 and status.stdout.startswith("stopped")


def test_status_lists_runs_waiting_files_and_missing_deliveries(warehouse_url, landing):
    folder = landing / "dossier_summary"
    folder.mkdir()
    nghe_an.write(folder / nghe_an.FILE_NAME)
    assert reform_etl("ingest", "--landing", str(landing)).returncode == 0
    (folder / "01_2024-H1.csv").write_text("Cấp,Tiếp nhận,Đúng hạn,Quá hạn\nCấp tỉnh,1,1,0\n", encoding="utf-8")

    result = reform_etl("status", "--landing", str(landing), "--json")

    assert result.returncode == 0, result.stderr
    status = json.loads(result.stdout)
    assert status["runs"][0]["status"] == "success"
    assert status["files"]["loaded"]["files"] == 1
    assert [Path(p).name for p in status["pending"]] == ["01_2024-H1.csv"]
    missing = status["missing_deliveries"]
    assert missing and {"stream", "period", "province", "status"} <= set(missing[0])
    assert any(m["province"] == "01" for m in missing)


def test_backfill_reprocesses_a_province_period_from_the_archive(warehouse_url, landing, query):
    folder = landing / "dossier_summary"
    folder.mkdir()
    nghe_an.write(folder / nghe_an.FILE_NAME)
    assert reform_etl("ingest", "--landing", str(landing)).returncode == 0
    (folder / nghe_an.FILE_NAME).unlink()  # only the archive holds the bytes now

    result = reform_etl("backfill", "--province", "40", "--from", "2022-H1", "--json")

    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)
    [(rows,)] = query(warehouse_url, "select count(*) from raw.dossier_summary where province_code = '40'")
    assert rows == 3
    nothing = reform_etl("backfill", "--province", "01", "--from", "2022-H1")
    assert nothing.returncode == 1 and "nothing archived" in nothing.stdout
