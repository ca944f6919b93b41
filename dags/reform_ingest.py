"""
### reform_ingest — load new provincial exports into `raw`

Looks in the landing folder (`landing/<kind>/...`) for files it has not seen before (same
path and same bytes are skipped), then runs **one mapped task per file**: read and
normalise, validate with the kind's Great Expectations suite, `COPY` into `raw.<kind>`
with its audit row, all in one transaction. Rejected files are data, not failures: the
audit and the data-quality report say why.

**When** — every 30 minutes (`REFORM_INGEST_SCHEDULE`, a cron expression or `none`), when
`reform_pull` reports new landing files (Assets `reform://landing/<kind>`), or by hand.

**Params** — `landing`: folder to read (default: `REFORM_LANDING_DIR`, `data/landing`);
`kinds`: only these export kinds; `provinces`: only files whose name starts with these
GSO codes (`40_2022-H1.xlsx`); `max_files`: cap per run (the rest waits for the next run).

**Limits** — loads share the pool `reform_db_loads` (default 4 slots; change it with
`airflow pools set reform_db_loads <n> ...`), so the warehouse never sees more concurrent
`COPY`s than that. A task that fails (warehouse unreachable, disk full) is retried with
exponential back-off (30 s, 60 s, 120 s, at most 10 min); when it gives up, the failure
callback logs it, writes `audit.task_failures` and calls the alert webhook if configured.

**Emits** — an Asset event `reform://warehouse/raw/<kind>` for every kind that got new
rows (through the alias `reform_raw_loaded`); `reform_transform` is scheduled on them.
"""

from __future__ import annotations

from collections.abc import Iterator

import pendulum
from airflow.sdk import AssetOrTimeSchedule, CronTriggerTimetable, Metadata, Param, dag, get_current_context, task

from reform_etl.airflow_callbacks import default_args
from reform_etl.assets import RAW_ALIAS, any_of, kind_names, landing_assets, raw_asset
from reform_etl.config import settings

LOAD_POOL = "reform_db_loads"
SCHEDULE = settings().ingest_schedule
_TZ = "Asia/Ho_Chi_Minh"


def _schedule() -> object:
    landing = any_of(landing_assets())
    if SCHEDULE is None:
        return landing
    return AssetOrTimeSchedule(timetable=CronTriggerTimetable(SCHEDULE, timezone=_TZ), assets=landing)


@dag(
    dag_id="reform_ingest",
    schedule=_schedule(),
    start_date=pendulum.datetime(2025, 1, 1, tz=_TZ),
    catchup=False,
    # Two ingests at once would race for the same new files.
    max_active_runs=1,
    default_args=default_args(),
    params={
        "landing": Param(None, type=["null", "string"], description="Landing folder (default: REFORM_LANDING_DIR)"),
        "kinds": Param(
            [],
            type="array",
            items={"type": "string", "enum": kind_names()},
            description="Only these export kinds (empty: all)",
        ),
        "provinces": Param(
            [],
            type="array",
            items={"type": "string", "pattern": "^([0-9]{1,2}|VN|vn)$"},
            description="Only files named after these GSO province codes, e.g. 40 (empty: all)",
        ),
        "max_files": Param(500, type="integer", minimum=1, maximum=1000, description="Most files mapped in one run"),
    },
    doc_md=__doc__,
    tags=["cchc", "ingest"],
)
def reform_ingest() -> None:
    @task
    def prepare() -> dict[str, str]:
        from reform_etl import tasks

        context = get_current_context()
        return tasks.prepare(
            context["params"].get("landing"), run_id=context["run_id"], trigger="airflow:reform_ingest"
        )

    @task
    def discover(run: dict[str, str]) -> list[dict[str, str]]:
        from reform_etl import tasks

        params = get_current_context()["params"]
        return tasks.discover_new(
            run, kinds=params.get("kinds"), provinces=params.get("provinces"), limit=int(params.get("max_files") or 500)
        )

    @task(pool=LOAD_POOL, map_index_template="{{ file_label }}")
    def ingest(item: dict[str, str], run: dict[str, str]) -> dict[str, object]:
        from reform_etl import tasks

        # map_index_template reads this key, which Airflow's Context TypedDict does not declare.
        get_current_context()["file_label"] = item.get("label", item["path"])  # type: ignore[typeddict-unknown-key]
        return tasks.ingest(run, item)

    # all_done: what loaded before a sibling failed still reaches the marts.
    @task(trigger_rule="all_done", outlets=[RAW_ALIAS])
    def publish(run: dict[str, str]) -> Iterator[Metadata]:
        from reform_etl import tasks

        for kind, rows in tasks.loaded_kinds(run).items():
            yield Metadata(raw_asset(kind), extra={"rows_loaded": rows, "run_id": run["run_id"]}, alias=RAW_ALIAS)

    @task(trigger_rule="all_done")
    def finish(run: dict[str, str], files: list[dict[str, str]] | None) -> dict[str, int]:
        from reform_etl import tasks

        return tasks.finish_ingest(run, None if files is None else list(files))

    # The calls below pass XComArgs, which Airflow resolves to the upstream values at run time;
    # its Task protocol types a call with the function's own parameters and cannot say that
    # (airflow.sdk.bases.decorator.Task), hence the arg-type ignores.
    run = prepare()
    files = discover(run)  # type: ignore[arg-type]
    loaded = ingest.partial(run=run).expand(item=files)
    loaded >> [publish(run), finish(run, files)]  # type: ignore[arg-type]


reform_ingest()
