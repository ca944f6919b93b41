"""The ``http:``, ``sftp:`` and ``s3:`` blocks of a registry entry, read into their options records.

Each reader records its problems through :class:`.registry_fields.Fields` and returns
``None`` when the block cannot make a source.
"""

from __future__ import annotations

import re
from urllib.parse import urlsplit

from ..periods import Period, parse_period, period_from_label
from ..values import ValueProblem
from .registry_fields import Fields
from .source_definitions import HttpOptions, Pagination, S3Options, SftpOptions, Window

GRANULARITIES = ("month", "quarter", "half", "year")
_PERIOD_MODES = ("from_name", "content")


def _http(f: Fields) -> HttpOptions | None:
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


def _window(f: Fields) -> Window | None:
    block = f.mapping("window")
    if block is None:
        f.problem("window", "missing: HTTP sources pull by date window, e.g. {granularity: month, start: 2024-01}")
        return None
    w = Fields(block, f.where, f.problems, prefix=f"{f.prefix}window.")
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


def _pagination(f: Fields) -> Pagination | None:
    block = f.mapping("pagination")
    if block is None:
        return Pagination()
    p = Fields(block, f.where, f.problems, prefix=f"{f.prefix}pagination.")
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


def _sftp(f: Fields) -> SftpOptions | None:
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


def _s3(f: Fields) -> S3Options | None:
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


def _period_mode(f: Fields) -> str:
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


def _verify(f: Fields) -> bool | str:
    value = f.take("verify_tls")
    if value is None:
        return True
    if isinstance(value, bool | str):
        return value
    f.problem("verify_tls", "must be true, false, or the path of a CA bundle")
    return True


OPTION_PARSERS = {"http": _http, "sftp": _sftp, "s3": _s3}
