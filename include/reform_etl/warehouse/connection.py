"""Opening the warehouse, and naming it in messages without its password."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from urllib.parse import urlsplit, urlunsplit

import psycopg


class WarehouseUnavailable(RuntimeError):
    pass


@contextmanager
def connect(url: str, *, autocommit: bool = False) -> Iterator[psycopg.Connection]:
    try:
        conn = psycopg.connect(url, autocommit=autocommit, connect_timeout=10, application_name="reform-etl")
    except psycopg.OperationalError as exc:
        raise WarehouseUnavailable(f"cannot connect to the warehouse at {redact(url)}: {exc}".strip()) from exc
    try:
        yield conn
    finally:
        conn.close()


def redact(url: str) -> str:
    """The URL with any password hidden, for messages and logs."""
    parts = urlsplit(url)
    if parts.password:
        netloc = parts.netloc.replace(f":{parts.password}@", ":***@")
        return urlunsplit(parts._replace(netloc=netloc))
    return url
