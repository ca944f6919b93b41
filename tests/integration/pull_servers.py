"""Real servers on 127.0.0.1 for the pull tests: an export API, an SFTP drop, S3 (moto).

Nothing here mocks a transport: the pull code talks HTTP, SSH/SFTP and the S3 protocol
over loopback sockets to servers started by the tests themselves.
"""

from __future__ import annotations

import csv
import io
import json
import os
import posixpath
import socket
import threading
import time
from collections import deque
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import paramiko
import yaml

HOST = "127.0.0.1"
TOKEN = "tok-3e1b9c"  # what the test API accepts; tests check it never shows up in messages
CSV_HEADER = ["Cấp", "Tiếp nhận", "Đúng hạn", "Quá hạn"]


# --- HTTP: a provincial export API that misbehaves on demand -----------------------------


class ExportApi:
    """Serves rows per date window (keyed by the `from` date) in three API styles.

    ``/pages``  JSON ``{"data": [...]}``, page/page_size, bearer token required
    ``/cursor`` JSON ``{"items": [...], "meta": {"next": "c4"}}``, 2 rows a page
    ``/csv``    CSV with Vietnamese headers, offset/limit

    ``faults`` is consumed one entry per request: ``500``, ``retry-after:N`` (503 with
    Retry-After), ``slow:S`` (answer after S seconds), ``truncate`` (half the body, full
    Content-Length), ``bad-json`` (a JSON body cut short with a matching length).
    ``repeat_cursor`` makes /cursor send the same cursor forever.
    """

    def __init__(self) -> None:
        self.rows: dict[str, list[dict[str, Any]]] = {}
        self.faults: deque[str] = deque()
        self.requests: list[str] = []
        self.repeat_cursor = False
        self.lock = threading.Lock()
        api = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: object) -> None:
                pass

            def do_GET(self) -> None:  # noqa: N802 - http.server's naming
                api._handle(self)

        self.server = ThreadingHTTPServer((HOST, 0), Handler)
        self.server.daemon_threads = True
        self.thread = threading.Thread(target=self.server.serve_forever, args=(0.05,), daemon=True)

    @property
    def base(self) -> str:
        return f"http://{HOST}:{self.server.server_address[1]}"

    def start(self) -> ExportApi:
        self.thread.start()
        return self

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()

    def paths(self, prefix: str = "") -> list[str]:
        with self.lock:
            return [r for r in self.requests if r.startswith(prefix)]

    def _handle(self, h: BaseHTTPRequestHandler) -> None:
        parts = urlsplit(h.path)
        query = {k: v[0] for k, v in parse_qs(parts.query).items()}
        with self.lock:
            self.requests.append(h.path)
            fault = self.faults.popleft() if self.faults else None
        if fault == "500":
            return self._send(h, 500, b"boom", "text/plain")
        if fault and fault.startswith("retry-after:"):
            return self._send(h, 503, b"busy", "text/plain", {"Retry-After": fault.split(":")[1]})
        if fault and fault.startswith("slow:"):
            time.sleep(float(fault.split(":")[1]))
        if parts.path == "/pages" and h.headers.get("Authorization") != f"Bearer {TOKEN}":
            return self._send(h, 401, b'{"error":"unauthorized"}', "application/json")
        rows = self.rows.get(query.get("from", ""), [])
        extra: dict[str, str] = {}
        if parts.path == "/pages":
            page, size = int(query.get("page", 1)), int(query.get("page_size", 100))
            body = json.dumps({"data": rows[(page - 1) * size : page * size], "page": page}, ensure_ascii=False)
            content_type = "application/json"
        elif parts.path == "/cursor":
            start = int(query.get("cursor", "c0")[1:])
            following = start + 2 if start + 2 < len(rows) else None
            nxt = "c2" if self.repeat_cursor else (f"c{following}" if following is not None else None)
            body = json.dumps({"items": rows[start : start + 2], "meta": {"next": nxt}}, ensure_ascii=False)
            content_type = "application/json"
        elif parts.path == "/csv":
            offset, limit = int(query.get("offset", 0)), int(query.get("limit", 100))
            body = csv_text(rows[offset : offset + limit])
            content_type = "text/csv; charset=utf-8"
        else:
            return self._send(h, 404, b"no such export", "text/plain")
        data = body.encode("utf-8")
        if fault == "truncate":
            return self._send(h, 200, data, content_type, extra, cut=len(data) // 2)
        if fault == "bad-json":
            data = data[: len(data) // 2]
        self._send(h, 200, data, content_type, extra)

    @staticmethod
    def _send(
        h: BaseHTTPRequestHandler,
        status: int,
        data: bytes,
        content_type: str,
        headers: dict[str, str] | None = None,
        cut: int | None = None,
    ) -> None:
        try:
            h.send_response(status)
            h.send_header("Content-Type", content_type)
            h.send_header("Content-Length", str(len(data)))
            for key, value in (headers or {}).items():
                h.send_header(key, value)
            h.end_headers()
            h.wfile.write(data if cut is None else data[:cut])
            h.wfile.flush()
        except OSError:
            pass  # the client gave up (timeout test)
        h.close_connection = True


def csv_text(rows: list[dict[str, Any]]) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(CSV_HEADER)
    for row in rows:
        writer.writerow([row[c] for c in CSV_HEADER])
    return out.getvalue()


def summary_rows(*counts: tuple[str, int, int, int]) -> list[dict[str, Any]]:
    return [dict(zip(CSV_HEADER, c, strict=True)) for c in counts]


@contextmanager
def export_api() -> Iterator[ExportApi]:
    api = ExportApi().start()
    try:
        yield api
    finally:
        api.stop()


# --- SFTP: paramiko's server interface over a temporary folder ---------------------------


class _SshServer(paramiko.ServerInterface):
    def __init__(self, user: str, password: str) -> None:
        self.user, self.password = user, password

    def check_auth_password(self, username: str, password: str) -> int:
        ok = username == self.user and password == self.password
        return paramiko.AUTH_SUCCESSFUL if ok else paramiko.AUTH_FAILED

    def get_allowed_auths(self, username: str) -> str:
        return "password"

    def check_channel_request(self, kind: str, chanid: int) -> int:
        if kind == "session":
            return paramiko.OPEN_SUCCEEDED
        return paramiko.OPEN_FAILED_ADMINISTRATIVELY_PROHIBITED


class _Handle(paramiko.SFTPHandle):
    def stat(self) -> paramiko.SFTPAttributes:
        return paramiko.SFTPAttributes.from_stat(os.fstat(self.readfile.fileno()))


class _ReadOnlySftp(paramiko.SFTPServerInterface):
    def __init__(self, server: paramiko.ServerInterface, root: str, *args: Any, **kwargs: Any) -> None:
        super().__init__(server, *args, **kwargs)
        self.root = root

    def _real(self, path: str) -> str:
        clean = posixpath.normpath("/" + path).lstrip("/")
        return os.path.join(self.root, clean)

    def canonicalize(self, path: str) -> str:
        return posixpath.normpath("/" + path)

    def list_folder(self, path: str) -> list[paramiko.SFTPAttributes] | int:
        real = self._real(path)
        try:
            names = os.listdir(real)
        except OSError as exc:
            return paramiko.SFTPServer.convert_errno(exc.errno)
        out = []
        for name in names:
            attr = paramiko.SFTPAttributes.from_stat(os.stat(os.path.join(real, name)))
            attr.filename = name
            out.append(attr)
        return out

    def stat(self, path: str) -> paramiko.SFTPAttributes | int:
        try:
            return paramiko.SFTPAttributes.from_stat(os.stat(self._real(path)))
        except OSError as exc:
            return paramiko.SFTPServer.convert_errno(exc.errno)

    lstat = stat

    def open(self, path: str, flags: int, attr: paramiko.SFTPAttributes) -> paramiko.SFTPHandle | int:
        if flags & (os.O_WRONLY | os.O_RDWR):
            return paramiko.SFTP_PERMISSION_DENIED
        try:
            handle_file = open(self._real(path), "rb")  # noqa: SIM115 - owned by the handle
        except OSError as exc:
            return paramiko.SFTPServer.convert_errno(exc.errno)
        handle = _Handle(flags)
        handle.filename = self._real(path)
        handle.readfile = handle_file
        return handle


class SftpDrop:
    """An SFTP server on 127.0.0.1 serving ``root`` read-only to one user with a password."""

    def __init__(self, root: Path, user: str = "tinh40", password: str = "pw-9f2c") -> None:
        self.root, self.user, self.password = root, user, password
        self.host_key = paramiko.ECDSAKey.generate()
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.sock.bind((HOST, 0))
        self.sock.listen(16)
        self.sock.settimeout(0.2)
        self.port = self.sock.getsockname()[1]
        self._stop = threading.Event()
        self._transports: list[paramiko.Transport] = []
        self.thread = threading.Thread(target=self._accept, daemon=True)

    @property
    def fingerprint(self) -> str:
        from reform_etl.pull.sftp import fingerprint

        return fingerprint(self.host_key)

    def start(self) -> SftpDrop:
        self.thread.start()
        return self

    def _accept(self) -> None:
        while not self._stop.is_set():
            try:
                conn, _ = self.sock.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            transport = paramiko.Transport(conn)
            transport.add_server_key(self.host_key)
            transport.set_subsystem_handler("sftp", paramiko.SFTPServer, _ReadOnlySftp, str(self.root))
            try:
                transport.start_server(server=_SshServer(self.user, self.password))
            except (paramiko.SSHException, EOFError, OSError):
                continue
            self._transports.append(transport)

    def stop(self) -> None:
        self._stop.set()
        self.sock.close()
        for transport in self._transports:
            transport.close()
        self.thread.join(timeout=2)


@contextmanager
def sftp_drop(root: Path) -> Iterator[SftpDrop]:
    drop = SftpDrop(root).start()
    try:
        yield drop
    finally:
        drop.stop()


# --- S3: moto's server mode ------------------------------------------------------------


@contextmanager
def moto_s3() -> Iterator[str]:
    """A moto S3 server on 127.0.0.1 (random port); yields its endpoint URL."""
    from moto.server import ThreadedMotoServer

    server = ThreadedMotoServer(ip_address=HOST, port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    try:
        yield f"http://{host}:{port}"
    finally:
        server.stop()


def s3_client(endpoint: str) -> Any:
    import boto3

    return boto3.client(
        "s3",
        endpoint_url=endpoint,
        region_name="us-east-1",
        aws_access_key_id="test-key",
        aws_secret_access_key="test-secret",
    )


# --- registry files --------------------------------------------------------------------


def write_registry(path: Path, *sources: dict[str, Any]) -> Path:
    path.write_text(yaml.safe_dump({"sources": list(sources)}, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return path


def landing_files(landing: Path) -> dict[str, bytes]:
    """Relative path -> bytes of every landed file (the temporary folder excluded)."""
    return {
        str(p.relative_to(landing)): p.read_bytes()
        for p in sorted(landing.rglob("*"))
        if p.is_file() and not p.relative_to(landing).parts[0].startswith(".")
    }
