"""Read a delivered file once: its SHA-256 and its archive copy come out of the same pass.

The ingest used to read each file for its hash, then again to copy it into the archive
(and a third time to parse it). ``stage`` streams the file into a staging file inside the
archive folder while hashing it; the caller then knows the digest, decides (already judged,
duplicate, or a new delivery), and either ``keep``s the staged copy, which becomes the
archive copy by an atomic rename on the same file system, or lets it be discarded.

The archive layout is the ingest's: ``<archive>/<digest[:2]>/<digest><suffix>``, read-only.
"""

from __future__ import annotations

import hashlib
import os
import tempfile
from pathlib import Path
from types import TracebackType

BLOCK = 1 << 20


def archive_target(archive_dir: Path, path: Path, digest: str) -> Path:
    """Where the bytes of ``path`` with this digest are kept (the suffix says how to read them)."""
    return archive_dir / digest[:2] / f"{digest}{''.join(path.suffixes[-1:]).lower()}"


class StagedCopy:
    """The hash of a delivered file and a staged copy of its bytes, waiting to be kept or dropped.

    Used as a context manager: a copy neither kept nor discarded by the end is discarded, so
    a refused file or an exception leaves no staging file behind.
    """

    def __init__(self, source: Path, archive_dir: Path, digest: str, staged: Path, size: int) -> None:
        self.source = source
        self.archive_dir = archive_dir
        self.digest = digest
        self.size = size
        self._staged: Path | None = staged

    @property
    def target(self) -> Path:
        return archive_target(self.archive_dir, self.source, self.digest)

    def keep(self) -> Path:
        """Make the staged bytes the archive copy; an existing copy of the same bytes is left as it is."""
        target = self.target
        if self._staged is None:
            if not target.exists():
                raise RuntimeError(f"the staged copy of {self.source} was already discarded")
            return target
        if target.exists():
            self.discard()
            return target
        target.parent.mkdir(parents=True, exist_ok=True)
        self._staged.chmod(0o444)
        os.replace(self._staged, target)
        self._staged = None
        return target

    def discard(self) -> None:
        if self._staged is not None:
            self._staged.unlink(missing_ok=True)
            self._staged = None

    def __enter__(self) -> StagedCopy:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.discard()


def stage(path: Path, archive_dir: Path) -> StagedCopy:
    """Read ``path`` once: hash it and write its bytes to a staging file in ``archive_dir``."""
    staging = archive_dir / ".staging"
    staging.mkdir(parents=True, exist_ok=True)
    digest = hashlib.sha256()
    size = 0
    handle, name = tempfile.mkstemp(prefix="copy-", suffix=".part", dir=staging)
    try:
        with os.fdopen(handle, "wb") as out, path.open("rb") as source:
            # readinto one reused buffer: no new bytes object per block.
            buffer = bytearray(BLOCK)
            view = memoryview(buffer)
            while n := source.readinto(buffer):
                digest.update(view[:n])
                out.write(view[:n])
                size += n
    except BaseException:
        Path(name).unlink(missing_ok=True)
        raise
    return StagedCopy(path, archive_dir, digest.hexdigest(), Path(name), size)
