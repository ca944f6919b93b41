"""
### reform_report — the data-quality report and the Data Docs, after every transform

Runs when `reform_transform` has rebuilt the marts (Assets `reform://warehouse/marts/...`,
data-aware), or by hand.

- `report`: the analysts' data-quality page, `reports/dq/index.html` (`REFORM_REPORTS_DIR`):
  what arrived, what was loaded or rejected and why, row by row, and which published
  figures disagree with their own counts. Built from the `audit` schema alone.
- `data_docs`: dbt's documentation of the warehouse (models, columns, tests, lineage) as one
  static page, `reports/docs/static_index.html`.
"""

from __future__ import annotations

import pendulum
from airflow.sdk import dag, task

from reform_etl.airflow_callbacks import default_args
from reform_etl.assets import any_of, mart_assets


@dag(
    dag_id="reform_report",
    schedule=any_of(mart_assets()),
    start_date=pendulum.datetime(2025, 1, 1, tz="Asia/Ho_Chi_Minh"),
    catchup=False,
    max_active_runs=1,
    default_args=default_args(),
    doc_md=__doc__,
    tags=["cchc", "report"],
)
def reform_report() -> None:
    @task
    def report() -> str:
        from reform_etl import tasks

        return tasks.report()

    @task
    def data_docs() -> str:
        from reform_etl import tasks

        return tasks.data_docs()

    report()
    data_docs()


reform_report()
