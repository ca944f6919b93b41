"""Resolve a source's credentials at pull time, from an Airflow connection or the environment.

Secrets live only in :class:`Secrets` objects in memory: their ``repr`` hides every value,
and nothing here logs them. Outside Airflow (the command line, tests) a connection id is
still honoured through Airflow's own ``AIRFLOW_CONN_<ID>`` environment convention, so the
same registry works in both places.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from dataclasses import dataclass, field, fields
from typing import Any
from urllib.parse import parse_qsl, unquote, urlsplit

from .registry import CredentialRef, Source


class CredentialsError(RuntimeError):
    pass


@dataclass(frozen=True, repr=False)
class Secrets:
    username: str | None = None
    password: str | None = None
    token: str | None = None
    private_key: str | None = None
    private_key_file: str | None = None
    passphrase: str | None = None
    session_token: str | None = None
    # Non-secret connection settings a connection may carry (host, port, endpoint_url...).
    host: str | None = None
    port: int | None = None
    extra: dict[str, Any] = field(default_factory=dict)

    def __repr__(self) -> str:
        present = [f.name for f in fields(self) if f.name != "extra" and getattr(self, f.name)]
        return f"Secrets(present={present})"

    __str__ = __repr__


# A lookup that turns an Airflow connection id into Secrets (the DAG passes one backed by
# airflow.sdk.BaseHook); None means "use AIRFLOW_CONN_<ID> from the environment".
ConnectionLookup = Callable[[str], Secrets]


def resolve(source: Source, lookup: ConnectionLookup | None = None) -> Secrets:
    ref: CredentialRef = source.credentials
    if ref.conn_id:
        try:
            return (lookup or connection_from_env)(ref.conn_id)
        except CredentialsError as exc:
            raise CredentialsError(f"{source.describe()}: {exc}") from None
        except Exception as exc:  # noqa: BLE001 - Airflow raises its own not-found type
            raise CredentialsError(
                f"{source.describe()}: cannot read Airflow connection {ref.conn_id!r} ({type(exc).__name__}); "
                f"create it (airflow connections add {ref.conn_id} ...) or set AIRFLOW_CONN_{_env_key(ref.conn_id)}"
            ) from None
    if ref.env:
        values: dict[str, str] = {}
        for name, variable in ref.env.items():
            value = os.environ.get(variable)
            if not value:
                raise CredentialsError(
                    f"{source.describe()}: the environment variable {variable} (its {name}) is not set; "
                    "set it in the environment of the scheduler/worker or of the command"
                )
            values[name] = value
        return Secrets(
            username=values.get("username") or values.get("access_key_id"),
            password=values.get("password") or values.get("secret_access_key"),
            token=values.get("token"),
            private_key=values.get("private_key"),
            private_key_file=values.get("private_key_file"),
            passphrase=values.get("passphrase"),
            session_token=values.get("session_token"),
        )
    return Secrets()


def _env_key(conn_id: str) -> str:
    return conn_id.upper().replace("-", "_").replace(".", "_")


def connection_from_env(conn_id: str) -> Secrets:
    """Airflow's ``AIRFLOW_CONN_<ID>`` convention (a URI or JSON), read without Airflow."""
    variable = f"AIRFLOW_CONN_{_env_key(conn_id)}"
    raw = os.environ.get(variable)
    if not raw:
        raise CredentialsError(
            f"Airflow connection {conn_id!r} is not available here: run inside Airflow, or set {variable}"
        )
    if raw.lstrip().startswith("{"):
        try:
            data = json.loads(raw)
        except json.JSONDecodeError:
            raise CredentialsError(f"{variable} is not valid JSON") from None
        extra = data.get("extra") or {}
        if isinstance(extra, str):
            extra = json.loads(extra or "{}")
        return from_connection_fields(
            login=data.get("login"),
            password=data.get("password"),
            host=data.get("host"),
            port=data.get("port"),
            extra=extra,
        )
    parts = urlsplit(raw)
    query = dict(parse_qsl(parts.query))
    extra = json.loads(query.pop("__extra__")) if "__extra__" in query else query
    return from_connection_fields(
        login=unquote(parts.username) if parts.username else None,
        password=unquote(parts.password) if parts.password else None,
        host=unquote(parts.hostname) if parts.hostname else None,
        port=parts.port,
        extra=extra,
    )


def from_connection_fields(
    *, login: str | None, password: str | None, host: str | None, port: int | None, extra: dict[str, Any] | None
) -> Secrets:
    """Map an Airflow connection (any conn type) onto the fields the transports use."""
    extra = dict(extra or {})
    secret_extra = {
        k: extra.pop(k, None)
        for k in (
            "token",
            "private_key",
            "key_file",
            "private_key_passphrase",
            "passphrase",
            "aws_access_key_id",
            "aws_secret_access_key",
            "aws_session_token",
        )
    }
    return Secrets(
        username=login or secret_extra["aws_access_key_id"],
        password=password or secret_extra["aws_secret_access_key"],
        token=secret_extra["token"] or password,
        private_key=secret_extra["private_key"],
        private_key_file=secret_extra["key_file"],
        passphrase=secret_extra["private_key_passphrase"] or secret_extra["passphrase"],
        session_token=secret_extra["aws_session_token"],
        host=host or None,
        port=int(port) if port else None,
        extra=extra,
    )


def airflow_lookup(conn_id: str) -> Secrets:
    """Read a connection through Airflow 3's task SDK (secrets backends included)."""
    from airflow.sdk import BaseHook

    conn = BaseHook.get_connection(conn_id)
    return from_connection_fields(
        login=conn.login, password=conn.password, host=conn.host, port=conn.port, extra=conn.extra_dejson
    )
