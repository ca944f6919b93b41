"""The expectation suites, written in code: one :class:`Check` per GX expectation.

Severity follows the contract: ``error`` (GX ``critical``) rejects the offending rows,
``warning`` loads them and stores a warning beside them. Domain rules that compare
columns look at *derived* columns (a rate gap, a date without its time) that
:mod:`.derived` computes in Python for in-memory validation and as SQL expressions for
validation pushed down to PostgreSQL, so one suite serves both.

Messages are English templates a person can act on: ``{column}`` is the row's value and
``{@column}`` the column's name as the file wrote it (``resolved_late ('Quá hạn')``).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from .. import kinds as k

ERROR, WARNING = "error", "warning"
RATE_TOLERANCE = 0.5  # points between a printed rate and the one computed from the counts

# Kinds whose deliveries run to millions of rows: their suite runs as SQL on the rows just
# COPYed into raw (see :mod:`.pushdown`), not in pandas chunk by chunk.
PUSHDOWN_KINDS = frozenset({k.DOSSIERS.name})


@dataclass(frozen=True)
class Check:
    """One expectation with the words a person needs when it fails."""

    rule: str
    expectation: str  # GX expectation class name
    kwargs: tuple[tuple[str, Any], ...]  # GX arguments, including the column(s)
    severity: str
    message: str  # formatted with the row's values and the file's labels
    blame: str  # the file's column a person has to look at (stored as column_name)
    title_vi: str = ""
    title_en: str = ""

    @property
    def column(self) -> str:
        """The column GX checks (column_A for a pair)."""
        args = dict(self.kwargs)
        return str(args.get("column") or args.get("column_A") or "")

    @property
    def columns(self) -> tuple[str, ...]:
        args = dict(self.kwargs)
        return tuple(str(args[key]) for key in ("column", "column_A", "column_B") if args.get(key))

    def build(self) -> Any:
        import great_expectations as gx

        cls = getattr(gx.expectations, self.expectation)
        return cls(
            severity="critical" if self.severity == ERROR else "warning",
            meta={"rule": self.rule, "message": self.message, "severity": self.severity, "blame": self.blame},
            notes=[f"{self.title_vi} / {self.title_en}"] if self.title_vi else None,
            **dict(self.kwargs),
        )


# -- column checks derived from the kind's types -----------------------------------------


def _not_null(column: str) -> Check:
    return Check(
        f"{column}_required",
        "ExpectColumnValuesToNotBeNull",
        (("column", column),),
        ERROR,
        f"{{@{column}}}: a value is required but the cell is empty",
        column,
        "Ô bắt buộc bị bỏ trống",
        "Required cell is empty",
    )


def _non_negative(column: str) -> Check:
    return Check(
        f"{column}_non_negative",
        "ExpectColumnValuesToBeBetween",
        (("column", column), ("min_value", 0)),
        ERROR,
        f"{{@{column}}}: {{{column}}} is negative; counts cannot be below zero",
        column,
        "Số lượng âm",
        "Negative count",
    )


def _percent(column: str) -> Check:
    return Check(
        f"{column}_in_range",
        "ExpectColumnValuesToBeBetween",
        (("column", column), ("min_value", 0), ("max_value", 100)),
        ERROR,
        f"{{@{column}}}: {{{column}}} is outside 0–100 %; percentages are on a 0–100 scale",
        column,
        "Tỷ lệ phần trăm ngoài khoảng 0–100",
        "Percentage outside 0–100",
    )


def _in_set(column: str, allowed: Sequence[str], what_vi: str) -> Check:
    return Check(
        f"{column}_allowed",
        "ExpectColumnValuesToBeInSet",
        (("column", column), ("value_set", list(allowed))),
        ERROR,
        f"{{@{column}}}: {{{column}}} is not one of {', '.join(allowed)}",
        column,
        f"{what_vi} không thuộc danh mục",
        f"{column} not in the allowed values",
    )


def _at_most(
    rule: str,
    upper: str,
    lower: str,
    severity: str,
    message: str,
    *,
    blame: str | None = None,
    title_vi: str,
    title_en: str,
) -> Check:
    """``lower`` must not exceed ``upper`` (rows missing either value are not judged)."""
    return Check(
        rule,
        "ExpectColumnPairValuesAToBeGreaterThanB",
        (("column_A", upper), ("column_B", lower), ("or_equal", True), ("ignore_row_if", "either_value_is_missing")),
        severity,
        message,
        blame or lower,
        title_vi,
        title_en,
    )


def _printed_rate(rule: str, gap: str, printed: str, computed: str, what: str, formula: str, title_vi: str) -> Check:
    return Check(
        rule,
        "ExpectColumnValuesToBeBetween",
        (("column", gap), ("min_value", -RATE_TOLERANCE), ("max_value", RATE_TOLERANCE)),
        WARNING,
        f"{{@{printed}}}: the printed {what} {{{printed}}} % differs from the {{{computed}:.2f}} % computed from "
        f"the counts ({formula}) by more than {RATE_TOLERANCE} points; correct the printed rate or the counts",
        printed,
        title_vi,
        f"Printed {what} disagrees with the counts",
    )


def _counts(kind: k.Kind) -> list[str]:
    return [c.name for c in kind.columns if c.type == k.COUNT]


def _percents(kind: k.Kind) -> list[str]:
    return [c.name for c in kind.columns if c.type == k.PERCENT]


# -- domain rules per kind ---------------------------------------------------------------


def _dossier_summary_rules() -> list[Check]:
    return [
        _printed_rate(
            "printed_on_time_rate",
            "on_time_rate_gap",
            "reported_on_time_rate",
            "computed_on_time_rate",
            "on-time rate",
            "early + on time over early + on time + late",
            "Tỷ lệ đúng hạn in sẵn lệch với số liệu",
        ),
        _printed_rate(
            "printed_late_rate",
            "late_rate_gap",
            "reported_late_rate",
            "computed_late_rate",
            "late rate",
            "late over early + on time + late",
            "Tỷ lệ trễ hạn in sẵn lệch với số liệu",
        ),
        Check(
            "dossier_balance",
            "ExpectColumnValuesToBeBetween",
            (("column", "balance_gap"), ("min_value", 0), ("max_value", 0)),
            WARNING,
            "received + carried over ({balance_in}) does not equal resolved + pending ({balance_out}), a gap of "
            "{balance_gap}; check {@received}, {@carried_over}, the resolved and the pending columns",
            "received",
            "Tiếp nhận + kỳ trước chuyển sang ≠ đã giải quyết + đang giải quyết",
            "Received + carried over ≠ resolved + pending",
        ),
        _at_most(
            "received_online_within_received",
            "received",
            "received_online",
            WARNING,
            "{@received_online}: {received_online} dossiers received online is more than the {received} received "
            "in total ({@received}); online is a part of the total",
            title_vi="Hồ sơ trực tuyến nhiều hơn tổng số tiếp nhận",
            title_en="Online dossiers exceed dossiers received",
        ),
    ]


def _dossiers_rules() -> list[Check]:
    return [
        _in_set("channel", ["truc_tiep", "truc_tuyen", "buu_chinh"], "Kênh nộp"),
        _at_most(
            "due_not_before_received",
            "due_on",
            "received_on",
            ERROR,
            "{@due_at}: the due date {due_at} is before the date received {received_at} ({@received_at}); "
            "a dossier cannot fall due before it is received — check the two date columns",
            blame="due_at",
            title_vi="Ngày hẹn trả trước ngày tiếp nhận",
            title_en="Due date before the date received",
        ),
        _at_most(
            "completed_not_before_received",
            "completed_on",
            "received_on",
            ERROR,
            "{@completed_at}: the result date {completed_at} is before the date received {received_at} "
            "({@received_at}); a dossier cannot be completed before it is received — check the two date columns",
            blame="completed_at",
            title_vi="Ngày có kết quả trước ngày tiếp nhận",
            title_en="Completed before it was received",
        ),
    ]


def _online_services_rules() -> list[Check]:
    return [
        _in_set("online_mode", ["toan_trinh", "mot_phan", "khong"], "Mức độ DVC"),
        _at_most(
            "dossiers_online_within_total",
            "dossiers_total",
            "dossiers_online",
            WARNING,
            "{@dossiers_online}: {dossiers_online} online dossiers is more than the {dossiers_total} dossiers in "
            "total ({@dossiers_total})",
            title_vi="Hồ sơ trực tuyến nhiều hơn tổng số hồ sơ",
            title_en="Online dossiers exceed the total",
        ),
    ]


def _online_service_summary_rules() -> list[Check]:
    return [
        _at_most(
            "online_within_total",
            "procedures_total",
            "procedures_online",
            ERROR,
            "{@procedures_online}: {procedures_online} online procedures is more than the {procedures_total} "
            "procedures in total ({@procedures_total}); online must not exceed the total",
            title_vi="Số DVC trực tuyến lớn hơn tổng số TTHC",
            title_en="Online procedures exceed all procedures",
        ),
        _at_most(
            "full_and_partial_within_online",
            "procedures_online",
            "procedures_split_online",
            ERROR,
            "{@procedures_online}: full ({procedures_full_online}) + partial ({procedures_partial_online}) online "
            "procedures make {procedures_split_online}, more than the {procedures_online} online procedures; "
            "full + partial must not exceed online — check {@procedures_full_online} and "
            "{@procedures_partial_online}",
            blame="procedures_online",
            title_vi="Toàn trình + một phần lớn hơn số DVC trực tuyến",
            title_en="Full + partial online exceed online",
        ),
        _at_most(
            "portal_within_total",
            "procedures_total",
            "procedures_on_national_portal",
            WARNING,
            "{@procedures_on_national_portal}: {procedures_on_national_portal} procedures on the national portal "
            "is more than the {procedures_total} procedures in total ({@procedures_total})",
            title_vi="Số TTHC tích hợp Cổng DVCQG lớn hơn tổng số TTHC",
            title_en="Procedures on the national portal exceed the total",
        ),
        _at_most(
            "dossiers_online_within_total",
            "dossiers_total",
            "dossiers_online",
            WARNING,
            "{@dossiers_online}: {dossiers_online} online dossiers is more than the {dossiers_total} dossiers in "
            "total ({@dossiers_total})",
            title_vi="Hồ sơ trực tuyến nhiều hơn tổng số hồ sơ",
            title_en="Online dossiers exceed the total",
        ),
        _printed_rate(
            "printed_coverage_rate",
            "coverage_rate_gap",
            "reported_coverage_rate",
            "computed_coverage_rate",
            "coverage rate",
            "online procedures over all procedures",
            "Tỷ lệ DVC trực tuyến in sẵn lệch với số liệu",
        ),
        _printed_rate(
            "printed_online_dossier_rate",
            "online_dossier_rate_gap",
            "reported_online_dossier_rate",
            "computed_online_dossier_rate",
            "online-dossier rate",
            "online dossiers over all dossiers",
            "Tỷ lệ hồ sơ trực tuyến in sẵn lệch với số liệu",
        ),
    ]


def _index_scores_rules() -> list[Check]:
    return [
        Check(
            "score_non_negative",
            "ExpectColumnValuesToBeBetween",
            (("column", "score"), ("min_value", 0)),
            ERROR,
            "{@score}: the score {score} is negative; index scores start at 0",
            "score",
            "Điểm âm",
            "Negative score",
        ),
        _at_most(
            "score_within_max",
            "score_ceiling",
            "score",
            ERROR,
            "{@score}: the score {score} is above the maximum {score_ceiling} ({@max_score}, or the index's own "
            "scale for a total score); check the decimal separator and the column",
            title_vi="Điểm vượt điểm tối đa",
            title_en="Score above max_score",
        ),
        _at_most(
            "self_score_within_max",
            "score_ceiling",
            "self_score",
            ERROR,
            "{@self_score}: the self-assessed score {self_score} is above the maximum {score_ceiling} "
            "({@max_score}, or the index's own scale for a total score)",
            title_vi="Điểm tự đánh giá vượt điểm tối đa",
            title_en="Self-assessed score above max_score",
        ),
    ]


_DOMAIN = {
    k.DOSSIER_SUMMARY.name: _dossier_summary_rules,
    k.DOSSIERS.name: _dossiers_rules,
    k.ONLINE_SERVICES.name: _online_services_rules,
    k.ONLINE_SERVICE_SUMMARY.name: _online_service_summary_rules,
    k.INDEX_SCORES.name: _index_scores_rules,
}


def checks_for(kind: k.Kind) -> list[Check]:
    """The suite of one kind: column checks from the kind's types, then its domain rules."""
    checks: list[Check] = [_not_null(c) for c in kind.required if c not in ("province", "period")]
    checks += [_non_negative(c) for c in _counts(kind)]
    checks += [_percent(c) for c in _percents(kind)]
    if "level" in kind.column_names:
        checks.append(_in_set("level", ["tinh", "huyen", "xa"], "Cấp"))
    checks += _DOMAIN[kind.name]()
    return checks


def runs_in_sql(kind: k.Kind) -> bool:
    return kind.name in PUSHDOWN_KINDS
