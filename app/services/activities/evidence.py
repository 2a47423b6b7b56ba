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
replica, the replica outbox when it does not answer) before the row commits — the
steps of :func:`app.services.preservation.uploaded.store_upload`, shared with consent
forms — and the fixity audit, ``kho replicate`` and the preservation overview walk
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

from app.bootstrap import Kho
from app.services.access.actors import Actor
from app.services.activities.register import lock_for_edit, load_activity
from app.services.preservation.uploaded import StoredOriginal, store_upload
from archive.activities import EVIDENCE_KINDS, ActivityChange, ActivityEvidence
from archive.errors import Message, NotFound, ValidationError


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
    return store_upload(kho, stream, filename,
                        lambda stored: _record(kho, actor, activity_id, stored, kind))


def _record(kho: Kho, actor: Actor, activity_id: int, stored: StoredOriginal,
            kind: str) -> EvidenceAdded:
    with kho.transaction() as session:
        activity = lock_for_edit(session, actor, activity_id)
        stored.record_copies(session)
        same = next((e for e in activity.evidence if e.sha256 == stored.sha256), None)
        if same is not None:
            return EvidenceAdded(same.id, same.sha256, same.size, same.media_type,
                                 same.original_filename, duplicate=True)
        row = ActivityEvidence(activity_id=activity_id, kind=kind, sha256=stored.sha256,
                               size=stored.size, media_type=stored.media_type,
                               original_filename=stored.filename, storage_key=stored.key,
                               created_by_id=actor.user_id)
        session.add(row)
        session.flush()
        session.add(ActivityChange(activity_id=activity_id, action="evidence.add",
                                   changes={"evidence": [None, {
                                       "id": row.id, "kind": kind, "filename": stored.filename,
                                       "sha256": stored.sha256, "size": stored.size}]},
                                   user_id=actor.user_id))
        return EvidenceAdded(row.id, row.sha256, row.size, stored.media_type, stored.filename)


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
