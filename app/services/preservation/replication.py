"""Writing originals to every copy, and keeping the replica up to date.

At intake :func:`write_original` puts the verified spool file into the primary store
and, when ``replica_storage`` is set, into the replica — both before the catalogue row
commits. An existing object under the content-addressed key is never trusted blindly:
it is re-read, and when its SHA-256 is wrong (or it vanished) the new upload's
verified bytes replace it, which the caller records as a repair. A replica that does
not answer does not stop intake: the caller queues the copy in the outbox
(:class:`archive.preservation.ReplicaOutbox`) in the same transaction as the row, and
the worker drains it (:func:`drain_outbox`). :func:`replicate_all` (``kho
replicate``) copies what an existing archive's replica lacks; it is resumable because
each copy is atomic and objects already there with the right size are skipped.
"""
from __future__ import annotations

import time
import weakref
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Optional

from sqlalchemy import delete, select, update

from app.bootstrap import Kho
from app.services.common.upsert import upsert
from archive.base import utcnow
from archive.errors import NotFound, StorageError
from archive.activities import stored_objects
from archive.models import Event, File
from archive.object_fixity import CopyRefused, Digest, digest_object, copy_verified
from archive.preservation import PRIMARY, REPLICA, ReplicaOutbox
from archive.storage import Storage

JOB_DRAIN = "replica.drain"
DRAIN_BATCH = 200          # outbox rows copied per drain job


@dataclass
class Written:
    """What :func:`write_original` did. ``replaced`` maps a copy name to what was
    found under the key before (a wrong digest, or missing); ``deferred`` holds the
    replica's error when its copy has to wait in the outbox. ``referenced``: a
    committed catalogue row pointed at the key before the copies were read (as the
    caller found it) — only then can an object found missing have been lost, since
    objects are written before their rows; otherwise it was a new object, or one a
    parallel upload of the same bytes had not finished writing."""

    replaced: dict[str, Digest] = field(default_factory=dict)
    deferred: str = ""
    referenced: bool = True


def _put_checked(store: Storage, key: str, sha256: str, path: Path,
                 content_type: Optional[str]) -> Optional[Digest]:
    """Make ``store`` hold the verified file at ``path`` under ``key``; return what was
    there when it had to be (re)written, None when the object there was whole."""
    found = digest_object(store, key)
    if found.sha256 == sha256:
        return None
    store.put_file(key, path, content_type=content_type)
    return found


# After the replica fails, uploads in the next BACKOFF_SECONDS go straight to the
# outbox: a replica that hangs (connect timeouts) must not make every upload wait.
BACKOFF_SECONDS = 30.0
_backoff: "weakref.WeakKeyDictionary[object, tuple[float, str]]" = weakref.WeakKeyDictionary()


def write_original(kho: Kho, key: str, sha256: str, path: Path,
                   content_type: Optional[str], *, referenced: bool = True) -> Written:
    """Write a received original (``path``, hashed to ``sha256`` while spooled) to the
    primary store and the replica. Raises StorageError when the primary fails; a
    failing replica is reported in ``deferred`` instead (and not tried again for
    BACKOFF_SECONDS by this process). ``referenced`` is kept in the answer (see
    :class:`Written`)."""
    written = Written(referenced=referenced)
    before = _put_checked(kho.storage, key, sha256, path, content_type)
    if before is not None:
        written.replaced[PRIMARY] = before
    replica = kho.replica
    if replica is None:
        return written
    until, error = _backoff.get(replica, (0.0, ""))
    if time.monotonic() < until:
        written.deferred = error
        return written
    try:
        before = _put_checked(replica, key, sha256, path, content_type)
    except StorageError as exc:
        written.deferred = str(exc).splitlines()[0]
        _backoff[replica] = (time.monotonic() + BACKOFF_SECONDS, written.deferred)
    else:
        _backoff.pop(replica, None)
        if before is not None:
            written.replaced[REPLICA] = before
    return written


def defer_copy(session, key: str, sha256: str, error: str) -> None:
    """Queue ``key`` for the replica inside ``session``'s transaction."""
    upsert(session, ReplicaOutbox, [{"storage_key": key, "sha256": sha256,
                                     "queued_at": utcnow(), "attempts": 0,
                                     "last_error": error[:2000]}],
           ["storage_key"], {"last_error": error[:2000]})


def register(kho: Kho) -> None:
    kho.queue.register(JOB_DRAIN, lambda: drain_outbox(kho), retries=0)


def queue_drain(kho: Kho, delay: float = 0) -> None:
    register(kho)
    kho.queue.enqueue(JOB_DRAIN, delay=delay)


@dataclass
class DrainReport:
    copied: int = 0
    failed: int = 0
    last_error: str = ""


def drain_outbox(kho: Kho, batch: int = DRAIN_BATCH) -> DrainReport:
    """Copy queued originals from the primary store to the replica, oldest first.

    Stops at the first store error (the replica is likely still down: the rows stay
    queued with the error and an attempt counted). A primary copy whose hash is wrong
    is not spread: its row stays, naming the problem, for ``kho fixity --repair``.
    """
    report = DrainReport()
    if kho.replica is None:
        return report
    with kho.transaction() as session:
        rows = session.execute(select(ReplicaOutbox.storage_key, ReplicaOutbox.sha256)
                               .order_by(ReplicaOutbox.queued_at).limit(batch)).all()
    for key, sha256 in rows:
        try:
            copy_verified(kho.storage, kho.replica, key, sha256, kho.settings.spool_dir)
        except (StorageError, CopyRefused, NotFound) as exc:
            report.failed += 1
            report.last_error = str(exc).splitlines()[0]
            _note_failure(kho, key, report.last_error)
            if isinstance(exc, StorageError):
                break
            continue
        _record_copy(kho, key)
        report.copied += 1
    return report


def _note_failure(kho: Kho, key: str, error: str) -> None:
    with kho.transaction() as session:
        session.execute(update(ReplicaOutbox).where(ReplicaOutbox.storage_key == key)
                        .values(attempts=ReplicaOutbox.attempts + 1, last_error=error[:2000]))


def _record_copy(kho: Kho, key: str, source: str = "outbox") -> None:
    """The replica holds ``key``: drop it from the outbox and note it per file."""
    with kho.transaction() as session:
        session.execute(delete(ReplicaOutbox).where(ReplicaOutbox.storage_key == key))
        for file_id, product_id in session.execute(
                select(File.id, File.product_id).where(File.storage_key == key)):
            session.add(Event(product_id=product_id, file_id=file_id, action="replica.copy",
                              detail=f"copied to the replica ({source}), sha256 verified"))


@dataclass
class ReplicateReport:
    objects: int = 0
    copied: int = 0
    present: int = 0
    refused: list[str] = field(default_factory=list)   # keys whose primary copy is bad


def replicate_all(kho: Kho, progress: Optional[Callable[[int], None]] = None) -> ReplicateReport:
    """Copy every original the replica lacks (or holds at a wrong size) from the
    primary store; resumable. Raises NotFound naming the setting when no replica is
    configured, StorageError when a store fails (what was copied stays copied)."""
    if kho.replica is None:
        raise NotFound("no replica is configured: set replica_storage",
                       field="replica_storage")
    kho.replica.ensure()
    with kho.transaction() as session:
        src = stored_objects().subquery()     # product files and activity evidence
        objects = session.execute(select(src.c.storage_key, src.c.sha256, src.c.size)
                                  .distinct().order_by(src.c.storage_key)).all()
    report = ReplicateReport(objects=len(objects))
    for key, sha256, size in objects:
        if kho.replica.exists(key) and kho.replica.size(key) == size:
            report.present += 1
            with kho.transaction() as session:
                session.execute(delete(ReplicaOutbox).where(ReplicaOutbox.storage_key == key))
        else:
            try:
                copy_verified(kho.storage, kho.replica, key, sha256, kho.settings.spool_dir)
            except (CopyRefused, NotFound):
                report.refused.append(key)
            else:
                _record_copy(kho, key, source="kho replicate")
                report.copied += 1
        if progress is not None:
            progress(1)
    return report
