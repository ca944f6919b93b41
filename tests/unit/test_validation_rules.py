"""The rules without a database: suites, derived columns, messages, SQL translation, calendar."""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path

import pyarrow as pa
import pytest

from reform_etl import kinds as k
from reform_etl.completeness import (
    DELIVERED,
    LATE,
    MISSING,
    PENDING,
    REJECTED,
    WARNINGS,
    Calendar,
    CalendarError,
    Delivery,
    build_matrix,
    expected_periods,
    load_calendar,
    units_for,
)
from reform_etl.periods import parse_period
from reform_etl.validation import checks_for, rule_catalogue, runs_in_sql, validate_rows
from reform_etl.validation.arrow_suite import arrow_suite, unexpected_mask
from reform_etl.validation.derived import SQL_EXPRESSIONS, add_check_columns
from reform_etl.validation.messages import render, show
from reform_etl.validation.pushdown import Unsupported, sql_suite, unexpected_condition

LABELS = {
    "reported_on_time_rate": "Tỷ lệ đúng hạn (%)",
    "resolved_late": "Quá hạn",
    "received": "Tiếp nhận",
    "procedures_online": "DVC trực tuyến",
}


def _summary_row(source_row: int, **values: object) -> dict[str, object]:
    row: dict[str, object] = {
        "source_row": source_row,
        "level": "tinh",
        "received": 1000,
        "resolved_early": 100,
        "resolved_on_time": 800,
        "resolved_late": 100,
    }
    row.update(values)
    return row


# -- suites --------------------------------------------------------------------------------


def test_every_rule_has_a_severity_a_place_to_run_and_words_in_both_languages() -> None:
    catalogue = rule_catalogue()
    assert len({r.rule for r in catalogue}) == len(catalogue)
    for rule in catalogue:
        assert rule.severity in ("error", "warning"), rule
        assert rule.runs_in in ("pandas", "SQL", "python", "SQL / Arrow", "pandas / SQL / Arrow"), rule
        assert rule.title_vi and rule.title_en, rule
    where = {r.rule: r.runs_in for r in catalogue}
    assert where["completed_not_before_received"] == "SQL / Arrow"
    assert where["printed_on_time_rate"] == "pandas"
    assert where["published_rank_order"] == "SQL"


@pytest.mark.parametrize(
    ("kind", "rule", "severity"),
    [
        ("dossier_summary", "printed_on_time_rate", "warning"),
        ("dossier_summary", "printed_late_rate", "warning"),
        ("dossier_summary", "dossier_balance", "warning"),
        ("online_service_summary", "printed_coverage_rate", "warning"),
        ("online_service_summary", "printed_online_dossier_rate", "warning"),
        ("online_service_summary", "full_and_partial_within_online", "error"),
        ("online_service_summary", "online_within_total", "error"),
        ("index_scores", "score_within_max", "error"),
        ("dossier_summary", "reported_on_time_rate_in_range", "error"),
        ("dossiers", "completed_not_before_received", "error"),
        ("dossiers", "due_not_before_received", "error"),
    ],
)
def test_the_contracts_severities(kind: str, rule: str, severity: str) -> None:
    checks = {c.rule: c for c in checks_for(k.get_kind(kind))}
    assert checks[rule].severity == severity


def test_a_wrong_printed_rate_is_a_warning_naming_the_files_header() -> None:
    rows = [_summary_row(2, reported_on_time_rate=80.0), _summary_row(3, reported_on_time_rate=90.2)]

    outcome = validate_rows(k.DOSSIER_SUMMARY, rows, labels=LABELS)

    [finding] = outcome.findings
    assert (finding.source_row, finding.column, finding.rule, finding.severity) == (
        2,
        "reported_on_time_rate",
        "printed_on_time_rate",
        "warning",
    )
    assert finding.raw_value == "80"
    assert finding.message.startswith("reported_on_time_rate ('Tỷ lệ đúng hạn (%)'): the printed on-time rate 80 %")
    assert "90.00 %" in finding.message
    assert any(o.rule == "printed_on_time_rate" and not o.success for o in outcome.outcomes)


def test_a_rejected_row_carries_no_warnings() -> None:
    rows = [
        {
            "source_row": 5,
            "province_code": "40",
            "procedures_total": 100,
            "procedures_online": 120,
            "reported_coverage_rate": 50.0,
        },
        {
            "source_row": 6,
            "province_code": "42",
            "procedures_total": 100,
            "procedures_online": 50,
            "reported_coverage_rate": 50.0,
        },
    ]

    findings = validate_rows(k.ONLINE_SERVICE_SUMMARY, rows, labels=LABELS).findings

    assert [(f.source_row, f.rule, f.severity) for f in findings] == [(5, "online_within_total", "error")]
    assert "'DVC trực tuyến'" in findings[0].message


def test_the_large_kind_is_validated_in_sql_not_in_memory() -> None:
    assert runs_in_sql(k.DOSSIERS) and not runs_in_sql(k.DOSSIER_SUMMARY)
    assert validate_rows(k.DOSSIERS, [{"source_row": 2}]).outcomes == []


def test_every_expectation_of_the_sql_kinds_translates_to_sql() -> None:
    for kind in k.KINDS.values():
        if not runs_in_sql(kind):
            continue
        translated = sql_suite(kind)
        assert {e.rule for e in translated} == {c.rule for c in checks_for(kind)}
        raw = {c.name for c in kind.columns} | set(SQL_EXPRESSIONS.get(kind.name, {}))
        for check in checks_for(kind):
            assert set(check.columns) <= raw, (check.rule, check.columns)


def test_sql_translation_follows_gx_semantics() -> None:
    between = unexpected_condition(k.DOSSIERS, "expect_column_values_to_be_between", {"column": "x", "min_value": 0})
    assert between.as_string(None) == '("x" is not null and ("x" < 0))'
    pair = unexpected_condition(
        k.DOSSIERS,
        "expect_column_pair_values_a_to_be_greater_than_b",
        {"column_A": "due_on", "column_B": "received_on", "or_equal": True, "ignore_row_if": "either_value_is_missing"},
    )
    assert "(due_at::date) >= (received_at::date)" in pair.as_string(None)
    with pytest.raises(Unsupported):
        unexpected_condition(k.DOSSIERS, "expect_column_values_to_be_unique", {"column": "x"})


# -- derived columns and messages ------------------------------------------------------------


def test_a_total_score_without_max_is_checked_against_the_index_scale() -> None:
    rows = [
        {"index_code": "PAR", "component_code": "TOTAL", "max_score": None},
        {"index_code": "PAPI", "component_code": "TOTAL", "max_score": None},
        {"index_code": "PAR", "component_code": "CAI_CACH_TTHC", "max_score": None},
        {"index_code": "PAR", "component_code": "CAI_CACH_TTHC", "max_score": 13.0},
    ]
    add_check_columns(k.INDEX_SCORES, rows)
    assert [r["score_ceiling"] for r in rows] == [100.0, 80.0, None, 13.0]


def test_dates_are_compared_by_day_so_a_same_day_due_date_is_valid() -> None:
    rows = [{"received_at": datetime(2024, 3, 6, 14, 10), "due_at": datetime(2024, 3, 6), "completed_at": None}]
    add_check_columns(k.DOSSIERS, rows)
    assert rows[0]["received_on"] == rows[0]["due_on"] == date(2024, 3, 6)
    assert rows[0]["completed_on"] is None


def test_full_and_partial_add_up_only_when_one_is_given() -> None:
    rows = [
        {"procedures_full_online": 700, "procedures_partial_online": None},
        {"procedures_full_online": None, "procedures_partial_online": None},
    ]
    add_check_columns(k.ONLINE_SERVICE_SUMMARY, rows)
    assert [r["procedures_split_online"] for r in rows] == [700, None]


def test_messages_show_values_plainly_and_columns_with_their_labels() -> None:
    text = render(
        "{@resolved_late}: {resolved_late} at {when}, {rate:.2f} %, {missing}",
        {"resolved_late": 12.0, "when": datetime(2024, 3, 1, 8, 5), "rate": 95.876},
        LABELS,
    )
    assert text == "resolved_late ('Quá hạn'): 12 at 01/03/2024 08:05, 95.88 %, (empty)"
    # A label with braces cannot break the template.
    assert render("{@x}: {x}", {"x": 1}, {"x": "Cột {a}"}) == "x ('Cột {a}'): 1"
    assert show(date(2024, 1, 2)) == "02/01/2024" and show(0.5) == "0.5"


# -- the delivery calendar -------------------------------------------------------------------


def test_the_packaged_calendar_expects_every_unit_every_half_year() -> None:
    calendar = load_calendar()
    rule = next(r for r in calendar.rules if r.stream == "dossier_summary")
    assert (rule.every, rule.provinces) == ("half", "all")
    summary = next(r for r in calendar.rules if r.stream == "online_service_summary")
    assert "online_services" in summary.accepts
    assert {r.stream for r in calendar.rules} >= {"index_scores:PAR", "index_scores:SIPAS"}


def test_units_expected_follow_the_merger() -> None:
    assert len(units_for(parse_period("2025-H1"))) == 63
    assert len(units_for(parse_period("2025-H2"))) == 34
    assert len(units_for(parse_period("2025"))) == 34  # a year ending after the merger


def test_a_calendar_mistake_names_the_entry(tmp_path: Path) -> None:
    path = tmp_path / "c.yml"
    path.write_text("deliveries:\n  - kind: dossier_summary\n    every: half\n    from: 2024\n", encoding="utf-8")
    with pytest.raises(CalendarError, match=r"deliveries\[0\]\.from"):
        load_calendar(path)
    path.write_text("deliveries:\n  - kind: budget\n    every: year\n    from: 2024\n", encoding="utf-8")
    with pytest.raises(CalendarError, match="budget"):
        load_calendar(path)


def _delivery(
    file_id: int, kind: str, province: str, period: str, status: str, received: datetime, **counts: int
) -> Delivery:
    return Delivery(
        file_id,
        kind,
        None,
        province,
        period,
        status,
        received,
        counts.get("loaded", 10),
        counts.get("rejected", 0),
        counts.get("warnings", 0),
        "bad file" if status == "rejected" else None,
    )


def test_the_matrix_gives_every_expected_cell_a_status(tmp_path: Path) -> None:
    path = tmp_path / "c.yml"
    path.write_text(
        "judge_lateness_from: null\ndeliveries:\n"
        "  - kind: online_service_summary\n    also_satisfied_by: [online_services]\n"
        "    provinces: ['40', '42', '38', '01', '79']\n    every: year\n    from: 2023\n    late_after_days: 60\n",
        encoding="utf-8",
    )
    calendar = load_calendar(path)
    on_time, late = datetime(2024, 2, 1), datetime(2024, 6, 1)
    delivered = [
        _delivery(1, "online_service_summary", "40", "2023", "loaded", on_time),
        _delivery(2, "online_services", "42", "2023", "loaded", on_time),  # a catalogue counts
        _delivery(3, "online_service_summary", "38", "2023", "rejected", on_time),
        _delivery(4, "online_service_summary", "01", "2023", "loaded", late),
        _delivery(5, "online_service_summary", "79", "2023", "loaded", on_time, warnings=2),
        _delivery(6, "dossiers", "40", "2023-03", "loaded", on_time),  # not in the calendar
    ]

    matrix = build_matrix(calendar, delivered, as_of=date(2024, 7, 1))

    status = {c.province_code: c.status for c in matrix.cells if c.stream == "online_service_summary"}
    assert status == {"40": DELIVERED, "42": DELIVERED, "38": REJECTED, "01": LATE, "79": WARNINGS}
    extra = matrix.cell("40", "dossiers", "2023-03")
    assert extra is not None and not extra.expected and extra.status == DELIVERED
    # 2024 has not ended on 2024-07-01: nothing is expected for it yet.
    assert [p.label for p in expected_periods(calendar.rules[0], date(2024, 7, 1))] == ["2023"]
    later = build_matrix(calendar, [], as_of=date(2025, 2, 1))
    assert {c.status for c in later.cells if c.period_label == "2024"} == {PENDING}
    assert {c.status for c in later.cells if c.period_label == "2023"} == {MISSING}


def test_lateness_is_judged_only_from_the_warehouses_first_day_by_default() -> None:
    calendar = Calendar(rules=load_calendar().rules, judge_lateness_from="auto")
    backfill = [_delivery(1, "dossier_summary", "40", "2024-H1", "loaded", datetime(2026, 1, 5))]
    matrix = build_matrix(calendar, backfill, as_of=date(2026, 2, 1), first_seen=datetime(2026, 1, 5))
    cell = matrix.cell("40", "dossier_summary", "2024-H1")
    assert cell is not None and cell.status == DELIVERED and not cell.late


def test_every_expectation_of_the_sql_kinds_translates_to_arrow() -> None:
    for kind in k.KINDS.values():
        if runs_in_sql(kind):
            assert {e.rule for e in arrow_suite(kind)} == {c.rule for c in checks_for(kind)}


def test_arrow_translation_follows_gx_semantics() -> None:
    stamp = pa.timestamp("us")
    columns = {
        "x": pa.array([None, -1, 0, 5]),
        "channel": pa.array([None, "truc_tuyen", "fax", "buu_chinh"]),
        "due_at": pa.array([None, datetime(2025, 3, 9), datetime(2025, 3, 10, 8), datetime(2025, 3, 1)], stamp),
        "received_at": pa.array([datetime(2025, 3, 10), None, datetime(2025, 3, 10, 15), datetime(2025, 3, 2)], stamp),
    }

    def mask(expectation: str, **args: object) -> list[bool]:
        return unexpected_mask(k.DOSSIERS, expectation, args)(columns).tolist()

    assert mask("expect_column_values_to_be_between", column="x", min_value=0) == [False, True, False, False]
    assert mask("expect_column_values_to_not_be_null", column="x") == [True, False, False, False]
    in_set = mask("expect_column_values_to_be_in_set", column="channel", value_set=["truc_tuyen", "buu_chinh"])
    assert in_set == [False, False, True, False]  # a missing value is not outside the set
    pair = mask(
        "expect_column_pair_values_a_to_be_greater_than_b",
        column_A="due_on",
        column_B="received_on",
        or_equal=True,
        ignore_row_if="either_value_is_missing",
    )
    assert pair == [False, False, False, True]  # compared by day: the same day is not before
    with pytest.raises(Unsupported):
        unexpected_mask(k.DOSSIERS, "expect_column_values_to_be_unique", {"column": "x"})
