"""
### reform_pull — fetch provincial exports from HTTP APIs, SFTP drops and S3 buckets

Reads the source registry (`include/reform_etl/pull/sources.yml`, or `REFORM_SOURCES_FILE`;
see `docs/pulling.md`), picks the sources whose own schedule is due, and runs **one mapped
task per source**: list what is new since the source's watermark, fetch it, place each
file atomically under `landing/<kind>/` as `<province>_<period>_<source>_<suffix>.<ext>`,
and record it with the advanced watermark in `audit.source_fetches` /
`audit.source_watermarks`. A pull killed half-way resumes where it stopped, with no gap
and no duplicate.

**Credentials** come from the Airflow connection named by the source (`credentials.conn_id`)
or from environment variables it names; never from the registry itself.

**Failures** — a source that fails (server down after the retries, refused login, wrong
host key) fails only its own task; the others go on, and `summary` (trigger rule
`all_done`) lists every source as ok / empty (nothing came although data was expected) /
up_to_date / failed, as does `audit.source_pulls`.

**Emits** — an Asset event `file://landing/<kind>` for each kind that received new files
(through the alias `reform_landing_files`); `reform_ingest` is scheduled on them.

**Params** — `sources_file`: another registry; `landing`: the landing folder (default
`REFORM_LANDING_DIR`, `data/landing`); `only`: these source ids; `force`: pull every
selected source now, whatever its schedule.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta

import pendulum
from airflow.sdk import Metadata, Param, dag, get_current_context, task

from reform_etl.airflow_callbacks import default_args
from reform_etl.pull.assets import LANDING_ALIAS, LANDING_ASSETS

# The project's shared defaults (failure callback, back-off), with fewer retries: a source
# that is down is tried again at its next scheduled pull anyway.
DEFAULT_ARGS = default_args(retries=1, retry_delay=timedelta(minutes=2))


@dag(
    dag_id="reform_pull",
    # Each source has its own schedule; this tick only decides which are due.
    schedule="*/30 * * * *",
    start_date=pendulum.datetime(2025, 1, 1, tz="Asia/Ho_Chi_Minh"),
    catchup=False,
    max_active_runs=1,
    default_args=DEFAULT_ARGS,
    params={
        "sources_file": Param(None, type=["null", "string"], description="Registry file (default: sources.yml)"),
        "landing": Param(None, type=["null", "string"], description="Landing folder (default: REFORM_LANDING_DIR)"),
        "only": Param([], type="array", items={"type": "string"}, description="Only these source ids"),
        "force": Param(False, type="boolean", description="Pull now whatever the sources' schedules say"),
    },
    doc_md=__doc__,
    tags=["cchc", "pull"],
)
def reform_pull() -> None:
    @task
    def due_sources() -> list[str]:
        from reform_etl.pull import tasks

        return tasks.due(get_current_context()["params"])

    @task(max_active_tis_per_dagrun=4, map_index_template="{{ source_id }}")
    def pull(source_id: str) -> dict[str, object]:
        from reform_etl.pull import tasks

        context = get_current_context()
        # map_index_template reads this key, which Airflow's Context TypedDict does not declare.
        context["source_id"] = source_id  # type: ignore[typeddict-unknown-key]
        return tasks.pull(source_id, context["params"], airflow_run_id=context["run_id"])

    # all_done: one province's failed source must not hide what the others brought.
    @task(trigger_rule="all_done", outlets=[LANDING_ALIAS])
    def summary(due: list[str]) -> Iterator[Metadata]:
        from reform_etl.pull import tasks

        outcome = tasks.summary(list(due), airflow_run_id=get_current_context()["run_id"])
        for kind, files in outcome["new_files"].items():
            yield Metadata(LANDING_ASSETS[kind], extra={"files": files}, alias=LANDING_ALIAS)

    # The calls below pass XComArgs, which Airflow resolves to the upstream values at run time;
    # its Task protocol types a call with the function's own parameters and cannot say that
    # (airflow.sdk.bases.decorator.Task), hence the arg-type ignores.
    due = due_sources()
    pulled = pull.expand(source_id=due)
    pulled >> summary(due)  # type: ignore[arg-type]


reform_pull()
