"""The bulk path's vectorised pieces agree with the row path's Python, value for value (no database)."""

from __future__ import annotations

import csv
import io
import random
import struct
from datetime import datetime
from pathlib import Path

import numpy as np
import pyarrow as pa
import pytest

from reform_etl import kinds as k
from reform_etl import values as v
from reform_etl.load.bulk.cell_types import TYPES, Parsed, fast_datetime, parse_with, type_column
from reform_etl.load.bulk.cells import Cells, NotBulkable, OddValues, refuse_line_breaks
from reform_etl.load.bulk.pgcopy import Tuples
from reform_etl.load.bulk.repeats import SeenKeys, key_hash
from reform_etl.load.bulk.row_sorting import RowSorting
from reform_etl.load.bulk.source import BLOCK_BYTES, batches, header_end, layout_of
from reform_etl.load.normalise import PARSERS
from reform_etl.readers import open_table
from reform_etl.readers.model import SourceTable
from reform_etl.readers.table import Header, RowSorter, clean_cell
from reform_etl.writers import write_csv

EPOCH = datetime(1970, 1, 1)
HEADER = ["Mã hồ sơ", "Mã TTHC", "Tên TTHC", "Cấp", "Kênh", "Ngày tiếp nhận", "Ngày hẹn trả", "Ghi chú"]
# Headers as some systems export them: plain ASCII, so a repeated header line looks like data.
ASCII_HEADER = ["MaHoSo", "MaTTHC", "TenTTHC", "Catalog", "KenhThucHien", "NgayTiepNhan", "NgayHenTra", "GhiChu"]


def _row_path(column_type: str, raw: str) -> tuple[object, str | None]:
    try:
        return PARSERS[column_type](clean_cell(raw)), None
    except v.ValueProblem as exc:
        return None, f"col: {exc}"


def _typed(column_type: str, cells: list[str]) -> tuple[list[object], dict[int, str]]:
    result = type_column(Cells.of(pa.array(cells)), column_type, OddValues(parse_with(column_type, "col")))
    return result.values.to_pylist(), result.errors


def _stamps(rng: random.Random, n: int) -> list[str]:
    """Date-like strings around every edge the fast rules look at (and many plain ones)."""

    def pick(common: list[str], odd: list[str]) -> str:
        return rng.choice(common if rng.random() < 0.7 else odd)

    out = []
    for _ in range(n):
        year = pick(["2024", "2023", "2000"], ["1900", "1899", "2100", "2101", "0000", "20x4"])
        month = pick(["01", "02", "03", "12"], ["04", "13", "00", "1", "0a"])
        day = pick(["01", "15", "28"], ["29", "30", "31", "00", "32", "5", "1 "])
        sep = rng.choice("/-.")
        sep2 = sep if rng.random() < 0.9 else rng.choice("/-.")
        date_part = pick(
            [f"{day}{sep}{month}{sep2}{year}", f"{year}-{month}-{day}"], [f"{year}{sep}{month}{sep2}{day}"]
        )
        clock = pick(
            ["", " 08:30", " 23:59", " 08:30:15", "T08:30"],
            [
                " 24:00",
                " 08:60",
                " 08:30:60",
                "T08:30:59",
                "  08:30",
                " 8:30",
                " 08h30",
                " 08:30 PM",
                ", 08:30",
                "\t08:30",
                " 08:3",
                " 08:30:",
            ],
        )
        pad = pick([""], [" ", "\t", "\u00a0", "\u200b", "\x1c"])
        out.append(pad + date_part + clock + pick([""], [" ", pad]))
    return out


@pytest.mark.parametrize("uniform", [True, False])
def test_fast_datetime_agrees_with_parse_datetime(uniform: bool) -> None:
    rng = random.Random(7)
    cells = _stamps(rng, 4000)
    if uniform:  # one width, as exports write it: the buffer is reshaped, not gathered
        cells = [c for c in cells if len(c.strip()) == 16 and c.isascii() and "\x1c" not in c] + ["", "  "]
    ok, micros = fast_datetime(Cells.of(pa.array(cells)))
    assert ok.sum() > len(cells) // 20
    for cell, fast, value in zip(cells, ok, micros, strict=True):
        if fast:
            parsed = v.parse_datetime(clean_cell(cell))
            assert parsed is not None, cell
            assert int(value) == (parsed - EPOCH).days * 86_400_000_000 + (parsed - EPOCH).seconds * 1_000_000, cell


ODD_CELLS = [
    "",
    " ",
    "\t",
    "\u00a0",
    "\u200b",
    "\u00ad",
    "\ufeff",
    "x",
    " x ",
    "a  b",
    "a\tb",
    "a\u00a0b",
    "'1.002033",
    "H40.25-000001",
    "  HỒ SƠ 1  ",
    "Đăng ký  khai sinh",
    "Cấp giấy phép",
    "Ca\u0301p xa\u0303",
    "ph\u01b0\u1edd\u006e\u0067",
    "1",
    "2",
    "3",
    "0",
    "4",
    "Trực tuyến",
    "trực tiếp",
    "BCCI",
    "qua mạng",
    "fax",
    "Cấp tỉnh",
    "Cấp xã",
    "xa",
    "Sở, ban, ngành",
    "Cấp huyện",
    "Cấp thôn",
    "có",
    "không",
    "x",
    "✓",
    "maybe",
    "12345",
    "82.978",
    "1,5",
    "-3",
    "1e5",
    "007",
    "999999999999999",
    "9999999999999999999",
    "05/03/2025",
    "05/03/2025 08:30",
    "31/02/2025",
    "12/31/2025",
    "2025-03-05T08:30:00",
    "5/3/2025",
    "8h30 05/03/2025",
    "n/a",
    "\x1c",
    "a\x1cb",
    "😀",
    "Toàn trình",
    "Mức độ 4",
    "PAR",
    "Chỉ số hài lòng",
]


@pytest.mark.parametrize("column_type", sorted(TYPES))
def test_type_column_matches_the_row_path(column_type: str) -> None:
    rng = random.Random(column_type)
    cells = ODD_CELLS + [rng.choice(ODD_CELLS) + rng.choice(["", " ", "x", "1"]) for _ in range(300)]
    values, errors = _typed(column_type, cells)
    for i, cell in enumerate(cells):
        expected, error = _row_path(column_type, cell)
        assert errors.get(i) == error, cell
        if isinstance(expected, datetime):
            expected = expected.replace(tzinfo=None)
        assert values[i] == expected, cell


def test_values_are_worked_out_once_per_distinct_spelling() -> None:
    calls: list[str] = []

    def work(raw: str) -> Parsed:
        calls.append(raw)
        return Parsed(raw.upper(), None)

    odd = OddValues(work)
    column = pa.array(["a", "b", "a", "c", "a"])
    for _ in range(3):
        found = odd.lookup(column, np.array([True, True, True, False, True]))
        assert found.column(lambda r: r.value, pa.string()).to_pylist() == ["A", "B", "A", "A"]
    assert sorted(calls) == ["a", "b"]


def _header(labels: list[str]) -> Header:
    names = ["dossier_id", "procedure_code", "procedure_name", "level", "channel", "received_at", "due_at"]
    return Header(
        number=1,
        position=0,
        index_map=dict(enumerate(names)),
        columns={n: labels[i] for i, n in enumerate(names)},
        ignored=[labels[-1]],
        header_texts=[list(labels)],
    )


def _odd_rows(rng: random.Random, n: int) -> list[list[str]]:
    width = len(HEADER)
    data = ["H40.25-{:06d}", "1.002033", "Đăng ký kết hôn", "Cấp xã", "1", "05/03/2025 08:30", "10/03/2025", ""]
    specials = [
        [""] * width,
        ["", "", "", "", "", "", "", "Ghi chú: số liệu tạm tính"],
        ["Người lập biểu", "", "", "", "", "", "", ""],
        ["", "", "Nguyễn Văn A", "", "", "", "", ""],
        ["Tổng cộng", "", "", "", "", "", "", "1234"],
        ["", "Cộng", "", "", "", "", "", ""],
        ["", "", "", "Tổng số", "", "", "", ""],
        ["(1)", "(2)", "(3)", "(4)", "(5)", "(6)", "(7)", "(8)"],
        list(HEADER),
        list(ASCII_HEADER),
        [" Mã hồ sơ ", "Mã TTHC", "", "", "", "", "", ""],
        ["MaHoSo", "MATTHC", "tenTTHC", "Catalog", "KenhThucHien", "", "", ""],
        ["MaHoSo", "MATTHC", "tenTTHC", "Catalog", "KenhThucHien", "05/03/2025", "", ""],
        ["T40-1", "1.002033", "x", "Cấp xã", "1", "05/03/2025", "06/03/2025", ""],
        ["Tổng", "1", "2", "3", "4", "5", "6", "7"],
        ["C1", "", "", "", "", "", "", ""],
        ["1", "2", "3", "4", "5", "6", "7", "8"],
        ["H1", "\u200b", "\u00a0", "", "", "", "", ""],
        ["Cấp", "1.002033", "Đăng ký", "Cấp xã", "1", "05/03/2025", "06/03/2025", ""],
        ["TM. ỦY BAN NHÂN DÂN", "", "", "", "", "", "", ""],
        ["Nghệ An, ngày 5 tháng 3 năm 2025", "", "", "", "", "", "", ""],
        ["", "", "", "", "", "", "", ""],
        ["ho so 1", "1.002033", "Đăng ký", "Cấp xã", "1", "05/03/2025", "06/03/2025", ""],
    ]
    rows = []
    for i in range(n):
        if rng.random() < 0.15:
            rows.append(list(rng.choice(specials)))
        else:
            row = list(data)
            row[0] = row[0].format(i)
            rows.append(row)
    return rows


@pytest.mark.parametrize("labels", [HEADER, ASCII_HEADER], ids=["vietnamese", "ascii"])
@pytest.mark.parametrize("seed", range(6))
def test_row_sorting_matches_row_sorter(seed: int, labels: list[str]) -> None:
    rng = random.Random(seed)
    rows = _odd_rows(rng, 400)
    if seed % 2:
        # A column-numbering row is only skipped as the first row after the header (blank rows aside).
        rows[: seed % 3] = [[""] * len(HEADER)] * (seed % 3)
        rows.insert(seed % 3, ["(1)", "(2)", "(3)", "(4)", "(5)", "(6)", "(7)", "(8)"])
    header = _header(labels)
    table = SourceTable(Path("x.csv"), "csv", "utf-8", ",", None, 1, header.columns, header.ignored)
    reference = replace_table(table)
    expected = [r.number for r in RowSorter(reference, header).rows((2 + i, row) for i, row in enumerate(rows))]

    sorting = RowSorting(table, header, len(HEADER))
    got: list[int] = []
    start = 0
    while start < len(rows):
        size = rng.choice([1, 3, 17, 64])
        chunk = rows[start : start + size]
        batch = pa.RecordBatch.from_arrays(
            [pa.array([r[j] for r in chunk], pa.string()) for j in range(len(HEADER))],
            [f"c{j}" for j in range(len(HEADER))],
        )
        cells: dict[int, Cells] = {}

        def of(j: int, batch: pa.RecordBatch = batch, cells: dict[int, Cells] = cells) -> Cells:
            return cells.setdefault(j, Cells.of(batch.column(j)))

        data = sorting.data_rows(batch, of, 2 + start)
        got += [2 + start + int(i) for i in np.flatnonzero(data)]
        start += size
    assert got == expected
    assert [r.number for r in sorting.stub.total_rows] == [r.number for r in reference.total_rows]
    assert sorting.stub.skipped_blank_rows == reference.skipped_blank_rows


def replace_table(table: SourceTable) -> SourceTable:
    from dataclasses import replace

    return replace(table, total_rows=[], skipped_blank_rows=0)


def test_equal_keys_hash_equal_and_repeats_are_found() -> None:
    rng = random.Random(3)
    ids = [f"H40.25-{rng.randrange(5000):06d}" for _ in range(20_000)] + ["", "HỒ SƠ", "x" * 40, "y"]
    province = ["40"] * len(ids)
    whole = key_hash([pa.array(province), pa.array(ids)])
    # Sliced, mixed-width and rebuilt arrays give the same hash for the same key.
    part = key_hash([pa.array(province[5:]), pa.array(["mixed-width", *ids])[6:]])
    assert (whole[5:] == part).all()
    one_width = key_hash([pa.array(province[:100]), pa.array(ids[:100])])  # hashed a column at a time
    assert (one_width == whole[:100]).all()
    seen = SeenKeys(words=1 << 12)
    flags = np.concatenate([seen.repeats(whole[i : i + 3000]) for i in range(0, len(whole), 3000)])
    first = {}
    for i, key in enumerate(ids):
        if key in first:
            assert flags[i], key  # never a missed repeat; extra candidates are confirmed in SQL
        first.setdefault(key, i)


def _decode(payload: bytes, fields: int) -> list[list[bytes | None]]:
    rows, at = [], 0
    while at < len(payload):
        (count,) = struct.unpack_from(">h", payload, at)
        assert count == fields
        at += 2
        row: list[bytes | None] = []
        for _ in range(count):
            (size,) = struct.unpack_from(">i", payload, at)
            at += 4
            row.append(None if size < 0 else payload[at : at + size])
            at += max(size, 0)
        rows.append(row)
    return rows


def test_binary_copy_encoding() -> None:
    text = pa.array(["ab", None, "Đ", ""])
    stamps = pa.array(
        [datetime(2000, 1, 1), datetime(2024, 3, 5, 8, 30), None, datetime(1900, 1, 1)], pa.timestamp("us")
    )
    flags = pa.array([True, None, False, True])
    counts = pa.array([1, 2, 3, 2**40], pa.int64())
    tuples = Tuples(4, 7)
    tuples.constant(7, "bigint")  # part of the shared prefix
    tuples.column(counts, "bigint")  # fixed width, no NULLs: packed in the block
    tuples.constant("40", "text")  # after a per-row field: repeated in the block
    tuples.column(text, "text")
    tuples.column(stamps, "timestamp")
    tuples.column(flags, "boolean")
    tuples.column(pa.array([None] * 4, pa.string()), "text")
    rows = _decode(bytes(tuples.payload()), 7)
    assert [r[0] for r in rows] == [struct.pack(">q", 7)] * 4
    assert [struct.unpack(">q", r[1])[0] for r in rows] == [1, 2, 3, 2**40]  # type: ignore[arg-type]
    assert [r[2] for r in rows] == [b"40"] * 4
    assert [r[3] for r in rows] == [b"ab", None, "Đ".encode(), b""]
    micros = [None if r[4] is None else struct.unpack(">q", r[4])[0] for r in rows]
    assert micros == [
        0,
        int((datetime(2024, 3, 5, 8, 30) - datetime(2000, 1, 1)).total_seconds() * 1e6),
        None,
        int((datetime(1900, 1, 1) - datetime(2000, 1, 1)).total_seconds() * 1e6),
    ]
    assert [r[5] for r in rows] == [b"\x01", None, b"\x00", b"\x01"]
    assert [r[6] for r in rows] == [None] * 4


TRICKY = [
    ["H1", 'a "quoted" word', "x,y", "", "1", "05/03/2025", "06/03/2025", "ghi chú"],
    ["H2", '"', "'", "  spaced  ", "2", "", "", ";"],
    [""] * 8,
    ["H3", "Đ", "tab\there", "", "3", "05/03/2025", "06/03/2025", "\u00a0"],
]


@pytest.mark.parametrize(
    ("encoding", "delimiter", "terminator"),
    [
        ("utf-8", ",", "\r\n"),
        ("utf-8", ";", "\n"),
        ("cp1258", ";", "\r\n"),
        ("utf-16", "\t", "\r\n"),
        ("utf-8", ",", "\r"),
    ],
)
def test_reading_gives_the_csv_module_cells_and_line_numbers(
    tmp_path: Path, encoding: str, delimiter: str, terminator: str
) -> None:
    path = tmp_path / "40_2025-03.csv"
    rows = TRICKY * 50
    write_csv(
        path,
        HEADER,
        rows,
        encoding=encoding,
        delimiter=delimiter,
        title_lines=["BÁO CÁO", ""],
        line_terminator=terminator,
        bom=encoding == "utf-8" and delimiter == ";",
    )
    table = open_table(path, k.DOSSIERS)
    layout = layout_of(table)
    got = []
    for batch in batches(table, layout):
        got += [[batch.column(j)[i].as_py() for j in range(batch.num_columns)] for i in range(batch.num_rows)]
    with path.open(encoding=table.encoding, newline="") as handle:
        records = list(csv.reader(handle, delimiter=delimiter))
    # One physical line per record after the header, empty lines as rows of empty cells.
    expected = [r or [""] * len(HEADER) for r in records[table.header_row :]]
    assert layout.first_line == table.header_row + 1
    assert got == expected


def test_a_file_of_many_blocks_reads_in_file_order(tmp_path: Path) -> None:
    # pyarrow parses blocks on its own threads; the batches must still follow the file.
    path = tmp_path / "40_2025-03.csv"
    rows = [[f"H{i}", *TRICKY[i % len(TRICKY)][1:]] for i in range(100_000)]
    write_csv(path, HEADER, rows)
    assert path.stat().st_size > 3 * BLOCK_BYTES
    table = open_table(path, k.DOSSIERS)
    got: list[str] = []
    for batch in batches(table, layout_of(table)):
        got += batch.column(0).to_pylist()
    assert got == [r[0] for r in rows]


def test_quoted_line_breaks_and_ragged_rows_are_not_bulkable(tmp_path: Path) -> None:
    path = tmp_path / "40_2025-03.csv"
    write_csv(path, HEADER, [["H1", "a\nb", "", "", "1", "", "", ""]] * 3)
    table = open_table(path, k.DOSSIERS)
    batch = next(batches(table, layout_of(table)))
    with pytest.raises(NotBulkable):
        for column in batch.columns:
            refuse_line_breaks(column)
    path.write_text(",".join(HEADER) + "\nH1,1.002033\n", encoding="utf-8")
    table = open_table(path, k.DOSSIERS)
    with pytest.raises(pa.ArrowInvalid):
        list(batches(table, layout_of(table)))


def test_header_end_is_after_the_header_line() -> None:
    text = 'Title\r\n"a",b\r\nx,y\n'
    assert text[header_end(text, ",", 2) :] == "x,y\n"
    with pytest.raises(NotBulkable):
        header_end('t\n"a\nb",c\nx,y\n', ",", 2)  # the header spans lines 2-3


def test_csv_module_reference_is_what_the_row_reader_uses() -> None:
    # Guard for the test above: the row reader numbers records by physical line.
    reader = csv.reader(io.StringIO("a\r\n\r\nb\rc\n", newline=""))
    assert [(r, reader.line_num) for r in reader] == [(["a"], 1), ([], 2), (["b"], 3), (["c"], 4)]


def test_a_million_distinct_keys_raise_almost_no_false_candidates() -> None:
    # Each false candidate costs a read of every row the file has written so far.
    ids = pa.array([f"H40.2403-{i:08d}" for i in range(1_000_000)])
    province = pa.array(["40"] * len(ids))
    hashes = key_hash([province, ids])
    seen = SeenKeys()
    flags = np.concatenate([seen.repeats(hashes[i : i + 100_000]) for i in range(0, len(hashes), 100_000)])
    assert int(flags.sum()) <= 2


def test_the_repeat_filter_refuses_a_size_its_hash_cannot_index() -> None:
    with pytest.raises(ValueError, match="power of two"):
        SeenKeys(words=3000)
