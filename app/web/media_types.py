"""A file's type in words: ``image/jpeg`` -> "Ảnh JPEG", ``audio/mpeg`` -> "Âm thanh
MP3", ``application/pdf`` -> "Tài liệu PDF".

People read the kind of thing and its format; the MIME type itself stays for
technicians, under "Chi tiết kỹ thuật". The formats are names (JPEG, MP3) and are not
translated; the kind of thing is said in the page's language.
"""
from __future__ import annotations

from flask_babel import gettext as _

UNKNOWN = "application/octet-stream"
# MIME type -> (kind of thing, format); the types ingest.detect gives and their aliases
FORMATS: dict[str, tuple[str, str]] = {
    **{f"image/{sub}": ("image", name) for sub, name in (
        ("jpeg", "JPEG"), ("jpg", "JPEG"), ("pjpeg", "JPEG"), ("png", "PNG"), ("gif", "GIF"),
        ("tiff", "TIFF"), ("webp", "WebP"), ("heic", "HEIC"), ("heif", "HEIC"),
        ("avif", "AVIF"), ("bmp", "BMP"), ("x-ms-bmp", "BMP"), ("svg+xml", "SVG"))},
    **{f"audio/{sub}": ("audio", name) for sub, name in (
        ("mpeg", "MP3"), ("mp3", "MP3"), ("wav", "WAV"), ("x-wav", "WAV"),
        ("vnd.wave", "WAV"), ("mp4", "M4A"), ("x-m4a", "M4A"), ("aac", "AAC"),
        ("x-aac", "AAC"), ("ogg", "Ogg"), ("opus", "Opus"), ("flac", "FLAC"),
        ("x-flac", "FLAC"), ("amr", "AMR"), ("x-ms-wma", "WMA"), ("webm", "WebM"),
        ("x-matroska", "MKA"), ("ac3", "AC-3"), ("eac3", "E-AC-3"))},
    **{f"video/{sub}": ("video", name) for sub, name in (
        ("mp4", "MP4"), ("x-m4v", "M4V"), ("quicktime", "MOV"), ("x-msvideo", "AVI"),
        ("webm", "WebM"), ("x-matroska", "MKV"), ("mpeg", "MPEG"), ("mp2t", "MPEG-TS"),
        ("3gpp", "3GP"), ("x-ms-wmv", "WMV"), ("x-ms-asf", "ASF"), ("x-flv", "FLV"),
        ("ogg", "Ogg"), ("dv", "DV"))},
    "application/pdf": ("document", "PDF"),
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document":
        ("document", "Word"),
    "application/msword": ("document", "Word"),
    "application/vnd.oasis.opendocument.text": ("document", "OpenDocument"),
    "application/rtf": ("document", "RTF"),
    "text/markdown": ("text", "Markdown"), "text/csv": ("text", "CSV"),
    "text/html": ("text", "HTML"), "text/xml": ("text", "XML"),
    "application/xml": ("text", "XML"), "application/json": ("text", "JSON"),
    "application/zip": ("archive", "ZIP"),
}


def _kinds() -> dict[str, str]:
    return {"image": _("%(format)s image"), "audio": _("%(format)s audio"),
            "video": _("%(format)s video"), "document": _("%(format)s document"),
            "text": _("%(format)s text"), "archive": _("%(format)s archive"),
            "file": _("%(format)s file")}


def media_type_words(media_type: str | None) -> str:
    """What a file of ``media_type`` is, as a label in the page's language: "Ảnh
    JPEG", "Âm thanh MP3", "Video MP4", "Tài liệu PDF", "Văn bản thuần"; a type
    without words of its own by its kind and subtype ("Ảnh XCF"), "Loại tệp không
    rõ" for none or ``application/octet-stream``."""
    media_type = (media_type or "").split(";", 1)[0].strip().lower()
    if not media_type or media_type == UNKNOWN or "/" not in media_type:
        return _("Unknown file type")
    if media_type == "text/plain":
        return _("Plain text")
    kind, name = FORMATS.get(media_type, ("", ""))
    if not kind:
        head, sub = media_type.split("/", 1)
        kind = head if head in ("image", "audio", "video", "text") else "file"
        name = sub.removeprefix("x-").removeprefix("vnd.").upper()
    return _kinds()[kind] % {"format": name}
