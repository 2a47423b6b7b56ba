"""Vietnamese typed in the legacy 8-bit fonts of old Word files (TCVN3 and VNI).

Lists typed before Unicode used fonts such as ``.VnTime`` (TCVN3, also called ABC) or
``VNI-Times``: the file holds Latin-1 characters that only the font draws as Vietnamese,
so a cell copied from such a file reads ``NguyÔn V¨n An`` (TCVN3) or ``Nguyeãn Vaên An``
(VNI) instead of ``Nguyễn Văn An``. No package in the registries converts them, hence
this small table (the TCVN3 lower-case and capital letters; the capitals with tone marks
lived in a second font, ``.VnTimeH``, whose codes are the lower-case ones).

- :func:`detect` says which legacy encoding a text looks like (``"tcvn3"``, ``"vni"`` or
  None): a Latin-1 character that Vietnamese never uses (``¨ © ª µ ¸ å ø …``) gives it
  away; in VNI such marks follow a vowel (``Huøng``), in TCVN3 they *are* the vowel.
- :func:`from_tcvn3` converts TCVN3 text to Unicode (NFC). VNI spreads one letter over
  two characters and its marks collide with real Vietnamese letters (``oà``), so it is
  not guessed: the import refuses it with a message naming the row and column.
"""
from __future__ import annotations

import re
import unicodedata
from typing import Optional

_TCVN3_LOWER = {
    0xB8: "á", 0xB5: "à", 0xB6: "ả", 0xB7: "ã", 0xB9: "ạ",
    0xA8: "ă", 0xBE: "ắ", 0xBB: "ằ", 0xBC: "ẳ", 0xBD: "ẵ", 0xC6: "ặ",
    0xA9: "â", 0xCA: "ấ", 0xC7: "ầ", 0xC8: "ẩ", 0xC9: "ẫ", 0xCB: "ậ",
    0xAE: "đ",
    0xD0: "é", 0xCC: "è", 0xCE: "ẻ", 0xCF: "ẽ", 0xD1: "ẹ",
    0xAA: "ê", 0xD5: "ế", 0xD2: "ề", 0xD3: "ể", 0xD4: "ễ", 0xD6: "ệ",
    0xDD: "í", 0xD7: "ì", 0xD8: "ỉ", 0xDC: "ĩ", 0xDE: "ị",
    0xE3: "ó", 0xDF: "ò", 0xE1: "ỏ", 0xE2: "õ", 0xE4: "ọ",
    0xAB: "ô", 0xE8: "ố", 0xE5: "ồ", 0xE6: "ổ", 0xE7: "ỗ", 0xE9: "ộ",
    0xAC: "ơ", 0xED: "ớ", 0xEA: "ờ", 0xEB: "ở", 0xEC: "ỡ", 0xEE: "ợ",
    0xF3: "ú", 0xEF: "ù", 0xF1: "ủ", 0xF2: "ũ", 0xF4: "ụ",
    0xAD: "ư", 0xF8: "ứ", 0xF5: "ừ", 0xF6: "ử", 0xF7: "ữ", 0xF9: "ự",
    0xFD: "ý", 0xFA: "ỳ", 0xFB: "ỷ", 0xFC: "ỹ", 0xFE: "ỵ",
}
_TCVN3_CAPITALS = {0xA1: "Ă", 0xA2: "Â", 0xA3: "Ê", 0xA4: "Ô", 0xA5: "Ơ", 0xA6: "Ư", 0xA7: "Đ"}
TCVN3 = {chr(code): letter for code, letter in {**_TCVN3_LOWER, **_TCVN3_CAPITALS}.items()}

# Latin-1 letters and signs a Vietnamese Unicode text never holds
_VIETNAMESE_LATIN1 = set("ÀÁÂÃÈÉÊÌÍÒÓÔÕÙÚÝàáâãèéêìíòóôõùúý")
FOREIGN = frozenset(chr(c) for c in range(0xA1, 0x100)) - _VIETNAMESE_LATIN1 - {"×", "÷"}
# VNI tone and shape marks: written after the vowel they belong to
_VNI_AFTER_VOWEL = re.compile(
    "[aeiouyAEIOUY][øûïåäëüæñöØÛÏÅÄËÜÆÑÖ]|[aeAE][âêáàåãäéèúüëÂÊÁÀÅÃÄÉÈÚÜË]")
_TCVN3_ONLY = frozenset(chr(c) for c in range(0xA1, 0xC0))


def detect(text: str) -> Optional[str]:
    """``"tcvn3"``, ``"vni"`` or None (plain Unicode, or nothing to tell)."""
    if not text or text.isascii():
        return None
    if any(ch in _TCVN3_ONLY for ch in text):
        return "tcvn3"
    if _VNI_AFTER_VOWEL.search(text):
        return "vni"
    if any(ch in FOREIGN for ch in text):
        return "tcvn3"
    return None


def from_tcvn3(text: str) -> str:
    """``text`` (TCVN3 read as Latin-1) in Unicode, NFC: ``NguyÔn V¨n An`` ->
    ``Nguyễn Văn An``. Characters outside the table are kept."""
    return unicodedata.normalize("NFC", "".join(TCVN3.get(ch, ch) for ch in text))
