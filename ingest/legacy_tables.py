"""The three legacy Vietnamese encodings as tables, and conversion by table.

Text typed before Unicode reaches Kho in two shapes: as *bytes* (a CSV or TXT saved in
the legacy code page), which are read here as Latin-1 so that byte ``0xNN`` becomes
``chr(0xNN)``; or as *characters* already (a .docx or PDF typed in a legacy font: the
word processor stored the font's code points as Latin-1 characters, ``Céng hoµ``).
Both are the same characters, so one table per encoding serves both.

- **TCVN3** (ABC; fonts ``.VnTime``, ``.VnArial``, capitals ``.VnTimeH``): TCVN 5712:1993,
  its VN3 repertoire — one byte per letter, lower-case letters with their tones and the
  seven base capitals (Ă Â Ê Ô Ơ Ư Đ) in ``0xA1``–``0xFE``. Capitals *with* tones
  are not in VN3: headings were typed with the lower-case codes in a capitals font, so
  they come back lower-case (``CéNG HOµ`` → ``CộNG HOà``; search folds case). The
  table is the standard's (checked against glibc's ``TCVN5712-1`` charmap), less its
  tone-bearing capitals and combining marks (``0xB0``–``0xB4`` are ``° ± ² ³ ´`` in
  real text). A PDF's text layer gives ``−`` (U+2212) for ư and ``∙`` (U+2219) for ã
  of the ``.Vn`` fonts: converted when next to a letter.
- **VNI** (fonts ``VNI-Times``…; a vendor's layout, not a standard): a vowel is the
  ASCII letter followed by a mark character — tones ``ù ø û õ ï`` (acute, grave, hook,
  tilde, dot), circumflex ``â`` and breve ``ê`` alone or with a tone (``á à å ã ä`` /
  ``é è ú ü ë``), the same marks in capitals after capitals; ``ô ö ñ`` are ơ ư đ and
  ``æ ó ò`` the i's with hook, tilde and dot (``í ì`` are themselves). The table is
  generated from those rules, so every pair is covered.
- **VISCII** (RFC 1456): one byte per letter, all 134 precomposed letters, six of them in
  C0 control positions; Latin-1 letters Vietnamese uses (à á â ã è é ê …) keep their
  places. The table is RFC 1456's (checked against glibc's ``VISCII`` charmap). Bytes
  ``0x80``–``0x9F`` are letters here, so VISCII text must be read as Latin-1, not
  Windows-1252.

:func:`convert` applies a table; it never decides whether it should (see
:mod:`ingest.legacy_text`).
"""
from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

TCVN3, VNI, VISCII = "tcvn3", "vni", "viscii"
ENCODINGS = (TCVN3, VNI, VISCII)
# how people know each encoding (English; the same words in Vietnamese)
NAMES = {TCVN3: "TCVN3 (ABC, .VnTime)", VNI: "VNI (VNI-Times)", VISCII: "VISCII"}

# TCVN 5712:1993 VN3: bytes 0xA1-0xAE, then the toned lower-case letters
_TCVN3_CODES = ("¡¢£¤¥¦§¨©ª«¬\u00ad®µ¶·¸¹»¼½¾ÆÇÈÉÊËÌÎÏÐÑÒÓÔÕÖ×ØÜÝÞßáâãäåæçèéêëìíîïñòóôõö÷"
                "øùúûüýþ")
_TCVN3_LETTERS = ("ĂÂÊÔƠƯĐăâêôơưđàảãáạằẳẵắặầẩẫấậèẻẽéẹềểễếệìỉĩíịòỏõóọồổỗốộờởỡớợùủũúụừửữứự"
                  "ỳỷỹýỵ")
# RFC 1456: bytes 0x80-0xFF, and the six letters in C0 positions
_VISCII_HIGH = ("ẠẮẰẶẤẦẨẬẼẸẾỀỂỄỆỐỒỔỖỘỢỚỜỞỊỎỌỈỦŨỤỲÕắằặấầẩậẽẹếềểễệốồổỗỠƠộờởịỰỨỪỬơớƯÀÁÂÃẢĂẳẵÈÉÊẺÌÍĨỳĐứ"
                "ÒÓÔạỷừửÙÚỹỵÝỡưàáâãảăữẫèéêẻìíĩỉđựòóôõỏọụùúũủýợỮ")
_VISCII_LOW = {0x02: "Ẳ", 0x05: "Ẵ", 0x06: "Ẫ", 0x14: "Ỷ", 0x19: "Ỹ", 0x1E: "Ỵ"}
# a PDF text layer's stand-ins for two .Vn font glyphs, letters only beside a letter
_PDF_GLYPHS = re.compile(r"(?<=[^\W\d_])[\u2212\u2219]|[\u2212\u2219](?=[^\W\d_])")
_PDF_LETTERS = {"\u2212": "ư", "\u2219": "ã"}

_ACUTE, _GRAVE, _HOOK, _TILDE, _DOT = "\u0301", "\u0300", "\u0309", "\u0303", "\u0323"
_CIRCUMFLEX, _BREVE = "\u0302", "\u0306"
# VNI marks (lower case; the capital marks are their upper-case letters)
_VNI_TONES = {"ù": _ACUTE, "ø": _GRAVE, "û": _HOOK, "õ": _TILDE, "ï": _DOT}
_VNI_CIRCUMFLEX = {"â": "", "á": _ACUTE, "à": _GRAVE, "å": _HOOK, "ã": _TILDE, "ä": _DOT}
_VNI_BREVE = {"ê": "", "é": _ACUTE, "è": _GRAVE, "ú": _HOOK, "ü": _TILDE, "ë": _DOT}
_VNI_SINGLE = {"ô": "ơ", "ö": "ư", "ñ": "đ", "æ": "ỉ", "ó": "ĩ", "ò": "ị"}


def _vni_pairs() -> dict[str, str]:
    """Every VNI sequence -> its letter, in both cases, from the rules above."""
    pairs: dict[str, str] = {}
    for upper in (False, True):
        def case(s: str) -> str:
            return s.upper() if upper else s
        for mark, letter in _VNI_SINGLE.items():
            pairs[case(mark)] = case(letter)
        for base in ("a", "e", "i", "o", "u", "y", "ô", "ö"):
            letter = _VNI_SINGLE.get(base, base)
            for mark, tone in _VNI_TONES.items():
                pairs[case(base + mark)] = case(unicodedata.normalize("NFC", letter + tone))
        for base in "aeo":
            for mark, tone in _VNI_CIRCUMFLEX.items():
                pairs[case(base + mark)] = case(
                    unicodedata.normalize("NFC", base + _CIRCUMFLEX + tone))
        for mark, tone in _VNI_BREVE.items():
            pairs[case("a" + mark)] = case(unicodedata.normalize("NFC", "a" + _BREVE + tone))
    return pairs


@lru_cache(maxsize=None)
def table(encoding: str) -> dict[str, str]:
    """The sequences ``encoding`` writes (one or two characters) -> the letter they are.
    Built on first use. KeyError for an unknown encoding."""
    if encoding == TCVN3:
        return dict(zip(_TCVN3_CODES, _TCVN3_LETTERS))
    if encoding == VISCII:
        high = {chr(0x80 + i): letter for i, letter in enumerate(_VISCII_HIGH)
                if chr(0x80 + i) != letter}
        return {**{chr(code): letter for code, letter in _VISCII_LOW.items()}, **high}
    if encoding == VNI:
        return _vni_pairs()
    raise KeyError(encoding)


@lru_cache(maxsize=None)
def source_characters(encoding: str) -> frozenset[str]:
    """Every character a sequence of ``encoding`` starts or ends with."""
    chars = {c for seq in table(encoding) for c in seq if ord(c) > 0x7F or ord(c) < 0x20}
    if encoding == TCVN3:
        chars |= set(_PDF_LETTERS)
    return frozenset(chars)


@lru_cache(maxsize=None)
def _translation(encoding: str) -> dict[int, str]:
    return str.maketrans(table(encoding))


@lru_cache(maxsize=None)
def _pattern(encoding: str) -> re.Pattern[str]:
    sequences = sorted(table(encoding), key=len, reverse=True)   # "aø" before "ø"
    return re.compile("|".join(re.escape(s) for s in sequences))


def convert(text: str, encoding: str) -> str:
    """``text`` read as ``encoding`` (one of :data:`ENCODINGS`), in Unicode NFC.

    Characters that are not part of the encoding's sequences are kept as they are.
    KeyError for an unknown encoding."""
    mapping = table(encoding)
    if encoding == TCVN3:
        text = _PDF_GLYPHS.sub(lambda m: _PDF_LETTERS[m.group()], text)
        text = text.translate(_translation(encoding))
    elif encoding == VISCII:
        text = text.translate(_translation(encoding))
    else:
        text = _pattern(encoding).sub(lambda m: mapping[m.group()], text)
    return unicodedata.normalize("NFC", text)
