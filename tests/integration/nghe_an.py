"""A Nghệ An H1-2022 dossier report shaped the way the provincial office sends it.

Built here with openpyxl, independently of the project's own sample generator, so the
reader is tested against a file the generator did not write.
"""

from __future__ import annotations

from pathlib import Path

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font

FILE_NAME = "40_2022-H1_bao-cao-ket-qua-giai-quyet-tthc.xlsx"

# (level label, received, early+on time, late, pending in time, pending overdue, printed rate)
ROWS = [
    ("Cấp tỉnh", "86.544", "82.978", "3.566", "0", "0", "95,88"),
    ("Cấp huyện", "61.203", "59.871", "1.332", "0", "0", "97,82"),
    ("Cấp xã", "402.118", "401.005", "1.113", "0", "0", "99,72"),
]


def write(path: Path) -> Path:
    wb = Workbook()
    ws = wb.active
    ws.title = "Biểu 06a"
    ws["A1"] = "ỦY BAN NHÂN DÂN TỈNH NGHỆ AN"
    ws["A2"] = "BÁO CÁO KẾT QUẢ GIẢI QUYẾT THỦ TỤC HÀNH CHÍNH"
    ws["A3"] = "6 tháng đầu năm 2022 (từ 01/01/2022 đến 30/6/2022)"
    for cell in ("A1", "A2"):
        ws[cell].font = Font(bold=True)
    ws.merge_cells("A1:I1")
    ws.merge_cells("A2:I2")
    ws.merge_cells("A3:I3")
    # Two-row header: a group over the resolved counts and one over the pending ones.
    ws["A5"], ws["B5"], ws["C5"], ws["D5"], ws["F5"], ws["H5"] = (
        "STT",
        "Cấp giải quyết",
        "Tổng số hồ sơ tiếp nhận",
        "Số hồ sơ đã giải quyết",
        "Số hồ sơ đang giải quyết",
        "Tỷ lệ đúng hạn (%)",
    )
    ws["D6"], ws["E6"], ws["F6"], ws["G6"] = "Đúng hoặc trước hạn", "Trễ hạn", "Trong hạn", "Quá hạn"
    ws["I5"] = "Ghi chú"
    for rng in ("A5:A6", "B5:B6", "C5:C6", "D5:E5", "F5:G5", "H5:H6", "I5:I6"):
        ws.merge_cells(rng)
    for row in ws.iter_rows(min_row=5, max_row=6):
        for cell in row:
            cell.alignment = Alignment(wrap_text=True, horizontal="center")
    r = 7
    for i, (level, received, on_time, late, pin, pover, rate) in enumerate(ROWS, start=1):
        ws.cell(r, 1, i)
        ws.cell(r, 2, level)
        for col, value in zip(range(3, 9), (received, on_time, late, pin, pover, rate), strict=True):
            ws.cell(r, col, value)
        r += 1
    ws.cell(r, 2, "Tổng cộng")
    ws.cell(r, 3, "549.865")
    ws.cell(r, 4, "543.854")
    ws.cell(r, 5, "6.011")
    r += 2
    ws.cell(r, 2, "Nơi nhận:")
    ws.cell(r, 6, "CHỦ TỊCH")
    wb.save(path)
    return path
