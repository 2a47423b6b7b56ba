"""A caption file received through the usual files endpoint, made a track of the
product's audio or video file.

A ``.vtt`` or ``.srt`` file is not a new file of the product: :func:`attach` makes it a
track of the audio or video file named like it (``ban-tin.vi.vtt`` → ``ban-tin.mp3``),
else of the only one, and refuses it otherwise, naming the candidates
(:func:`app.services.captions.naming.media_for`). The bytes are read by
:mod:`ingest.captions` first (every problem named by line; cues past the media's end
when its length is known), then stored as an original is — the same content-addressed
key, the same writer (primary and replica, the replica outbox when it does not answer)
— before the row commits, with a provenance event, the product's datestamp moved and
its index mark.

What a track is comes from, first to last: the uploader's options (API form fields),
the name (``.transcript.``, ``.captions.``, a language code, ``.auto.`` for machine
text), the WebVTT header (``Kind:``, ``Language:``), and defaults: a transcript for
sound, captions for a picture; the product's first language, else Vietnamese.

:func:`new_track` and :func:`touch` are shared with :mod:`.embedded` and
:mod:`.editing` (a track row built from a read file; the product marked changed).
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Optional

from sqlalchemy.orm import Session

from app.bootstrap import Kho
from app.services.access.actors import Actor
from app.services.captions.naming import (DEFAULT_LANGUAGE, KIND_WORDS, TrackOptions,
                                          duration_ms, language_code, language_codes,
                                          media_for, name_hints, visible_files)
from app.services.catalogue.products import load_product, load_visible, write_lock
from app.services.common import outbox
from app.services.preservation import replication
from app.services.search import indexing
from archive.base import utcnow
from archive.errors import NotFound, ValidationError
from archive.models import Event, File, Product
from archive.storage import original_key
from archive.text import fold
from archive.tracks import CaptionTrack
from ingest import captions as reader
from ingest.captions import CaptionFile

MAX_CAPTION_BYTES = 20 * 1024 * 1024      # a caption file larger than this is no caption file
DRAIN_RETRY_SECONDS = 60


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
    product, viewer = load_visible(session, actor, product_id)
    known = language_codes(session)
    hints = name_hints(filename, known)
    media = media_for(visible_files(viewer, product), filename, hints.stem)
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
    track = new_track(media, caption, target.kind, target.language, target.machine, source,
                      sha256, size, media_type, filename, key, actor.user_id, label)
    session.add(track)
    session.flush()
    session.add(Event(product_id=product_id, file_id=media.id, action="track.add",
                      tool="kho", detail=f"track {track.id}: {target.kind} "
                      f"({target.language}{', machine-generated' if target.machine else ''}) "
                      f"from {source} {filename}, {len(caption.cues)} cues, "
                      f"sha256={sha256} size={size} encoding={caption.encoding}",
                      user_id=actor.user_id))
    touch(session, product)
    return _attached(track, media)


def new_track(media: File, caption: CaptionFile, kind: str, language: str, machine: bool,
              source: str, sha256: str, size: int, media_type: str, filename: str, key: str,
              user_id: Optional[int], label: str = "") -> CaptionTrack:
    """A track row of ``media`` for a read caption file stored under ``key`` (``source``:
    ``upload`` or ``embedded``; ``label`` cut to 200 characters), not yet added."""
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


def touch(session: Session, product: Product) -> None:
    """The product changed (its record lists its tracks; its text is searched)."""
    product.updated_at = utcnow()
    indexing.mark(session, [product.id])


def _after_commit(kho: Kho, written: replication.Written) -> None:
    if written.deferred:
        outbox.best_effort(kho, lambda: replication.queue_drain(kho, delay=DRAIN_RETRY_SECONDS),
                           "the replica copy")
    indexing.queue_flush(kho)
