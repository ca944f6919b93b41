"""
### reform_backfill — re-process one province and period (or period range) from the archive

For when a reader, a validation rule or the reference data was fixed and what a province
sent must go through the pipeline again. Nothing else is touched: other provinces, other
periods and national (`VN`) files stay as they are.

**Params** — `province`: GSO code (`40`) or `VN`; `period_from` and optional `period_to`
(`2022`, `2022-H1`, `2022-Q3`, `2022-07`; inclusive, a file counts when its whole period
lies inside); `kinds`: only these export kinds (empty: all); `accept_rejections`: a file that
was loaded but is rejected under today's rules normally rolls its period back (nothing
changes, the task fails and says why); set this to drop its rows instead.

**Steps** — `plan` lists the archived files of that province whose period is in range
(from `audit.file_ingestions`; the bytes are under `REFORM_ARCHIVE_DIR` by SHA-256);
`reprocess` runs once per period, in one transaction: the old rows and audit entries go
(a copy of each old audit row stays in `audit.backfills`), the archived files are loaded
again in their original order under their original names. A failure rolls the period back.

**Emits** — `reform://warehouse/raw/<kind>` for the kinds re-loaded, so `reform_transform`
rebuilds the marts. The same is available as `reform_etl.backfill.run(url, province=...,
period_from=..., period_to=...)`.
"""

from __future__ import annotations

from collections.abc import Iterator

import pendulum
from airflow.sdk import Metadata, Param, dag, get_current_context, task

from reform_etl.airflow_callbacks import default_args
from reform_etl.assets import RAW_ALIAS, kind_names, raw_asset

LOAD_POOL = "reform_db_loads"


@dag(
    dag_id="reform_backfill",
    schedule=None,
    start_date=pendulum.datetime(2025, 1, 1, tz="Asia/Ho_Chi_Minh"),
    catchup=False,
    max_active_runs=1,
    default_args=default_args(),
    params={
        "province": Param("40", type="string", pattern="^([0-9]{1,2}|VN|vn)$", description="GSO code or VN"),
        "period_from": Param("2022-H1", type="string", description="First period: 2022, 2022-H1, 2022-Q3, 2022-07"),
        "period_to": Param(None, type=["null", "string"], description="Last period (default: period_from)"),
        "kinds": Param(
            [], type="array", items={"type": "string", "enum": kind_names()}, description="Only these kinds"
        ),
    },
    doc_md=__doc__,
    tags=["cchc", "backfill"],
)
def reform_backfill() -> None:
    @task
    def prepare() -> dict[str, str]:
        from reform_etl import tasks
        from reform_etl.config import settings

        context = get_current_context()
        return tasks.prepare(str(settings().archive_dir), run_id=context["run_id"], trigger="airflow:reform_backfill")

    @task
    def plan(run: dict[str, str]) -> list[dict[str, object]]:
        from reform_etl import tasks

        p = get_current_context()["params"]
        return tasks.backfill_plan(
            run,
            province=p["province"],
            period_from=p["period_from"],
            period_to=p.get("period_to"),
            kinds=p.get("kinds"),
        )

    @task(pool=LOAD_POOL, map_index_template="{{ group_label }}")
    def reprocess(group: dict[str, object], run: dict[str, str]) -> dict[str, object]:
        from reform_etl import tasks

        # map_index_template reads this key, which Airflow's Context TypedDict does not declare.
        get_current_context()["group_label"] = f"{group['province']} {group['period']}"  # type: ignore[typeddict-unknown-key]
        accept = bool(get_current_context()["params"].get("accept_rejections"))
        return tasks.backfill_group(run, group, accept_rejections=accept)

    @task(trigger_rule="all_done", outlets=[RAW_ALIAS])
    def publish(run: dict[str, str]) -> Iterator[Metadata]:
        from reform_etl import tasks

        for kind, rows in tasks.loaded_kinds(run).items():
            yield Metadata(raw_asset(kind), extra={"rows_loaded": rows, "run_id": run["run_id"]}, alias=RAW_ALIAS)

    @task(trigger_rule="all_done")
    def finish(run: dict[str, str], groups: list[dict[str, object]] | None) -> int:
        from reform_etl import tasks

        return tasks.finish_backfill(run, None if groups is None else list(groups))

    # The calls below pass XComArgs, which Airflow resolves to the upstream values at run time;
    # its Task protocol types a call with the function's own parameters and cannot say that
    # (airflow.sdk.bases.decorator.Task), hence the arg-type ignores.
    run = prepare()
    groups = plan(run)  # type: ignore[arg-type]
    done = reprocess.partial(run=run).expand(group=groups)
    done >> [publish(run), finish(run, groups)]  # type: ignore[arg-type]


reform_backfill()
