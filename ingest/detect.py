"""What a file is, from its content — never from its name.

Order: magic bytes (the ``filetype`` package; a ZIP is opened to tell a Word ``.docx``
by its ``[Content_Types].xml`` and ``word/document.xml``, an OpenDocument ``.odt`` by
its ``mimetype`` entry, from any other archive), then a PDF header search (``%PDF-`` may
follow some junk bytes), then plain text (:mod:`ingest.plaintext`: UTF-8, UTF-16 with a
BOM, Windows-1258; binary bytes are not text), then ffprobe for audio/video containers
``filetype`` does not know (MPEG-TS, raw AAC/AC-3, ...). Text is tried before ffprobe,
which takes many a text file for some raw stream. ffprobe also sorts audio-only MP4/Matroska/WebM
files (which start like video) into ``audio``. The filename's extension only gives the
``declared_type``; when it disagrees with the content the Detection says ``mismatch``
so the catalogue can show it instead of silently trusting the name.
"""
from __future__ import annotations

import functools
import mimetypes
from dataclasses import dataclass
from pathlib import Path

import filetype

from archive.errors import ProcessingError
from ingest import documents, media

CATEGORIES = ("image", "video", "audio", "pdf", "text", "other")
UNKNOWN_TYPE = "application/octet-stream"
PDF_HEADER_WINDOW = 1024          # PDF readers accept the header within the first 1 KB
DETECT_PROBE_TIMEOUT = 60.0       # seconds; ffprobe reads only the start of the file

# Names the Python table lacks or gets wrong for media we meet.
_EXTRA_TYPES = {
    ".m4a": "audio/mp4", ".m4v": "video/mp4", ".mkv": "video/x-matroska",
    ".mka": "audio/x-matroska", ".webm": "video/webm", ".weba": "audio/webm",
    ".flac": "audio/flac", ".opus": "audio/ogg", ".oga": "audio/ogg", ".ogg": "audio/ogg",
    ".ogv": "video/ogg", ".amr": "audio/amr", ".wma": "audio/x-ms-wma",
    ".wmv": "video/x-ms-wmv", ".3gp": "video/3gpp", ".ts": "video/mp2t",
    ".mts": "video/mp2t", ".m2ts": "video/mp2t", ".heic": "image/heic",
    ".heif": "image/heif", ".avif": "image/avif", ".webp": "image/webp",
    ".jfif": "image/jpeg", ".flv": "video/x-flv", ".aac": "audio/aac",
    ".docx": documents.DOCX_TYPE, ".odt": documents.ODT_TYPE, ".md": "text/markdown",
}
# MIME names that mean the same content (container families, vendor aliases).
_FAMILIES = {
    "audio/mp4": "iso-bmff", "video/mp4": "iso-bmff", "audio/x-m4a": "iso-bmff",
    "video/quicktime": "iso-bmff", "video/3gpp": "iso-bmff", "video/x-m4v": "iso-bmff",
    "audio/x-wav": "wav", "audio/wav": "wav", "audio/vnd.wave": "wav",
    "video/webm": "matroska", "audio/webm": "matroska", "video/x-matroska": "matroska",
    "audio/x-matroska": "matroska", "audio/ogg": "ogg", "video/ogg": "ogg",
    "application/ogg": "ogg", "audio/x-flac": "flac", "audio/flac": "flac",
    "audio/mpeg": "mp3", "audio/mp3": "mp3", "audio/x-aac": "aac", "audio/aac": "aac",
    "image/jpg": "image/jpeg", "image/x-ms-bmp": "image/bmp", "image/heif": "image/heic",
    "application/json": "text", "application/xml": "text",   # text/* are "text" too
}
# filetype's answers that are ZIP packages: opened to see what they really hold
_ZIP_KINDS = {"application/zip", "application/epub+zip", documents.DOCX_TYPE,
              documents.ODT_TYPE} | set(documents.PACKAGE_TYPES)
# ffprobe format names -> MIME type, for containers found only by ffprobe.
_FFPROBE_TYPES = {
    "mpegts": "video/mp2t", "mpeg": "video/mpeg", "mp3": "audio/mpeg", "aac": "audio/aac",
    "ac3": "audio/ac3", "eac3": "audio/eac3", "amr": "audio/amr", "wav": "audio/wav",
    "flac": "audio/flac", "ogg": "audio/ogg", "asf": "video/x-ms-asf",
    "avi": "video/x-msvideo", "flv": "video/x-flv", "dv": "video/dv",
    "matroska,webm": "video/x-matroska", "mov,mp4,m4a,3gp,3g2,mj2": "video/mp4",
}
_NOT_MEDIA_FORMATS = {"tty", "image2", "lrc", "srt", "ass", "webvtt", "subviewer"}


@dataclass
class Detection:
    """The content's type. ``category``: image | video | audio | pdf | text | other."""

    media_type: str
    category: str
    declared_type: str | None     # from the filename extension, None if unknown
    mismatch: bool                # extension and content disagree

    @property
    def declared_category(self) -> str:
        """The category the extension claims (``other`` when it claims nothing known)."""
        return category_of(self.declared_type) if self.declared_type else "other"


def category_of(media_type: str) -> str:
    """Media category of a MIME type: ``text`` is a Word, OpenDocument or plain-text
    document (other ``text/*`` types, e.g. CSV or HTML, are ``other``)."""
    if media_type == "application/pdf":
        return "pdf"
    if media_type in documents.TEXT_TYPES:
        return "text"
    head = media_type.split("/", 1)[0]
    return head if head in ("image", "video", "audio") else "other"


def declared_type(filename: str) -> str | None:
    """MIME type the filename's extension claims (stable table, not the host's)."""
    suffix = Path(filename).suffix.lower()
    if suffix in _EXTRA_TYPES:
        return _EXTRA_TYPES[suffix]
    guessed, _ = _mime_table().guess_type("x" + suffix, strict=False) if suffix else (None, None)
    return guessed


@functools.lru_cache(maxsize=1)
def _mime_table() -> mimetypes.MimeTypes:
    return mimetypes.MimeTypes()   # built-in table only: same answer on every host


def detect(path: Path, filename: str, *, probe_timeout: float = DETECT_PROBE_TIMEOUT) -> Detection:
    """Identify ``path`` from its content; ``filename`` only supplies the declared type.

    Never raises for unreadable media: unknown content is ``application/octet-stream``
    in category ``other``. ``probe_timeout`` (seconds) bounds each ffprobe call.
    """
    media_type = _sniff(Path(path), probe_timeout)
    declared = declared_type(filename)
    return Detection(media_type=media_type, category=category_of(media_type),
                     declared_type=declared, mismatch=_disagree(declared, media_type))


def _sniff(path: Path, probe_timeout: float) -> str:
    kind = filetype.guess(str(path))
    if kind is not None and kind.mime in _ZIP_KINDS:
        return documents.sniff_zip(path)
    if kind is not None:
        if kind.mime.startswith("video/"):
            return _refine_video(path, kind.mime, probe_timeout)
        return kind.mime
    if _has_pdf_header(path):
        return "application/pdf"
    text = documents.sniff_text(path)
    if text is not None:
        return text
    return _probe_type(path, probe_timeout) or UNKNOWN_TYPE


def _has_pdf_header(path: Path) -> bool:
    with open(path, "rb") as handle:
        return b"%PDF-" in handle.read(PDF_HEADER_WINDOW)


def _probe_streams(path: Path, timeout: float) -> dict | None:
    try:
        return media.probe(path, timeout)
    except ProcessingError:
        return None


def _has_moving_picture(info: dict) -> bool:
    return any(s.get("codec_type") == "video"
               and not (s.get("disposition") or {}).get("attached_pic")
               for s in info.get("streams", []))


def _refine_video(path: Path, mime: str, timeout: float) -> str:
    """A video container with only audio (and maybe cover art) is audio."""
    info = _probe_streams(path, timeout)
    if info is None or _has_moving_picture(info):
        return mime
    if not any(s.get("codec_type") == "audio" for s in info["streams"]):
        return mime
    return "audio/" + mime.split("/", 1)[1]


def _probe_type(path: Path, timeout: float) -> str | None:
    info = _probe_streams(path, timeout)
    if info is None:
        return None
    format_name = (info.get("format") or {}).get("format_name", "")
    if format_name in _NOT_MEDIA_FORMATS or format_name.endswith("_pipe"):
        return None
    has_audio = any(s.get("codec_type") == "audio" for s in info["streams"])
    category = "video" if _has_moving_picture(info) else "audio" if has_audio else None
    if category is None:
        return None
    known = _FFPROBE_TYPES.get(format_name, f"{category}/x-{format_name.split(',')[0]}")
    return f"{category}/{known.split('/', 1)[1]}"


def _family(media_type: str) -> str:
    if media_type.startswith("text/"):
        return "text"      # plain text under a .csv, .srt or .md name is what it says
    return _FAMILIES.get(media_type, media_type)


def _disagree(declared: str | None, detected: str) -> bool:
    """Mismatch when the name claims a type the content is not.

    Unknown content under a name that claims no media type (``notes.txt``) is no
    mismatch: we simply do not recognise it. Unknown content named ``.mp4`` is.
    """
    if declared is None:
        return False
    if detected == UNKNOWN_TYPE:
        return category_of(declared) != "other"
    return _family(declared) != _family(detected)
