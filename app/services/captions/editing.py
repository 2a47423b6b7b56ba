"""Caption and transcript tracks changed by people: a track's kind, language or
machine flag corrected (:func:`edit_track`), a track removed from its file
(:func:`remove_track`; the object stays, as every original's). Both are audited as
``track.edit`` / ``track.remove`` events, move the product's datestamp and mark it for
the index.
"""
from __future__ import annotations

from app.bootstrap import Kho
from app.services.access.actors import Actor
from app.services.captions.attaching import touch
from app.services.captions.naming import TrackOptions, language_code, language_codes
from app.services.captions.reading import load_track
from app.services.catalogue.products import write_lock
from app.services.search import indexing
from archive.base import utcnow
from archive.errors import ValidationError
from archive.models import Event


def edit_track(kho: Kho, actor: Actor, product_id: int, file_id: int, track_id: int,
               options: TrackOptions) -> None:
    """Change a track's kind, language or machine flag (what is None stays). Raises
    PermissionDenied, NotFound, ValidationError (an unknown language)."""
    actor.require("file.upload")
    with kho.transaction() as session:
        write_lock(session, product_id)
        product, media, track = load_track(session, actor, product_id, file_id, track_id)
        before = (track.kind, track.language, track.machine_generated)
        if options.kind is not None:
            track.kind = options.kind
        if options.language is not None:
            code = language_code(options.language, language_codes(session))
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
        touch(session, product)
    indexing.queue_flush(kho)


def remove_track(kho: Kho, actor: Actor, product_id: int, file_id: int, track_id: int) -> None:
    """Remove a track from its file (the object stays, as every original's; audited)."""
    actor.require("file.remove")
    with kho.transaction() as session:
        write_lock(session, product_id)
        product, media, track = load_track(session, actor, product_id, file_id, track_id)
        session.add(Event(product_id=product_id, file_id=file_id, action="track.remove",
                          detail=f"track {track_id}: {track.kind} ({track.language}) "
                          f"{track.original_filename} sha256={track.sha256}",
                          user_id=actor.user_id))
        media.tracks.remove(track)
        touch(session, product)
    indexing.queue_flush(kho)
