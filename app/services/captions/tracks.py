"""Caption and transcript tracks: attached on upload, extracted at processing, read back.

A ``.vtt`` or ``.srt`` file sent through the usual files endpoint is not a new file of
the product: :func:`attach` makes it a track of the product's audio or video file named
like it (``ban-tin.vi.vtt`` → ``ban-tin.mp3``), else of the only one, and refuses it
otherwise, naming the candidates. The bytes are read by :mod:`ingest.captions` first
(every problem named by line; cues past the media's end when its length is known),
then stored as an original is — the same content-addressed key, the same writer
(primary and replica, the replica outbox when it does not answer) — before the row
commits, with a provenance event, the product's datestamp moved and its index mark.

What a track is comes from, first to last: the uploader's options (API form fields),
the name (``.transcript.``, ``.captions.``, a language code, ``.auto.`` for machine
text), the WebVTT header (``Kind:``, ``Language:``), and defaults: a transcript for
sound, captions for a picture; the product's first language, else Vietnamese.

A subtitle stream inside a video (MP4 ``mov_text``, MKV SubRip/ASS/WebVTT) is
extracted by the processing job (``ingest.video``) and recorded here
(:func:`store_embedded` writes the objects, :func:`record_embedded` the rows in the
job's transaction); once the media's length is known, :func:`check_lengths` notes the
cues of uploaded tracks that end after it.
"""
from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterable, Optional

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.bootstrap import Kho
from app.services.access.actors import Actor
from app.services.catalogue.products import load_product, write_lock
from app.services.common import outbox
from app.services.common.parameters import parse_bool
from app.services.preservation import replication
from app.services.search import indexing
from archive.base import utcnow
from archive.errors import NotFound, ValidationError
from archive.models import Event, File, Product, Term
from archive.storage import original_key
from archive.text import fold
from archive.tracks import TRACK_KINDS, CaptionTrack
from ingest import captions as reader
from ingest.captions import CaptionFile, CaptionProblems

log = logging.getLogger("kho.captions")

MAX_CAPTION_BYTES = 20 * 1024 * 1024      # a caption file larger than this is no caption file
DRAIN_RETRY_SECONDS = 60
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


@dataclass(frozen=True)
class TrackAttached:
    """One caption file received: the track (``track_id``) of the media file
    ``file_id`` (named ``file_name``), what it was recorded as, how many cues it has;
    ``duplicate`` when that media file already had this very file (nothing added)."""

    track_id: int
    file_id: int
    file_name: str
    kind: str
    language: str
    machine_generated: bool
    cues: int
    sha256: str
    size: int
    media_type: str
    filename: str
    duplicate: bool = False


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


def _language_codes(session: Session) -> set[str]:
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


@dataclass(frozen=True)
class _Target:
    file_id: int
    file_name: str
    category: str
    duration_ms: Optional[int]
    kind: str
    language: str
    machine: bool


def _resolve(session: Session, actor: Actor, product_id: int, filename: str,
             options: TrackOptions, header: Optional[CaptionFile] = None) -> _Target:
    product = load_product(session, actor, product_id)
    known = _language_codes(session)
    hints = name_hints(filename, known)
    media = media_for(product.files, filename, hints.stem)
    language = hints.language
    if options.language is not None:
        language = language_code(options.language, known)
        if language is None:
            raise ValidationError("unknown language %(code)s: use a code of the languages "
                                  "vocabulary", field="track_language", code=options.language)
    if language is None and header is not None:
        language = language_code(header.language, known)
    if language is None:
        language = next(iter(product.codes_of("language")), None) or DEFAULT_LANGUAGE
    said = KIND_WORDS.get(fold(header.kind).replace(" ", "")) if header is not None else None
    kind = options.kind or hints.kind or said \
        or ("captions" if media.category == "video" else "transcript")
    machine = options.machine_generated if options.machine_generated is not None \
        else hints.machine
    return _Target(media.id, media.original_filename, media.category, duration_ms(media),
                   kind, language, machine)


def attach(kho: Kho, actor: Actor, product_id: int, path: Path, sha256: str, size: int,
           filename: str, options: TrackOptions = TrackOptions()) -> TrackAttached:
    """Attach the caption file at ``path`` (spooled and hashed by the caller) to the
    product's matching audio or video file. Raises PermissionDenied, NotFound (product),
    ValidationError (no matching media file, a bad option, an empty or oversized file),
    :class:`ingest.captions.CaptionProblems` (the file's problems by line)."""
    actor.require("file.upload")
    if size == 0:
        raise ValidationError("%(file)s is empty", field="file", file=filename)
    if size > MAX_CAPTION_BYTES:
        raise ValidationError("%(file)s is too large for a caption file", field="file",
                              file=filename)
    data = path.read_bytes()
    with kho.transaction() as session:
        target = _resolve(session, actor, product_id, filename, options)
    caption = reader.read_captions(data, filename, duration_ms=target.duration_ms,
                                   legacy=reader.legacy_converter())
    with kho.transaction() as session:     # the header may name the language or kind
        target = _resolve(session, actor, product_id, filename, options, caption)
    media_type = reader.MEDIA_TYPES[caption.format]
    key = original_key(sha256)
    written = replication.write_original(kho, key, sha256, path, media_type)
    with kho.transaction() as session:
        attached = _record(session, actor, product_id, target, caption, key, sha256, size,
                           media_type, filename, written)
    _after_commit(kho, written)
    return attached


def _record(session: Session, actor: Actor, product_id: int, target: _Target,
            caption: CaptionFile, key: str, sha256: str, size: int, media_type: str,
            filename: str, written: replication.Written, source: str = "upload",
            label: str = "") -> TrackAttached:
    write_lock(session, product_id)
    product = load_product(session, actor, product_id)
    media = next((f for f in product.files if f.id == target.file_id), None)
    if media is None:
        raise NotFound("no file %(id)s", field="file_id", id=target.file_id)
    if written.deferred:
        replication.defer_copy(session, key, sha256, written.deferred)
    same = next((t for t in media.tracks if t.sha256 == sha256), None)
    if same is not None:
        return _attached(same, media, duplicate=True)
    track = _new_track(media, caption, target.kind, target.language, target.machine, source,
                       sha256, size, media_type, filename, key, actor.user_id, label)
    session.add(track)
    session.flush()
    session.add(Event(product_id=product_id, file_id=media.id, action="track.add",
                      tool="kho", detail=f"track {track.id}: {target.kind} "
                      f"({target.language}{', machine-generated' if target.machine else ''}) "
                      f"from {source} {filename}, {len(caption.cues)} cues, "
                      f"sha256={sha256} size={size} encoding={caption.encoding}",
                      user_id=actor.user_id))
    _touch(session, product)
    return _attached(track, media)


def _new_track(media: File, caption: CaptionFile, kind: str, language: str, machine: bool,
               source: str, sha256: str, size: int, media_type: str, filename: str, key: str,
               user_id: Optional[int], label: str = "") -> CaptionTrack:
    return CaptionTrack(file=media, kind=kind, language=language, label=label[:200],
                        machine_generated=machine, source=source, sha256=sha256, size=size,
                        media_type=media_type, original_filename=filename, storage_key=key,
                        encoding=caption.encoding,
                        cues=[[c.start_ms, c.end_ms, c.text, c.line] for c in caption.cues],
                        problems=[], created_by_id=user_id)


def _attached(track: CaptionTrack, media: File, duplicate: bool = False) -> TrackAttached:
    return TrackAttached(track.id, media.id, media.original_filename, track.kind,
                         track.language, track.machine_generated, len(track.cues or []),
                         track.sha256, track.size, track.media_type, track.original_filename,
                         duplicate)


def _touch(session: Session, product: Product) -> None:
    """The product changed (its record lists its tracks; its text is searched)."""
    product.updated_at = utcnow()
    indexing.mark(session, [product.id])


def _after_commit(kho: Kho, written: replication.Written) -> None:
    if written.deferred:
        outbox.best_effort(kho, lambda: replication.queue_drain(kho, delay=DRAIN_RETRY_SECONDS),
                           "the replica copy")
    indexing.queue_flush(kho)


# --- editing -------------------------------------------------------------------------

def _load_track(session: Session, actor: Actor, product_id: int, file_id: int,
                track_id: int) -> tuple[Product, File, CaptionTrack]:
    product = load_product(session, actor, product_id)
    media = next((f for f in product.files if f.id == file_id), None)
    track = next((t for t in media.tracks if t.id == track_id), None) if media else None
    if track is None:
        raise NotFound("no track %(id)s", field="track", id=track_id)
    return product, media, track


def edit_track(kho: Kho, actor: Actor, product_id: int, file_id: int, track_id: int,
               options: TrackOptions) -> None:
    """Change a track's kind, language or machine flag (what is None stays). Raises
    PermissionDenied, NotFound, ValidationError (an unknown language)."""
    actor.require("file.upload")
    with kho.transaction() as session:
        write_lock(session, product_id)
        product, media, track = _load_track(session, actor, product_id, file_id, track_id)
        before = (track.kind, track.language, track.machine_generated)
        if options.kind is not None:
            track.kind = options.kind
        if options.language is not None:
            code = language_code(options.language, _language_codes(session))
            if code is None:
                raise ValidationError("unknown language %(code)s: use a code of the "
                                      "languages vocabulary", field="track_language",
                                      code=options.language)
            track.language = code
        if options.machine_generated is not None:
            track.machine_generated = options.machine_generated
        after = (track.kind, track.language, track.machine_generated)
        if after == before:
            return
        track.updated_at = utcnow()
        session.add(Event(product_id=product_id, file_id=file_id, action="track.edit",
                          detail=f"track {track_id}: {before} -> {after}",
                          user_id=actor.user_id))
        _touch(session, product)
    indexing.queue_flush(kho)


def remove_track(kho: Kho, actor: Actor, product_id: int, file_id: int, track_id: int) -> None:
    """Remove a track from its file (the object stays, as every original's; audited)."""
    actor.require("file.remove")
    with kho.transaction() as session:
        write_lock(session, product_id)
        product, media, track = _load_track(session, actor, product_id, file_id, track_id)
        session.add(Event(product_id=product_id, file_id=file_id, action="track.remove",
                          detail=f"track {track_id}: {track.kind} ({track.language}) "
                          f"{track.original_filename} sha256={track.sha256}",
                          user_id=actor.user_id))
        media.tracks.remove(track)
        _touch(session, product)
    indexing.queue_flush(kho)


# --- reading -------------------------------------------------------------------------

@dataclass(frozen=True)
class TrackText:
    """A track's text for a player or a download: ``text`` (WebVTT, UTF-8), or the
    bytes as received (``original``) with their name and type."""

    filename: str
    media_type: str
    body: bytes
    sha256: str


def open_track(kho: Kho, actor: Actor, product_id: int, file_id: int, track_id: int,
               *, original: bool = False) -> TrackText:
    """A track as WebVTT (SRT converted; what ``<track>`` loads and commune staff
    download), or the file as received (``original``). Every role that sees the product
    may read it. Raises NotFound."""
    with kho.transaction() as session:
        product, media, track = _load_track(session, actor, product_id, file_id, track_id)
        key, name, media_type, sha = (track.storage_key, track.original_filename,
                                      track.media_type, track.sha256)
        stem = f"{product.id}-{media.id}-{track.id}-{track.kind}-{srclang(track.language)}"
    data = b"".join(kho.storage.stream(key))
    if original:
        return TrackText(name, media_type, data, sha)
    try:
        text = reader.to_webvtt(data, name, legacy=reader.legacy_converter())
    except CaptionProblems:
        raise NotFound("track %(id)s cannot be read", field="track", id=track_id) from None
    return TrackText(f"{stem}.vtt", "text/vtt; charset=utf-8", text.encode("utf-8"), sha)


def tracks_with_cues(kho: Kho, actor: Actor, product_id: int) -> dict[int, list[dict[str, Any]]]:
    """file id -> its tracks with their cues (``[{"start": s, "end": s, "text"}]``),
    for the transcript panel. Raises NotFound as the product page."""
    with kho.transaction() as session:
        product = load_product(session, actor, product_id)
        return {f.id: [{"id": t.id, "kind": t.kind, "language": t.language,
                        "machine_generated": t.machine_generated,
                        "cues": [{"start": c[0] / 1000, "end": c[1] / 1000, "text": c[2]}
                                 for c in t.cues or []]} for t in f.tracks]
                for f in product.files if f.tracks}


# --- processing ----------------------------------------------------------------------

def check_lengths(session: Session, media: File) -> None:
    """In the processing job's transaction, once ``media``'s length is known: note on
    each of its tracks the cues that end after it (they were accepted before the length
    was known), or clear what an earlier check noted."""
    length = duration_ms(media)
    for track in media.tracks:
        cues = [reader.Cue(c[0], c[1], c[2], c[3] if len(c) > 3 else 0)
                for c in track.cues or []]
        found = [reader.as_stored(p) for p in reader.past_the_end(cues, length)]
        if found != list(track.problems or []):
            track.problems = found
            track.updated_at = utcnow()


@dataclass(frozen=True)
class Embedded:
    """A subtitle stream extracted from a video and stored: its object and what the
    stream said of itself."""

    path_name: str
    caption: CaptionFile
    sha256: str
    size: int
    key: str
    language: str
    label: str
    written: replication.Written


def store_embedded(kho: Kho, streams: list[dict[str, Any]]) -> list[Embedded]:
    """Read and store the WebVTT files the processing step extracted (``streams``:
    ``{"path", "sha256", "language", "title", "index"}``) as originals; a stream that
    cannot be read is logged and left out (the video itself is fine)."""
    stored = []
    for stream in streams:
        path = Path(stream["path"])
        name = f"stream-{stream['index']}.vtt"
        try:
            caption = reader.read_captions(path.read_bytes(), name)
        except CaptionProblems as exc:
            log.info("subtitle stream %s not kept: %s", stream["index"], exc)
            continue
        key = original_key(stream["sha256"])
        written = replication.write_original(kho, key, stream["sha256"], path, "text/vtt")
        stored.append(Embedded(name, caption, stream["sha256"], path.stat().st_size, key,
                               stream.get("language") or "", stream.get("title") or "",
                               written))
    return stored


def record_embedded(kho: Kho, session: Session, media: File, found: list[Embedded]) -> None:
    """In the processing job's transaction: a track for each stored stream the file does
    not have yet (a retry adds none twice), marked ``embedded``, with an event."""
    if not found:
        return
    known = _language_codes(session)
    have = {t.sha256 for t in media.tracks}
    for item in found:
        if item.written.deferred:
            replication.defer_copy(session, item.key, item.sha256, item.written.deferred)
        if item.sha256 in have:
            continue
        language = language_code(item.language, known) or \
            next(iter(media.product.codes_of("language")), None) or DEFAULT_LANGUAGE
        kind = "transcript" if media.category == "audio" else "captions"
        name = f"{media.original_filename.rsplit('.', 1)[0]}.{item.path_name}"
        track = _new_track(media, item.caption, kind, language, False, "embedded",
                           item.sha256, item.size, "text/vtt", name, item.key, None,
                           item.label)
        session.add(track)
        session.flush()
        have.add(item.sha256)
        session.add(Event(product_id=media.product_id, file_id=media.id, action="track.extract",
                          tool="ffmpeg", detail=f"track {track.id}: {kind} ({language}) from "
                          f"subtitle {item.path_name}, {len(item.caption.cues)} cues, "
                          f"sha256={item.sha256}"))
