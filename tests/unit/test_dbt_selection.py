"""Which dbt build a warehouse needs, from the fingerprints of its deliveries and of the project."""

from __future__ import annotations

from pathlib import Path

from reform_etl.dbt_selection import PROJECT_SCOPE, decide, kind_scope, project_fingerprint

BUILT = {PROJECT_SCOPE: "p1", kind_scope("dossiers"): "d1", kind_scope("index_scores"): "i1"}


def test_a_new_warehouse_and_a_changed_project_get_a_full_build() -> None:
    assert decide(BUILT, {}).full
    assert decide({**BUILT, PROJECT_SCOPE: "p2"}, BUILT).full
    assert decide(BUILT, BUILT, full=True).dbt_args() == ["build"]
    # a full build recreates the marts' tables
    assert decide({**BUILT, PROJECT_SCOPE: "p2"}, BUILT).dbt_env() == {}


def test_a_routine_build_selects_the_changed_kinds_without_seeds_or_unit_tests() -> None:
    plan = decide({**BUILT, kind_scope("dossiers"): "d2"}, BUILT)
    assert not plan.full and plan.kinds == ("dossiers",)
    assert plan.dbt_args() == [
        "build",
        "--select",
        "source:raw.dossiers+",
        "--exclude-resource-type",
        "unit_test",
        "--no-write-json",
    ]
    # the project is the one built last: the marts' rows are replaced in place
    assert plan.dbt_env() == {"REFORM_DBT_REFRESH_IN_PLACE": "yes"}
    # Only what was built is remembered: index_scores keeps its earlier fingerprint.
    assert plan.recorded() == {kind_scope("dossiers"): "d2"}


def test_nothing_changed_means_nothing_to_build() -> None:
    assert decide(BUILT, BUILT).nothing_to_do


def test_the_first_delivery_of_a_kind_is_a_change() -> None:
    plan = decide({**BUILT, kind_scope("online_services"): "o1"}, {**BUILT, kind_scope("online_services"): "none"})
    assert plan.kinds == ("online_services",)


def test_the_project_fingerprint_follows_files_and_role(tmp_path: Path) -> None:
    (tmp_path / "models").mkdir()
    (tmp_path / "models" / "a.sql").write_text("select 1", encoding="utf-8")
    before = project_fingerprint(tmp_path)
    assert project_fingerprint(tmp_path, role="reform_transformer") != before
    (tmp_path / "models" / "a.sql").write_text("select 2", encoding="utf-8")
    assert project_fingerprint(tmp_path) != before
