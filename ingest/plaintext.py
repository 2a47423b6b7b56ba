"""Plain text files (``.txt`` news articles and scripts): is it text, and in which
encoding — the only place Kho guesses a character encoding.

The order of the guess, and why:

1. **A byte-order mark** decides: UTF-8 (``EF BB BF``), UTF-16 LE (``FF FE``) or
   UTF-16 BE (``FE FF``). UTF-16 without a BOM is not guessed (Notepad and LibreOffice
   always write one).
2. **Strict UTF-8**: bytes that decode as UTF-8 are UTF-8 (pure ASCII included). A
   legacy Vietnamese text almost never forms valid UTF-8 by chance: a lead byte
   ``C2``–``DF`` would have to be followed by ``80``–``BF``, i.e. a capital letter with
   a mark right before a symbol such as ``‚`` or ``¡``.
3. **A legacy Vietnamese encoding** — TCVN3 (ABC), VNI or VISCII — when
   :func:`ingest.legacy_text.decode_legacy_bytes` recognises one surely: the bytes read
   as Latin-1 and converted to Unicode by its table (a Windows-1258 file never passes:
   its tones are separate bytes, which no table reads as Vietnamese syllables).
4. **Windows-1258**, the one Windows code page for Vietnamese, for everything else.
   It writes tones as *combining* marks (``0xEC`` = U+0301 after ``a``), so the text is
   normalised to NFC afterwards (:func:`archive.text.normalize_text`), which also
   repairs the mark order. Ambiguous bytes: a byte valid in both Windows-1252 and
   Windows-1258 is read the Windows-1258 way (this archive's texts are Vietnamese; a
   Western-European file shows a few wrong letters, e.g. ``Ì`` as a grave tone). A file
   *mostly* UTF-8 with a few broken sequences (a bad copy-paste) stays UTF-8, the
   broken bytes shown as U+FFFD, rather than turning every Vietnamese letter into
   mojibake.

Text or not: a decoded sample with a NUL, with any of the nine bytes Windows-1258 leaves
undefined (non-UTF-8 input), or with more than one control character (other than tab,
line and page breaks) per thousand characters is binary, not text.
"""
from __future__ import annotations

import codecs
import platform
import unicodedata
from dataclasses import dataclass
from pathlib import Path
from typing import Optional

from archive.errors import ProcessingError
from ingest import legacy_text
from ingest.legacy_tables import NAMES as LEGACY_NAMES

PLAIN_TYPE = "text/plain"
UNREADABLE = "media.unreadable"   # the producer's sentence (archive.problems)
SNIFF_BYTES = 64 * 1024            # bytes read to decide "text or not" when identifying
MAX_READ_BYTES = 16 * 1024 * 1024  # bytes of a text file read for its text (rest ignored)
MAX_CONTROL_PER_MILLE = 1          # control characters allowed per 1,000 characters
MOSTLY_UTF8 = 20                   # valid non-ASCII characters per broken UTF-8 sequence
_BOMS = ((codecs.BOM_UTF8, "utf-8-sig"), (codecs.BOM_UTF16_LE, "utf-16-le"),
         (codecs.BOM_UTF16_BE, "utf-16-be"))
_LEGACY = "cp1258"
_ALLOWED_CONTROLS = set("\t\n\r\f\v")


@dataclass(frozen=True)
class Decoded:
    """Text decoded from bytes, with the encoding used (Python codec name, or
    ``tcvn3`` / ``vni`` / ``viscii``) and how many broken byte sequences were replaced by
    U+FFFD (0 for a clean file); ``legacy``: the conversion, for a legacy encoding."""

    text: str
    encoding: str
    replaced: int = 0
    legacy: Optional[legacy_text.Repair] = None


def tool_version() -> str:
    """The Python codecs used: ``python 3.11.7``."""
    return f"python {platform.python_version()}"


def decode(data: bytes, *, complete: bool = True) -> Decoded:
    """``data`` decoded by the rules in the module docstring (never raises).

    ``complete=False``: ``data`` is the start of a longer file, so a multi-byte
    sequence cut at its end is not counted as broken.
    """
    for bom, encoding in _BOMS:
        if data.startswith(bom):
            body = data[len(bom):]
            if encoding.startswith("utf-16") and len(body) % 2:
                body = body if complete else body[:-1]
            return _lossy(body, encoding.replace("-sig", ""), complete, bom=True)
    utf8 = _lossy(data, "utf-8", complete)
    if utf8.replaced == 0:
        return utf8
    non_ascii = sum(1 for c in utf8.text if ord(c) > 0x7F and c != "\ufffd")
    if non_ascii >= MOSTLY_UTF8 * utf8.replaced:
        return utf8
    legacy = legacy_text.decode_legacy_bytes(data)
    if legacy.converted:
        return Decoded(text=legacy.text, encoding=legacy.encoding, legacy=legacy)
    return _lossy(data, _LEGACY, True)


def _lossy(data: bytes, encoding: str, complete: bool, bom: bool = False) -> Decoded:
    decoder = codecs.getincrementaldecoder(encoding)(errors="replace")
    text = decoder.decode(data, final=complete)
    replaced = text.count("\ufffd")
    name = encoding + ("-sig" if bom and encoding == "utf-8" else "")
    return Decoded(text=text, encoding=name, replaced=replaced)


def looks_like_text(decoded: Decoded) -> bool:
    """True when ``decoded`` reads as text (see the module docstring)."""
    text = decoded.text
    if not text.strip() or "\x00" in text:
        return False
    if decoded.encoding == _LEGACY and decoded.replaced:
        return False                      # bytes Windows-1258 leaves undefined
    if decoded.encoding.startswith("utf-16") and \
            decoded.replaced * 1000 > len(text) * MAX_CONTROL_PER_MILLE:
        return False                      # unpaired surrogates: not really UTF-16
    controls = sum(1 for c in text if c not in _ALLOWED_CONTROLS
                   and unicodedata.category(c) == "Cc")
    return controls * 1000 <= len(text) * MAX_CONTROL_PER_MILLE


def _has_nul(data: bytes) -> bool:
    """A NUL byte outside UTF-16: binary whatever the encoding (every 8-bit and UTF-8
    reading keeps it as U+0000, which :func:`looks_like_text` refuses) — known before
    the costly guess of a legacy encoding (0.4 s for 64 kB of random bytes)."""
    return b"\x00" in data and not data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE))


def sniff(path: Path) -> str | None:
    """``text/plain`` when the first :data:`SNIFF_BYTES` of ``path`` read as text."""
    with open(path, "rb") as handle:
        sample = handle.read(SNIFF_BYTES + 1)
    if _has_nul(sample[:SNIFF_BYTES]):
        return None
    complete = len(sample) <= SNIFF_BYTES
    decoded = decode(sample[:SNIFF_BYTES], complete=complete)
    return PLAIN_TYPE if looks_like_text(decoded) else None


def read(path: Path) -> tuple[Decoded, dict]:
    """The text of ``path`` (at most :data:`MAX_READ_BYTES` read) and facts about it.

    Raises ProcessingError naming the file when it is not text (binary content, or an
    encoding this module does not read).
    """
    size = path.stat().st_size
    with open(path, "rb") as handle:
        data = handle.read(MAX_READ_BYTES)
    truncated = size > len(data)
    decoded = None if _has_nul(data) else decode(data, complete=not truncated)
    if decoded is None or not looks_like_text(decoded):
        raise ProcessingError("%(name)s is not a text document: its bytes are binary data, "
                              "not text in UTF-8, UTF-16 or Windows-1258",
                              problem=UNREADABLE, name=path.name)
    facts: dict = {"format": "txt", "encoding": _label(decoded.encoding)}
    if decoded.replaced:
        facts["replaced_sequences"] = decoded.replaced
    if truncated:
        facts["read_bytes"] = len(data)
    return decoded, facts


def _label(encoding: str) -> str:
    """A codec name as people write it (``UTF-8 with BOM``, ``Windows-1258``,
    ``TCVN3 (ABC, .VnTime)``)."""
    return {"utf-8": "UTF-8", "utf-8-sig": "UTF-8 with BOM", "utf-16-le": "UTF-16 LE",
            "utf-16-be": "UTF-16 BE", _LEGACY: "Windows-1258",
            **LEGACY_NAMES}.get(encoding, encoding)
