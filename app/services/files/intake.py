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

One request, however many files it carries, checks ``file.upload`` and loads the
product once (:func:`open_upload`, before any byte of the body is read); each file is
then recorded against that :class:`Destination` (:func:`receive_into`) with one
conditional UPDATE of the product row, not another load.
"""
from __future__ import annotations

from dataclasses import dataclass, replace
from typing import BinaryIO, Callable, Optional

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from app.bootstrap import Kho
from app.services.captions import attaching as caption_upload
from app.services.captions import naming as track_naming
from app.services.common import outbox
from app.services.preservation import replication
from app.services.access.actors import Actor
from app.services.preservation.fixity import Target, record_state
from app.services.catalogue.product_view import term_view
from app.services.access.visibility import viewer_for, visible_clause
from app.services.catalogue.products import default_today, load_product
from app.services.common.clock import local_today
from app.services.common.spool import Spooled, SpoolFile, spool as spool_in, too_large
from app.services.processing import pipeline
from archive.base import utcnow
from archive.errors import Bytes, NotFound, TooLarge
from archive.models import Event, File, Product
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
    kind: Optional[dict[str, str]] = None   # the product's kind (code, labels) on a misfit
    declared_type: Optional[str] = None     # what the name's ending claims (a mismatch)
    # a caption or transcript file: the track it became (``file_id`` is then the audio
    # or video file it belongs to; app.services.captions.attaching)
    track: Optional[caption_upload.TrackAttached] = None


@dataclass(frozen=True)
class Destination:
    """The product one request's files go to, checked once (:func:`open_upload`):
    the actor may upload and may see the product. ``kind`` is the product's kind as
    code and labels (None when it has none), ``kind_media`` the media categories that
    kind holds (empty when it says nothing)."""

    actor: Actor
    product_id: int
    kind: Optional[dict[str, str]] = None
    kind_media: tuple[str, ...] = ()


def open_upload(kho: Kho, actor: Actor, product_id: int) -> Destination:
    """Check, before any byte of a request body is read, that ``actor`` may add files
    (``file.upload``) to the product and may see it; load it once for the request.

    Raises PermissionDenied (also for a restricted product outside the actor's
    audience), NotFound (missing product, or hidden from the actor: closed, embargoed).
    """
    actor.require("file.upload")
    with kho.transaction() as session:
        product = load_product(session, actor, product_id, local_today(kho.settings))
        kind = product.kind
        return Destination(actor, product.id, term_view(kind),
                           tuple(kind.media or ()) if kind is not None else ())


def kind_misfit(destination: Destination, category: str) -> tuple[str, ...]:
    """The media categories the product's kind holds when a file of ``category`` is
    not one of them (a video on a radio feature); () when it fits, when the kind says
    nothing, or for a file of no known category ("other": nothing to compare)."""
    media = destination.kind_media
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
    destination = open_upload(kho, actor, product_id)   # fail before reading a big stream
    return receive_into(kho, destination, stream, filename, queue=queue,
                        declared_size=declared_size)


# called in the new row's transaction, after the row and its receive event are
# flushed (and the product row is locked): what else that transaction must hold
AlsoInTransaction = Callable[[Session, File], None]


def receive_into(kho: Kho, destination: Destination, stream: BinaryIO, filename: str,
                 *, queue: bool = True, declared_size: Optional[int] = None,
                 also: Optional[AlsoInTransaction] = None,
                 track: track_naming.TrackOptions = track_naming.TrackOptions()) -> Received:
    """:func:`receive` for a product already checked by :func:`open_upload` (a request
    with several files checks once). Raises NotFound when the product was deleted, or
    hidden from the actor by an access change, since; otherwise as :func:`receive`.

    ``also(session, row)`` runs in the transaction that records a new file (not for a
    duplicate in the same product, which records nothing), after the product row is
    locked: a replacement removes the file it replaces there, so both happen or
    neither (``app.services.files.replacement``). What it raises undoes the record.

    A caption or transcript file (``.vtt``, ``.srt``) becomes a track of the product's
    audio or video file named like it (``track``: what the uploader said of it), not a
    file of its own: :func:`app.services.captions.attaching.attach`."""
    clean_name = normalize_filename(filename) or "file"
    if declared_size is not None and declared_size > kho.settings.max_upload_bytes:
        raise too_large(clean_name, kho.settings.max_upload_bytes)
    spooled = spool(kho, stream, clean_name)
    try:
        if track_naming.is_caption_name(clean_name) and also is None:
            return _attach_track(kho, destination, spooled, clean_name, track)
        return _store_and_record(kho, destination, spooled, clean_name, queue, also)
    finally:
        spooled.path.unlink(missing_ok=True)


def _attach_track(kho: Kho, destination: Destination, spooled: Spooled, filename: str,
                  options: track_naming.TrackOptions) -> Received:
    got = caption_upload.attach(kho, destination.actor, destination.product_id, spooled.path,
                        spooled.sha256, spooled.size, filename, options)
    return Received(got.file_id, destination.product_id, got.sha256, got.size, got.media_type,
                    False, duplicate="same-product" if got.duplicate else "",
                    duplicate_of=got.file_id if got.duplicate else None, filename=filename,
                    duplicate_product=destination.product_id if got.duplicate else None,
                    category="captions", track=got)


def _referenced(kho: Kho, key: str) -> bool:
    """Whether a committed File row points at ``key`` now."""
    with kho.transaction() as session:
        return session.scalar(select(File.id).where(File.storage_key == key).limit(1)) \
            is not None


def _store_and_record(kho: Kho, destination: Destination, spooled: Spooled,
                      filename: str, queue: bool,
                      also: Optional[AlsoInTransaction] = None) -> Received:
    """Write the object, then record the row (and its processing job, in the outbox)
    in one transaction.

    Parallel uploads of the same bytes to one product all pass the "already here?"
    read before any of them commits; the unique constraint on (product, SHA-256)
    lets exactly one insert win, and each loser's transaction is run again, finding
    the winner's row: it is answered ``same-product`` and queues nothing.
    """
    detection = detect(spooled.path, filename)
    key = original_key(spooled.sha256)
    # Read before the write: only an object a committed row pointed at before we looked
    # can have been missing (objects are written before rows). An object absent for a
    # parallel upload of the same bytes whose write had not landed yet was never missing.
    written = replication.write_original(kho, key, spooled.sha256, spooled.path,
                                         detection.media_type,
                                         referenced=_referenced(kho, key))
    for attempt in range(RECORD_ATTEMPTS):
        try:
            received, job = _record(kho, destination, spooled, filename, queue,
                                    detection, key, written, also)
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


def _mark_processing(session, destination: Destination) -> None:
    """The product is processing from now (and its datestamp moves): one UPDATE that
    also finds whether it is still there and visible to the actor — NotFound when it
    was deleted, or its access changed so that the actor may no longer see it
    (:func:`~app.services.access.visibility.visible_clause`), since the request was
    checked. Rows of a product only change under this row's lock from here on."""
    viewer = viewer_for(session, destination.actor, default_today())
    marked = session.execute(update(Product)
                             .where(Product.id == destination.product_id,
                                    visible_clause(viewer, Product))
                             .values(status="processing", updated_at=utcnow())
                             .execution_options(synchronize_session=False))
    if marked.rowcount != 1:
        raise NotFound("no product %(id)s", field="id", id=destination.product_id)


def _record(kho: Kho, destination: Destination, spooled: Spooled, filename: str,
            queue: bool, detection, key: str, written: replication.Written,
            also: Optional[AlsoInTransaction] = None) -> tuple[Received, Optional[int]]:
    """One attempt at recording the upload; IntegrityError when a parallel upload of
    the same bytes to the same product committed first."""
    actor, product_id = destination.actor, destination.product_id
    with kho.transaction() as session:
        _record_copies(session, key, spooled, written, actor)
        same, earlier = _existing(session, product_id, spooled.sha256)
        if same is not None:
            return Received(same.id, product_id, same.sha256, same.size, same.media_type,
                            same.type_mismatch, duplicate="same-product", duplicate_of=same.id,
                            filename=same.original_filename, duplicate_product=product_id,
                            category=same.category, declared_type=same.declared_type), None
        misfit = kind_misfit(destination, detection.category)
        _mark_processing(session, destination)
        row = File(product_id=product_id, sha256=spooled.sha256, size=spooled.size,
                   media_type=detection.media_type, category=detection.category,
                   declared_type=detection.declared_type, type_mismatch=detection.mismatch,
                   original_filename=filename, storage_key=key, created_by_id=actor.user_id)
        session.add(row)
        session.flush()          # the unique constraint answers here
        detail = f"sha256={spooled.sha256} size={spooled.size} type={detection.media_type}"
        if detection.mismatch:
            detail += f" (name says {detection.declared_type})"
        if misfit:
            detail += f" (kind {destination.kind['code']} holds {', '.join(misfit)})"
        session.add(Event(product_id=product_id, file_id=row.id, action="file.receive",
                          detail=detail, user_id=actor.user_id))
        if also is not None:
            also(session, row)
        job = pipeline.stage_file(kho, session, row.id) if queue else None
        received = Received(row.id, product_id, row.sha256, row.size, row.media_type,
                            row.type_mismatch, duplicate="stored-before" if earlier else "",
                            duplicate_of=earlier.id if earlier else None,
                            filename=row.original_filename,
                            processing="queued" if job is not None else "",
                            duplicate_product=earlier.product_id if earlier else None,
                            category=detection.category, kind_mismatch=bool(misfit),
                            expected=misfit, kind=destination.kind if misfit else None,
                            declared_type=detection.declared_type)
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
        if before.missing and not (refs and written.referenced):
            continue             # a new original (or one a parallel upload was writing)
        found = "missing" if before.missing else f"sha256={before.sha256} size={before.size}"
        for file_id, product_id in refs:
            session.add(Event(product_id=product_id, file_id=file_id, action="fixity.repair",
                              tool="kho intake", detail=f"{copy}: object was {found}; replaced "
                              f"by a new upload's verified bytes (sha256={spooled.sha256})",
                              user_id=actor.user_id))
        record_state(session, target, copy, OK, Digest(spooled.sha256, spooled.size))
    if written.deferred:
        replication.defer_copy(session, key, spooled.sha256, written.deferred)
