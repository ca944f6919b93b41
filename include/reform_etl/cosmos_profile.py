"""The dbt profile Cosmos writes for ``reform_transform``, built from the ``reform_warehouse`` connection.

Imports Cosmos, so only the DAG file (and tests) import this module.
"""

from __future__ import annotations

from typing import Any

from cosmos import ProfileConfig
from cosmos.profiles import PostgresUserPasswordProfileMapping

from .airflow_connection import CONN_ID, url_from_connection
from .config import settings


class WarehouseProfileMapping(PostgresUserPasswordProfileMapping):
    """Cosmos's postgres user/password mapping, with two differences the project needs.

    - The password may be empty: the embedded database and a local server with trust or
      peer authentication have none, and Cosmos's own mapping refuses such a connection.
    - dbt switches to ``REFORM_DBT_ROLE`` (``reform_transformer``) after logging in, when the
      login user may; on a warehouse without the project's roles it keeps the login's rights,
      as the loader does (``warehouse.act_as``).
    """

    required_fields = ["host", "user", "dbname"]

    def get_dbt_value(self, name: str) -> Any:
        value = super().get_dbt_value(name)
        if name == "password" and value is None:
            return ""  # handed to dbt through an environment variable, which cannot be None
        return value

    @property
    def profile(self) -> dict[str, Any | None]:
        profile = super().profile
        role = settings().dbt_role
        if role and _login_may_use(url_from_connection(self.conn), role):
            profile["role"] = role
        return profile


def _login_may_use(url: str, role: str) -> bool:
    from . import warehouse

    with warehouse.connect(url) as conn:
        return warehouse.can_use_role(conn, role)


def profile_config() -> ProfileConfig:
    return ProfileConfig(
        profile_name="reform",
        target_name="warehouse",
        profile_mapping=WarehouseProfileMapping(
            conn_id=CONN_ID,
            profile_args={"schema": "marts", "threads": 2, "connect_timeout": 10, "keepalives_idle": 30},
        ),
    )
