"""What every transport provides, and how a fetched file reaches the landing folder.

A transport lists what is new since the watermark (:meth:`Transport.list_new`), fetches
one item into a temporary file (:meth:`Transport.fetch`) and says how the watermark moves
once that item is recorded (:meth:`Transport.advance`). The runner does the rest, the
same way for every transport: atomic placement, then the fetch record and the watermark
in one transaction.

Landing names are ``<province>_<period>_<source-id>_<suffix>.<ext>`` and are a pure
function of the item, so fetching the same item twice (after a crash) yields the same
name and replaces the file instead of adding a second copy.
"""

from __future__ import annotations

import hashlib
import os
import re
import unicodedata
from abc import ABC, abstractmethod
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from pathlib import Path, PurePosixPath
from typing import Any

from ..delivery import mark_delivered
from ..folding import fold_vietnamese
from ..periods import identity_from_filename
from ..values import ValueProblem
from .credentials import Secrets
from .registry import Source
from .state import Watermark

TMP_DIR = ".pulling"  # under the landing folder: same filesystem, and ingest skips dot folders
IN_PROGRESS_SUFFIXES = (".part", ".tmp", ".filepart", ".partial", ".crdownload", ".uploading", "~")
UNDATED = "undated"  # period token when the file's own content has to say its period


class PullError(RuntimeError):
    """A pull failed in a way a person must look at; the message says what and what to do."""


class NotReady(Exception):
    """The item changed while being fetched (still being written): skip it, take it next time."""


@dataclass(frozen=True)
class Item:
    key: str  # remote identity: window+page, SFTP path, S3 key (never with credentials)
    version: str  # what makes this delivery distinct: page token, "size:mtime", ETag
    period: str | None  # canonical period label, or None when the content says it
    suffix: str  # the deterministic last part of the landing name
    ext: str  # ".csv", ".json", ...
    size: int | None = None
    meta: dict[str, Any] = field(default_factory=dict, compare=False)


@dataclass(frozen=True)
class Fetched:
    path: Path | None  # the temporary file, or None when the item held no rows (nothing to place)
    records: int | None = None
    # Pagination: the page after this one, known only once this one is read.
    next_item: Item | None = None


class Transport(ABC):
    # Whether "nothing new" on a due pull means the province sent nothing (SFTP, S3), as
    # opposed to "no window has closed yet" (HTTP), which is not worth a warning.
    nothing_new_is_empty = True

    def __init__(self, source: Source, secrets: Secrets) -> None:
        self.source = source
        self.secrets = secrets
        # Per-item faults that fail the pull once the other items are fetched.
        self.problems: list[str] = []
        # Things worth telling in the result without failing it (a file still being written).
        self.notes: list[str] = []

    @abstractmethod
    def list_new(self, state: Watermark) -> list[Item]:
        """Items not yet fetched, oldest first."""

    @abstractmethod
    def fetch(self, item: Item, dest_tmp: Path) -> Fetched:
        """Write the item's bytes to ``dest_tmp`` (or report it empty)."""

    @abstractmethod
    def advance(self, state: Watermark, item: Item, fetched: Fetched) -> Watermark:
        """The watermark once ``item`` is recorded (a new object; ``state`` is not modified)."""

    def describe_remote(self, item: Item) -> str:
        """Where the item came from, for the fetch log and messages (no credentials)."""
        return item.key

    def close(self) -> None:  # noqa: B027 - optional hook
        """Release connections."""

    def __enter__(self) -> Transport:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def copy_mark(mark: Watermark, **changes: Any) -> Watermark:
    return replace(mark, seen=dict(mark.seen), **changes)


def landing_name(source: Source, item: Item) -> str:
    period = item.period or UNDATED
    return f"{source.province}_{period}_{source.id}_{item.suffix}{item.ext}"


def safe_token(text: str, *, limit: int = 60) -> str:
    """ASCII, lower-case, '-' separated: safe in file names and free of the '_' separator."""
    # NFKD also spells out compatibility characters (ligatures, full-width letters) before
    # anything still outside ASCII is dropped.
    folded = unicodedata.normalize("NFKD", fold_vietnamese(text))
    ascii_text = folded.encode("ascii", "ignore").decode("ascii").lower()
    token = re.sub(r"[^a-z0-9]+", "-", ascii_text).strip("-")
    return token[:limit].strip("-") or "file"


def remote_suffix(key: str, version: str) -> str:
    """Original name (readable) plus a short hash of key and version (unique per delivery)."""
    stem = PurePosixPath(key).name
    stem = stem.rsplit(".", 1)[0] if "." in stem else stem
    digest = hashlib.sha256(f"{key}\0{version}".encode()).hexdigest()[:8]
    return f"{safe_token(stem)}-{digest}"


def remote_ext(key: str) -> str:
    suffix = PurePosixPath(key).suffix.lower()
    return suffix if re.fullmatch(r"\.[a-z0-9]{1,6}", suffix) else ".bin"


def is_in_progress(name: str) -> bool:
    lowered = name.lower()
    return name.startswith(".") or lowered.endswith(IN_PROGRESS_SUFFIXES)


def period_of_remote(source: Source, name: str, mode: str) -> str | None:
    """The period a remote file holds: from its name, fixed by the registry, or left to its content."""
    if mode == "content":
        return None
    if mode != "from_name":
        return mode  # a fixed period label given in the registry
    try:
        identity = identity_from_filename(PurePosixPath(name).name)
    except ValueProblem as exc:
        raise PullError(f"{source.describe()}: {exc}") from None
    if identity.period is None:
        raise PullError(
            f"{source.describe()}: the remote file {name!r} does not say its period; ask the province to name "
            "files <province>_<period>_….<ext> (period 2024, 2024-H1, 2024-Q3 or 2024-07), or set "
            "'period: <label>' on the source for a folder holding one period, or 'period: content' when the "
            "files carry province and period columns"
        )
    token = identity.province_token or ""
    if source.province != "VN" and token.upper() != "VN" and token.zfill(2) != source.province:
        raise PullError(
            f"{source.describe()}: the remote file {name!r} is named for province {token}, not {source.province}; "
            "check the source's path/prefix (one province per source)"
        )
    return identity.period.label


def place(tmp: Path, landing: Path, kind: str, name: str) -> Path:
    """Move a finished temporary file into ``landing/<kind>/name`` atomically and durably."""
    folder = landing / kind
    folder.mkdir(parents=True, exist_ok=True)
    # The moment of fetching is the delivery time that orders this file among the others.
    mark_delivered(tmp, datetime.now(UTC))
    with tmp.open("rb") as handle:
        os.fsync(handle.fileno())
    target = folder / name
    os.replace(tmp, target)  # atomic on one filesystem: ingest never sees half a file
    _fsync_dir(folder)
    return target


def _fsync_dir(folder: Path) -> None:
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def tmp_dir(landing: Path, source_id: str) -> Path:
    folder = landing / TMP_DIR / source_id
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def clear_tmp(landing: Path, source_id: str) -> None:
    """Partial downloads of a pull that died; never placed, so safe to drop."""
    folder = landing / TMP_DIR / source_id
    if folder.is_dir():
        for leftover in folder.iterdir():
            if leftover.is_file():
                leftover.unlink(missing_ok=True)
