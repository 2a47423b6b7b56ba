"""A producer's two answers to a failed file: process it again, or remove it.

Both are for producers and admins (``file.retry``, ``file.remove``), checked here, and
only for a file whose processing failed. Both take the product's write lock
(:func:`app.services.catalogue.products.lock_for_edit`) before they read the file, so two people
pressing at once are served one after the other: the first does it, the second is
told it is already done — a retry finds the file queued again (Conflict) and stages
no second job; a removal finds no file (NotFound). Nothing is done twice or lost.

A retry goes through the same path as ``kho retry`` (:func:`pipeline.requeue`: a
conditional UPDATE and the job staged in the outbox, sent after the commit).

A removal keeps the audit trail — a ``file.remove`` event naming the file, its
SHA-256, storage key, size and problem (events have no foreign key: they outlive the
row) — and deletes the file's catalogue rows (its derivatives go with it). Every
stored object stays: objects are content-addressed (``originals/ab/cd/<sha256>``,
``derivatives/ab/cd/<sha256>/…``), so another product's file of the same content
reads the very same object, and originals are never deleted (docs/ARCHITECTURE.md,
data rules; ``delete_product`` does the same).
"""
from __future__ import annotations

import json
from typing import Any

from sqlalchemy.orm import Session

from app.bootstrap import Kho
from app.services.search import indexing
from app.services.common import outbox
from app.services.processing import pipeline
from app.services.access.actors import Actor
from app.services.access.visibility import viewer_for
from app.services.catalogue.products import default_today, lock_for_edit
from app.services.files.product_files import product_file
from archive.errors import Conflict, Message
from archive.models import Event, File, Product

STATUS_WORDS = {"queued": "waiting to be processed", "processing": "being processed",
                "ready": "ready", "failed": "failed"}


def _failed_file(session: Session, product: Product, file_id: int,
                 actor: Actor) -> File:
    """The product's file ``file_id`` if its processing failed; NotFound when the
    product has no such file (never had, or someone removed it) or one ``actor`` may
    not see, Conflict when it is not failed (someone retried it, or it is fine)."""
    found = product_file(product, file_id, may_be_removed=True,
                         viewer=viewer_for(session, actor, default_today()))
    if found.status != "failed":
        raise Conflict("%(name)s has not failed: it is %(status)s", field="file_id",
                       name=found.original_filename,
                       status=Message(STATUS_WORDS.get(found.status, found.status)))
    return found


def retry_file(kho: Kho, actor: Actor, product_id: int, file_id: int) -> tuple[str, str]:
    """Queue a failed file's processing again: ("queued", its name) when the job was
    sent, ("pending", its name) when the queue did not answer (the job waits in the
    outbox and is sent when it is back). Raises PermissionDenied, NotFound (product or file), Conflict (not failed)."""
    actor.require("file.retry")
    with kho.transaction() as session:
        product = lock_for_edit(session, actor, product_id)
        row = _failed_file(session, product, file_id, actor)
        job = pipeline.requeue(kho, session, file_id, retrying=True)
        if job is None:            # cannot happen under the lock; say so if it does
            raise Conflict("%(name)s has not failed: it is %(status)s", field="file_id",
                           name=row.original_filename, status=Message(STATUS_WORDS["queued"]))
        session.refresh(row)
        session.add(Event(product_id=product_id, file_id=file_id, action="file.retry",
                          user_id=actor.user_id, detail=f"problem was {row.problem or '-'}"))
        pipeline.follow_files(session, product, texts_changed=False)
        name = row.original_filename
    sent = outbox.send(kho, [job])
    indexing.queue_flush(kho)
    return ("queued" if sent else "pending"), name


def remove_file(kho: Kho, actor: Actor, product_id: int, file_id: int) -> dict[str, Any]:
    """Remove a failed file from its product (rows only, objects kept; audited).
    Returns what the audit event recorded. Raises PermissionDenied, NotFound (product
    or file, e.g. removed a moment ago by someone else), Conflict (not failed)."""
    actor.require("file.remove")
    with kho.transaction() as session:
        product = lock_for_edit(session, actor, product_id)
        row = _failed_file(session, product, file_id, actor)
        removed = {"file_id": row.id, "filename": row.original_filename,
                   "sha256": row.sha256, "storage_key": row.storage_key, "size": row.size,
                   "media_type": row.media_type, "problem": row.problem,
                   "problem_params": dict(row.problem_params or {}),
                   "derivatives": sorted(d.name for d in row.derivatives)}
        session.add(Event(product_id=product_id, file_id=file_id, action="file.remove",
                          user_id=actor.user_id,
                          detail=json.dumps(removed, ensure_ascii=False, sort_keys=True)))
        product.files.remove(row)
        session.delete(row)
        session.flush()
        pipeline.follow_files(session, product, texts_changed=False)
    indexing.queue_flush(kho)
    return removed
