"""Fuzz the readers: random and mutated files of every format raise nothing but UnreadableFile."""

from __future__ import annotations

import tempfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from reform_etl.kinds import KINDS
from reform_etl.readers import UnreadableFile, open_table
from reform_etl.writers import write_csv, write_json, write_jsonl, write_xlsx

HEADER = ["Tỉnh/thành phố", "Cấp", "Tổng số hồ sơ tiếp nhận", "Đúng hạn", "Trễ hạn", "Tỷ lệ đúng hạn (%)"]
ROWS = [
    ["Nghệ An", "Cấp tỉnh", "82.978", "80.000", "2.978", "96,41"],
    ["Nghệ An", "Cấp xã", "1.000", "990", "10", "99"],
]
SUFFIXES = [".csv", ".txt", ".xlsx", ".xls", ".json", ".jsonl"]


def _seed_files() -> dict[str, bytes]:
    """One valid file per format, as bytes, to mutate."""
    seeds = {}
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        write_csv(root / "a.csv", HEADER, ROWS, bom=True)
        write_csv(root / "b.txt", HEADER, ROWS, encoding="utf-16", delimiter="\t")
        write_csv(root / "c.csv", HEADER, ROWS, encoding="cp1258", delimiter=";")
        write_xlsx(root / "d.xlsx", HEADER, ROWS, title_lines=["BÁO CÁO"], total_row=["Tổng cộng", "", "83.978"])
        write_json(root / "e.json", HEADER, ROWS, wrapper="data")
        write_jsonl(root / "f.jsonl", HEADER, ROWS)
        for path in root.iterdir():
            seeds[path.name] = path.read_bytes()
    return seeds


SEEDS = _seed_files()


def _read_everything(path: Path) -> None:
    for kind in KINDS.values():
        try:
            table = open_table(path, kind)
            for row in table.rows:
                assert row.number >= 0
        except UnreadableFile as exc:
            assert str(exc)


@st.composite
def mutated(draw: st.DrawFn) -> tuple[str, bytes]:
    name = draw(st.sampled_from(sorted(SEEDS)))
    data = bytearray(SEEDS[name])
    for _ in range(draw(st.integers(1, 8))):
        if not data:
            break
        op = draw(st.sampled_from(["flip", "cut", "insert", "duplicate"]))
        at = draw(st.integers(0, len(data) - 1))
        if op == "flip":
            data[at] ^= 1 << draw(st.integers(0, 7))
        elif op == "cut":
            del data[at : at + draw(st.integers(1, 64))]
        elif op == "insert":
            data[at:at] = draw(st.binary(min_size=1, max_size=32))
        else:
            data[at:at] = data[at : at + draw(st.integers(1, 128))]
    suffix = draw(st.sampled_from([Path(name).suffix, *SUFFIXES]))
    return suffix, bytes(data)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(mutated())
def test_mutated_files_never_raise_outside_the_rejection_path(case: tuple[str, bytes]) -> None:
    suffix, data = case
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / f"40_2024-H1{suffix}"
        path.write_bytes(data)
        _read_everything(path)


@settings(max_examples=100, deadline=None)
@given(st.sampled_from(SUFFIXES), st.binary(max_size=2048))
def test_random_bytes_never_raise_outside_the_rejection_path(suffix: str, data: bytes) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / f"40_2024-H1{suffix}"
        path.write_bytes(data)
        _read_everything(path)


@pytest.mark.parametrize("name", sorted(SEEDS))
def test_unmutated_seeds_read(name: str) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / name
        path.write_bytes(SEEDS[name])
        table = open_table(path, KINDS["dossier_summary"])
        assert len(list(table.rows)) == 2
