"""CSV files saved in the pre-Unicode Vietnamese encodings TCVN3 (ABC) and VNI Windows.

The fixtures are written through the project's own codecs (the tables in
reference/legacy_encodings); the first tests pin those tables to byte sequences read off
the published code charts by hand, so a fixture cannot agree with a wrong table.
"""

from __future__ import annotations

import codecs
from pathlib import Path

import pytest

from reform_etl.kinds import DOSSIER_SUMMARY
from reform_etl.load.normalise import Normaliser
from reform_etl.load.types import FileIdentityHint
from reform_etl.periods import identity_from_filename
from reform_etl.provinces import ProvinceResolver
from reform_etl.readers import UnreadableFile, open_table
from reform_etl.readers.legacy_vietnamese import most_plausible, plausibility
from reform_etl.writers import write_csv

from .test_readers import to_cp1258

# (bytes as the chart gives them, the Unicode text)
TCVN3_BY_HAND = [
    (b"B\xb8o c\xb8o", "Báo cáo"),  # 0xB8 á
    (b"Vi\xd6t Nam", "Việt Nam"),  # 0xD6 ệ
    (b"\xa7\xbek L\xbek", "Đắk Lắk"),  # 0xA7 Đ, 0xBE ắ
    (b"ng\xad\xeai", "người"),  # 0xAD ư (the soft-hyphen slot of Latin-1), 0xEA ờ
    (b"Qu\xb6ng Ng\xb7i", "Quảng Ngãi"),  # 0xB6 ả, 0xB7 ã
    (b"th\xf1 t\xf4c", "thủ tục"),  # 0xF1 ủ, 0xF4 ụ
    (b"\xae\xf3ng h\xb9n", "đúng hạn"),  # 0xAE đ, 0xF3 ú, 0xB9 ạ
    (b"Qu\xfanh L\xadu", "Quỳnh Lưu"),  # 0xFA ỳ
]

VNI_BY_HAND = [
    (b"Vie\xe4t Nam", "Việt Nam"),  # e + ä = ệ
    (b"Ha\xf8 No\xe4i", "Hà Nội"),  # a + ø = à, o + ä = ộ
    (b"\xd1a\xe9k La\xe9k", "Đắk Lắk"),  # Ñ = Đ, a + é = ắ
    (b"ng\xf6\xf4\xf8i", "người"),  # ö = ư, ô + ø = ờ
    (b"s\xf4", "sơ"),  # ô alone = ơ
    (b"Kha\xf9nh Ho\xf8a", "Khánh Hòa"),  # a + ù = á
    (b"CA\xc1P", "CẤP"),  # capitals: A + Á = Ấ
    (b"T\xf2nh", "Tịnh"),  # ò alone = ị
]


@pytest.mark.parametrize(("data", "text"), TCVN3_BY_HAND)
def test_tcvn3_chart_sequences(data: bytes, text: str) -> None:
    assert data.decode("tcvn3") == text


@pytest.mark.parametrize(("data", "text"), VNI_BY_HAND)
def test_vni_chart_sequences(data: bytes, text: str) -> None:
    assert data.decode("vni") == text
    assert text.encode("vni") == data


def test_tcvn3_capitals_with_a_tone_use_the_lower_case_codes() -> None:
    # The .VnTimeH fonts draw these codes in capitals; there is no other code for them.
    assert "BÁO CÁO".encode("tcvn3") == b"B\xb8O C\xb8O"
    assert b"B\xb8O C\xb8O".decode("tcvn3") == "BáO CáO"


def test_vni_decodes_across_chunk_boundaries() -> None:
    data = "Kết quả giải quyết hồ sơ của người dân".encode("vni")
    decoder = codecs.getincrementaldecoder("vni")()
    pieces = [decoder.decode(data[i : i + 1]) for i in range(len(data))]
    assert "".join(pieces) + decoder.decode(b"", final=True) == "Kết quả giải quyết hồ sơ của người dân"


SENTENCE = "Báo cáo kết quả giải quyết hồ sơ thủ tục hành chính của Ủy ban nhân dân tỉnh Nghệ An"


@pytest.mark.parametrize("encoding", ["tcvn3", "vni"])
def test_windows_1258_is_no_longer_taken_for_legacy_bytes(encoding: str) -> None:
    data = SENTENCE.encode(encoding)
    data.decode("cp1258")  # decodes without an error: the reason a guess by errors fails
    assert plausibility(data.decode("cp1258")) < 0.8
    assert most_plausible(data, True) == (encoding, True)


def test_windows_1258_text_stays_windows_1258() -> None:
    assert most_plausible(to_cp1258(SENTENCE), True) == ("cp1258", True)


HEADER = ["STT", "Cấp", "Tổng số hồ sơ tiếp nhận", "Đúng hạn", "Quá hạn", "Ghi chú"]
ROWS = [
    ["1", "Cấp tỉnh", "82.978", "80.000", "2.978", "Đã đối chiếu"],
    ["2", "Cấp huyện", "1.000", "900", "100", "Huyện Quỳnh Lưu chưa gửi"],
    ["3", "Cấp xã", "500", "450", "50", ""],
]
TITLE = ["ỦY BAN NHÂN DÂN TỈNH NGHỆ AN", "Báo cáo kết quả giải quyết thủ tục hành chính 6 tháng đầu năm 2024"]


@pytest.mark.parametrize("encoding", ["tcvn3", "vni"])
def test_legacy_encoded_report_reads_as_unicode(tmp_path: Path, encoding: str) -> None:
    path = tmp_path / "40_2024-H1_bao_cao.csv"
    write_csv(path, HEADER, ROWS, encoding=encoding, title_lines=TITLE, delimiter=";")
    assert b"\xb8" in path.read_bytes() or b"a\xf9" in path.read_bytes()  # really legacy bytes
    table = open_table(path, DOSSIER_SUMMARY)
    assert table.encoding == encoding
    assert set(table.columns) == {"level", "received", "resolved_on_time", "resolved_late"}
    identity = identity_from_filename(path.name)
    hint = FileIdentityHint(province_token=identity.province_token, period=identity.period)
    normaliser = Normaliser(DOSSIER_SUMMARY, table, hint, ProvinceResolver.default())
    rows = list(normaliser.rows())
    assert normaliser.rejections == []
    assert [(r["level"], r["received"], r["resolved_late"]) for r in rows] == [
        ("tinh", 82978, 2978),
        ("huyen", 1000, 100),
        ("xa", 500, 50),
    ]


def test_legacy_bytes_outside_the_table_are_refused_by_name(tmp_path: Path) -> None:
    path = tmp_path / "40_2024-H1.csv"
    body = ";".join(HEADER) + "\r\n" + "\r\n".join(";".join(r) for r in ROWS) + "\r\n"
    data = body.encode("tcvn3").replace(b"Ghi ch\xf3", b"Ghi ch\x85")  # 0x85: no letter in TCVN3
    path.write_bytes(data)
    with pytest.raises(UnreadableFile, match=r"TCVN3 \(ABC"):
        open_table(path, DOSSIER_SUMMARY)
