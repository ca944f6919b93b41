"""dbt as Airflow tasks: the manifest Cosmos renders from, and the hooks its tasks run.

Cosmos renders ``reform_transform`` from a ``manifest.json`` (``LoadMode.DBT_MANIFEST``) so
that parsing the DAG never runs dbt and never opens a database connection. The manifest
is built here with ``dbt parse`` (no database needed) and replaced atomically, because
the dag-processor may read it at any moment. ``ensure_manifest`` rebuilds it only when a
file of the dbt project is newer than the manifest.

Nothing in this module imports Airflow or Cosmos at import time: the DAG files and the
command line both use it.
"""

from __future__ import annotations

import json
import logging
import os
import shutil
import tempfile
from contextlib import AbstractContextManager
from functools import lru_cache
from pathlib import Path
from typing import Any

from .config import settings

log = logging.getLogger(__name__)

# Folders and files of the dbt project whose change makes the manifest stale, and a full
# build necessary (dbt_selection). Here, not there: the DAG file imports this module and
# must parse fast, without psycopg.
PROJECT_INPUTS = (
    "models",
    "seeds",
    "reference",
    "macros",
    "tests",
    "snapshots",
    "analyses",
    "dbt_project.yml",
    "selectors.yml",
)


class ManifestError(RuntimeError):
    pass


def manifest_path() -> Path:
    """Where Cosmos reads the manifest: ``REFORM_DBT_MANIFEST`` or ``<state>/dbt/manifest/manifest.json``.

    Kept apart from dbt's own target folder, which every ``dbt build`` rewrites.
    """
    return settings().dbt_manifest


def project_files(project: Path) -> list[Path]:
    """The files of the dbt project whose change makes the manifest stale and a full build necessary."""
    files: list[Path] = []
    for name in PROJECT_INPUTS:
        top = project / name
        if top.is_file():
            files.append(top)
        elif top.is_dir():
            files += sorted(p for p in top.rglob("*") if p.is_file() and "__pycache__" not in p.parts)
    return files


def _newest_input(project: Path) -> float:
    return max((path.stat().st_mtime for path in project_files(project)), default=0.0)


def manifest_is_current(target: Path | None = None) -> bool:
    target = target or manifest_path()
    return target.exists() and target.stat().st_mtime >= _newest_input(settings().dbt_project_dir)


def _dbt_parse_environment() -> AbstractContextManager[None]:
    # dbt reads these at start-up; the connection variables keep their profile defaults
    # because parsing never connects.
    from .transform import temporary_environment

    return temporary_environment(
        {
            "DBT_PROFILES_DIR": str(settings().dbt_project_dir),
            "DBT_SEND_ANONYMOUS_USAGE_STATS": "false",
            "DO_NOT_TRACK": "1",
        }
    )


def build_manifest(target: Path | None = None) -> Path:
    """``dbt parse`` the project and atomically put ``manifest.json`` at ``target``."""
    from dbt.cli.main import dbtRunner

    target = target or manifest_path()
    target.parent.mkdir(parents=True, exist_ok=True)
    project = settings().dbt_project_dir
    scratch = Path(tempfile.mkdtemp(prefix=".parse-", dir=target.parent))
    try:
        with _dbt_parse_environment():
            outcome = dbtRunner().invoke(
                [
                    "parse",
                    "--project-dir",
                    str(project),
                    "--profiles-dir",
                    str(project),
                    "--target-path",
                    str(scratch / "target"),
                    "--log-path",
                    str(scratch / "logs"),
                    "--no-partial-parse",
                    "--quiet",
                ]
            )
        produced = scratch / "target" / "manifest.json"
        if not outcome.success or not produced.exists():
            raise ManifestError(
                f"dbt parse of {project} failed, so the reform_transform DAG cannot be rendered: "
                f"{outcome.exception or 'see the dbt messages above'}"
            )
        os.replace(produced, target)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    log.info("dbt manifest written to %s", target)
    return target


def ensure_manifest(target: Path | None = None) -> Path:
    """Build the manifest when it is missing or older than the dbt project (cheap otherwise)."""
    target = target or manifest_path()
    if manifest_is_current(target):
        return target
    return build_manifest(target)


@lru_cache(maxsize=4)
def _manifest_nodes(path: str, mtime: float) -> dict[str, Any]:
    return dict(json.loads(Path(path).read_text(encoding="utf-8")).get("nodes", {}))


def mart_models(target: Path | None = None) -> list[str]:
    """Names of the models under ``models/marts`` according to the manifest ([] without one)."""
    target = target or manifest_path()
    if not target.exists():
        return []
    nodes = _manifest_nodes(str(target), target.stat().st_mtime)
    names = {
        node["name"]
        for node in nodes.values()
        if node.get("resource_type") == "model"
        and str(node.get("original_file_path", "")).replace("\\", "/").startswith("models/marts/")
        and node.get("config", {}).get("materialized") != "ephemeral"
    }
    return sorted(names)


# -- hooks the Cosmos operators call at run time ----------------------------------------------


def store_run_results(project_dir: str, **kwargs: Any) -> None:
    """Keep each Cosmos task's dbt results in ``audit.dbt_results``, as ``reform-etl transform`` does."""
    from .airflow_connection import connection_warehouse_url
    from .transform import NodeResult, TransformResult, store_results

    path = Path(project_dir) / "target" / "run_results.json"
    if not path.exists():
        return
    data = json.loads(path.read_text(encoding="utf-8"))
    nodes = [
        NodeResult(
            unique_id=item.get("unique_id", "?"),
            resource_type=str(item.get("unique_id", "?")).split(".", 1)[0],
            status=str(item.get("status")),
            failures=item.get("failures"),
            message=item.get("message"),
            execution_time=float(item.get("execution_time") or 0.0),
        )
        for item in data.get("results", [])
    ]
    if not nodes:
        return
    context = kwargs.get("context") or {}
    command = f"cosmos {data.get('args', {}).get('which', 'dbt')}"  # e.g. "cosmos run", "cosmos test"
    success = all(n.status in ("success", "pass", "warn", "skipped") for n in nodes)
    run_id = f"airflow-{context['run_id']}" if context.get("run_id") else None
    store_results(connection_warehouse_url(), TransformResult(command=command, success=success, nodes=nodes), run_id)


# -- building only what changed -------------------------------------------------------------

# Node types whose tasks a routine build skips when no changed delivery feeds them. Sources
# (their freshness checks) always run: they are cheap and say whether deliveries stopped.
_GATED = ("model", "seed", "snapshot")


def nodes_fed_by(kinds: Any, target: Path | None = None) -> list[str]:
    """Unique ids of every node downstream of ``raw.<kind>`` for these kinds (dbt's ``source:raw.<kind>+``)."""
    target = target or manifest_path()
    manifest = json.loads(target.read_text(encoding="utf-8"))
    children: dict[str, list[str]] = manifest.get("child_map") or {}
    wanted = set(kinds)
    todo = [
        uid
        for uid, source in (manifest.get("sources") or {}).items()
        if source.get("source_name") == "raw" and source.get("name") in wanted
    ]
    seen: set[str] = set()
    while todo:
        uid = todo.pop()
        if uid not in seen:
            seen.add(uid)
            todo.extend(children.get(uid, []))
    return sorted(seen)


def plan_transform() -> dict[str, Any]:
    """What ``reform_transform`` builds this run (``dbt_selection.plan_build``), for its dbt tasks to follow."""
    from . import dbt_selection
    from .airflow_connection import connection_warehouse_url
    from .task_log import log as task_log
    from .transform import dbt_role

    url = connection_warehouse_url()
    plan = dbt_selection.plan_build(url, settings().dbt_project_dir, role=dbt_role(url))
    task_log.info("dbt: %s: %s", "full build" if plan.full else "routine build", plan.reason)
    return {
        "full": plan.full,
        "reason": plan.reason,
        "kinds": list(plan.kinds),
        "fingerprints": plan.fingerprints,
        "selected": [] if plan.full else nodes_fed_by(plan.kinds),
    }


def record_transform(planned: dict[str, Any], run_id: str | None) -> None:
    """After every dbt task of the run succeeded or was skipped: remember what was brought up to date."""
    from . import dbt_selection
    from .airflow_connection import connection_warehouse_url

    plan = dbt_selection.BuildPlan(
        full=bool(planned["full"]),
        reason=str(planned["reason"]),
        kinds=tuple(planned["kinds"]),
        fingerprints=dict(planned["fingerprints"]),
    )
    dbt_selection.record_build(connection_warehouse_url(), plan, run_id=run_id)


def follow_plan(context: Any) -> None:
    """``pre_execute`` hook of every Cosmos task: skip the nodes the run's plan leaves out.

    On a routine build the dbt command also leaves unit tests out (production builds run
    data tests only; unit tests ran when the project last changed, in the full build).
    """
    from airflow.exceptions import AirflowSkipException

    planned = context["ti"].xcom_pull(task_ids=PLAN_TASK_ID)
    if not planned or planned.get("full"):
        return
    task = context["task"]
    task.env = {**(getattr(task, "env", None) or {}), "DBT_EXCLUDE_RESOURCE_TYPES": "unit_test"}
    node = (getattr(task, "extra_context", None) or {}).get("dbt_node_config") or {}
    if node.get("resource_type") in _GATED and node.get("unique_id") not in set(planned.get("selected") or ()):
        raise AirflowSkipException(f"{node.get('unique_id')}: no changed delivery feeds it ({planned.get('reason')})")


PLAN_TASK_ID = "plan"
