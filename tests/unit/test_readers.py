"""Readers: real-looking provincial files in, canonical columns and numbered rows out."""

from __future__ import annotations

import codecs
import json
import os
import tracemalloc
import unicodedata
import zipfile
from datetime import datetime
from pathlib import Path

import openpyxl
import pytest

from reform_etl.headers import fold_label, header_score, match_columns
from reform_etl.kinds import DOSSIER_SUMMARY, DOSSIERS, INDEX_SCORES, KINDS, ONLINE_SERVICES
from reform_etl.readers import SourceTable, UnreadableFile, open_table

SUMMARY_HEADER = ["STT", "Cấp", "Tổng số hồ sơ tiếp nhận", "Đúng hạn", "Quá hạn", "Ghi chú"]
SUMMARY_ROWS = [
    ["1", "Cấp tỉnh", "82.978", "80.000", "2.978", ""],
    ["2", "Cấp huyện", "1.000", "900", "100", ""],
    ["3", "Cấp xã", "500", "450", "50", ""],
]


def csv_text(rows: list[list[str]], delimiter: str = ",") -> str:
    return "".join(delimiter.join(cells) + "\r\n" for cells in rows)


def write(tmp_path: Path, name: str, data: bytes | str, encoding: str = "utf-8") -> Path:
    path = tmp_path / name
    path.write_bytes(data if isinstance(data, bytes) else data.encode(encoding))
    return path


def read_all(table: SourceTable) -> list[tuple[int, dict[str, object]]]:
    return [(row.number, row.values) for row in table.rows]


TONE_MARKS = "\u0300\u0301\u0303\u0309\u0323"  # huyền, sắc, ngã, hỏi, nặng


def to_cp1258(text: str) -> bytes:
    """Encode as Windows-1258 does: letters like â/ơ precomposed, tone marks as combining bytes."""
    letters: list[str] = []
    for c in unicodedata.normalize("NFD", text):
        if unicodedata.combining(c) and c not in TONE_MARKS:
            # Circumflex, breve, horn belong to the letter in cp1258; canonical order may
            # have put a tone mark (dot below) between them.
            j = len(letters) - 1
            while letters[j] in TONE_MARKS:
                j -= 1
            letters[j] = unicodedata.normalize("NFC", letters[j] + c)
        else:
            letters.append(c)
    return "".join(letters).encode("cp1258")


def save_xlsx(path: Path, rows: list[list[object]], merges: tuple[str, ...] = (), title: str = "Báo cáo") -> Path:
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = title
    for r, cells in enumerate(rows, start=1):
        for c, value in enumerate(cells, start=1):
            if value is not None:
                ws.cell(row=r, column=c, value=value)
    for ref in merges:
        ws.merge_cells(ref)
    wb.save(path)
    return path


# --- header folding and matching -------------------------------------------------------


@pytest.mark.parametrize(
    ("label", "folded"),
    [
        ("Tỷ lệ đúng hạn (%)", "tyledunghan"),
        ("TỶ LỆ ĐÚNG HẠN %", "tyledunghan"),
        ("Đúng hạn (hồ sơ)", "dunghan"),
        ("  Tổng số hồ sơ\ntiếp nhận  ", "tongsohosotiepnhan"),
        ("resolved_on_time", "resolvedontime"),
        ("Kỳ trước chuyển sang (3)", "kytruocchuyensang"),
    ],
)
def test_fold_label(label: str, folded: str) -> None:
    assert fold_label(label) == folded


def test_long_parenthetical_is_meaning_not_a_unit() -> None:
    # "(bao gồm kỳ trước chuyển sang)" changes what the column counts; it must not vanish.
    assert fold_label("Tổng số hồ sơ tiếp nhận (bao gồm kỳ trước chuyển sang)") != fold_label("Tổng số hồ sơ tiếp nhận")


def test_label_variants_match_the_same_column() -> None:
    cells = ["CẤP", "Tong so ho so tiep nhan", "đúng hạn", "QUÁ HẠN", "Tỷ lệ đúng hạn (%)", "carried_over"]
    matched, ignored = match_columns(cells, DOSSIER_SUMMARY)
    assert matched == {
        0: "level",
        1: "received",
        2: "resolved_on_time",
        3: "resolved_late",
        4: "reported_on_time_rate",
        5: "carried_over",
    }
    assert ignored == []


def test_matching_is_exact_not_substring() -> None:
    matched, ignored = match_columns(["Cấp", "Số hồ sơ tiếp nhận khác", "Quá hạn xử lý lại"], DOSSIER_SUMMARY)
    assert matched == {0: "level"}
    assert ignored == ["Số hồ sơ tiếp nhận khác", "Quá hạn xử lý lại"]


def test_group_over_sub_labels_prefers_the_combined_name() -> None:
    group = ["Cấp", "Đã giải quyết", "Đã giải quyết", "Đã giải quyết", "Đang giải quyết", "Đang giải quyết"]
    sub = [None, "Trước hạn", "Đúng hạn", "Quá hạn", "Trong hạn", "Quá hạn"]
    matched, ignored = match_columns(sub, DOSSIER_SUMMARY, group)
    assert matched == {
        0: "level",  # merged down over both rows: the group text is the label
        1: "resolved_early",
        2: "resolved_on_time",
        3: "resolved_late",
        4: "pending_within_deadline",
        5: "pending_overdue",
    }
    assert ignored == []


def test_a_column_matched_twice_keeps_the_first() -> None:
    matched, ignored = match_columns(["Cấp", "Đúng hạn", "Giải quyết đúng hạn"], DOSSIER_SUMMARY)
    assert matched == {0: "level", 1: "resolved_on_time"}
    assert ignored == ["Giải quyết đúng hạn"]


def test_header_score_counts_distinct_columns() -> None:
    assert header_score(SUMMARY_HEADER, DOSSIER_SUMMARY) == 4
    assert header_score(["ỦY BAN NHÂN DÂN TỈNH NGHỆ AN"], DOSSIER_SUMMARY) == 0


@pytest.mark.parametrize("kind", list(KINDS.values()), ids=list(KINDS))
def test_no_label_names_two_columns_of_a_kind(kind) -> None:
    # A label shared by two columns would silently load one count as the other.
    owner: dict[str, str] = {}
    for column in kind.columns:
        for label in (column.name, *column.labels):
            folded = fold_label(label)
            assert owner.setdefault(folded, column.name) == column.name, (label, owner[folded], column.name)


# --- CSV: encodings and delimiters ----------------------------------------------------


def test_utf8_csv(tmp_path: Path) -> None:
    path = write(tmp_path, "40_2022-H1.csv", csv_text([SUMMARY_HEADER, *SUMMARY_ROWS]))
    table = open_table(path, DOSSIER_SUMMARY)
    assert (table.format, table.encoding, table.delimiter, table.sheet) == ("csv", "utf-8", ",", None)
    assert table.header_row == 1
    assert table.columns == {
        "level": "Cấp",
        "received": "Tổng số hồ sơ tiếp nhận",
        "resolved_on_time": "Đúng hạn",
        "resolved_late": "Quá hạn",
    }
    assert table.ignored_columns == ["STT", "Ghi chú"]
    rows = read_all(table)
    assert rows[0] == (
        2,
        {"level": "Cấp tỉnh", "received": "82.978", "resolved_on_time": "80.000", "resolved_late": "2.978"},
    )
    assert [n for n, _ in rows] == [2, 3, 4]


def test_utf8_bom_csv(tmp_path: Path) -> None:
    path = write(tmp_path, "a.csv", codecs.BOM_UTF8 + csv_text([SUMMARY_HEADER, *SUMMARY_ROWS]).encode())
    table = open_table(path, DOSSIER_SUMMARY)
    assert table.encoding == "utf-8-sig"
    # The BOM must not stick to the first label ("\ufeffSTT" would not be ignored cleanly).
    assert table.ignored_columns == ["STT", "Ghi chú"]
    assert len(read_all(table)) == 3


def test_utf16_unicode_text_tab_separated(tmp_path: Path) -> None:
    # What Excel writes for "Unicode Text (*.txt)".
    data = csv_text([SUMMARY_HEADER, *SUMMARY_ROWS], "\t").encode("utf-16")
    assert data[:2] in (codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)
    table = open_table(write(tmp_path, "a.txt", data), DOSSIER_SUMMARY)
    assert (table.encoding, table.delimiter) == ("utf-16", "\t")
    rows = read_all(table)
    assert rows[1] == (
        3,
        {"level": "Cấp huyện", "received": "1.000", "resolved_on_time": "900", "resolved_late": "100"},
    )


def test_cp1258_decomposed_tone_marks_come_out_nfc(tmp_path: Path) -> None:
    data = to_cp1258(csv_text([SUMMARY_HEADER, ["1", "Cấp xã", "5", "4", "1", "Hồ sơ tồn đọng"]]))
    assert "\u0301" in data.decode("cp1258")  # really Windows-1258, with a combining sắc ...
    with pytest.raises(UnicodeDecodeError):
        data.decode("utf-8")  # ... and not UTF-8
    table = open_table(write(tmp_path, "a.csv", data), DOSSIER_SUMMARY)
    assert table.encoding == "cp1258"
    assert table.columns["received"] == "Tổng số hồ sơ tiếp nhận"
    assert unicodedata.is_normalized("NFC", table.columns["received"])
    [(_, values)] = read_all(table)
    assert values["level"] == "Cấp xã"
    assert unicodedata.is_normalized("NFC", values["level"])


def test_semicolon_delimiter_with_decimal_commas(tmp_path: Path) -> None:
    header = ["Cấp", "Tiếp nhận", "Đúng hạn", "Quá hạn", "Tỷ lệ đúng hạn (%)"]
    rows = [["Cấp tỉnh", "82978", "80000", "2978", "96,41"]]
    table = open_table(write(tmp_path, "a.csv", csv_text([header, *rows], ";")), DOSSIER_SUMMARY)
    assert table.delimiter == ";"
    [(_, values)] = read_all(table)
    assert values["reported_on_time_rate"] == "96,41"


def test_tab_delimiter_utf8(tmp_path: Path) -> None:
    table = open_table(write(tmp_path, "a.txt", csv_text([SUMMARY_HEADER, *SUMMARY_ROWS], "\t")), DOSSIER_SUMMARY)
    assert (table.encoding, table.delimiter) == ("utf-8", "\t")
    assert len(read_all(table)) == 3


def test_title_lines_above_the_header(tmp_path: Path) -> None:
    text = (
        "ỦY BAN NHÂN DÂN TỈNH NGHỆ AN,,,,,\r\n"
        '"BÁO CÁO KẾT QUẢ GIẢI QUYẾT TTHC, 6 THÁNG ĐẦU NĂM 2022",,,,,\r\n' + csv_text([SUMMARY_HEADER, *SUMMARY_ROWS])
    )
    table = open_table(write(tmp_path, "a.csv", text), DOSSIER_SUMMARY)
    assert table.header_row == 3
    rows = read_all(table)
    assert [n for n, _ in rows] == [4, 5, 6]


def test_quoted_multiline_cell_keeps_physical_line_numbers(tmp_path: Path) -> None:
    text = csv_text([SUMMARY_HEADER]) + '1,Cấp tỉnh,5,4,1,"dòng một\r\ndòng hai"\r\n2,Cấp xã,3,3,0,\r\n'
    rows = read_all(open_table(write(tmp_path, "a.csv", text), DOSSIER_SUMMARY))
    assert [n for n, _ in rows] == [2, 4]


def test_two_row_header_in_csv_without_merge_information(tmp_path: Path) -> None:
    group = ["STT", "Cấp", "Tiếp nhận", "Đã giải quyết", "", "", "Đang giải quyết", ""]
    sub = ["", "", "", "Trước hạn", "Đúng hạn", "Quá hạn", "Trong hạn", "Quá hạn"]
    data = ["1", "Cấp tỉnh", "10", "2", "5", "1", "1", "1"]
    table = open_table(write(tmp_path, "a.csv", csv_text([group, sub, data])), DOSSIER_SUMMARY)
    assert table.header_row == 2
    assert table.columns == {
        "level": "Cấp",
        "received": "Tiếp nhận",
        "resolved_early": "Đã giải quyết / Trước hạn",
        "resolved_on_time": "Đã giải quyết / Đúng hạn",
        "resolved_late": "Đã giải quyết / Quá hạn",
        "pending_within_deadline": "Đang giải quyết / Trong hạn",
        "pending_overdue": "Đang giải quyết / Quá hạn",
    }
    [(number, values)] = read_all(table)
    assert number == 3
    assert values["resolved_late"] == "1" and values["pending_overdue"] == "1"


def test_total_blank_and_footer_rows(tmp_path: Path) -> None:
    rows = [
        SUMMARY_HEADER,
        SUMMARY_ROWS[0],
        ["", "", "", "", "", ""],
        SUMMARY_ROWS[1],
        [],
        SUMMARY_ROWS[2],
        ["", "Tổng cộng", "84.478", "81.350", "3.128", ""],
        ["Ghi chú: số liệu tính đến ngày 15/6/2022", "", "", "", "", ""],
        ["Nơi nhận:", "", "", "NGƯỜI LẬP BIỂU", "", ""],
        ["", "", "", "Nguyễn Văn A", "", ""],
    ]
    table = open_table(write(tmp_path, "a.csv", csv_text(rows)), DOSSIER_SUMMARY)
    data = read_all(table)
    assert [v["level"] for _, v in data] == ["Cấp tỉnh", "Cấp huyện", "Cấp xã"]
    assert [(r.number, r.values["received"]) for r in table.total_rows] == [(7, "84.478")]
    assert table.skipped_blank_rows == 5  # two blank lines, the note, "Nơi nhận", the signer's name


def test_total_row_variants_and_a_data_row_that_only_mentions_a_total(tmp_path: Path) -> None:
    header = ["Tỉnh", "Thành phần", "Điểm"]
    rows = [
        header,
        ["Hà Nội", "Tổng", "45,2"],  # a component named "Tổng" of a real province: data
        ["TỔNG SỐ", "", "90,4"],
        ["Total", "", "90,4"],
        ["Cộng", "", "90,4"],
    ]
    table = open_table(write(tmp_path, "a.csv", csv_text(rows)), INDEX_SCORES)
    assert [v["province"] for _, v in read_all(table)] == ["Hà Nội"]
    assert len(table.total_rows) == 3


def test_rows_shorter_or_longer_than_the_header(tmp_path: Path) -> None:
    text = "Cấp,Tiếp nhận,Đúng hạn,Quá hạn\r\nCấp tỉnh,10\r\nCấp xã,5,4,1,extra,cells\r\n"
    rows = read_all(open_table(write(tmp_path, "a.csv", text), DOSSIER_SUMMARY))
    assert rows == [
        (2, {"level": "Cấp tỉnh", "received": "10", "resolved_on_time": None, "resolved_late": None}),
        (3, {"level": "Cấp xã", "received": "5", "resolved_on_time": "4", "resolved_late": "1"}),
    ]


def test_column_number_row_and_repeated_header_are_not_data(tmp_path: Path) -> None:
    rows = [
        SUMMARY_HEADER,
        ["(1)", "(2)", "(3)", "(4)", "(5)", "(6)"],
        SUMMARY_ROWS[0],
        SUMMARY_HEADER,  # two exports pasted together
        SUMMARY_ROWS[1],
    ]
    table = open_table(write(tmp_path, "a.csv", csv_text(rows)), DOSSIER_SUMMARY)
    assert [n for n, _ in read_all(table)] == [3, 5]
    assert table.skipped_blank_rows == 2


def test_empty_text_cells_are_none_and_text_is_stripped(tmp_path: Path) -> None:
    text = "Cấp,Tiếp nhận,Đúng hạn,Quá hạn\r\n  Cấp tỉnh \u00a0, 10 ,   ,\r\n"
    [(_, values)] = read_all(open_table(write(tmp_path, "a.csv", text), DOSSIER_SUMMARY))
    assert values == {"level": "Cấp tỉnh", "received": "10", "resolved_on_time": None, "resolved_late": None}


def test_large_csv_streams_in_constant_memory(tmp_path: Path) -> None:
    path = tmp_path / "dossiers.csv"
    header = "Mã hồ sơ,Mã TTHC,Cấp,Kênh,Ngày tiếp nhận,Ngày hẹn trả,Ngày có kết quả,Cơ quan\r\n"
    line = (
        "H40.22-2206{:06d},1.002033,Cấp xã,Trực tuyến,15/06/2022 08:30,20/06/2022,18/06/2022 16:00,UBND xã Nghi Lộc\r\n"
    )
    with path.open("w", encoding="utf-8", newline="") as f:
        f.write(header)
        for i in range(200_000):
            f.write(line.format(i))
    size = path.stat().st_size
    assert size > 20_000_000
    tracemalloc.start()
    try:
        table = open_table(path, DOSSIERS)
        held, open_peak = tracemalloc.get_traced_memory()
        tracemalloc.reset_peak()
        count = 0
        last = None
        for row in table.rows:
            count += 1
            last = row
        read_peak = tracemalloc.get_traced_memory()[1] - held
    finally:
        tracemalloc.stop()
    assert count == 200_000
    assert last is not None and last.number == 200_001
    assert last.values["dossier_id"] == "H40.22-2206199999"
    # Opening holds a fixed-size sample; reading holds a row at a time.
    assert open_peak < size / 4, f"open_table peaked at {open_peak} bytes for a {size}-byte file"
    assert read_peak < size / 50, f"reading rows peaked at {read_peak} bytes for a {size}-byte file"


# --- Excel ------------------------------------------------------------------------------


def nghe_an_rows() -> tuple[list[list[object]], tuple[str, ...]]:
    rows: list[list[object]] = [
        ["ỦY BAN NHÂN DÂN TỈNH NGHỆ AN"],
        ["VĂN PHÒNG"],
        ["BÁO CÁO KẾT QUẢ GIẢI QUYẾT TTHC 6 THÁNG ĐẦU NĂM 2022"],
        [],
        ["STT", "Cấp", "Tổng số hồ sơ tiếp nhận", "Số hồ sơ đã giải quyết", None, "Tỷ lệ đúng hạn (%)", "Ghi chú"],
        [None, None, None, "Đúng hoặc trước hạn", "Trễ hạn"],
        [1, "Cấp tỉnh", "82.978", "80.000", "2.978", "96,41"],
        [2, "Cấp huyện", "41.107", "40.311", "796", "98,06"],
        [],
        [3, "Cấp xã", "353.920", "352.001", "1.919", "99,46"],
        [None, "Tổng cộng", "478.005", "472.312", "5.693", "98,81"],
        [],
        ["Nơi nhận:", None, None, None, "NGƯỜI LẬP BIỂU"],
        ["- Văn phòng Chính phủ;", None, None, None, None],
        [None, None, None, None, "Trần Thị B"],
    ]
    merges = ("A5:A6", "B5:B6", "C5:C6", "D5:E5", "F5:F6", "G5:G6", "A1:G1", "A3:G3")
    return rows, merges


def test_nghe_an_workbook(tmp_path: Path) -> None:
    rows, merges = nghe_an_rows()
    path = save_xlsx(tmp_path / "40_2022-H1.xlsx", rows, merges)
    table = open_table(path, DOSSIER_SUMMARY)
    assert (table.format, table.encoding, table.sheet, table.header_row) == ("xlsx", None, "Báo cáo", 6)
    assert table.columns == {
        "level": "Cấp",
        "received": "Tổng số hồ sơ tiếp nhận",
        "resolved_on_time": "Số hồ sơ đã giải quyết / Đúng hoặc trước hạn",
        "resolved_late": "Số hồ sơ đã giải quyết / Trễ hạn",
        "reported_on_time_rate": "Tỷ lệ đúng hạn (%)",
    }
    assert table.ignored_columns == ["STT", "Ghi chú"]
    data = read_all(table)
    assert data == [
        (
            7,
            {
                "level": "Cấp tỉnh",
                "received": "82.978",
                "resolved_on_time": "80.000",
                "resolved_late": "2.978",
                "reported_on_time_rate": "96,41",
            },
        ),
        (
            8,
            {
                "level": "Cấp huyện",
                "received": "41.107",
                "resolved_on_time": "40.311",
                "resolved_late": "796",
                "reported_on_time_rate": "98,06",
            },
        ),
        (
            10,
            {
                "level": "Cấp xã",
                "received": "353.920",
                "resolved_on_time": "352.001",
                "resolved_late": "1.919",
                "reported_on_time_rate": "99,46",
            },
        ),
    ]
    assert [(r.number, r.values["level"], r.values["received"]) for r in table.total_rows] == [
        (11, "Tổng cộng", "478.005")
    ]
    assert table.skipped_blank_rows == 5  # rows 9, 12 (blank), 13, 14, 15 (footer)


def test_xlsx_two_row_header_with_merged_groups(tmp_path: Path) -> None:
    rows: list[list[object]] = [
        ["Cấp", "Tiếp nhận", "Đã giải quyết", None, None, "Đang giải quyết", None],
        [None, None, "Trước hạn", "Đúng hạn", "Quá hạn", "Trong hạn", "Quá hạn"],
        ["Cấp tỉnh", 100, 10, 80, 5, 3, 2],
    ]
    table = open_table(save_xlsx(tmp_path / "a.xlsx", rows, ("A1:A2", "B1:B2", "C1:E1", "F1:G1")), DOSSIER_SUMMARY)
    [(number, values)] = read_all(table)
    assert number == 3
    assert values == {
        "level": "Cấp tỉnh",
        "received": 100,
        "resolved_early": 10,
        "resolved_on_time": 80,
        "resolved_late": 5,
        "pending_within_deadline": 3,
        "pending_overdue": 2,
    }


def test_xlsx_row_numbers_match_excel_when_data_starts_low_and_right(tmp_path: Path) -> None:
    # Header on row 6 starting in column C; the first data row is Excel row 7.
    rows: list[list[object]] = [[], [], [None, None, "BÁO CÁO"], [], []]
    rows.append([None, None, "Cấp", "Tiếp nhận", "Đúng hạn", "Quá hạn"])
    rows.append([None, None, "Cấp tỉnh", 10, 8, 2])
    table = open_table(save_xlsx(tmp_path / "a.xlsx", rows), DOSSIER_SUMMARY)
    assert table.header_row == 6
    assert read_all(table) == [(7, {"level": "Cấp tỉnh", "received": 10, "resolved_on_time": 8, "resolved_late": 2})]


def test_xlsx_values_keep_their_types(tmp_path: Path) -> None:
    rows: list[list[object]] = [
        ["Mã hồ sơ", "Mã TTHC", "Cấp", "Kênh", "Ngày tiếp nhận", "Ngày hẹn trả", "Thanh toán trực tuyến"],
        ["HS-1", 1.002033, "Cấp xã", 2, datetime(2022, 6, 15, 8, 30), datetime(2022, 6, 20), True],
    ]
    [(_, values)] = read_all(open_table(save_xlsx(tmp_path / "a.xlsx", rows), DOSSIERS))
    assert values["procedure_code"] == 1.002033
    assert values["channel"] == 2 and isinstance(values["channel"], int)
    assert values["received_at"] == datetime(2022, 6, 15, 8, 30)
    assert values["due_at"] == datetime(2022, 6, 20)
    assert values["paid_online"] is True


def test_xlsx_formula_reads_its_cached_value(tmp_path: Path) -> None:
    path = save_xlsx(tmp_path / "a.xlsx", [["Cấp", "Đúng hạn", "Quá hạn", "Tiếp nhận"], ["Cấp xã", 8, 2, "=B2+C2"]])
    # openpyxl writes no cached value; put in the one Excel would have saved.
    patched = tmp_path / "patched.xlsx"
    with zipfile.ZipFile(path) as src, zipfile.ZipFile(patched, "w") as dst:
        for item in src.infolist():
            data = src.read(item)
            if item.filename == "xl/worksheets/sheet1.xml":
                data = data.replace(b"<f>B2+C2</f><v />", b"<f>B2+C2</f><v>10</v>")
                assert b"<v>10</v>" in data
            dst.writestr(item, data)
    [(_, values)] = read_all(open_table(patched, DOSSIER_SUMMARY))
    assert values["received"] == 10


def test_xlsx_skips_hidden_sheets_and_prefers_a_clearly_better_one(tmp_path: Path) -> None:
    wb = openpyxl.Workbook()
    hidden = wb.active
    hidden.title = "Ẩn"
    hidden.append(["Cấp", "Tiếp nhận", "Đúng hạn", "Quá hạn"])
    hidden.append(["Cấp tỉnh", 1, 1, 0])
    hidden.sheet_state = "hidden"
    notes = wb.create_sheet("Hướng dẫn")
    notes.append(["Hướng dẫn điền biểu mẫu"])
    data = wb.create_sheet("Số liệu")
    data.append(["Cấp", "Tiếp nhận", "Đúng hạn", "Quá hạn"])
    data.append(["Cấp xã", 5, 4, 1])
    wb.save(tmp_path / "a.xlsx")
    table = open_table(tmp_path / "a.xlsx", DOSSIER_SUMMARY)
    assert table.sheet == "Số liệu"
    assert read_all(table)[0][1]["level"] == "Cấp xã"


def test_first_visible_sheet_wins_unless_another_is_clearly_better(tmp_path: Path) -> None:
    wb = openpyxl.Workbook()
    first = wb.active
    first.title = "Tổng hợp"
    first.append(["Cấp", "Tiếp nhận", "Đúng hạn", "Quá hạn"])
    first.append(["Cấp tỉnh", 1, 1, 0])
    second = wb.create_sheet("Chi tiết")
    second.append(["Cấp", "Tiếp nhận", "Đúng hạn", "Quá hạn", "Trước hạn"])
    second.append(["Cấp xã", 5, 4, 1, 0])
    wb.save(tmp_path / "a.xlsx")
    assert open_table(tmp_path / "a.xlsx", DOSSIER_SUMMARY).sheet == "Tổng hợp"


# --- JSON / JSONL -----------------------------------------------------------------------

RECORDS = [
    {"Cấp": "Cấp tỉnh", "Tiếp nhận": 82978, "Đúng hạn": 80000, "Quá hạn": 2978, "STT": 1},
    {"Cấp": "Cấp xã", "Tiếp nhận": "500", "Đúng hạn": 450, "Quá hạn": 50, "Tỷ lệ đúng hạn (%)": 90.0},
    {"Cấp": "Tổng cộng", "Tiếp nhận": 83478, "Đúng hạn": 80450, "Quá hạn": 3028},
]


@pytest.mark.parametrize(
    "document",
    [RECORDS, {"data": RECORDS}, {"items": RECORDS, "total": 3}, {"result": {"data": RECORDS}}],
    ids=["array", "data", "items", "nested"],
)
def test_json_documents(tmp_path: Path, document: object) -> None:
    path = write(tmp_path, "a.json", json.dumps(document, ensure_ascii=False))
    table = open_table(path, DOSSIER_SUMMARY)
    assert (table.format, table.encoding, table.header_row) == ("json", "utf-8", 0)
    # Keys are the union over records: the rate only appears in the second one.
    assert table.columns["reported_on_time_rate"] == "Tỷ lệ đúng hạn (%)"
    assert table.ignored_columns == ["STT"]
    rows = read_all(table)
    assert rows == [
        (
            1,
            {
                "level": "Cấp tỉnh",
                "received": 82978,
                "resolved_on_time": 80000,
                "resolved_late": 2978,
                "reported_on_time_rate": None,
            },
        ),
        (
            2,
            {
                "level": "Cấp xã",
                "received": "500",
                "resolved_on_time": 450,
                "resolved_late": 50,
                "reported_on_time_rate": 90,
            },
        ),
    ]
    assert [r.number for r in table.total_rows] == [3]


def test_jsonl_numbers_rows_by_line_and_skips_blank_lines(tmp_path: Path) -> None:
    lines = [json.dumps(r, ensure_ascii=False) for r in RECORDS[:2]]
    path = write(tmp_path, "a.jsonl", lines[0] + "\n\n" + lines[1] + "\n")
    table = open_table(path, DOSSIER_SUMMARY)
    assert table.format == "jsonl"
    assert [n for n, _ in read_all(table)] == [1, 3]
    assert table.skipped_blank_rows == 1


def test_json_text_is_nfc(tmp_path: Path) -> None:
    decomposed = unicodedata.normalize("NFD", "Cấp xã")
    path = write(tmp_path, "a.json", json.dumps([{"Cấp": decomposed, "Tiếp nhận": 1, "Đúng hạn": 1, "Quá hạn": 0}]))
    [(_, values)] = read_all(open_table(path, DOSSIER_SUMMARY))
    assert values["level"] == "Cấp xã"


def test_jsonl_bad_line_later_in_the_file_is_an_unreadable_file(tmp_path: Path) -> None:
    good = json.dumps(RECORDS[0], ensure_ascii=False)
    lines = [good] * 2500 + ["{not json"]
    table = open_table(write(tmp_path, "a.jsonl", "\n".join(lines)), DOSSIER_SUMMARY)
    with pytest.raises(UnreadableFile, match=r"'a\.jsonl': line 2501 is not valid JSON"):
        read_all(table)


# --- unreadable files -------------------------------------------------------------------


def truncated_xlsx(tmp_path: Path) -> Path:
    rows, merges = nghe_an_rows()
    full = save_xlsx(tmp_path / "full.xlsx", rows * 20, ())
    data = full.read_bytes()
    return write(tmp_path, "cut.xlsx", data[: len(data) // 2])


@pytest.mark.parametrize(
    ("name", "make", "reason"),
    [
        ("empty.csv", lambda p: b"", r"'empty\.csv' is empty \(0 bytes\)"),
        ("bom.csv", lambda p: codecs.BOM_UTF8 + b"\r\n\r\n", r"has no content"),
        ("junk.csv", lambda p: os.urandom(4096), r"'junk\.csv' is not a text file: it contains"),
        ("book.csv", lambda p: (p / "full.xlsx").read_bytes(), r"is not a text file: it contains a ZIP archive"),
        ("random.xlsx", lambda p: os.urandom(4096), r"'random\.xlsx' is not a readable XLSX workbook"),
        ("text.xlsx", lambda p: b"Cap,Tiep nhan\r\nCap tinh,1\r\n", r"is not a XLSX workbook but a text file"),
        (
            "page.xls",
            lambda p: b"<html><body><table><tr><td>1</td></tr></table>",
            r"is not a real XLS workbook but an HTML",
        ),
        ("archive.xlsx", None, r"is a ZIP archive but not an Excel workbook"),
        ("locked.xlsx", None, r"is password-protected"),
        ("bad.json", lambda p: b'[{"C\xe1\xba\xa5p": 1,', r"'bad\.json' is not valid JSON: .* at line 1"),
        ("scalar.json", lambda p: b'{"status": "ok"}', r"without a list of records"),
        ("mixed.json", lambda p: b'[{"a": 1}, 5]', r"record 2 is a number, not an object"),
        ("report.pdf", lambda p: b"%PDF-1.4", r"file type \.pdf is not accepted"),
        ("missing.csv", "absent", r"does not exist"),
    ],
)
def test_unreadable_files(tmp_path: Path, name: str, make, reason: str) -> None:
    save_xlsx(tmp_path / "full.xlsx", [SUMMARY_HEADER, *SUMMARY_ROWS])
    path = tmp_path / name
    if name == "archive.xlsx":
        with zipfile.ZipFile(path, "w") as archive:
            archive.writestr("bao_cao.csv", "Cấp,Tiếp nhận\n")
    elif name == "locked.xlsx":
        # An encrypted workbook is an OLE container holding an "EncryptedPackage" stream.
        path.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 1000 + "EncryptedPackage".encode("utf-16-le"))
    elif make != "absent":
        path.write_bytes(make(tmp_path))
    with pytest.raises(UnreadableFile, match=reason):
        open_table(path, DOSSIER_SUMMARY)


def test_truncated_xlsx(tmp_path: Path) -> None:
    with pytest.raises(UnreadableFile, match=r"'cut\.xlsx' is not a readable XLSX workbook \(truncated or corrupt\)"):
        open_table(truncated_xlsx(tmp_path), DOSSIER_SUMMARY)


def test_no_header_row_names_the_expected_columns(tmp_path: Path) -> None:
    text = "BÁO CÁO\r\nMột,Hai,Ba\r\n1,2,3\r\n"
    with pytest.raises(UnreadableFile) as caught:
        open_table(write(tmp_path, "a.csv", text), DOSSIER_SUMMARY)
    message = str(caught.value)
    assert message.startswith("'a.csv': no header row found in the first 30 rows")
    assert "'Cấp'" in message and "'Tổng số hồ sơ tiếp nhận'" in message


def test_no_header_in_xlsx_names_the_sheet(tmp_path: Path) -> None:
    path = save_xlsx(tmp_path / "a.xlsx", [["Một", "Hai"], [1, 2]])
    with pytest.raises(UnreadableFile, match=r"'a\.xlsx' \(sheet 'Báo cáo'\): no header row found"):
        open_table(path, DOSSIER_SUMMARY)


def test_encoding_broken_after_the_sample_fails_while_iterating(tmp_path: Path) -> None:
    # UTF-8 for the first megabyte, then a Windows-1258 line: only iteration can see it.
    good = "Cấp tỉnh,10,8,2\r\n"
    text = "Cấp,Tiếp nhận,Đúng hạn,Quá hạn\r\n" + good * 80_000
    path = write(tmp_path, "a.csv", text.encode() + to_cp1258("Cấp xã,1,1,0\r\n"))
    table = open_table(path, DOSSIER_SUMMARY)
    assert table.encoding == "utf-8"
    with pytest.raises(UnreadableFile, match=r"'a\.csv' is not valid utf-8 text after line \d+"):
        read_all(table)


def test_one_column_table_is_accepted(tmp_path: Path) -> None:
    table = open_table(write(tmp_path, "a.csv", "Mã TTHC\r\n1.002033\r\n"), ONLINE_SERVICES)
    assert table.columns == {"procedure_code": "Mã TTHC"}
    assert read_all(table) == [(2, {"procedure_code": "1.002033"})]


def test_json_rows_of_cells_find_their_header(tmp_path: Path) -> None:
    document = {"data": [["BÁO CÁO"], SUMMARY_HEADER, SUMMARY_ROWS[0], ["", "Tổng cộng", "1", "1", "0", ""]]}
    table = open_table(write(tmp_path, "a.json", json.dumps(document, ensure_ascii=False)), DOSSIER_SUMMARY)
    assert table.header_row == 2
    assert [(n, v["level"]) for n, v in read_all(table)] == [(3, "Cấp tỉnh")]
    assert [r.number for r in table.total_rows] == [4]


def test_sparse_data_row_that_reads_like_a_note_is_kept(tmp_path: Path) -> None:
    # "Xác nhận ..." is a procedure, not the "Xác nhận" of a signature block.
    rows = [
        ["Mã TTHC", "Tên TTHC", "Mức độ", "Ghi chú"],
        ["", "Xác nhận tình trạng hôn nhân", "Toàn trình", ""],
        ["", "Đăng ký khai sinh", "Một phần", ""],
    ]
    data = read_all(open_table(write(tmp_path, "a.csv", csv_text(rows)), ONLINE_SERVICES))
    assert [v["procedure_name"] for _, v in data] == ["Xác nhận tình trạng hôn nhân", "Đăng ký khai sinh"]


def test_corrupt_legacy_xls(tmp_path: Path) -> None:
    path = write(tmp_path, "old.xls", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + os.urandom(2048))
    with pytest.raises(UnreadableFile, match=r"'old\.xls' is not a readable XLS workbook \(truncated or corrupt\)"):
        open_table(path, DOSSIER_SUMMARY)


def test_xlsx_content_under_an_xls_name_is_read(tmp_path: Path) -> None:
    path = save_xlsx(tmp_path / "a.xlsx", [SUMMARY_HEADER, *SUMMARY_ROWS])
    renamed = path.rename(tmp_path / "export.xls")
    table = open_table(renamed, DOSSIER_SUMMARY)
    assert table.format == "xlsx"
    assert len(read_all(table)) == 3


def test_percent_formatted_excel_cells_are_read_on_the_0_to_100_scale(tmp_path: Path) -> None:
    from openpyxl import Workbook

    from reform_etl.kinds import DOSSIER_SUMMARY

    wb = Workbook()
    ws = wb.active
    ws.append(["Cấp", "Tiếp nhận", "Đúng hạn", "Quá hạn", "Tỷ lệ đúng hạn (%)"])
    ws.append(["Cấp tỉnh", 1000, 994, 6, 0.994])
    ws.append(["Cấp xã", 500, 450, 50, 90.0])  # typed as a number on the 0-100 scale: left alone
    ws["E2"].number_format = "0.00%"
    path = tmp_path / "40_2024-H1.xlsx"
    wb.save(path)

    rows = list(open_table(path, DOSSIER_SUMMARY).rows)

    assert rows[0].values["reported_on_time_rate"] == 99.4
    assert rows[1].values["reported_on_time_rate"] == 90.0
