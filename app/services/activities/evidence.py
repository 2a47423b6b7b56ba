"""Evidence files of an activity (photos, attendance sheets, minutes), stored as product
originals are.

Why a parallel table and not product :class:`archive.catalogue.File` rows: a product
file is part of a product — processed into derivatives, indexed for search, counted in
the targets, shown and downloaded with the product; every engine reads
``File.product_id``. Evidence is none of that, so a File with an optional owner would
make each of those engines skip it. What evidence must share is the preservation:
the bytes are spooled and hashed (SHA-256) in one pass, written under the same
content-addressed key (``original_key``) through the same writer
(:func:`app.services.preservation.replication.write_original`: primary store and
replica, the replica outbox when it does not answer) before the row commits, and the
fixity audit, ``kho replicate`` and the preservation overview walk
:func:`archive.activities.stored_objects` (product files and evidence). The full
backup (database snapshot + the object store) and the export bag carry them too.

Evidence is immutable once recorded: a file is added or removed, never rewritten;
removing keeps the object (content-addressed, possibly shared), as deleting a
product's file does, and the audit keeps its SHA-256.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import BinaryIO, Iterator

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from app.bootstrap import Kho
from app.services.access.actors import Actor
from app.services.activities.register import lock_for_edit, load_activity
from app.services.common import outbox
from app.services.common.spool import SpoolFile, spool as spool_in
from app.services.preservation import replication
from app.services.preservation.fixity import Target, record_state
from archive.activities import EVIDENCE_KINDS, ActivityChange, ActivityEvidence
from archive.errors import Message, NotFound, ValidationError
from archive.object_fixity import Digest
from archive.preservation import OK
from archive.storage import original_key
from archive.text import normalize_filename
from ingest.detect import detect

DRAIN_RETRY_SECONDS = 60


@dataclass(frozen=True)
class EvidenceAdded:
    """One stored evidence file; ``duplicate`` when the activity already had it."""

    id: int
    sha256: str
    size: int
    media_type: str
    filename: str
    duplicate: bool = False


def add_evidence(kho: Kho, actor: Actor, activity_id: int, stream: BinaryIO, filename: str,
                 kind: str = "other") -> EvidenceAdded:
    """Store ``stream`` as evidence of the activity. Raises PermissionDenied, NotFound,
    ValidationError (kind, empty file), TooLarge (over ``max_upload_bytes``)."""
    actor.require("activity.record")
    if kind not in EVIDENCE_KINDS:
        raise ValidationError("the kind of evidence must be one of %(kinds)s", field="kind",
                              kinds=", ".join(EVIDENCE_KINDS))
    with kho.transaction() as session:
        load_activity(session, actor, activity_id)        # fail before reading the stream
    name = normalize_filename(filename) or "file"
    spooled = (stream.take(name) if isinstance(stream, SpoolFile) else
               spool_in(kho.settings.spool_dir, stream, name, kho.settings.max_upload_bytes))
    try:
        if spooled.size == 0:
            raise ValidationError("%(file)s is empty", field="file", file=name)
        media_type = detect(spooled.path, name).media_type
        key = original_key(spooled.sha256)
        written = replication.write_original(kho, key, spooled.sha256, spooled.path, media_type)
        try:
            added = _record(kho, actor, activity_id, spooled, name, kind, media_type, key,
                            written)
        except IntegrityError:           # a parallel upload of the same bytes won
            added = _record(kho, actor, activity_id, spooled, name, kind, media_type, key,
                            written)
    finally:
        spooled.path.unlink(missing_ok=True)
    if written.deferred:
        outbox.best_effort(kho, lambda: replication.queue_drain(kho, delay=DRAIN_RETRY_SECONDS),
                           "the replica copy")
    return added


def _record(kho: Kho, actor: Actor, activity_id: int, spooled, name: str, kind: str,
            media_type: str, key: str, written: replication.Written) -> EvidenceAdded:
    with kho.transaction() as session:
        activity = lock_for_edit(session, actor, activity_id)
        target = Target(key, spooled.sha256, spooled.size)
        for copy in written.replaced:             # the object there was wrong or missing
            record_state(session, target, copy, OK, Digest(spooled.sha256, spooled.size))
        if written.deferred:
            replication.defer_copy(session, key, spooled.sha256, written.deferred)
        same = next((e for e in activity.evidence if e.sha256 == spooled.sha256), None)
        if same is not None:
            return EvidenceAdded(same.id, same.sha256, same.size, same.media_type,
                                 same.original_filename, duplicate=True)
        row = ActivityEvidence(activity_id=activity_id, kind=kind, sha256=spooled.sha256,
                               size=spooled.size, media_type=media_type,
                               original_filename=name, storage_key=key,
                               created_by_id=actor.user_id)
        session.add(row)
        session.flush()
        session.add(ActivityChange(activity_id=activity_id, action="evidence.add",
                                   changes={"evidence": [None, {
                                       "id": row.id, "kind": kind, "filename": name,
                                       "sha256": spooled.sha256, "size": spooled.size}]},
                                   user_id=actor.user_id))
        return EvidenceAdded(row.id, row.sha256, row.size, media_type, name)


def remove_evidence(kho: Kho, actor: Actor, activity_id: int, evidence_id: int) -> None:
    """Remove one evidence file from the activity (the object stays; audited)."""
    actor.require("activity.record")
    with kho.transaction() as session:
        activity = lock_for_edit(session, actor, activity_id)
        row = next((e for e in activity.evidence if e.id == evidence_id), None)
        if row is None:
            raise NotFound("no evidence file %(id)s", field="evidence", id=evidence_id)
        session.add(ActivityChange(activity_id=activity_id, action="evidence.remove",
                                   changes={"evidence": [{
                                       "id": row.id, "kind": row.kind,
                                       "filename": row.original_filename,
                                       "sha256": row.sha256}, None]},
                                   user_id=actor.user_id))
        activity.evidence.remove(row)


@dataclass(frozen=True)
class EvidenceDownload:
    filename: str
    media_type: str
    size: int
    chunks: Iterator[bytes]


def open_evidence(kho: Kho, actor: Actor, activity_id: int, evidence_id: int) -> EvidenceDownload:
    """The evidence file's bytes, streamed from the primary store (for every role that
    sees the activity). An attendance sheet names people: only accounts that may see
    the activity's people get it (:func:`app.services.activities.register.may_see_people`)."""
    from app.services.activities.register import may_see_people

    with kho.transaction() as session:
        activity = load_activity(session, actor, activity_id)
        row = session.scalar(select(ActivityEvidence).where(
            ActivityEvidence.id == evidence_id, ActivityEvidence.activity_id == activity_id))
        if row is None or (row.kind == "attendance_sheet"
                           and not may_see_people(session, actor, activity)):
            raise NotFound("no evidence file %(id)s", field="evidence", id=evidence_id)
        found = (row.original_filename, row.media_type, row.size, row.storage_key)
    return EvidenceDownload(found[0], found[1], found[2], kho.storage.stream(found[3]))


def evidence_kind_words() -> dict[str, Message]:
    """Each evidence kind in words (English; Vietnamese in the message catalogue)."""
    return {"photo": Message("photo"), "attendance_sheet": Message("attendance sheet"),
            "minutes": Message("minutes"), "other": Message("other document")}
