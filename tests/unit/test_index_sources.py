"""Index files: the ministry's appraised table and a province's self-assessment are two sources."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest

from reform_etl.kinds import INDEX_SCORES
from reform_etl.load.normalise import Normaliser
from reform_etl.load.types import FileIdentityHint, FileRejected
from reform_etl.periods import identity_from_filename
from reform_etl.provinces import ProvinceResolver
from reform_etl.readers import open_table


def _normaliser(tmp_path: Path, name: str, lines: list[str]) -> Normaliser:
    path = tmp_path / name
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    identity = identity_from_filename(name)
    hint = FileIdentityHint(province_token=identity.province_token, period=identity.period, index_code="PAR")
    hint.year = identity.period.start.year if identity.period else None
    return Normaliser(INDEX_SCORES, open_table(path, INDEX_SCORES), hint, ProvinceResolver.default())


def test_a_self_assessment_before_the_appraisal_gives_only_its_own_points(tmp_path: Path) -> None:
    normaliser = _normaliser(
        tmp_path,
        "40_2024_par_tu_danh_gia.csv",
        ["STT;Tỉnh, thành phố;Lĩnh vực;Điểm tối đa;Điểm tự đánh giá", "1;Nghệ An;Cải cách thủ tục hành chính;6;5,75"],
    )
    [row] = list(normaliser.rows())
    assert normaliser.rejections == []
    assert (row["source"], row.get("score"), row["self_score"]) == ("self", None, Decimal("5.75"))


def test_rows_of_an_appraised_table_are_appraised_and_need_a_score(tmp_path: Path) -> None:
    normaliser = _normaliser(
        tmp_path,
        "VN_2024_par_thanh_phan.csv",
        ["Tỉnh, thành phố;Lĩnh vực;Điểm thẩm định", "Nghệ An;Cải cách thủ tục hành chính;5,25", "Hà Tĩnh;Cải cách;"],
    )
    [row] = list(normaliser.rows())
    assert (row["source"], row["score"], row.get("self_score")) == ("appraised", Decimal("5.25"), None)
    assert [(r.column, r.reason.split(":")[-1].strip()) for r in normaliser.rejections] == [
        ("score", "a value is required but the cell is empty")
    ]


def test_an_index_file_without_any_score_column_is_refused(tmp_path: Path) -> None:
    with pytest.raises(FileRejected, match="required column"):
        _normaliser(tmp_path, "VN_2024_par.csv", ["Tỉnh, thành phố;Xếp hạng;Ghi chú", "Nghệ An;3;"])
