"""Pulling from S3-compatible storage: moto's server mode on loopback, spoken to over HTTP."""

from __future__ import annotations

import uuid
from pathlib import Path
from typing import Any

import pytest

from reform_etl import warehouse
from reform_etl.pull import state
from reform_etl.pull.registry import parse_registry
from reform_etl.pull.runner import pull_all, pull_source

from .pull_servers import csv_text, landing_files, moto_s3, s3_client, summary_rows

pytestmark = pytest.mark.integration

ROWS = summary_rows(("Cấp tỉnh", 200, 190, 10), ("Cấp xã", 60, 60, 0))


@pytest.fixture(scope="module")
def endpoint():  # type: ignore[no-untyped-def]
    with moto_s3() as url:
        yield url


@pytest.fixture
def bucket(endpoint: str, monkeypatch: pytest.MonkeyPatch) -> Any:
    monkeypatch.setenv("HCM_S3_KEY", "test-key")
    monkeypatch.setenv("HCM_S3_SECRET", "test-secret")
    client = s3_client(endpoint)
    name = f"cchc-{uuid.uuid4().hex[:10]}"
    client.create_bucket(Bucket=name)
    return client, name


def _source(endpoint: str, bucket: str, source_id: str = "hcm-s3", expect_data: bool = True, **s3: Any) -> Any:
    entry = {
        "id": source_id,
        "province": "79",
        "kind": "dossier_summary",
        "transport": "s3",
        "schedule": "@hourly",
        "expect_data": expect_data,
        "credentials": {"env": {"access_key_id": "HCM_S3_KEY", "secret_access_key": "HCM_S3_SECRET"}},
        "s3": {"endpoint_url": endpoint, "bucket": bucket, "prefix": "79/", "timeout_seconds": 5} | s3,
    }
    return parse_registry({"sources": [entry]}).sources[0]


def _put(client: Any, bucket: str, key: str, body: str) -> None:
    client.put_object(Bucket=bucket, Key=key, Body=body.encode("utf-8"))


def test_new_objects_by_key_and_etag_under_the_province_prefix(warehouse_url, landing, endpoint, bucket, query):
    client, name = bucket
    _put(client, name, "79/79_2024-Q1_tong-hop.csv", csv_text(ROWS))
    _put(client, name, "79/2024/79_2024-Q2.csv", csv_text(ROWS[:1]))
    _put(client, name, "79/79_2024-Q3.csv.part", "uploading")
    _put(client, name, "01/01_2024-Q1.csv", csv_text(ROWS))  # another province's prefix
    source = _source(endpoint, name, expect_data=False)

    first = pull_source(warehouse_url, source, landing)

    assert first.status == "ok", first.message
    assert sorted(Path(f).name.split("_")[1] for f in first.files) == ["2024-Q1", "2024-Q2"]
    landed = landing_files(landing)
    assert csv_text(ROWS).encode() in landed.values()

    # Replaced under the same key (new ETag) and one new object: exactly those two.
    _put(client, name, "79/79_2024-Q1_tong-hop.csv", csv_text(ROWS[1:]))
    _put(client, name, "79/79_2024-Q4.csv", csv_text(ROWS))
    second = pull_source(warehouse_url, source, landing)
    assert sorted(Path(f).name.split("_")[1] for f in second.files) == ["2024-Q1", "2024-Q4"]

    third = pull_source(warehouse_url, source, landing)
    assert (third.status, third.files) == ("up_to_date", [])
    with warehouse.connect(warehouse_url) as conn:
        seen = state.load(conn, source.id).seen
    assert set(seen) == {"79/79_2024-Q1_tong-hop.csv", "79/2024/79_2024-Q2.csv", "79/79_2024-Q4.csv"}
    remotes = {r[0] for r in query(warehouse_url, "select remote from audit.source_fetches")}
    assert f"s3://{name}/79/79_2024-Q1_tong-hop.csv" in remotes


def test_one_failing_source_does_not_stop_the_others(warehouse_url, landing, endpoint, bucket, query):
    client, name = bucket
    _put(client, name, "79/79_2024-Q1.csv", csv_text(ROWS))
    good = _source(endpoint, name)
    missing_bucket = _source(endpoint, "no-such-bucket-here", source_id="hcm-s3-typo")
    closed = _source("http://127.0.0.1:9", name, source_id="hcm-s3-down", timeout_seconds=0.5)

    results = pull_all(warehouse_url, [missing_bucket, good, closed], landing)

    assert [(r.source_id, r.status) for r in results] == [
        ("hcm-s3-typo", "failed"),
        ("hcm-s3", "ok"),
        ("hcm-s3-down", "failed"),
    ]
    assert "NoSuchBucket" in results[0].message and "check s3.bucket" in results[0].message
    assert "hcm-s3-down" in results[2].message
    assert "test-secret" not in results[0].message + results[2].message
    assert len(landing_files(landing)) == 1
    assert query(warehouse_url, "select source_id, status from audit.source_pulls order by pull_id") == [
        ("hcm-s3-typo", "failed"),
        ("hcm-s3", "ok"),
        ("hcm-s3-down", "failed"),
    ]
    # The analysts' report names the sources that failed, and not the one that worked.
    from reform_etl import pipeline
    from reform_etl.report import write_report

    pipeline.prepare(warehouse_url, run_id="pulls", trigger="test", landing=landing)
    section = write_report(warehouse_url).read_text(encoding="utf-8").split('id="pulls"')[1].split("<h2")[0]
    assert "hcm-s3-typo" in section and "hcm-s3-down" in section and "hcm-s3<" not in section


def test_killed_after_placing_a_file_the_rerun_gives_the_same_files_once(
    warehouse_url, landing, tmp_path, endpoint, bucket, query
):
    client, name = bucket
    for quarter in ("Q1", "Q2", "Q3", "Q4"):
        _put(client, name, f"79/79_2024-{quarter}.csv", csv_text(ROWS) + f"# {quarter}\n")
    source = _source(endpoint, name)
    count = 0

    def crash_on_third(path: Path) -> None:
        nonlocal count
        count += 1
        if count == 3:
            raise RuntimeError("simulated crash between placing and recording")

    assert pull_source(warehouse_url, source, landing, on_placed=crash_on_third).status == "failed"
    assert len(landing_files(landing)) == 3
    assert pull_source(warehouse_url, source, landing).status == "ok"
    with warehouse.connect(warehouse_url) as conn:
        state.reset(conn, source.id)
    reference = tmp_path / "reference"
    assert pull_source(warehouse_url, source, reference).status == "ok"

    assert landing_files(landing) == landing_files(reference)
    assert len(landing_files(landing)) == 4
    assert query(
        warehouse_url,
        "select count(*), count(distinct landing_path) from audit.source_fetches where landing_path like %s",
        (f"{landing}/%",),
    ) == [(4, 4)]
