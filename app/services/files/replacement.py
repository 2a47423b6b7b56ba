"""A producer puts a new file in the place of one of a product's files.

For a file the producer cannot fix with a retry — a video cut short, a text file
named ``.jpg`` — the answer is the right file. Replacing is one step instead of four
(remove, add files, choose, upload), and the product's history says so in one line:
"replaced ``phong-su.mp4`` with ``phong-su-day-du.mp4``".

It is an upload (:func:`app.services.files.intake.receive_into`: spool, store, row,
processing job) whose transaction also takes the old file off the product, as a
removal does (:mod:`app.services.files.failed_files`): a ``file.replace`` event keeps
the old file's name, SHA-256, storage key, size, type and problem and names the new
file (events outlive rows); the old file's catalogue rows go; every stored object
stays (originals are never deleted — the old original can be found again by its
SHA-256). Both happen in one transaction under the product's row lock, or neither.

A file may be replaced once it is done (ready or failed), not while it waits for or
is in processing (a worker holds it). Who: ``file.upload`` and ``file.remove``
(producers and admins).
"""
from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any, BinaryIO, Optional

from sqlalchemy.orm import Session

from app.bootstrap import Kho
from app.services.access.actors import Actor
from app.services.catalogue.products import load_visible
from app.services.files import intake
from app.services.files.product_files import product_file
from app.services.search import indexing
from archive.errors import Conflict, Message, NotFound
from archive.models import Event, File

REPLACEABLE = ("ready", "failed")       # file statuses: processing is over
STATUS_WORDS = {"queued": "waiting to be processed", "processing": "being processed"}


@dataclass(frozen=True)
class Slot:
    """The file to be replaced, checked before any byte of the new one is read
    (:func:`open_replacement`): where the new file goes, and the old file's id and
    name, status and problem (what the page shows above the form)."""

    destination: intake.Destination
    file_id: int
    filename: str
    status: str
    problem: Optional[dict[str, Any]] = None
    type_mismatch: bool = False
    media_type: str = ""
    declared_type: Optional[str] = None


@dataclass(frozen=True)
class Replaced:
    """What a replacement did. ``replaced`` is False when the new file's bytes are
    already in the product (``received.duplicate == "same-product"``): nothing was
    added and the old file stays. ``old_name`` is the replaced file's name."""

    received: intake.Received
    old_name: str
    replaced: bool


def _check_replaceable(found: File) -> None:
    if found.status not in REPLACEABLE:
        raise Conflict("%(name)s is %(status)s: it can be replaced once its processing is "
                       "over", field="file_id", name=found.original_filename,
                       status=Message(STATUS_WORDS.get(found.status, found.status)))


def open_replacement(kho: Kho, actor: Actor, product_id: int, file_id: int) -> Slot:
    """Check that ``actor`` may replace the product's file ``file_id`` and that it can
    be replaced now; cheap, before the new file's body is read.

    Raises PermissionDenied (not ``file.upload`` and ``file.remove``), NotFound (the
    product, hidden from the actor, or the file: never there or removed a moment ago),
    Conflict (the file waits for or is in processing).
    """
    actor.require("file.remove")
    destination = intake.open_upload(kho, actor, product_id)    # requires file.upload
    with kho.transaction() as session:
        product, viewer = load_visible(session, actor, product_id)
        found = product_file(product, file_id, may_be_removed=True, viewer=viewer)
        _check_replaceable(found)
        problem = None
        if found.problem:
            problem = {"code": found.problem, "message": found.error}
        return Slot(destination, found.id, found.original_filename, found.status,
                    problem, found.type_mismatch, found.media_type, found.declared_type)


def replace_file(kho: Kho, slot: Slot, stream: BinaryIO, filename: str,
                 *, queue: bool = True, declared_size: Optional[int] = None) -> Replaced:
    """Store ``stream`` as a new file of the product and, in the same transaction, take
    the file of ``slot`` off it (rows only, objects kept, a ``file.replace`` event).

    Raises as :func:`open_replacement` when the old file changed since (removed,
    replaced or sent to processing again by someone else: nothing is recorded, the new
    bytes stay in storage unreferenced), and as ``intake.receive_into`` (TooLarge,
    ValidationError for an empty file).
    """
    destination = slot.destination
    actor = destination.actor
    taken: dict[str, str] = {}

    def take_off(session: Session, new: File) -> None:
        old = session.get(File, slot.file_id)
        if old is None or old.product_id != destination.product_id:
            raise NotFound("product %(product)s has no file %(id)s (it may have been "
                           "removed already)", field="file_id",
                           product=destination.product_id, id=slot.file_id)
        _check_replaceable(old)
        record = {"file_id": old.id, "filename": old.original_filename,
                  "sha256": old.sha256, "storage_key": old.storage_key, "size": old.size,
                  "media_type": old.media_type, "status": old.status,
                  "problem": old.problem, "problem_params": dict(old.problem_params or {}),
                  "derivatives": sorted(d.name for d in old.derivatives),
                  "replaced_by": new.id, "new_filename": new.original_filename}
        session.add(Event(product_id=destination.product_id, file_id=old.id,
                          action="file.replace", user_id=actor.user_id,
                          detail=json.dumps(record, ensure_ascii=False, sort_keys=True)))
        taken["name"] = old.original_filename
        session.delete(old)
        session.flush()
        indexing.mark(session, [destination.product_id])

    received = intake.receive_into(kho, destination, stream, filename, queue=queue,
                                   declared_size=declared_size, also=take_off)
    if received.duplicate == "same-product":    # recorded nothing: take_off did not run
        return Replaced(received, slot.filename, False)
    indexing.queue_flush(kho)
    return Replaced(received, taken.get("name", slot.filename), True)
