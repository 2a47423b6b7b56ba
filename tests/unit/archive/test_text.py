"""archive.text: the forms text takes on the way into the catalogue and search.

Words come from the Kon Rẫy plan (quyền con người, quyền trẻ em, Đăk Tơ Lung,
Xơ Đăng) and from Bahnar as printed in VOV4's Bahnar-language news ('lơ̆ng,
nơ̆r, tơƀăk, kmŏk, ƀok) and the M'Nông alphabet table (ê̆, ô̆, ư̆: Ƀrư̆).
"""
from __future__ import annotations

import unicodedata

import pytest

from archive.text import fold, normalize_filename, normalize_text, sort_key

NFD = lambda s: unicodedata.normalize("NFD", s)  # noqa: E731

NORMALIZE_TABLE = [
    # (what arrives, what is stored, why)
    (NFD("Quyền trẻ em"), "Quyền trẻ em", "NFD from a macOS file name / Windows keyboard"),
    ("Quye\u0300\u0302n con ngu\u031bo\u031b\u0300i", "Quyền con người", "tone typed before the shape mark"),
    ("e\u0301\u0302", "ế", "acute then circumflex composes to ế"),
    ("a\u0301\u0306", "ắ", "acute then breve composes to ắ"),
    ("Ti\u00e9\u0302ng Vi\u1ec7t", "Tiếng Việt", "precomposed é followed by a circumflex"),
    ("\u00d0\u0103k T\u01a1 Lung", "Đăk Tơ Lung", "Icelandic eth from a keyboard/OCR"),
    ("\u00f0\u01b0\u1eddng", "đường", "small eth"),
    ("n\u01a1\u0306r", "n\u01a1\u0306r", "ơ̆ has no precomposed form: stays ơ + breve"),
    ("n\u006f\u0306\u031br", "n\u01a1\u0306r", "breve typed before the horn"),
    ("\u2018l\u01a1\u0306ng", "'l\u01a1\u0306ng", "Bahnar word-initial apostrophe as ‘"),
    ("K\u2019Bang", "K'Bang", "right single quote inside a word"),
    ("M\u02bcN\u00f4ng", "M'Nông", "modifier letter apostrophe"),
    ("K`Bang K\u00b4Bang K\u2032Bang", "K'Bang K'Bang K'Bang", "backtick, acute accent, prime"),
    ("“quyền trẻ em” ‘ok’", "“quyền trẻ em” 'ok’", "a closing quote after a word is kept"),
    ("Quyền\u00a0trẻ\u200bem\u00ad", "Quyền trẻem", "NBSP to space, zero-width and soft hyphen dropped"),
    ("  Kon\tRẫy \x07\x00 ", "Kon Rẫy", "tabs, control characters, outer spaces"),
    ("Dòng 1\r\n\r\n\r\n\r\nDòng 2  \n  tiếp", "Dòng 1\n\nDòng 2\ntiếp", "line ends kept, blank lines capped"),
]


@pytest.mark.parametrize("raw, stored, why", NORMALIZE_TABLE, ids=[r[2] for r in NORMALIZE_TABLE])
def test_normalize_text_stores_one_canonical_form(raw, stored, why):
    assert normalize_text(raw) == stored


def test_breve_letters_without_precomposed_form_survive_as_base_plus_breve():
    for word in ("n\u01a1\u0306r", "\u00ea\u0306p", "\u00f4\u0306t", "\u0180r\u01b0\u0306"):
        out = normalize_text(NFD(word))
        assert out == unicodedata.normalize("NFC", word)
        assert "\u0306" in out  # not stripped, not lost


def test_normalize_text_is_idempotent():
    for raw, _, _ in NORMALIZE_TABLE:
        once = normalize_text(raw)
        assert normalize_text(once) == once


FOLD_TABLE = [
    ("Quyền Trẻ Em", "quyen tre em"),
    (NFD("QUYỀN CON NGƯỜI"), "quyen con nguoi"),
    ("Đăk Tờ Re", "dak to re"),
    ("\u00d0\u0103k R\u01a1\u0306ng", "dak rong"),
    ("ƀok Ƀrư̆", "bok bru"),
    ("tơƀăk kmŏk", "tobak kmok"),
    ("n\u01a1\u0306r", "nor"),
    ("K’Bang", "k'bang"),
]


@pytest.mark.parametrize("raw, folded", FOLD_TABLE)
def test_fold_removes_marks_and_stroke_letters(raw, folded):
    assert fold(raw) == folded


def test_vietnamese_alphabetical_order():
    words = ["Zô", "Ea Súp", "Đăk Tơ Lung", "Đăk Kôi", "Dục", "Đắk Hà", "Anh", "Ăn", "Ân",
             "ơn", "ôn", "on", "bạ", "bá", "bã", "bả", "bà", "ba", "ƀa", "Đăka"]
    assert sorted(words, key=sort_key) == [
        "Anh", "Ăn", "Ân", "ba", "bà", "bả", "bã", "bá", "bạ", "ƀa", "Dục",
        "Đắk Hà", "Đăk Kôi", "Đăk Tơ Lung", "Đăka", "Ea Súp", "on", "ôn", "ơn", "Zô"]


def test_dak_sorts_after_d_and_before_e_whatever_the_input_form():
    names = [NFD("Đăk Rve"), "Dân tộc", "\u00d0\u0103k Pne", "Em", "Zô"]
    ordered = sorted(names, key=sort_key)
    assert [normalize_text(n) for n in ordered] == ["Dân tộc", "Đăk Pne", "Đăk Rve", "Em", "Zô"]


def test_tones_only_break_ties_between_same_letters():
    # letters decide first (H < K), tones only when the letters are equal
    assert sorted(["Đăk Kôi", "Đắk Hà"], key=sort_key) == ["Đắk Hà", "Đăk Kôi"]
    assert sorted(["Đắk", "Đăk"], key=sort_key) == ["Đăk", "Đắk"]


def test_sort_key_treats_nfd_and_nfc_alike():
    assert sort_key(NFD("Quyền trẻ em")) == sort_key("Quyền trẻ em")


@pytest.mark.parametrize("raw, shown", [
    ("C:\\Users\\lan\\Desktop\\Quye\u0302\u0300n tre\u0309 em.mp3", "Quyền trẻ em.mp3"),
    ("../../etc/passwd", "passwd"),
    ("anh/\u00d0\u0103k Kôi\n2024.jpg", "Đăk Kôi 2024.jpg"),
    ("..hidden.pdf", "hidden.pdf"),
    ("tơ\x00drong.pdf", "tơdrong.pdf"),
])
def test_normalize_filename_keeps_vietnamese_and_drops_paths(raw, shown):
    assert normalize_filename(raw) == shown
