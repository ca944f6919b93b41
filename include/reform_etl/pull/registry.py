"""The source registry: which provincial exports to pull, from where, how often, as whom.

``sources.yml`` holds one entry per source. It is validated as a whole on load and every
problem is reported at once, each naming the entry and the field, because an operator
fixing a registry wants the full list, not one error per attempt. Secrets never live in
the registry: an entry names an Airflow connection id or environment variable *names*,
and an entry that carries a password, token or key inline is rejected.
"""

from __future__ import annotations

import csv
import difflib
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import yaml

from .. import kinds
from ..config import settings
from ..periods import Period, parse_period, period_from_label
from ..values import ValueProblem

PACKAGE_SOURCES_FILE = Path(__file__).with_name("sources.yml")
SOURCES_FILE_ENV = "REFORM_SOURCES_FILE"

TRANSPORTS = ("http", "sftp", "s3")
GRANULARITIES = ("month", "quarter", "half", "year")

# Airflow's presets, so a source's schedule reads like a DAG's.
PRESETS = {
    "@hourly": "0 * * * *",
    "@daily": "0 0 * * *",
    "@weekly": "0 0 * * 0",
    "@monthly": "0 0 1 * *",
    "@quarterly": "0 0 1 */3 *",
    "@yearly": "0 0 1 1 *",
    "@annually": "0 0 1 1 *",
    "@once": "@once",
}

# Keys that hold a secret wherever they appear in an entry (compared lower-cased, with
# '-' read as '_'). The value under such a key would end up in git and in logs.
SECRET_KEYS = frozenset(
    {
        "password",
        "passwd",
        "pass",
        "pwd",
        "secret",
        "token",
        "access_token",
        "api_key",
        "apikey",
        "api_token",
        "bearer",
        "authorization",
        "private_key",
        "passphrase",
        "secret_key",
        "secret_access_key",
        "aws_secret_access_key",
        "access_key_id",
        "aws_access_key_id",
        "session_token",
        "client_secret",
        "x_api_key",
    }
)

# What an entry may ask for from the environment (field -> the variable holding it).
ENV_FIELDS = (
    "username",
    "password",
    "token",
    "private_key",
    "private_key_file",
    "passphrase",
    "access_key_id",
    "secret_access_key",
    "session_token",
)
_ENV_NAME = re.compile(r"[A-Z_][A-Z0-9_]*")
_SOURCE_ID = re.compile(r"[a-z][a-z0-9-]{1,62}")
_PERIOD_MODES = ("from_name", "content")


class RegistryError(ValueError):
    """The registry file is missing, unreadable or has invalid entries (all listed)."""

    def __init__(self, path: Path | str, problems: list[str]) -> None:
        self.path = str(path)
        self.problems = problems
        count = f"{len(problems)} problem{'s' if len(problems) != 1 else ''}"
        super().__init__(f"source registry {path}: {count}:\n  - " + "\n  - ".join(problems))


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


def default_sources_file() -> Path | None:
    """``$REFORM_SOURCES_FILE`` when set, else ``sources.yml`` beside this module if present.

    The shipped ``sources.example.yml`` is never loaded by default.
    """
    given = settings().sources_file
    if given:
        return given
    return PACKAGE_SOURCES_FILE if PACKAGE_SOURCES_FILE.is_file() else None


def load_registry(path: Path | str | None = None) -> Registry:
    """Read and validate a registry file; :class:`RegistryError` lists every problem."""
    chosen = Path(path) if path is not None else default_sources_file()
    if chosen is None:
        return Registry(None, ())
    try:
        text = chosen.read_text(encoding="utf-8")
    except OSError as exc:
        raise RegistryError(chosen, [f"cannot read the file: {exc.strerror or exc}"]) from exc
    try:
        document = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise RegistryError(chosen, [f"not valid YAML: {exc}"]) from exc
    return parse_registry(document, path=chosen)


def parse_registry(document: Any, *, path: Path | str = "<registry>") -> Registry:
    problems: list[str] = []
    if document is None:
        return Registry(Path(path), ())
    if not isinstance(document, dict) or "sources" not in document:
        raise RegistryError(path, ["the top level must be a mapping with a 'sources:' list"])
    top = _Fields(document, "the top level", problems)
    defaults = top.mapping("defaults") or {}
    entries = top.take("sources")
    top.finish()
    for name in defaults:
        if name not in ("schedule", "expect_data"):
            problems.append(f"defaults: field {name!r}: unknown; defaults may give schedule and expect_data")
    if not isinstance(entries, list):
        raise RegistryError(path, ["'sources' must be a list of entries"])
    sources: list[Source] = []
    seen: dict[str, int] = {}
    for number, entry in enumerate(entries, start=1):
        source = _parse_source(entry, number, defaults, problems)
        if source is None:
            continue
        if source.id in seen:
            problems.append(
                f"source {source.id!r} (entry #{number}): the id is already used by entry #{seen[source.id]}"
            )
            continue
        seen[source.id] = number
        sources.append(source)
    if problems:
        raise RegistryError(path, problems)
    return Registry(Path(path), tuple(sources))


# --- entries ---------------------------------------------------------------------------


def _parse_source(entry: Any, number: int, defaults: Mapping[str, Any], problems: list[str]) -> Source | None:
    if not isinstance(entry, dict):
        problems.append(f"entry #{number}: must be a mapping (id, province, kind, transport, ...)")
        return None
    raw_id = entry.get("id")
    where = f"source {raw_id!r} (entry #{number})" if isinstance(raw_id, str) else f"entry #{number}"
    before = len(problems)
    _reject_inline_secrets(entry, where, problems, trail="")
    merged = {**{k: v for k, v in defaults.items() if k in ("schedule", "expect_data")}, **entry}
    f = _Fields(merged, where, problems)
    source_id = f.string("id", required=True, pattern=_SOURCE_ID, hint="lower-case letters, digits and '-'")
    province = _province(f)
    kind = f.string("kind", required=True, choices=tuple(kinds.KINDS))
    transport = f.string("transport", required=True, choices=TRANSPORTS)
    schedule = _schedule(f)
    expect_data = f.boolean("expect_data", default=True)
    description = f.string("description", default="") or ""
    credentials = _credentials(f)
    options: TransportOptions | None = None
    for name in TRANSPORTS:
        block = f.mapping(name)
        if block is None:
            continue
        if name != transport:
            problems.append(f"{where}: field {name!r}: options for transport {name!r} but transport is {transport!r}")
            continue
        options = _OPTION_PARSERS[name](_Fields(block, where, problems, prefix=f"{name}."))
    if transport and options is None and not any(f"field {transport!r}" in p for p in problems[before:]):
        problems.append(f"{where}: field {transport!r}: missing: a {transport} source needs its options there")
    f.finish()
    if len(problems) > before or options is None:
        return None
    if not (source_id and province and kind and transport and schedule):
        return None  # each missing field added its problem above
    return Source(
        id=source_id,
        province=province,
        kind=kind,
        transport=transport,
        schedule=schedule,
        options=options,
        credentials=credentials,
        expect_data=bool(expect_data),
        description=description,
    )


@cache
def _province_codes() -> frozenset[str]:
    reference = Path(__file__).resolve().parents[1] / "reference"
    codes: set[str] = set()
    for name, column in (("provinces_63.csv", "code"), ("provinces_34.csv", "new_code")):
        with (reference / name).open(encoding="utf-8-sig", newline="") as handle:
            codes.update(row[column].strip() for row in csv.DictReader(handle))
    return frozenset(codes)


def _province(f: _Fields) -> str | None:
    value = f.take("province")
    if value is None:
        f.problem("province", "missing: give the two-digit GSO code (e.g. '40') or 'VN' for a national source")
        return None
    text = str(value).strip()
    if text.upper() == "VN":
        return "VN"
    if re.fullmatch(r"\d{1,2}", text) and text.zfill(2) in _province_codes():
        return text.zfill(2)
    f.problem("province", f"{value!r} is not a GSO province code (01..96) nor 'VN'")
    return None


def _schedule(f: _Fields) -> str | None:
    value = f.take("schedule")
    if value is None:
        f.problem("schedule", "missing: a cron expression ('0 6 * * *') or a preset (@daily, @monthly, ...)")
        return None
    text = str(value).strip()
    if text.startswith("@"):
        if text in PRESETS:
            return PRESETS[text]
        f.problem("schedule", f"unknown preset {text!r}; use one of {', '.join(PRESETS)}")
        return None
    from croniter import croniter

    if not croniter.is_valid(text) or len(text.split()) != 5:
        f.problem("schedule", f"{text!r} is not a 5-field cron expression (minute hour day month weekday)")
        return None
    return text


def _credentials(f: _Fields) -> CredentialRef:
    block = f.mapping("credentials")
    if block is None:
        return CredentialRef()
    c = _Fields(block, f.where, f.problems, prefix="credentials.")
    conn_id = c.string("conn_id", pattern=re.compile(r"[A-Za-z0-9_.-]+"))
    env_block = c.mapping("env")
    c.finish()
    env: dict[str, str] = {}
    for name, variable in (env_block or {}).items():
        if name not in ENV_FIELDS:
            c.problem(f"env.{name}", f"unknown credential field; use {', '.join(ENV_FIELDS)}")
        elif not isinstance(variable, str) or not _ENV_NAME.fullmatch(variable):
            # Never echo the value: it may be the secret itself pasted by mistake.
            c.problem(
                f"env.{name}",
                "must be the NAME of an environment variable (upper-case letters, digits, '_'), not the secret itself",
            )
        else:
            env[name] = variable
    if conn_id and env:
        c.problem("conn_id", "give either an Airflow connection id or environment variables, not both")
    return CredentialRef(conn_id=conn_id, env=env)


def _reject_inline_secrets(value: Any, where: str, problems: list[str], *, trail: str) -> None:
    """A secret-looking key with a value anywhere in the entry, or a password inside a URL."""
    if isinstance(value, dict):
        for key, inner in value.items():
            path = f"{trail}{key}"
            if path == "credentials.env":
                continue  # names of variables, checked separately
            normalised = str(key).lower().replace("-", "_")
            if normalised in SECRET_KEYS and inner not in (None, ""):
                problems.append(
                    f"{where}: field {path!r}: a secret written inline in the registry; remove it and give "
                    "'credentials: {conn_id: <Airflow connection>}' or 'credentials: {env: {...: ENV_VAR_NAME}}'"
                )
                continue
            _reject_inline_secrets(inner, where, problems, trail=f"{path}.")
    elif isinstance(value, list):
        for index, inner in enumerate(value):
            _reject_inline_secrets(inner, where, problems, trail=f"{trail}{index}.")
    elif isinstance(value, str) and "://" in value:
        try:
            has_password = urlsplit(value).password is not None
        except ValueError:
            has_password = False
        if has_password:
            problems.append(
                f"{where}: field {trail.rstrip('.')!r}: the URL carries a password; remove it from the URL and "
                "give the credentials through 'credentials:'"
            )


# --- transport options -----------------------------------------------------------------


def _http(f: _Fields) -> HttpOptions | None:
    url = f.string("url", required=True)
    if url and urlsplit(url).scheme not in ("http", "https"):
        f.problem("url", "must start with http:// or https://")
    window = _window(f)
    pagination = _pagination(f)
    options = HttpOptions(
        url=url or "",
        # A placeholder when the window is invalid: its problem is reported and no source is made.
        window=window or Window("month", period_from_label("2000-01")),
        format=f.string("format", default="json", choices=("json", "csv")) or "json",
        records=f.string("records"),
        auth=f.string("auth", default="none", choices=("none", "bearer", "header", "basic")) or "none",
        token_header=f.string("token_header", default="Authorization") or "Authorization",
        params=f.string_map("params"),
        headers=f.string_map("headers"),
        pagination=pagination or Pagination(),
        timeout_seconds=f.number("timeout_seconds", default=30.0, minimum=0.1, maximum=3600),
        retries=int(f.number("retries", default=4, minimum=0, maximum=20, integer=True)),
        backoff_seconds=f.number("backoff_seconds", default=1.0, minimum=0, maximum=600),
        max_backoff_seconds=f.number("max_backoff_seconds", default=60.0, minimum=0, maximum=3600),
        max_retry_after_seconds=f.number("max_retry_after_seconds", default=300.0, minimum=0, maximum=86400),
        verify_tls=_verify(f),
    )
    if options.format == "csv" and options.pagination.style == "cursor" and not options.pagination.next_cursor_header:
        f.problem("pagination.next_cursor_header", "a CSV body has no JSON cursor: name the header carrying it")
    f.finish()
    return options if window is not None else None


def _window(f: _Fields) -> Window | None:
    block = f.mapping("window")
    if block is None:
        f.problem("window", "missing: HTTP sources pull by date window, e.g. {granularity: month, start: 2024-01}")
        return None
    w = _Fields(block, f.where, f.problems, prefix=f"{f.prefix}window.")
    granularity = w.string("granularity", required=True, choices=GRANULARITIES)
    start_raw = w.take("start")
    start: Period | None = None
    if start_raw is None:
        w.problem("start", "missing: the first period to pull, e.g. 2024-01, 2024-Q1, 2024-H1 or 2024")
    else:
        try:
            start = parse_period(str(start_raw))
        except ValueProblem as exc:
            w.problem("start", str(exc))
        if start is not None and granularity and start.grain != granularity:
            w.problem("start", f"{start.label!r} is a {start.grain}, but the windows are {granularity}s")
            start = None
    window = Window(
        granularity=granularity or "month",
        start=start or period_from_label("2000-01"),
        from_param=w.string("from_param", default="from") or "from",
        to_param=w.string("to_param", default="to") or "to",
        date_format=w.string("date_format", default="%Y-%m-%d") or "%Y-%m-%d",
        lag_days=int(w.number("lag_days", default=0, minimum=0, maximum=366, integer=True)),
        to_inclusive=bool(w.boolean("to_inclusive", default=True)),
    )
    w.finish()
    return window if granularity and start else None


def _pagination(f: _Fields) -> Pagination | None:
    block = f.mapping("pagination")
    if block is None:
        return Pagination()
    p = _Fields(block, f.where, f.problems, prefix=f"{f.prefix}pagination.")
    style = p.string("style", required=True, choices=("none", "page", "offset", "cursor"))
    pagination = Pagination(
        style=style or "none",
        page_param=p.string("page_param", default="page") or "page",
        first_page=int(p.number("first_page", default=1, minimum=0, maximum=1, integer=True)),
        size_param=p.string("size_param", default="page_size") or "page_size",
        size=int(p.number("size", default=500, minimum=1, maximum=1_000_000, integer=True)),
        offset_param=p.string("offset_param", default="offset") or "offset",
        limit_param=p.string("limit_param", default="limit") or "limit",
        cursor_param=p.string("cursor_param", default="cursor") or "cursor",
        next_cursor=p.string("next_cursor", default="next_cursor") or "next_cursor",
        next_cursor_header=p.string("next_cursor_header"),
        max_pages=int(p.number("max_pages", default=10_000, minimum=1, maximum=10_000_000, integer=True)),
    )
    p.finish()
    return pagination if style else None


def _sftp(f: _Fields) -> SftpOptions | None:
    path = f.string("path", required=True)
    keys = f.take("host_key")
    host_keys: tuple[str, ...] = ()
    if keys is not None:
        listed = keys if isinstance(keys, list) else [keys]
        if all(isinstance(k, str) and k.startswith("SHA256:") for k in listed):
            host_keys = tuple(listed)
        else:
            f.problem("host_key", "must be a SHA256 fingerprint ('SHA256:…', as ssh-keygen -lf prints) or a list")
    known_hosts = f.string("known_hosts")
    if not host_keys and not known_hosts:
        f.problem(
            "host_key",
            "missing: pin the server's key with host_key: 'SHA256:…' (ssh-keyscan -p PORT HOST | ssh-keygen -lf -) "
            "or give known_hosts: <file>; unknown host keys are never accepted",
        )
    options = SftpOptions(
        path=path or "",
        host=f.string("host"),
        port=int(f.number("port", default=22, minimum=1, maximum=65535, integer=True)),
        pattern=f.string("pattern", default="*") or "*",
        recursive=bool(f.boolean("recursive", default=False)),
        host_keys=host_keys,
        known_hosts=known_hosts,
        stable_seconds=f.number("stable_seconds", default=30.0, minimum=0, maximum=3600),
        timeout_seconds=f.number("timeout_seconds", default=30.0, minimum=0.1, maximum=3600),
        period=_period_mode(f),
    )
    f.finish()
    return options if path else None


def _s3(f: _Fields) -> S3Options | None:
    bucket = f.string("bucket", required=True, pattern=re.compile(r"[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]"))
    endpoint = f.string("endpoint_url")
    if endpoint and urlsplit(endpoint).scheme not in ("http", "https"):
        f.problem("endpoint_url", "must start with http:// or https://")
    options = S3Options(
        bucket=bucket or "",
        prefix=f.string("prefix", default="") or "",
        pattern=f.string("pattern", default="*") or "*",
        endpoint_url=endpoint,
        region=f.string("region", default="us-east-1") or "us-east-1",
        addressing_style=f.string("addressing_style", default="path", choices=("path", "virtual", "auto")) or "path",
        timeout_seconds=f.number("timeout_seconds", default=30.0, minimum=0.1, maximum=3600),
        period=_period_mode(f),
        verify_tls=_verify(f),
    )
    f.finish()
    return options if bucket else None


def _period_mode(f: _Fields) -> str:
    value = f.take("period")
    if value is None:
        return "from_name"
    text = str(value).strip()
    if text in _PERIOD_MODES:
        return text
    try:
        period = parse_period(text)
    except ValueProblem as exc:
        period = None
        reason = str(exc)
    else:
        reason = "not a period"
    if period is None:
        f.problem("period", f"{value!r}: {reason}; use from_name, content, or a period like 2024-H1")
        return "from_name"
    return period.label


def _verify(f: _Fields) -> bool | str:
    value = f.take("verify_tls")
    if value is None:
        return True
    if isinstance(value, bool | str):
        return value
    f.problem("verify_tls", "must be true, false, or the path of a CA bundle")
    return True


_OPTION_PARSERS = {"http": _http, "sftp": _sftp, "s3": _s3}


# --- field access with error collection ------------------------------------------------


class _Fields:
    """Reads typed fields from one mapping and records every problem with its location."""

    def __init__(self, data: Mapping[str, Any], where: str, problems: list[str], *, prefix: str = "") -> None:
        self.data = dict(data)
        self.where = where
        self.problems = problems
        self.prefix = prefix
        self.used: set[str] = set()

    def problem(self, name: str, message: str) -> None:
        self.problems.append(f"{self.where}: field {self.prefix + name!r}: {message}")

    def take(self, name: str) -> Any:
        self.used.add(name)
        return self.data.get(name)

    def string(
        self,
        name: str,
        *,
        required: bool = False,
        default: str | None = None,
        choices: tuple[str, ...] | None = None,
        pattern: re.Pattern[str] | None = None,
        hint: str = "",
    ) -> str | None:
        value = self.take(name)
        if value is None or value == "":
            if required:
                self.problem(name, "missing" + (f": one of {', '.join(choices)}" if choices else ""))
            return default
        if isinstance(value, int | float) and not isinstance(value, bool):
            value = str(value)
        if not isinstance(value, str):
            self.problem(name, f"must be text, got {type(value).__name__}")
            return default
        if choices and value not in choices:
            close = difflib.get_close_matches(value, choices, n=1)
            suggestion = f" (did you mean {close[0]!r}?)" if close else ""
            self.problem(name, f"{value!r} is not one of {', '.join(choices)}{suggestion}")
            return default
        if pattern and not pattern.fullmatch(value):
            self.problem(name, f"{value!r} is not valid" + (f": {hint}" if hint else ""))
            return default
        return value

    def number(
        self,
        name: str,
        *,
        default: float,
        minimum: float,
        maximum: float,
        integer: bool = False,
    ) -> float:
        value = self.take(name)
        if value is None:
            return default
        if isinstance(value, bool) or not isinstance(value, int | float) or (integer and not isinstance(value, int)):
            self.problem(name, f"must be {'a whole number' if integer else 'a number'}, got {value!r}")
            return default
        if not minimum <= value <= maximum:
            self.problem(name, f"{value} is outside {minimum:g}..{maximum:g}")
            return default
        return value

    def boolean(self, name: str, *, default: bool) -> bool:
        value = self.take(name)
        if value is None:
            return default
        if not isinstance(value, bool):
            self.problem(name, f"must be true or false, got {value!r}")
            return default
        return value

    def mapping(self, name: str) -> dict[str, Any] | None:
        value = self.take(name)
        if value is None:
            return None
        if not isinstance(value, dict):
            self.problem(name, f"must be a mapping, got {type(value).__name__}")
            return None
        return value

    def string_map(self, name: str) -> dict[str, str]:
        value = self.mapping(name)
        if not value:
            return {}
        out: dict[str, str] = {}
        for key, inner in value.items():
            if isinstance(inner, bool) or not isinstance(inner, str | int | float):
                self.problem(f"{name}.{key}", "must be text or a number")
                continue
            out[str(key)] = str(inner)
        return out

    def finish(self) -> None:
        """Unknown fields are errors: a typo would otherwise silently fall back to a default."""
        for name in self.data:
            if name in self.used:
                continue
            close = difflib.get_close_matches(str(name), sorted(self.used), n=1)
            suggestion = f" (did you mean {close[0]!r}?)" if close else ""
            self.problem(str(name), f"unknown field{suggestion}")
