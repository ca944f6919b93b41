"""
### reform_transform — dbt: staging → intermediate → marts, one Airflow task per dbt node

Runs when `reform_ingest` or `reform_backfill` loaded new rows into any `raw.<kind>`
(Assets `reform://warehouse/raw/<kind>`, data-aware), or by hand.

The dbt project is rendered by **astronomer-cosmos** (`DbtTaskGroup`) from the manifest the
project builds with `dbt parse` (`reform_etl.airflow_dbt.build_manifest`; path
`REFORM_DBT_MANIFEST`, default `.state/dbt/manifest/manifest.json`), with
`LoadMode.DBT_MANIFEST`: parsing this file never runs dbt and never opens a connection.
Each model runs, then **its tests run right after it** (`TestBehavior.AFTER_EACH`);
sources with a `freshness` block get a `dbt source freshness` task; seeds load the
reference data. Every node's result is kept in `audit.dbt_results`.

**Builds only what changed.** The task `plan` compares the warehouse with the last
successful build (`reform_etl.dbt_selection`): on a new warehouse, or after the dbt project
or dbt's role changed, every task runs (seeds, models, data and unit tests). Otherwise only
the models downstream of the `raw` tables whose deliveries changed run, with their data
tests; the other model, seed and snapshot tasks are skipped, and unit tests are left out.
Tasks run once none of their upstream tasks failed (`none_failed`), so a skipped dimension
does not hold back a fact that changed. `publish` records the build when nothing failed.

`REFORM_DBT_SELECT` / `REFORM_DBT_EXCLUDE` (dbt selectors, space separated) render part of
the project only.

The warehouse is the Airflow Connection `reform_warehouse`: Cosmos writes dbt's profile from
it when a task runs (the password only as an environment variable of the dbt process, never
in the DAG, XCom or a log), and dbt switches to the role `reform_transformer`.

**Emits** — `reform://warehouse/marts/<model>` for every mart and `reform://warehouse/marts`,
on which `reform_report` is scheduled.
"""

from __future__ import annotations

import pendulum
from airflow.sdk import TaskGroup, XComArg, dag, get_current_context, task

from reform_etl.airflow_callbacks import default_args
from reform_etl.airflow_dbt import PLAN_TASK_ID, follow_plan, manifest_path, store_run_results
from reform_etl.assets import any_of, mart_assets, raw_assets
from reform_etl.config import settings

MANIFEST = manifest_path()
# dbt selectors (Cosmos syntax: "+fct_dossier_processing", "tag:daily", "path:models/marts"),
# space separated, to deploy part of the project; empty renders every node.
SELECT = list(settings().dbt_select)
EXCLUDE = list(settings().dbt_exclude)


def dbt_group() -> XComArg | TaskGroup:
    """The dbt project as a task group, or one failing task that says how to build the manifest."""
    if not MANIFEST.exists():

        @task(task_id="dbt_manifest_missing", retries=0)
        def manifest_missing() -> None:
            raise FileNotFoundError(
                f"the dbt manifest {MANIFEST} does not exist, so the dbt tasks cannot be rendered. Build it with "
                "`python -c 'from reform_etl.airflow_dbt import build_manifest; build_manifest()'` (make run and "
                "the docker init job do this), then let the dag-processor re-parse this DAG."
            )

        return manifest_missing()

    from cosmos import DbtTaskGroup, ExecutionConfig, LoadMode, ProjectConfig, RenderConfig, TestBehavior
    from cosmos.constants import ExecutionMode, InvocationMode, SourceRenderingBehavior, TestIndirectSelection

    from reform_etl.cosmos_profile import profile_config

    return DbtTaskGroup(
        group_id="dbt",
        project_config=ProjectConfig(
            dbt_project_path=settings().dbt_project_dir,
            manifest_path=MANIFEST,
            install_dbt_deps=False,  # no dbt packages: the hub is out of reach on a closed network
        ),
        # dbt's profile comes from the Airflow connection reform_warehouse (role reform_transformer).
        profile_config=profile_config(),
        execution_config=ExecutionConfig(
            execution_mode=ExecutionMode.LOCAL,
            invocation_mode=InvocationMode.DBT_RUNNER,
            # A model's test task runs the tests whose other parents are already built: a
            # relationships test from a fact to a dimension runs after the fact, not the dimension.
            test_indirect_selection=TestIndirectSelection.BUILDABLE,
        ),
        render_config=RenderConfig(
            load_method=LoadMode.DBT_MANIFEST,
            select=SELECT,
            exclude=EXCLUDE,
            test_behavior=TestBehavior.AFTER_EACH,
            source_rendering_behavior=SourceRenderingBehavior.WITH_TESTS_OR_FRESHNESS,
            # Our own mart Assets (below) are stable across machines; Cosmos's carry the host.
            emit_datasets=False,
        ),
        operator_args={
            "install_deps": False,
            "callback": store_run_results,
            # The run's plan decides which nodes run (see "Builds only what changed" above).
            "pre_execute": follow_plan,
            "trigger_rule": "none_failed",
        },
        # A failed model rarely heals by waiting: one retry, for a dropped connection.
        default_args=default_args(retries=min(1, default_args()["retries"])),
    )


@dag(
    dag_id="reform_transform",
    schedule=any_of(raw_assets()),
    start_date=pendulum.datetime(2025, 1, 1, tz="Asia/Ho_Chi_Minh"),
    catchup=False,
    max_active_runs=1,
    default_args=default_args(),
    doc_md=__doc__,
    tags=["cchc", "dbt", "transform"],
)
def reform_transform() -> None:
    @task
    def prepare() -> dict[str, str]:
        from reform_etl import tasks

        context = get_current_context()
        changed = sorted(
            {event.asset.name for events in (context.get("triggering_asset_events") or {}).values() for event in events}
        )
        return tasks.start_transform(run_id=context["run_id"], trigger="airflow:reform_transform", changed=changed)

    @task(task_id=PLAN_TASK_ID)
    def plan(run: dict[str, str]) -> dict[str, object]:
        from reform_etl.airflow_dbt import plan_transform

        return plan_transform()

    @task(outlets=mart_assets(), trigger_rule="none_failed")
    def publish(run: dict[str, str], planned: dict[str, object]) -> dict[str, int]:
        from reform_etl import tasks
        from reform_etl.airflow_dbt import record_transform

        record_transform(planned, run["run_id"])
        return tasks.finish_transform(run)

    # The calls below pass XComArgs, which Airflow resolves to the upstream values at run time;
    # its Task protocol types a call with the function's own parameters and cannot say that
    # (airflow.sdk.bases.decorator.Task), hence the arg-type ignores.
    run = prepare()
    planned = plan(run)  # type: ignore[arg-type]
    planned >> dbt_group() >> publish(run, planned)  # type: ignore[arg-type]


reform_transform()
