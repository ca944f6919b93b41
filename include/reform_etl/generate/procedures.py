"""A national list of administrative procedures with stable codes, the same for every province."""

from __future__ import annotations

import random
from dataclasses import dataclass
from functools import lru_cache

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
PLACE_NAMES = (
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


def level_text(level: str, style: str) -> str:
    if style == "code":
        return level
    if style == "sbn" and level == "tinh":
        return "Sở, ban, ngành"
    return LEVEL_LABELS[level]


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
