"""What every stage of the load hands on: a row's rejection or warning, the file's identity
hint, and the refusal of a whole file. Both the row path and the bulk path use these."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ..periods import Period


class FileRejected(Exception):
    """The whole file is refused; str(e) says why, naming values and where they came from."""

    # The normaliser that had read rows when the file was refused, so that those rows are
    # still accounted for as rejected, each with its own reason.
    normaliser: Any = None


@dataclass(frozen=True)
class Rejection:
    source_row: int | None
    column: str | None
    raw_value: str | None
    reason: str


@dataclass(frozen=True)
class RowWarning:
    source_row: int | None
    column: str | None
    raw_value: str | None
    rule: str
    message: str


@dataclass
class FileIdentityHint:
    """What the file name (or the caller) says about the delivery."""

    province_token: str | None = None
    period: Period | None = None
    index_code: str | None = None
    year: int | None = None


def cell_text(raw: object) -> str | None:
    """A raw cell as stored beside a rejection or warning: text, at most 500 characters."""
    if raw is None:
        return None
    text = raw if isinstance(raw, str) else str(raw)
    return text[:500]
