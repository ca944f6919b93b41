"""The five export kinds of the provincial contract: their columns, types and labels.

This module is the single place that says which columns a kind has. Readers use the
labels to find the header row, the normaliser uses the types, the loader uses the
order to build the ``raw`` tables, and the generator writes the labels back out.
"""

from __future__ import annotations

from dataclasses import dataclass, field

# Value types a column can have; the normaliser has one parser per type.
TEXT = "text"  # free text, NFC-normalised, kept as is
CODE = "code"  # an identifier kept verbatim as text (procedure codes like 1.002033)
COUNT = "count"  # non-negative whole number
DECIMAL = "decimal"  # score-like number
PERCENT = "percent"  # 0..100
DATETIME = "datetime"  # day-first date with optional time
LEVEL = "level"  # tinh / huyen / xa
CHANNEL = "channel"  # truc_tiep / truc_tuyen / buu_chinh
ONLINE_MODE = "online_mode"  # toan_trinh / mot_phan / khong
BOOL = "bool"
PROVINCE = "province"  # resolved to a GSO code
PERIOD = "period"  # YYYY, YYYY-H1, YYYY-Q3, YYYY-MM ...
YEAR = "year"
INDEX_CODE = "index_code"  # PAR / SIPAS / PCI / PAPI / SI766


@dataclass(frozen=True)
class Column:
    name: str
    type: str
    required: bool = False
    labels: tuple[str, ...] = ()
    # Columns that identify the delivery rather than a measure; they may come from the
    # file name instead of the content, so their absence is not an error by itself.
    identity: bool = False


@dataclass(frozen=True)
class Kind:
    name: str
    title: str
    columns: tuple[Column, ...]
    natural_key: tuple[str, ...]
    # Columns whose values must be unique within one delivery (a repeat is a rejected row).
    unique_within_file: tuple[str, ...] = ()
    # Count columns that a trailing total row is checked against.
    summable: tuple[str, ...] = field(default=())

    @property
    def column_names(self) -> list[str]:
        return [c.name for c in self.columns]

    def column(self, name: str) -> Column:
        for c in self.columns:
            if c.name == name:
                return c
        raise KeyError(name)

    @property
    def required(self) -> list[str]:
        return [c.name for c in self.columns if c.required]


PROVINCE_LABELS = (
    "Tỉnh/thành phố",
    "Tỉnh, thành phố",
    "Tỉnh",
    "Tỉnh/TP",
    "Địa phương",
    "Đơn vị",
    "Tên tỉnh",
    "Mã tỉnh",
    "Tỉnh thành",
)
PERIOD_LABELS = ("Kỳ báo cáo", "Kỳ", "Thời gian báo cáo", "Kỳ số liệu")
YEAR_LABELS = ("Năm", "Năm đánh giá", "Năm báo cáo")
LEVEL_LABELS = ("Cấp", "Cấp giải quyết", "Cấp hành chính", "Cấp thực hiện", "Cấp đơn vị")


def _legacy_level_labels(levels: str) -> tuple[str, ...]:
    """How summaries before 2022 (Decree 43/2011) headed online services of a level: "mức độ 3, 4".

    Level 4 is today's full online service, level 3 the partial one, and 3 and 4 together all
    online services. Spelled out label by label, so matching stays exact: "3, 4" and "3 và 4"
    fold to different texts, and a bare "Mức độ" never matches a count column.
    """
    prefixes: tuple[str, ...] = (
        "",
        "Số ",
        "DVC ",
        "Số DVC ",
        "DVCTT ",
        "Số DVCTT ",
        "DVC trực tuyến ",
        "Số DVC trực tuyến ",
    )
    prefixes += ("Dịch vụ công trực tuyến ", "Số dịch vụ công trực tuyến ", "TTHC ", "Số TTHC ")
    return tuple(f"{prefix}{degree} {levels}" for prefix in prefixes for degree in ("mức độ", "mức"))


def _identity_columns() -> tuple[Column, ...]:
    return (
        Column("province", PROVINCE, labels=PROVINCE_LABELS, identity=True),
        Column("period", PERIOD, labels=PERIOD_LABELS, identity=True),
    )


DOSSIER_SUMMARY = Kind(
    name="dossier_summary",
    title="Báo cáo kết quả giải quyết hồ sơ TTHC",
    columns=(
        *_identity_columns(),
        Column("year", YEAR, labels=YEAR_LABELS, identity=True),
        Column("level", LEVEL, required=True, labels=LEVEL_LABELS),
        Column(
            "received",
            COUNT,
            required=True,
            labels=(
                "Tổng số hồ sơ tiếp nhận",
                "Tiếp nhận",
                "Số hồ sơ tiếp nhận",
                "Tổng số tiếp nhận",
                "Hồ sơ tiếp nhận",
                "Tổng số hồ sơ tiếp nhận trong kỳ",
                "Tiếp nhận trong kỳ",
                "Số hồ sơ tiếp nhận trong kỳ",
                "Số hồ sơ nhận giải quyết",
            ),
        ),
        Column(
            "received_online",
            COUNT,
            labels=(
                "Tiếp nhận trực tuyến",
                "Trực tuyến",
                "Hồ sơ trực tuyến",
                "Số hồ sơ trực tuyến",
                "Tiếp nhận qua mạng",
                "Qua mạng",
                "Trong đó trực tuyến",
            ),
        ),
        Column(
            "carried_over",
            COUNT,
            labels=(
                "Kỳ trước chuyển sang",
                "Từ kỳ trước chuyển sang",
                "Tồn kỳ trước",
                "Kỳ trước chuyển qua",
                "Số hồ sơ kỳ trước chuyển sang",
                "Số hồ sơ từ kỳ trước chuyển sang",
            ),
        ),
        Column(
            "resolved_early",
            COUNT,
            labels=(
                "Trước hạn",
                "Giải quyết trước hạn",
                "Đã giải quyết trước hạn",
                "Số hồ sơ đã giải quyết trước hạn",
                "Đã xử lý trước hạn",
            ),
        ),
        Column(
            "resolved_on_time",
            COUNT,
            required=True,
            labels=(
                "Đúng hạn",
                "Đúng hoặc trước hạn",
                "Đúng và trước hạn",
                "Trước và đúng hạn",
                "Giải quyết đúng hạn",
                "Đã giải quyết đúng hạn",
                "Đã giải quyết đúng hoặc trước hạn",
                "Đã giải quyết trong hạn",
                "Số hồ sơ đã giải quyết đúng hạn",
                "Số hồ sơ đã giải quyết đúng hoặc trước hạn",
                "Đã xử lý đúng hạn",
            ),
        ),
        Column(
            "resolved_late",
            COUNT,
            required=True,
            labels=(
                "Quá hạn",
                "Trễ hạn",
                "Giải quyết quá hạn",
                "Giải quyết trễ hạn",
                "Đã giải quyết quá hạn",
                "Đã giải quyết trễ hạn",
                "Số hồ sơ đã giải quyết quá hạn",
                "Số hồ sơ đã giải quyết trễ hạn",
                "Đã xử lý quá hạn",
            ),
        ),
        Column(
            "pending_within_deadline",
            COUNT,
            labels=(
                "Đang giải quyết trong hạn",
                "Đang giải quyết chưa đến hạn",
                "Đang giải quyết chưa quá hạn",
                "Chưa đến hạn",
                "Đang xử lý trong hạn",
                "Số hồ sơ đang giải quyết trong hạn",
                "Đang giải quyết còn hạn",
                "Chưa giải quyết trong hạn",
            ),
        ),
        Column(
            "pending_overdue",
            COUNT,
            labels=(
                "Đang giải quyết quá hạn",
                "Đang giải quyết trễ hạn",
                "Đang xử lý quá hạn",
                "Số hồ sơ đang giải quyết quá hạn",
                "Đang giải quyết đã quá hạn",
                "Đang xử lý trễ hạn",
                "Chưa giải quyết quá hạn",
                "Chưa giải quyết trễ hạn",
            ),
        ),
        Column(
            "reported_on_time_rate",
            PERCENT,
            labels=(
                "Tỷ lệ đúng hạn",
                "Tỷ lệ giải quyết đúng hạn",
                "Tỷ lệ đúng hoặc trước hạn",
                "Tỷ lệ trước và đúng hạn",
                "Tỷ lệ giải quyết đúng và trước hạn",
                "Tỷ lệ đúng và trước hạn",
                "Tỉ lệ đúng hạn",
            ),
        ),
        Column(
            "reported_late_rate",
            PERCENT,
            labels=("Tỷ lệ trễ hạn", "Tỷ lệ quá hạn", "Tỉ lệ trễ hạn", "Tỷ lệ giải quyết quá hạn"),
        ),
    ),
    natural_key=("province_code", "period_label", "level"),
    unique_within_file=("level",),
    summable=(
        "received",
        "received_online",
        "carried_over",
        "resolved_early",
        "resolved_on_time",
        "resolved_late",
        "pending_within_deadline",
        "pending_overdue",
    ),
)

DOSSIERS = Kind(
    name="dossiers",
    title="Nhật ký hồ sơ TTHC (hệ thống một cửa)",
    columns=(
        *_identity_columns(),
        Column(
            "dossier_id",
            CODE,
            required=True,
            labels=("Mã hồ sơ", "Số biên nhận", "Mã biên nhận", "MaHoSo", "Số hồ sơ"),
        ),
        Column(
            "procedure_code",
            CODE,
            required=True,
            labels=("Mã TTHC", "Mã thủ tục", "Mã thủ tục hành chính", "MaTTHC"),
        ),
        Column("procedure_name", TEXT, labels=("Tên TTHC", "Tên thủ tục", "Tên thủ tục hành chính", "TenTTHC")),
        Column("level", LEVEL, required=True, labels=(*LEVEL_LABELS, "Catalog")),
        Column(
            "channel",
            CHANNEL,
            required=True,
            labels=("Kênh", "Kênh nộp", "Kênh nộp hồ sơ", "Hình thức nộp", "KenhThucHien", "Kênh tiếp nhận"),
        ),
        Column(
            "received_at",
            DATETIME,
            required=True,
            labels=("Ngày tiếp nhận", "NgayTiepNhan", "Thời gian tiếp nhận"),
        ),
        Column("due_at", DATETIME, required=True, labels=("Ngày hẹn trả", "NgayHenTra", "Hạn trả", "Hạn giải quyết")),
        Column(
            "completed_at",
            DATETIME,
            labels=(
                "Ngày có kết quả",
                "Ngày kết thúc xử lý",
                "NgayKetThucXuLy",
                "Ngày hoàn thành",
                "Ngày trả kết quả",
                "NgayCoKetQua",
            ),
        ),
        Column(
            "agency", TEXT, labels=("Cơ quan", "Cơ quan giải quyết", "Đơn vị xử lý", "TenDonVi", "Đơn vị tiếp nhận")
        ),
        Column("field", TEXT, labels=("Lĩnh vực", "TenLinhVuc", "Lĩnh vực TTHC")),
        Column(
            "paid_online",
            BOOL,
            labels=("Thanh toán trực tuyến", "DuocThanhToanTrucTuyen", "Thanh toán trực tuyến phí, lệ phí"),
        ),
        Column("status", TEXT, labels=("Trạng thái", "Trạng thái hồ sơ", "TrangThaiHoSo")),
    ),
    natural_key=("province_code", "dossier_id"),
    unique_within_file=("dossier_id",),
)

ONLINE_SERVICES = Kind(
    name="online_services",
    title="Danh mục TTHC và mức độ cung cấp dịch vụ công trực tuyến",
    columns=(
        *_identity_columns(),
        Column("year", YEAR, labels=YEAR_LABELS, identity=True),
        Column(
            "procedure_code",
            CODE,
            required=True,
            labels=("Mã TTHC", "Mã thủ tục", "Mã thủ tục hành chính", "MaTTHC", "Mã số TTHC"),
        ),
        Column("procedure_name", TEXT, labels=("Tên TTHC", "Tên thủ tục", "Tên thủ tục hành chính", "TenTTHC")),
        Column("level", LEVEL, labels=(*LEVEL_LABELS, "Cấp thẩm quyền")),
        Column(
            "online_mode",
            ONLINE_MODE,
            required=True,
            labels=(
                "Mức độ DVC",
                "Mức độ",
                "Mức độ dịch vụ công",
                "Mức độ DVCTT",
                "Hình thức cung cấp",
                "DVC trực tuyến",
                "MucDo",
            ),
        ),
        Column(
            "on_national_portal",
            BOOL,
            labels=(
                "Tích hợp Cổng DVC quốc gia",
                "Tích hợp cổng DVCQG",
                "Đã tích hợp Cổng DVC quốc gia",
                "Cổng DVCQG",
                "Tích hợp, cung cấp trên Cổng DVC quốc gia",
            ),
        ),
        Column("dossiers_total", COUNT, labels=("Tổng số hồ sơ", "Số hồ sơ", "Tổng hồ sơ")),
        Column("dossiers_online", COUNT, labels=("Số hồ sơ trực tuyến", "Hồ sơ trực tuyến", "Hồ sơ nộp trực tuyến")),
    ),
    natural_key=("province_code", "period_label", "procedure_code"),
    unique_within_file=("procedure_code",),
)

ONLINE_SERVICE_SUMMARY = Kind(
    name="online_service_summary",
    title="Tổng hợp cung cấp dịch vụ công trực tuyến",
    columns=(
        *_identity_columns(),
        Column("year", YEAR, labels=YEAR_LABELS, identity=True),
        Column("procedures_total", COUNT, required=True, labels=("Tổng số TTHC", "Tổng số thủ tục", "Số TTHC")),
        Column(
            "procedures_online",
            COUNT,
            required=True,
            labels=(
                "DVC trực tuyến",
                "Số DVC trực tuyến",
                "Số TTHC trực tuyến",
                "Dịch vụ công trực tuyến",
                "DVCTT",
                *_legacy_level_labels("3, 4"),
                *_legacy_level_labels("3 và 4"),
            ),
        ),
        Column(
            "procedures_full_online",
            COUNT,
            labels=(
                "Toàn trình",
                "DVC trực tuyến toàn trình",
                "DVCTT toàn trình",
                "Số DVC toàn trình",
                "Số DVC trực tuyến toàn trình",
                *_legacy_level_labels("4"),
            ),
        ),
        Column(
            "procedures_partial_online",
            COUNT,
            labels=(
                "Một phần",
                "DVC trực tuyến một phần",
                "DVCTT một phần",
                "Số DVC một phần",
                "Số DVC trực tuyến một phần",
                *_legacy_level_labels("3"),
            ),
        ),
        Column(
            "procedures_on_national_portal",
            COUNT,
            labels=(
                "Tích hợp Cổng DVC quốc gia",
                "Số TTHC tích hợp Cổng DVC quốc gia",
                "Tích hợp cổng DVCQG",
                "Công khai trên Cổng DVC quốc gia",
            ),
        ),
        Column("dossiers_total", COUNT, labels=("Tổng số hồ sơ", "Tổng hồ sơ", "Số hồ sơ")),
        Column(
            "dossiers_online",
            COUNT,
            labels=("Hồ sơ trực tuyến", "Số hồ sơ trực tuyến", "Hồ sơ nộp trực tuyến", "Số hồ sơ nộp trực tuyến"),
        ),
        Column(
            "reported_coverage_rate",
            PERCENT,
            labels=("Tỷ lệ DVC trực tuyến", "Tỷ lệ TTHC cung cấp trực tuyến", "Tỷ lệ cung cấp DVCTT"),
        ),
        Column(
            "reported_online_dossier_rate",
            PERCENT,
            labels=("Tỷ lệ hồ sơ trực tuyến", "Tỷ lệ hồ sơ nộp trực tuyến", "Tỷ lệ xử lý hồ sơ trực tuyến"),
        ),
    ),
    natural_key=("province_code", "period_label"),
    unique_within_file=(),
)

INDEX_SCORES = Kind(
    name="index_scores",
    title="Kết quả chỉ số (PAR, SIPAS, PCI, PAPI, SI766)",
    columns=(
        Column(
            "index_code",
            INDEX_CODE,
            labels=("Chỉ số", "Tên chỉ số", "Bộ chỉ số", "Index", "Loại chỉ số"),
            identity=True,
        ),
        Column("year", YEAR, labels=YEAR_LABELS, identity=True),
        Column("province", PROVINCE, required=True, labels=PROVINCE_LABELS),
        Column("component", TEXT, labels=("Thành phần", "Lĩnh vực", "Chỉ số thành phần", "Nội dung", "Tiêu chí")),
        # Required, except in a self-assessment file, whose rows may give only self_score
        # before the appraisal is known: the normaliser checks it row by row.
        Column(
            "score",
            DECIMAL,
            labels=(
                "Điểm",
                "Tổng điểm",
                "Điểm đạt được",
                "Kết quả",
                "Giá trị",
                "Điểm số",
                "Giá trị chỉ số",
                # The ministry's appraised points beside a self-assessment.
                "Điểm thẩm định",
                "Điểm sau thẩm định",
            ),
        ),
        Column("max_score", DECIMAL, labels=("Điểm tối đa", "Thang điểm", "Điểm chuẩn")),
        Column("self_score", DECIMAL, labels=("Tự đánh giá", "Điểm tự đánh giá", "Điểm tự chấm")),
        Column("published_rank", COUNT, labels=("Xếp hạng", "Thứ hạng", "Hạng", "Vị trí")),
        # Which side of the PAR Index a row gives: set by the normaliser from the file's shape
        # (see SCORE_SOURCES), never read from a cell, so it has no labels.
        Column("source", TEXT, identity=True),
    ),
    # A province's self-assessment and the ministry's appraisal of the same field are two
    # figures side by side, not two versions of one: the source keeps them apart.
    natural_key=("index_code", "year", "province_code", "component_code", "source"),
    unique_within_file=(),
)

# Values of index_scores.source: 'self' for a file that carries the province's self-assessed
# points (Điểm tự đánh giá), 'appraised' for every other index table.
APPRAISED = "appraised"
SELF_ASSESSED = "self"
SCORE_SOURCES = (APPRAISED, SELF_ASSESSED)

KINDS: dict[str, Kind] = {
    k.name: k for k in (DOSSIER_SUMMARY, DOSSIERS, ONLINE_SERVICES, ONLINE_SERVICE_SUMMARY, INDEX_SCORES)
}


def get_kind(name: str) -> Kind:
    try:
        return KINDS[name]
    except KeyError:
        known = ", ".join(sorted(KINDS))
        raise KeyError(f"unknown kind {name!r}; the landing folder's sub-folders must be one of: {known}") from None
