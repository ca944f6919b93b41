"""The scorecard's names and fixed figures: indexes, regions, levels, national targets."""

from __future__ import annotations

INDEX_NAMES = {
    "PAR": ("Chỉ số Cải cách hành chính (PAR INDEX)", "Public Administration Reform Index (PAR INDEX)"),
    "SIPAS": (
        "Chỉ số hài lòng về sự phục vụ hành chính (SIPAS)",
        "Satisfaction Index of Public Administrative Services (SIPAS)",
    ),
}
REGION_EN = {
    "DBSH": "Red River Delta",
    "TDMNPB": "Northern Midlands and Mountains",
    "BTB_DHMT": "North Central and Central Coast",
    "TN": "Central Highlands",
    "DNB": "Southeast",
    "DBSCL": "Mekong River Delta",
}
REGION_SHORT = {
    "DBSH": ("ĐB sông Hồng", "Red River Delta"),
    "TDMNPB": ("TD & MN phía Bắc", "Northern Mountains"),
    "BTB_DHMT": ("BTB & DH miền Trung", "Central Coast"),
    "TN": ("Tây Nguyên", "Central Highlands"),
    "DNB": ("Đông Nam Bộ", "Southeast"),
    "DBSCL": ("ĐB sông Cửu Long", "Mekong Delta"),
}
REGION_ORDER = ("DBSH", "TDMNPB", "BTB_DHMT", "TN", "DNB", "DBSCL")
LEVELS = (
    ("tinh", "Cấp tỉnh", "Province", "#12385f"),
    ("huyen", "Cấp huyện", "District", "#D55E00"),
    ("xa", "Cấp xã", "Commune", "#009E73"),
)
TARGETS = {
    # Resolution 76/NQ-CP (programme 2021–2030) as the warehouse contract states it; figures the
    # marts carry (rpt_target_progress, every milestone for every year) take precedence. These
    # draw the lines on a dashboard built before any year has data.
    "online_procedures": {2025: 80.0, 2030: 100.0},
    "online_dossiers": {2025: 50.0, 2030: 80.0},
    "satisfaction": {2025: 90.0, 2030: 95.0},
}
TARGET_NAMES = {
    "online_procedures": (
        "Thủ tục đủ điều kiện cung cấp trực tuyến (toàn trình hoặc một phần)",
        "Eligible procedures offered online (full or partial)",
    ),
    "online_dossiers": ("Hồ sơ được xử lý trực tuyến", "Dossiers handled online"),
    "satisfaction": ("Mức độ hài lòng (SIPAS)", "Satisfaction (SIPAS)"),
}
PROVINCE_TYPES = {"tỉnh": "province", "thành phố": "centrally-run city"}
CARD_NAMES = {
    "online_procedures": ("TTHC trực tuyến", "Procedures online"),
    "online_dossiers": ("Hồ sơ trực tuyến", "Dossiers online"),
}
