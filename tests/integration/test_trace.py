"""Any mart figure traces back to the archived bytes and the source rows it came from."""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from reform_etl import pipeline

from . import nghe_an

pytestmark = pytest.mark.integration

CLI = str(Path(sys.executable).with_name("reform-etl"))


def test_trace_from_a_mart_row_to_archived_file_and_source_row(warehouse_url, landing):
    folder = landing / "dossier_summary"
    folder.mkdir()
    original = nghe_an.write(folder / nghe_an.FILE_NAME)
    run_id = pipeline.new_run_id("test")
    pipeline.prepare(warehouse_url, run_id=run_id, trigger="test", landing=landing)
    pipeline.ingest_all(warehouse_url, landing, run_id=run_id)
    pipeline.transform(warehouse_url, run_id=run_id)
    original_bytes = original.read_bytes()
    original.unlink()  # the landing copy is gone; the archive must still answer

    result = subprocess.run(
        [CLI, "trace", "--mart", "fct_dossier_processing", "-w", "province_code=40", "-w", "level=tinh", "--json"],
        capture_output=True,
        text=True,
        env=os.environ.copy(),
        timeout=120,
    )

    assert result.returncode == 0, result.stderr
    [found] = json.loads(result.stdout)
    assert found["mart_row"]["period_label"] == "2022-H1"
    delivery = found["delivery"]
    assert delivery["source_rows"] == [7]
    archived = Path(delivery["archived"])
    assert archived.read_bytes() == original_bytes
    assert hashlib.sha256(archived.read_bytes()).hexdigest() == delivery["sha256"]
    assert not os.access(archived, os.W_OK) or os.geteuid() == 0  # read-only file (root may still write)
    assert oct(archived.stat().st_mode & 0o777) == "0o444"


def test_trace_refuses_unknown_columns_instead_of_building_sql(warehouse_url, landing):
    run_id = pipeline.new_run_id("test")
    pipeline.prepare(warehouse_url, run_id=run_id, trigger="test", landing=landing)
    pipeline.transform(warehouse_url, run_id=run_id)
    result = subprocess.run(
        [CLI, "trace", "--mart", "fct_dossier_processing", "-w", "1=1; drop table audit.file_ingestions; --=x"],
        capture_output=True,
        text=True,
        env=os.environ.copy(),
        timeout=120,
    )
    assert result.returncode == 2
    assert "has no column" in result.stderr
