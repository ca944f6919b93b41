"""The warehouse URL and the Airflow connection reform_warehouse turn into each other without loss."""

from __future__ import annotations

import json

import pytest
from airflow.sdk import BaseHook

from reform_etl.airflow_connection import CONN_ENV, CONN_ID, connection_env, connection_warehouse_url


@pytest.mark.parametrize(
    "url",
    [
        "postgresql://postgres@127.0.0.1:55432/reform",
        "postgresql://etl:p%40ss%2Fw%3Ard@db.example:5433/cchc?sslmode=require",
    ],
)
def test_a_url_survives_the_round_trip_through_the_connection(url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(CONN_ENV, connection_env(url)[CONN_ENV])
    monkeypatch.setenv("WAREHOUSE_URL", "postgresql://someone-else@elsewhere:1/other")
    conn = BaseHook.get_connection(CONN_ID)
    assert conn.conn_type == "postgres"
    # Inside Airflow the connection wins over WAREHOUSE_URL.
    assert connection_warehouse_url() == url


def test_the_connection_is_json_so_no_password_needs_url_quoting() -> None:
    fields = json.loads(connection_env("postgresql://etl:a%3Ab%40c@h:5432/d")[CONN_ENV])
    assert fields == {
        "conn_type": "postgres",
        "host": "h",
        "port": 5432,
        "login": "etl",
        "password": "a:b@c",
        "schema": "d",
    }


def test_without_the_connection_the_command_line_setting_is_used(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(CONN_ENV, raising=False)
    monkeypatch.setenv("WAREHOUSE_URL", "postgresql://cli@db:5432/reform")
    assert connection_warehouse_url() == "postgresql://cli@db:5432/reform"
