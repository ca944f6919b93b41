"""The source registry: which provincial exports to pull, from where, how often, as whom.

``sources.yml`` holds one entry per source. It is validated as a whole on load and every
problem is reported at once, each naming the entry and the field, because an operator
fixing a registry wants the full list, not one error per attempt. Secrets never live in
the registry: an entry names an Airflow connection id or environment variable *names*,
and an entry that carries a password, token or key inline is rejected.
"""

from __future__ import annotations

import csv
import re
from collections.abc import Mapping
from functools import cache
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import yaml

from .. import kinds
from ..config import settings
from .registry_fields import Fields
from .source_definitions import (
    CredentialRef,
    HttpOptions,
    Pagination,
    Registry,
    S3Options,
    SftpOptions,
    Source,
    TransportOptions,
    Window,
)
from .transport_options import GRANULARITIES, OPTION_PARSERS

# The records and the option readers live in their own modules; callers keep importing them from here.
__all__ = [
    "ENV_FIELDS",
    "GRANULARITIES",
    "PACKAGE_SOURCES_FILE",
    "PRESETS",
    "SECRET_KEYS",
    "SOURCES_FILE_ENV",
    "TRANSPORTS",
    "CredentialRef",
    "HttpOptions",
    "Pagination",
    "Registry",
    "RegistryError",
    "S3Options",
    "SftpOptions",
    "Source",
    "TransportOptions",
    "Window",
    "default_sources_file",
    "load_registry",
    "parse_registry",
]

PACKAGE_SOURCES_FILE = Path(__file__).with_name("sources.yml")
SOURCES_FILE_ENV = "REFORM_SOURCES_FILE"

TRANSPORTS = ("http", "sftp", "s3")

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


class RegistryError(ValueError):
    """The registry file is missing, unreadable or has invalid entries (all listed)."""

    def __init__(self, path: Path | str, problems: list[str]) -> None:
        self.path = str(path)
        self.problems = problems
        count = f"{len(problems)} problem{'s' if len(problems) != 1 else ''}"
        super().__init__(f"source registry {path}: {count}:\n  - " + "\n  - ".join(problems))


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
    top = Fields(document, "the top level", problems)
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
    f = Fields(merged, where, problems)
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
        options = OPTION_PARSERS[name](Fields(block, where, problems, prefix=f"{name}."))
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


def _province(f: Fields) -> str | None:
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


def _schedule(f: Fields) -> str | None:
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


def _credentials(f: Fields) -> CredentialRef:
    block = f.mapping("credentials")
    if block is None:
        return CredentialRef()
    c = Fields(block, f.where, f.problems, prefix="credentials.")
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
