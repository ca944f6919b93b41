"""Read: a delivered file before any row is typed.

A file may be refused without reading its bytes (a link, too large); otherwise it is
opened as a :class:`~reform_etl.readers.SourceTable` by the reader for its format, and its
name says what it can about the delivery's province, period and index.
"""

from __future__ import annotations

from pathlib import Path

from .. import kinds as k
from .. import values as v
from ..config import settings
from ..periods import identity_from_filename
from ..readers import SourceTable, UnreadableFile, open_table
from .types import FileIdentityHint

__all__ = ["SourceTable", "UnreadableFile", "identity_hint", "open_table", "refuse_unread"]


def refuse_unread(path: Path) -> str | None:
    """Reasons to refuse a file without reading its bytes."""
    if path.is_symlink():
        return (
            f"{path.name}: is a symbolic link; copy the file itself into the landing folder "
            "(links are not followed, so nothing outside the landing folder is ever read)"
        )
    size = path.stat().st_size
    limit = settings().max_file_bytes
    if size > limit:
        return (
            f"{path.name}: is {size / 2**20:,.0f} MB, larger than the {limit / 2**20:,.0f} MB limit for one delivery; "
            "split it by month or province (or raise REFORM_MAX_FILE_BYTES)"
        )
    return None


def identity_hint(path: Path, kind: k.Kind) -> FileIdentityHint:
    """What the file name says about the delivery (``40_2024-H1_....csv``, ``..._PAR_...``)."""
    identity = identity_from_filename(path.name)
    hint = FileIdentityHint(province_token=identity.province_token, period=identity.period)
    if kind.name == k.INDEX_SCORES.name:
        if identity.period is not None:
            hint.year = identity.period.start.year
        for token in path.stem.replace("-", "_").split("_")[2:]:
            try:
                hint.index_code = v.parse_index_code(token)
            except v.ValueProblem:
                continue
            if hint.index_code:
                break
    return hint
