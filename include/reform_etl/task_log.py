"""The logger of Airflow task code, and the form of a line about one file.

Task code logs through ``airflow.task``, the logger of Airflow's own task messages, so its
lines reach the task's log with a level and the logger's name, and a deployment's logging
settings apply to them. A line about a file names the file's path and province, so that
searching a run's logs for either finds every line about that file.
"""

from __future__ import annotations

import logging
from collections.abc import MutableMapping
from pathlib import Path
from typing import Any

log = logging.getLogger("airflow.task")


class FileLog(logging.LoggerAdapter[logging.Logger]):
    """``log`` for lines about one file: each starts with ``<path> (province <code>):``."""

    def __init__(self, path: str | Path, province: str | None) -> None:
        super().__init__(log, {"path": str(path), "province": province or "unknown"})

    def process(self, msg: Any, kwargs: MutableMapping[str, Any]) -> tuple[Any, MutableMapping[str, Any]]:
        extra = self.extra or {}
        return f"{extra['path']} (province {extra['province']}): {msg}", kwargs
