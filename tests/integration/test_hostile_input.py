"""Hostile and broken deliveries get a clear rejection: never a crash, a hang or a memory blow-up."""

from __future__ import annotations

import io
import resource
import zipfile
from pathlib import Path

import pytest

from reform_etl import pipeline
from reform_etl.report import write_report
from reform_etl.writers import write_xlsx

pytestmark = pytest.mark.integration


def _ingest(url: str, landing: Path) -> dict[str, pipeline.IngestResult]:
    run_id = pipeline.new_run_id("test")
    pipeline.prepare(url, run_id=run_id, trigger="test", landing=landing)
    return {r.path.name: r for r in pipeline.ingest_all(url, landing, run_id=run_id)}


def _zip_bomb(path: Path) -> None:
    """A valid-looking workbook whose one sheet expands to ~1 GB of zeros."""
    buffer = io.BytesIO()
    write_xlsx(path, ["Cấp", "Tiếp nhận", "Đúng hạn", "Quá hạn"], [["Cấp tỉnh", 1, 1, 0]])
    with zipfile.ZipFile(path) as src, zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as dst:
        for item in src.infolist():
            data = src.read(item.filename)
            if item.filename == "xl/worksheets/sheet1.xml":
                with dst.open(item.filename, "w", force_zip64=True) as handle:
                    handle.write(data)
                    chunk = b"\0" * (1 << 20)
                    for _ in range(1024):
                        handle.write(chunk)
            else:
                dst.writestr(item, data)
    path.write_bytes(buffer.getvalue())


def _entity_expansion(path: Path) -> None:
    """'Billion laughs' in the shared strings of an otherwise normal workbook."""
    write_xlsx(path, ["Cấp", "Tiếp nhận", "Đúng hạn", "Quá hạn"], [["Cấp tỉnh", 10, 9, 1]])
    laughs = ['<!ENTITY lol "lol">'] + [
        f'<!ENTITY lol{i} "{("&lol" + str(i - 1) + ";") * 10 if i > 1 else "&lol;" * 10}">' for i in range(1, 10)
    ]
    doctype = "<!DOCTYPE sst [" + "".join(laughs) + "]>"
    buffer = io.BytesIO()
    with zipfile.ZipFile(path) as src, zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as dst:
        for item in src.infolist():
            data = src.read(item.filename)
            if item.filename == "xl/sharedStrings.xml":
                text = data.decode()
                head, _, rest = text.partition("?>")
                data = (head + "?>" + doctype + rest.replace("Cấp tỉnh", "&lol9;")).encode()
            dst.writestr(item, data)
    path.write_bytes(buffer.getvalue())


def test_hostile_files_are_rejected_with_reasons(warehouse_url, landing, query, monkeypatch, tmp_path):
    folder = landing / "dossier_summary"
    folder.mkdir()
    monkeypatch.setenv("REFORM_MAX_FILE_BYTES", str(5 << 20))
    monkeypatch.setenv("REFORM_MAX_REJECTED_SHARE", "0.5")
    (folder / "40_2024-H1_too_big.csv").write_bytes(b"Cap,Tiep nhan\n" + b"Cap tinh,1\n" * 600_000)
    _zip_bomb(folder / "40_2024-H1_bomb.xlsx")
    _entity_expansion(folder / "40_2023-H1_entities.xlsx")
    (folder / "40_2024-H2_junk.csv").write_bytes(bytes(range(256)) * 400)
    (folder / "40_2022-H2_long_line.csv").write_bytes(
        "Cấp,Tiếp nhận,Đúng hạn,Quá hạn\nCấp tỉnh,1,1,0,".encode() + b"x" * (20 << 20) + b"\n"
    )
    (folder / "40_2021-H1_long_cell.csv").write_text(
        'Cấp,Tiếp nhận,Đúng hạn,Quá hạn,Ghi chú\nCấp tỉnh,1,1,0,"' + "ghi chú " * 200_000 + '"\n', encoding="utf-8"
    )
    (folder / "40_2021-H2_formula.csv").write_text(
        'Cấp,Tiếp nhận,Đúng hạn,Quá hạn\n"=HYPERLINK(""http://evil.example"",""bấm"")",1,1,0\nCấp tỉnh,5,5,0\n'
        "Cấp xã,7,7,0\nCấp huyện,9,9,0\n",
        encoding="utf-8",
    )
    outside = tmp_path / "secret.csv"
    outside.write_text("Cấp,Tiếp nhận,Đúng hạn,Quá hạn\nCấp tỉnh,1,1,0\n", encoding="utf-8")
    (folder / "40_2020-H1_link.csv").symlink_to(outside)
    (folder / "40_2020-H2_ ..\n'odd\"name.csv").write_text(
        "Cấp,Tiếp nhận,Đúng hạn,Quá hạn\nCấp tỉnh,3,3,0\n", encoding="utf-8"
    )

    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    results = _ingest(warehouse_url, landing)
    grown_mb = (resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before) / 1024

    def status(name: str) -> tuple[str, str]:
        r = results[name]
        return r.status, r.message or ""

    assert (
        status("40_2024-H1_too_big.csv")[0] == "rejected"
        and "larger than the 5 MB limit" in status("40_2024-H1_too_big.csv")[1]
    )
    bomb = status("40_2024-H1_bomb.xlsx")
    assert bomb[0] == "rejected" and ("zip bomb" in bomb[1] or "limit for a workbook" in bomb[1])
    entities = status("40_2023-H1_entities.xlsx")
    # Entities are never expanded: the file is refused or read with the literal text, nothing more.
    assert entities[0] in {"rejected", "loaded"}
    assert query(warehouse_url, "select coalesce(max(length(level)), 0) from raw.dossier_summary")[0][0] < 100
    assert status("40_2024-H2_junk.csv")[0] == "rejected"
    assert status("40_2022-H2_long_line.csv")[0] == "rejected"
    long_cell = status("40_2021-H1_long_cell.csv")
    assert long_cell[0] == "loaded"  # an over-long note in an ignored column harms nothing
    formula = results["40_2021-H2_formula.csv"]
    assert (formula.status, formula.rows_rejected) == ("loaded", 1)
    link = status("40_2020-H1_link.csv")
    assert link[0] == "rejected" and "symbolic link" in link[1]
    odd = results["40_2020-H2_ ..\n'odd\"name.csv"]
    assert odd.status == "loaded"
    for result in results.values():
        assert result.rows_read == result.rows_loaded + result.rows_rejected
    assert grown_mb < 400, f"memory grew by {grown_mb:.0f} MB"
    page = write_report(warehouse_url).read_text(encoding="utf-8")
    assert "=HYPERLINK" not in page.replace("&#x27;=HYPERLINK", "")


def test_mutated_files_of_every_format_each_get_a_status(warehouse_url, landing, query):
    import random

    from tests.unit.test_reader_fuzz import SEEDS

    rng = random.Random(20251121)
    folder = landing / "dossier_summary"
    folder.mkdir()
    for i in range(36):
        name = sorted(SEEDS)[i % len(SEEDS)]
        data = bytearray(SEEDS[name])
        for _ in range(rng.randint(1, 6)):
            at = rng.randrange(len(data))
            choice = rng.random()
            if choice < 0.4:
                data[at] ^= 1 << rng.randrange(8)
            elif choice < 0.7:
                del data[at : at + rng.randint(1, 40)]
            else:
                data[at:at] = rng.randbytes(rng.randint(1, 16))
        (folder / f"{40 + i % 3 * 2}_20{10 + i // 3}-H1_m{i}{Path(name).suffix}").write_bytes(bytes(data))

    results = _ingest(warehouse_url, landing)

    assert len(results) == 36
    stored = query(warehouse_url, "select status, rows_read, rows_loaded, rows_rejected from audit.file_ingestions")
    assert len(stored) == 36
    assert all(s in {"loaded", "rejected", "duplicate", "superseded"} and r == lo + rj for s, r, lo, rj in stored)
