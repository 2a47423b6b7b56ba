"""What a caption or transcript track is, before it is stored: the uploader's options
(:func:`parse_options`), what a file's name says (``ban-tin.transcript.vi.auto.vtt``:
:func:`name_hints`), language codes as the vocabulary spells them (``vi`` → ``vie``,
and back for a player's ``srclang``), and the audio or video file a caption file belongs
to (:func:`media_for`, among the files a viewer may see: :func:`visible_files`).

Read by :mod:`.attaching` (an upload), :mod:`.editing` (a changed kind or language),
:mod:`.embedded` (a video's subtitle streams) and the doors (which options a form or
request may carry, whether a received file is a caption file).
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Iterable, Optional

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.services.access.visibility import Viewer, facts_of, may_see_file
from app.services.common.parameters import parse_bool
from archive.errors import ValidationError
from archive.models import File, Product, Term
from archive.text import fold
from archive.tracks import TRACK_KINDS
from ingest import captions as reader

TIMED_CATEGORIES = ("audio", "video")
DEFAULT_LANGUAGE = "vie"
# two-letter and other common spellings of the vocabulary's ISO 639-3 codes
LANGUAGE_ALIASES = {"vi": "vie", "vn": "vie", "vi-vn": "vie", "en": "eng", "fr": "fra",
                    "zh": "zho", "km": "khm", "lo": "lao"}
KIND_WORDS = {"captions": "captions", "caption": "captions", "subtitles": "captions",
              "subtitle": "captions", "sub": "captions", "cc": "captions", "phude": "captions",
              "transcript": "transcript", "transcription": "transcript", "banghi": "transcript",
              "loi": "transcript"}
MACHINE_WORDS = ("auto", "machine", "asr", "stt", "may")
BCP47 = {"vie": "vi", "eng": "en", "fra": "fr", "zho": "zh", "khm": "km", "lao": "lo"}


@dataclass(frozen=True)
class TrackOptions:
    """What the uploader says of a track (None: not said)."""

    kind: Optional[str] = None
    language: Optional[str] = None
    machine_generated: Optional[bool] = None


def is_caption_name(filename: str) -> bool:
    """Whether a received file is a caption file by its name (``.vtt``, ``.srt``)."""
    return reader.format_of(filename) is not None


def parse_options(kind: Any = None, language: Any = None,
                  machine_generated: Any = None) -> TrackOptions:
    """Options a door hands over (form fields, JSON), checked. Raises ValidationError
    naming the field: a kind other than captions/transcript, a flag not yes/no. The
    language is checked against the vocabulary when the track is attached."""
    kind = str(kind).strip().lower() if kind not in (None, "") else None
    if kind is not None and kind not in TRACK_KINDS:
        raise ValidationError("the kind of track must be one of %(kinds)s",
                              field="track_kind", kinds=", ".join(TRACK_KINDS))
    flag = None
    if machine_generated not in (None, ""):
        try:
            flag = parse_bool(machine_generated)
        except ValueError:
            raise ValidationError("%(value)s is not yes or no", field="machine_generated",
                                  value=str(machine_generated)[:20]) from None
    language = str(language).strip() if language not in (None, "") else None
    return TrackOptions(kind, language, flag)


def language_codes(session: Session) -> set[str]:
    """The codes of the languages vocabulary (``vie``, ``eng``, …)."""
    return set(session.scalars(select(Term.code).where(Term.vocabulary == "language")))


def language_code(value: Optional[str], known: set[str]) -> Optional[str]:
    """A vocabulary code for ``vi``, ``vi-VN``, ``vie``, ``VIE`` …; None when unknown."""
    if not value:
        return None
    text = value.strip().lower().replace("_", "-")
    for candidate in (text, LANGUAGE_ALIASES.get(text), text.split("-")[0],
                      LANGUAGE_ALIASES.get(text.split("-")[0])):
        if candidate and candidate in known:
            return candidate
    return None


def srclang(code: str) -> str:
    """The BCP 47 tag a ``<track srclang>`` takes for a vocabulary code (``vie`` → ``vi``)."""
    return BCP47.get(code, code) or "und"


@dataclass(frozen=True)
class NameHints:
    """What a caption file's name says: the media file's name without its ending
    (``stem``), and a kind, language or machine flag it carries."""

    stem: str
    kind: Optional[str] = None
    language: Optional[str] = None
    machine: bool = False


def name_hints(filename: str, known: set[str]) -> NameHints:
    """``ban-tin.transcript.vi.auto.vtt`` → stem ``ban-tin``, transcript, ``vie``,
    machine-generated. Parts after the first dot are read from the end while they are
    hints; the rest is the stem."""
    base = filename.rsplit(".", 1)[0]
    parts = base.split(".")
    kind = language = None
    machine = False
    while len(parts) > 1:
        word = fold(parts[-1]).replace(" ", "").replace("-", "")
        code = language_code(parts[-1], known)
        if word in KIND_WORDS and kind is None:
            kind = KIND_WORDS[word]
        elif word in MACHINE_WORDS:
            machine = True
        elif code is not None and language is None:
            language = code
        else:
            break
        parts.pop()
    return NameHints(".".join(parts), kind, language, machine)


def _stem_of(name: str) -> str:
    return fold(name.rsplit(".", 1)[0] if "." in name else name).strip()


def media_for(files: Iterable[File], filename: str, stem: str) -> File:
    """The audio or video file a caption file belongs to: the one named like it, else
    the only one. Raises ValidationError naming what there is."""
    timed = [f for f in files if f.category in TIMED_CATEGORIES]
    if not timed:
        raise ValidationError("%(file)s is a caption file, but this product has no audio or "
                              "video file yet: add the audio or video first, then its "
                              "captions", field="file", file=filename)
    wanted = fold(stem).strip()
    named = [f for f in timed if _stem_of(f.original_filename) == wanted]
    if len(named) >= 1:
        return named[-1]          # the latest of that name (a re-upload)
    if len(timed) == 1:
        return timed[0]
    raise ValidationError("%(file)s is not named like any audio or video file of this "
                          "product (%(names)s): name it after the one it belongs to, as "
                          "%(example)s", field="file", file=filename,
                          names=", ".join(f.original_filename for f in timed),
                          example=f"{timed[0].original_filename.rsplit('.', 1)[0]}.vi.vtt")


def duration_ms(media: File) -> Optional[int]:
    """The media file's length in milliseconds, None until processing measured it."""
    seconds = (media.technical or {}).get("duration_s")
    return int(seconds * 1000) if isinstance(seconds, (int, float)) and seconds > 0 else None


def visible_files(viewer: Viewer, product: Product) -> list[File]:
    """The files of a loaded product ``viewer`` may see (a file may be stricter)."""
    facts = facts_of(product)
    return [f for f in product.files if may_see_file(viewer, facts, f.access_level)]
