"""Run the dbt project against the warehouse and keep its test results in ``audit``.

dbt reads its connection from ``REFORM_PG_*`` variables (see ``dbt_project/profiles.yml``);
they are derived here from the warehouse URL so that one setting drives everything. dbt
works as ``reform_transformer`` (``REFORM_DBT_ROLE``) when the login user may switch to it.
"""

from __future__ import annotations

import gc
import logging
import os
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from urllib.parse import unquote, urlsplit

import psycopg
from psycopg import sql

from .config import settings

log = logging.getLogger(__name__)


class TransformFailed(RuntimeError):
    pass


@dataclass(frozen=True)
class NodeResult:
    unique_id: str
    resource_type: str
    status: str
    failures: int | None
    message: str | None
    execution_time: float


@dataclass(frozen=True)
class TransformResult:
    command: str
    success: bool
    nodes: list[NodeResult]

    def count(self, resource_type: str, status: str | None = None) -> int:
        return sum(1 for n in self.nodes if n.resource_type == resource_type and (status is None or n.status == status))


def dbt_role(url: str) -> str:
    """``REFORM_DBT_ROLE`` when the login user may switch to it, else "" (dbt keeps the login's rights)."""
    from . import warehouse

    role = settings().dbt_role
    if not role:
        return ""
    with warehouse.connect(url) as conn:
        return role if warehouse.can_use_role(conn, role) else ""


def dbt_environment(url: str) -> dict[str, str]:
    parts = urlsplit(url)
    state = settings().state_dir / "dbt"
    return {
        "REFORM_PG_HOST": parts.hostname or "127.0.0.1",
        "REFORM_PG_PORT": str(parts.port or 5432),
        "REFORM_PG_USER": unquote(parts.username or "postgres"),
        "REFORM_PG_PASSWORD": unquote(parts.password or ""),
        "REFORM_PG_DATABASE": (parts.path or "/reform").lstrip("/") or "reform",
        "DBT_PROFILES_DIR": str(settings().dbt_project_dir),
        "DBT_TARGET_PATH": str(state / "target"),
        "DBT_LOG_PATH": str(state / "logs"),
        "DBT_SEND_ANONYMOUS_USAGE_STATS": "false",
        "DO_NOT_TRACK": "1",
    }


@contextmanager
def temporary_environment(values: dict[str, str]) -> Iterator[None]:
    """Set environment variables for a block (dbt reads its settings from there), then restore them."""
    saved = {key: os.environ.get(key) for key in values}
    os.environ.update(values)
    try:
        yield
    finally:
        for key, old in saved.items():
            if old is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = old


@contextmanager
def existing_objects_frozen() -> Iterator[None]:
    """Keep the garbage collector's full passes off the objects that exist before the block.

    dbt runs in this process and allocates enough (its manifest, above all) to set off
    several full collections per build, each of which walked the whole heap: every module
    and object the pipeline holds. On a routine build after one delivery that was about a
    fifth of the time (0.2 s of 1.1-1.5 s, measured with ``gc.callbacks``). Objects that dbt
    creates are collected as usual. If something else froze objects before (Airflow does
    before it forks), they stay frozen.
    """
    already = gc.get_freeze_count()
    gc.freeze()
    try:
        yield
    finally:
        if not already:
            gc.unfreeze()


def run_dbt(url: str, args: Sequence[str], *, env: Mapping[str, str] | None = None) -> TransformResult:
    """Invoke dbt in-process (``dbt <args>``) against the warehouse at ``url``, with ``env``
    added to the environment dbt reads (a build plan's settings)."""
    from dbt.cli.main import dbtRunner

    project = settings().dbt_project_dir
    settings_for_dbt = dbt_environment(url) | {"REFORM_PG_ROLE": dbt_role(url)} | dict(env or {})
    with temporary_environment(settings_for_dbt), existing_objects_frozen():
        # No console log: the outcome comes back as results (and TransformFailed's message), and
        # dbt formats a console line for every event even when --quiet then drops it. The
        # debug log stays in the state folder's dbt/logs/dbt.log.
        outcome = dbtRunner().invoke([*args, "--project-dir", str(project), "--log-level", "none"])
    if outcome.exception is not None:
        raise TransformFailed(f"dbt {' '.join(args)} could not run: {outcome.exception}")
    nodes: list[NodeResult] = []
    result = outcome.result
    for item in getattr(result, "results", None) or []:
        node = getattr(item, "node", None)
        nodes.append(
            NodeResult(
                unique_id=getattr(node, "unique_id", "?"),
                resource_type=str(getattr(node, "resource_type", "?")),
                status=str(item.status),
                failures=getattr(item, "failures", None),
                message=getattr(item, "message", None),
                execution_time=float(getattr(item, "execution_time", 0.0) or 0.0),
            )
        )
    return TransformResult(command=" ".join(args), success=bool(outcome.success), nodes=nodes)


def build(url: str, *, run_id: str | None = None, select: Sequence[str] = (), full: bool = False) -> TransformResult:
    """``dbt build``, then store the test results in audit.

    With ``select``, exactly those nodes. Otherwise what the warehouse needs
    (``dbt_selection.plan_build``): everything when it is new, when the dbt project changed or
    when ``full`` is asked, else only the models fed by kinds whose deliveries changed since
    the last successful build, and nothing at all when none did.
    """
    if select:
        return _build(url, ["build", "--select", *select], run_id)
    from . import dbt_selection

    plan = dbt_selection.plan_build(url, settings().dbt_project_dir, role=dbt_role(url), full=full)
    log.info("dbt build: %s", plan.reason)
    if plan.nothing_to_do:
        return TransformResult(command="build (nothing changed)", success=True, nodes=[])
    result = _build(url, plan.dbt_args(), run_id, env=plan.dbt_env())
    dbt_selection.record_build(url, plan, run_id=run_id)
    return result


def _build(url: str, args: list[str], run_id: str | None, *, env: Mapping[str, str] | None = None) -> TransformResult:
    result = run_dbt(url, args, env=env)
    store_results(url, result, run_id)
    if not result.success:
        failed = [n for n in result.nodes if n.status in ("error", "fail")]
        detail = "; ".join(f"{n.unique_id}: {n.message}" for n in failed[:5])
        raise TransformFailed(f"dbt build failed ({len(failed)} node(s)): {detail}")
    return result


def store_results(url: str, result: TransformResult, run_id: str | None) -> None:
    """Keep every model and test outcome, so data-quality history is queryable by BI."""
    from .warehouse import audit

    with psycopg.connect(url, autocommit=False) as conn:
        audit.record_dbt_results(
            conn,
            run_id,
            result.command,
            ((n.unique_id, n.resource_type, n.status, n.failures, n.message, n.execution_time) for n in result.nodes),
        )
        conn.commit()


def mart_row_counts(url: str) -> dict[str, int]:
    counts: dict[str, int] = {}
    with psycopg.connect(url) as conn:
        tables = conn.execute(
            "select table_name from information_schema.tables where table_schema = 'marts' "
            "and table_type = 'BASE TABLE' order by table_name"
        ).fetchall()
        for (name,) in tables:
            row = conn.execute(sql.SQL("select count(*) from {}").format(sql.Identifier("marts", name))).fetchone()
            counts[name] = int(row[0]) if row else 0
    return counts
