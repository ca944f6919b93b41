"""How many processes ``reform-etl run`` loads a landing with when not told."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from reform_etl import pipeline


def _files(folder: Path, sizes: list[int]) -> list[tuple[Path, str]]:
    items = []
    for n, size in enumerate(sizes):
        path = folder / f"40_2025-{n + 1:02d}.csv"
        with path.open("wb") as f:
            f.truncate(size)  # sparse: the size is what counts
        items.append((path, "dossiers"))
    return items


@pytest.fixture(autouse=True)
def _eight_cores(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("REFORM_INGEST_WORKERS", raising=False)
    monkeypatch.setattr(os, "cpu_count", lambda: 8)


def test_a_small_landing_loads_in_one_process(tmp_path: Path) -> None:
    assert pipeline.workers_for(_files(tmp_path, [1 << 20] * 20)) == 1


def test_one_big_file_loads_in_one_process(tmp_path: Path) -> None:
    assert pipeline.workers_for(_files(tmp_path, [1 << 30])) == 1


def test_a_big_landing_takes_a_process_per_file_and_core_up_to_four(tmp_path: Path) -> None:
    assert pipeline.workers_for(_files(tmp_path, [40 << 20, 40 << 20])) == 2
    assert pipeline.workers_for(_files(tmp_path, [20 << 20] * 6)) == 4


def test_a_big_landing_on_one_core_loads_in_one_process(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(os, "cpu_count", lambda: 1)
    assert pipeline.workers_for(_files(tmp_path, [40 << 20] * 3)) == 1


def test_a_count_asked_for_is_kept(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    small = _files(tmp_path, [100])
    assert pipeline.workers_for(small, 3) == 3
    monkeypatch.setenv("REFORM_INGEST_WORKERS", "2")
    assert pipeline.workers_for(small) == 2
    assert pipeline.workers_for(small, 0) == 1  # 0 on the command line: choose, as for the default
