"""The incremental dossier-record models against a real warehouse, delivery by delivery.

``int_dossier_records__current`` keeps the current version of each dossier and
``int_dossier_records__monthly`` recomputes only the months new deliveries touch. What an
incremental build must get right, checked here after each step: a re-delivered dossier that
moves to another month leaves the old month (and a month left without any dossier
disappears), also when the monthly figures missed the run that moved it, a build with nothing
new changes nothing, and the incremental result is the one ``--full-refresh`` computes from
scratch.
"""

from __future__ import annotations

from pathlib import Path

import psycopg
import pytest

from reform_etl import pipeline
from reform_etl.config import settings
from reform_etl.transform import run_dbt

from . import marts_fixtures as fx

pytestmark = pytest.mark.integration

SELECT = ("build", "--select", "+fct_dossier_processing")
RECORD_TABLES = (
    "intermediate.int_dossier_records__current",
    "intermediate.int_dossier_records__monthly",
    "marts.fct_dossier_processing",
)

# Quảng Ninh (22): August holds one dossier, September three.
AUGUST = (
    "22_2025-08.csv",
    ["QN-0801,2.011912,Chuyển mục đích sử dụng đất,Cấp xã,Bưu chính công ích,29/08/2025 09:00,05/09/2025 17:00,"],
)
SEPTEMBER = (
    "22_2025-09.csv",
    [
        "QN-0901,1.001450,Đăng ký đất đai,Cấp tỉnh,Trực tuyến,02/09/2025 08:00,09/09/2025 17:00,05/09/2025 10:00",
        "QN-0902,2.001584,Cấp bản sao văn bằng,Cấp tỉnh,Trực tiếp,03/09/2025 09:00,10/09/2025 17:00,",
        "QN-0903,2.003183,Đăng ký môi trường,Cấp xã,Trực tiếp,30/09/2025 09:00,07/10/2025 17:00,",
    ],
)
# The October delivery corrects the receipt dates of QN-0903 (September -> October) and
# QN-0801 (August -> October, which leaves August empty), and brings a new dossier.
OCTOBER = (
    "22_2025-10.csv",
    [
        "QN-0903,2.003183,Đăng ký môi trường,Cấp xã,Trực tiếp,01/10/2025 09:00,08/10/2025 17:00,06/10/2025 09:00",
        "QN-0801,2.011912,Chuyển mục đích sử dụng đất,Cấp xã,Bưu chính công ích,01/10/2025 10:00,08/10/2025 17:00,",
        "QN-1001,1.001450,Đăng ký đất đai,Cấp tỉnh,Trực tuyến,02/10/2025 08:00,09/10/2025 17:00,09/10/2025 18:00",
    ],
)
# Two more corrections of QN-1001: October -> November, then November -> December. The first
# is built into the current versions only (as when the monthly model failed that run).
NOVEMBER = (
    "22_2025-11.csv",
    ["QN-1001,1.001450,Đăng ký đất đai,Cấp tỉnh,Trực tuyến,03/11/2025 08:00,10/11/2025 17:00,10/11/2025 16:00"],
)
DECEMBER = (
    "22_2025-12.csv",
    ["QN-1001,1.001450,Đăng ký đất đai,Cấp tỉnh,Trực tuyến,01/12/2025 08:00,08/12/2025 17:00,"],
)


def _ingest(url: str, landing: Path, *deliveries: tuple[str, list[str]]) -> None:
    for delivery in deliveries:
        fx.write_records(landing, delivery)
    run_id = pipeline.new_run_id("test")
    pipeline.prepare(url, run_id=run_id, trigger="test", landing=landing)
    results = pipeline.ingest_all(url, landing, run_id=run_id)
    assert all(r.status in ("loaded", "unchanged") for r in results), [(r.path.name, r.status) for r in results]


def _build(url: str, *extra: str, select: tuple[str, ...] = SELECT) -> None:
    result = run_dbt(url, [*select, *extra])
    failed = [(n.unique_id, n.message) for n in result.nodes if n.status in ("error", "fail")]
    assert result.success and not failed, failed


def _contents(url: str) -> dict[str, list[tuple[object, ...]]]:
    """Every row of the record tables, sorted (the fact's record rows only, without the dimension key).

    ``batch`` numbers the build that wrote a row, so a full refresh gives it a new value: it is
    bookkeeping, not content, and left out.
    """
    with psycopg.connect(url) as conn:
        return {table: sorted(_rows_without_batch(conn, table), key=repr) for table in RECORD_TABLES}


def _rows_without_batch(conn: psycopg.Connection, table: str) -> list[tuple[object, ...]]:
    if table.startswith("marts."):
        return conn.execute(
            "select province_code, period_label, level, channel, received, received_online, resolved_early, "
            "resolved_on_time, resolved_late, pending_within_deadline, pending_overdue, "
            "median_processing_days, file_id from marts.fct_dossier_processing where source = 'records'"
        ).fetchall()
    cur = conn.execute(f"select * from {table}")
    keep = [i for i, column in enumerate(cur.description or []) if column.name != "batch"]
    return [tuple(row[i] for i in keep) for row in cur.fetchall()]


def _months(url: str, query) -> dict[str, dict[tuple[str, str], tuple[int, ...]]]:  # type: ignore[no-untyped-def]
    """period -> (level, channel) -> received, early, on time, late, pending within deadline, overdue."""
    out: dict[str, dict[tuple[str, str], tuple[int, ...]]] = {}
    for row in query(
        url,
        "select period_label, level, channel, received, resolved_early, resolved_on_time, resolved_late, "
        "pending_within_deadline, pending_overdue from intermediate.int_dossier_records__monthly "
        "where province_code = '22'",
    ):
        out.setdefault(row[0], {})[(row[1], row[2])] = tuple(int(v) for v in row[3:])
    return out


def test_incremental_dossier_records_follow_each_delivery(warehouse_url, landing, query):  # type: ignore[no-untyped-def]
    url = warehouse_url
    _ingest(url, landing, AUGUST, SEPTEMBER)
    # The first build of a warehouse is the pipeline's full one (every mart, so that the
    # selected builds below find the relations their tests read).
    pipeline.transform(url, run_id=pipeline.new_run_id("test"))
    assert _months(url, query) == {
        "2025-08": {("xa", "buu_chinh"): (1, 0, 0, 0, 1, 0)},
        "2025-09": {
            ("tinh", "truc_tuyen"): (1, 1, 0, 0, 0, 0),
            ("tinh", "truc_tiep"): (1, 0, 0, 0, 0, 1),
            ("xa", "truc_tiep"): (1, 0, 0, 0, 1, 0),
        },
    }

    # -- nothing new: nothing changes
    before = _contents(url)
    _build(url)
    assert _contents(url) == before

    # -- the October delivery moves two dossiers out of their months
    _ingest(url, landing, OCTOBER)
    _build(url)
    months = _months(url, query)
    assert months == {
        "2025-09": {("tinh", "truc_tuyen"): (1, 1, 0, 0, 0, 0), ("tinh", "truc_tiep"): (1, 0, 0, 0, 0, 1)},
        "2025-10": {
            ("xa", "truc_tiep"): (1, 1, 0, 0, 0, 0),
            ("xa", "buu_chinh"): (1, 0, 0, 0, 0, 1),
            ("tinh", "truc_tuyen"): (1, 0, 0, 1, 0, 0),
        },
    }
    [(october,)] = query(url, "select file_id from audit.file_ingestions where path like %s", ("%/" + OCTOBER[0],))
    assert query(
        url,
        "select dossier_id, file_id, month_start::text from intermediate.int_dossier_records__current "
        "where dossier_id in ('QN-0801', 'QN-0903') order by 1",
    ) == [("QN-0801", october, "2025-10-01"), ("QN-0903", october, "2025-10-01")]
    incremental = _contents(url)
    assert {r[1] for r in incremental["marts.fct_dossier_processing"]} == {"2025-09", "2025-10"}

    # -- a second build with nothing new still changes nothing
    _build(url)
    assert _contents(url) == incremental

    # -- a dossier moved twice while the monthly figures missed a run leaves both months
    _ingest(url, landing, NOVEMBER)
    _build(url, select=("build", "--select", "int_dossier_records__current"))
    _ingest(url, landing, DECEMBER)
    _build(url)
    months = _months(url, query)
    assert ("tinh", "truc_tuyen") not in months["2025-10"] and "2025-11" not in months
    assert months["2025-12"] == {("tinh", "truc_tuyen"): (1, 0, 0, 0, 0, 1)}
    incremental = _contents(url)

    # -- and a full refresh computes the same from scratch (earlier_months included)
    _build(url, "--full-refresh")
    assert _contents(url) == incremental

    # -- the table itself refuses a version without its key or month (no data test reads it whole)
    for column in ("dossier_id", "month_start"):
        with psycopg.connect(url) as conn, pytest.raises(psycopg.errors.NotNullViolation, match=column):
            conn.execute(
                f"update intermediate.int_dossier_records__current set {column} = null where dossier_id = 'QN-0801'"
            )
    for column in ("province_code", "period_label"):
        with psycopg.connect(url) as conn, pytest.raises(psycopg.errors.NotNullViolation, match=column):
            conn.execute(f"update intermediate.int_dossier_records__monthly set {column} = null")


# January 2026: numbers no other delivery of the province uses, so its key range meets none.
JANUARY = (
    "22_2026-01.csv",
    [
        "QN-2001,1.001450,Đăng ký đất đai,Cấp tỉnh,Trực tuyến,05/01/2026 08:00,12/01/2026 17:00,09/01/2026 10:00",
        "QN-2002,2.001584,Cấp bản sao văn bằng,Cấp xã,Trực tiếp,06/01/2026 09:00,13/01/2026 17:00,",
    ],
)


def _compiled_current_model() -> str:
    compiled = settings().state_dir / "dbt" / "target" / "compiled" / "reform_cchc" / "models" / "intermediate"
    return (compiled / "int_dossier_records__current.sql").read_text(encoding="utf-8")


def test_a_rebuild_takes_a_delivery_that_shares_no_key_as_it_is(warehouse_url, landing, query):  # type: ignore[no-untyped-def]
    """The rebuild's shortcut (no ranking for a file whose key ranges meet no other file's)
    gives the table the ranking of every version gives."""
    url = warehouse_url
    _ingest(url, landing, AUGUST, SEPTEMBER, OCTOBER, JANUARY)
    ids = dict(query(url, "select regexp_replace(path, '^.*/', ''), file_id from audit.file_ingestions"))
    pipeline.transform(url, run_id=pipeline.new_run_id("test"))
    # only January stands alone: October re-delivers dossiers of August and September
    assert f"where file_id in ({ids[JANUARY[0]]})" in _compiled_current_model()
    shortcut = _contents(url)
    assert ("22", "QN-2002") in {r[:2] for r in shortcut["intermediate.int_dossier_records__current"]}

    # A delivery without a recorded range (loaded before ranges were kept) could hold any key:
    # then no file stands alone, and every version is ranked.
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("delete from audit.file_key_ranges where file_id = %s", (ids[AUGUST[0]],))
    _build(url, "--full-refresh")
    assert "a key only one delivery holds" not in _compiled_current_model()
    assert _contents(url) == shortcut
