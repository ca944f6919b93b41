"""Where things live and how the pipeline is tuned, read from the environment.

Every path defaults to a folder inside the project checkout so that a fresh clone works
without configuration and nothing leaks into the user's home directory.
"""

from __future__ import annotations

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
    def self_score_excess_points(self) -> float:
        """A PAR field self-assessed this many points or more above its appraisal is flagged in the
        data-quality report (provinces' self-scores run high; a small excess is ordinary)."""
        return float(os.environ.get("REFORM_SELF_SCORE_EXCESS_POINTS", "2"))

    @property
    def warehouse_url(self) -> str | None:
        """An existing PostgreSQL given by the operator; None means use the embedded one."""
        return os.environ.get("WAREHOUSE_URL") or None


def settings() -> Settings:
    # Built on each call so tests that change the environment see the change.
    return Settings()
