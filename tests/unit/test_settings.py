"""Settings: one typed place, a clear stop on a bad value, every variable documented."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from reform_etl.config import Settings, SettingsError, settings, variables

ROOT = Path(__file__).resolve().parents[2]
CLI = str(Path(sys.executable).with_name("reform-etl"))


def _cli(*args: str, **env: str) -> subprocess.CompletedProcess[str]:
    clean = {k: v for k, v in os.environ.items() if k not in variables()}
    return subprocess.run([CLI, *args], capture_output=True, text=True, env=clean | env, timeout=120)


# One bad value per kind of setting: (variable, value, words the message must hold).
BAD_VALUES = [
    ("REFORM_MAX_FILE_BYTES", "abc", "512MiB"),  # a size
    ("REFORM_MAX_REJECTED_SHARE", "1.5", "from 0 to 1"),  # a bounded number
    ("REFORM_VOLUME_FACTOR", "three", "above 1"),  # a number
    ("REFORM_TASK_RETRIES", "-1", "0 or more"),  # a whole number
    ("REFORM_PG_FAST", "maybe", "true/false"),  # a switch
    ("REFORM_LOG_LEVEL", "loud", "WARNING"),  # a choice
    ("REFORM_INGEST_SCHEDULE", "every hour", "cron"),  # a schedule
    ("REFORM_PROJECT_ROOT", "/no/such/checkout", "existing folder"),  # a folder that must exist
    ("REFORM_SOURCES_FILE", "/no/such/sources.yml", "existing source-registry"),  # a file that must exist
    ("REFORM_PG_RUNTIME_DIR", "relative/folder", "absolute"),  # an absolute path
    ("WAREHOUSE_URL", "mysql://etl:pw-123@db/cchc", "postgresql://"),  # a secret URL
    ("REFORM_ALERT_WEBHOOK_URL", "hooks.example/abc", "http"),  # a secret URL
]


@pytest.mark.parametrize(("variable", "value", "allowed"), BAD_VALUES, ids=[b[0] for b in BAD_VALUES])
def test_a_bad_value_stops_the_command_with_exit_2_naming_the_variable(variable: str, value: str, allowed: str):
    # `status` would need the warehouse: the settings must stop it long before.
    result = _cli("status", **{variable: value})
    assert result.returncode == 2, result.stdout + result.stderr
    assert variable in result.stderr and allowed in result.stderr
    assert "Traceback" not in result.stderr
    if variable in ("WAREHOUSE_URL", "REFORM_ALERT_WEBHOOK_URL"):
        assert value not in result.stderr and "pw-123" not in result.stderr
    else:
        assert repr(value) in result.stderr


def test_every_bad_value_is_reported_at_once(monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setenv("REFORM_MAX_FILE_BYTES", "abc")
    monkeypatch.setenv("REFORM_TASK_RETRIES", "x")
    with pytest.raises(SettingsError) as error:
        settings()
    assert [p.split("=")[0] for p in error.value.problems] == ["REFORM_MAX_FILE_BYTES", "REFORM_TASK_RETRIES"]


def test_values_are_typed_and_defaults_follow_the_folders(monkeypatch: pytest.MonkeyPatch, tmp_path: Path):
    monkeypatch.setenv("REFORM_STATE_DIR", str(tmp_path / "trạng thái"))
    monkeypatch.setenv("REFORM_MAX_FILE_BYTES", "1GiB")
    monkeypatch.setenv("REFORM_INGEST_SCHEDULE", "off")
    monkeypatch.setenv("REFORM_DBT_SELECT", "+fct_dossier_processing  tag:daily")
    monkeypatch.setenv("REFORM_LOG_LEVEL", "debug")
    monkeypatch.setenv("REFORM_PG_FAST", "yes")
    monkeypatch.setenv("REFORM_EXPECTED_DELIVERIES", "")  # empty means unset
    chosen = settings()
    assert chosen.max_file_bytes == 1 << 30
    assert chosen.ingest_schedule is None
    assert chosen.dbt_select == ("+fct_dossier_processing", "tag:daily")
    assert chosen.log_level == "DEBUG" and chosen.pg_fast is True
    assert chosen.expected_deliveries is None
    assert chosen.dbt_manifest == tmp_path / "trạng thái" / "dbt" / "manifest" / "manifest.json"
    assert chosen.landing_dir == chosen.project_root / "data" / "landing"


def test_settings_follow_a_changed_environment(monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setenv("REFORM_TASK_RETRIES", "1")
    assert settings().task_retries == 1
    monkeypatch.setenv("REFORM_TASK_RETRIES", "5")
    assert settings().task_retries == 5


def test_config_prints_the_effective_settings_with_secrets_masked():
    result = _cli(
        "config",
        "--json",
        WAREHOUSE_URL="postgresql://etl:s3cret-pw@db.example:5432/cchc",
        REFORM_BI_READER_PASSWORD="bi-s3cret",
        REFORM_ALERT_WEBHOOK_URL="https://hooks.example/services/T0K3N",
        REFORM_TASK_RETRIES="1",
    )
    assert result.returncode == 0, result.stderr
    shown = json.loads(result.stdout)
    assert set(shown) == set(variables())
    assert shown["WAREHOUSE_URL"] == "postgresql://etl:********@db.example:5432/cchc"
    assert shown["REFORM_BI_READER_PASSWORD"] == "********"
    assert shown["REFORM_ALERT_WEBHOOK_URL"] == "https://hooks.example/********"
    assert shown["REFORM_TASK_RETRIES"] == "1"
    for secret in ("s3cret-pw", "bi-s3cret", "T0K3N"):
        assert secret not in result.stdout


def test_every_setting_is_documented_in_the_operations_runbook():
    documented = set(
        re.findall(r"^\| `((?:REFORM|WAREHOUSE)_[A-Z0-9_]+)`", (ROOT / "docs" / "operations.md").read_text(), re.M)
    )
    assert set(variables()) <= documented, sorted(set(variables()) - documented)


def test_the_library_and_dags_read_the_environment_only_through_the_settings():
    # Environment *writes* (for child processes, dbt, telemetry switches) are fine; reads of a
    # project variable anywhere but config.py would bypass validation.
    pattern = re.compile(r"""(?:environ\.get|getenv|environ\[)\(?\s*["']((?:REFORM|WAREHOUSE)_\w+)""")
    offenders = []
    for path in [*(ROOT / "include" / "reform_etl").rglob("*.py"), *(ROOT / "dags").glob("*.py")]:
        if path.name != "config.py":
            offenders += [f"{path.name}: {name}" for name in pattern.findall(path.read_text(encoding="utf-8"))]
    assert not offenders
    assert all(name.startswith(("REFORM_", "WAREHOUSE_URL")) for name in variables())
    assert len(Settings.model_fields) == len(variables())
