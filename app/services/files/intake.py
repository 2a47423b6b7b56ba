"""Receiving an original: stream -> spool (SHA-256 in the same pass) -> storage -> row.

Order of effects keeps the data rules: the object is written (to the primary store and
the replica, see ``app.services.preservation.replication``) before the database row that points at
it is committed, and processing is queued only after the commit. The same content is
stored once; a second upload links to the existing object and says so — after
re-reading it: an object whose SHA-256 is wrong is replaced by the new upload's
verified bytes and the repair is recorded.
Nothing of the stream is held in memory beyond one chunk, and it is written to disk
once (``app.services.common.spool``). Parallel uploads of the same bytes to one product
make one row: the schema refuses a second (product, SHA-256) and the loser of that
race is answered as the duplicate it is.
"""
from __future__ import annotations

from dataclasses import dataclass, replace
from typing import BinaryIO, Optional

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from app.bootstrap import Kho
from app.services.common import outbox
from app.services.preservation import replication
from app.services.access.actors import Actor
from app.services.preservation.fixity import Target, record_state
from app.services.catalogue.products import load_product
from app.services.common.spool import Spooled, SpoolFile, spool as spool_in, too_large
from archive.base import utcnow
from archive.errors import Bytes, TooLarge
from archive.models import Event, File
from archive.object_fixity import Digest
from archive.preservation import OK
from archive.storage import original_key
from archive.text import normalize_filename
from config import Settings
from ingest.detect import detect

# ``max_upload_bytes`` limits each file. One request (a multipart form or API call with
# several files) may carry up to REQUEST_FILES files at that limit plus FRAMING_SLACK
# bytes of multipart framing and form fields; a body above that is refused unread, so
# a client cannot stream unbounded data.
REQUEST_FILES = 8
FRAMING_SLACK = 64 * 1024
DRAIN_RETRY_SECONDS = 60   # a replica that did not answer is tried again this much later
RECORD_ATTEMPTS = 3        # a lost insert race is answered by the next attempt


def request_limit(settings: Settings) -> int:
    """Bytes one request body may carry: REQUEST_FILES files at the per-file limit."""
    return settings.max_upload_bytes * REQUEST_FILES + FRAMING_SLACK


def request_too_large(settings: Settings) -> TooLarge:
    """The error for a request body above :func:`request_limit` (no file named: the
    body is refused before its parts are read)."""
    return TooLarge("the upload is too large: at most %(limit)s in one upload — send at "
                    "most %(files)s files of up to %(file_limit)s each at a time",
                    field="body", limit=Bytes(request_limit(settings)), files=REQUEST_FILES,
                    file_limit=Bytes(settings.max_upload_bytes))


@dataclass(frozen=True)
class Received:
    """Outcome of an upload. ``duplicate``: "" | "same-product" | "stored-before";
    ``duplicate_of`` is the file holding the same content first, ``duplicate_product``
    its product. ``kind_mismatch``: the file's category (``category``) is not one the
    product's kind holds (``expected``, the kind's media) — kept, with a warning."""

    file_id: int
    product_id: int
    sha256: str
    size: int
    media_type: str
    type_mismatch: bool
    duplicate: str = ""
    duplicate_of: Optional[int] = None
    filename: str = ""   # the name as the catalogue keeps it (NFC, no folders)
    # "queued" (job sent), "pending" (the queue did not answer: the job waits in the
    # outbox and is sent when it is back) or "" (a duplicate, or not queued)
    processing: str = ""
    duplicate_product: Optional[int] = None
    category: str = ""
    kind_mismatch: bool = False
    expected: tuple[str, ...] = ()


def kind_misfit(product, category: str) -> tuple[str, ...]:
    """The media categories ``product``'s kind holds when a file of ``category`` is
    not one of them (a video on a radio feature); () when it fits, when the kind says
    nothing, or for a file of no known category ("other": nothing to compare)."""
    media = tuple(product.kind.media or ()) if product.kind is not None else ()
    if not media or category == "other" or category in media:
        return ()
    return media


def spool(kho: Kho, stream: BinaryIO, filename: str) -> Spooled:
    """``stream`` in a spool file of this instance, hashed and counted (see
    :func:`app.services.common.spool.spool`); a :class:`SpoolFile` the web framework
    already filled (multipart forms) is taken over, not copied again."""
    if isinstance(stream, SpoolFile):
        return stream.take(filename)
    return spool_in(kho.settings.spool_dir, stream, filename,
                          kho.settings.max_upload_bytes)


def _existing(session, product_id: int, sha256: str) -> tuple[Optional[File], Optional[File]]:
    same_product = session.scalar(select(File).where(File.product_id == product_id,
                                                     File.sha256 == sha256))
    anywhere = session.scalar(select(File).where(File.sha256 == sha256).order_by(File.id))
    return same_product, anywhere


def receive(kho: Kho, actor: Actor, product_id: int, stream: BinaryIO, filename: str,
            *, queue: bool = True, declared_size: Optional[int] = None) -> Received:
    """Add an original file to a product and queue its processing.

    ``declared_size`` (bytes, e.g. a request's Content-Length) refuses a file that
    says it is over the limit before any of it is read; the limit is enforced while
    streaming either way. Raises PermissionDenied, NotFound (product), TooLarge
    (naming the file), ValidationError (empty file).
    """
    actor.require("file.upload")
    with kho.transaction() as session:
        load_product(session, actor, product_id)  # fail before reading a big stream
    clean_name = normalize_filename(filename) or "file"
    if declared_size is not None and declared_size > kho.settings.max_upload_bytes:
        raise too_large(clean_name, kho.settings.max_upload_bytes)
    spooled = spool(kho, stream, clean_name)
    try:
        return _store_and_record(kho, actor, product_id, spooled, clean_name, queue)
    finally:
        spooled.path.unlink(missing_ok=True)


def _store_and_record(kho: Kho, actor: Actor, product_id: int, spooled: Spooled,
                      filename: str, queue: bool) -> Received:
    """Write the object, then record the row (and its processing job, in the outbox)
    in one transaction.

    Parallel uploads of the same bytes to one product all pass the "already here?"
    read before any of them commits; the unique constraint on (product, SHA-256)
    lets exactly one insert win, and each loser's transaction is run again, finding
    the winner's row: it is answered ``same-product`` and queues nothing.
    """
    detection = detect(spooled.path, filename)
    key = original_key(spooled.sha256)
    written = replication.write_original(kho, key, spooled.sha256, spooled.path,
                                         detection.media_type)
    for attempt in range(RECORD_ATTEMPTS):
        try:
            received, job = _record(kho, actor, product_id, spooled, filename, queue,
                                    detection, key, written)
            break
        except IntegrityError:
            if attempt == RECORD_ATTEMPTS - 1:
                raise
    if written.deferred:      # the outbox row is committed; a sweep queues it otherwise
        outbox.best_effort(kho, lambda: replication.queue_drain(kho, delay=DRAIN_RETRY_SECONDS),
                           "the replica copy")
    if job is not None and not outbox.send(kho, [job]):
        received = replace(received, processing="pending")
    return received


def _record(kho: Kho, actor: Actor, product_id: int, spooled: Spooled, filename: str,
            queue: bool, detection, key: str,
            written: replication.Written) -> tuple[Received, Optional[int]]:
    """One attempt at recording the upload; IntegrityError when a parallel upload of
    the same bytes to the same product committed first."""
    from app.services.processing import pipeline

    with kho.transaction() as session:
        product = load_product(session, actor, product_id)
        _record_copies(session, key, spooled, written, actor)
        same, earlier = _existing(session, product_id, spooled.sha256)
        if same is not None:
            return Received(same.id, product_id, same.sha256, same.size, same.media_type,
                            same.type_mismatch, duplicate="same-product", duplicate_of=same.id,
                            filename=same.original_filename, duplicate_product=product_id,
                            category=same.category), None
        misfit = kind_misfit(product, detection.category)
        row = File(product=product, sha256=spooled.sha256, size=spooled.size,
                   media_type=detection.media_type, category=detection.category,
                   declared_type=detection.declared_type, type_mismatch=detection.mismatch,
                   original_filename=filename, storage_key=key, created_by_id=actor.user_id)
        session.add(row)
        product.status = "processing"
        product.updated_at = utcnow()
        session.flush()          # the unique constraint answers here
        detail = f"sha256={spooled.sha256} size={spooled.size} type={detection.media_type}"
        if detection.mismatch:
            detail += f" (name says {detection.declared_type})"
        if misfit:
            detail += f" (kind {product.kind.code} holds {', '.join(misfit)})"
        session.add(Event(product_id=product_id, file_id=row.id, action="file.receive",
                          detail=detail, user_id=actor.user_id))
        job = pipeline.stage_file(kho, session, row.id) if queue else None
        received = Received(row.id, product_id, row.sha256, row.size, row.media_type,
                            row.type_mismatch, duplicate="stored-before" if earlier else "",
                            duplicate_of=earlier.id if earlier else None,
                            filename=row.original_filename,
                            processing="queued" if job is not None else "",
                            duplicate_product=earlier.product_id if earlier else None,
                            category=detection.category, kind_mismatch=bool(misfit),
                            expected=misfit)
    return received, job


def _record_copies(session, key: str, spooled: Spooled, written: replication.Written,
                   actor: Actor) -> None:
    """In the row's transaction: a repair Event (and an ok state) for each copy whose
    object was replaced by this upload's verified bytes, on every file of that
    object; the replica copy queued in the outbox when the replica did not answer."""
    target = Target(key, spooled.sha256, spooled.size)
    refs = session.execute(select(File.id, File.product_id)
                           .where(File.storage_key == key)).all()
    for copy, before in written.replaced.items():
        if before.missing and not refs:
            continue             # a new original, not a repair
        found = "missing" if before.missing else f"sha256={before.sha256} size={before.size}"
        for file_id, product_id in refs:
            session.add(Event(product_id=product_id, file_id=file_id, action="fixity.repair",
                              tool="kho intake", detail=f"{copy}: object was {found}; replaced "
                              f"by a new upload's verified bytes (sha256={spooled.sha256})",
                              user_id=actor.user_id))
        record_state(session, target, copy, OK, Digest(spooled.sha256, spooled.size))
    if written.deferred:
        replication.defer_copy(session, key, spooled.sha256, written.deferred)
