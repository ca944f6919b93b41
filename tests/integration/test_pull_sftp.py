"""Pulling from a real SFTP server on loopback (paramiko's server over a temporary folder)."""

from __future__ import annotations

import os
import threading
import time
from pathlib import Path
from typing import Any

import pytest

from reform_etl import warehouse
from reform_etl.pull import state
from reform_etl.pull.registry import parse_registry
from reform_etl.pull.runner import pull_source

from .pull_servers import csv_text, landing_files, sftp_drop, summary_rows

pytestmark = pytest.mark.integration

ROWS = summary_rows(("Cấp tỉnh", 100, 95, 5), ("Cấp xã", 20, 19, 1))


@pytest.fixture
def drop(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):  # type: ignore[no-untyped-def]
    root = tmp_path / "server"
    (root / "exports").mkdir(parents=True)
    with sftp_drop(root) as server:
        monkeypatch.setenv("HT_SFTP_USER", server.user)
        monkeypatch.setenv("HT_SFTP_PASSWORD", server.password)
        yield server


def _source(drop: Any, **sftp: Any) -> Any:
    options = {
        "host": "127.0.0.1",
        "port": drop.port,
        "path": "/exports",
        "pattern": "*.csv",
        "host_key": drop.fingerprint,
        "stable_seconds": 0.3,
        "timeout_seconds": 5,
    } | sftp
    entry = {
        "id": "ha-tinh-sftp",
        "province": "42",
        "kind": "dossier_summary",
        "transport": "sftp",
        "schedule": "*/30 * * * *",
        "credentials": {"env": {"username": "HT_SFTP_USER", "password": "HT_SFTP_PASSWORD"}},
        "sftp": options,
    }
    return parse_registry({"sources": [entry]}).sources[0]


def _drop_file(drop: Any, name: str, body: str, mtime: int | None = None) -> Path:
    path = drop.root / "exports" / name
    path.write_text(body, encoding="utf-8")
    if mtime is not None:
        os.utime(path, (mtime, mtime))
    return path


def test_new_and_reuploaded_files_only_and_nothing_when_nothing_new(warehouse_url, landing, drop):
    _drop_file(drop, "42_2024-H1_bao-cao.csv", csv_text(ROWS), mtime=1_700_000_000)
    _drop_file(drop, "42_2024-Q3.csv", csv_text(ROWS[:1]), mtime=1_700_000_100)
    _drop_file(drop, "ghi-chu.txt", "not an export")  # pattern *.csv
    source = _source(drop)

    first = pull_source(warehouse_url, source, landing)

    assert first.status == "ok", first.message
    names = sorted(Path(f).name for f in first.files)
    assert [n.rsplit("-", 1)[0] for n in names] == [
        "42_2024-H1_ha-tinh-sftp_42-2024-h1-bao-cao",
        "42_2024-Q3_ha-tinh-sftp_42-2024-q3",
    ]
    assert (landing / "dossier_summary" / names[0]).read_text(encoding="utf-8") == csv_text(ROWS)

    # A corrected re-upload under the same name, and a new file.
    _drop_file(drop, "42_2024-H1_bao-cao.csv", csv_text(ROWS[1:]), mtime=1_700_000_200)
    _drop_file(drop, "42_2024-Q4.csv", csv_text(ROWS), mtime=1_700_000_300)
    second = pull_source(warehouse_url, source, landing)

    assert second.status == "ok"
    assert sorted(Path(f).name.split("_")[1] for f in second.files) == ["2024-H1", "2024-Q4"]
    assert len(landing_files(landing)) == 4  # the first H1 delivery is kept beside the correction

    third = pull_source(warehouse_url, source, landing)
    assert (third.status, third.files) == ("empty", [])
    assert "nothing new although data is expected" in third.message


def test_files_being_written_are_left_for_the_next_pull(warehouse_url, landing, drop):
    _drop_file(drop, "42_2024-H1.csv.part", "half")
    _drop_file(drop, ".42_2024-H1.csv.swp", "editor")
    _drop_file(drop, "42_2024-H2.tmp", "upload")
    done = _drop_file(drop, "42_2024-H1.csv", csv_text(ROWS), mtime=1_700_000_000)
    growing = _drop_file(drop, "42_2024-Q1.csv", "Cấp,Tiếp nhận,Đúng hạn,Quá hạn\n")

    uploading = threading.Event()
    uploading.set()

    def keep_writing() -> None:
        # A slow upload: the size keeps changing for as long as the first pull runs.
        with growing.open("a", encoding="utf-8") as handle:
            while uploading.is_set():
                handle.write("Cấp tỉnh,1,1,0\n")
                handle.flush()
                time.sleep(0.05)

    writer = threading.Thread(target=keep_writing)
    writer.start()
    try:
        first = pull_source(warehouse_url, _source(drop, stable_seconds=0.5), landing)
    finally:
        uploading.clear()
        writer.join()

    assert first.status == "ok", first.message
    assert [Path(f).name.split("_")[1] for f in first.files] == ["2024-H1"]
    assert "still being written" in first.message and "42_2024-Q1.csv" in first.message
    assert done.exists()

    second = pull_source(warehouse_url, _source(drop, stable_seconds=0.2), landing)
    assert [Path(f).name.split("_")[1] for f in second.files] == ["2024-Q1"]
    [landed] = second.files
    assert Path(landed).read_text(encoding="utf-8").endswith("Cấp tỉnh,1,1,0\n")


def test_a_name_without_period_fails_the_pull_but_the_other_files_land(warehouse_url, landing, drop):
    _drop_file(drop, "bao-cao-thang.csv", csv_text(ROWS))
    _drop_file(drop, "42_2024.csv", csv_text(ROWS))

    result = pull_source(warehouse_url, _source(drop), landing)

    assert result.status == "failed"
    assert "'bao-cao-thang.csv' does not say its period" in result.message
    assert "period: content" in result.message
    assert [Path(f).name.split("_")[1] for f in result.files] == ["2024"]


def test_unknown_host_key_and_refused_login_fail_clearly(warehouse_url, landing, drop, monkeypatch):
    _drop_file(drop, "42_2024.csv", csv_text(ROWS))
    other = "SHA256:" + "A" * 43

    spoofed = pull_source(warehouse_url, _source(drop, host_key=other), landing)
    assert spoofed.status == "failed"
    assert drop.fingerprint in spoofed.message and "not the pinned one" in spoofed.message

    monkeypatch.setenv("HT_SFTP_PASSWORD", "not-the-password")
    refused = pull_source(warehouse_url, _source(drop), landing)
    assert refused.status == "failed"
    assert "refused the login of user 'tinh40'" in refused.message
    assert "not-the-password" not in refused.message
    assert landing_files(landing) == {}


def test_killed_after_placing_a_file_the_rerun_gives_the_same_files_once(warehouse_url, landing, tmp_path, drop, query):
    for number, quarter in enumerate(("Q1", "Q2", "Q3")):
        _drop_file(drop, f"42_2024-{quarter}.csv", csv_text(ROWS[: number % 2 + 1]), mtime=1_700_000_000 + number)
    source = _source(drop, stable_seconds=0)

    def crash(path: Path) -> None:
        raise RuntimeError("simulated crash between placing and recording")

    assert pull_source(warehouse_url, source, landing, on_placed=crash).status == "failed"
    assert pull_source(warehouse_url, source, landing).status == "ok"
    with warehouse.connect(warehouse_url) as conn:
        state.reset(conn, source.id)
    reference = tmp_path / "reference"
    assert pull_source(warehouse_url, source, reference).status == "ok"

    assert landing_files(landing) == landing_files(reference)
    assert len(landing_files(landing)) == 3
    assert query(
        warehouse_url,
        "select count(*), count(distinct landing_path) from audit.source_fetches where landing_path like %s",
        (f"{landing}/%",),
    ) == [(3, 3)]
