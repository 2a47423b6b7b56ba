"""The words of the yearly report, in Vietnamese.

The report is an administrative document sent to a Vietnamese body (Nghị định
30/2020/NĐ-CP), so its text is Vietnamese whatever the reader's interface language;
it is kept here as data, beside the figures' names, rather than as interface strings
in the message catalogue. The definitions say in words what
:mod:`app.services.stats.plan_progress` counts.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any, Iterable

from app.i18n import format_percent

QUOC_HIEU = "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM"
TIEU_NGU = "Độc lập - Tự do - Hạnh phúc"
TITLE = "BÁO CÁO"
SUBJECT = ("Kết quả thực hiện Kế hoạch tuyên truyền về quyền con người "
           "(Quyết định số 1079/QĐ-TTg) năm {year}")

# indicator name -> (label, definition)
INDICATORS: dict[str, tuple[str, str]] = {
    "digitisation_rate": (
        "Tỷ lệ số hóa",
        "Số sản phẩm đã số hóa / tổng số sản phẩm trong phạm vi. Đã số hóa: có ít nhất "
        "một tệp gốc được lưu, đã ghi mã SHA-256 và xử lý xong. Sản phẩm chưa có tệp "
        "(triển lãm lưu động, đợt tranh cổ động chưa quét) là chưa số hóa."),
    "ethnic_language_share": (
        "Tỷ lệ sản phẩm bằng tiếng dân tộc thiểu số",
        "Sản phẩm có ít nhất một ngôn ngữ được đánh dấu là tiếng dân tộc thiểu số."),
    "foreign_language_share": (
        "Tỷ lệ sản phẩm bằng tiếng nước ngoài",
        "Sản phẩm có một ngôn ngữ không phải tiếng Việt và không phải tiếng dân tộc "
        "thiểu số."),
    "digital_platform_share": (
        "Tỷ lệ sản phẩm trên nền tảng số",
        "Sản phẩm có ít nhất một kênh được đánh dấu là nền tảng số (trang thông tin "
        "điện tử, mạng xã hội…); việc tải lên Kho không tính là nền tảng số."),
    "combined_share": (
        "Tỷ lệ chung (dân tộc thiểu số, nước ngoài, nền tảng số)",
        "Sản phẩm thuộc ít nhất một trong ba loại trên, mỗi sản phẩm chỉ tính một lần, "
        "theo cách tính của Quyết định 1079/QĐ-TTg (mục tiêu 15–20 %)."),
    "online_rate": (
        "Tỷ lệ đưa lên cơ sở dữ liệu dùng chung",
        "Sản phẩm đã công bố lên cơ sở dữ liệu dùng chung cấp Quốc gia (bản công bố "
        "mới nhất không cũ hơn sản phẩm) / tổng số sản phẩm."),
}
SHARE_NAMES = ("ethnic_language_share", "foreign_language_share", "digital_platform_share",
               "combined_share")
VERDICTS = {"below": "Dưới mục tiêu", "within": "Đạt mục tiêu", "above": "Vượt mục tiêu",
            "no_data": "Chưa có dữ liệu"}
DIGITISATION_TARGET = "100 % sản phẩm được số hóa (đến năm 2028)"

TALLY_COLUMNS = ("Tổng số sản phẩm", "Đã số hóa", "Tỷ lệ số hóa", "Tiếng DTTS",
                 "Tiếng nước ngoài", "Nền tảng số", "Tỷ lệ chung")
PRODUCT_COLUMNS = ("Mã", "Tiêu đề", "Loại", "Ngôn ngữ", "Kênh", "Nhiệm vụ kế hoạch",
                   "Đơn vị chủ trì", "Xã", "Đã số hóa", "Lượt phát sóng", "Lượt tải")
NOT_SET = "(chưa ghi)"
NO_COMMUNE = "(không gắn với xã)"
YES, NO = "Có", "Không"

NARRATIVE = (
    ("Kết quả", "[Đánh giá kết quả đạt được, nêu bật các sản phẩm, hoạt động tiêu biểu.]"),
    ("Khó khăn, vướng mắc", "[Nêu những khó khăn, vướng mắc và nguyên nhân.]"),
    ("Đề xuất, kiến nghị", "[Nêu đề xuất, kiến nghị với cấp trên.]"),
)
NARRATIVE_HEADINGS = ("II. KẾT QUẢ", "III. KHÓ KHĂN, VƯỚNG MẮC", "IV. ĐỀ XUẤT, KIẾN NGHỊ")
NONE_RAISED = {"difficulties": "Các đơn vị đã gửi báo cáo không nêu khó khăn, vướng mắc.",
               "proposals": "Các đơn vị đã gửi báo cáo không nêu đề xuất, kiến nghị."}
NOTHING_WRITTEN = "Đã gửi báo cáo, không ghi kết quả bằng lời."
DASH = "–"                    # a figure that does not exist yet (a future year or month)
SIGNER_BLANK = "………………………………"
RECIPIENT_BLANK = "……………………………………"


def not_submitted(name: str) -> str:
    """``Xã Đăk Rve chưa gửi báo cáo.``"""
    return f"{name} chưa gửi báo cáo."


def missing_words(names: Iterable[str]) -> str:
    """``Chưa gửi báo cáo: Xã A, Xã B.``"""
    return "Chưa gửi báo cáo: " + ", ".join(names) + "."


def linked_words(products: int, activities: int) -> str:
    """``(Kèm theo 3 sản phẩm, 1 hoạt động.)`` or "" when nothing is linked."""
    parts = [f"{number_words(n)} {what}" for n, what in ((products, "sản phẩm"),
                                                         (activities, "hoạt động")) if n]
    return f"(Kèm theo {', '.join(parts)}.)" if parts else ""


def period_words(date_from: date | None, date_to: date | None) -> str:
    """``từ ngày 01/01/2026 đến ngày 31/12/2026`` (either end may be open)."""
    parts = []
    if date_from:
        parts.append(f"từ ngày {date_from:%d/%m/%Y}")
    if date_to:
        parts.append(f"đến ngày {date_to:%d/%m/%Y}")
    return " ".join(parts) or "toàn bộ thời gian"


def percent_words(value: float) -> str:
    """``18,5 %``: one decimal, Vietnamese decimal comma, a space before the sign,
    rounded by the one rule of every share (:func:`app.i18n.percent_tenths`)."""
    return format_percent(value, "vi")


def number_words(value: int) -> str:
    """``12.345``: Vietnamese thousands separator."""
    return f"{value:,}".replace(",", ".")


@dataclass(frozen=True)
class IndicatorLine:
    """One indicator as both report files show it."""

    label: str
    numerator: int
    denominator: int
    value: float          # fraction 0..1
    target: str
    verdict: str
    definition: str


def indicator_lines(stats: Any) -> list[IndicatorLine]:
    """Each indicator of :data:`INDICATORS` from a :class:`app.services.stats.plan_progress.Stats`:
    its counts, the target in words and the verdict (the shares against the band as
    the statistics judge them; digitisation against 100 %; the online rate has none)."""
    band = f"{percent_words(stats.target.band_min)} – {percent_words(stats.target.band_max)}"
    lines = []
    for name, (label, definition) in INDICATORS.items():
        ratio = getattr(stats, name)
        if name in SHARE_NAMES:
            target, verdict = band, VERDICTS[stats.verdicts[name]]
        elif name == "digitisation_rate":
            target = DIGITISATION_TARGET
            verdict = VERDICTS["no_data" if not ratio.denominator else "within"
                               if ratio.numerator == ratio.denominator else "below"]
        else:
            target, verdict = "", ""
        lines.append(IndicatorLine(label, ratio.numerator, ratio.denominator, ratio.value,
                                   target, verdict, definition))
    return lines
