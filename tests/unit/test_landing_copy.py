"""One read of a delivered file gives its hash and its archive copy."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest

from reform_etl.landing_copy import archive_target, stage


def _delivery(tmp_path: Path, body: bytes) -> Path:
    path = tmp_path / "landing" / "40_2024-03.CSV"
    path.parent.mkdir(parents=True)
    path.write_bytes(body)
    return path


def test_the_hash_and_the_kept_copy_are_those_of_the_delivered_bytes(tmp_path: Path) -> None:
    body = b"Ma ho so,Cap\n" + b"H40-1,Cap tinh\n" * 200_000  # several blocks
    path = _delivery(tmp_path, body)
    archive = tmp_path / "archive"
    with stage(path, archive) as copy:
        assert copy.digest == hashlib.sha256(body).hexdigest() and copy.size == len(body)
        kept = copy.keep()
    assert kept == archive_target(archive, path, copy.digest) and kept.suffix == ".csv"
    assert kept.read_bytes() == body and not kept.stat().st_mode & 0o222
    assert list((archive / ".staging").iterdir()) == []


def test_a_copy_not_kept_leaves_nothing_and_an_existing_copy_is_left_alone(tmp_path: Path) -> None:
    path = _delivery(tmp_path, b"a,b\n1,2\n")
    archive = tmp_path / "archive"
    with stage(path, archive):
        pass  # a duplicate or an already judged file: nothing is archived
    assert [p for p in archive.rglob("*") if p.is_file()] == []
    first = stage(path, archive).keep()
    with stage(path, archive) as again:
        assert again.keep() == first
    assert [p for p in archive.rglob("*") if p.is_file()] == [first]


def test_a_failed_read_leaves_no_staging_file(tmp_path: Path) -> None:
    archive = tmp_path / "archive"
    with pytest.raises(FileNotFoundError):
        stage(tmp_path / "missing.csv", archive)
    assert list((archive / ".staging").iterdir()) == []
