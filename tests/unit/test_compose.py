"""docker-compose.yml and the Dockerfile checked against the project (Docker cannot run here).

What would break a `docker compose up` silently: a missing service, a setting the code
reads but the stack does not set (or sets under a misspelt name), a bind mount of a
folder nothing creates, an image whose version disagrees with the pinned requirements.
"""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
COMPOSE = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
SERVICES: dict[str, dict] = COMPOSE["services"]
DOCKERFILE = (ROOT / "Dockerfile").read_text()
AIRFLOW_SERVICES = [
    name for name, s in SERVICES.items() if s.get("image", "").startswith("reform-cchc-airflow") and "command" in s
]
AIRFLOW_COMMANDS = {
    "airflow-apiserver": "api-server",
    "airflow-scheduler": "scheduler",
    "airflow-dag-processor": "dag-processor",
    "airflow-triggerer": "triggerer",
    "airflow-worker": "celery worker",
}


def _pins() -> dict[str, str]:
    pins = {}
    for line in (ROOT / "requirements.txt").read_text().splitlines():
        if "==" in line and not line.startswith("#"):
            name, version = line.split("==", 1)
            pins[name.strip().lower()] = version.strip()
    return pins


def _code_env_vars() -> set[str]:
    """The project's environment variables named in the library and the DAGs."""
    names: set[str] = set()
    pattern = re.compile(r"""["']((?:REFORM|WAREHOUSE)_[A-Z0-9_]+)["']""")
    for path in [*(ROOT / "include" / "reform_etl").rglob("*.py"), *(ROOT / "dags").glob("*.py")]:
        names |= set(pattern.findall(path.read_text(encoding="utf-8")))
    return names


def _bind_mounts(service: dict) -> list[tuple[str, str]]:
    mounts = []
    for volume in service.get("volumes", []):
        source, target = volume.split(":")[:2]
        if source.startswith("."):
            mounts.append((source, target))
    return mounts


def test_the_whole_stack_is_there():
    assert {
        "airflow-init",
        "airflow-apiserver",
        "airflow-scheduler",
        "airflow-dag-processor",
        "airflow-triggerer",
        "airflow-worker",
        "redis",
        "airflow-db",
        "warehouse",
        "metabase",
        "metabase-init",
    } <= set(SERVICES)
    for name, command in AIRFLOW_COMMANDS.items():
        assert SERVICES[name]["command"] == command, name
    init = " ".join(SERVICES["airflow-init"]["command"])
    for step in ("airflow db migrate", "airflow pools set reform_db_loads", "ensure_manifest"):
        assert step in init
    assert SERVICES["airflow-init"]["restart"] == "no"


def test_every_long_running_service_has_a_health_check_and_waits_for_what_it_needs():
    for name, service in SERVICES.items():
        if name.endswith("-init"):
            continue
        assert service.get("healthcheck", {}).get("test"), f"{name} has no health check"
    for name in AIRFLOW_COMMANDS:
        needs = SERVICES[name]["depends_on"]
        assert needs["airflow-init"]["condition"] == "service_completed_successfully", name
        for backing in ("redis", "airflow-db", "warehouse"):
            assert needs[backing]["condition"] == "service_healthy", f"{name} does not wait for {backing}"
    # Workers run tasks through the api-server's execution API.
    assert SERVICES["airflow-worker"]["depends_on"]["airflow-apiserver"]["condition"] == "service_healthy"
    env = SERVICES["airflow-scheduler"]["environment"]
    assert env["AIRFLOW__SCHEDULER__ENABLE_HEALTH_CHECK"] == "True"  # else :8974/health never answers


def test_airflow_is_configured_for_celery_on_redis_and_postgres():
    env = SERVICES["airflow-worker"]["environment"]
    assert env["AIRFLOW__CORE__EXECUTOR"] == "CeleryExecutor"
    assert env["AIRFLOW__CELERY__BROKER_URL"].startswith("redis://redis:6379/")
    for key in ("AIRFLOW__DATABASE__SQL_ALCHEMY_CONN", "AIRFLOW__DATABASE__SQL_ALCHEMY_CONN_ASYNC"):
        assert "@airflow-db:5432/airflow" in env[key]
    # Only drivers that requirements.txt installs (asyncpg is not there).
    pins = _pins()
    assert "+psycopg_async://" in env["AIRFLOW__DATABASE__SQL_ALCHEMY_CONN_ASYNC"] and "psycopg" in pins
    assert "asyncpg" not in pins
    assert env["AIRFLOW__CORE__EXECUTION_API_SERVER_URL"] == "http://airflow-apiserver:8080/execution/"
    assert env["AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_PASSWORDS_FILE"].startswith("/data/state/")
    assert env["AIRFLOW__COSMOS__ENABLE_TELEMETRY"] == "False" and env["DO_NOT_TRACK"] == "1"


def test_the_settings_the_code_reads_are_set_and_every_set_one_is_read():
    read = _code_env_vars()
    # The embedded server's runtime folder is not data: the stack runs its own PostgreSQL.
    folders = {v for v in read if re.fullmatch(r"REFORM_\w+_DIR", v)} - {"REFORM_PG_RUNTIME_DIR"}
    required = folders | {
        "WAREHOUSE_URL",
        "REFORM_PROJECT_ROOT",
        "REFORM_DBT_MANIFEST",
    }
    assert {"REFORM_LANDING_DIR", "REFORM_ARCHIVE_DIR", "REFORM_REPORTS_DIR", "REFORM_STATE_DIR"} <= required
    assert required <= read, "the test's list names a variable the code no longer reads"
    for name in AIRFLOW_SERVICES:
        env = SERVICES[name]["environment"]
        missing = required - set(env)
        assert not missing, f"{name} does not set {sorted(missing)}"
        stale = {k for k in env if k.startswith("REFORM_")} - read
        assert not stale, f"{name} sets {sorted(stale)}, which no code reads (misspelt?)"
        assert env["WAREHOUSE_URL"].startswith("postgresql://") and "@warehouse:5432/" in env["WAREHOUSE_URL"]


def test_data_folders_are_mounted_where_the_settings_point():
    for name in AIRFLOW_SERVICES:
        service = SERVICES[name]
        env = service["environment"]
        targets = {v.split(":")[1] for v in service["volumes"]}
        for var in ("REFORM_LANDING_DIR", "REFORM_ARCHIVE_DIR", "REFORM_REPORTS_DIR", "REFORM_STATE_DIR"):
            assert env[var] in targets, f"{name}: {var}={env[var]} is not a mounted volume"
        assert env["REFORM_PROJECT_ROOT"] == "/opt/reform" and env["AIRFLOW__CORE__DAGS_FOLDER"] == "/opt/reform/dags"
    assert "ENV REFORM_PROJECT_ROOT=/opt/reform" in DOCKERFILE
    for folder in ("dags", "dbt_project", "expectations", "include"):
        assert re.search(rf"^COPY .*\b{folder} /opt/reform/{folder}$", DOCKERFILE, re.M), folder


def test_bind_mounted_host_paths_exist_or_are_the_project_default_folders():
    # The folders reform_etl.config creates on first use (landing, archive, reports).
    created_by_project = {"./data/landing", "./data/archive", "./reports"}
    config = (ROOT / "include" / "reform_etl" / "config.py").read_text()
    assert '"data" / "landing"' in config and '"data" / "archive"' in config and '"reports"' in config
    seen = set()
    for name, service in SERVICES.items():
        for source, _target in _bind_mounts(service):
            seen.add(source)
            if source not in created_by_project:
                assert (ROOT / source).exists(), f"{name} mounts {source}, which is not in the project"
    assert created_by_project <= seen
    for volume in ("airflow-db", "warehouse-db", "reform-state"):
        assert volume in COMPOSE["volumes"]


def test_images_match_the_pinned_versions():
    pins = _pins()
    match = re.search(r"^FROM apache/airflow:(?P<version>[\d.]+)-python(?P<python>[\d.]+)$", DOCKERFILE, re.M)
    assert match, "the Dockerfile must build FROM apache/airflow:<version>-python<version>"
    assert match["version"] == pins["apache-airflow"]
    assert f'requires-python = ">={match["python"]}' in (ROOT / "pyproject.toml").read_text()
    # The lock constrains the image's versions, but only the package's runtime dependencies
    # are installed: no test or lint tool ships in production.
    assert re.search(r"pip install .*-c /opt/reform/requirements\.txt /opt/reform$", DOCKERFILE, re.M)
    assert not re.search(r"pip install .*(-r \S*requirements|\[test\]|pytest|ruff)", DOCKERFILE)
    assert re.search(r"^COPY .*requirements\.txt /opt/reform/requirements\.txt$", DOCKERFILE, re.M)
    for name, service in SERVICES.items():
        image = service.get("image", "")
        assert image and not image.endswith(":latest") and ":" in image, f"{name}: pin the image ({image!r})"
        assert not re.search(r"\.x$", image), f"{name}: {image} is a moving tag"
    # The warehouse in compose runs the same PostgreSQL major version as the embedded one.
    from reform_etl.embedded_db import _bin

    version = subprocess.run([str(_bin("postgres")), "--version"], capture_output=True, text=True).stdout
    embedded_major = re.search(r"\) (\d+)", version)
    if embedded_major is None:
        pytest.skip(f"cannot read the embedded PostgreSQL version ({version!r})")
    for name in ("warehouse", "airflow-db"):
        assert SERVICES[name]["image"] == f"postgres:{embedded_major[1]}", name


def test_metabase_is_pre_pointed_at_the_warehouse_as_bi_reader():
    metabase = SERVICES["metabase"]["environment"]
    assert metabase["MB_DB_DBNAME"] != "airflow", "Metabase must not write into Airflow's metadata database"
    assert "create database metabase" in (ROOT / "docker" / "airflow-db-init.sql").read_text()
    setup = (ROOT / "docker" / "metabase_setup.py").read_text()
    assert '"user": "bi_reader"' in setup and "/api/setup" in setup
    assert (
        SERVICES["metabase-init"]["environment"]["BI_READER_PASSWORD"]
        == SERVICES["warehouse"]["environment"]["BI_READER_PASSWORD"]
    )
    assert "login password" in (ROOT / "docker" / "warehouse-init.sh").read_text()
    assert "COPY --chown=airflow:root docker /opt/reform/docker" in DOCKERFILE


SECRETS = (
    "AIRFLOW_DB_PASSWORD",
    "WAREHOUSE_PASSWORD",
    "BI_READER_PASSWORD",
    "AIRFLOW_ADMIN_PASSWORD",
    "AIRFLOW_JWT_SECRET",
    "AIRFLOW_FERNET_KEY",
    "MB_ADMIN_PASSWORD",
)


def test_no_secret_has_a_default_so_compose_refuses_to_start_without_it():
    text = (ROOT / "docker-compose.yml").read_text()
    uses = re.findall(r"\$\{(\w+)(:?[-?])?([^}]*)\}", text)
    secret_uses = [(name, op) for name, op, _ in uses if name in SECRETS or re.search(r"PASSWORD|SECRET|KEY", name)]
    assert {name for name, _ in secret_uses} == set(SECRETS), "a secret is missing from the test's list"
    assert all(op == ":?" for _, op in secret_uses), [u for u in secret_uses if u[1] != ":?"]
    # No literal password either: every password in a URL is a ${...} reference.
    references = re.sub(r"\$\{[^}]*\}", "REFERENCE", text)
    passwords = re.findall(r"://[^\s:/@]+:([^\s@]+)@", references)
    assert passwords and set(passwords) == {"REFERENCE"}, passwords


def test_airflow_gets_the_warehouse_as_the_connection_reform_warehouse():
    for name in AIRFLOW_SERVICES:
        env = SERVICES[name]["environment"]
        conn = env["AIRFLOW_CONN_REFORM_WAREHOUSE"]
        assert conn.startswith("postgresql://reform:${WAREHOUSE_PASSWORD:?") and conn.endswith("@warehouse:5432/reform")
        assert conn == env["WAREHOUSE_URL"], "the connection and the command line's URL name the same warehouse"
