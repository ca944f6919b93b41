"""Sample provincial exports for demos, tests and benchmarks.

Writes a landing directory that looks like what provinces and the ministry really send
(see the export contract, ``exports.md``): one sub-folder per kind, file names
``<province>_<period>[_suffix].<ext>``, Vietnamese headers taken from :mod:`kinds`,
xlsx reports with title rows and merged two-row headers, CSV in UTF-8/UTF-16/Windows-1258,
JSON, and the 2025 merger of 63 provinces into 34. Faults are injected on purpose with
probability ``fault_rate`` per file and listed in ``_manifest.json`` so tests can check
that the pipeline flags each of them.

Everything is derived from ``seed``: each file draws from its own ``random.Random``
keyed by the seed and the file's identity, so the same call gives byte-identical files,
and a file's content does not depend on which other kinds or provinces were requested.
"""

from __future__ import annotations

import csv
import datetime as dt
import json
import math
import random
import shutil
import unicodedata
from collections.abc import Callable, Collection, Iterator, Sequence
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from functools import lru_cache
from pathlib import Path

from reform_etl.delivery import mark_delivered
from reform_etl.kinds import KINDS, get_kind
from reform_etl.writers import vn_number, write_csv, write_json, write_jsonl, write_xlsx

REFERENCE_DIR = Path(__file__).parent / "reference"
MANIFEST_NAME = "_manifest.json"
MERGER_DATE = dt.date(2025, 7, 1)
FIRST_YEAR, LAST_YEAR = 2019, 2025
NATIONAL = "VN"
UNKNOWN_PROVINCE_CODE = "99"
UNKNOWN_PROVINCE_NAME = "Tỉnh Không Tồn Tại"

# Short codes recorded in GeneratedFile.faults, with what the pipeline should do about them.
FAULTS: dict[str, str] = {
    "wrong_printed_rate": "a printed rate is 2-10 points off the computed one (warning)",
    "unknown_province": "province code 99 / 'Tỉnh Không Tồn Tại' in the name or a row (rejected)",
    "bad_number": "a count like '12,5', '-3' or 'n/a' (row rejected)",
    "duplicate_delivery": "an exact byte copy of another file under another name (duplicate)",
    "truncated": "an xlsx or json file cut in half (file rejected as unreadable)",
    "total_mismatch": "the 'Tổng cộng' row differs from the column sums (warning)",
    "district_after_merger": "a 'Cấp huyện' row in a period from 2025-07-01 (row rejected)",
    "bad_date": "31/02/yyyy or a month-first date in a dossier record (row rejected)",
    "duplicate_dossier_id": "a dossier id repeated inside one delivery (row rejected)",
    "old_name_after_merger": "a pre-merger province name/code for a post-merger period (mapped, warning)",
}

# --------------------------------------------------------------------------- results


@dataclass
class GeneratedFile:
    path: Path
    kind: str
    province_code: str  # GSO code the file is about ('VN' for national files, '99' when unknown)
    period_label: str
    format: str  # xlsx, xlsx-report, csv-utf8, csv-utf8-bom, csv-utf16, csv-cp1258, csv-utf8-nfd, json, jsonl
    faults: list[str] = field(default_factory=list)

    def to_manifest(self, root: Path) -> dict[str, object]:
        return {
            "path": self.path.relative_to(root).as_posix(),
            "kind": self.kind,
            "province_code": self.province_code,
            "period_label": self.period_label,
            "format": self.format,
            "faults": list(self.faults),
        }


@dataclass
class GenerationSummary:
    out_dir: Path
    files: list[GeneratedFile]
    parameters: dict[str, object] = field(default_factory=dict)

    def counts_by_kind(self) -> dict[str, int]:
        counts: dict[str, int] = {}
        for f in self.files:
            counts[f.kind] = counts.get(f.kind, 0) + 1
        return dict(sorted(counts.items()))

    def fault_counts(self) -> dict[str, int]:
        counts: dict[str, int] = {}
        for f in self.files:
            for fault in f.faults:
                counts[fault] = counts.get(fault, 0) + 1
        return dict(sorted(counts.items()))

    def write_manifest(self) -> Path:
        """Write ``_manifest.json``; the leading underscore keeps the pipeline away from it."""
        path = self.out_dir / MANIFEST_NAME
        document = {
            "generator": "reform_etl.generate",
            "parameters": self.parameters,
            "counts_by_kind": self.counts_by_kind(),
            "fault_counts": self.fault_counts(),
            "files": [f.to_manifest(self.out_dir) for f in self.files],
        }
        path.write_text(json.dumps(document, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
        return path


# --------------------------------------------------------------------------- reference data


def _read_reference(name: str) -> list[dict[str, str]]:
    with (REFERENCE_DIR / name).open(encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


@dataclass(frozen=True)
class Unit:
    """A province as it existed in some period: one of the 63 before 2025-07-01, or of the 34."""

    code: str
    name: str
    official_name: str
    is_city: bool
    aliases: tuple[str, ...]
    successor_code: str
    constituents: tuple[str, ...]  # codes of the 63 units it covers (its own code for a 63 unit)
    constituent_names: tuple[str, ...]

    @property
    def merged(self) -> bool:
        return len(self.constituents) > 1


@dataclass(frozen=True)
class Geography:
    old_rows: dict[str, dict[str, str]]
    new_rows: dict[str, dict[str, str]]
    successor: dict[str, str]

    @property
    def new_codes(self) -> list[str]:
        return sorted(self.new_rows)


@lru_cache(maxsize=1)
def load_geography() -> Geography:
    old = {r["code"]: r for r in _read_reference("provinces_63.csv")}
    new = {r["new_code"]: r for r in _read_reference("provinces_34.csv")}
    successor = {r["old_code"]: r["new_code"] for r in _read_reference("merger_2025.csv")}
    return Geography(old, new, successor)


def _aliases(raw: str) -> tuple[str, ...]:
    return tuple(a.strip() for a in raw.split(";") if a.strip())


def _old_unit(geo: Geography, code: str, year: int) -> Unit:
    row = geo.old_rows[code]
    # Huế became a centrally-run city on 2025-01-01; reports up to 2024 say 'Thừa Thiên Huế'.
    before_2025 = year <= 2024
    name = row["name_2019_2024"] if before_2025 else row["name"]
    unit_type = row["type_2019_2024"] if before_2025 else row["type"]
    is_city = unit_type.startswith("thành phố")
    official = ("Thành phố " if is_city else "Tỉnh ") + name.removeprefix("TP ")
    if not before_2025 or name == row["name"]:
        official = row["official_name_gso"]
    return Unit(code, name, official, is_city, _aliases(row["aliases"]), geo.successor[code], (code,), (name,))


def _new_unit(geo: Geography, code: str) -> Unit:
    row = geo.new_rows[code]
    old_codes = tuple(row["old_codes"].split(";"))
    # Aliases come from the constituent that gave its name (Gia Lai 52 takes old Gia Lai 64's),
    # minus the pre-2025 spellings of Huế, which would now read as an old name.
    namesake = next((c for c in old_codes if geo.old_rows[c]["name"] == row["new_name"]), code)
    aliases = tuple(a for a in _aliases(geo.old_rows[namesake]["aliases"]) if "Thừa" not in a and "Thua" not in a)
    return Unit(
        code,
        row["new_name"],
        row["official_name"],
        row["type"].startswith("thành phố"),
        aliases,
        code,
        old_codes,
        tuple(row["old_names"].split(";")),
    )


# --------------------------------------------------------------------------- periods


@dataclass(frozen=True)
class Period:
    label: str
    start: dt.date
    end: dt.date

    @property
    def year(self) -> int:
        return self.start.year

    @property
    def post_merger(self) -> bool:
        """Starts on/after 2025-07-01: no district level any more."""
        return self.start >= MERGER_DATE

    @property
    def under_34_units(self) -> bool:
        # A period that ends after the merger (2025-H2, a month from July, the year 2025) is
        # reported by the 34 units that exist when the report is made.
        return self.end >= MERGER_DATE

    def text(self) -> str:
        """How a report title names the period."""
        if self.label.endswith("-H1"):
            return f"6 tháng đầu năm {self.year}"
        if self.label.endswith("-H2"):
            return f"6 tháng cuối năm {self.year}"
        if len(self.label) == 7:
            return f"tháng {self.start.month} năm {self.year}"
        return f"năm {self.year}"

    def slug(self) -> str:
        return _slug(self.text())


def half_year(year: int, half: int) -> Period:
    if half == 1:
        return Period(f"{year}-H1", dt.date(year, 1, 1), dt.date(year, 6, 30))
    return Period(f"{year}-H2", dt.date(year, 7, 1), dt.date(year, 12, 31))


def month_period(year: int, month: int) -> Period:
    following = dt.date(year + (month == 12), month % 12 + 1, 1)
    return Period(f"{year}-{month:02d}", dt.date(year, month, 1), following - dt.timedelta(days=1))


def year_period(year: int) -> Period:
    return Period(str(year), dt.date(year, 1, 1), dt.date(year, 12, 31))


def units_for(period: Period, selected_new: Sequence[str], geo: Geography | None = None) -> list[Unit]:
    """The units that report for ``period``, limited to the selected current units."""
    geo = geo or load_geography()
    wanted = set(selected_new)
    if period.under_34_units:
        return [_new_unit(geo, c) for c in sorted(wanted)]
    old_codes = sorted(c for c, new in geo.successor.items() if new in wanted)
    return [_old_unit(geo, c, period.year) for c in old_codes]


# --------------------------------------------------------------------------- text helpers


def strip_diacritics(text: str) -> str:
    decomposed = unicodedata.normalize("NFD", text)
    bare = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return bare.replace("đ", "d").replace("Đ", "D")


def _slug(text: str) -> str:
    ascii_text = strip_diacritics(text).lower()
    words = "".join(ch if ch.isalnum() else " " for ch in ascii_text).split()
    return "_".join(words)


def _percent(part: int, whole: int) -> float:
    if whole <= 0:
        return 0.0
    value = Decimal(part) * 100 / Decimal(whole)
    return float(value.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP))


def _round2(value: float) -> float:
    return float(Decimal(repr(value)).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP))


def _spread(rng: random.Random, total: int, weights: Sequence[float]) -> list[int]:
    """Split ``total`` into integer parts proportional to ``weights`` (largest remainder)."""
    if total <= 0 or not weights:
        return [0] * len(weights)
    scale = sum(weights)
    exact = [total * w / scale for w in weights]
    parts = [int(x) for x in exact]
    order = sorted(range(len(weights)), key=lambda i: (parts[i] - exact[i], rng.random()))
    for i in order[: total - sum(parts)]:
        parts[i] += 1
    return parts


def _pick_label(rng: random.Random, labels: Sequence[str]) -> str:
    # The first label is the usual one; others turn up in a minority of files.
    return labels[0] if rng.random() < 0.5 else rng.choice(list(labels))


def _labels(kind: str, column: str) -> tuple[str, ...]:
    return get_kind(kind).column(column).labels


def province_spelling(unit: Unit, style: str, rng: random.Random) -> str:
    """One of the ways reports write a province: plain, official, 'TP.', no diacritics, alias."""
    plain = unit.name.removeprefix("TP ")
    if style == "official":
        return unit.official_name
    if style == "short":
        return f"TP. {plain}" if unit.is_city else plain
    if style == "prefixed":
        return f"TP {plain}" if unit.is_city else f"Tỉnh {plain}"
    if style == "ascii":
        return strip_diacritics(unit.name)
    if style == "alias" and unit.aliases:
        return rng.choice(unit.aliases)
    if style == "code":
        return unit.code
    return unit.name


SPELLING_STYLES = ("name", "name", "official", "short", "prefixed", "ascii", "alias")


# --------------------------------------------------------------------------- procedures

# (field, agency at province level, levels it is handled at, procedure names)
_PROCEDURE_FIELDS: tuple[tuple[str, str, str, tuple[str, ...]], ...] = (
    (
        "Hộ tịch",
        "Sở Tư pháp",
        "xa huyen tinh",
        (
            "Đăng ký khai sinh",
            "Đăng ký kết hôn",
            "Đăng ký khai tử",
            "Đăng ký nhận cha, mẹ, con",
            "Đăng ký giám hộ",
            "Đăng ký thay đổi, cải chính, bổ sung thông tin hộ tịch",
            "Cấp bản sao trích lục hộ tịch",
            "Cấp Giấy xác nhận tình trạng hôn nhân",
            "Đăng ký lại khai sinh",
            "Đăng ký khai sinh kết hợp nhận cha, mẹ, con",
            "Liên thông đăng ký khai sinh, đăng ký thường trú, cấp thẻ bảo hiểm y tế cho trẻ em dưới 6 tuổi",
        ),
    ),
    (
        "Chứng thực",
        "Sở Tư pháp",
        "xa huyen",
        (
            "Chứng thực bản sao từ bản chính giấy tờ, văn bản",
            "Chứng thực chữ ký trong các giấy tờ, văn bản",
            "Chứng thực hợp đồng, giao dịch liên quan đến tài sản là động sản",
            "Chứng thực việc sửa đổi, bổ sung, hủy bỏ hợp đồng, giao dịch",
            "Chứng thực di chúc",
            "Chứng thực văn bản thỏa thuận phân chia di sản",
        ),
    ),
    (
        "Đất đai",
        "Văn phòng đăng ký đất đai",
        "tinh huyen xa",
        (
            "Đăng ký biến động quyền sử dụng đất, quyền sở hữu tài sản gắn liền với đất",
            "Cấp đổi Giấy chứng nhận quyền sử dụng đất",
            "Cấp lại Giấy chứng nhận quyền sử dụng đất do bị mất",
            "Đăng ký đất đai, tài sản gắn liền với đất lần đầu",
            "Chuyển mục đích sử dụng đất phải được phép của cơ quan nhà nước có thẩm quyền",
            "Xóa đăng ký cho thuê, cho thuê lại, góp vốn bằng quyền sử dụng đất",
            "Đính chính Giấy chứng nhận đã cấp",
            "Tách thửa hoặc hợp thửa đất",
            "Gia hạn sử dụng đất",
            "Hòa giải tranh chấp đất đai",
        ),
    ),
    (
        "Thành lập và hoạt động doanh nghiệp",
        "Sở Kế hoạch và Đầu tư",
        "tinh",
        (
            "Đăng ký thành lập doanh nghiệp tư nhân",
            "Đăng ký thành lập công ty trách nhiệm hữu hạn một thành viên",
            "Đăng ký thành lập công ty trách nhiệm hữu hạn hai thành viên trở lên",
            "Đăng ký thành lập công ty cổ phần",
            "Đăng ký thay đổi người đại diện theo pháp luật",
            "Thông báo thay đổi nội dung đăng ký doanh nghiệp",
            "Đăng ký hoạt động chi nhánh, văn phòng đại diện, địa điểm kinh doanh",
            "Thông báo tạm ngừng kinh doanh",
            "Giải thể doanh nghiệp",
            "Cấp lại Giấy chứng nhận đăng ký doanh nghiệp",
        ),
    ),
    (
        "Thành lập và hoạt động của hộ kinh doanh",
        "Sở Kế hoạch và Đầu tư",
        "huyen",
        (
            "Đăng ký thành lập hộ kinh doanh",
            "Đăng ký thay đổi nội dung đăng ký hộ kinh doanh",
            "Tạm ngừng hoạt động hộ kinh doanh",
            "Chấm dứt hoạt động hộ kinh doanh",
            "Cấp lại Giấy chứng nhận đăng ký hộ kinh doanh",
        ),
    ),
    (
        "Hoạt động xây dựng",
        "Sở Xây dựng",
        "tinh huyen",
        (
            "Cấp giấy phép xây dựng nhà ở riêng lẻ",
            "Cấp giấy phép xây dựng mới đối với công trình cấp III, cấp IV",
            "Cấp điều chỉnh giấy phép xây dựng",
            "Gia hạn giấy phép xây dựng",
            "Cấp lại giấy phép xây dựng",
            "Cấp giấy phép di dời công trình",
            "Thẩm định báo cáo nghiên cứu khả thi đầu tư xây dựng",
            "Cấp chứng chỉ hành nghề hoạt động xây dựng hạng II, hạng III",
        ),
    ),
    (
        "Đường bộ",
        "Sở Giao thông vận tải",
        "tinh",
        (
            "Đổi giấy phép lái xe do ngành Giao thông vận tải cấp",
            "Cấp lại giấy phép lái xe",
            "Cấp giấy phép kinh doanh vận tải bằng xe ô tô",
            "Cấp phù hiệu xe ô tô kinh doanh vận tải",
            "Cấp giấy phép lưu hành xe quá tải trọng, xe quá khổ giới hạn",
            "Cấp giấy phép xe tập lái",
            "Cấp giấy chứng nhận giáo viên dạy thực hành lái xe",
        ),
    ),
    (
        "Bảo trợ xã hội",
        "Sở Lao động - Thương binh và Xã hội",
        "xa huyen tinh",
        (
            "Trợ giúp xã hội thường xuyên tại cộng đồng",
            "Hỗ trợ chi phí mai táng cho đối tượng bảo trợ xã hội",
            "Xác định, xác định lại mức độ khuyết tật và cấp Giấy xác nhận khuyết tật",
            "Đổi, cấp lại Giấy xác nhận khuyết tật",
            "Thực hiện, điều chỉnh, thôi hưởng trợ cấp xã hội hàng tháng",
            "Tiếp nhận đối tượng bảo trợ xã hội vào cơ sở trợ giúp xã hội",
        ),
    ),
    (
        "Người có công",
        "Sở Lao động - Thương binh và Xã hội",
        "xa huyen tinh",
        (
            "Giải quyết chế độ trợ cấp thờ cúng liệt sĩ",
            "Cấp giấy giới thiệu đi thăm viếng mộ liệt sĩ",
            "Hưởng mai táng phí, trợ cấp một lần khi người có công với cách mạng từ trần",
            "Sửa đổi, bổ sung thông tin cá nhân trong hồ sơ người có công",
            "Giải quyết chế độ ưu đãi đối với thân nhân liệt sĩ",
        ),
    ),
    (
        "Việc làm",
        "Sở Lao động - Thương binh và Xã hội",
        "tinh",
        (
            "Giải quyết hưởng trợ cấp thất nghiệp",
            "Cấp giấy phép lao động cho người lao động nước ngoài làm việc tại Việt Nam",
            "Xác nhận người lao động nước ngoài không thuộc diện cấp giấy phép lao động",
            "Cấp lại giấy phép lao động cho người lao động nước ngoài",
            "Tạm dừng hưởng trợ cấp thất nghiệp",
        ),
    ),
    (
        "Giáo dục và Đào tạo",
        "Sở Giáo dục và Đào tạo",
        "tinh huyen xa",
        (
            "Chuyển trường đối với học sinh trung học phổ thông",
            "Cấp bản sao văn bằng, chứng chỉ từ sổ gốc",
            "Chỉnh sửa nội dung văn bằng, chứng chỉ",
            "Cho phép trường mầm non hoạt động giáo dục",
            "Công nhận trường tiểu học đạt chuẩn quốc gia",
            "Cho phép nhóm trẻ, lớp mẫu giáo độc lập hoạt động giáo dục",
        ),
    ),
    (
        "Khám bệnh, chữa bệnh",
        "Sở Y tế",
        "tinh",
        (
            "Cấp chứng chỉ hành nghề khám bệnh, chữa bệnh",
            "Cấp giấy phép hoạt động đối với phòng khám đa khoa",
            "Cấp Giấy chứng nhận đủ điều kiện kinh doanh dược",
            "Cấp Giấy chứng nhận cơ sở đủ điều kiện an toàn thực phẩm",
            "Cấp lại chứng chỉ hành nghề dược",
        ),
    ),
    (
        "Lưu thông hàng hóa trong nước",
        "Sở Công Thương",
        "tinh huyen",
        (
            "Cấp giấy phép bán lẻ sản phẩm rượu",
            "Cấp giấy phép bán lẻ sản phẩm thuốc lá",
            "Cấp Giấy chứng nhận cửa hàng đủ điều kiện bán lẻ xăng dầu",
            "Cấp giấy chứng nhận đủ điều kiện thương nhân kinh doanh khí",
            "Cấp giấy phép sản xuất rượu thủ công nhằm mục đích kinh doanh",
        ),
    ),
    (
        "Văn hóa",
        "Sở Văn hóa, Thể thao và Du lịch",
        "tinh huyen xa",
        (
            "Cấp giấy phép tổ chức lễ hội",
            "Thông báo tổ chức lễ hội",
            "Cấp giấy phép kinh doanh dịch vụ karaoke",
            "Xét tặng danh hiệu gia đình văn hóa",
            "Cấp giấy phép triển lãm mỹ thuật",
        ),
    ),
    (
        "Tài nguyên nước",
        "Sở Tài nguyên và Môi trường",
        "tinh",
        (
            "Cấp giấy phép khai thác, sử dụng nước mặt",
            "Cấp giấy phép khai thác, sử dụng nước dưới đất",
            "Gia hạn, điều chỉnh giấy phép khai thác, sử dụng nước dưới đất",
            "Cấp giấy phép xả nước thải vào nguồn nước",
        ),
    ),
    (
        "Môi trường",
        "Sở Tài nguyên và Môi trường",
        "tinh huyen xa",
        (
            "Cấp giấy phép môi trường",
            "Đăng ký môi trường",
            "Thẩm định báo cáo đánh giá tác động môi trường",
            "Cấp đổi giấy phép môi trường",
        ),
    ),
    (
        "Nông nghiệp",
        "Sở Nông nghiệp và Phát triển nông thôn",
        "tinh huyen xa",
        (
            "Cấp giấy chứng nhận kiểm dịch động vật vận chuyển ra khỏi địa bàn cấp tỉnh",
            "Hỗ trợ khôi phục sản xuất vùng bị thiệt hại do thiên tai, dịch bệnh",
            "Cấp giấy chứng nhận cơ sở đủ điều kiện sản xuất, kinh doanh thức ăn chăn nuôi",
            "Phê duyệt kế hoạch khuyến nông địa phương",
        ),
    ),
    (
        "Tôn giáo",
        "Sở Nội vụ",
        "xa huyen tinh",
        (
            "Đăng ký sinh hoạt tôn giáo tập trung",
            "Thông báo danh mục hoạt động tôn giáo",
            "Đề nghị tổ chức cuộc lễ ngoài cơ sở tôn giáo",
        ),
    ),
    (
        "Thi đua - Khen thưởng",
        "Sở Nội vụ",
        "xa huyen tinh",
        (
            "Tặng Bằng khen của Chủ tịch Ủy ban nhân dân",
            "Tặng danh hiệu Tập thể lao động tiên tiến",
            "Khen thưởng theo đợt hoặc chuyên đề",
        ),
    ),
)

# Common commune and district names, for agency names below province level.
_PLACE_NAMES = (
    "Tân Lập",
    "Quang Trung",
    "Hưng Đạo",
    "Tân Phú",
    "An Bình",
    "Phú Lộc",
    "Đông Hòa",
    "Thanh Bình",
    "Tân Thành",
    "Nghĩa Hưng",
    "Xuân Phương",
    "Minh Khai",
    "Trung Sơn",
    "Hồng Phong",
    "Đại Đồng",
    "Kim Liên",
    "Phước Long",
    "Long Hưng",
    "Mỹ Thạnh",
    "Bình Minh",
)

LEVEL_LABELS = {"tinh": "Cấp tỉnh", "huyen": "Cấp huyện", "xa": "Cấp xã"}


@dataclass(frozen=True)
class Procedure:
    code: str  # '1.002033': text that looks like a number, kept verbatim
    name: str
    field_name: str
    agency: str  # province-level agency for its field
    level: str  # tinh / huyen / xa
    deadline_days: int
    has_fee: bool
    online_propensity: float  # 0..1: lower goes online (full) first
    agency_no: int

    def at_level(self, level: str) -> Procedure:
        return Procedure(
            self.code,
            self.name,
            self.field_name,
            self.agency,
            level,
            self.deadline_days,
            self.has_fee,
            self.online_propensity,
            self.agency_no,
        )


@lru_cache(maxsize=8)
def procedure_pool(seed: int) -> tuple[Procedure, ...]:
    """A national list of procedures with unique codes, the same for every province."""
    rng = random.Random(f"{seed}:procedures")
    codes: set[str] = set()
    pool: list[Procedure] = []
    for field_no, (field_name, agency, levels, names) in enumerate(_PROCEDURE_FIELDS):
        for name in names:
            for level in levels.split():
                code = _new_procedure_code(rng, codes, len(pool))
                pool.append(
                    Procedure(
                        code=code,
                        name=name,
                        field_name=field_name,
                        agency=agency,
                        level=level,
                        deadline_days=rng.choice((1, 2, 3, 3, 5, 5, 7, 10, 10, 15, 20)),
                        has_fee=rng.random() < 0.45,
                        online_propensity=rng.random(),
                        agency_no=10 + field_no * 3 + ("tinh", "huyen", "xa").index(level),
                    )
                )
    return tuple(pool)


def _new_procedure_code(rng: random.Random, taken: set[str], index: int) -> str:
    while True:
        prefix = rng.choices(("1", "2", "3"), weights=(65, 30, 5))[0]
        number = rng.randint(1, 12999)
        if index % 7 == 0:
            number = number // 10 * 10 or 10  # trailing zeros: what a numeric reader would drop
        code = f"{prefix}.{number:06d}"
        if code not in taken:
            taken.add(code)
            return code


def procedures_for(seed: int, post_merger_units: bool) -> tuple[Procedure, ...]:
    pool = procedure_pool(seed)
    if not post_merger_units:
        return pool
    # District-level procedures passed to the communes when districts were abolished.
    return tuple(p.at_level("xa") if p.level == "huyen" else p for p in pool)


# --------------------------------------------------------------------------- generation context


@dataclass
class _Job:
    kind: str
    period: Period
    unit: Unit | None
    variant: str = ""
    fmt: str = ""
    rows: int = 0

    @property
    def key(self) -> str:
        code = self.unit.code if self.unit else NATIONAL
        return f"{self.kind}:{self.variant}:{code}:{self.period.label}"


@dataclass
class _Context:
    out_dir: Path
    seed: int
    fault_rate: float
    geo: Geography
    used_names: set[str] = field(default_factory=set)

    def rng(self, *parts: object) -> random.Random:
        # Seeding with a string is stable across runs and Python processes.
        return random.Random(":".join(str(p) for p in (self.seed, *parts)))

    def claim(self, kind: str, file_name: str) -> Path:
        """A path in the kind's folder that no other generated file uses."""
        stem, dot, ext = file_name.rpartition(".")
        candidate, n = file_name, 1
        while f"{kind}/{candidate}" in self.used_names:
            n += 1
            candidate = f"{stem}_{n}{dot}{ext}"
        self.used_names.add(f"{kind}/{candidate}")
        return self.out_dir / kind / candidate

    def draw_fault(self, job: _Job, applicable: Sequence[str]) -> str | None:
        rng = self.rng(job.key, "fault")
        hit = rng.random() < self.fault_rate
        choice = rng.choice(list(applicable)) if applicable else None
        return choice if hit else None

    def size(self, unit: Unit) -> float:
        """Relative size 0..1 of a province (drives dossier volumes)."""
        sizes = [self._old_size(c) for c in unit.constituents]
        return min(1.0, sum(sizes) * (1.0 if len(sizes) == 1 else 0.8))

    def _old_size(self, code: str) -> float:
        big = {"01": 1.0, "79": 1.0, "31": 0.7, "48": 0.6, "74": 0.65, "75": 0.6, "38": 0.6, "40": 0.6, "92": 0.5}
        if code in big:
            return big[code]
        return self.rng("size", code).uniform(0.08, 0.45)

    def strength(self, unit: Unit, index: str) -> float:
        """How well a province does in an index, in standard deviations, stable over years."""
        values = [self._old_strength(c, index) for c in unit.constituents]
        return sum(values) / len(values)

    def _old_strength(self, code: str, index: str) -> float:
        if index == "PAR" and code == "22":
            return 2.6  # Quảng Ninh has led the PAR Index in most years
        base = self.rng("strength", code).gauss(0, 1)
        own = self.rng("strength", code, index).gauss(0, 1)
        return max(-2.5, min(2.0, 0.6 * base + 0.8 * own if index != "PAR" else base))


def _creation_time(period: Period) -> dt.datetime:
    # Reports are saved shortly after the period closes.
    return dt.datetime.combine(period.end + dt.timedelta(days=12), dt.time(8, 30))


_VIETNAM_TIME = dt.timezone(dt.timedelta(hours=7))


def _date_deliveries(files: Sequence[GeneratedFile], period: Period) -> None:
    """Give each file the day it would have been sent as its modification time.

    The delivery order decides which of two figures is current, so sample exports carry a
    fixed one: the day the report was saved, a copy sent again the day after. Without it
    the order would be that of the file system's clock ticks while the generator wrote.
    """
    for generated in files:
        sent = _creation_time(period) + dt.timedelta(days=1 if "duplicate_delivery" in generated.faults else 0)
        mark_delivered(generated.path, sent.replace(tzinfo=_VIETNAM_TIME))


# --------------------------------------------------------------------------- format dispatch

FORMAT_EXTENSIONS = {
    "xlsx": "xlsx",
    "xlsx-report": "xlsx",
    "csv-utf8": "csv",
    "csv-utf8-bom": "csv",
    "csv-utf16": "txt",
    "csv-cp1258": "csv",
    "csv-utf8-nfd": "csv",
    "json": "json",
    "jsonl": "jsonl",
}

_FORMAT_WEIGHTS: dict[str, dict[str, float]] = {
    "dossier_summary": {
        "xlsx-report": 40,
        "csv-utf8": 8,
        "csv-utf8-bom": 10,
        "csv-utf16": 8,
        "csv-cp1258": 7,
        "csv-utf8-nfd": 2,
        "json": 8,
        "jsonl": 7,
        "xlsx": 10,
    },
    "dossiers": {"csv-utf8": 70, "csv-utf8-bom": 10, "jsonl": 20},
    "online_services": {"xlsx": 40, "xlsx-report": 15, "csv-utf8-bom": 30, "csv-utf8": 15},
    "online_service_summary": {"xlsx": 35, "csv-utf8-bom": 25, "csv-utf16": 10, "json": 30},
}


def _format_deck(rng: random.Random, weights: dict[str, float], n: int) -> list[str]:
    """Formats for n files in proportion to weights, each present at least once when n allows."""
    names = sorted(weights)
    deck = names[:] if n >= len(names) else []
    rest = n - len(deck)
    deck += [
        name
        for name, count in zip(names, _spread(rng, rest, [weights[x] for x in names]), strict=True)
        for _ in range(count)
    ]
    rng.shuffle(deck)
    return deck[:n] if n < len(names) else deck


@dataclass
class _Table:
    header: list[str]
    rows: Sequence[Sequence[object]] | Iterator[Sequence[object]]
    title_lines: Sequence[str] = ()
    group_header: Sequence[tuple[str, int, int]] = ()
    total_row: Sequence[object] | None = None
    json_wrapper: str | None = None
    hidden_first_sheet: bool = False
    delimiter: str | None = None


def _write_table(path: Path, fmt: str, table: _Table, created: dt.datetime) -> None:
    if fmt in ("xlsx", "xlsx-report"):
        report = fmt == "xlsx-report"
        write_xlsx(
            path,
            table.header,
            table.rows,
            title_lines=table.title_lines if report else (),
            group_header=table.group_header if report else (),
            total_row=table.total_row,
            hidden_first_sheet=table.hidden_first_sheet,
            created=created,
        )
    elif fmt == "json":
        write_json(path, table.header, table.rows, wrapper=table.json_wrapper)
    elif fmt == "jsonl":
        write_jsonl(path, table.header, table.rows)
    else:
        _write_delimited(path, fmt, table)


def _write_delimited(path: Path, fmt: str, table: _Table) -> None:
    options: dict[str, object] = {
        "csv-utf8": {"encoding": "utf-8", "delimiter": ","},
        "csv-utf8-bom": {"encoding": "utf-8", "bom": True, "delimiter": ","},
        "csv-utf16": {"encoding": "utf-16", "delimiter": "\t"},
        "csv-cp1258": {"encoding": "cp1258", "delimiter": ";"},
        "csv-utf8-nfd": {"encoding": "utf-8", "decompose": True, "delimiter": ","},
    }[fmt]
    if table.delimiter and fmt in ("csv-utf8", "csv-utf8-bom"):
        options = {**options, "delimiter": table.delimiter}
    write_csv(path, table.header, table.rows, title_lines=table.title_lines, **options)


def _finalise(ctx: _Context, job: _Job, path: Path, province_code: str, fault: str | None) -> list[GeneratedFile]:
    """Apply the whole-file faults and describe what was written."""
    if fault == "truncated":
        data = path.read_bytes()
        path.write_bytes(data[: len(data) // 2])
    own_faults = [fault] if fault and fault != "duplicate_delivery" else []
    files = [GeneratedFile(path, job.kind, province_code, job.period.label, job.fmt, own_faults)]
    if fault == "duplicate_delivery":
        suffix = ctx.rng(job.key, "copy").choice(("gui_lai", "ban_sao", "gui_bo_sung"))
        copy = ctx.claim(job.kind, f"{path.stem}_{suffix}{path.suffix}")
        shutil.copyfile(path, copy)
        files.append(GeneratedFile(copy, job.kind, province_code, job.period.label, job.fmt, ["duplicate_delivery"]))
    return files


def _bad_number(rng: random.Random, comma_grouping: bool) -> str:
    # '12,5' is a fraction where the comma is the decimal mark; in comma-grouped files use '12.5'.
    return rng.choice(("12.5" if comma_grouping else "12,5", "-3", "n/a"))


@dataclass(frozen=True)
class _Naming:
    """Where a file says which province it is about."""

    file_code: str | None  # code in the file name, None for a neutral name
    content_province: str | None  # province written in the content, None when absent
    province_code: str  # what the manifest records


def _naming(
    ctx: _Context,
    job: _Job,
    rng: random.Random,
    fault: str | None,
    *,
    neutral_share: float,
    content_share: float,
) -> _Naming:
    unit = job.unit
    assert unit is not None
    if fault == "unknown_province":
        if rng.random() < 0.5:
            return _Naming(UNKNOWN_PROVINCE_CODE, None, UNKNOWN_PROVINCE_CODE)
        return _Naming(None, UNKNOWN_PROVINCE_NAME, UNKNOWN_PROVINCE_CODE)
    if fault == "old_name_after_merger":
        renamed = [(c, n) for c, n in zip(unit.constituents, unit.constituent_names, strict=True) if n != unit.name]
        old_code, old_name = rng.choice(renamed)
        if old_code != unit.code and rng.random() < 0.5:
            return _Naming(old_code, None, unit.code)
        return _Naming(None, old_name, unit.code)
    spelled = province_spelling(unit, rng.choice(SPELLING_STYLES), rng)
    if rng.random() < neutral_share:
        return _Naming(None, spelled, unit.code)
    return _Naming(unit.code, spelled if rng.random() < content_share else None, unit.code)


def _file_name(naming: _Naming, job: _Job, rng: random.Random, suffixes: Sequence[str], neutral_prefix: str) -> str:
    ext = FORMAT_EXTENSIONS[job.fmt]
    if naming.file_code is not None:
        suffix = rng.choice(list(suffixes))
        return f"{naming.file_code}_{job.period.label}{suffix}.{ext}"
    who = _slug(naming.content_province or "")
    return f"{neutral_prefix}_{who}_{job.period.slug()}.{ext}"


# --------------------------------------------------------------------------- dossier_summary


@dataclass
class LevelFigures:
    level: str  # tinh / huyen / xa
    received: int
    received_online: int
    carried_over: int
    resolved_early: int
    resolved_on_time: int  # excluding early
    resolved_late: int
    pending_within_deadline: int
    pending_overdue: int

    @property
    def resolved(self) -> int:
        return self.resolved_early + self.resolved_on_time + self.resolved_late

    @property
    def on_time_rate(self) -> float:
        return _percent(self.resolved_early + self.resolved_on_time, self.resolved)

    @property
    def late_rate(self) -> float:
        return _percent(self.resolved_late, self.resolved)


_ONLINE_SHARE = {2019: 0.12, 2020: 0.2, 2021: 0.3, 2022: 0.4, 2023: 0.5, 2024: 0.6, 2025: 0.68}
_LEVEL_VOLUME = {"tinh": (1.0, 1.0), "huyen": (0.6, 1.5), "xa": (1.5, 4.0)}
_LEVEL_ON_TIME = {"tinh": (93.0, 99.3), "huyen": (94.5, 99.6), "xa": (96.5, 99.9)}


def level_figures(rng: random.Random, level: str, base: int, year: int) -> LevelFigures:
    """Counts for one level that satisfy received + carried over = resolved + pending."""
    low, high = _LEVEL_VOLUME[level]
    received = max(300, round(base * rng.uniform(low, high)))
    carried = round(received * rng.uniform(0.02, 0.09))
    pending = round((received + carried) * rng.uniform(0.02, 0.07))
    overdue = round(pending * rng.uniform(0.03, 0.25))
    resolved = received + carried - pending
    late = max(1, round(resolved * (1 - rng.uniform(*_LEVEL_ON_TIME[level]) / 100)))
    early = round((resolved - late) * rng.uniform(0.35, 0.75))
    online_share = _ONLINE_SHARE[year] + {"tinh": 0.08, "huyen": 0.0, "xa": -0.06}[level]
    online = round(received * min(0.97, max(0.02, online_share * rng.uniform(0.8, 1.2))))
    return LevelFigures(
        level, received, online, carried, early, resolved - late - early, late, pending - overdue, overdue
    )


def _summary_base(ctx: _Context, unit: Unit, period: Period, rng: random.Random) -> int:
    growth = 1 + 0.06 * (period.year - FIRST_YEAR)
    half = 1.0 if period.label.endswith("H1") else 1.1
    return round((5000 + 105000 * ctx.size(unit) ** 1.4) * growth * half * rng.uniform(0.9, 1.1))


@dataclass
class _SummaryLayout:
    identity: bool  # province and period columns in the content
    online: bool
    carried: bool
    early: bool
    pending: bool
    rate: bool
    late_rate: bool
    count_style: str  # 'number' or a vn_number style
    rate_style: str  # 'number', 'comma', 'point', 'percent'
    level_style: str  # 'label', 'sbn' (Sở, ban, ngành), 'code'
    snake_keys: bool


def _summary_layout(rng: random.Random, fmt: str, identity: bool, fault: str | None) -> _SummaryLayout:
    json_like = fmt in ("json", "jsonl")
    if fmt.startswith("xlsx"):
        count_style = rng.choice(("number", "number", "dot"))
    elif json_like:
        count_style = "number"
    else:
        count_style = rng.choice(("plain", "plain", "dot", "comma", "space", "nbsp"))
    snake = json_like and rng.random() < 0.5
    return _SummaryLayout(
        identity=identity,
        online=rng.random() < 0.5,
        carried=rng.random() < 0.5,
        early=rng.random() < 0.6,
        pending=rng.random() < 0.5,
        rate=rng.random() < 0.65 or fault == "wrong_printed_rate",
        late_rate=rng.random() < 0.2,
        count_style=count_style,
        rate_style=rng.choice(("number", "comma"))
        if fmt.startswith("xlsx") or json_like
        else rng.choice(("comma", "comma", "point", "percent")),
        level_style="code" if snake else rng.choice(("label", "label", "label", "sbn")),
        snake_keys=snake,
    )


@dataclass(frozen=True)
class _Col:
    name: str
    label: str  # flat label, or the leaf label under a group
    group: str | None = None


def _summary_columns(rng: random.Random, layout: _SummaryLayout, report: bool) -> list[_Col]:
    kind = "dossier_summary"
    cols: list[_Col] = [_Col("stt", "STT")] if not layout.snake_keys else []
    if layout.identity:
        cols += [_Col("province", _pick_label(rng, _labels(kind, "province")[:3])), _Col("period", "Kỳ báo cáo")]
    cols.append(_Col("level", _pick_label(rng, _labels(kind, "level"))))
    cols.append(_Col("received", _pick_label(rng, _labels(kind, "received"))))
    if layout.online:
        cols.append(_Col("received_online", _pick_label(rng, _labels(kind, "received_online"))))
    if layout.carried:
        cols.append(_Col("carried_over", _pick_label(rng, _labels(kind, "carried_over"))))
    cols += _resolved_columns(rng, layout, report)
    if layout.pending:
        cols += _pending_columns(rng, report)
    if layout.rate:
        cols.append(_Col("reported_on_time_rate", _rate_label(rng, "reported_on_time_rate")))
    if layout.late_rate:
        cols.append(_Col("reported_late_rate", _rate_label(rng, "reported_late_rate")))
    if layout.snake_keys:
        return [_Col(c.name, c.name) for c in cols]
    return cols


def _rate_label(rng: random.Random, column: str) -> str:
    label = _pick_label(rng, _labels("dossier_summary", column))
    return label + " (%)" if rng.random() < 0.6 else label


def _resolved_columns(rng: random.Random, layout: _SummaryLayout, report: bool) -> list[_Col]:
    late_leaf = rng.choice(("Quá hạn", "Trễ hạn"))
    if report:
        group = rng.choice(("Số hồ sơ đã giải quyết", "Đã giải quyết"))
        on_time_leaf = "Đúng hạn" if layout.early else "Đúng hoặc trước hạn"
        cols = [_Col("resolved_early", "Trước hạn", group)] if layout.early else []
        return cols + [_Col("resolved_on_time", on_time_leaf, group), _Col("resolved_late", late_leaf, group)]
    on_time_only = ("Đúng hạn", "Giải quyết đúng hạn", "Đã giải quyết đúng hạn", "Số hồ sơ đã giải quyết đúng hạn")
    combined = ("Đúng hoặc trước hạn", "Đúng và trước hạn", "Trước và đúng hạn", "Đã giải quyết đúng hoặc trước hạn")
    cols = (
        [_Col("resolved_early", _pick_label(rng, _labels("dossier_summary", "resolved_early")))] if layout.early else []
    )
    on_time_label = rng.choice(on_time_only if layout.early else on_time_only + combined)
    return cols + [
        _Col("resolved_on_time", on_time_label),
        _Col("resolved_late", _pick_label(rng, _labels("dossier_summary", "resolved_late"))),
    ]


def _pending_columns(rng: random.Random, report: bool) -> list[_Col]:
    if report:
        group, within = rng.choice(
            (("Đang giải quyết", "Trong hạn"), ("Đang giải quyết", "Chưa đến hạn"), ("Đang xử lý", "Trong hạn"))
        )
        return [_Col("pending_within_deadline", within, group), _Col("pending_overdue", "Quá hạn", group)]
    return [
        _Col("pending_within_deadline", _pick_label(rng, _labels("dossier_summary", "pending_within_deadline"))),
        _Col("pending_overdue", _pick_label(rng, _labels("dossier_summary", "pending_overdue"))),
    ]


def _group_spans(cols: Sequence[_Col]) -> list[tuple[str, int, int]]:
    spans: list[tuple[str, int, int]] = []
    for index, col in enumerate(cols):
        if col.group is None:
            continue
        if spans and spans[-1][0] == col.group and spans[-1][2] == index - 1:
            spans[-1] = (col.group, spans[-1][1], index)
        else:
            spans.append((col.group, index, index))
    return spans


def _level_text(level: str, style: str) -> str:
    if style == "code":
        return level
    if style == "sbn" and level == "tinh":
        return "Sở, ban, ngành"
    return LEVEL_LABELS[level]


def _raw_summary_value(col: str, fig: LevelFigures, layout: _SummaryLayout) -> object:
    if col == "resolved_on_time" and not layout.early:
        return fig.resolved_early + fig.resolved_on_time
    if col == "reported_on_time_rate":
        return fig.on_time_rate
    if col == "reported_late_rate":
        return fig.late_rate
    if col == "level":
        return _level_text(fig.level, layout.level_style)
    return getattr(fig, col)


def _format_count(value: object, style: str) -> object:
    if isinstance(value, int) and style != "number":
        return vn_number(value, style)
    return value


def _format_rate(value: object, style: str) -> object:
    if not isinstance(value, float) or style == "number":
        return value
    if style == "point":
        return f"{value:.2f}"
    text = vn_number(value)
    return text + "%" if style == "percent" else text


_SUMMARY_COUNTS = set(get_kind("dossier_summary").summable)
_RATE_COLUMNS = {"reported_on_time_rate", "reported_late_rate"}


def _format_summary_cell(col: str, value: object, layout: _SummaryLayout) -> object:
    if col in _SUMMARY_COUNTS:
        return _format_count(value, layout.count_style)
    if col in _RATE_COLUMNS:
        return _format_rate(value, layout.rate_style)
    return value


def _summary_matrix(
    figures: Sequence[LevelFigures], cols: Sequence[_Col], layout: _SummaryLayout, province: str | None, period: str
) -> list[list[object]]:
    matrix = []
    for number, fig in enumerate(figures, start=1):
        row: list[object] = []
        for col in cols:
            if col.name == "stt":
                row.append(number)
            elif col.name == "province":
                row.append(province)
            elif col.name == "period":
                row.append(period)
            else:
                row.append(_raw_summary_value(col.name, fig, layout))
        matrix.append(row)
    return matrix


def _summary_total(figures: Sequence[LevelFigures], cols: Sequence[_Col], layout: _SummaryLayout, label: str) -> list:
    total = LevelFigures(
        "tinh",
        *(sum(getattr(f, name) for f in figures) for name in LevelFigures.__dataclass_fields__ if name != "level"),
    )
    row: list[object] = []
    for col in cols:
        if col.name == "level":
            row.append(label)
        elif col.name in ("stt", "province", "period"):
            row.append(None)
        else:
            row.append(_raw_summary_value(col.name, total, layout))
    return row


def _summary_title(unit_official: str, period: Period) -> list[str]:
    return [
        f"ỦY BAN NHÂN DÂN {unit_official.upper()}",
        f"BÁO CÁO KẾT QUẢ GIẢI QUYẾT THỦ TỤC HÀNH CHÍNH {period.text().upper()}",
    ]


def _emit_dossier_summary(ctx: _Context, job: _Job) -> list[GeneratedFile]:
    unit, period = job.unit, job.period
    assert unit is not None
    rng = ctx.rng(job.key)
    fault = ctx.draw_fault(job, _summary_faults(job))
    naming = _naming(ctx, job, rng, fault, neutral_share=0.1, content_share=0.15)
    layout = _summary_layout(rng, job.fmt, naming.content_province is not None, fault)
    report = job.fmt == "xlsx-report"
    cols = _summary_columns(rng, layout, report)
    levels = ["tinh", "xa"] if period.post_merger else ["tinh", "huyen", "xa"]
    if fault == "district_after_merger":
        levels = ["tinh", "huyen", "xa"]
    base = _summary_base(ctx, unit, period, rng)
    figures = [level_figures(rng, level, base, period.year) for level in levels]
    matrix = _summary_matrix(figures, cols, layout, naming.content_province, period.label)
    with_total = report or (job.fmt == "xlsx" and rng.random() < 0.5)
    total = _summary_total(figures, cols, layout, rng.choice(("Tổng cộng", "Tổng cộng", "Tổng số", "Cộng")))
    _apply_summary_faults(rng, fault, cols, matrix, total)
    formatted = [[_format_summary_cell(c.name, v, layout) for c, v in zip(cols, row, strict=True)] for row in matrix]
    if fault == "bad_number":
        _inject_bad_number(rng, cols, formatted, layout.count_style == "comma")
    official = UNKNOWN_PROVINCE_NAME if naming.province_code == UNKNOWN_PROVINCE_CODE else unit.official_name
    titles = _summary_title(official, period)
    if rng.random() < 0.4:
        titles.append("Đơn vị tính: hồ sơ")
    table = _Table(
        header=[c.label for c in cols],
        rows=formatted,
        title_lines=titles if report or rng.random() < 0.2 else (),
        group_header=_group_spans(cols) if report else (),
        total_row=[_format_summary_cell(c.name, v, layout) for c, v in zip(cols, total, strict=True)]
        if with_total
        else None,
        json_wrapper=rng.choice((None, "data", "items")),
        hidden_first_sheet=job.fmt.startswith("xlsx") and rng.random() < 0.1,
    )
    suffixes = ("", "", "_bao_cao_tthc", "_bao-cao-ket-qua-giai-quyet-tthc", "_ket_qua_giai_quyet_ho_so")
    path = ctx.claim(job.kind, _file_name(naming, job, rng, suffixes, "bao_cao_ket_qua_giai_quyet_tthc"))
    _write_table(path, job.fmt, table, _creation_time(period))
    return _finalise(ctx, job, path, naming.province_code, fault)


def _summary_faults(job: _Job) -> list[str]:
    faults = ["wrong_printed_rate", "unknown_province", "bad_number", "duplicate_delivery"]
    if job.fmt in ("xlsx", "xlsx-report", "json"):
        faults.append("truncated")
    if job.fmt == "xlsx-report":
        faults.append("total_mismatch")
    if job.period.post_merger:
        faults.append("district_after_merger")
        if job.unit is not None and job.unit.merged:
            faults.append("old_name_after_merger")
    return faults


def _apply_summary_faults(
    rng: random.Random, fault: str | None, cols: Sequence[_Col], matrix: list[list[object]], total: list
) -> None:
    names = [c.name for c in cols]
    if fault == "wrong_printed_rate":
        row = rng.choice(matrix)
        index = names.index("reported_on_time_rate")
        rate = float(row[index])  # type: ignore[arg-type]
        off = rng.uniform(2, 10)
        row[index] = _round2(rate - off if rate + off > 100 else rate + rng.choice((off, -off)))
    elif fault == "total_mismatch":
        index = names.index("received")
        total[index] = int(total[index]) + rng.choice((-1, 1)) * rng.randint(7, 900)


def _inject_bad_number(
    rng: random.Random, cols: Sequence[_Col], matrix: list[list[object]], comma_grouping: bool
) -> None:
    counts = [i for i, c in enumerate(cols) if c.name in _SUMMARY_COUNTS]
    row = rng.choice(matrix)
    value = _bad_number(rng, comma_grouping)
    row[rng.choice(counts)] = -3 if value == "-3" and rng.random() < 0.5 else value


def write_nghe_an_h1_2022(path: Path) -> None:
    """The Nghệ An H1-2022 report the acceptance test loads, in the province's own layout.

    Title rows, a two-row header with 'Số hồ sơ đã giải quyết' merged over 'Đúng hoặc trước
    hạn | Trễ hạn', counts as Vietnamese-formatted text ('82.978'), a printed on-time rate
    ('95,88') and a 'Tổng cộng' row that matches the column sums.
    """
    figures = [("Cấp tỉnh", 82978, 3566), ("Cấp huyện", 59884, 1353), ("Cấp xã", 297050, 1362)]
    header = ["STT", "Cấp", "Tổng số hồ sơ tiếp nhận", "Đúng hoặc trước hạn", "Trễ hạn", "Tỷ lệ đúng hạn (%)"]
    rows = [
        [
            number,
            level,
            vn_number(on_time + late),
            vn_number(on_time),
            vn_number(late),
            vn_number(_percent(on_time, on_time + late)),
        ]
        for number, (level, on_time, late) in enumerate(figures, start=1)
    ]
    on_time_sum = sum(f[1] for f in figures)
    late_sum = sum(f[2] for f in figures)
    total = [
        "",
        "Tổng cộng",
        vn_number(on_time_sum + late_sum),
        vn_number(on_time_sum),
        vn_number(late_sum),
        vn_number(_percent(on_time_sum, on_time_sum + late_sum)),
    ]
    write_xlsx(
        path,
        header,
        rows,
        title_lines=[
            "ỦY BAN NHÂN DÂN TỈNH NGHỆ AN",
            "BÁO CÁO KẾT QUẢ GIẢI QUYẾT THỦ TỤC HÀNH CHÍNH 6 THÁNG ĐẦU NĂM 2022",
            "Đơn vị tính: hồ sơ",
        ],
        group_header=[("Số hồ sơ đã giải quyết", 3, 4)],
        total_row=total,
        created=dt.datetime(2022, 6, 20, 8, 30),
    )


# --------------------------------------------------------------------------- dossiers (records)

_DOSSIER_CAMEL_KEYS = {
    "dossier_id": "MaHoSo",
    "procedure_code": "MaTTHC",
    "procedure_name": "TenTTHC",
    "level": "CapThucHien",
    "channel": "KenhThucHien",
    "received_at": "NgayTiepNhan",
    "due_at": "NgayHenTra",
    "completed_at": "NgayKetThucXuLy",
    "field": "TenLinhVuc",
    "agency": "TenDonVi",
    "paid_online": "DuocThanhToanTrucTuyen",
    "status": "TrangThaiHoSo",
}
_DATE_FORMATS = {
    "dmy_hm": "%d/%m/%Y %H:%M",
    "dmy_hms": "%d/%m/%Y %H:%M:%S",
    "dmy_dash": "%d-%m-%Y %H:%M",
    "iso": "%Y-%m-%dT%H:%M:%S",
}
_CHANNEL_LABELS = {
    "truc_tiep": ("Trực tiếp", "1"),
    "truc_tuyen": ("Trực tuyến", "2"),
    "buu_chinh": ("Bưu chính công ích", "3"),
}
_MONTH_WEIGHTS = (1.0, 0.75, 1.05, 1.0, 1.0, 1.05, 1.05, 1.05, 1.0, 1.05, 1.05, 1.1)  # Tết in Jan/Feb


@dataclass
class _DossierStyle:
    keys: str  # 'label', 'camel', 'snake'
    date_format: str
    channel_codes: bool
    level_style: str
    with_status: bool
    online_share: float
    late_share: float
    pending_share: float


def _dossier_style(rng: random.Random, fmt: str) -> _DossierStyle:
    keys = rng.choice(("camel", "snake", "label")) if fmt == "jsonl" else "label"
    date_format = "iso" if keys == "camel" else rng.choices(list(_DATE_FORMATS), weights=(75, 10, 5, 10))[0]
    return _DossierStyle(
        keys=keys,
        date_format=date_format,
        channel_codes=keys == "camel" or rng.random() < 0.35,
        level_style="code" if keys == "snake" else rng.choice(("label", "label", "sbn")),
        with_status=rng.random() < 0.4,
        online_share=rng.uniform(0.35, 0.75),
        late_share=rng.uniform(0.01, 0.06),
        pending_share=rng.uniform(0.03, 0.07),
    )


def _dossier_header(rng: random.Random, style: _DossierStyle) -> tuple[list[str], list[str]]:
    names = [
        "dossier_id",
        "procedure_code",
        "procedure_name",
        "level",
        "channel",
        "received_at",
        "due_at",
        "completed_at",
        "field",
        "agency",
        "paid_online",
    ]
    if style.with_status:
        names.append("status")
    if style.keys == "snake":
        return names, names
    if style.keys == "camel":
        return names, [_DOSSIER_CAMEL_KEYS[n] for n in names]
    # Spreadsheet-style exports use Vietnamese labels; the system's CamelCase names are for JSON.
    labels = [_pick_label(rng, [x for x in _labels("dossiers", n) if not x.isascii()]) for n in names]
    return names, labels


def _working_days_after(start: dt.datetime, days: int, cache: dict[tuple[dt.date, int], dt.date]) -> dt.datetime:
    key = (start.date(), days)
    if key not in cache:
        current, added = start.date(), 0
        while added < days:
            current += dt.timedelta(days=1)
            if current.weekday() < 5:
                added += 1
        cache[key] = current
    return dt.datetime.combine(cache[key], start.time())


@dataclass
class _DossierFaultPlan:
    rows: frozenset[int]
    kind: str | None


def _dossier_fault_plan(rng: random.Random, fault: str | None, n: int) -> _DossierFaultPlan:
    if fault in ("bad_date", "duplicate_dossier_id", "district_after_merger"):
        k = min(rng.randint(1, 3), max(1, n - 6))
        return _DossierFaultPlan(frozenset(rng.sample(range(min(6, n - 1), n), k)), fault)
    return _DossierFaultPlan(frozenset(), None)


def _dossier_rows(
    rng: random.Random,
    job: _Job,
    style: _DossierStyle,
    procedures: dict[str, list[Procedure]],
    plan: _DossierFaultPlan,
) -> Iterator[list[object]]:
    """Yield the records of one month one by one (never all in memory)."""
    period, unit = job.period, job.unit
    assert unit is not None
    days = [period.start + dt.timedelta(days=i) for i in range((period.end - period.start).days + 1)]
    weights = [(1.0, 1.0, 1.0, 1.0, 1.0, 0.2, 0.03)[d.weekday()] * rng.uniform(0.7, 1.3) for d in days]
    level_weights = {"tinh": 0.25, "huyen": 0.25, "xa": 0.5} if not period.post_merger else {"tinh": 0.35, "xa": 0.65}
    levels = [lv for lv in level_weights if procedures.get(lv)]
    cache: dict[tuple[dt.date, int], dt.date] = {}
    first_ids: list[str] = []
    index = 0
    for day, count in zip(days, _spread(rng, job.rows, weights), strict=True):
        seconds = 7.5 * 3600
        step = 9.5 * 3600 / (count + 1)
        for seq in range(1, count + 1):
            seconds = min(seconds + step * rng.uniform(0.3, 1.7), 17.9 * 3600)
            received = dt.datetime.combine(day, dt.time()) + dt.timedelta(minutes=int(seconds // 60))
            level = rng.choices(levels, weights=[level_weights[lv] for lv in levels])[0]
            proc = rng.choice(procedures[level])
            record = _dossier_record(rng, unit, proc, received, seq, style, cache)
            if index in plan.rows:
                _spoil_record(rng, record, plan.kind, first_ids, style)
            if len(first_ids) < 5:
                first_ids.append(str(record["dossier_id"]))
            index += 1
            yield list(record.values())


def _dossier_record(
    rng: random.Random,
    unit: Unit,
    proc: Procedure,
    received: dt.datetime,
    seq: int,
    style: _DossierStyle,
    cache: dict[tuple[dt.date, int], dt.date],
) -> dict[str, object]:
    due = _working_days_after(received, proc.deadline_days, cache).replace(hour=17, minute=0)
    completed: dt.datetime | None = None
    if rng.random() >= style.pending_share:
        if rng.random() < style.late_share:
            late = due + dt.timedelta(minutes=rng.randint(60, 10 * 24 * 60))
            completed = _office_hours(rng, late, due + dt.timedelta(minutes=1), None)
        else:
            completed = _office_hours(rng, received + (due - received) * rng.uniform(0.1, 0.99), received, due)
    online_capable = proc.online_propensity < 0.75
    draw = rng.random()
    channel = (
        "truc_tuyen" if online_capable and draw < style.online_share else ("buu_chinh" if draw > 0.96 else "truc_tiep")
    )
    paid = channel == "truc_tuyen" and proc.has_fee and rng.random() < 0.7
    record: dict[str, object] = {
        "dossier_id": f"H{unit.code}.{proc.agency_no:02d}-{received:%y%m%d}-{seq:04d}",
        "procedure_code": proc.code,
        "procedure_name": proc.name,
        "level": _level_text(proc.level, style.level_style),
        "channel": _channel_value(channel, style),
        "received_at": _date_text(received, style),
        "due_at": _date_text(due, style),
        "completed_at": _date_text(completed, style) if completed else ("" if style.keys == "label" else None),
        "field": proc.field_name,
        "agency": _agency(rng, proc, unit),
        "paid_online": paid if style.keys == "camel" else ("có" if paid else "không"),
    }
    if style.with_status:
        record["status"] = "Đang xử lý" if completed is None else rng.choice(("Đã trả kết quả", "Đã xử lý xong"))
    return record


def _office_hours(
    rng: random.Random, moment: dt.datetime, earliest: dt.datetime, latest: dt.datetime | None
) -> dt.datetime:
    """Move a completion time into office hours on its day, within [earliest, latest]."""
    moment = moment.replace(second=0, microsecond=0)
    if 7 <= moment.hour < 18:
        return moment
    shifted = moment.replace(hour=rng.choice((7, 8, 9, 14, 15, 16)), minute=rng.randrange(60))
    if shifted < earliest or (latest is not None and shifted > latest):
        return moment
    return shifted


def _channel_value(channel: str, style: _DossierStyle) -> object:
    label, code = _CHANNEL_LABELS[channel]
    if style.keys == "camel":
        return int(code)
    return code if style.channel_codes else label


def _date_text(value: dt.datetime, style: _DossierStyle) -> str:
    return value.strftime(_DATE_FORMATS[style.date_format])


def _agency(rng: random.Random, proc: Procedure, unit: Unit) -> str:
    place = _PLACE_NAMES[(proc.agency_no + rng.randrange(4)) % len(_PLACE_NAMES)]
    if proc.level == "tinh":
        return proc.agency
    if proc.level == "huyen":
        return f"UBND huyện {place}"
    return f"UBND {rng.choice(('xã', 'xã', 'phường', 'thị trấn'))} {place}"


def _spoil_record(
    rng: random.Random, record: dict[str, object], fault: str | None, first_ids: list[str], style: _DossierStyle
) -> None:
    if fault == "duplicate_dossier_id" and first_ids:
        record["dossier_id"] = rng.choice(first_ids)
    elif fault == "district_after_merger":
        record["level"] = _level_text("huyen", style.level_style)
    elif fault == "bad_date":
        record[rng.choice(("received_at", "due_at"))] = _impossible_date(rng, style)


def _impossible_date(rng: random.Random, style: _DossierStyle) -> str:
    year = 2025
    if style.date_format == "iso":
        return f"{year}-02-{rng.choice((30, 31))}T08:15:00"
    if rng.random() < 0.5:
        return f"31/02/{year} 08:15"
    # Month first: only readable as mm/dd, which the contract never assumes.
    return f"{rng.randint(1, 12):02d}/{rng.randint(13, 28):02d}/{year} 09:40"


def _emit_dossiers(ctx: _Context, job: _Job) -> list[GeneratedFile]:
    unit = job.unit
    assert unit is not None
    rng = ctx.rng(job.key)
    faults = ["unknown_province", "duplicate_delivery", "bad_date"]
    if job.rows >= 8:
        faults.append("duplicate_dossier_id")
    if job.period.post_merger:
        faults.append("district_after_merger")
    fault = ctx.draw_fault(job, faults)
    style = _dossier_style(rng, job.fmt)
    names, header = _dossier_header(rng, style)
    by_level: dict[str, list[Procedure]] = {}
    for proc in procedures_for(ctx.seed, job.period.under_34_units):
        by_level.setdefault(proc.level, []).append(proc)
    plan = _dossier_fault_plan(rng, fault, job.rows)
    code = UNKNOWN_PROVINCE_CODE if fault == "unknown_province" else unit.code
    suffix = rng.choice(("", "_nhat_ky_ho_so", "_ho_so_mot_cua", "_dvc"))
    path = ctx.claim(job.kind, f"{code}_{job.period.label}{suffix}.{FORMAT_EXTENSIONS[job.fmt]}")
    rows = _dossier_rows(rng, job, style, by_level, plan)
    _write_table(path, job.fmt, _Table(header=header, rows=rows), _creation_time(job.period))
    return _finalise(ctx, job, path, code, fault)


# --------------------------------------------------------------------------- online services

_FULL_SHARE = {2019: 0.08, 2020: 0.15, 2021: 0.24, 2022: 0.32, 2023: 0.4, 2024: 0.48, 2025: 0.56}
_PARTIAL_SHARE = {2019: 0.25, 2020: 0.3, 2021: 0.33, 2022: 0.35, 2023: 0.33, 2024: 0.32, 2025: 0.3}


def online_mode_text(propensity: float, year: int, legacy: bool) -> tuple[str, str]:
    """(canonical mode, text as printed) for a procedure in a year."""
    full, partial = _FULL_SHARE[year], _PARTIAL_SHARE[year]
    mode = "toan_trinh" if propensity < full else ("mot_phan" if propensity < full + partial else "khong")
    if legacy:
        return mode, {"toan_trinh": "Mức độ 4", "mot_phan": "Mức độ 3", "khong": "Mức độ 2"}[mode]
    return mode, {"toan_trinh": "Toàn trình", "mot_phan": "Một phần", "khong": "Không"}[mode]


def _sends_catalogue(ctx: _Context, unit: Unit, year: int) -> bool:
    # Most provinces send their catalogue; about a quarter send only the counts, and a few
    # switch from one year to the next.
    usual = ctx.rng("online", unit.code).random() < 0.75
    flip = ctx.rng("online", unit.code, year).random() < 0.1
    return usual != flip


def _portal_text(integrated: bool, style: str) -> str:
    return {"co": ("có", "không"), "x": ("x", ""), "10": ("1", "0")}[style][0 if integrated else 1]


def _emit_online_services(ctx: _Context, job: _Job) -> list[GeneratedFile]:
    unit, period = job.unit, job.period
    assert unit is not None
    rng = ctx.rng(job.key)
    faults = ["unknown_province", "bad_number", "duplicate_delivery"] + (["truncated"] if "xlsx" in job.fmt else [])
    fault = ctx.draw_fault(job, faults)
    naming = _naming(ctx, job, rng, fault, neutral_share=0.1, content_share=0.1)
    catalogue = _catalogue(ctx, unit, period)
    with_counts = rng.random() < 0.35 or fault == "bad_number"
    portal_style = rng.choice(("co", "co", "x", "10"))
    kind = job.kind
    header = ["STT"]
    if naming.content_province is not None:
        header += [_pick_label(rng, _labels(kind, "province")[:3]), "Năm"]
    header += [
        _pick_label(rng, _labels(kind, "procedure_code")),
        _pick_label(rng, _labels(kind, "procedure_name")[:3]),
        "Lĩnh vực",
        _pick_label(rng, _labels(kind, "level")[:4] + ("Cấp thẩm quyền",)),
        _pick_label(rng, _labels(kind, "online_mode")[:5]),
        _pick_label(rng, _labels(kind, "on_national_portal")),
    ]
    if with_counts:
        header += [
            _pick_label(rng, _labels(kind, "dossiers_total")),
            _pick_label(rng, _labels(kind, "dossiers_online")),
        ]
    rows = []
    for number, proc in enumerate(catalogue, start=1):
        mode, mode_text = online_mode_text(
            ctx.rng("mode", unit.code, proc.code).random(), period.year, period.year <= 2022
        )
        row: list[object] = [number]
        if naming.content_province is not None:
            row += [naming.content_province, period.year]
        row += [proc.code, proc.name, proc.field_name, LEVEL_LABELS[proc.level], mode_text]
        integrated = (mode != "khong" and rng.random() < 0.9) or rng.random() < 0.05
        row.append(_portal_text(integrated, portal_style))
        if with_counts:
            total = int(rng.paretovariate(1.3) * 20) - 20
            online = round(total * rng.uniform(0.3, 0.95)) if mode != "khong" else 0
            row += [total, online]
        rows.append(row)
    if fault == "bad_number":
        rng.choice(rows)[-2] = _bad_number(rng, False)
    title = [f"DANH MỤC THỦ TỤC HÀNH CHÍNH VÀ MỨC ĐỘ CUNG CẤP DỊCH VỤ CÔNG TRỰC TUYẾN {period.text().upper()}"]
    table = _Table(
        header=header,
        rows=rows,
        title_lines=title if job.fmt == "xlsx-report" else (),
        delimiter=rng.choice((",", ",", ";")),
    )
    suffixes = ("_danh_muc_tthc", "_danh_muc_dvc", "")
    path = ctx.claim(kind, _file_name(naming, job, rng, suffixes, "danh_muc_tthc_dvc_truc_tuyen"))
    _write_table(path, job.fmt, table, _creation_time(period))
    return _finalise(ctx, job, path, naming.province_code, fault)


def _catalogue(ctx: _Context, unit: Unit, period: Period) -> list[Procedure]:
    """150-400 procedures, mostly the same ones from one year to the next."""
    pool = list(procedures_for(ctx.seed, period.under_34_units))
    order = ctx.rng("catalogue", unit.code)
    order.shuffle(pool)
    size = min(len(pool), order.randint(150, 330) + 10 * (period.year - FIRST_YEAR))
    chosen = pool[:size]
    return sorted(chosen, key=lambda p: (("tinh", "huyen", "xa").index(p.level), p.field_name, p.code))


def _emit_online_summary(ctx: _Context, job: _Job) -> list[GeneratedFile]:
    unit, period = job.unit, job.period
    assert unit is not None
    rng = ctx.rng(job.key)
    faults = ["wrong_printed_rate", "unknown_province", "bad_number", "duplicate_delivery"]
    if job.fmt in ("xlsx", "json"):
        faults.append("truncated")
    fault = ctx.draw_fault(job, faults)
    naming = _naming(ctx, job, rng, fault, neutral_share=0.1, content_share=0.2)
    values = _online_summary_values(ctx, rng, unit, period)
    optional = {
        "procedures_full_online": rng.random() < 0.7,
        "procedures_partial_online": None,
        "procedures_on_national_portal": rng.random() < 0.6,
        "dossiers_total": rng.random() < 0.7,
        "dossiers_online": None,
        "reported_coverage_rate": rng.random() < 0.6 or fault == "wrong_printed_rate",
        "reported_online_dossier_rate": None,
    }
    optional["procedures_partial_online"] = optional["procedures_full_online"]
    optional["dossiers_online"] = optional["dossiers_total"]
    optional["reported_online_dossier_rate"] = optional["dossiers_total"] and rng.random() < 0.7
    names = ["procedures_total", "procedures_online"] + [n for n, on in optional.items() if on]
    if fault == "wrong_printed_rate":
        off = rng.uniform(2, 10)
        rate = values["reported_coverage_rate"]
        values["reported_coverage_rate"] = _round2(rate - off if rate + off > 100 else rate + off)
    snake = job.fmt == "json" and rng.random() < 0.4
    header: list[str] = []
    row: list[object] = []
    if naming.content_province is not None:
        header += ["province", "year"] if snake else [_pick_label(rng, _labels(job.kind, "province")[:3]), "Năm"]
        row += [naming.content_province, period.year]
    legacy = period.year <= 2022 and rng.random() < 0.5
    count_style = rng.choice(("plain", "dot"))
    count_cells = []
    for name in names:
        if not name.startswith("reported_"):
            count_cells.append(len(row))
        header.append(name if snake else _online_summary_label(rng, name, legacy))
        row.append(_online_summary_cell(values[name], job.fmt, count_style))
    if fault == "bad_number":
        row[rng.choice(count_cells)] = _bad_number(rng, False)
    title = [f"TỔNG HỢP TÌNH HÌNH CUNG CẤP DỊCH VỤ CÔNG TRỰC TUYẾN {period.text().upper()}"]
    table = _Table(
        header=header,
        rows=[row],
        title_lines=title if rng.random() < 0.3 else (),
        json_wrapper=rng.choice((None, "data", "items")),
    )
    fmt = job.fmt
    if table.title_lines and fmt == "xlsx":
        fmt = job.fmt = "xlsx-report"
    suffixes = ("_tong_hop_dvctt", "_dvc_truc_tuyen", "")
    path = ctx.claim(job.kind, _file_name(naming, job, rng, suffixes, "tong_hop_dvc_truc_tuyen"))
    _write_table(path, fmt, table, _creation_time(period))
    return _finalise(ctx, job, path, naming.province_code, fault)


def _online_summary_label(rng: random.Random, name: str, legacy: bool) -> str:
    labels = _labels("online_service_summary", name)
    # Counts by level ("DVC trực tuyến mức độ 3, 4") head summaries written before 2022 only.
    by_level = [x for x in labels if "mức" in x.lower()]
    if legacy and by_level:
        return rng.choice(by_level)
    label = _pick_label(rng, [x for x in labels if x not in by_level])
    return label + " (%)" if name.startswith("reported_") and rng.random() < 0.6 else label


def _online_summary_cell(value: object, fmt: str, count_style: str) -> object:
    if fmt == "json" or fmt.startswith("xlsx"):
        return value
    if isinstance(value, float):
        return vn_number(value)
    if isinstance(value, int):
        return vn_number(value, count_style)
    return value


def _online_summary_values(ctx: _Context, rng: random.Random, unit: Unit, period: Period) -> dict[str, object]:
    total = rng.randint(1350, 2100) if not unit.merged else rng.randint(1600, 2300)
    full = round(total * _FULL_SHARE[period.year] * rng.uniform(0.8, 1.2))
    partial = min(total - full, round(total * _PARTIAL_SHARE[period.year] * rng.uniform(0.8, 1.2)))
    online = full + partial
    dossiers = round((150_000 + 2_500_000 * ctx.size(unit)) * rng.uniform(0.85, 1.15))
    dossiers_online = round(dossiers * min(0.95, _ONLINE_SHARE[period.year] * rng.uniform(0.8, 1.2)))
    return {
        "procedures_total": total,
        "procedures_online": online,
        "procedures_full_online": full,
        "procedures_partial_online": partial,
        "procedures_on_national_portal": round(online * rng.uniform(0.7, 0.98)),
        "dossiers_total": dossiers,
        "dossiers_online": dossiers_online,
        "reported_coverage_rate": _percent(online, total),
        "reported_online_dossier_rate": _percent(dossiers_online, dossiers),
    }


# --------------------------------------------------------------------------- index scores


@dataclass(frozen=True)
class ParField:
    name: str
    printed_max: float | None  # None where the reference does not know the points
    weight: float  # points used to split a total between fields


@lru_cache(maxsize=1)
def _par_structure() -> dict[str, tuple[ParField, ...]]:
    rows = _read_reference("par_index_structure.csv")

    def fields(decision: str) -> list[dict[str, str]]:
        return [r for r in rows if r["framework_decision"].startswith(decision) and r["field_no"].isdigit()]

    old = fields("Quyết định 2948")
    new = [r for r in fields("Quyết định 876") if "scoring blocks" not in r["framework_decision"]]
    # Points of fields 6 and 7 in the 876 framework are not in the reference; they only split
    # the remainder of the 100 points here and are never printed.
    known = sum(float(r["max_points"]) for r in new if r["max_points"])
    unknown = [r for r in new if not r["max_points"]]
    share = (100 - known) / len(unknown) if unknown else 0
    return {
        "2948": tuple(ParField(r["field_name_vi"], float(r["max_points"]), float(r["max_points"])) for r in old),
        "876": tuple(
            ParField(
                r["field_name_vi"],
                float(r["max_points"]) if r["max_points"] else None,
                float(r["max_points"]) if r["max_points"] else share,
            )
            for r in new
        ),
    }


def par_fields(year: int) -> tuple[ParField, ...]:
    structure = _par_structure()
    if year >= 2022:
        return structure["876"]
    # 2018-2021 frameworks' points are not known; the 2017 names are used, points printed for 2017 only.
    fields = structure["2948"]
    return fields if year == 2017 else tuple(ParField(f.name, None, f.weight) for f in fields)


@lru_cache(maxsize=1)
def _national_averages() -> dict[tuple[str, int], float]:
    averages = {}
    for row in _read_reference("index_national_summary.csv"):
        if row["metric"] in ("national_average_provinces", "national_average"):
            averages[(row["index"], int(row["year"]))] = float(row["value"])
    return averages


def national_average(index: str, year: int) -> float:
    known = {y: v for (i, y), v in _national_averages().items() if i == index}
    if year in known:
        return known[year]
    before = [y for y in known if y < year]
    after = [y for y in known if y > year]
    if before and after:
        a, b = max(before), min(after)
        return known[a] + (known[b] - known[a]) * (year - a) / (b - a)
    nearest = max(before) if before else min(after)
    return known[nearest] + (0.6 if before else -0.6) * abs(year - nearest)


def competition_ranks(scores: Sequence[float]) -> list[int]:
    """1 = best; ties share a rank and the next rank skips (1, 2, 2, 4)."""
    return [1 + sum(1 for other in scores if other > s) for s in scores]


def _soft_clamp(value: float, low: float, high: float, knee: float = 1.5) -> float:
    """Squeeze values into [low, high] without piling them up on the bounds (which would tie ranks)."""
    if value < low + knee:
        return low + knee * math.exp((value - low - knee) / knee)
    if value > high - knee:
        return high - knee * math.exp((high - knee - value) / knee)
    return value


def index_scores(ctx: _Context, units: Sequence[Unit], index: str, year: int) -> list[float]:
    avg = national_average(index, year)
    rng = ctx.rng("scores", index, year)
    if index == "PAR":
        spread = min(3.2, (95.8 - avg) / 2.6)
        raw = [avg + ctx.strength(u, index) * spread + rng.gauss(0, 0.5) for u in units]
        raw = [_soft_clamp(s, 70.0, 96.0) for s in raw]
        qn = [i for i, u in enumerate(units) if u.code == "22"]
        if qn and raw[qn[0]] < max(raw):
            raw[qn[0]] = min(96.0, max(raw) + 0.15)
        if qn:
            # Quảng Ninh leads: the others stay strictly below it.
            raw = [s if i == qn[0] else min(s, raw[qn[0]] - 0.05) for i, s in enumerate(raw)]
        return [_round2(s) for s in raw]
    raw = [avg + ctx.strength(u, index) * 2.3 + rng.gauss(0, 0.6) for u in units]
    return [_round2(_soft_clamp(s, 78.0, 92.0)) for s in raw]


def split_total(rng: random.Random, total: float, fields: Sequence[ParField]) -> list[float]:
    """Field scores that add up to ``total`` (to the cent) and stay within each field's points."""
    weights = [f.weight for f in fields]
    ratio = total / sum(weights)
    parts = [w * ratio for w in weights]
    for _ in range(3 * len(parts)):
        i, j = rng.sample(range(len(parts)), 2)
        room = min(weights[i] - parts[i], parts[j], 0.6)
        if room > 0:
            delta = rng.uniform(0, room)
            parts[i] += delta
            parts[j] -= delta
    cents = [int(Decimal(repr(p)).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP) * 100) for p in parts]
    gap = int(round(total * 100)) - sum(cents)
    slack = max(range(len(parts)), key=lambda k: weights[k] * 100 - cents[k] if gap > 0 else cents[k])
    cents[slack] += gap
    return [c / 100 for c in cents]


@dataclass
class _IndexTable:
    units: list[Unit]
    scores: list[float]
    ranks: list[int]


def _index_table(ctx: _Context, year: int, index: str) -> _IndexTable:
    period = year_period(year)
    units = units_for(period, ctx.geo.new_codes, ctx.geo)
    scores = index_scores(ctx, units, index, year)
    return _IndexTable(units, scores, competition_ranks(scores))


def _score_text(value: float, style: str, percent: bool = False) -> object:
    if style == "number":
        return value
    if style == "point":
        return f"{value:.2f}"
    text = vn_number(value)
    return text + "%" if percent and style == "percent" else text


def _spell_rows(rng: random.Random, units: Sequence[Unit]) -> list[str]:
    style = rng.choice(SPELLING_STYLES)
    return [province_spelling(u, "alias" if rng.random() < 0.15 else style, rng) for u in units]


def _index_faults(job: _Job) -> list[str]:
    faults = ["unknown_province", "bad_number", "duplicate_delivery"]
    if FORMAT_EXTENSIONS[job.fmt] == "xlsx":
        faults.append("truncated")
    if job.period.under_34_units and job.variant != "par_self":
        faults.append("old_name_after_merger")
    return faults


def _rename_to_old(rng: random.Random, units: Sequence[Unit], names: list[str]) -> None:
    merged = [i for i, u in enumerate(units) if u.merged]
    i = rng.choice(merged)
    old = [n for n in units[i].constituent_names if n != units[i].name]
    names[i] = rng.choice(old)


def _emit_par(ctx: _Context, job: _Job) -> list[GeneratedFile]:
    year = job.period.year
    rng = ctx.rng(job.key)
    fault = ctx.draw_fault(job, _index_faults(job))
    data = _index_table(ctx, year, "PAR")
    names = _spell_rows(rng, data.units)
    if fault == "old_name_after_merger":
        _rename_to_old(rng, data.units, names)
    order = sorted(range(len(names)), key=lambda i: (data.ranks[i], data.units[i].code))
    if rng.random() < 0.3:
        order = list(range(len(names)))
    score_style = rng.choice(("number", "number", "number", "comma"))
    with_index, with_year = rng.random() < 0.4, rng.random() < 0.3
    header = ["STT", _pick_label(rng, _labels("index_scores", "province")[:3])]
    header += ["Bộ chỉ số"] if with_index else []
    header += ["Năm"] if with_year else []
    header += [rng.choice(("Tổng điểm", "Điểm", "Điểm đạt được", "Kết quả")), rng.choice(("Xếp hạng", "Thứ hạng"))]
    rows = []
    for number, i in enumerate(order, start=1):
        row: list[object] = [number, names[i]]
        row += [rng.choice(("PAR", "PAR INDEX", "Chỉ số CCHC"))] if with_index else []
        row += [year] if with_year else []
        rows.append(row + [_score_text(data.scores[i], score_style), data.ranks[i]])
    _index_row_faults(rng, fault, rows)
    titles = [
        "BỘ NỘI VỤ",
        f"KẾT QUẢ CHỈ SỐ CẢI CÁCH HÀNH CHÍNH NĂM {year} CỦA CÁC TỈNH, THÀNH PHỐ TRỰC THUỘC TRUNG ƯƠNG",
    ]
    path = ctx.claim(job.kind, f"{NATIONAL}_{year}_par.xlsx")
    _write_table(path, job.fmt, _Table(header=header, rows=rows, title_lines=titles), _creation_time(job.period))
    return _finalise(ctx, job, path, NATIONAL, fault)


def _index_row_faults(rng: random.Random, fault: str | None, rows: list[list[object]]) -> None:
    if fault == "unknown_province":
        row = list(rng.choice(rows))
        row[1] = UNKNOWN_PROVINCE_NAME
        row[0] = len(rows) + 1
        rows.append(row)
    elif fault == "bad_number":
        row = rng.choice(rows)
        if rng.random() < 0.5:
            row[-1] = rng.choice(("12,5", "-3", "n/a"))
        else:
            row[-2] = "n/a"


def _emit_par_components(ctx: _Context, job: _Job) -> list[GeneratedFile]:
    year = job.period.year
    rng = ctx.rng(job.key)
    fault = ctx.draw_fault(job, _index_faults(job))
    data = _index_table(ctx, year, "PAR")
    fields = par_fields(year)
    names = _spell_rows(rng, data.units)
    if fault == "old_name_after_merger":
        _rename_to_old(rng, data.units, names)
    point = rng.random() < 0.3
    header = [
        _pick_label(rng, _labels("index_scores", "province")[:3]),
        rng.choice(("Lĩnh vực", "Thành phần", "Nội dung")),
        rng.choice(("Điểm đạt được", "Điểm")),
        "Điểm tối đa",
    ]
    rows: list[list[object]] = []
    for unit, name, total in zip(data.units, names, data.scores, strict=True):
        parts = split_total(ctx.rng("par-split", unit.code, year), total, fields)
        for f, score in zip(fields, parts, strict=True):
            printed = "" if f.printed_max is None else _score_text(f.printed_max, "point" if point else "comma")
            rows.append([name, f.name, _score_text(score, "point" if point else "comma"), printed])
    if fault == "unknown_province":
        rows.append([UNKNOWN_PROVINCE_NAME, fields[0].name, "8,5", rows[0][3]])
    elif fault == "bad_number":
        rng.choice(rows)[2] = "n/a"
    path = ctx.claim(job.kind, f"{NATIONAL}_{year}_par_thanh_phan.csv")
    table = _Table(header=header, rows=rows, delimiter=";" if not point else ",")
    _write_table(path, job.fmt, table, _creation_time(job.period))
    return _finalise(ctx, job, path, NATIONAL, fault)


def _emit_sipas(ctx: _Context, job: _Job) -> list[GeneratedFile]:
    year = job.period.year
    rng = ctx.rng(job.key)
    fault = ctx.draw_fault(job, _index_faults(job))
    data = _index_table(ctx, year, "SIPAS")
    names = _spell_rows(rng, data.units)
    if fault == "old_name_after_merger":
        _rename_to_old(rng, data.units, names)
    style = rng.choice(("comma", "percent", "point"))
    with_index = rng.random() < 0.4
    header = ["STT", _pick_label(rng, _labels("index_scores", "province")[:3])]
    header += ["Chỉ số"] if with_index else []
    header += [rng.choice(("Kết quả (%)", "Giá trị chỉ số (%)", "Điểm")), rng.choice(("Xếp hạng", "Thứ hạng", "Hạng"))]
    rows = []
    for number, i in enumerate(sorted(range(len(names)), key=lambda k: (data.ranks[k], data.units[k].code)), 1):
        row: list[object] = [number, names[i]]
        row += [rng.choice(("SIPAS", "Chỉ số hài lòng"))] if with_index else []
        rows.append(row + [_score_text(data.scores[i], style, percent=True), data.ranks[i]])
    _index_row_faults(rng, fault, rows)
    path = ctx.claim(job.kind, f"{NATIONAL}_{year}_sipas.csv")
    _write_table(path, job.fmt, _Table(header=header, rows=rows), _creation_time(job.period))
    return _finalise(ctx, job, path, NATIONAL, fault)


def _emit_par_self(ctx: _Context, job: _Job) -> list[GeneratedFile]:
    unit, year = job.unit, job.period.year
    assert unit is not None
    rng = ctx.rng(job.key)
    fault = ctx.draw_fault(job, _index_faults(job))
    data = _index_table(ctx, year, "PAR")
    total = data.scores[[u.code for u in data.units].index(unit.code)]
    fields = par_fields(year)
    parts = split_total(ctx.rng("par-split", unit.code, year), total, fields)
    # The province is repeated in every row (as well as in the file name): the kind requires it.
    code = UNKNOWN_PROVINCE_CODE if fault == "unknown_province" else unit.code
    province = UNKNOWN_PROVINCE_NAME if fault == "unknown_province" else province_spelling(unit, "official", rng)
    header = ["STT", _pick_label(rng, _labels("index_scores", "province")[:3]), rng.choice(("Lĩnh vực", "Nội dung"))]
    header += ["Điểm tối đa", "Điểm tự đánh giá", "Điểm đạt được"]
    rows: list[list[object]] = []
    for number, (f, score) in enumerate(zip(fields, parts, strict=True), start=1):
        self_score = min(f.weight, score + rng.uniform(0, 1.2))
        printed_max = "" if f.printed_max is None else vn_number(f.printed_max)
        rows.append([number, province, f.name, printed_max, vn_number(_round2(self_score)), vn_number(score)])
    if fault == "bad_number":
        rng.choice(rows)[4] = "n/a"
    path = ctx.claim(job.kind, f"{code}_{year}_par_tu_danh_gia.csv")
    titles = [f"BÁO CÁO TỰ ĐÁNH GIÁ, CHẤM ĐIỂM CHỈ SỐ CẢI CÁCH HÀNH CHÍNH NĂM {year}", unit.official_name.upper()]
    table = _Table(header=header, rows=rows, title_lines=titles if rng.random() < 0.3 else ())
    _write_table(path, job.fmt, table, _creation_time(job.period))
    return _finalise(ctx, job, path, code, fault)


# --------------------------------------------------------------------------- planning


def _selected_codes(geo: Geography, provinces: int | None) -> list[str]:
    codes = geo.new_codes
    if provinces is None:
        return codes
    if provinces < 1:
        raise ValueError("provinces must be at least 1 (or None for all 34)")
    return codes[:provinces]


def _plan_dossier_summary(selected: Sequence[str], years: Sequence[int], geo: Geography) -> list[_Job]:
    jobs = []
    for year in years:
        for half in (1, 2):
            period = half_year(year, half)
            jobs += [_Job("dossier_summary", period, u) for u in units_for(period, selected, geo)]
    return jobs


def _plan_dossiers(ctx: _Context, selected: Sequence[str], years: Sequence[int], dossier_rows: int) -> list[_Job]:
    if dossier_rows <= 0:
        return []
    year = max(years)
    count = min(len(selected), max(3, dossier_rows // 250_000))
    picks = sorted({selected[round(i * (len(selected) - 1) / max(1, count - 1))] for i in range(count)})
    months = [month_period(year, m) for m in range(1, 13)]
    slots = [(code, p) for code in picks for p in months]
    per_slot = _spread(ctx.rng("dossier-rows"), dossier_rows, [_MONTH_WEIGHTS[p.start.month - 1] for _, p in slots])
    jobs = []
    for (code, period), rows in zip(slots, per_slot, strict=True):
        units = units_for(period, [code], ctx.geo)
        shares = _spread(ctx.rng("dossier-split", code, period.label), rows, [ctx.size(u) for u in units])
        jobs += [_Job("dossiers", period, u, rows=n) for u, n in zip(units, shares, strict=True) if n > 0]
    return jobs


def _catalogue_senders(ctx: _Context, units: Sequence[Unit], year: int) -> dict[str, bool]:
    sends = {u.code: _sends_catalogue(ctx, u, year) for u in units}
    if len(units) >= 2 and len(set(sends.values())) == 1:
        # Even a small sample should hold both a catalogue and a summary.
        odd_one = max(units, key=lambda u: ctx.rng("online-odd", u.code, year).random())
        sends[odd_one.code] = not sends[odd_one.code]
    return sends


def _plan_online(ctx: _Context, kind: str, selected: Sequence[str], years: Sequence[int]) -> list[_Job]:
    want_catalogue = kind == "online_services"
    jobs = []
    for year in years:
        period = year_period(year)
        units = units_for(period, selected, ctx.geo)
        sends = _catalogue_senders(ctx, units, year)
        jobs += [_Job(kind, period, u) for u in units if sends[u.code] == want_catalogue]
    return jobs


def _plan_index(ctx: _Context, selected: Sequence[str], years: Sequence[int]) -> list[_Job]:
    jobs = []
    for year in years:
        period = year_period(year)
        jobs += [
            _Job("index_scores", period, None, "par", "xlsx-report"),
            _Job("index_scores", period, None, "par_components", "csv-utf8-bom"),
            _Job("index_scores", period, None, "sipas", "csv-utf8-nfd" if year % 3 == 0 else "csv-utf8-bom"),
        ]
        units = units_for(period, selected, ctx.geo)
        reporting = [u for u in units if ctx.rng("par-self", u.code, year).random() < 0.12] or units[:1]
        jobs += [_Job("index_scores", period, u, "par_self", "csv-utf8-bom") for u in reporting]
    return jobs


_EMITTERS: dict[str, Callable[[_Context, _Job], list[GeneratedFile]]] = {
    "dossier_summary": _emit_dossier_summary,
    "dossiers": _emit_dossiers,
    "online_services": _emit_online_services,
    "online_service_summary": _emit_online_summary,
    "par": _emit_par,
    "par_components": _emit_par_components,
    "sipas": _emit_sipas,
    "par_self": _emit_par_self,
}


def _plan(
    ctx: _Context, kinds: Collection[str], selected: Sequence[str], years: Sequence[int], dossier_rows: int
) -> list[_Job]:
    jobs: list[_Job] = []
    for kind in KINDS:
        if kind not in kinds:
            continue
        if kind == "dossier_summary":
            planned = _plan_dossier_summary(selected, years, ctx.geo)
        elif kind == "dossiers":
            planned = _plan_dossiers(ctx, selected, years, dossier_rows)
        elif kind == "index_scores":
            planned = _plan_index(ctx, selected, years)
        else:
            planned = _plan_online(ctx, kind, selected, years)
        if kind in _FORMAT_WEIGHTS:
            deck = _format_deck(ctx.rng("formats", kind), _FORMAT_WEIGHTS[kind], len(planned))
            for job, fmt in zip(planned, deck, strict=True):
                job.fmt = fmt
        jobs += planned
    return jobs


def _check_arguments(years: Sequence[int], fault_rate: float, kinds: Collection[str] | None) -> list[str]:
    if not years:
        raise ValueError("years must name at least one year")
    bad_years = [y for y in years if not FIRST_YEAR <= y <= LAST_YEAR]
    if bad_years:
        raise ValueError(f"years must be within {FIRST_YEAR}-{LAST_YEAR}, got {bad_years}")
    if not 0 <= fault_rate <= 1:
        raise ValueError(f"fault_rate must be between 0 and 1, got {fault_rate}")
    wanted = set(KINDS) if kinds is None else set(kinds)
    unknown = sorted(wanted - set(KINDS))
    if unknown:
        raise ValueError(f"unknown kinds {unknown}; known: {', '.join(KINDS)}")
    return [k for k in KINDS if k in wanted]  # contract order, so the manifest does not depend on set order


def generate(
    out_dir: Path,
    *,
    provinces: int | None = None,
    years: Sequence[int] = (2024, 2025),
    dossier_rows: int = 2000,
    fault_rate: float = 0.1,
    seed: int = 42,
    kinds: Collection[str] | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> GenerationSummary:
    """Write sample exports under ``out_dir/<kind>/`` and ``out_dir/_manifest.json``.

    ``provinces`` keeps the first N of the 34 current units (by code) and, for periods
    before 2025-07-01, the 63-list units they were formed from. ``dossier_rows`` is the
    approximate total of record-level rows (months of the last year, a few provinces).
    Each file gets one injected fault with probability ``fault_rate`` (see ``FAULTS``).
    Existing files of the same names are overwritten; others are left alone.
    """
    out_dir = Path(out_dir)
    years = sorted(set(years))
    chosen = _check_arguments(years, fault_rate, kinds)
    geo = load_geography()
    ctx = _Context(out_dir=out_dir, seed=seed, fault_rate=fault_rate, geo=geo)
    selected = _selected_codes(geo, provinces)
    jobs = _plan(ctx, chosen, selected, years, dossier_rows)
    files: list[GeneratedFile] = []
    for done, job in enumerate(jobs, start=1):
        emitted = _EMITTERS[job.variant or job.kind](ctx, job)
        _date_deliveries(emitted, job.period)
        files += emitted
        if progress is not None:
            progress(done, len(jobs))
    parameters = {
        "provinces": provinces,
        "years": list(years),
        "dossier_rows": dossier_rows,
        "fault_rate": fault_rate,
        "seed": seed,
        "kinds": chosen,
    }
    summary = GenerationSummary(out_dir=out_dir, files=files, parameters=parameters)
    out_dir.mkdir(parents=True, exist_ok=True)
    summary.write_manifest()
    return summary
