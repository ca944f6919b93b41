"""What a registered source is: its transport's options, its credentials reference, the registry of them.

Plain frozen records; :mod:`.registry` builds them from ``sources.yml`` after checking every
field, and the transports read them.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from ..periods import Period


@dataclass(frozen=True)
class CredentialRef:
    """Where a source's secrets come from: an Airflow connection, or environment variables."""

    conn_id: str | None = None
    env: Mapping[str, str] = field(default_factory=dict)  # field -> ENV VARIABLE NAME

    def describe(self) -> str:
        if self.conn_id:
            return f"Airflow connection {self.conn_id!r}"
        if self.env:
            return "environment variables " + ", ".join(sorted(self.env.values()))
        return "no credentials"


@dataclass(frozen=True)
class Window:
    """Date windows for incremental HTTP pulls: one reporting period per window."""

    granularity: str
    start: Period
    from_param: str = "from"
    to_param: str = "to"
    date_format: str = "%Y-%m-%d"
    # Days to wait after a window closes before asking for it (provinces publish late).
    lag_days: int = 0
    # False: `to` is the first day after the window (half-open), as some APIs expect.
    to_inclusive: bool = True


@dataclass(frozen=True)
class Pagination:
    style: str = "none"  # none | page | offset | cursor
    page_param: str = "page"
    first_page: int = 1
    size_param: str = "page_size"
    size: int = 500
    offset_param: str = "offset"
    limit_param: str = "limit"
    cursor_param: str = "cursor"
    next_cursor: str = "next_cursor"  # dotted path in a JSON body
    next_cursor_header: str | None = None  # or a response header (CSV bodies)
    max_pages: int = 10_000


@dataclass(frozen=True)
class HttpOptions:
    url: str
    window: Window
    format: str = "json"  # json | csv
    records: str | None = None  # dotted path to the rows in a JSON body; None: the body, data or items
    auth: str = "none"  # none | bearer | header | basic
    token_header: str = "Authorization"  # noqa: S105 - the name of a header, not a secret
    params: Mapping[str, str] = field(default_factory=dict)
    headers: Mapping[str, str] = field(default_factory=dict)
    pagination: Pagination = field(default_factory=Pagination)
    timeout_seconds: float = 30.0
    retries: int = 4
    backoff_seconds: float = 1.0
    max_backoff_seconds: float = 60.0
    max_retry_after_seconds: float = 300.0
    verify_tls: bool | str = True


@dataclass(frozen=True)
class SftpOptions:
    path: str
    host: str | None = None
    port: int = 22
    pattern: str = "*"
    recursive: bool = False
    host_keys: tuple[str, ...] = ()  # "SHA256:..." fingerprints
    known_hosts: str | None = None
    stable_seconds: float = 30.0
    timeout_seconds: float = 30.0
    period: str = "from_name"


@dataclass(frozen=True)
class S3Options:
    bucket: str
    prefix: str = ""
    pattern: str = "*"
    endpoint_url: str | None = None
    region: str = "us-east-1"
    addressing_style: str = "path"
    timeout_seconds: float = 30.0
    period: str = "from_name"
    verify_tls: bool | str = True


TransportOptions = HttpOptions | SftpOptions | S3Options


@dataclass(frozen=True)
class Source:
    id: str
    province: str  # two-digit GSO code or "VN"
    kind: str
    transport: str
    schedule: str  # a cron expression, or "@once"
    options: TransportOptions
    credentials: CredentialRef = field(default_factory=CredentialRef)
    expect_data: bool = True
    description: str = ""

    def describe(self) -> str:
        return f"source {self.id!r} ({self.transport}, {self.kind}, province {self.province})"


@dataclass(frozen=True)
class Registry:
    path: Path | None
    sources: tuple[Source, ...]

    def get(self, source_id: str) -> Source:
        for source in self.sources:
            if source.id == source_id:
                return source
        known = ", ".join(s.id for s in self.sources) or "none"
        raise KeyError(f"no source {source_id!r} in {self.path} (registered: {known})")

    def select(self, only: list[str] | tuple[str, ...] | None) -> list[Source]:
        if not only:
            return list(self.sources)
        return [self.get(source_id) for source_id in only]
