"""Supersession joins a new file only with files that may share its provinces.

Raw has no index on the natural key (it would cost most of a load's time), so
``ingest._supersede`` narrows the key joins to the files the audit trail says hold rows of
the same provinces. These cases check the narrowing never misses a shadowing file,
including files of several provinces, which may hold any province's rows.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from reform_etl import pipeline

pytestmark = pytest.mark.integration

HEADER = "Kỳ báo cáo,Mã hồ sơ,Mã TTHC,Tỉnh,Cấp,Kênh,Ngày tiếp nhận,Ngày hẹn trả,Ngày có kết quả"


def _deliver(landing: Path, name: str, rows: list[tuple[str, str]]) -> None:
    # One sub-folder per delivery, so that names can repeat as they do month after month.
    path = landing / "dossiers" / name
    path.parent.mkdir(parents=True, exist_ok=True)
    lines = [HEADER] + [
        f"2024-03,{d},1.002033,{p},Cấp tỉnh,1,05/03/2024 08:00,10/03/2024,09/03/2024 16:00" for d, p in rows
    ]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


def _ingest(url: str, landing: Path) -> dict[str, pipeline.IngestResult]:
    run_id = pipeline.new_run_id("test")
    pipeline.prepare(url, run_id=run_id, trigger="test", landing=landing)
    return {str(r.path.relative_to(landing / "dossiers")): r for r in pipeline.ingest_all(url, landing, run_id=run_id)}


def _status(url: str, query, name: str) -> str:  # type: ignore[no-untyped-def]
    [(status,)] = query(url, "select status from audit.file_ingestions where path like %s", (f"%/{name}",))
    return status


def test_files_of_other_provinces_and_of_several_provinces_are_judged_right(warehouse_url, landing, query):
    _deliver(landing, "a/40_2024-03.csv", [("A", "Nghệ An"), ("B", "Nghệ An")])
    _deliver(landing, "b/ca_nuoc.csv", [("A", "Nghệ An"), ("C", "Hà Tĩnh")])  # two provinces: 'VN'
    _deliver(landing, "c/42_2024-03.csv", [("Z", "Hà Tĩnh")])  # another province, no shared key
    first = _ingest(warehouse_url, landing)
    assert {r.status for r in first.values()} == {"loaded"}, first
    assert query(
        warehouse_url, "select province_code from audit.file_ingestions where path like '%%/b/ca_nuoc.csv'"
    ) == [("VN",)]
    # b shares A with a, but a still holds B of its own: nothing is superseded yet.
    assert _status(warehouse_url, query, "a/40_2024-03.csv") == "loaded"

    _deliver(landing, "d/42_2024-03.csv", [("C", "Hà Tĩnh"), ("Z", "Hà Tĩnh")])
    _deliver(landing, "e/40_2024-03.csv", [("A", "Nghệ An"), ("B", "Nghệ An"), ("D", "Nghệ An")])
    second = _ingest(warehouse_url, landing)
    assert second["d/42_2024-03.csv"].status == "loaded"
    # c is shadowed by d (same province); b is shadowed row by row by e (A) and d (C),
    # although d's province is not the one of the file that completed the picture.
    assert _status(warehouse_url, query, "c/42_2024-03.csv") == "superseded"
    assert _status(warehouse_url, query, "a/40_2024-03.csv") == "superseded"
    assert _status(warehouse_url, query, "b/ca_nuoc.csv") == "superseded"
    assert second["e/40_2024-03.csv"].message == "supersedes file " + str(first["b/ca_nuoc.csv"].file_id)
    rows = query(warehouse_url, "select count(*) from raw.dossiers")[0][0]
    assert rows == 2 + 2 + 1 + 2 + 3  # raw keeps every delivery; supersession is in the audit trail
