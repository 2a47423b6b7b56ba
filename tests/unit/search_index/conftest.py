"""A small catalogue of real words, indexed once per module."""
from __future__ import annotations

import unicodedata
from datetime import date, datetime

import pytest

from search_index import IndexedProduct, SearchIndex


def NFD(s: str) -> str:
    return unicodedata.normalize("NFD", s)


def products() -> list[IndexedProduct]:
    P = IndexedProduct
    return [
        P(1, "Quyền trẻ em trong gia đình", "Phóng sự phát thanh về Công ước quyền trẻ em.",
          kind="radio_feature", languages=["vie"], communes=["Xã Đăk Kôi"], themes=["international_law"],
          conventions=["CRC"], year=2024, produced_on=date(2024, 5, 1), status="published",
          channels=["commune_radio"], updated_at=datetime(2024, 5, 2, 8, 30, 0, 250)),
        P(2, "Ca khúc quyến luyến", "Bài hát về Kon Rẫy.", kind="video", languages=["vie"],
          year=2023, produced_on=date(2023, 2, 1), channels=["social_media"], digital_platform=True,
          updated_at=datetime(2023, 2, 1)),
        P(3, NFD("Quyền con người ở Việt Nam"), "Tranh cổ động <b>triển lãm</b> lưu động.",
          kind="poster", languages=["vie"], communes=["Thị trấn Đăk Rve"], year=2025,
          produced_on=date(2025, 1, 10), tags=["nhân quyền"], filenames=["tranh_co_dong.jpg"]),
        P(4, "Tơdrong \u2018l\u01a1\u0306ng kơ kon pơlei", "N\u01a1\u0306r pơma ƀok kră tơƀăk mong.",
          kind="poster", languages=["bdq"], ethnic_language=True, communes=["Xã Đăk Tơ Lung"],
          year=2024, produced_on=date(2024, 8, 15)),
        P(5, "\u00d0\u0103k Tơ Lung: tuyên truyền pháp luật", "PHÒNG CHỐNG TẢO HÔN VÀ HÔN NHÂN CẬN HUYẾT.",
          kind="video", languages=["vie", "sed"], ethnic_language=True, communes=["Xã Đăk Tơ Lung"],
          year=2023, produced_on=date(2023, 11, 20)),
        P(6, "Vụ việc lợi dụng quyền tự do", "Thông tin nội bộ.", kind="web_article",
          languages=["vie"], year=2024, access_tokens=[], owner_unit_id=3,   # closed
          produced_on=date(2024, 9, 1)),
        P(7, "quyen tre em - ban tin", "Ban tin go khong dau.", kind="radio_feature",
          languages=["vie"], year=2024, produced_on=date(2024, 3, 3), filenames=["quyen_tre_em.mp3"]),
        P(8, "Em bé và quyền được học tập", "Trẻ em đến trường.", kind="publication",
          languages=["vie"], year=2026, text="Sách hướng dẫn cho giáo viên vùng cao."),
        P(9, "Dân ca Xơ Đăng", "Ghi âm dân ca.", kind="radio_feature", languages=["sed"],
          ethnic_language=True, year=2025, produced_on=date(2025, 6, 1)),
        P(10, "Bảo vệ rừng", "Tuyên truyền bảo vệ rừng đầu nguồn.", kind="video", year=2026,
          produced_on=date(2026, 1, 5)),
        P(11, "Bao ve rung", "Tuyen truyen bao ve rung dau nguon.", kind="video", year=2026,
          produced_on=date(2026, 1, 5)),
        P(12, "Ca khúc quyền lợi", "Bài hát về Kon Rẫy.", kind="video", languages=["vie"],
          year=2023, produced_on=date(2023, 2, 1)),
        P(13, "Hỏi đáp về quyền", "trẻ em được chăm sóc sức khỏe.", kind="web_article", year=2025),
    ]


@pytest.fixture(scope="module")
def catalogue(tmp_path_factory) -> SearchIndex:
    index = SearchIndex(tmp_path_factory.mktemp("ix") / "index")
    items = products()
    index.upsert(items[:7])   # two commits: two segments, as in real use
    index.upsert(items[7:])
    yield index
    index.close()
