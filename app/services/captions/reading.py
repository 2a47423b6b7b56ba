"""Caption and transcript tracks read back: a track as WebVTT for a player or a download
(SRT converted), the file as received, and every track's cues for the transcript panel
— of the files the reader may see (a file stricter than its product: its tracks with
it; :func:`load_track` answers NotFound, the same as for a track that is not there).
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy.orm import Session

from app.bootstrap import Kho
from app.services.access.actors import Actor
from app.services.captions.naming import srclang, visible_files
from app.services.catalogue.products import load_visible
from app.services.common.clock import local_today
from archive.errors import NotFound
from archive.models import File, Product
from archive.tracks import CaptionTrack
from ingest import captions as reader
from ingest.captions import CaptionProblems


def load_track(session: Session, actor: Actor, product_id: int, file_id: int,
               track_id: int) -> tuple[Product, File, CaptionTrack]:
    """The track of a file ``actor`` may see (a file stricter than its product: its
    tracks with it); NotFound otherwise, the same as for a track that is not there."""
    product, viewer = load_visible(session, actor, product_id)
    media = next((f for f in visible_files(viewer, product) if f.id == file_id), None)
    track = next((t for t in media.tracks if t.id == track_id), None) if media else None
    if track is None:
        raise NotFound("no track %(id)s", field="track", id=track_id)
    return product, media, track


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
        product, media, track = load_track(session, actor, product_id, file_id, track_id)
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
    for the transcript panel, of the files ``actor`` may see. Raises NotFound as the
    product page."""
    with kho.transaction() as session:
        product, viewer = load_visible(session, actor, product_id, local_today(kho.settings))
        return {f.id: [{"id": t.id, "kind": t.kind, "language": t.language,
                        "machine_generated": t.machine_generated,
                        "cues": [{"start": c[0] / 1000, "end": c[1] / 1000, "text": c[2]}
                                 for c in t.cues or []]} for t in f.tracks]
                for f in visible_files(viewer, product) if f.tracks}
