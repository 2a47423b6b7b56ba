"""A file's technical metadata as people read it, and its downloads with their labels.

Ingest stores facts as numbers and tool words (``duration_s``, ``codec: "h264"``,
``sample_rate_hz``, ``dpi``, ``pages``; see :mod:`ingest.media`, :mod:`ingest.images`,
:mod:`ingest.pdf`). :func:`file_facts` says them in the reader's language
("4 phút 05 giây", "1920 × 1080", "H.264", "44,1 kHz", "12 trang"), for everyone;
:func:`technical_rows` keeps what only producers and admins need (SHA-256, MIME types,
containers, bit rates), shown folded under "Chi tiết kỹ thuật".
"""
from __future__ import annotations

from typing import Any

from flask_babel import gettext as _
from flask_babel import lazy_gettext

from app.services.catalogue.product_view import extension_for
from app.web.formatting import duration, filesize, number
from app.web.media_types import UNKNOWN, media_type_words

# rendition name -> what the download is called (capitalised, in both languages)
RENDITION_LABELS = {
    "broadcast": lazy_gettext("Broadcast MP3"),
    "lowband": lazy_gettext("Web preview MP3"),
    "proxy": lazy_gettext("Web preview video"),
    "preview": lazy_gettext("Preview image"),
    "poster": lazy_gettext("Poster image"),
    "text": lazy_gettext("Extracted text"),
    "thumbnail": lazy_gettext("Thumbnail"),
    "waveform": lazy_gettext("Waveform"),
}
# pictures of the file shown on the page, not offered as downloads
NOT_DOWNLOADS = frozenset({"waveform", "thumbnail"})
DOWNLOAD_ORDER = ("broadcast", "lowband", "proxy", "text", "preview", "poster")

CODECS = {
    "h264": "H.264", "hevc": "H.265 (HEVC)", "vp8": "VP8", "vp9": "VP9", "av1": "AV1",
    "mpeg4": "MPEG-4", "mpeg2video": "MPEG-2", "mpeg1video": "MPEG-1", "prores": "ProRes",
    "mjpeg": "Motion JPEG", "dvvideo": "DV", "theora": "Theora", "wmv2": "WMV",
    "aac": "AAC", "mp3": "MP3", "mp2": "MP2", "opus": "Opus", "vorbis": "Vorbis",
    "flac": "FLAC", "alac": "ALAC", "ac3": "AC-3", "eac3": "E-AC-3", "wmav2": "WMA",
    "amr_nb": "AMR", "pcm_s16le": "PCM 16 bit", "pcm_s24le": "PCM 24 bit",
    "pcm_s32le": "PCM 32 bit", "pcm_f32le": "PCM 32 bit float", "pcm_u8": "PCM 8 bit",
    "pcm_s16be": "PCM 16 bit",
}
PAPER_MM = {"A3": (297, 420), "A4": (210, 297), "A5": (148, 210), "Letter": (216, 279),
            "Legal": (216, 356)}
PAPER_TOLERANCE_MM = 3


def codec_name(code: str | None) -> str:
    """``h264`` -> ``H.264``; an unknown codec in capitals."""
    if not code:
        return ""
    return CODECS.get(code, code.upper())


def rendition_label(name: str) -> str:
    """What a rendition is called on the page (``broadcast`` -> "Broadcast MP3")."""
    found = RENDITION_LABELS.get(name)
    return str(found) if found is not None else name.replace("-", " ").capitalize()


def _in_sentence(label: str) -> str:
    """A type label as a sentence goes on: "Ảnh JPEG" -> "ảnh JPEG", "Plain text" ->
    "plain text"; a label opening with a format's name ("JPEG image") stays."""
    if len(label) > 1 and label[0].isupper() and label[1].islower():
        return label[0].lower() + label[1:]
    return label


_DOCUMENT_TYPES = frozenset({
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "application/msword", "application/vnd.oasis.opendocument.text"})


def _kind_of(media_type: str | None) -> str:
    """image | video | audio | pdf | text (documents too) | other, for "the same kind
    of thing" (a PNG named .jpg is still an image)."""
    media_type = media_type or ""
    head = media_type.split("/", 1)[0]
    if media_type == "application/pdf":
        return "pdf"
    if head == "text" or media_type in _DOCUMENT_TYPES:
        return "text"
    return head if head in ("image", "video", "audio") else "other"


def type_mismatch(file: dict[str, Any]) -> dict[str, Any] | None:
    """What a file whose name and content disagree really is, and what that means, or
    None when they agree. ``text``: "The name ends in .jpg, which means JPEG image, but
    the content is really plain text. Kho keeps it as plain text." (the types as
    :func:`~app.web.media_types.media_type_words` says them); ``same_kind``: both
    are the same kind of thing (a PNG named .jpg: "It works as it is: nothing to do.").
    ``file`` is a file view (``original_filename``, ``media_type``, ``declared_type``,
    ``type_mismatch``)."""
    if not file.get("type_mismatch"):
        return None
    name = file.get("original_filename") or ""
    ext = name.rsplit(".", 1)[-1] if "." in name else ""
    media_type, declared = file.get("media_type") or UNKNOWN, file.get("declared_type")
    found = _in_sentence(media_type_words(media_type))
    means = _in_sentence(media_type_words(declared)) if declared else ""
    if media_type == UNKNOWN:
        first = _("The name ends in .%(ext)s, which means %(declared)s, but Kho does not "
                  "recognise the content.", ext=ext, declared=means) if ext and declared \
            else _("Kho does not recognise the content.")
        return {"text": f"{first} {_('Kho keeps it as it is.')}", "same_kind": False}
    first = _("The name ends in .%(ext)s, which means %(declared)s, but the content is "
              "really %(found)s.", ext=ext, declared=means, found=found) \
        if ext and declared else _("The content is really %(found)s.", found=found)
    same_kind = bool(declared) and _kind_of(declared) == _kind_of(media_type) != "other"
    second = _("It works as it is: nothing to do.") if same_kind \
        else _("Kho keeps it as %(found)s.", found=found)
    return {"text": f"{first} {second}", "same_kind": same_kind}


def original_extension(file: dict[str, Any]) -> str:
    """The ending the original's download takes: the name's, unless the content is
    something else (a text file named .jpg is offered as .txt; "" when Kho has no
    ending for what it is)."""
    if file.get("type_mismatch"):
        ext = extension_for("", (file.get("media_type") or "").split(";", 1)[0].strip())
        return "" if ext == "bin" else ext
    name = file["original_filename"]
    return name.rsplit(".", 1)[-1] if "." in name else ""


def downloads(file: dict[str, Any]) -> list[dict[str, Any]]:
    """The file's downloads, original first: ``name`` (rendition), ``label``, ``size``
    (human), ``media_type``. Pictures of the file (waveform, thumbnail) are left out.
    The original is labelled with what it really is ("Bản gốc TXT" for a text file
    named .jpg)."""
    ext = original_extension(file).upper()
    found = [{"name": "original",
              "label": _("Original %(format)s", format=ext) if 0 < len(ext) <= 5
              else _("Original"),
              "size": filesize(file["size"]), "media_type": file["media_type"]}]
    order = {name: i for i, name in enumerate(DOWNLOAD_ORDER)}
    for r in sorted(file["renditions"], key=lambda r: (order.get(r["name"], 99), r["name"])):
        if r["name"] in NOT_DOWNLOADS:
            continue
        found.append({"name": r["name"], "label": rendition_label(r["name"]),
                      "size": filesize(r["size"]), "media_type": r["media_type"]})
    return found


def _channels(count: int | None) -> str:
    if not count:
        return ""
    if count == 1:
        return _("mono")
    if count == 2:
        return _("stereo")
    return _("%(n)s channels", n=count)


def _hertz(value: int | None) -> str:
    if not value:
        return ""
    if value % 1000 == 0:
        return f"{number(value // 1000)} kHz"
    return f"{number(value / 1000, '#,##0.##')} kHz"


def _bit_rate(value: int | None) -> str:
    return f"{number(round(value / 1000))} kbit/s" if value else ""


def _paper(width_mm: float, height_mm: float) -> str:
    short, long_ = sorted((width_mm, height_mm))
    for name, (a, b) in PAPER_MM.items():
        if abs(short - a) <= PAPER_TOLERANCE_MM and abs(long_ - b) <= PAPER_TOLERANCE_MM:
            return name
    return ""


def _joined(*parts: str) -> str:
    return ", ".join(p for p in parts if p)


def file_facts(file: dict[str, Any]) -> list[tuple[str, str]]:
    """(label, value) pairs a listener or reader understands, in the page's language:
    the file type in words ("Âm thanh WAV"), duration, picture size, codecs, sample
    rate, channels, DPI, pages, paper size, words (text documents)."""
    tech = file.get("technical") or {}
    facts: list[tuple[str, str]] = []
    if file.get("media_type"):
        facts.append((_("File type"), media_type_words(file["media_type"])))
    if tech.get("duration_s"):
        facts.append((_("Duration"), duration(tech["duration_s"])))
    video = tech.get("video") if isinstance(tech.get("video"), dict) else None
    if video:
        width = video.get("display_width") or video.get("width")
        height = video.get("display_height") or video.get("height")
        if width and height:
            facts.append((_("Picture"), f"{width} × {height}"))
        fps = _("%(n)s frames/s", n=number(video["fps"], "#,##0.##")) \
            if video.get("fps") else ""
        facts.append((_("Video"), _joined(codec_name(video.get("codec")), fps)))
    audio = tech.get("audio") if isinstance(tech.get("audio"), dict) else None
    if audio:
        facts.append((_("Sound"), _joined(codec_name(audio.get("codec")),
                                           _hertz(audio.get("sample_rate_hz")),
                                           _channels(audio.get("channels")))))
    if file.get("category") == "image" and tech.get("width") and tech.get("height"):
        facts.append((_("Picture"), f"{tech['width']} × {tech['height']} px"))
        dpi = tech.get("dpi")
        if isinstance(dpi, list) and dpi and dpi[0]:
            values = {round(v) for v in dpi if v}
            facts.append((_("Resolution"), " × ".join(str(v) for v in sorted(values))
                          + " dpi"))
    if isinstance(tech.get("pages"), int):
        facts.append((_("Page count"), number(tech["pages"])))
        if tech.get("page_width_mm") and tech.get("page_height_mm"):
            width_mm, height_mm = tech["page_width_mm"], tech["page_height_mm"]
            size = f"{number(round(width_mm))} × {number(round(height_mm))} mm"
            paper = _paper(width_mm, height_mm)
            facts.append((_("Page size"), f"{paper} ({size})" if paper else size))
    if isinstance(tech.get("words"), int) and tech["words"] > 0:
        facts.append((_("Words"), number(tech["words"])))
    return [(label, value) for label, value in facts if value]


def technical_rows(file: dict[str, Any]) -> list[tuple[str, str]]:
    """(label, value) pairs for producers and admins: content type, SHA-256, exact size,
    container, codec profiles, bit rates, PDF producer, renditions' types."""
    tech = file.get("technical") or {}
    rows = [(_("MIME type"), file["media_type"]), ("SHA-256", file["sha256"]),
            (_("Size"), _("%(n)s bytes", n=number(file["size"])))]
    if file.get("declared_type") and file.get("type_mismatch"):
        rows.append((_("Type the name says"), file["declared_type"]))
    if tech.get("container"):
        rows.append((_("Container"), str(tech["container"])))
    if tech.get("bit_rate_bps"):
        rows.append((_("Bit rate"), _bit_rate(tech["bit_rate_bps"])))
    video = tech.get("video") if isinstance(tech.get("video"), dict) else None
    if video:
        rows.append((_("Video stream"), _joined(
            video.get("codec") or "", video.get("profile") or "", video.get("pix_fmt") or "",
            f"{video.get('width')} × {video.get('height')}" if video.get("width") else "",
            _bit_rate(video.get("bit_rate_bps")))))
    audio = tech.get("audio") if isinstance(tech.get("audio"), dict) else None
    if audio:
        rows.append((_("Audio stream"), _joined(
            audio.get("codec") or "", audio.get("channel_layout") or "",
            f"{audio['sample_rate_hz']} Hz" if audio.get("sample_rate_hz") else "",
            _bit_rate(audio.get("bit_rate_bps")))))
    if file.get("category") == "image":
        rows.append((_("Image format"), _joined(str(tech.get("format") or ""),
                                                str(tech.get("mode") or ""))))
    if tech.get("encoding"):
        rows.append((_("Text encoding"), str(tech["encoding"])))
    info = tech.get("info") if isinstance(tech.get("info"), dict) else {}
    for key, label in (("producer", _("Made with")), ("creator", _("Created in"))):
        if info.get(key):
            rows.append((label, str(info[key])))
    for r in file.get("renditions") or []:
        rows.append((rendition_label(r["name"]),
                     f"{media_type_words(r['media_type'])} ({r['media_type']}) · "
                     f"{_('%(n)s bytes', n=number(r['size']))}"))
    return [(label, value) for label, value in rows if value]
