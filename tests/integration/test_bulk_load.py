"""The bulk path (Arrow typing + binary COPY) and the row path give the same warehouse, value for value.

Each case loads one messy file twice, into two fresh databases: once with the bulk path
forced on and once with it off, then compares raw rows, rejected rows (row, column, raw
value, reason), warnings and the file's accounting.
"""

from __future__ import annotations

import logging
import random
import unicodedata
from pathlib import Path

import psycopg
import pytest

from reform_etl import pipeline
from reform_etl.load.bulk import source as bulk_source
from reform_etl.writers import to_windows_1258_form, write_csv

pytestmark = pytest.mark.integration

HEADER = [
    "Mã hồ sơ",
    "Mã TTHC",
    "Tên TTHC",
    "Tỉnh",
    "Cấp",
    "Kênh",
    "Ngày tiếp nhận",
    "Ngày hẹn trả",
    "Ngày có kết quả",
    "Thanh toán trực tuyến",
    "Ghi chú",
]
ODD_DATES = [
    "31/02/2025",
    "12/31/2025",
    "2025-03-05T08:30:00",
    "5/3/2025",
    "05-03-2025 08:30:15",
    "05.03.2025",
    "8h30 05/03/2025",
    "",
    "n/a",
    "05/03/1899",
    "2025-03-05",
    "  05/03/2025 07:00  ",
    "29/02/2024",
    "29/02/2025",
    "05/03/2025 24:00",
    "05/03/2025 23:59:60",
    "05/03/2025T08:30",
    "05/03-2025",
    "2025-03-05 08:30",
    "2025-02-29",
    "05/03/2101",
    "05/03/2025\t08:30",
    "05/03/2025  08:30",
    "\u200b",
    "05/03/2025 08:30 CH",
    "45356",
    "2025-03-05T08:30:00+07:00",
    "05/03/2025 08:30:15.5",
    "٠٥/٠٣/٢٠٢٥",
]
ODD_TEXT = [
    "Cấp giấy phép xây dựng",
    "Đăng ký kết hôn",
    "Đăng ký  khai sinh",
    "Cấp bản sao",
    "Ca\u0301p ba\u0309n sao",
    "Đăng\u00a0ký",
    "\u200bCấp phép",
    "Cấp\tphép",
    "x",
    "'1.002033",
    "\u00ad",
    "A" * 600,
]
ALIASES = {"Nghệ An": ["nghe an", "40"], "Hà Giang": ["ha giang", "02"], "Tuyên Quang": ["tuyen quang", "08"]}
SPECIAL_ROWS = [
    [],  # a truly empty line
    ["Tổng cộng", "", "", "", "", "", "", "", "", "", "3000"],
    ["Người lập biểu", "", "", "", "", "", "", "", "", "", ""],
    ["", "", "Nguyễn Văn A", "", "", "", "", "", "", "", ""],
    ["", "", "", "", "", "", "", "", "", "", "Ghi chú: số liệu tạm tính"],
    HEADER,
    ["Tổng", "1", "2", "3", "4", "5", "6", "7", "8", "9", "10"],
]


def _messy_rows(n: int, seed: int, *, province: str = "Nghệ An") -> list[list[str]]:
    rng = random.Random(seed)
    rows = []
    for i in range(n):
        day = 1 + i % 28
        received = f"{day:02d}/03/2025 {rng.randrange(7, 17):02d}:{rng.randrange(60):02d}"
        completed = "" if rng.random() < 0.05 else f"{min(28, day + rng.randrange(4)):02d}/03/2025 16:00"
        if rng.random() < 0.05:
            received = rng.choice(ODD_DATES)
        if rng.random() < 0.03:
            completed = rng.choice(ODD_DATES)
        dossier_id = f"H40.25-{i:06d}" if rng.random() > 0.01 else f"H40.25-{max(0, i - rng.choice([3, 900])):06d}"
        if rng.random() < 0.01:
            dossier_id = rng.choice([f"  HỒ SƠ {i}  ", f"T40-{i}", f"C {i}", f"HO\u0302\u0300 SO\u031b {i}", ""])
        rows.append(
            [
                dossier_id,
                rng.choice(["1.002033", "2.000889", "1.001612", "  1.000656 ", "1.002033\u200b", "1 002033"]),
                rng.choice(ODD_TEXT) if rng.random() < 0.1 else rng.choice(ODD_TEXT[:4]),
                rng.choice([province, f"Tỉnh {province}", *ALIASES[province], "Xứ Không Có", ""])
                if rng.random() < 0.02
                else province,
                rng.choice(
                    [
                        "Cấp tỉnh",
                        "Cấp xã",
                        "xa",
                        "Sở, ban, ngành",
                        "Cấp huyện",
                        "Cấp thôn",
                        "1",
                        " Ca\u0302\u0301p xa\u0303 ",
                    ]
                ),
                rng.choice(["1", "2", "3", "Trực tuyến", "trực tiếp", "BCCI", "qua mạng", "fax", ""]),
                received,
                f"{min(28, day + 5):02d}/03/2025" if rng.random() > 0.01 else rng.choice(ODD_DATES),
                completed,
                rng.choice(["có", "không", "x", "", "1", "0", "maybe", "✓", "Có "]),
                "ghi chú " * rng.randrange(3),
            ]
        )
        if rng.random() < 0.01:
            rows.append(list(rng.choice(SPECIAL_ROWS)))
    rows.insert(n // 2, [""] * len(HEADER))  # a blank spacer row
    return rows


def _ingest(
    url: str, landing: Path, monkeypatch: pytest.MonkeyPatch, bulk: bool, max_share: str
) -> pipeline.IngestResult:
    monkeypatch.setenv("REFORM_BULK_MIN_BYTES", "0" if bulk else str(1 << 40))
    monkeypatch.setenv("REFORM_MAX_REJECTED_SHARE", max_share)
    run_id = pipeline.new_run_id("bulk" if bulk else "rows")
    pipeline.prepare(url, run_id=run_id, trigger="test", landing=landing)
    [result] = pipeline.ingest_all(url, landing, run_id=run_id)
    return result


def _contents(url: str) -> dict[str, list[tuple[object, ...]]]:
    with psycopg.connect(url) as conn:
        return {
            "raw": conn.execute(
                "select source_row, province_code, period_label, period_start, period_end, dossier_id, "
                "procedure_code, procedure_name, level, channel, received_at, due_at, completed_at, paid_online "
                "from raw.dossiers order by source_row"
            ).fetchall(),
            "rejected": conn.execute(
                "select source_row, column_name, raw_value, reason from audit.rejected_rows "
                "order by source_row nulls first, column_name, reason"
            ).fetchall(),
            "warnings": conn.execute(
                "select source_row, column_name, raw_value, rule, message from audit.row_warnings order by 1, 2, 4"
            ).fetchall(),
            # The suite's verdicts: evaluated on Arrow batches (bulk) or in SQL (rows).
            "results": conn.execute(
                "select expectation, column_name, success, severity, unexpected_count "
                "from audit.validation_results order by 1, 2"
            ).fetchall(),
            "file": conn.execute(
                "select status, rows_read, rows_loaded, rows_rejected, warnings, province_code, period_label "
                "from audit.file_ingestions"
            ).fetchall(),
            # Supersession's key ranges: seen while streaming (bulk) or read back from raw (rows).
            "key_ranges": conn.execute(
                "select province_code, min_key, max_key from audit.file_key_ranges order by 1"
            ).fetchall(),
        }


def _fresh(server_url: str, name: str) -> str:
    admin = server_url.rsplit("/", 1)[0] + "/postgres"
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'drop database if exists "{name}" with (force)')
        conn.execute(f'create database "{name}"')
    return server_url.rsplit("/", 1)[0] + f"/{name}"


def _both_paths(
    server_url: str,
    landing: Path,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
    name: str,
    max_share: str = "0.9",
) -> tuple[dict[str, list[tuple[object, ...]]], bool]:
    """Load ``landing`` on both paths; returns the bulk side's contents and whether it stayed bulk."""
    outcomes = {}
    fell_back = False
    for bulk in (True, False):
        caplog.clear()
        with caplog.at_level(logging.INFO, logger="reform_etl.ingest"):
            result = _ingest(_fresh(server_url, f"{name}_{bulk}"), landing, monkeypatch, bulk, max_share)
        if bulk:
            fell_back = any("row-by-row load" in r.getMessage() for r in caplog.records)
        outcomes[bulk] = _contents(server_url.rsplit("/", 1)[0] + f"/{name}_{bulk}")
        outcomes[bulk]["status"] = [(result.status, result.message)]
    bulk_side, row_side = outcomes[True], outcomes[False]
    assert bulk_side["status"] == row_side["status"]
    assert bulk_side["file"] == row_side["file"]
    extra = sorted(set(bulk_side["rejected"]) ^ set(row_side["rejected"]), key=repr)
    assert not extra, extra[:6]
    assert sorted(bulk_side["rejected"], key=repr) == sorted(row_side["rejected"], key=repr)
    assert bulk_side["warnings"] == row_side["warnings"]
    assert bulk_side["raw"] == row_side["raw"]
    assert bulk_side["results"] == row_side["results"]
    assert bulk_side["key_ranges"] == row_side["key_ranges"]
    return bulk_side, not fell_back


def _encodable(text: str, encoding: str) -> str:
    """Drop what the encoding cannot hold (the writer gives Windows-1258 its own letter forms)."""
    form = to_windows_1258_form if encoding == "cp1258" else str
    keep = []
    for ch in unicodedata.normalize("NFC", text) if encoding == "cp1258" else text:
        try:
            form(ch).encode(encoding)
            keep.append(ch)
        except UnicodeEncodeError:
            continue
    return "".join(keep)


def _write(landing: Path, name: str, rows: list[list[str]], **options: object) -> None:
    (landing / "dossiers").mkdir(parents=True, exist_ok=True)
    encoding = str(options.get("encoding", "utf-8"))
    rows = [[_encodable(c, encoding) for c in r] for r in rows]
    write_csv(
        landing / "dossiers" / name,
        options.pop("header", HEADER),
        rows,  # type: ignore[arg-type]
        title_lines=["HỆ THỐNG THÔNG TIN GIẢI QUYẾT TTHC TỈNH NGHỆ AN"],
        **options,
    )  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("encoding", "delimiter", "period", "small_batches"),
    [("utf-8", ",", "2025-03", False), ("cp1258", ";", "2025-03", True), ("utf-16", "\t", "2025-09", False)],
)
def test_bulk_and_row_paths_agree(
    pg_server_url, tmp_path, monkeypatch, caplog, encoding, delimiter, period, small_batches
):
    if small_batches:  # many batches: repeats, spacer rows and footers across batch edges
        monkeypatch.setattr(bulk_source, "BLOCK_BYTES", 16 << 10)
        monkeypatch.setattr(bulk_source, "BATCH_ROWS", 300)
    landing = tmp_path / "landing"
    rows = _messy_rows(3000, seed=len(encoding))
    if period == "2025-09":
        rows = [[c.replace("/03/2025", "/09/2025") for c in r] for r in rows]
    _write(landing, f"40_{period}.csv", rows, encoding=encoding, delimiter=delimiter)
    contents, bulk = _both_paths(pg_server_url, landing, monkeypatch, caplog, f"agree_{encoding.replace('-', '')}")
    assert bulk, "the bulk path fell back to the row path"
    assert len(contents["raw"]) > 1000 and len(contents["rejected"]) > 50


def test_old_province_names_after_the_merger_warn_alike(pg_server_url, tmp_path, monkeypatch, caplog):
    landing = tmp_path / "landing"
    rows = [[c.replace("/03/2025", "/09/2025") for c in r] for r in _messy_rows(1500, seed=11, province="Hà Giang")]
    for r in rows[::7]:
        if len(r) > 3:
            r[3] = random.Random(len(r[0])).choice(["02", "Tuyên Quang", "Ha Giang", "08", " Hà  Giang "])
    _write(landing, "08_2025-09.csv", rows)
    contents, bulk = _both_paths(pg_server_url, landing, monkeypatch, caplog, "merged")
    assert bulk
    assert len(contents["warnings"]) > 100


def test_province_and_period_from_the_rows(pg_server_url, tmp_path, monkeypatch, caplog):
    landing = tmp_path / "landing"
    header = [*HEADER, "Kỳ báo cáo"]
    rows = _messy_rows(1500, seed=12, province="Tuyên Quang")
    for i, r in enumerate(rows):
        if len(r) == len(HEADER):
            r.append(["2025-03", "Tháng 3/2025", "", "Quý 5/2025", "03/2025"][i % 5] if i % 11 == 0 else "2025-03")
    _write(landing, "tuyen_quang_export.csv", rows, header=header)
    contents, bulk = _both_paths(pg_server_url, landing, monkeypatch, caplog, "identity")
    assert bulk
    assert any(r[1] == "period" for r in contents["rejected"])
    assert contents["warnings"] == []


@pytest.mark.parametrize("problem", ["ragged", "line_break", "two_periods", "other_province"])
def test_files_the_bulk_path_cannot_take_fall_back_cleanly(pg_server_url, tmp_path, monkeypatch, caplog, problem):
    monkeypatch.setattr(bulk_source, "BLOCK_BYTES", 16 << 10)
    monkeypatch.setattr(bulk_source, "BATCH_ROWS", 300)
    landing = tmp_path / "landing"
    rows = _messy_rows(1200, seed=13)
    header = HEADER
    if problem == "ragged":
        rows[1100] = rows[1100][:5]
    elif problem == "line_break":
        rows[1100][2] = "Cấp giấy phép\nxây dựng"
    elif problem == "other_province":
        rows[1100][3] = "Hà Nội"  # contradicts the file name: the row path refuses the whole file
    else:
        header = [*HEADER, "Kỳ báo cáo"]
        for i, r in enumerate(rows):
            r.append("2025-04" if i == 1100 else "2025-03")
    _write(landing, "nghe_an_export.csv" if problem == "two_periods" else "40_2025-03.csv", rows, header=header)
    _, bulk = _both_paths(pg_server_url, landing, monkeypatch, caplog, f"fallback_{problem}")
    assert not bulk


def test_a_file_the_row_path_refuses_is_refused_alike(pg_server_url, tmp_path, monkeypatch, caplog):
    landing = tmp_path / "landing"
    rows = _messy_rows(800, seed=14)
    for r in rows[400:]:
        if len(r) > 6:
            r[6] = "n/a"  # most rows lose a required date: more rejected than a file may lose
    _write(landing, "40_2025-03.csv", rows)
    contents, bulk = _both_paths(pg_server_url, landing, monkeypatch, caplog, "refused", max_share="0.2")
    assert bulk and contents["file"][0][0] == "rejected"


def test_repeats_and_suite_failures_interact_as_on_the_row_path(pg_server_url, tmp_path, monkeypatch, caplog):
    # The bulk path judges rows before writing them; the row path rejects repeats first and
    # validates the rest. These rows are where the two orders could disagree.
    landing = tmp_path / "landing"
    rows = _messy_rows(600, seed=21)

    def dossier(dossier_id: str, received: str, due: str) -> list[str]:
        return [dossier_id, "1.002033", "Cấp phép", "Nghệ An", "Cấp tỉnh", "1", received, due, "", "có", ""]

    rows[50] = dossier("K-1", "10/03/2025", "01/03/2025")  # breaks the suite: due before received
    rows[120] = dossier("K-1", "10/03/2025", "15/03/2025")  # valid, but repeats K-1 of the row above
    rows[200] = dossier("K-2", "10/03/2025", "15/03/2025")  # valid
    rows[260] = dossier("K-2", "10/03/2025", "01/03/2025")  # a repeat that also breaks the suite
    rows[300] = dossier("K-3", "10/03/2025", "01/03/2025")  # breaks the suite, three times over
    rows[310] = dossier("K-3", "10/03/2025", "01/03/2025")
    rows[320] = dossier("K-3", "12/03/2025", "20/03/2025")
    _write(landing, "40_2025-03.csv", rows)
    contents, bulk = _both_paths(pg_server_url, landing, monkeypatch, caplog, "repeats_suite")
    assert bulk
    repeats = sorted(r[3] for r in contents["rejected"] if "repeats the key (40, K-" in r[3])
    assert len(repeats) == 4, repeats
    assert sum("of row " in reason for reason in repeats) == 4
    assert not any(r[5] in {"K-1", "K-3"} for r in contents["raw"])
