"""Every setting of the project: read from the environment and validated here, once.

Each setting is one environment variable, named in full below (``REFORM_*`` and
``WAREHOUSE_URL``) so that a search for the name lands here. Every path defaults to a
folder inside the project checkout so that a fresh clone works without configuration and
nothing leaks into the user's home directory. A value the project cannot use raises
:class:`SettingsError`, whose message names the variable, the value and what is allowed;
the command line turns it into exit code 2 before any work starts.
"""

from __future__ import annotations

import json
import os
import re
from functools import lru_cache
from pathlib import Path
from typing import Annotated, Any, Literal
from urllib.parse import urlsplit, urlunsplit

from pydantic import ByteSize, Field, SecretStr, ValidationError, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

# The folder that holds the package's own checkout (include/reform_etl -> two levels up).
_CHECKOUT = Path(__file__).resolve().parents[2]
# Where, as root, the embedded PostgreSQL keeps what its service user must reach.
DEFAULT_PG_RUNTIME_DIR = Path("/var/lib/reform-etl")
LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL")
_SCHEDULE_OFF = frozenset({"none", "off"})


class SettingsError(ValueError):
    """Environment variables whose values cannot be used; ``str()`` explains each one."""

    def __init__(self, problems: list[str]) -> None:
        self.problems = problems
        super().__init__("\n".join(problems))


def setting(variable: str, allowed: str, *, secret: bool = False, **field: Any) -> Any:
    """A field read from ``variable``; ``allowed`` is what the error message and docs promise."""
    return Field(validation_alias=variable, json_schema_extra={"allowed": allowed, "secret": secret}, **field)


def _default_project_root() -> Path:
    # A pip-installed package has no checkout around it: then the current folder is the project.
    return _CHECKOUT if (_CHECKOUT / "dbt_project").is_dir() else Path.cwd().resolve()


class Settings(BaseSettings):
    """The effective settings; build it with :func:`settings`, which validates and caches."""

    model_config = SettingsConfigDict(frozen=True, case_sensitive=True, env_ignore_empty=True, extra="ignore")

    # -- where things live --------------------------------------------------------------
    project_root: Path = setting(
        "REFORM_PROJECT_ROOT",
        "an existing folder holding dbt_project/, expectations/ and dags/",
        default_factory=_default_project_root,
        description="The checkout whose dbt project, expectations and DAGs are used",
    )
    state_dir: Path = setting(
        "REFORM_STATE_DIR",
        "a folder path (created when missing)",
        default_factory=lambda data: data["project_root"] / ".state",
        description="Embedded PostgreSQL, Airflow metadata, dbt target and logs",
    )
    landing_dir: Path = setting(
        "REFORM_LANDING_DIR",
        "a folder path",
        default_factory=lambda data: data["project_root"] / "data" / "landing",
        description="Where deliveries arrive, one sub-folder per kind",
    )
    archive_dir: Path = setting(
        "REFORM_ARCHIVE_DIR",
        "a folder path (created when missing)",
        default_factory=lambda data: data["project_root"] / "data" / "archive",
        description="Immutable copies of every delivered file, by SHA-256",
    )
    reports_dir: Path = setting(
        "REFORM_REPORTS_DIR",
        "a folder path (created when missing)",
        default_factory=lambda data: data["project_root"] / "reports",
        description="The data-quality report and the scorecard dashboard",
    )
    dbt_manifest: Path = setting(
        "REFORM_DBT_MANIFEST",
        "a file path (written by build_manifest)",
        default_factory=lambda data: data["state_dir"] / "dbt" / "manifest" / "manifest.json",
        description="The dbt manifest Cosmos renders reform_transform from",
    )
    sources_file: Path | None = setting(
        "REFORM_SOURCES_FILE",
        "the path of an existing source-registry YAML file",
        default=None,
        description="The registry of HTTP/SFTP/S3 sources `reform-etl pull` and reform_pull read",
    )
    expected_deliveries: Path | None = setting(
        "REFORM_EXPECTED_DELIVERIES",
        "the path of an existing delivery-calendar YAML file",
        default=None,
        description="The expected-delivery calendar (default: the packaged expected_deliveries.yml)",
    )

    # -- the warehouse ------------------------------------------------------------------
    warehouse: SecretStr | None = setting(
        "WAREHOUSE_URL",
        "a postgresql://user:password@host:port/database URL",
        secret=True,
        default=None,
        description="An existing PostgreSQL to use; unset means the embedded one",
    )
    bi_reader_password: SecretStr | None = setting(
        "REFORM_BI_READER_PASSWORD",
        "any non-empty text",
        secret=True,
        default=None,
        description="Lets bi_reader log in with this password (else it stays NOLOGIN)",
    )
    pg_fast: bool = setting(
        "REFORM_PG_FAST",
        "1/0, true/false, yes/no or on/off",
        default=False,
        description="Embedded PostgreSQL without fsync (throw-away databases only)",
    )
    pg_runtime_dir: Path = setting(
        "REFORM_PG_RUNTIME_DIR",
        "an absolute folder path whose parents every user may enter",
        default=DEFAULT_PG_RUNTIME_DIR,
        description="As root only: the embedded server's binaries, and its data when the state folder is closed",
    )

    # -- loading ------------------------------------------------------------------------
    max_rejected_share: float = setting(
        "REFORM_MAX_REJECTED_SHARE",
        "a number from 0 to 1",
        default=0.2,
        ge=0,
        le=1,
        description="A file losing more than this share of its rows is rejected whole",
    )
    max_file_bytes: ByteSize = setting(
        "REFORM_MAX_FILE_BYTES",
        "a size above 0 in bytes, or with a unit such as 512MiB or 2GiB",
        default=ByteSize(2 << 30),
        gt=0,
        description="Files larger than this are rejected unread",
    )
    max_unzipped_bytes: ByteSize = setting(
        "REFORM_MAX_UNZIPPED_BYTES",
        "a size above 0 in bytes, or with a unit such as 512MiB or 2GiB",
        default=ByteSize(512 << 20),
        gt=0,
        description="A workbook that would expand beyond this is refused unopened (zip bombs)",
    )
    bulk_min_bytes: ByteSize = setting(
        "REFORM_BULK_MIN_BYTES",
        "a size of 0 or more in bytes, or with a unit such as 256KiB",
        default=ByteSize(256 << 10),
        ge=0,
        description="Record-level CSV files from this size take the streaming bulk path",
    )
    ingest_workers: int = setting(
        "REFORM_INGEST_WORKERS",
        "a whole number from 0 to 32; 0 chooses by the landing's size",
        default=1,
        ge=0,
        le=32,
        description="Files reform-etl run and ingest load in parallel (processes); 0: one per core, "
        "at most 4, when the files to load hold 64 MiB or more, else one",
    )
    volume_factor: float = setting(
        "REFORM_VOLUME_FACTOR",
        "a number above 1",
        default=3.0,
        gt=1,
        description="A period's volume this many times above or below its history is flagged",
    )
    self_score_excess_points: float = setting(
        "REFORM_SELF_SCORE_EXCESS_POINTS",
        "a number of 0 or more",
        default=2.0,
        ge=0,
        description="The data-quality report flags a PAR field self-assessed more than this many points above "
        "its appraisal (self-scores run high; a small excess is ordinary)",
    )
    volume_min_history: int = setting(
        "REFORM_VOLUME_MIN_HISTORY",
        "a whole number of 1 or more",
        default=3,
        ge=1,
        description="Earlier periods needed before the volume check applies",
    )

    # -- Airflow ------------------------------------------------------------------------
    task_retries: int = setting(
        "REFORM_TASK_RETRIES",
        "a whole number of 0 or more",
        default=3,
        ge=0,
        description="Retries of every task of the project's DAGs",
    )
    ingest_schedule: str | None = setting(
        "REFORM_INGEST_SCHEDULE",
        "a cron expression such as '*/30 * * * *', or 'none'/'off' for Asset-triggered runs only",
        default="*/30 * * * *",
        description="When reform_ingest runs besides new landing Assets",
    )
    dbt_select: Annotated[tuple[str, ...], NoDecode] = setting(
        "REFORM_DBT_SELECT",
        "dbt selectors separated by spaces",
        default=(),
        description="Only these dbt nodes are rendered in reform_transform",
    )
    dbt_exclude: Annotated[tuple[str, ...], NoDecode] = setting(
        "REFORM_DBT_EXCLUDE",
        "dbt selectors separated by spaces",
        default=(),
        description="These dbt nodes are left out of reform_transform",
    )
    alert_webhook_url: SecretStr | None = setting(
        "REFORM_ALERT_WEBHOOK_URL",
        "an http:// or https:// URL",
        secret=True,
        default=None,
        description="Failed tasks are posted here as JSON",
    )
    dbt_role: str | None = setting(
        "REFORM_DBT_ROLE",
        "a role name, or 'none' for the login user's own rights",
        default="reform_transformer",
        description="The role dbt switches to after logging in",
    )
    failure_notifiers: Annotated[list[dict[str, Any]], NoDecode] = setting(
        "REFORM_FAILURE_NOTIFIERS",
        'a JSON list of {"class": "package.module.Notifier", "args": {...}} objects',
        default=[],
        description="Airflow notifiers called for a failed task besides the audit record and the webhook",
    )
    worker_hostname: str | None = setting(
        "REFORM_WORKER_HOSTNAME",
        "any text",
        default=None,
        description="The host name a Celery worker records (default: the machine's FQDN)",
    )

    # -- the command line ---------------------------------------------------------------
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"] = setting(
        "REFORM_LOG_LEVEL",
        "one of " + ", ".join(LOG_LEVELS) + " (any case)",
        default="WARNING",
        description="Logging level of reform-etl",
    )

    # -- validation -----------------------------------------------------------------------

    @field_validator("project_root", mode="after")
    @classmethod
    def _existing_folder(cls, value: Path) -> Path:
        value = value.expanduser().resolve()
        if not value.is_dir():
            raise ValueError("no such folder")
        return value

    @field_validator("state_dir", "landing_dir", "archive_dir", "reports_dir", "dbt_manifest", mode="after")
    @classmethod
    def _absolute(cls, value: Path) -> Path:
        return value.expanduser().resolve()

    @field_validator("pg_runtime_dir", mode="after")
    @classmethod
    def _absolute_given(cls, value: Path) -> Path:
        # Resolved against the current folder it would move with every `cd`: refuse instead.
        if not value.expanduser().is_absolute():
            raise ValueError("not an absolute path")
        return value.expanduser()

    @field_validator("sources_file", "expected_deliveries", mode="after")
    @classmethod
    def _existing_file(cls, value: Path | None) -> Path | None:
        if value is None:
            return None
        value = value.expanduser().resolve()
        if not value.is_file():
            raise ValueError("no such file")
        return value

    @field_validator("warehouse", mode="after")
    @classmethod
    def _postgres_url(cls, value: SecretStr | None) -> SecretStr | None:
        if value is not None:
            parts = urlsplit(value.get_secret_value().strip())
            if parts.scheme not in ("postgresql", "postgres") or not parts.hostname:
                raise ValueError("not a postgresql:// URL with a host")
        return value

    @field_validator("alert_webhook_url", mode="after")
    @classmethod
    def _http_url(cls, value: SecretStr | None) -> SecretStr | None:
        if value is not None:
            parts = urlsplit(value.get_secret_value().strip())
            if parts.scheme not in ("http", "https") or not parts.hostname:
                raise ValueError("not an http(s) URL with a host")
        return value

    @field_validator("log_level", mode="before")
    @classmethod
    def _upper(cls, value: object) -> object:
        return value.strip().upper() if isinstance(value, str) else value

    @field_validator("ingest_schedule", mode="before")
    @classmethod
    def _cron(cls, value: object) -> object:
        if not isinstance(value, str):
            return value
        value = value.strip()
        if value.lower() in _SCHEDULE_OFF:
            return None
        from croniter import croniter

        if not croniter.is_valid(value):
            raise ValueError("not a cron expression")
        return value

    @field_validator("dbt_role", mode="before")
    @classmethod
    def _role(cls, value: object) -> object:
        if isinstance(value, str) and value.strip().lower() in _SCHEDULE_OFF | {"login"}:
            return None
        return value.strip() if isinstance(value, str) else value

    @field_validator("failure_notifiers", mode="before")
    @classmethod
    def _notifier_specs(cls, value: object) -> object:
        if not isinstance(value, str):
            return value
        try:
            parsed = json.loads(value)
        except json.JSONDecodeError as exc:
            raise ValueError(f"not JSON ({exc.msg})") from None
        if not isinstance(parsed, list) or not all(isinstance(i, dict) and "class" in i for i in parsed):
            raise ValueError('not a list of {"class": ...} objects')
        return parsed

    @field_validator("dbt_select", "dbt_exclude", mode="before")
    @classmethod
    def _words(cls, value: object) -> object:
        return tuple(value.split()) if isinstance(value, str) else value

    # -- derived values and the names the library has always used --------------------------

    @property
    def warehouse_url(self) -> str | None:
        """An existing PostgreSQL given by the operator; None means use the embedded one."""
        return self.warehouse.get_secret_value().strip() if self.warehouse else None

    @property
    def reject_share_limit(self) -> float:
        return self.max_rejected_share

    @property
    def dbt_project_dir(self) -> Path:
        return self.project_root / "dbt_project"

    @property
    def expectations_dir(self) -> Path:
        return self.project_root / "expectations"

    @property
    def dags_dir(self) -> Path:
        return self.project_root / "dags"

    def effective(self) -> list[tuple[str, str, bool]]:
        """(variable, value with secrets masked, set in the environment) for every setting."""
        rows = []
        for name, field in type(self).model_fields.items():
            variable = str(field.validation_alias)
            rows.append((variable, _shown(name, getattr(self, name)), bool(os.environ.get(variable))))
        return rows


def variables() -> dict[str, str]:
    """Every variable the settings read, with what it accepts."""
    return {str(f.validation_alias): _extra(f)["allowed"] for f in Settings.model_fields.values()}


def _extra(field: Any) -> dict[str, Any]:
    return field.json_schema_extra or {}


def _shown(name: str, value: object) -> str:
    if value is None:
        return "(unset)"
    if isinstance(value, SecretStr):
        return mask_url(value.get_secret_value()) if name in ("warehouse", "alert_webhook_url") else "********"
    if isinstance(value, tuple):
        return " ".join(value)
    return str(value)


def mask_url(url: str) -> str:
    """The URL with its password, path secrets and query hidden; scheme, user, host and port stay."""
    parts = urlsplit(url.strip())
    if not parts.hostname:
        return "********"
    host = parts.hostname + (f":{parts.port}" if parts.port else "")
    user = f"{parts.username}:********@" if parts.password else (f"{parts.username}@" if parts.username else "")
    if parts.scheme.startswith("postgres"):
        # A database name is not a secret and tells the operator which warehouse is meant.
        return urlunsplit((parts.scheme, user + host, parts.path, "", ""))
    return urlunsplit((parts.scheme, user + host, "/********" if parts.path.strip("/") else "", "", ""))


def _problems(error: ValidationError) -> list[str]:
    fields = Settings.model_fields
    by_variable = {str(f.validation_alias): (name, f) for name, f in fields.items()}
    problems = []
    for item in error.errors():
        if item["type"] == "default_factory_not_called":
            continue  # a default built from a setting that is itself wrong: that one is reported
        variable = str(item["loc"][0]) if item["loc"] else "?"
        name, field = by_variable.get(variable, (variable, None))
        value = os.environ.get(variable, item.get("input"))
        shown = _shown(name, SecretStr(str(value))) if field and _extra(field).get("secret") else repr(value)
        reason = re.sub(r"^Value error, ", "", item["msg"])
        allowed = _extra(field).get("allowed", "") if field else ""
        problems.append(f"{variable}={shown} is not allowed ({reason}); expected {allowed}.")
    return problems


@lru_cache(maxsize=16)
def _settings_for(_environment: tuple[tuple[str, str], ...]) -> Settings:
    try:
        return Settings()
    except ValidationError as exc:
        raise SettingsError(_problems(exc)) from None


def settings() -> Settings:
    """The validated settings for the current environment.

    Cached per distinct set of the project's variables, so the environment is parsed once
    while a test or a task that changes a variable still sees the change.
    """
    snapshot = tuple(sorted((k, v) for k, v in os.environ.items() if k in _VARIABLES))
    return _settings_for(snapshot)


_VARIABLES = frozenset(variables())
