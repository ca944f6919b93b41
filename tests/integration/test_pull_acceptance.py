"""Acceptance: from an empty landing folder, pull from an HTTP API, an SFTP drop and S3,
with the pull killed (SIGKILL) half-way and rerun, then ingest and transform fill the marts
exactly as an uninterrupted pull would."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import textwrap
from decimal import Decimal
from pathlib import Path

import pytest

from reform_etl import pipeline, warehouse
from reform_etl.pull import state
from reform_etl.pull.runner import pull_command

from .pull_servers import TOKEN, export_api, landing_files, moto_s3, s3_client, sftp_drop, write_registry

pytestmark = pytest.mark.integration

# Killed right after the 3rd file is placed and before it is recorded: the worst moment.
KILLER = textwrap.dedent(
    """
    import os, signal, sys
    from pathlib import Path
    from reform_etl.pull.registry import load_registry
    from reform_etl.pull.runner import pull_source

    registry, landing, kill_at = load_registry(sys.argv[1]), Path(sys.argv[2]), int(sys.argv[3])
    placed = []

    def on_placed(path):
        placed.append(path)
        if len(placed) == kill_at:
            os.kill(os.getpid(), signal.SIGKILL)

    for source in registry.sources:
        pull_source(os.environ["WAREHOUSE_URL"], source, landing, on_placed=on_placed)
    """
)


@pytest.fixture
def servers(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):  # type: ignore[no-untyped-def]
    sftp_root = tmp_path / "sftp"
    (sftp_root / "bao-cao").mkdir(parents=True)
    with export_api() as api, sftp_drop(sftp_root) as drop, moto_s3() as endpoint:
        monkeypatch.setenv("HN_TOKEN", TOKEN)
        monkeypatch.setenv("NA_USER", drop.user)
        monkeypatch.setenv("NA_PASSWORD", drop.password)
        monkeypatch.setenv("HCM_KEY", "test-key")
        monkeypatch.setenv("HCM_SECRET", "test-secret")
        yield api, drop, endpoint


def _publish(api, drop, endpoint) -> None:  # type: ignore[no-untyped-def]
    # Hà Nội's API: the 2024 report, one level per page (JSON with Vietnamese keys).
    api.rows["2024-01-01"] = [
        {"Cấp": "Cấp tỉnh", "Tiếp nhận": 1000, "Đúng hạn": 990, "Quá hạn": 10},
        {"Cấp": "Cấp xã", "Tiếp nhận": 400, "Đúng hạn": 380, "Quá hạn": 20},
    ]
    # Nghệ An's SFTP drop: two half-year CSV reports.
    (drop.root / "bao-cao" / "40_2024-H1_bao-cao.csv").write_text(
        "Cấp,Tiếp nhận,Đúng hạn,Quá hạn\nCấp tỉnh,100,95,5\n", encoding="utf-8"
    )
    (drop.root / "bao-cao" / "40_2024-H2_bao-cao.csv").write_text(
        "Cấp,Tiếp nhận,Đúng hạn,Quá hạn\nCấp tỉnh,120,108,12\n", encoding="utf-8"
    )
    # Hồ Chí Minh City's bucket: a quarterly CSV (semicolons, Vietnamese number format).
    client = s3_client(endpoint)
    client.create_bucket(Bucket="hcm-exports")
    body = "Cấp;Tiếp nhận;Đúng hạn;Quá hạn\nCấp tỉnh;82.978;80.000;2.978\n"
    client.put_object(Bucket="hcm-exports", Key="79/79_2024-Q1_tong-hop.csv", Body=body.encode("utf-8"))


def _registry(path: Path, api, drop, endpoint) -> Path:  # type: ignore[no-untyped-def]
    return write_registry(
        path,
        {
            "id": "ha-noi-api",
            "province": "01",
            "kind": "dossier_summary",
            "transport": "http",
            "schedule": "0 6 * * *",
            "credentials": {"env": {"token": "HN_TOKEN"}},
            "http": {
                "url": f"{api.base}/pages",
                "auth": "bearer",
                "window": {"granularity": "year", "start": 2024},
                "pagination": {"style": "page", "size": 1},
                "timeout_seconds": 5,
            },
        },
        {
            "id": "nghe-an-sftp",
            "province": "40",
            "kind": "dossier_summary",
            "transport": "sftp",
            "schedule": "*/30 * * * *",
            "credentials": {"env": {"username": "NA_USER", "password": "NA_PASSWORD"}},
            "sftp": {
                "host": "127.0.0.1",
                "port": drop.port,
                "path": "/bao-cao",
                "host_key": drop.fingerprint,
                "stable_seconds": 0.2,
            },
        },
        {
            "id": "hcm-s3",
            "province": "79",
            "kind": "dossier_summary",
            "transport": "s3",
            "schedule": "@hourly",
            "credentials": {"env": {"access_key_id": "HCM_KEY", "secret_access_key": "HCM_SECRET"}},
            "s3": {"endpoint_url": endpoint, "bucket": "hcm-exports", "prefix": "79/"},
        },
    )


def test_pull_killed_midway_then_ingest_and_transform_fill_the_marts(warehouse_url, landing, tmp_path, servers, query):
    api, drop, endpoint = servers
    _publish(api, drop, endpoint)
    registry = _registry(tmp_path / "sources.yml", api, drop, endpoint)

    killed = subprocess.run(
        [sys.executable, "-c", KILLER, str(registry), str(landing), "3"],
        env=os.environ.copy(),
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert killed.returncode == -signal.SIGKILL, killed.stderr[-2000:]
    assert len(landing_files(landing)) == 3  # 2 HTTP pages and the first SFTP file, the last unrecorded

    results = pull_command(registry, landing)

    assert [(r.source_id, r.status) for r in results] == [
        ("ha-noi-api", "up_to_date"),  # finished before the kill: 2025 has not been published
        ("nghe-an-sftp", "ok"),
        ("hcm-s3", "ok"),
    ], [r.message for r in results]
    pulled = landing_files(landing)
    assert len(pulled) == 5
    assert len(set(pulled.values())) == 5  # no file twice

    # An uninterrupted pull from scratch gives the very same files.
    with warehouse.connect(warehouse_url) as conn:
        for source_id in ("ha-noi-api", "nghe-an-sftp", "hcm-s3"):
            state.reset(conn, source_id)
    reference = tmp_path / "reference"
    assert all(r.status in ("ok", "up_to_date") for r in pull_command(registry, reference))
    assert landing_files(reference) == pulled

    run_id = pipeline.new_run_id("test")
    pipeline.prepare(warehouse_url, run_id=run_id, trigger="test", landing=landing)
    ingested = pipeline.ingest_all(warehouse_url, landing, run_id=run_id)
    assert {r.status for r in ingested} == {"loaded"}, [(r.path.name, r.message) for r in ingested]
    pipeline.transform(warehouse_url, run_id=run_id)

    rows = query(
        warehouse_url,
        "select province_code, period_label, level, received, resolved_on_time, resolved_late, "
        "round(on_time_rate, 2) from marts.fct_dossier_processing order by 1, 2, 3",
    )
    assert rows == [
        ("01", "2024", "tinh", 1000, 990, 10, Decimal("99.00")),
        ("01", "2024", "xa", 400, 380, 20, Decimal("95.00")),
        ("40", "2024-H1", "tinh", 100, 95, 5, Decimal("95.00")),
        ("40", "2024-H2", "tinh", 120, 108, 12, Decimal("90.00")),
        ("79", "2024-Q1", "tinh", 82978, 80000, 2978, Decimal("96.41")),
    ]
    # What was fetched is joinable to what was loaded through the SHA-256 identity.
    joined = query(
        warehouse_url,
        "select count(*) from audit.source_fetches f join audit.file_ingestions i on i.sha256 = f.sha256 "
        "where f.landing_path like %s",
        (f"{landing}/%",),
    )
    assert joined == [(5,)]
    # The pull the kill interrupted is closed as failed, saying so, by the next pull.
    interrupted = query(warehouse_url, "select source_id, message from audit.source_pulls where status = 'failed'")
    assert [(s, m.split(":")[0]) for s, m in interrupted] == [("nghe-an-sftp", "interrupted")]
    assert json.dumps(TOKEN) not in json.dumps([r.message for r in results])
