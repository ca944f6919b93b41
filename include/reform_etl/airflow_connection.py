"""The warehouse as the Airflow Connection ``reform_warehouse``.

Inside Airflow the warehouse is a Connection (conn type ``postgres``), found the way
Airflow finds any connection: ``AIRFLOW_CONN_REFORM_WAREHOUSE`` or a configured secrets
backend (Vault, AWS Secrets Manager, ...). Airflow masks the password of every connection
a task reads, in every log line. ``WAREHOUSE_URL`` stays the setting of the command line;
the commands that start Airflow components turn the resolved URL into the connection
variable for them (:func:`connection_env`).
"""

from __future__ import annotations

import json
import logging
from typing import Any
from urllib.parse import quote, unquote, urlencode, urlsplit

log = logging.getLogger(__name__)

CONN_ID = "reform_warehouse"
CONN_ENV = "AIRFLOW_CONN_REFORM_WAREHOUSE"
# libpq settings a connection's extra may carry into the URL (others are Airflow's own).
_URL_EXTRAS = ("sslmode", "sslrootcert", "sslcert", "sslkey", "options", "application_name")


def connection_json(url: str) -> str:
    """The connection in Airflow's JSON form (safer than a URI: no quoting rules to get wrong)."""
    parts = urlsplit(url)
    fields: dict[str, Any] = {
        "conn_type": "postgres",
        "host": parts.hostname or "127.0.0.1",
        "port": parts.port or 5432,
        "login": unquote(parts.username) if parts.username else None,
        "password": unquote(parts.password) if parts.password else None,
        "schema": (parts.path or "/").lstrip("/") or "postgres",
    }
    extra = dict(pair.split("=", 1) for pair in parts.query.split("&") if "=" in pair)
    if extra:
        fields["extra"] = extra
    return json.dumps({k: v for k, v in fields.items() if v is not None})


def connection_env(url: str) -> dict[str, str]:
    """Environment that hands ``url`` to Airflow components as the ``reform_warehouse`` connection."""
    return {CONN_ENV: connection_json(url)}


def url_from_connection(conn: Any) -> str:
    """A libpq URL from an Airflow Connection (``host``, ``port``, ``login``, ``password``, ``schema``)."""
    user = quote(conn.login or "", safe="")
    secret = f":{quote(conn.password, safe='')}" if conn.password else ""
    credentials = f"{user}{secret}@" if user else ""
    database = quote(conn.schema or "postgres", safe="")
    query = {key: str(value) for key, value in (conn.extra_dejson or {}).items() if key in _URL_EXTRAS}
    suffix = f"?{urlencode(query)}" if query else ""
    return f"postgresql://{credentials}{conn.host or '127.0.0.1'}:{conn.port or 5432}/{database}{suffix}"


def connection_warehouse_url() -> str:
    """The warehouse for task code: the ``reform_warehouse`` connection when Airflow has one.

    Outside Airflow (a library call, a test) Airflow knows no such connection, and the
    command line's ``WAREHOUSE_URL`` or the embedded database is used instead.
    """
    from .embedded_db import warehouse_url

    try:
        from airflow.sdk import BaseHook
        from airflow.sdk.exceptions import AirflowNotFoundException
    except ImportError:  # the library without Airflow installed
        return warehouse_url()
    try:
        conn = BaseHook.get_connection(CONN_ID)
    except AirflowNotFoundException:
        log.warning("no Airflow connection %s; using WAREHOUSE_URL or the embedded database", CONN_ID)
        return warehouse_url()
    return url_from_connection(conn)
