"""Subtitle streams inside a video, and cues checked against the media's length — the
processing job's part of captions.

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
from typing import Any

from sqlalchemy.orm import Session

from app.bootstrap import Kho
from app.services.captions.attaching import new_track
from app.services.captions.naming import (DEFAULT_LANGUAGE, duration_ms, language_code,
                                          language_codes)
from app.services.preservation import replication
from archive.base import utcnow
from archive.models import Event, File
from archive.storage import original_key
from ingest import captions as reader
from ingest.captions import CaptionFile, CaptionProblems

log = logging.getLogger("kho.captions")


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
    known = language_codes(session)
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
        track = new_track(media, item.caption, kind, language, False, "embedded",
                          item.sha256, item.size, "text/vtt", name, item.key, None,
                          item.label)
        session.add(track)
        session.flush()
        have.add(item.sha256)
        session.add(Event(product_id=media.product_id, file_id=media.id, action="track.extract",
                          tool="ffmpeg", detail=f"track {track.id}: {kind} ({language}) from "
                          f"subtitle {item.path_name}, {len(item.caption.cues)} cues, "
                          f"sha256={item.sha256}"))
