"""The marts end to end: the generator's sample plus hand-made files -> raw -> dbt -> marts.

One warehouse is loaded and built once; the checks then read it: ranks computed by hand,
a restatement across the 2025 merger computed by hand, a rebuild that changes nothing, a
re-delivered month of dossier records that replaces the earlier figures, and what the BI
role may and may not see.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import psycopg
import pytest

from reform_etl import pipeline
from reform_etl.dq_report import data as dq_data
from reform_etl.generate import generate

from . import marts_fixtures as fx

pytestmark = pytest.mark.integration

MART_SCHEMAS = ("marts", "intermediate", "snapshots")


def _load_and_build(url: str, landing: Path) -> pipeline.RunSummary:
    run_id = pipeline.new_run_id("test")
    pipeline.prepare(url, run_id=run_id, trigger="test", landing=landing)
    summary = pipeline.RunSummary(run_id=run_id, files=pipeline.ingest_all(url, landing, run_id=run_id))
    summary.transform = pipeline.transform(url, run_id=run_id)
    return summary


def _contents(url: str) -> dict[str, tuple[int, str]]:
    """Row count and an order-independent digest of every table dbt built."""
    out: dict[str, tuple[int, str]] = {}
    with psycopg.connect(url) as conn:
        tables = conn.execute(
            "select table_schema, table_name from information_schema.tables "
            "where table_schema = any(%s) and table_type = 'BASE TABLE' order by 1, 2",
            (list(MART_SCHEMAS),),
        ).fetchall()
        for schema, table in tables:
            count, digest = conn.execute(
                f"select count(*), md5(coalesce(string_agg(md5(t::text), '' order by md5(t::text)), '')) "
                f'from "{schema}"."{table}" as t'
            ).fetchone()
            out[f"{schema}.{table}"] = (count, digest)
    return out


def _records(url: str, query) -> dict[tuple[str, str], tuple[int, ...]]:  # type: ignore[no-untyped-def]
    rows = query(
        url,
        "select level, channel, received, resolved_early, resolved_on_time, resolved_late, "
        "pending_within_deadline, pending_overdue from marts.fct_dossier_processing "
        "where province_code = '22' and period_label = '2025-09' and source = 'records'",
    )
    return {(r[0], r[1]): tuple(int(v) for v in r[2:]) for r in rows}


@pytest.fixture(scope="module")
def built(
    pg_server_url: str, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[str, Path, pipeline.RunSummary]]:
    """One warehouse for the module (like ``warehouse_url``, but loaded and built once)."""
    name = f"t_{uuid.uuid4().hex[:12]}"
    admin = urlunsplit(urlsplit(pg_server_url)._replace(path="/postgres"))
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'create database "{name}"')
    url = urlunsplit(urlsplit(pg_server_url)._replace(path=f"/{name}"))
    saved = os.environ.get("WAREHOUSE_URL")
    os.environ["WAREHOUSE_URL"] = url
    landing = tmp_path_factory.mktemp("marts") / "landing"
    try:
        generate(landing, provinces=4, years=(2024, 2025), dossier_rows=2000, fault_rate=0, seed=1)
        fx.write_par_2019(landing)
        fx.write_merged_summaries(landing)
        fx.write_records(landing, fx.RECORDS_V1)
        fx.write_pci_2011(landing)
        fx.write_par_2019_sources(landing)
        fx.write_monthly_in_half(landing)
        yield url, landing, _load_and_build(url, landing)
    finally:
        if saved is None:
            os.environ.pop("WAREHOUSE_URL", None)
        else:
            os.environ["WAREHOUSE_URL"] = saved
        with psycopg.connect(admin, autocommit=True) as conn:
            conn.execute(f'drop database if exists "{name}" with (force)')


def test_marts_from_the_sample_and_hand_made_files(built, query):  # type: ignore[no-untyped-def]
    url, landing, summary = built
    assert summary.by_status() == {"loaded": len(summary.files)}, [
        (f.path.name, f.status, f.message) for f in summary.files if f.status != "loaded"
    ]
    assert summary.transform is not None and summary.transform.success
    assert summary.transform.count("unit_test") >= 5
    assert summary.transform.count("unit_test", "fail") == 0

    # -- ranking computed by hand, with a tie and a published rank that disagrees
    ranks = {
        r[0]: r[1:]
        for r in query(
            url,
            "select province_code, rank, provinces_ranked, published_rank, rank_matches_published, score "
            "from marts.fct_province_rankings where index_code = 'PAR' and year = 2019",
        )
    }
    assert {code: r[0] for code, r in ranks.items()} == fx.PAR_2019_EXPECTED
    assert {r[1] for r in ranks.values()} == {len(fx.PAR_2019)}
    assert ranks["22"] == (1, 6, 1, True, Decimal("90.09"))  # Quảng Ninh: 90.09, first, as published
    assert ranks["74"][2:4] == (7, False)  # printed 7th, 6th by score
    assert ranks["27"][3] is True  # the tie shares rank 3, as published
    regional = dict(
        query(
            url,
            "select province_code, region_rank from marts.fct_province_rankings "
            "where index_code = 'PAR' and year = 2019 and region_code = 'DBSH'",
        )
    )
    assert regional == fx.PAR_2019_DBSH_EXPECTED
    # Every rank of the generator's national tables agrees with the published one.
    assert query(
        url,
        "select count(*) filter (where rank_matches_published), count(*) from marts.fct_province_rankings "
        "where year in (2024, 2025)",
    ) == [(194, 194)]
    # The merger year compares like with like: every 2025 rank change is on the 34 units.
    assert query(
        url,
        "select distinct rank_change_basis, previous_provinces_ranked from marts.fct_province_rankings "
        "where year = 2025 and index_code = 'PAR'",
    ) == [("restated_to_current_units", 34)]

    # -- Bắc Kạn's and Thái Nguyên's H1-2024 figures under their successor, restated by hand
    [restated] = query(
        url,
        "select contributing_codes, units_reporting, units_expected, is_complete, is_restated, received, "
        "received_online, resolved_early, resolved_on_time, resolved_late, on_time_rate, online_share "
        "from marts.rpt_restated_34 where province_code = '19' and figure = 'dossier_processing' "
        "and period_label = '2024-H1' and level = 'tinh' and source = 'summary'",
    )
    assert restated[:5] == ("06,19", 2, 2, True, True)
    expected = fx.RESTATED_19_2024_H1
    assert restated[5:10] == tuple(
        expected[k] for k in ("received", "received_online", "resolved_early", "resolved_on_time", "resolved_late")
    )
    assert float(restated[10]) == pytest.approx(expected["on_time_rate"])
    assert float(restated[11]) == pytest.approx(expected["online_share"])
    # A generated merged pair too: Hà Giang (02) + Tuyên Quang (08) -> Tuyên Quang, rate from the sums.
    pair = query(
        url,
        "select province_code, coalesce(resolved_early, 0) + resolved_on_time, resolved_late from "
        "marts.fct_dossier_processing where province_code in ('02', '08') and period_label = '2024-H1' "
        "and level = 'xa' and source = 'summary'",
    )
    assert sorted(r[0] for r in pair) == ["02", "08"]
    in_time, late = sum(r[1] for r in pair), sum(r[2] for r in pair)
    [(rate,)] = query(
        url,
        "select on_time_rate from marts.rpt_restated_34 where province_code = '08' and period_label = '2024-H1' "
        "and level = 'xa' and source = 'summary' and figure = 'dossier_processing'",
    )
    assert float(rate) == pytest.approx(100 * in_time / (in_time + late), abs=1e-4)

    # -- record-level months: the hand-made log of Quảng Ninh, September 2025
    assert _records(url, query) == fx.RECORDS_V1_EXPECTED

    # -- scorecard and targets are there for the 34 units in 2025
    assert query(url, "select count(distinct province_code) from marts.rpt_province_scorecard where year = 2025") == [
        (34,)
    ]
    # Both milestones of Resolution 76/NQ-CP for every year with data: a trajectory, not a step.
    assert query(
        url,
        "select milestone_year, bool_and(is_current_milestone), array_agg(distinct target_value order by "
        "target_value), array_agg(distinct year order by year) from marts.rpt_target_progress "
        "where target_scope = 'national' and year >= 2024 group by milestone_year order by 1",
    ) == [
        (2025, True, [Decimal(50), Decimal(80), Decimal(90)], [2024, 2025]),
        (2030, False, [Decimal(80), Decimal(95), Decimal(100)], [2024, 2025]),
    ]

    # -- a second build changes nothing
    before = _contents(url)
    assert before["marts.fct_dossier_processing"][0] > 0 and before["intermediate.int_dossier_records__monthly"][0] > 0
    pipeline.transform(url, run_id=pipeline.new_run_id("test"))
    assert _contents(url) == before

    # -- a re-delivered month replaces the earlier figures of that month
    fx.write_records(landing, fx.RECORDS_V2)
    again = _load_and_build(url, landing)
    assert [f.status for f in again.files if f.path.name == fx.RECORDS_V2[0]] == ["loaded"]
    assert _records(url, query) == fx.RECORDS_V2_EXPECTED
    statuses = dict(
        query(url, "select regexp_replace(path, '^.*/', ''), status from audit.file_ingestions where kind = 'dossiers'")
    )
    assert statuses[fx.RECORDS_V1[0]] == "superseded"
    after = _contents(url)
    changed = {name for name in after if after[name] != before.get(name)}
    assert "marts.fct_dossier_processing" in changed
    assert "marts.fct_index_scores" not in changed  # nothing else was delivered


# (mart, what the copied row gets, a row to copy, the error PostgreSQL must raise)
BROKEN_RULES = [
    ("fct_dossier_processing", "received = -1", "true", psycopg.errors.CheckViolation),
    ("fct_dossier_processing", "on_time_rate = 100.5", "true", psycopg.errors.CheckViolation),
    ("fct_dossier_processing", "level = 'huyện'", "true", psycopg.errors.CheckViolation),
    ("fct_dossier_processing", "received_online = received + 1", "received is not null", psycopg.errors.CheckViolation),
    ("fct_dossier_processing", "period_end = null", "true", psycopg.errors.NotNullViolation),
    ("rpt_restated_34", "coverage_rate = -0.01", "true", psycopg.errors.CheckViolation),
    (
        "rpt_province_scorecard",
        "par_rank = par_provinces_ranked + 1",
        "par_rank is not null",
        psycopg.errors.CheckViolation,
    ),
]


@pytest.mark.parametrize(("mart", "change", "where", "error"), BROKEN_RULES)
def test_marts_refuse_rows_that_break_their_column_rules(built, mart, change, where, error):  # type: ignore[no-untyped-def]
    """Counts, percentages, code lists and part-of-whole rules are the marts' contract
    constraints, so PostgreSQL itself refuses a row that breaks one (a build that produced such
    a row fails and leaves the published table as it was)."""
    url, _, _ = built
    with psycopg.connect(url) as conn:
        conn.execute(f"create temporary table candidate as select * from marts.{mart} where {where} limit 1")
        assert conn.execute(f"update candidate set {change}").rowcount == 1
        with pytest.raises(error):
            conn.execute(f"insert into marts.{mart} select * from candidate")
        conn.rollback()


def test_bi_reader_sees_documented_marts_and_audit_only(built):  # type: ignore[no-untyped-def]
    url, _, _ = built
    with psycopg.connect(url, autocommit=True) as conn:
        undocumented = conn.execute(
            "select c.relname || '.' || a.attname from pg_attribute a "
            "join pg_class c on c.oid = a.attrelid join pg_namespace n on n.oid = c.relnamespace "
            "where n.nspname = 'marts' and c.relkind = 'r' and a.attnum > 0 and not a.attisdropped "
            "and col_description(c.oid, a.attnum) is null"
        ).fetchall()
        assert undocumented == []
        tables = [
            r[0]
            for r in conn.execute(
                "select c.relname from pg_class c join pg_namespace n on n.oid = c.relnamespace "
                "where n.nspname = 'marts' and c.relkind = 'r' and obj_description(c.oid, 'pg_class') is not null"
            ).fetchall()
        ]
        assert {"dim_province", "fct_province_rankings", "rpt_restated_34", "dim_procedure"} <= set(tables)

        conn.execute("set role bi_reader")
        for table in tables:
            conn.execute(f"select * from marts.{table} limit 1").fetchall()
        assert conn.execute("select count(*) from audit.file_ingestions").fetchone()[0] > 0
        for forbidden in (
            "raw.dossier_summary",
            "staging.stg_raw__dossiers",
            "intermediate.int_dossier_records__monthly",
        ):
            with pytest.raises(psycopg.errors.InsufficientPrivilege):
                conn.execute(f"select * from {forbidden} limit 1")
        conn.execute("reset role")


def test_publishers_tie_breaks_self_assessment_and_months_in_a_half_year(built, query, monkeypatch):  # type: ignore[no-untyped-def]
    url, _, _ = built
    # -- PCI 2011: a tie the publisher broke agrees with the data; a higher score ranked lower does not
    ranks = {
        r[0]: r[1:]
        for r in query(
            url,
            "select province_code, rank, rank_agreement, rank_matches_published from marts.fct_province_rankings "
            "where index_code = 'PCI' and year = 2011",
        )
    }
    assert ranks == fx.PCI_2011_EXPECTED
    # The PAR 2019 tie (Đà Nẵng and Bắc Ninh, both printed 3rd) is a plain match.
    assert query(
        url,
        "select province_code, rank_agreement from marts.fct_province_rankings where index_code = 'PAR' "
        "and year = 2019 and province_code in ('48', '27') order by 1",
    ) == [("27", "matches"), ("48", "matches")]

    # -- PAR 2019 fields: appraisal and self-assessment side by side, whatever the arrival order
    fields = query(
        url,
        "select province_code, component_label, score, self_score, self_score_gap, score_source, "
        "self_file_id is not null from marts.fct_index_scores where index_code = 'PAR' and year = 2019 "
        'and not is_total order by province_code, component_label collate "C"',
    )
    expected = []
    for code in ("22", "31"):
        for i in sorted(range(len(fx.PAR_FIELDS_2019)), key=lambda i: fx.PAR_FIELDS_2019[i]):
            appraised = Decimal(fx.PAR_2019_APPRAISED[code, i].replace(",", "."))
            claimed = Decimal(fx.PAR_2019_SELF[code, i].replace(",", "."))
            expected.append((code, fx.PAR_FIELDS_2019[i], appraised, claimed, claimed - appraised, "appraised", True))
    assert fields == expected
    scorecard = query(
        url,
        "select province_code, par_self_score, par_appraised_self_assessed_fields, par_self_score_gap, "
        "par_self_assessed_fields from marts.rpt_province_scorecard where year = 2019 and province_code in "
        "('22', '31') order by 1",
    )
    assert scorecard == [(code, *(Decimal(x) for x in fx.PAR_2019_SELF_GAPS[code]), 2) for code in ("22", "31")]

    # -- the data-quality report: tie-breaks apart from contradictions, self-assessment above appraisal
    monkeypatch.setenv("REFORM_SELF_SCORE_EXCESS_POINTS", "1")
    with psycopg.connect(url) as conn:
        report = dq_data.load(conn)
    [tie] = [b for b in report.rank_tie_breaks if b.index_code == "PCI"]
    assert (tie.year, float(tie.score)) == (2011, 57.62)
    assert tie.ranked == "Bình Dương (74): 2, Lào Cai (10): 3"
    contradictions = [w for w in report.warnings if w.rule == "published_rank_order" and w.name == fx.PCI_2011_FILE]
    assert sorted(w.source_row for w in contradictions) == [5, 6]  # Hà Nội and Quảng Ninh, not the tie
    assert report.self_score_excess_points == 1.0
    # (the generated sample's self-assessments run up to 1.2 points high: 2019 is the hand-made year)
    excesses = [(e.province_code, e.year, e.component, e.self_score, e.score) for e in report.self_score_excesses]
    assert [e for e in excesses if e[1] == 2019] == [
        ("31", 2019, fx.PAR_FIELDS_2019[0], Decimal("9.00"), Decimal("7.50"))
    ]

    # -- a half-year report with a row per month: each month under its own label
    assert query(
        url,
        "select period_label, received from marts.fct_dossier_processing where province_code = '22' "
        "and source = 'summary' and period_start between date '2023-07-01' and date '2023-12-31' order by 1",
    ) == [("2023-07", 300), ("2023-08", 320)]
    assert query(
        url,
        "select period_label, status from audit.file_ingestions where path like %s",
        (f"%/{fx.MONTHLY_IN_HALF[0]}",),
    ) == [("2023-H2", "loaded")]
