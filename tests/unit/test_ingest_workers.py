"""How many processes ``reform-etl run`` loads a landing with: one unless told, or chosen for 0."""

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


def test_unless_told_a_landing_loads_in_one_process(tmp_path: Path) -> None:
    assert pipeline.workers_for(_files(tmp_path, [40 << 20] * 6)) == 1


def test_choosing_keeps_a_small_landing_in_one_process(tmp_path: Path) -> None:
    assert pipeline.workers_for(_files(tmp_path, [1 << 20] * 20), 0) == 1


def test_choosing_keeps_one_big_file_in_one_process(tmp_path: Path) -> None:
    assert pipeline.workers_for(_files(tmp_path, [1 << 30]), 0) == 1


def test_choosing_gives_a_big_landing_a_process_per_file_and_core_up_to_four(tmp_path: Path) -> None:
    assert pipeline.workers_for(_files(tmp_path, [40 << 20, 40 << 20]), 0) == 2
    assert pipeline.workers_for(_files(tmp_path, [20 << 20] * 6), 0) == 4


def test_choosing_on_one_core_loads_in_one_process(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(os, "cpu_count", lambda: 1)
    assert pipeline.workers_for(_files(tmp_path, [40 << 20] * 3), 0) == 1


def test_the_setting_gives_the_count_the_command_line_does_not(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    big = _files(tmp_path, [40 << 20] * 3)
    assert pipeline.workers_for(big, 3) == 3
    monkeypatch.setenv("REFORM_INGEST_WORKERS", "0")
    assert pipeline.workers_for(big) == 3  # one a file here, with eight cores
    assert pipeline.workers_for(big, 1) == 1  # the command line wins
