"""Hand-made exports for the mart tests, with figures small enough to check by hand.

Written here rather than by the sample generator, so the expected marts follow from the
numbers below and not from the code under test.
"""

from __future__ import annotations

from pathlib import Path

# PAR INDEX 2019, a national table with a few provinces: Quảng Ninh first with 90.09, a tie
# for third place (Đà Nẵng and Bắc Ninh), and one published rank that disagrees with the
# scores (Bình Dương is 6th by score, printed 7th).
PAR_2019_FILE = "VN_2019_par.csv"
PAR_2019 = [
    # (province as printed, GSO code, score, published rank)
    ("Tỉnh Quảng Ninh", "22", "90,09", "1"),
    ("TP Hải Phòng", "31", "87,97", "2"),
    ("TP Đà Nẵng", "48", "85,72", "3"),
    ("Bắc Ninh", "27", "85,72", "3"),
    ("Hà Nội", "01", "84,31", "5"),
    ("Bình Dương", "74", "83,00", "7"),
]
# Ranks worked out by hand from the scores: competition ranking, the tie shares 3, then 5.
PAR_2019_EXPECTED = {"22": 1, "31": 2, "48": 3, "27": 3, "01": 5, "74": 6}
# Within the Red River Delta (DBSH): Quảng Ninh, Hải Phòng, Bắc Ninh, Hà Nội.
PAR_2019_DBSH_EXPECTED = {"22": 1, "31": 2, "27": 3, "01": 4}

# Dossier reports for H1-2024 from Bắc Kạn (06) and Thái Nguyên (19), merged on 2025-07-01
# into Thái Nguyên (19). Columns: received, received online, early, on time, late.
SUMMARY_HEADER = "Tỉnh/thành phố;Kỳ báo cáo;Cấp;Tiếp nhận;Tiếp nhận trực tuyến;Trước hạn;Đúng hạn;Quá hạn\n"
BAC_KAN_2024_H1 = ("06_2024-H1.csv", "Bắc Kạn;2024-H1;Cấp tỉnh;1.000;400;100;800;100\n")
THAI_NGUYEN_2024_H1 = ("19_2024-H1.csv", "Thái Nguyên;2024-H1;Cấp tỉnh;4.000;2.600;1.000;2.800;200\n")
# Restated onto Thái Nguyên (19) by hand: counts summed, rates from the sums.
RESTATED_19_2024_H1 = {
    "received": 5000,
    "received_online": 3000,
    "resolved_early": 1100,
    "resolved_on_time": 3600,
    "resolved_late": 300,
    "on_time_rate": 94.0,  # (1100 + 3600) / 5000; the mean of the two rates would be 92.5
    "online_share": 60.0,  # 3000 / 5000; the mean of the two shares would be 52.5
}

# Record-level log of Quảng Ninh (22) for September 2025, delivered twice.
DOSSIER_HEADER = "Mã hồ sơ,Mã thủ tục,Tên TTHC,Cấp,Kênh,Ngày tiếp nhận,Hạn giải quyết,Ngày trả kết quả\n"
RECORDS_V1 = (
    "22_2025-09.csv",
    [
        "QN-0001,1.001450,Đăng ký đất đai,Cấp tỉnh,Trực tuyến,02/09/2025 08:00,09/09/2025 17:00,05/09/2025 10:00",
        "QN-0002,2.001584,Cấp bản sao văn bằng,Cấp tỉnh,Trực tiếp,03/09/2025 09:00,10/09/2025 17:00,",
        "QN-0003,2.003183,Đăng ký môi trường,Cấp xã,Trực tiếp,04/09/2025 09:00,11/09/2025 17:00,15/09/2025 09:00",
        "QN-0004,2.011912,Chuyển mục đích sử dụng đất,Cấp xã,Bưu chính công ích,05/09/2025 09:00,12/09/2025 17:00,12/09/2025 11:00",
    ],
)
# The re-delivery: QN-0002 has its result now, QN-0004's channel is corrected to in person
# (so September has no more post row), and QN-0005 is new, pending and not yet due.
RECORDS_V2 = (
    "22_2025-09_gui_lai.csv",
    [
        "QN-0001,1.001450,Đăng ký đất đai,Cấp tỉnh,Trực tuyến,02/09/2025 08:00,09/09/2025 17:00,05/09/2025 10:00",
        "QN-0002,2.001584,Cấp bản sao văn bằng,Cấp tỉnh,Trực tiếp,03/09/2025 09:00,10/09/2025 17:00,10/09/2025 15:00",
        "QN-0003,2.003183,Đăng ký môi trường,Cấp xã,Trực tiếp,04/09/2025 09:00,11/09/2025 17:00,15/09/2025 09:00",
        "QN-0004,2.011912,Chuyển mục đích sử dụng đất,Cấp xã,Trực tiếp,05/09/2025 09:00,12/09/2025 17:00,12/09/2025 11:00",
        "QN-0005,1.001450,Đăng ký đất đai,Cấp xã,Trực tuyến,29/09/2025 09:00,08/10/2025 17:00,",
    ],
)
# (level, channel) -> received, early, on time, late, pending within deadline, pending overdue
RECORDS_V1_EXPECTED = {
    ("tinh", "truc_tuyen"): (1, 1, 0, 0, 0, 0),
    ("tinh", "truc_tiep"): (1, 0, 0, 0, 0, 1),
    ("xa", "truc_tiep"): (1, 0, 0, 1, 0, 0),
    ("xa", "buu_chinh"): (1, 0, 1, 0, 0, 0),
}
RECORDS_V2_EXPECTED = {
    ("tinh", "truc_tuyen"): (1, 1, 0, 0, 0, 0),
    ("tinh", "truc_tiep"): (1, 0, 1, 0, 0, 0),
    ("xa", "truc_tiep"): (2, 0, 1, 1, 0, 0),
    ("xa", "truc_tuyen"): (1, 0, 0, 0, 1, 0),
}


def write_par_2019(landing: Path) -> Path:
    folder = landing / "index_scores"
    folder.mkdir(parents=True, exist_ok=True)
    lines = ["STT,Tỉnh/thành phố,Điểm,Thứ hạng"]
    lines += [f'{i},{name},"{score}",{rank}' for i, (name, _, score, rank) in enumerate(PAR_2019, start=1)]
    path = folder / PAR_2019_FILE
    path.write_text("\n".join(lines) + "\n", encoding="utf-8-sig")
    return path


def write_merged_summaries(landing: Path) -> list[Path]:
    folder = landing / "dossier_summary"
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for name, body in (BAC_KAN_2024_H1, THAI_NGUYEN_2024_H1):
        path = folder / name
        path.write_text(SUMMARY_HEADER + body, encoding="utf-8")
        paths.append(path)
    return paths


def write_records(landing: Path, delivery: tuple[str, list[str]]) -> Path:
    name, rows = delivery
    folder = landing / "dossiers"
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    path.write_text(DOSSIER_HEADER + "\n".join(rows) + "\n", encoding="utf-8")
    return path


# PCI 2011, a national table in which Bình Dương and Lào Cai tie at 57.62 and the publisher
# still prints them 2nd and 3rd (the real table did this for 40th and 41st), and in which Hà
# Nội is printed 4th with 55.00 above Quảng Ninh's 56.40, printed 5th: a true contradiction.
PCI_2011_FILE = "VN_2011_pci.csv"
PCI_2011 = [
    ("Đà Nẵng", "48", "60,10", "1"),
    ("Bình Dương", "74", "57,62", "2"),
    ("Lào Cai", "10", "57,62", "3"),
    ("Hà Nội", "01", "55,00", "4"),
    ("Quảng Ninh", "22", "56,40", "5"),
]
# Computed ranks and how the published ones compare, by hand.
PCI_2011_EXPECTED = {
    "48": (1, "matches", True),
    "74": (2, "matches", True),
    "10": (2, "tie_broken_by_publisher", True),
    "22": (4, "differs", False),
    "01": (5, "differs", False),
}

# PAR Index 2019 fields, appraised by the ministry in one national table and self-assessed by
# Quảng Ninh (22, its file arrives first) and Hải Phòng (31, its file arrives last). Hải Phòng's
# self-assessment was sent before the appraisal and gives no appraised points at all.
PAR_FIELDS_2019 = ("Công tác chỉ đạo, điều hành cải cách hành chính", "Cải cách thủ tục hành chính")
PAR_2019_APPRAISED = {("22", 0): "8,10", ("22", 1): "5,25", ("31", 0): "7,50", ("31", 1): "6,00"}
PAR_2019_SELF = {("22", 0): "8,90", ("22", 1): "5,50", ("31", 0): "9,00", ("31", 1): "6,00"}
# Sums over the two fields, by hand: 22 self 14.40 against 13.35 (+1.05); 31 self 15.00 against
# 13.50 (+1.50). Above one point: 22's first field (+0.80 no), 31's first field (+1.50 yes).
PAR_2019_SELF_GAPS = {"22": ("14.40", "13.35", "1.05"), "31": ("15.00", "13.50", "1.50")}

# A half-year dossier report of Quảng Ninh with one row per month of 2023-H2.
MONTHLY_IN_HALF = (
    "22_2023-H2_theo_thang.csv",
    "Kỳ báo cáo;Cấp;Tổng số hồ sơ tiếp nhận;Đúng hạn;Quá hạn\n"
    "Tháng 7/2023;Cấp tỉnh;300;290;10\n"
    "Tháng 8/2023;Cấp tỉnh;320;300;20\n",
)


def write_pci_2011(landing: Path) -> Path:
    folder = landing / "index_scores"
    folder.mkdir(parents=True, exist_ok=True)
    lines = ["Tỉnh/thành phố,Điểm,Xếp hạng"] + [f'{name},"{score}",{rank}' for name, _, score, rank in PCI_2011]
    path = folder / PCI_2011_FILE
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def write_par_2019_sources(landing: Path) -> list[Path]:
    """Self-assessment of 22, then the appraised table, then the self-assessment of 31 (path order)."""
    folder = landing / "index_scores"
    names = {"22": "Tỉnh Quảng Ninh", "31": "TP Hải Phòng"}
    files = {
        "a_tu_danh_gia/22_2019_par_tu_danh_gia.csv": ["STT,Tỉnh/thành phố,Lĩnh vực,Điểm tự đánh giá,Điểm đạt được"]
        + [f'{i + 1},{names["22"]},"{f}","{PAR_2019_SELF["22", i]}",""' for i, f in enumerate(PAR_FIELDS_2019)],
        "b_tham_dinh/VN_2019_par_thanh_phan.csv": ["Tỉnh/thành phố,Lĩnh vực,Điểm thẩm định"]
        + [f'{names[c]},"{f}","{PAR_2019_APPRAISED[c, i]}"' for c in names for i, f in enumerate(PAR_FIELDS_2019)],
        "c_tu_danh_gia/31_2019_par_tu_danh_gia.csv": ["STT,Tỉnh/thành phố,Nội dung,Điểm tự đánh giá"]
        + [f'{i + 1},{names["31"]},"{f}","{PAR_2019_SELF["31", i]}"' for i, f in enumerate(PAR_FIELDS_2019)],
    }
    paths = []
    for name, lines in files.items():
        path = folder / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text("\n".join(lines) + "\n", encoding="utf-8")
        paths.append(path)
    return paths


def write_monthly_in_half(landing: Path) -> Path:
    folder = landing / "dossier_summary"
    folder.mkdir(parents=True, exist_ok=True)
    name, body = MONTHLY_IN_HALF
    path = folder / name
    path.write_text(body, encoding="utf-8")
    return path
