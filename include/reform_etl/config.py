"""Where things live and how the pipeline is tuned, read from the environment.

Every path defaults to a folder inside the project checkout so that a fresh clone works
without configuration and nothing leaks into the user's home directory.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

# include/reform_etl/config.py -> project root is two levels above the package.
# REFORM_PROJECT_ROOT points the library at another checkout of the dbt project and
# expectations (used by containers that mount them elsewhere, and by tests).
PROJECT_ROOT = Path(os.environ.get("REFORM_PROJECT_ROOT") or Path(__file__).resolve().parents[2]).resolve()


def _path_from_env(var: str, default: Path) -> Path:
    value = os.environ.get(var)
    return Path(value).expanduser().resolve() if value else default


@dataclass(frozen=True)
class Settings:
    project_root: Path = PROJECT_ROOT

    @cached_property
    def state_dir(self) -> Path:
        """Ignored, project-local folder for the embedded database, Airflow metadata, logs."""
        return _path_from_env("REFORM_STATE_DIR", self.project_root / ".state")

    @cached_property
    def landing_dir(self) -> Path:
        return _path_from_env("REFORM_LANDING_DIR", self.project_root / "data" / "landing")

    @cached_property
    def archive_dir(self) -> Path:
        return _path_from_env("REFORM_ARCHIVE_DIR", self.project_root / "data" / "archive")

    @cached_property
    def reports_dir(self) -> Path:
        return _path_from_env("REFORM_REPORTS_DIR", self.project_root / "reports")

    @property
    def dbt_project_dir(self) -> Path:
        return self.project_root / "dbt_project"

    @property
    def expectations_dir(self) -> Path:
        return self.project_root / "expectations"

    @property
    def dags_dir(self) -> Path:
        return self.project_root / "dags"

    @property
    def reject_share_limit(self) -> float:
        """A file with more than this share of rejected rows is rejected whole (contract §5)."""
        return float(os.environ.get("REFORM_MAX_REJECTED_SHARE", "0.2"))

    @property
    def max_file_bytes(self) -> int:
        """Files larger than this are rejected unread (a runaway export or a hostile upload)."""
        return int(os.environ.get("REFORM_MAX_FILE_BYTES", str(2 << 30)))

    @property
    def max_unzipped_bytes(self) -> int:
        """An XLSX that would expand beyond this is refused before it is opened (zip bombs)."""
        return int(os.environ.get("REFORM_MAX_UNZIPPED_BYTES", str(512 << 20)))

    @property
    def failure_notifiers(self) -> list[dict[str, object]]:
        """Extra Airflow notifiers for failed tasks: ``REFORM_FAILURE_NOTIFIERS``, a JSON list of
        ``{"class": "package.module.Notifier", "args": {...}}`` (empty: only the project's own)."""
        raw = os.environ.get("REFORM_FAILURE_NOTIFIERS", "").strip()
        if not raw:
            return []
        value = json.loads(raw)
        if not isinstance(value, list) or not all(isinstance(item, dict) for item in value):
            raise ValueError('REFORM_FAILURE_NOTIFIERS must be a JSON list of {"class": ..., "args": {...}} objects')
        return value

    @property
    def dbt_role(self) -> str | None:
        """Role dbt switches to after logging in (``REFORM_DBT_ROLE``, empty: the login user's own)."""
        return os.environ.get("REFORM_DBT_ROLE", "reform_transformer").strip() or None

    @property
    def warehouse_url(self) -> str | None:
        """An existing PostgreSQL given by the operator; None means use the embedded one."""
        return os.environ.get("WAREHOUSE_URL") or None


def settings() -> Settings:
    # Built on each call so tests that change the environment see the change.
    return Settings()
