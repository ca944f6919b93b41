"""The delivery decides, not the scheduler: the same files give the same warehouse however loaded.

One set of deliveries (generated exports with their faults, plus hand-made re-submissions,
an exact copy delivered before its twin, and two deliveries of one natural key at the same
moment) is loaded in delivery order by one worker, then in shuffled orders, by 1 to 4
workers, in several waves with dbt building the incremental models between them. The marts
and every file's status must come out the same, row for row.

Also here: the interleaving that a ``file_id`` watermark got wrong (a file that commits
after dbt has read a later one is still read), and a rescan of the same landing folder
that records nothing new.
"""

from __future__ import annotations

import os
import random
import shutil
import threading
from datetime import timedelta
from pathlib import Path

import psycopg
import pytest

from reform_etl import pipeline
from reform_etl.delivery import delivery_of, mark_delivered
from reform_etl.generate import generate
from reform_etl.ingest import sha256_of
from reform_etl.transform import run_dbt

from . import marts_fixtures as fx
from . import warehouse_state as state
from .deliveries import T0
from .deliveries import records as _records
from .deliveries import summary as _summary

pytestmark = [pytest.mark.integration, pytest.mark.slow]

# Everything but the tests: the comparison is about what the models hold.
BUILD = ("build", "--exclude-resource-type", "test", "--exclude-resource-type", "unit_test")
# Between waves, the dossier models (and the views they read), so that later waves meet an
# incremental table that has already consumed some deliveries.
INCREMENTAL = (*BUILD, "--select", "+int_dossier_records__monthly")


def _deliveries(landing: Path) -> list[tuple[Path, str]]:
    """The delivered files, each with the moment it was delivered as its modification time."""
    generate(landing, provinces=2, years=(2024, 2025), dossier_rows=400, fault_rate=0.25, seed=11)
    # A re-submission correcting a report, sent an hour after it.
    _summary(landing, "22_2024-H1.csv", "Quảng Ninh;2024-H1;Cấp tỉnh;1.000;400;100;800;100\n", T0)
    _summary(
        landing, "22_2024-H1_sua.csv", "Quảng Ninh;2024-H1;Cấp tỉnh;1.200;500;100;900;200\n", T0 + timedelta(hours=1)
    )
    # Two deliveries of one key at the same moment: the path decides (b after a).
    same = T0 + timedelta(hours=2)
    _summary(landing, "31_2024-H1_a.csv", "Hải Phòng;2024-H1;Cấp tỉnh;2.000;900;300;1.500;200\n", same)
    _summary(landing, "31_2024-H1_b.csv", "Hải Phòng;2024-H1;Cấp tỉnh;2.100;950;300;1.600;200\n", same)
    # An exact copy delivered before the file it copies: the copy is the delivery that counts.
    original = _records(landing, fx.RECORDS_V1, T0 + timedelta(hours=4))
    copy = original.with_name("22_2025-09_ban_sao.csv")
    shutil.copyfile(original, copy)
    mark_delivered(copy, T0 + timedelta(hours=3))
    # The correction of that log, delivered after both.
    _records(landing, fx.RECORDS_V2, T0 + timedelta(hours=5))
    # A file whose rows all fail: rejected whole.
    _summary(landing, "27_2024-H1.csv", "Bắc Ninh;2024-H1;Cấp tỉnh;n/a;n/a;n/a;n/a;n/a\n", T0 + timedelta(hours=6))
    return pipeline.discover(landing)


@pytest.fixture(scope="module")
def delivered(tmp_path_factory: pytest.TempPathFactory) -> list[tuple[Path, str]]:
    return _deliveries(tmp_path_factory.mktemp("delivered") / "landing")


def _fresh_database(admin_url: str, name: str) -> str:
    from urllib.parse import urlsplit, urlunsplit

    with psycopg.connect(admin_url, autocommit=True) as conn:
        conn.execute(f'drop database if exists "{name}" with (force)')
        conn.execute(f'create database "{name}"')
    parts = urlsplit(admin_url)
    return urlunsplit(parts._replace(path=f"/{name}"))


def _load(url: str, waves: list[list[tuple[Path, str]]], workers: int) -> None:
    for number, wave in enumerate(waves):
        run_id = pipeline.new_run_id("order")
        landing = wave[0][0].parents[1]
        pipeline.prepare(url, run_id=run_id, trigger="test", landing=landing)
        pipeline.ingest_files(url, wave, run_id=run_id, workers=workers)
        last = number == len(waves) - 1
        result = run_dbt(url, BUILD if last else INCREMENTAL)
        failed = [(n.unique_id, n.message) for n in result.nodes if n.status in ("error", "fail")]
        assert result.success and not failed, failed


def _split(items: list[tuple[Path, str]], parts: int) -> list[list[tuple[Path, str]]]:
    size = -(-len(items) // parts)
    return [items[i : i + size] for i in range(0, len(items), size)]


def test_any_order_any_workers_any_waves_same_warehouse(delivered, pg_server_url) -> None:  # type: ignore[no-untyped-def]
    admin = pg_server_url.rsplit("/", 1)[0] + "/postgres"
    in_order = sorted(delivered, key=lambda item: delivery_of(item[0]).key)
    reference_url = _fresh_database(admin, "t_order_reference")
    try:
        _load(reference_url, [in_order], workers=1)
        expected_marts, expected_statuses = state.marts(reference_url), state.statuses(reference_url)
    finally:
        _fresh_database(admin, "t_order_reference")
    assert {s[2] for s in expected_statuses} >= {"loaded", "superseded", "duplicate", "rejected"}
    assert expected_marts["fct_dossier_processing"], "the comparison must be about figures, not empty tables"

    rng = random.Random(20261203)
    for attempt, (workers, waves) in enumerate([(1, 3), (2, 2), (4, 3)]):
        shuffled = list(delivered)
        rng.shuffle(shuffled)
        name = f"t_order_{attempt}"
        url = _fresh_database(admin, name)
        try:
            _load(url, _split(shuffled, waves), workers=workers)
            got_marts, got_statuses = state.marts(url), state.statuses(url)
        finally:
            _fresh_database(admin, name)
        where = f"shuffled load {attempt} ({workers} workers, {waves} waves)"
        assert got_statuses == expected_statuses, f"{where}: file statuses differ"
        assert not state.differences(expected_marts, got_marts), (where, state.differences(expected_marts, got_marts))


def test_a_file_committing_after_a_later_one_is_not_missed(warehouse_url, landing) -> None:  # type: ignore[no-untyped-def]
    """File A starts, file B commits, dbt runs, A commits, dbt runs again: as a full refresh."""
    url = warehouse_url
    a = _records(landing, fx.RECORDS_V1, T0)
    b = _records(landing, ("22_2025-10.csv", [fx.RECORDS_V2[1][4].replace("QN-0005", "QN-0100")]), T0 + timedelta(1))
    run_id = pipeline.new_run_id("late")
    pipeline.prepare(url, run_id=run_id, trigger="test", landing=landing)
    pipeline.transform(url, run_id=run_id)  # the warehouse's first, full build

    a_inside, a_may_commit = threading.Event(), threading.Event()

    def hold(rows: int) -> None:
        # Called inside A's transaction, once its rows are written: A has its file_id, uncommitted.
        a_inside.set()
        assert a_may_commit.wait(120), "the test never let A commit"

    results: dict[str, object] = {}
    loader = threading.Thread(
        target=lambda: results.setdefault("a", pipeline.ingest_one(url, a, "dossiers", run_id=run_id, on_rows=hold))
    )
    loader.start()
    try:
        assert a_inside.wait(120), "A never started"
        assert pipeline.ingest_one(url, b, "dossiers", run_id=run_id).status == "loaded"
        _build_incremental(url)  # sees B, not A
    finally:
        a_may_commit.set()
        loader.join(120)
    assert getattr(results["a"], "status", None) == "loaded"
    with psycopg.connect(url) as conn:
        ids = dict(conn.execute("select path, file_id from audit.file_ingestions").fetchall())
    assert ids[str(a)] < ids[str(b)], "A took its file_id first and committed last"
    _build_incremental(url)
    incremental = state.marts(url)
    assert any("QN-0001" in repr(row) for row in _current(url)), "A's dossiers reached the current versions"
    result = run_dbt(url, ("build", "--full-refresh", "--exclude-resource-type", "unit_test"))
    assert result.success
    assert not state.differences(state.marts(url), incremental)


def _build_incremental(url: str) -> None:
    result = run_dbt(url, ("build", "--exclude-resource-type", "unit_test"))
    failed = [(n.unique_id, n.message) for n in result.nodes if n.status in ("error", "fail")]
    assert result.success and not failed, failed


def _current(url: str) -> list[tuple[object, ...]]:
    with psycopg.connect(url) as conn:
        return conn.execute(
            "select province_code, dossier_id from intermediate.int_dossier_records__current"
        ).fetchall()


def test_a_rescan_records_nothing_new(warehouse_url, landing, query) -> None:  # type: ignore[no-untyped-def]
    """Loaded, duplicate, rejected and refused files are judged once, however often the folder is read."""
    url = warehouse_url
    original = _records(landing, fx.RECORDS_V1, T0)
    shutil.copyfile(original, original.with_name("22_2025-09_ban_sao.csv"))
    _summary(landing, "27_2024-H1.csv", "Bắc Ninh;2024-H1;Cấp tỉnh;n/a;n/a;n/a;n/a;n/a\n", T0)
    os.symlink(original, landing / "dossiers" / "22_2025-09_link.csv")
    seen = []
    for _ in range(3):
        run_id = pipeline.new_run_id("rescan")
        pipeline.prepare(url, run_id=run_id, trigger="test", landing=landing)
        pipeline.ingest_all(url, landing, run_id=run_id)
        seen.append(query(url, "select count(*), count(distinct path) from audit.file_ingestions")[0])
    assert seen[0] == (4, 4), seen
    assert seen == [seen[0]] * 3


def test_an_earlier_copy_judged_later_takes_the_place_of_its_twin(warehouse_url, landing, query) -> None:  # type: ignore[no-untyped-def]
    url = warehouse_url
    later = _records(landing, fx.RECORDS_V1, T0 + timedelta(hours=2))
    run_id = pipeline.new_run_id("copy")
    pipeline.prepare(url, run_id=run_id, trigger="test", landing=landing)
    assert pipeline.ingest_one(url, later, "dossiers", run_id=run_id).status == "loaded"
    # Delivered between the copies: the same dossiers and one more.
    correction = _records(landing, fx.RECORDS_V2, T0 + timedelta(hours=1))
    pipeline.ingest_one(url, correction, "dossiers", run_id=run_id)
    # Seen after the later copy, the correction only keeps its new dossier current.
    assert _status(query, url, correction) == "loaded"
    assert _supersedes(query, url, later) == str(correction)
    earlier = later.with_name("22_2025-09_som.csv")
    shutil.copyfile(later, earlier)
    mark_delivered(earlier, T0)
    rescan = pipeline.new_run_id("copy")
    result = pipeline.ingest_one(url, earlier, "dossiers", run_id=rescan)
    assert result.file_id is not None
    # The run that found the earlier copy reports its kind as changed, so reform_transform follows.
    runs = dict(query(url, "select path, run_id from audit.file_ingestions where sha256 = %s", (sha256_of(later),)))
    assert runs == {str(earlier): rescan, str(later): run_id}
    # As if seen in delivery order: the earliest copy loaded, then superseded by the correction
    # (which now comes after it and holds every one of its dossiers); the later copy its duplicate.
    assert _status(query, url, earlier) == "superseded"
    assert _status(query, url, correction) == "loaded"
    assert _status(query, url, later) == "duplicate"
    assert _supersedes(query, url, correction) == str(earlier)
    assert _supersedes(query, url, earlier) is None


def _supersedes(query, url: str, path: Path) -> str | None:  # type: ignore[no-untyped-def]
    rows = query(
        url,
        "select s.path from audit.file_ingestions f left join audit.file_ingestions s "
        "on s.file_id = f.supersedes_file_id where f.path = %s and f.status <> 'duplicate'",
        (str(path),),
    )
    return rows[0][0] if rows else None


def _status(query, url: str, path: Path) -> str:  # type: ignore[no-untyped-def]
    return str(query(url, "select status from audit.file_ingestions where path = %s", (str(path),))[0][0])
