"""reform_transform follows the run's plan: which dbt nodes a routine build runs, and which it skips."""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
from airflow.exceptions import AirflowSkipException

from reform_etl.airflow_dbt import PLAN_TASK_ID, build_manifest, follow_plan, nodes_fed_by


@pytest.fixture(scope="module")
def manifest(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_manifest(tmp_path_factory.mktemp("dbt") / "manifest.json")


def test_the_nodes_fed_by_a_kind_are_its_source_and_everything_downstream(manifest: Path) -> None:
    dossiers = nodes_fed_by(["dossiers"], manifest)
    assert "source.reform_cchc.raw.dossiers" in dossiers
    assert {"model.reform_cchc.stg_raw__dossiers", "model.reform_cchc.fct_dossier_processing"} <= set(dossiers)
    assert "model.reform_cchc.fct_index_scores" not in dossiers
    assert not [uid for uid in dossiers if uid.startswith("seed.")]
    assert "model.reform_cchc.fct_index_scores" in nodes_fed_by(["index_scores"], manifest)


class _Ti:
    def __init__(self, planned: dict[str, Any] | None) -> None:
        self.planned = planned

    def xcom_pull(self, task_ids: str) -> dict[str, Any] | None:
        assert task_ids == PLAN_TASK_ID
        return self.planned


def _context(planned: dict[str, Any] | None, unique_id: str, resource_type: str = "model") -> dict[str, Any]:
    task = SimpleNamespace(
        env=None, extra_context={"dbt_node_config": {"unique_id": unique_id, "resource_type": resource_type}}
    )
    return {"ti": _Ti(planned), "task": task}


ROUTINE = {
    "full": False,
    "reason": "new deliveries of dossiers",
    "selected": ["model.reform_cchc.fct_dossier_processing"],
}


def test_a_routine_build_runs_the_selected_nodes_without_unit_tests_and_skips_the_others() -> None:
    context = _context(ROUTINE, "model.reform_cchc.fct_dossier_processing")
    follow_plan(context)
    assert context["task"].env == {"DBT_EXCLUDE_RESOURCE_TYPES": "unit_test"}
    with pytest.raises(AirflowSkipException):
        follow_plan(_context(ROUTINE, "model.reform_cchc.fct_index_scores"))
    with pytest.raises(AirflowSkipException):
        follow_plan(_context(ROUTINE, "seed.reform_cchc.provinces_34", "seed"))
    follow_plan(_context(ROUTINE, "source.reform_cchc.audit.file_ingestions", "source"))  # freshness always runs


def test_a_full_build_runs_everything() -> None:
    context = _context(
        {"full": True, "reason": "new warehouse", "selected": []}, "seed.reform_cchc.provinces_34", "seed"
    )
    follow_plan(context)
    assert context["task"].env is None
