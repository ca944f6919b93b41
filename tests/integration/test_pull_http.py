"""Pulling from a real HTTP export API on loopback that misbehaves on demand."""

from __future__ import annotations

import json
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from reform_etl import warehouse
from reform_etl.pull import state
from reform_etl.pull.registry import parse_registry
from reform_etl.pull.runner import pull_source

from .pull_servers import TOKEN, csv_text, export_api, landing_files, summary_rows

pytestmark = pytest.mark.integration

MARCH_10 = datetime(2024, 3, 10, 5, tzinfo=UTC)
APRIL_2 = datetime(2024, 4, 2, 5, tzinfo=UTC)
JAN = summary_rows(("Cấp tỉnh", 100, 95, 5), ("Cấp huyện", 50, 49, 1), ("Cấp xã", 30, 30, 0))
FEB = summary_rows(("Cấp tỉnh", 110, 100, 10))
MAR = summary_rows(("Cấp tỉnh", 120, 119, 1), ("Cấp xã", 40, 39, 1))


def _source(base: str, path: str = "/pages", **http: Any) -> Any:
    options: dict[str, Any] = {
        "url": base + path,
        "window": {"granularity": "month", "start": "2024-01"},
        "timeout_seconds": 2,
        "retries": 3,
        "backoff_seconds": 0.05,
        "max_backoff_seconds": 0.2,
    }
    if path == "/pages":
        options |= {"auth": "bearer", "pagination": {"style": "page", "size": 2}}
    elif path == "/cursor":
        options |= {"pagination": {"style": "cursor", "cursor_param": "cursor", "next_cursor": "meta.next"}}
    else:
        options |= {"format": "csv", "pagination": {"style": "offset", "size": 2}}
    options |= http
    entry = {
        "id": "ha-noi-api",
        "province": "01",
        "kind": "dossier_summary",
        "transport": "http",
        "schedule": "@daily",
        "http": options,
    }
    if path == "/pages":
        entry["credentials"] = {"env": {"token": "HA_NOI_API_TOKEN"}}
    return parse_registry({"sources": [entry]}).sources[0]


@pytest.fixture
def api(monkeypatch: pytest.MonkeyPatch):  # type: ignore[no-untyped-def]
    monkeypatch.setenv("HA_NOI_API_TOKEN", TOKEN)
    with export_api() as server:
        server.rows = {"2024-01-01": JAN, "2024-02-01": FEB}
        yield server


def _mark(url: str, source_id: str = "ha-noi-api") -> state.Watermark:
    with warehouse.connect(url) as conn:
        return state.load(conn, source_id)


def test_windows_and_pages_then_only_new_windows(warehouse_url, landing, api, query):
    source = _source(api.base)

    first = pull_source(warehouse_url, source, landing, now=MARCH_10)

    assert first.status == "ok", first.message
    assert sorted(landing_files(landing)) == [
        "dossier_summary/01_2024-01_ha-noi-api_p0001.json",
        "dossier_summary/01_2024-01_ha-noi-api_p0002.json",
        "dossier_summary/01_2024-02_ha-noi-api_p0001.json",
    ]
    page2 = json.loads((landing / "dossier_summary/01_2024-01_ha-noi-api_p0002.json").read_text())
    assert page2 == JAN[2:]
    assert first.records == 4
    # March is still open on the 10th: not asked for.
    assert not any("from=2024-03-01" in r for r in api.paths())
    assert _mark(warehouse_url).last_window_end.isoformat() == "2024-02-29"

    api.rows["2024-03-01"] = MAR
    before = len(api.paths())
    second = pull_source(warehouse_url, source, landing, now=APRIL_2)

    assert second.status == "ok"
    assert [Path(f).name for f in second.files] == ["01_2024-03_ha-noi-api_p0001.json"]
    asked = api.paths()[before:]
    assert asked and all("from=2024-03-01" in r for r in asked)

    third = pull_source(warehouse_url, source, landing, now=APRIL_2)
    assert (third.status, third.files) == ("up_to_date", [])
    assert query(warehouse_url, "select count(*) from audit.source_fetches where landing_path is not null") == [(4,)]
    assert query(warehouse_url, "select status from audit.source_pulls order by pull_id") == [
        ("ok",),
        ("ok",),
        ("up_to_date",),
    ]


def test_5xx_retry_after_truncated_and_invalid_bodies_are_retried(warehouse_url, landing, api):
    api.rows = {"2024-01-01": JAN[:1]}
    api.faults.extend(["500", "retry-after:1", "truncate", "bad-json"])
    source = _source(api.base, retries=4)

    started = time.monotonic()
    result = pull_source(warehouse_url, source, landing, now=datetime(2024, 2, 10, tzinfo=UTC))
    elapsed = time.monotonic() - started

    assert result.status == "ok", result.message
    assert elapsed >= 1.0  # Retry-After: 1 was honoured
    assert len(api.paths("/pages")) == 5  # four faults, then the good answer
    [path] = result.files
    assert json.loads(Path(path).read_text()) == JAN[:1]


def test_a_slow_answer_times_out_and_the_retry_succeeds(warehouse_url, landing, api):
    api.rows = {"2024-01-01": JAN[:1]}
    api.faults.append("slow:3")
    source = _source(api.base, timeout_seconds=0.5)

    started = time.monotonic()
    result = pull_source(warehouse_url, source, landing, now=datetime(2024, 2, 10, tzinfo=UTC))

    assert result.status == "ok", result.message
    assert time.monotonic() - started < 2.5
    assert len(api.paths("/pages")) == 2


def test_giving_up_records_a_failure_that_names_source_and_url_without_the_token(warehouse_url, landing, api, query):
    api.faults.extend(["500"] * 10)
    source = _source(api.base, retries=2)

    result = pull_source(warehouse_url, source, landing, now=MARCH_10)

    assert result.status == "failed"
    assert "ha-noi-api" in result.message and "/pages?from=2024-01-01&to=2024-01-31" in result.message
    assert "failed 3 times" in result.message and "HTTP 500" in result.message
    assert TOKEN not in result.message
    assert landing_files(landing) == {}
    assert _mark(warehouse_url).last_window_end is None
    [(status, message)] = query(warehouse_url, "select status, message from audit.source_pulls")
    assert status == "failed" and TOKEN not in message


def test_a_refused_token_is_not_retried(warehouse_url, landing, api, monkeypatch):
    monkeypatch.setenv("HA_NOI_API_TOKEN", "wrong")
    result = pull_source(warehouse_url, _source(api.base), landing, now=MARCH_10)

    assert result.status == "failed"
    assert "HTTP 401" in result.message and "credentials" in result.message
    assert "wrong" not in result.message
    assert len(api.paths()) == 1


def test_cursor_pagination_resumes_and_a_repeating_cursor_stops_with_an_error(warehouse_url, landing, api):
    five = JAN + FEB + MAR[:1]
    api.rows = {"2024-01-01": five}
    source = _source(api.base, "/cursor")

    ok = pull_source(warehouse_url, source, landing, now=datetime(2024, 2, 5, tzinfo=UTC))
    assert ok.status == "ok", ok.message
    assert [json.loads(Path(p).read_text()) for p in ok.files] == [five[0:2], five[2:4], five[4:5]]

    api.rows["2024-02-01"] = five
    api.repeat_cursor = True
    started = time.monotonic()
    looped = pull_source(warehouse_url, source, landing, now=datetime(2024, 3, 5, tzinfo=UTC))

    assert time.monotonic() - started < 5
    assert looped.status == "failed"
    assert "cursor 'c2' again" in looped.message and "ha-noi-api" in looped.message
    # The page before the loop is kept; the page whose answer loops is not, and the
    # watermark points at it, so a fixed API is resumed there without a gap.
    assert [Path(p).name for p in looped.files] == ["01_2024-02_ha-noi-api_p0001.json"]
    assert _mark(warehouse_url).cursor == {"window": "2024-02", "page": 2, "token": "c2"}


def test_csv_with_offset_pages_keeps_the_bytes_as_served(warehouse_url, landing, api):
    result = pull_source(warehouse_url, _source(api.base, "/csv"), landing, now=MARCH_10)

    assert result.status == "ok", result.message
    files = landing_files(landing)
    assert files["dossier_summary/01_2024-01_ha-noi-api_p0001.csv"] == csv_text(JAN[:2]).encode()
    assert files["dossier_summary/01_2024-01_ha-noi-api_p0002.csv"] == csv_text(JAN[2:]).encode()
    assert files["dossier_summary/01_2024-02_ha-noi-api_p0001.csv"] == csv_text(FEB).encode()


def test_an_answer_without_the_rows_is_an_error_not_an_empty_window(warehouse_url, landing, api):
    result = pull_source(warehouse_url, _source(api.base, records="rows"), landing, now=MARCH_10)

    assert result.status == "failed"
    assert "has no list of rows at 'rows' (its keys: data, page)" in result.message
    assert _mark(warehouse_url).last_window_end is None


def test_an_empty_closed_window_is_reported_when_data_was_expected(warehouse_url, landing, api):
    api.rows = {}
    result = pull_source(warehouse_url, _source(api.base), landing, now=datetime(2024, 2, 5, tzinfo=UTC))

    assert result.status == "empty"
    assert "2024-01: the API returned no records" in result.message
    assert _mark(warehouse_url).last_window_end.isoformat() == "2024-01-31"


def test_killed_after_placing_a_file_the_rerun_gives_the_same_files_once(warehouse_url, landing, tmp_path, api, query):
    source = _source(api.base)
    placed: list[Path] = []

    def crash_on_second(path: Path) -> None:
        placed.append(path)
        if len(placed) == 2:
            raise RuntimeError("simulated crash between placing and recording")

    crashed = pull_source(warehouse_url, source, landing, now=MARCH_10, on_placed=crash_on_second)
    assert crashed.status == "failed" and len(placed) == 2
    rerun = pull_source(warehouse_url, source, landing, now=MARCH_10)
    assert rerun.status == "ok"

    # The same source pulled uninterrupted from scratch into another folder.
    with warehouse.connect(warehouse_url) as conn:
        state.reset(conn, source.id)
    reference = tmp_path / "reference"
    assert pull_source(warehouse_url, source, reference, now=MARCH_10).status == "ok"

    assert landing_files(landing) == landing_files(reference)
    assert len(landing_files(landing)) == 3
    duplicates = query(
        warehouse_url,
        "select landing_path from audit.source_fetches where landing_path like %s "
        "group by landing_path having count(*) > 1",
        (f"{landing}/%",),
    )
    assert duplicates == []
    assert not any((landing / ".pulling" / source.id).iterdir())


def test_due_sources_follow_each_schedule_in_vietnam_time(warehouse_url):
    from reform_etl.pull.runner import due_sources

    entries = [
        {"id": "daily-six", "schedule": "0 6 * * *"},  # 06:00 ICT = 23:00 UTC the day before
        {"id": "once", "schedule": "@once"},
        {"id": "failed-recently", "schedule": "@hourly"},
    ]
    common = {"province": "01", "kind": "dossier_summary", "transport": "s3", "s3": {"bucket": "cchc"}}
    sources = parse_registry({"sources": [common | e for e in entries]}).sources
    now = datetime(2024, 3, 10, 0, 30, tzinfo=UTC)  # 07:30 in Hà Nội
    assert [s.id for s in due_sources(warehouse_url, sources, now=now)] == ["daily-six", "once", "failed-recently"]

    with warehouse.connect(warehouse_url, autocommit=True) as conn:
        for source_id, status, started in [
            ("daily-six", "ok", "2024-03-09 23:10+00"),  # after today's 06:00 ICT
            ("once", "ok", "2024-01-01 00:00+00"),
            ("failed-recently", "failed", "2024-03-10 00:10+00"),
        ]:
            conn.execute(
                "insert into audit.source_pulls (source_id, status, started_at) values (%s, %s, %s)",
                (source_id, status, started),
            )
    assert due_sources(warehouse_url, sources, now=now) == []
    # An hour after the failure it is tried again; the daily one waits for tomorrow 06:00 ICT.
    later = datetime(2024, 3, 10, 1, 15, tzinfo=UTC)
    assert [s.id for s in due_sources(warehouse_url, sources, now=later)] == ["failed-recently"]
    tomorrow = datetime(2024, 3, 10, 23, 5, tzinfo=UTC)
    assert [s.id for s in due_sources(warehouse_url, sources, now=tomorrow)] == ["daily-six", "failed-recently"]
