"""A row's own period against the file name's: inside it is the finer truth, outside a contradiction."""

from __future__ import annotations

from pathlib import Path

import pytest

from reform_etl.kinds import DOSSIER_SUMMARY
from reform_etl.load.normalise import Normaliser
from reform_etl.load.types import FileIdentityHint, FileRejected
from reform_etl.periods import identity_from_filename
from reform_etl.provinces import ProvinceResolver
from reform_etl.readers import open_table

HEADER = "Kỳ báo cáo;Cấp;Tổng số hồ sơ tiếp nhận;Đúng hạn;Quá hạn\r\n"


def _normaliser(tmp_path: Path, name: str, rows: list[str]) -> Normaliser:
    path = tmp_path / name
    path.write_text(HEADER + "".join(r + "\r\n" for r in rows), encoding="utf-8")
    identity = identity_from_filename(name)
    hint = FileIdentityHint(province_token=identity.province_token, period=identity.period)
    return Normaliser(DOSSIER_SUMMARY, open_table(path, DOSSIER_SUMMARY), hint, ProvinceResolver.default())


def test_monthly_rows_of_a_half_year_report_load_under_their_month(tmp_path: Path) -> None:
    normaliser = _normaliser(
        tmp_path,
        "40_2025-H2_bao_cao_theo_thang.csv",
        ["Tháng 7/2025;Cấp tỉnh;120;110;10", "Tháng 8/2025;Cấp tỉnh;130;125;5", "2025-09;Cấp xã;90;90;0"],
    )
    rows = list(normaliser.rows())
    assert normaliser.rejections == []
    assert [(r["period_label"], r["level"], r["received"]) for r in rows] == [
        ("2025-07", "tinh", 120),
        ("2025-08", "tinh", 130),
        ("2025-09", "xa", 90),
    ]
    assert [(r["period_start"].isoformat(), r["period_end"].isoformat()) for r in rows][0] == (
        "2025-07-01",
        "2025-07-31",
    )
    # The delivery is still the half-year the name announces.
    assert normaliser.periods_seen == {"2025-H2"}


def test_quarters_inside_a_year_and_the_same_period_are_consistent(tmp_path: Path) -> None:
    normaliser = _normaliser(
        tmp_path,
        "40_2024_nam.csv",
        ["Quý I/2024;Cấp tỉnh;10;9;1", "2024;Cấp xã;40;40;0", "6 tháng cuối năm 2024;Cấp huyện;5;5;0"],
    )
    assert [r["period_label"] for r in normaliser.rows()] == ["2024-Q1", "2024", "2024-H2"]
    assert normaliser.periods_seen == {"2024"}


@pytest.mark.parametrize(
    ("name", "row", "said"),
    [
        ("40_2025-H1_bao_cao.csv", "Tháng 8/2025;Cấp tỉnh;120;110;10", "2025-08"),  # a month of the other half
        ("40_2025-07.csv", "2025-Q3;Cấp tỉnh;120;110;10", "2025-Q3"),  # wider than the file's month
        ("40_2024-H2.csv", "Tháng 7/2025;Cấp tỉnh;120;110;10", "2025-07"),  # another year
    ],
)
def test_a_row_period_outside_the_files_contradicts_its_name(tmp_path: Path, name: str, row: str, said: str) -> None:
    normaliser = _normaliser(tmp_path, name, [row])
    with pytest.raises(FileRejected, match=rf"the file name says period .* \({said}\), which lies outside it"):
        list(normaliser.rows())
