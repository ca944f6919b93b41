"""A provincial SFTP drop folder: pick up files the office finished uploading.

A file is new when its name, size and modification time are not in the watermark (a
re-upload under the same name is a new delivery). A file is taken only when it is
finished: names of uploads in progress (``*.part``, ``*.tmp``, dot files...) are skipped,
and the size and mtime must be the same in two listings ``stable_seconds`` apart. The
file is checked again after the download; if it changed meanwhile it is left for the
next pull. The server's host key must match a pinned fingerprint or a known_hosts file:
an unknown key is never accepted.
"""

from __future__ import annotations

import base64
import fnmatch
import hashlib
import io
import logging
import posixpath
import socket
import stat
import time
from collections.abc import Callable
from datetime import datetime
from pathlib import Path

import paramiko

from .base import (
    Fetched,
    Item,
    NotReady,
    PullError,
    Transport,
    copy_mark,
    is_in_progress,
    period_of_remote,
    remote_ext,
    remote_suffix,
)
from .credentials import Secrets
from .registry import SftpOptions, Source
from .state import Watermark

log = logging.getLogger(__name__)


def fingerprint(key: paramiko.PKey) -> str:
    """OpenSSH's SHA256 fingerprint, as ``ssh-keygen -lf`` prints it."""
    return "SHA256:" + base64.b64encode(hashlib.sha256(key.asbytes()).digest()).decode().rstrip("=")


class SftpTransport(Transport):
    def __init__(
        self,
        source: Source,
        secrets: Secrets,
        *,
        now: datetime | None = None,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        super().__init__(source, secrets)
        if not isinstance(source.options, SftpOptions):
            raise TypeError(f"{source.describe()}: an SFTP transport needs SFTP options")
        self.opts: SftpOptions = source.options
        self.sleep = sleep
        host = self.opts.host or secrets.host
        if not host:
            raise PullError(f"{source.describe()}: no host: set sftp.host in the registry or the connection's host")
        self.host: str = host
        self.port = self.opts.port if self.opts.host or not secrets.port else secrets.port
        self._ssh: paramiko.Transport | None = None
        self._sftp: paramiko.SFTPClient | None = None

    @property
    def where(self) -> str:
        return f"sftp://{self.host}:{self.port}{self.opts.path}"

    # --- connection --------------------------------------------------------------------

    def _client(self) -> paramiko.SFTPClient:
        if self._sftp is not None:
            return self._sftp
        timeout = self.opts.timeout_seconds
        try:
            sock = socket.create_connection((self.host, self.port), timeout=timeout)
        except OSError as exc:
            raise PullError(
                f"{self.source.describe()}: cannot connect to {self.where}: {exc.strerror or exc}; "
                "check host/port and that this machine may reach the province's server"
            ) from None
        ssh = paramiko.Transport(sock)
        ssh.banner_timeout = timeout
        ssh.auth_timeout = timeout
        self._ssh = ssh
        try:
            ssh.start_client(timeout=timeout)
            self._check_host_key(ssh.get_remote_server_key())
            self._login(ssh)
            sftp = paramiko.SFTPClient.from_transport(ssh)
        except paramiko.AuthenticationException:
            raise PullError(
                f"{self.source.describe()}: {self.where} refused the login of user {self.secrets.username!r}; "
                f"check the {self.source.credentials.describe()}"
            ) from None
        except (paramiko.SSHException, OSError, EOFError) as exc:
            raise PullError(f"{self.source.describe()}: SSH with {self.where} failed: {exc}") from None
        channel = sftp.get_channel() if sftp is not None else None
        if sftp is None or channel is None:
            raise PullError(f"{self.source.describe()}: {self.where} opened no SFTP session")
        channel.settimeout(timeout)
        self._sftp = sftp
        return sftp

    def _check_host_key(self, key: paramiko.PKey) -> None:
        seen = fingerprint(key)
        if seen in self.opts.host_keys:
            return
        if self.opts.known_hosts:
            try:
                known = paramiko.HostKeys(self.opts.known_hosts)
            except OSError as exc:
                raise PullError(
                    f"{self.source.describe()}: cannot read known_hosts {self.opts.known_hosts}: {exc}"
                ) from None
            name = self.host if self.port == 22 else f"[{self.host}]:{self.port}"
            entry = known.lookup(name)
            if entry is not None and entry.get(key.get_name()) == key:
                return
        raise PullError(
            f"{self.source.describe()}: the host key of {self.host}:{self.port} is {seen}, which is not the pinned "
            "one: someone may be intercepting the connection. If the province changed its server key, confirm the "
            "new fingerprint with them and update sftp.host_key"
        )

    def _login(self, ssh: paramiko.Transport) -> None:
        user = self.secrets.username
        if not user:
            raise PullError(f"{self.source.describe()}: no user name in the {self.source.credentials.describe()}")
        pkey = self._private_key()
        if pkey is not None:
            ssh.auth_publickey(user, pkey)
        elif self.secrets.password:
            ssh.auth_password(user, self.secrets.password)
        else:
            raise PullError(
                f"{self.source.describe()}: neither a password nor a private key in the "
                f"{self.source.credentials.describe()}"
            )

    def _private_key(self) -> paramiko.PKey | None:
        passphrase = self.secrets.passphrase
        if self.secrets.private_key_file:
            return paramiko.PKey.from_path(self.secrets.private_key_file, passphrase)
        if self.secrets.private_key:
            for kind in (paramiko.Ed25519Key, paramiko.ECDSAKey, paramiko.RSAKey):
                try:
                    return kind.from_private_key(io.StringIO(self.secrets.private_key), passphrase)
                except paramiko.SSHException:
                    continue
            raise PullError(f"{self.source.describe()}: the private key given is not an Ed25519, ECDSA or RSA key")
        return None

    def close(self) -> None:
        if self._sftp is not None:
            self._sftp.close()
        if self._ssh is not None:
            self._ssh.close()

    # --- listing -------------------------------------------------------------------------

    def _listing(self) -> dict[str, tuple[int, int]]:
        """Relative path -> (size, mtime) of the finished-looking regular files."""
        sftp = self._client()
        found: dict[str, tuple[int, int]] = {}
        pending = [""]
        while pending:
            relative = pending.pop()
            folder = posixpath.join(self.opts.path, relative) if relative else self.opts.path
            try:
                entries = sftp.listdir_attr(folder)
            except OSError as exc:
                raise PullError(
                    f"{self.source.describe()}: cannot list sftp://{self.host}:{self.port}{folder}: {exc}; "
                    "check sftp.path and the account's permissions"
                ) from None
            for entry in entries:
                name = entry.filename
                path = posixpath.join(relative, name) if relative else name
                mode = entry.st_mode or 0
                if stat.S_ISDIR(mode):
                    if self.opts.recursive and not name.startswith("."):
                        pending.append(path)
                    continue
                if not stat.S_ISREG(mode) or is_in_progress(name) or not fnmatch.fnmatch(name, self.opts.pattern):
                    continue
                found[path] = (int(entry.st_size or 0), int(entry.st_mtime or 0))
        return found

    def list_new(self, state: Watermark) -> list[Item]:
        first = {k: v for k, v in self._listing().items() if state.seen.get(k) != _version(*v)}
        if not first:
            return []
        if self.opts.stable_seconds > 0:
            self.sleep(self.opts.stable_seconds)
            second = self._listing()
            moving = sorted(k for k, v in first.items() if second.get(k) != v)
            for key in moving:
                first.pop(key)
            if moving:
                self.notes.append(f"still being written, left for the next pull: {', '.join(moving)}")
        items = []
        for key, (size, mtime) in sorted(first.items(), key=lambda kv: (kv[1][1], kv[0])):
            try:
                period = period_of_remote(self.source, key, self.opts.period)
            except PullError as exc:
                self.problems.append(str(exc))
                continue
            version = _version(size, mtime)
            items.append(
                Item(
                    key=key,
                    version=version,
                    period=period,
                    suffix=remote_suffix(key, version),
                    ext=remote_ext(key),
                    size=size,
                    meta={"mtime": mtime},
                )
            )
        return items

    def describe_remote(self, item: Item) -> str:
        return f"sftp://{self.host}:{self.port}{posixpath.join(self.opts.path, item.key)}"

    # --- fetching ------------------------------------------------------------------------

    def fetch(self, item: Item, dest_tmp: Path) -> Fetched:
        sftp = self._client()
        remote = posixpath.join(self.opts.path, item.key)
        try:
            with dest_tmp.open("wb") as handle:
                sftp.getfo(remote, handle)
            after = sftp.stat(remote)
        except FileNotFoundError:
            raise NotReady(f"{item.key} disappeared before it could be fetched") from None
        except (OSError, paramiko.SSHException) as exc:
            raise PullError(
                f"{self.source.describe()}: downloading {self.describe_remote(item)} failed: {exc}"
            ) from None
        got = dest_tmp.stat().st_size
        if (int(after.st_size or 0), int(after.st_mtime or 0)) != (item.size, item.meta["mtime"]) or got != item.size:
            raise NotReady(f"{item.key} changed while it was downloaded (still being written?)")
        return Fetched(dest_tmp, None)

    def advance(self, state: Watermark, item: Item, fetched: Fetched) -> Watermark:
        mark = copy_mark(state)
        mark.seen[item.key] = item.version
        return mark


def _version(size: int, mtime: int) -> str:
    return f"{size}:{mtime}"
