"""When a file was delivered, and the one order of deliveries the whole warehouse follows.

"The later delivery supersedes the earlier" must not depend on which worker happened to
load a file first, so the order comes from the delivery itself: the file's modification
time in the landing folder (a pull sets it to the moment it fetched the file), ties broken
by the path. ``delivery_key`` spells that order as one text that sorts the same way in
Python and in PostgreSQL (collation "C"): raw supersession, the dbt models that pick the
current row, the incremental models and ``trace`` all compare it and nothing else.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

# Microseconds since the epoch, zero-padded so that text order is time order (PostgreSQL
# keeps timestamps to the microsecond, so nothing finer could be stored anyway).
_WIDTH = 20
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


@dataclass(frozen=True)
class Delivery:
    path: Path
    micros: int

    @property
    def delivered_at(self) -> datetime:
        return _EPOCH + timedelta(microseconds=self.micros)

    @property
    def key(self) -> str:
        return delivery_key(self.micros, self.path)


def delivery_key(micros: int, path: Path | str) -> str:
    return f"{micros:0{_WIDTH}d}|{path}"


def micros_of_key(key: str) -> int:
    return int(key[:_WIDTH])


def delivery_of(path: Path) -> Delivery:
    """The delivery of the file at ``path`` as it lies in the landing folder (links not followed)."""
    return Delivery(path, path.lstat().st_mtime_ns // 1000)


def mark_delivered(path: Path, when: datetime) -> None:
    """Give a file the moment it was delivered (fetched by a pull, or re-loaded by a backfill)."""
    micros = (when - _EPOCH) // timedelta(microseconds=1)
    os.utime(path, ns=(micros * 1000, micros * 1000))
