"""An uploaded original stored for the row that owns it: a consent's scanned form
(:mod:`app.services.catalogue.consents`), an activity's evidence file
(:mod:`app.services.activities.evidence`).

The steps are the ones every original takes (the order of effects: object, then row):
the bytes are spooled and hashed (SHA-256) in one pass — or the spool file the web
framework's parser already wrote is taken — refused when empty, their type detected,
written under the content-addressed key (:func:`archive.storage.original_key`) to the
primary store and the replica (:func:`app.services.preservation.replication.write_original`),
and only then recorded by the caller, whose transaction also records what the writer
repaired and the replica copy it deferred (:meth:`StoredOriginal.record_copies`). The
spool file is removed whatever happens; a deferred replica copy is drained later.

Why here and not in ``common/``: the writer, the outbox of replica copies and the
fixity states are preservation's, and ``common`` is the lowest area (it imports no
other; the ``service-areas`` contract in ``setup.cfg``). ``preservation`` is the lowest
area that may import them, and it lies below both callers (``catalogue``,
``activities``).
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import BinaryIO, Callable, TypeVar

from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from app.bootstrap import Kho
from app.services.common import outbox
from app.services.common.spool import SpoolFile, spool
from app.services.preservation import replication
from app.services.preservation.fixity import Target, record_state
from archive.errors import ValidationError
from archive.object_fixity import Digest
from archive.preservation import OK
from archive.storage import original_key
from archive.text import normalize_filename
from ingest.detect import detect

DRAIN_RETRY_SECONDS = 60   # a replica that did not answer is tried again this much later

Recorded = TypeVar("Recorded")


@dataclass(frozen=True)
class StoredOriginal:
    """An original written to its copies, not yet recorded: its SHA-256, size in
    bytes, detected media type, normalised file name, storage key and what the writer
    did (``written``: copies repaired, replica copy deferred)."""

    sha256: str
    size: int
    media_type: str
    filename: str
    key: str
    written: replication.Written

    def record_copies(self, session: Session) -> None:
        """In the transaction recording the owner's row: each copy the writer replaced
        (the object there was wrong or missing) is recorded as whole, and a replica
        copy that could not be made is queued in the replica outbox."""
        target = Target(self.key, self.sha256, self.size)
        for copy in self.written.replaced:
            record_state(session, target, copy, OK, Digest(self.sha256, self.size))
        if self.written.deferred:
            replication.defer_copy(session, self.key, self.sha256, self.written.deferred)


def store_upload(kho: Kho, stream: BinaryIO, filename: str,
                 record: Callable[[StoredOriginal], Recorded]) -> Recorded:
    """Store ``stream`` (or the :class:`SpoolFile` the parser wrote) as an original and
    return what ``record`` returns; ``record`` writes the owner's row in its own
    transaction and calls :meth:`StoredOriginal.record_copies` there. It is called a
    second time when the first raises IntegrityError (a parallel upload of the same
    bytes recorded the same object's state first).

    Raises ValidationError (field ``file``: "<name> is empty"), TooLarge (over
    ``max_upload_bytes``), InsufficientStorage (the spool's disk is full), StorageError
    (the primary store refused the object), and whatever ``record`` raises; the
    spool file is removed in every case."""
    name = normalize_filename(filename) or "file"
    spooled = (stream.take(name) if isinstance(stream, SpoolFile) else
               spool(kho.settings.spool_dir, stream, name, kho.settings.max_upload_bytes))
    try:
        if spooled.size == 0:
            raise ValidationError("%(file)s is empty", field="file", file=name)
        media_type = detect(spooled.path, name).media_type
        key = original_key(spooled.sha256)
        written = replication.write_original(kho, key, spooled.sha256, spooled.path, media_type)
        stored = StoredOriginal(spooled.sha256, spooled.size, media_type, name, key, written)
        try:
            recorded = record(stored)
        except IntegrityError:         # a parallel write of the same object's state won
            recorded = record(stored)
    finally:
        spooled.path.unlink(missing_ok=True)
    if written.deferred:
        outbox.best_effort(kho, lambda: replication.queue_drain(kho, delay=DRAIN_RETRY_SECONDS),
                           "the replica copy")
    return recorded
