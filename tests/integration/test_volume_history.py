"""The volume rule for dossier records, judged from ``audit.file_period_counts``.

Each load counts its own rows per province and month there (as ``reform_loader``, inside
the file's transaction); the rule compares a new month with the latest delivery of each
earlier month of the province, without re-counting the province's history in ``raw``.
A warehouse loaded before the table existed is counted once, when bootstrap creates it.
"""

from __future__ import annotations

from pathlib import Path

import psycopg
import pytest

from reform_etl import backfill, pipeline

pytestmark = pytest.mark.integration

HEADER = "Mã hồ sơ;Mã TTHC;Cấp;Kênh;Ngày tiếp nhận;Ngày hẹn trả;Ngày có kết quả"

COUNTS = (
    "select regexp_replace(f.path, '^.*/', ''), f.status, c.province_code, c.period_label, c.rows_loaded "
    "from audit.file_period_counts c join audit.file_ingestions f using (file_id) order by c.file_id"
)
WARNINGS = (
    "select regexp_replace(f.path, '^.*/', ''), w.rule, w.message "
    "from audit.row_warnings w join audit.file_ingestions f using (file_id) order by w.file_id"
)


def _records(folder: Path, name: str, month: int, count: int, *, first: int = 0) -> None:
    path = folder / "dossiers" / name
    path.parent.mkdir(parents=True, exist_ok=True)
    rows = [f"M{month}.{i};1.002033;Cấp xã;2;05/0{month}/2024;25/0{month}/2024;" for i in range(first, count)]
    path.write_text("\n".join([HEADER, *rows]) + "\n", encoding="utf-8")


def _load(url: str, folder: Path) -> dict[str, pipeline.IngestResult]:
    run_id = pipeline.new_run_id("test")
    pipeline.prepare(url, run_id=run_id, trigger="test", landing=folder)
    return {r.path.name: r for r in pipeline.ingest_all(url, folder, run_id=run_id)}


def test_records_are_judged_against_the_latest_delivery_of_each_earlier_month(warehouse_url, landing, query):
    first = landing / "first"
    for month, count in ((1, 10), (2, 20), (3, 5)):
        _records(first, f"40_2024-0{month}.csv", month, count)
        # Another province's months are not Nghệ An's history.
        _records(first, f"42_2024-0{month}.csv", month, 70)
    _load(warehouse_url, first)
    # March sent again, complete: it replaces the first March file in the history (5 -> 30).
    again = landing / "again"
    _records(again, "40_2024-03_ban-sua.csv", 3, 30)
    _load(warehouse_url, again)
    april = landing / "april"
    _records(april, "40_2024-04.csv", 4, 70)

    results = _load(warehouse_url, april)

    assert results["40_2024-04.csv"].status == "loaded"
    counts = query(warehouse_url, COUNTS)
    assert [c for c in counts if c[2] == "40"] == [
        ("40_2024-01.csv", "loaded", "40", "2024-01", 10),
        ("40_2024-02.csv", "loaded", "40", "2024-02", 20),
        ("40_2024-03.csv", "superseded", "40", "2024-03", 5),
        ("40_2024-03_ban-sua.csv", "loaded", "40", "2024-03", 30),
        ("40_2024-04.csv", "loaded", "40", "2024-04", 70),
    ]
    assert len([c for c in counts if c[2] == "42"]) == 3
    # Median of 10, 20 and 30 (not of 10, 20 and the replaced 5, nor of Hà Tĩnh's 70s).
    [(name, rule, message)] = query(warehouse_url, WARNINGS)
    assert (name, rule) == ("40_2024-04.csv", "volume_vs_history")
    assert "70 dossier records for 2024-04: 3.5× the province's median of 20 over its 3 earlier periods" in message
    assert "(2024-01 … 2024-03)" in message


def test_a_warehouse_loaded_before_the_counts_table_is_counted_once(warehouse_url, landing, query):
    before = landing / "before"
    for month in (1, 2, 3):
        _records(before, f"40_2024-0{month}.csv", month, 10)
    _load(warehouse_url, before)
    with psycopg.connect(warehouse_url, autocommit=True) as conn:
        conn.execute("drop table audit.file_period_counts")  # as in a warehouse from an earlier release

    pipeline.prepare(warehouse_url, run_id="upgrade", trigger="test", landing=before)

    assert [c[3:] for c in query(warehouse_url, COUNTS)] == [("2024-01", 10), ("2024-02", 10), ("2024-03", 10)]
    # Later bootstraps leave the table alone (no recount of raw) ...
    with psycopg.connect(warehouse_url, autocommit=True) as conn:
        conn.execute("delete from audit.file_period_counts where period_label = '2024-01'")
    pipeline.prepare(warehouse_url, run_id="again", trigger="test", landing=before)
    assert [c[3] for c in query(warehouse_url, COUNTS)] == ["2024-02", "2024-03"]
    # ... and the next load counts a delivery it finds missing before judging its own.
    april = landing / "april"
    _records(april, "40_2024-04.csv", 4, 2)
    _load(warehouse_url, april)

    assert [c[3:] for c in query(warehouse_url, COUNTS)] == [
        ("2024-01", 10),
        ("2024-02", 10),
        ("2024-03", 10),
        ("2024-04", 2),
    ]
    [(name, rule, message)] = query(warehouse_url, WARNINGS)
    assert (name, rule) == ("40_2024-04.csv", "volume_vs_history")
    assert "2 dossier records for 2024-04" in message and "3 earlier periods" in message


def test_backfill_replaces_the_counts_of_the_files_it_reprocesses(warehouse_url, landing, query):
    for month, count in ((1, 10), (2, 12), (3, 14)):
        _records(landing, f"40_2024-0{month}.csv", month, count)
    _load(warehouse_url, landing)
    before = query(warehouse_url, "select file_id, period_label, rows_loaded from audit.file_period_counts order by 2")

    [group] = backfill.run(warehouse_url, province="40", period_from="2024-02", run_id="bf-counts")

    [line] = group["files"]
    after = query(warehouse_url, "select file_id, period_label, rows_loaded from audit.file_period_counts order by 2")
    assert after == [before[0], (line["new_file_id"], "2024-02", 12), before[2]]
    assert line["old_file_id"] == before[1][0] != line["new_file_id"]
