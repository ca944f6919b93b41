"""
### reform_pipeline — one-shot run of the whole CCHC pipeline

Picks up every export under the landing folder (`landing/<kind>/...`), then for each file:
read and normalise it, validate it with its Great Expectations suite, and `COPY` it into
`raw` with its audit row, all in one transaction. Then `dbt build` makes the marts and runs
their tests, and the data-quality report is written.

**Params** — `landing`: the landing folder (default: the project's `data/landing`).

Rejected files are data, not failures: the run succeeds and the report says why.
The warehouse comes from `WAREHOUSE_URL`, or the embedded PostgreSQL when it is unset.
`make run` triggers this DAG with `airflow dags test`. In production the same work is split
into the data-aware `reform_ingest` → `reform_transform` → `reform_report` (docs/airflow.md).
"""

from __future__ import annotations

from datetime import timedelta

import pendulum
from airflow.sdk import Param, dag, get_current_context, task

from reform_etl.airflow_callbacks import default_args

# One quick retry: this is the interactive one-shot run, not the scheduled pipeline.
DEFAULT_ARGS = default_args(retries=1, retry_delay=timedelta(seconds=15), retry_exponential_backoff=0)


@dag(
    dag_id="reform_pipeline",
    schedule=None,
    start_date=pendulum.datetime(2025, 1, 1, tz="UTC"),
    catchup=False,
    max_active_runs=1,
    default_args=DEFAULT_ARGS,
    params={"landing": Param(None, type=["null", "string"], description="Landing folder to ingest")},
    doc_md=__doc__,
    tags=["cchc", "pipeline"],
)
def reform_pipeline() -> None:
    @task
    def prepare() -> dict[str, str]:
        from reform_etl import tasks

        context = get_current_context()
        return tasks.prepare(context["params"].get("landing"), run_id=context["run_id"])

    @task
    def discover(run: dict[str, str]) -> list[dict[str, str]]:
        from reform_etl import tasks

        return tasks.discover(run)

    @task(max_active_tis_per_dagrun=2)
    def ingest(item: dict[str, str], run: dict[str, str]) -> dict[str, object]:
        from reform_etl import tasks

        return tasks.ingest(run, item)

    @task(trigger_rule="none_failed")
    def transform(run: dict[str, str], results: list[dict[str, object]]) -> dict[str, int]:
        from reform_etl import tasks

        return tasks.transform(run, list(results))

    @task(trigger_rule="none_failed")
    def report(run: dict[str, str], marts: dict[str, int]) -> str:
        from reform_etl import tasks

        return tasks.report(run)

    # The calls below pass XComArgs, which Airflow resolves to the upstream values at run time;
    # its Task protocol types a call with the function's own parameters and cannot say that
    # (airflow.sdk.bases.decorator.Task), hence the arg-type ignores.
    run = prepare()
    files = discover(run)  # type: ignore[arg-type]
    loaded = ingest.partial(run=run).expand(item=files)
    marts = transform(run, loaded)  # type: ignore[arg-type]
    report(run, marts)  # type: ignore[arg-type]


reform_pipeline()
