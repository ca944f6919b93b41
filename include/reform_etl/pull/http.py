"""Provincial HTTP(S) APIs serving JSON or CSV, pulled one reporting period at a time.

Each closed period after the watermark is one date window (``from``/``to`` parameters);
inside a window the API is paged (page number, offset, or cursor) and every page with
rows becomes one landing file ``<province>_<period>_<source>_pNNNN.<ext>``. The watermark
stores the position inside an unfinished window, so a pull killed after page 3 resumes
at page 4; once the last page is recorded the window end becomes the new watermark.

Every call has a deadline covering connect, headers and body. 5xx, 408, 429, timeouts,
dropped connections, bodies shorter than their Content-Length and unparsable JSON are
retried with exponential back-off, waiting what ``Retry-After`` asks for when the server
says; other 4xx are not retried (asking again will not fix a wrong token).
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import logging
import random
import time
from collections.abc import Callable, Mapping
from datetime import UTC, datetime, timedelta, timezone
from email.utils import parsedate_to_datetime
from pathlib import Path
from typing import Any

import requests

from ..periods import Period, period_containing, period_from_label
from ..warehouse import redact
from .base import Fetched, Item, PullError, Transport, copy_mark
from .credentials import Secrets
from .registry import HttpOptions, Source
from .state import Watermark

log = logging.getLogger(__name__)

# Periods close at midnight in Vietnam, not in UTC.
VIETNAM = timezone(timedelta(hours=7), "ICT")
RETRYABLE_STATUS = frozenset({408, 425, 429, 500, 502, 503, 504, 507, 509, 520, 521, 522, 523, 524})
CHUNK = 1 << 16

_ADVICE = {
    401: "the credentials were refused: check the source's Airflow connection / environment variables",
    403: "access is forbidden: ask the province to grant this account access to the export",
    404: "the address does not exist: check the source's url and parameters",
}


class _Retryable(Exception):
    def __init__(self, problem: str, retry_after: float | None = None) -> None:
        super().__init__(problem)
        self.retry_after = retry_after


class HttpTransport(Transport):
    nothing_new_is_empty = False  # no closed window yet is normal, not a silent province

    def __init__(
        self,
        source: Source,
        secrets: Secrets,
        *,
        now: datetime | None = None,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        super().__init__(source, secrets)
        if not isinstance(source.options, HttpOptions):
            raise TypeError(f"{source.describe()}: an HTTP transport needs HTTP options")
        self.opts: HttpOptions = source.options
        self.today = (now or datetime.now(UTC)).astimezone(VIETNAM).date()
        self.sleep = sleep
        self.session = requests.Session()
        self.session.verify = self.opts.verify_tls
        self.session.headers.update({"Accept": "application/json" if self.opts.format == "json" else "text/csv"})
        self.session.headers.update(self.opts.headers)
        self._authenticate()
        self._cursors_seen: dict[str, set[str]] = {}
        self._last_page: dict[str, str] = {}

    def _authenticate(self) -> None:
        auth = self.opts.auth
        if auth == "none":
            return
        if auth == "basic":
            if not (self.secrets.username and self.secrets.password):
                raise PullError(
                    f"{self.source.describe()}: basic auth needs a username and a password; "
                    f"the {self.source.credentials.describe()} gave none"
                )
            self.session.auth = (self.secrets.username, self.secrets.password)
            return
        token = self.secrets.token or self.secrets.password
        if not token:
            raise PullError(
                f"{self.source.describe()}: auth '{auth}' needs a token; "
                f"the {self.source.credentials.describe()} gave none"
            )
        header = self.opts.token_header
        value = f"Bearer {token}" if auth == "bearer" and header.lower() == "authorization" else token
        self.session.headers[header] = value

    def close(self) -> None:
        self.session.close()

    # --- listing -------------------------------------------------------------------------

    def pending_windows(self, state: Watermark) -> list[Period]:
        window = self.opts.window
        if state.last_window_end is None:
            current = window.start
        else:
            current = period_containing(state.last_window_end + timedelta(days=1), window.granularity)
        pending = []
        # Only closed periods: a half-filled month pulled today would be a wrong figure tomorrow.
        while current.end + timedelta(days=window.lag_days) < self.today:
            pending.append(current)
            current = period_containing(current.end + timedelta(days=1), window.granularity)
        return pending

    def list_new(self, state: Watermark) -> list[Item]:
        items = []
        for number, window in enumerate(self.pending_windows(state)):
            resume = (
                state.cursor if number == 0 and state.cursor and state.cursor.get("window") == window.label else None
            )
            if resume:
                items.append(self._page(window, int(resume["page"]), resume.get("token")))
            else:
                items.append(self._page(window, 1, self._first_token()))
        return items

    def _first_token(self) -> Any:
        p = self.opts.pagination
        return {"page": p.first_page, "offset": 0}.get(p.style)

    def _page(self, window: Period, page: int, token: Any) -> Item:
        return Item(
            key=f"{window.label}#p{page}",
            version=json.dumps(token),
            period=window.label,
            suffix=f"p{page:04d}",
            ext=".json" if self.opts.format == "json" else ".csv",
            meta={"window": window.label, "page": page, "token": token},
        )

    def describe_remote(self, item: Item) -> str:
        return redact(self._prepared_url(item))

    # --- fetching ------------------------------------------------------------------------

    def _params(self, item: Item) -> dict[str, str]:
        window = period_from_label(item.meta["window"])
        w = self.opts.window
        until = window.end if w.to_inclusive else window.end + timedelta(days=1)
        params = dict(self.opts.params)
        params[w.from_param] = window.start.strftime(w.date_format)
        params[w.to_param] = until.strftime(w.date_format)
        p = self.opts.pagination
        token = item.meta["token"]
        if p.style == "page":
            params[p.page_param] = str(token)
            params[p.size_param] = str(p.size)
        elif p.style == "offset":
            params[p.offset_param] = str(token)
            params[p.limit_param] = str(p.size)
        elif p.style == "cursor" and token:
            params[p.cursor_param] = str(token)
        return params

    def _prepared_url(self, item: Item) -> str:
        return requests.Request("GET", self.opts.url, params=self._params(item)).prepare().url or self.opts.url

    def fetch(self, item: Item, dest_tmp: Path) -> Fetched:
        url = self._prepared_url(item)
        body, headers, document = self._get(url, item)
        p = self.opts.pagination
        if self.opts.format == "json":
            rows = self._records(document, url)
            count = len(rows)
            payload = json.dumps(rows, ensure_ascii=False).encode("utf-8") if count else b""
            cursor = _dig(document, p.next_cursor) if p.style == "cursor" and not p.next_cursor_header else None
        else:
            count = _csv_rows(body)
            payload = body
            cursor = None
        if p.style == "cursor" and p.next_cursor_header:
            cursor = headers.get(p.next_cursor_header)
        if p.style in ("page", "offset") and count:
            # A server that ignores the page parameter would otherwise be paged until max_pages.
            digest = hashlib.sha256(payload).hexdigest()
            if self._last_page.get(item.meta["window"]) == digest:
                raise PullError(
                    f"{self.source.describe()}: {redact(url)} returned the same rows as the previous page; "
                    f"the API seems to ignore the '{p.page_param if p.style == 'page' else p.offset_param}' "
                    "parameter: check pagination in the registry"
                )
            self._last_page[item.meta["window"]] = digest
        next_item = self._next(item, count, cursor, url)
        if count == 0 and item.meta["page"] == 1:
            self.notes.append(f"{item.meta['window']}: the API returned no records")
        if count == 0:
            return Fetched(None, 0, next_item)
        dest_tmp.write_bytes(payload)
        return Fetched(dest_tmp, count, next_item)

    def _next(self, item: Item, count: int, cursor: Any, url: str) -> Item | None:
        p = self.opts.pagination
        window = period_from_label(item.meta["window"])
        page = item.meta["page"]
        if p.style == "none" or count == 0:
            return None
        if p.style in ("page", "offset"):
            if count < p.size:
                return None
            token = item.meta["token"] + (1 if p.style == "page" else p.size)
        else:
            if cursor in (None, "") or not isinstance(cursor, str | int):
                return None
            token = str(cursor)
            seen = self._cursors_seen.setdefault(window.label, set())
            if item.meta["token"] is not None:
                seen.add(str(item.meta["token"]))
            if token in seen:
                raise PullError(
                    f"{self.source.describe()}: the API sent the cursor {token!r} again at {redact(url)} "
                    f"(window {window.label}, page {page}); stopping instead of looping. The pages fetched so far "
                    "are kept; report the fault to the province's API owner"
                )
        if page >= p.max_pages:
            raise PullError(
                f"{self.source.describe()}: more than {p.max_pages} pages in window {window.label} at {redact(url)}; "
                "raise pagination.max_pages if that is real, otherwise the API is not ending its pages"
            )
        return self._page(window, page + 1, token)

    def _records(self, document: Any, url: str) -> list[Any]:
        path = self.opts.records
        if path:
            rows = _dig(document, path)
        elif isinstance(document, list):
            rows = document
        elif isinstance(document, dict):
            rows = next((document[k] for k in ("data", "items", "records", "results") if k in document), None)
        else:
            rows = None
        if not isinstance(rows, list):
            # Never read "no rows here" as an empty window: the watermark would skip real data.
            where = f"'{path}'" if path else "the body, 'data', 'items', 'records' or 'results'"
            keys = f" (its keys: {', '.join(map(str, list(document)[:10]))})" if isinstance(document, dict) else ""
            raise PullError(
                f"{self.source.describe()}: the answer of {redact(url)} has no list of rows at {where}{keys}; "
                "set http.records to the path of the rows in the JSON"
            )
        return rows

    # --- one GET with retries --------------------------------------------------------------

    def _get(self, url: str, item: Item) -> tuple[bytes, Mapping[str, str], Any]:
        opts = self.opts
        attempts = opts.retries + 1
        for attempt in range(1, attempts + 1):
            try:
                return self._attempt(url)
            except _Retryable as exc:
                if attempt == attempts:
                    raise PullError(
                        f"{self.source.describe()}: GET {redact(url)} failed {attempts} times, last: {exc}. "
                        "The province's server may be down or overloaded; the next pull resumes at window "
                        f"{item.meta['window']} page {item.meta['page']}"
                    ) from None
                delay = min(opts.max_backoff_seconds, opts.backoff_seconds * 2 ** (attempt - 1))
                delay *= 1 + random.random() / 10  # noqa: S311 - jitter de-synchronises the 63 provinces' retries
                if exc.retry_after is not None:
                    if exc.retry_after > opts.max_retry_after_seconds:
                        raise PullError(
                            f"{self.source.describe()}: GET {redact(url)}: the server asks to retry after "
                            f"{exc.retry_after:.0f}s (more than max_retry_after_seconds="
                            f"{opts.max_retry_after_seconds:.0f}); the next scheduled pull will try again"
                        ) from None
                    delay = exc.retry_after
                log.warning(
                    "%s: GET %s: %s; retry %d/%d in %.1fs",
                    self.source.id,
                    redact(url),
                    exc,
                    attempt,
                    attempts - 1,
                    delay,
                )
                self.sleep(delay)
        raise AssertionError("unreachable")

    def _attempt(self, url: str) -> tuple[bytes, Mapping[str, str], Any]:
        timeout = self.opts.timeout_seconds
        deadline = time.monotonic() + timeout
        try:
            response = self.session.get(url, timeout=(min(timeout, 10.0), timeout), stream=True)
        except requests.Timeout:
            raise _Retryable(f"no answer within {timeout:g}s") from None
        except requests.RequestException as exc:
            raise _Retryable(f"connection failed ({type(exc).__name__})") from None
        with response:
            status = response.status_code
            if status in RETRYABLE_STATUS:
                raise _Retryable(f"HTTP {status}", _retry_after(response.headers.get("Retry-After")))
            if status >= 400:
                advice = _ADVICE.get(status, "check the source's url and parameters")
                raise PullError(
                    f"{self.source.describe()}: GET {redact(url)} answered HTTP {status} {response.reason}: {advice}"
                )
            body = self._read_body(response, deadline)
            headers = response.headers
        document = None
        if self.opts.format == "json":
            try:
                document = json.loads(body.decode("utf-8-sig"))
            except (UnicodeDecodeError, json.JSONDecodeError) as exc:
                raise _Retryable(f"the body is not valid JSON ({exc.__class__.__name__}: cut short?)") from None
        return body, headers, document

    def _read_body(self, response: requests.Response, deadline: float) -> bytes:
        buffer = io.BytesIO()
        try:
            for chunk in response.iter_content(CHUNK):
                buffer.write(chunk)
                if time.monotonic() > deadline:
                    raise _Retryable(f"the body did not arrive within {self.opts.timeout_seconds:g}s")
        except requests.RequestException as exc:
            # urllib3 raises here when the connection closes before Content-Length bytes.
            raise _Retryable(f"the body was cut short ({type(exc).__name__})") from None
        body = buffer.getvalue()
        expected = response.headers.get("Content-Length")
        if expected and expected.isdigit() and not response.headers.get("Content-Encoding"):
            if len(body) != int(expected):
                raise _Retryable(f"the body has {len(body)} bytes, Content-Length said {expected}")
        return body

    # --- watermark ---------------------------------------------------------------------------

    def advance(self, state: Watermark, item: Item, fetched: Fetched) -> Watermark:
        if fetched.next_item is not None:
            nxt = fetched.next_item
            return copy_mark(
                state, cursor={"window": nxt.meta["window"], "page": nxt.meta["page"], "token": nxt.meta["token"]}
            )
        window = period_from_label(item.meta["window"])
        return copy_mark(state, last_window_end=window.end, cursor=None)


def _retry_after(value: str | None) -> float | None:
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - datetime.now(UTC)).total_seconds())


def _dig(document: Any, path: str) -> Any:
    current = document
    for part in path.split("."):
        if isinstance(current, dict):
            current = current.get(part)
        else:
            return None
    return current


def _csv_rows(body: bytes) -> int:
    """Data rows of a CSV page (the header is not a row); only used to know when paging ends."""
    text = body.decode("utf-8-sig", errors="replace")
    try:
        dialect = csv.Sniffer().sniff(text[:4096], delimiters=",;\t")
    except csv.Error:
        dialect = csv.excel
    rows = [r for r in csv.reader(io.StringIO(text), dialect) if any(cell.strip() for cell in r)]
    return max(0, len(rows) - 1)
