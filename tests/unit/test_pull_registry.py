"""The source registry: what loads, and what is refused with errors naming entry and field."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import pytest

from reform_etl.pull import registry as reg
from reform_etl.pull.base import Item, landing_name, period_of_remote, remote_suffix, safe_token
from reform_etl.pull.credentials import Secrets, connection_from_env, resolve
from reform_etl.pull.registry import RegistryError, load_registry, parse_registry

EXAMPLE = Path(reg.__file__).with_name("sources.example.yml")

HTTP: dict[str, Any] = {
    "id": "nghe-an-api",
    "province": "40",
    "kind": "dossier_summary",
    "transport": "http",
    "schedule": "@daily",
    "credentials": {"conn_id": "nghe_an_api"},
    "http": {
        "url": "https://api.example.vn/x",
        "auth": "bearer",
        "window": {"granularity": "month", "start": "2024-01"},
    },
}
SFTP: dict[str, Any] = {
    "id": "ha-tinh-sftp",
    "province": 42,
    "kind": "dossiers",
    "transport": "sftp",
    "schedule": "*/30 * * * *",
    "credentials": {"env": {"username": "HT_USER", "password": "HT_PASSWORD"}},
    "sftp": {"host": "sftp.example.vn", "path": "/out", "host_key": "SHA256:" + "a" * 43},
}


def _problems(*entries: dict[str, Any], **top: Any) -> list[str]:
    with pytest.raises(RegistryError) as caught:
        parse_registry({"sources": list(entries), **top})
    return caught.value.problems


def _with(entry: dict[str, Any], path: str, value: Any) -> dict[str, Any]:
    changed = copy.deepcopy(entry)
    *parents, last = path.split(".")
    node = changed
    for part in parents:
        node = node.setdefault(part, {})
    if value is ...:
        node.pop(last, None)
    else:
        node[last] = value
    return changed


def test_the_shipped_example_covers_every_transport_and_loads():
    loaded = load_registry(EXAMPLE)
    assert {s.transport for s in loaded.sources} == {"http", "sftp", "s3"}
    by_id = {s.id: s for s in loaded.sources}
    assert by_id["nghe-an-dvc-api"].options.window.lag_days == 5
    assert by_id["ha-tinh-sftp"].province == "42"
    assert by_id["hcm-dossier-log"].schedule == "0 0 * * *"  # from defaults: @daily
    assert by_id["hcm-dossier-log"].credentials.env == {"token": "HCM_DVC_TOKEN"}


def test_valid_entries_are_normalised():
    loaded = parse_registry({"sources": [HTTP, SFTP]})
    http, sftp = loaded.sources
    assert (http.province, http.schedule, http.options.window.start.label) == ("40", "0 0 * * *", "2024-01")
    assert (sftp.province, sftp.options.port, sftp.options.stable_seconds) == ("42", 22, 30.0)
    assert loaded.select(["ha-tinh-sftp"]) == [sftp]
    with pytest.raises(KeyError, match="no source 'nope'"):
        loaded.select(["nope"])


@pytest.mark.parametrize(
    ("entry", "expected"),
    [
        (_with(HTTP, "province", "99"), "source 'nghe-an-api' (entry #1): field 'province': '99' is not a GSO"),
        (_with(HTTP, "kind", "dossier"), "field 'kind': 'dossier' is not one of"),
        (_with(HTTP, "transport", "ftp"), "field 'transport': 'ftp' is not one of http, sftp, s3"),
        (_with(HTTP, "schedule", "every day"), "field 'schedule': 'every day' is not a 5-field cron expression"),
        (_with(HTTP, "schedule", "@fortnightly"), "field 'schedule': unknown preset '@fortnightly'"),
        (_with(HTTP, "id", "Nghe An"), "(entry #1): field 'id': 'Nghe An' is not valid"),
        (_with(HTTP, "http.window.granularity", "week"), "field 'http.window.granularity': 'week' is not one of"),
        (_with(HTTP, "http.window.start", "2024-Q1"), "field 'http.window.start': '2024-Q1' is a quarter"),
        (_with(HTTP, "http.window", ...), "field 'http.window': missing"),
        (_with(HTTP, "http.url", "ftp://x"), "field 'http.url': must start with http"),
        (_with(HTTP, "http.timeout_seconds", 0), "field 'http.timeout_seconds': 0 is outside"),
        (_with(HTTP, "http.pagination", {"style": "pages"}), "'pages' is not one of none, page, offset, cursor"),
        (_with(HTTP, "http.retires", 3), "field 'http.retires': unknown field (did you mean 'retries'?)"),
        (_with(HTTP, "http", ...), "field 'http': missing: a http source needs its options there"),
        (
            _with(_with(HTTP, "http.format", "csv"), "http.pagination", {"style": "cursor"}),
            "field 'http.pagination.next_cursor_header': a CSV body has no JSON cursor",
        ),
        (_with(SFTP, "sftp.host_key", ...), "field 'sftp.host_key': missing: pin the server's key"),
        (_with(SFTP, "sftp.period", "2024-13"), "field 'sftp.period': '2024-13'"),
        (_with(SFTP, "s3", {"bucket": "x"}), "field 's3': options for transport 's3' but transport is 'sftp'"),
        (_with(SFTP, "credentials.env.username", "ht-user"), "field 'credentials.env.username': must be the NAME"),
        (_with(SFTP, "credentials.env.pin", "HT_PIN"), "field 'credentials.env.pin': unknown credential field"),
        (_with(SFTP, "credentials.conn_id", "ht"), "give either an Airflow connection id or environment variables"),
    ],
)
def test_invalid_entries_name_the_entry_and_the_field(entry: dict[str, Any], expected: str):
    problems = _problems(entry)
    assert any(expected in p for p in problems), problems


@pytest.mark.parametrize(
    ("path", "value", "field"),
    [
        ("http.headers", {"Authorization": "Bearer abc123"}, "http.headers.Authorization"),
        ("http.params", {"api_key": "abc123"}, "http.params.api_key"),
        ("credentials.password", "abc123", "credentials.password"),
        ("http.token", "abc123", "http.token"),
        ("http.url", "https://user:abc123@api.example.vn/x", "http.url"),
    ],
)
def test_inline_secrets_are_refused_without_being_echoed(path: str, value: Any, field: str):
    problems = _problems(_with(HTTP, path, value))
    secret = [p for p in problems if f"field '{field}'" in p and ("secret" in p or "password" in p)]
    assert secret, problems
    assert not any("abc123" in p for p in problems)


def test_every_problem_is_reported_at_once_and_ids_are_unique():
    broken = _with(_with(HTTP, "kind", "nope"), "schedule", "bad")
    problems = _problems(broken, HTTP, _with(SFTP, "id", "nghe-an-api"), defaults={"retries": 3})
    assert any("field 'kind'" in p for p in problems)
    assert any("field 'schedule'" in p for p in problems)
    assert any("(entry #3): the id is already used by entry #2" in p for p in problems)
    assert any(p.startswith("defaults: field 'retries'") for p in problems)
    with pytest.raises(RegistryError, match=r"4 problems:\n  - "):
        parse_registry({"sources": [broken, HTTP, _with(SFTP, "id", "nghe-an-api")], "defaults": {"retries": 3}})


def test_unreadable_files_and_the_default_location(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    bad = tmp_path / "sources.yml"
    bad.write_text("sources: [\n", encoding="utf-8")
    with pytest.raises(RegistryError, match="not valid YAML"):
        load_registry(bad)
    with pytest.raises(RegistryError, match="cannot read the file"):
        load_registry(tmp_path / "missing.yml")
    assert parse_registry(None).sources == ()

    monkeypatch.delenv(reg.SOURCES_FILE_ENV, raising=False)
    monkeypatch.setattr(reg, "PACKAGE_SOURCES_FILE", tmp_path / "absent.yml")
    assert load_registry().sources == ()  # the example is never picked up by default
    monkeypatch.setenv(reg.SOURCES_FILE_ENV, str(EXAMPLE))
    assert len(load_registry().sources) == 5


def test_credentials_come_from_named_variables_and_never_show(monkeypatch: pytest.MonkeyPatch):
    http, sftp = parse_registry({"sources": [HTTP, SFTP]}).sources
    monkeypatch.setenv("HT_USER", "tinh42")
    monkeypatch.delenv("HT_PASSWORD", raising=False)
    with pytest.raises(RuntimeError, match="HT_PASSWORD .*is not set"):
        resolve(sftp)
    monkeypatch.setenv("HT_PASSWORD", "pw-secret")
    secrets = resolve(sftp)
    assert (secrets.username, secrets.password) == ("tinh42", "pw-secret")
    assert "pw-secret" not in repr(secrets) and "pw-secret" not in str(secrets)

    with pytest.raises(RuntimeError, match="AIRFLOW_CONN_NGHE_AN_API"):
        resolve(http)
    monkeypatch.setenv("AIRFLOW_CONN_NGHE_AN_API", "http://svc:tok%2Fen@api.example.vn:8443/?token=t0k")
    from_uri = resolve(http)
    assert (from_uri.username, from_uri.password, from_uri.token, from_uri.port) == ("svc", "tok/en", "t0k", 8443)
    monkeypatch.setenv(
        "AIRFLOW_CONN_S3_X",
        '{"conn_type": "aws", "login": "AK", "password": "SK", "extra": {"endpoint_url": "http://127.0.0.1:9000"}}',
    )
    from_json = connection_from_env("s3_x")
    assert (from_json.username, from_json.password, from_json.extra) == (
        "AK",
        "SK",
        {"endpoint_url": "http://127.0.0.1:9000"},
    )
    assert isinstance(from_json, Secrets)


def test_landing_names_and_periods_of_remote_files():
    sftp = parse_registry({"sources": [SFTP]}).sources[0]
    assert safe_token("Báo cáo Đúng hạn (Q1)") == "bao-cao-dung-han-q1"
    suffix = remote_suffix("out/42_2024-H1_Báo cáo.xlsx", "100:1700000000")
    assert suffix.startswith("42-2024-h1-bao-cao-") and len(suffix.rsplit("-", 1)[1]) == 8
    assert remote_suffix("a/x.csv", "1:2") != remote_suffix("b/x.csv", "1:2") != remote_suffix("a/x.csv", "1:3")
    item = Item(key="k", version="v", period="2024-H1", suffix=suffix, ext=".xlsx")
    assert landing_name(sftp, item) == f"42_2024-H1_ha-tinh-sftp_{suffix}.xlsx"
    assert period_of_remote(sftp, "sub/42_2024-Q3_bao-cao.csv", "from_name") == "2024-Q3"
    assert period_of_remote(sftp, "anything.csv", "2024-H2") == "2024-H2"
    assert period_of_remote(sftp, "anything.csv", "content") is None
    with pytest.raises(RuntimeError, match="named for province 40, not 42"):
        period_of_remote(sftp, "40_2024.csv", "from_name")
    with pytest.raises(RuntimeError, match="does not say its period"):
        period_of_remote(sftp, "bao-cao.csv", "from_name")
