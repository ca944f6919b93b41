"""Every rule the pipeline applies, with its severity and where it runs, for people.

The GX suites hold the row rules; the rules here need the whole file or the warehouse's
history (a total row, the order of published ranks, earlier deliveries), so they run
after the rows are loaded, inside the file's transaction, and record their outcome in
``audit.validation_results`` like any expectation.
"""

from __future__ import annotations

from dataclasses import dataclass

from .. import kinds as k
from .checks import checks_for, runs_in_sql


@dataclass(frozen=True)
class RuleInfo:
    rule: str
    kinds: tuple[str, ...]
    severity: str  # error | warning
    # pandas | SQL | python (normaliser, streaming) | SQL / Arrow (SQL for small files, Arrow
    # batches while a large file streams in: see load.bulk)
    runs_in: str
    expectation: str
    title_vi: str
    title_en: str


FILE_RULES: tuple[RuleInfo, ...] = (
    RuleInfo(
        "total_row_mismatch",
        (k.DOSSIER_SUMMARY.name,),
        "warning",
        "python",
        "ExpectTotalRowToMatchColumnSums",
        "Dòng tổng cộng khác tổng các dòng",
        "Total row differs from the column sums",
    ),
    RuleInfo(
        "published_rank_order",
        (k.INDEX_SCORES.name,),
        "warning",
        "SQL",
        "ExpectPublishedRanksToFollowScores",
        "Thứ hạng công bố ngược với thứ tự điểm",
        "Published rank disagrees with the order of the scores",
    ),
    RuleInfo(
        "volume_vs_history",
        (k.DOSSIER_SUMMARY.name, k.DOSSIERS.name),
        "warning",
        "SQL",
        "ExpectVolumeWithinProvinceHistory",
        "Số hồ sơ tiếp nhận bất thường so với các kỳ trước của tỉnh",
        "Dossiers received far from the province's earlier periods",
    ),
)

# Rules the normaliser applies while typing the rows (reasons name the file's header).
NORMALISER_RULES: tuple[RuleInfo, ...] = (
    RuleInfo(
        "unparseable_value",
        tuple(k.KINDS),
        "error",
        "python",
        "",
        "Giá trị không đọc được (số lẻ, số âm, ngày không có thật, tỷ lệ ngoài 0–100…)",
        "Value cannot be read (fractional or negative count, impossible date, percentage outside 0–100…)",
    ),
    RuleInfo(
        "duplicate_key",
        tuple(k.KINDS),
        "error",
        "python",
        "",
        "Trùng khóa trong cùng một tệp (mã hồ sơ, cấp, mã TTHC…)",
        "Key repeated within one file (dossier id, level, procedure code…)",
    ),
    RuleInfo(
        "district_after_merger",
        (k.DOSSIER_SUMMARY.name, k.DOSSIERS.name, k.ONLINE_SERVICES.name),
        "error",
        "python",
        "",
        "Số liệu cấp huyện cho kỳ từ 01/07/2025",
        "District-level data for a period from 2025-07-01",
    ),
    RuleInfo(
        "old_province_name",
        tuple(k.KINDS),
        "warning",
        "python",
        "",
        "Tên/mã tỉnh cũ cho kỳ sau sáp nhập (đã quy về tỉnh mới)",
        "Pre-merger province name for a later period (mapped to its successor)",
    ),
)


_ENGINES = ("pandas", "SQL", "Arrow", "python")


def _merged(first: str, second: str) -> str:
    parts = {*first.split(" / "), *second.split(" / ")}
    return " / ".join(e for e in _ENGINES if e in parts)


def rule_catalogue() -> list[RuleInfo]:
    """All rules, suite rules first (kind by kind), then file rules, then the normaliser's."""
    rules: dict[str, RuleInfo] = {}
    for kind in k.KINDS.values():
        where = "SQL / Arrow" if runs_in_sql(kind) else "pandas"
        for check in checks_for(kind):
            seen = rules.get(check.rule)
            if seen is not None:
                if kind.name not in seen.kinds:
                    rules[check.rule] = RuleInfo(
                        seen.rule,
                        (*seen.kinds, kind.name),
                        seen.severity,
                        _merged(seen.runs_in, where),
                        seen.expectation,
                        seen.title_vi,
                        seen.title_en,
                    )
                continue
            rules[check.rule] = RuleInfo(
                check.rule, (kind.name,), check.severity, where, check.expectation, check.title_vi, check.title_en
            )
    return [*rules.values(), *FILE_RULES, *NORMALISER_RULES]
