"""Download names and HTTP Range parsing (no app needed)."""
from __future__ import annotations

import pytest

from app.services.files.downloads import RangeNotSatisfiable, parse_range
from app.services.catalogue.product_view import download_name, slug


def test_download_name_is_id_and_ascii_slug_of_the_title():
    assert download_name(12, "Phóng sự: Quyền trẻ em ở Đăk Kôi!", "original", "MP3") == \
        "12-phong-su-quyen-tre-em-o-dak-koi.mp3"


def test_download_name_of_a_rendition_says_what_it_is_in_vietnamese_ascii():
    assert download_name(7, "Tranh cổ động", "broadcast", "mp3") == \
        "7-tranh-co-dong-ban-phat-thanh.mp3"
    assert download_name(7, "Tranh cổ động", "lowband", "mp3") == \
        "7-tranh-co-dong-ban-nghe-tren-web.mp3"
    assert download_name(7, "Sổ tay", "page-12", "jpg") == "7-so-tay-trang-12.jpg"
    assert download_name(7, "Sổ tay", "Mới lạ!", "bin") == "7-so-tay-moi-la.bin"
    assert all(name.isascii() for name in (download_name(1, "Đăk Kôi", r, "mp3")
                                           for r in ("broadcast", "proxy", "text")))


def test_download_name_without_letters_still_has_a_name():
    assert download_name(3, "《》 !!!", "original", "pdf") == "3-product.pdf"


def test_download_name_refuses_odd_extensions():
    assert download_name(3, "a", "original", "../etc") == "3-a.bin"


def test_slug_is_cut_at_a_word_boundary():
    title = "Tuyên truyền quyền con người " * 5
    cut = slug(title)
    assert len(cut) <= 60
    assert cut.startswith("tuyen-truyen-quyen-con-nguoi-tuyen")
    assert not cut.endswith("-")
    assert all(part in {"tuyen", "truyen", "quyen", "con", "nguoi"} for part in cut.split("-"))


@pytest.mark.parametrize("header, expected", [
    ("bytes=0-9", (0, 9)),
    ("bytes=10-", (10, 99)),
    ("bytes=-5", (95, 99)),
    ("bytes=90-500", (90, 99)),
    ("bytes=-500", (0, 99)),
    (None, None),
    ("items=0-5", None),
    ("bytes=0-1,5-6", None),
    ("bytes=9-3", None),
])
def test_parse_range(header, expected):
    assert parse_range(header, 100) == expected


@pytest.mark.parametrize("header", ["bytes=100-", "bytes=500-600", "bytes=-0"])
def test_unsatisfiable_ranges_name_the_range_and_size(header):
    with pytest.raises(RangeNotSatisfiable) as caught:
        parse_range(header, 100)
    assert caught.value.size == 100
    assert "range" in caught.value.fields
