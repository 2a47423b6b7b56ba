"""The processing job: run the ingest steps on one original and record the results.

Safe to run twice or after a crash: a file is claimed with a conditional UPDATE and a
short lease renewed while the work runs (``app.services.common.leases``), so two consumers
never work on one file at once and a dead consumer's file is free within one lease;
each attempt has its own work folder, derivative objects have fixed content-addressed
keys and derivative rows are replaced, not added — so a retry after ``kill -9`` ends
complete with no duplicates. Jobs go through the outbox (``app.services.common.outbox``):
a file is never left "queued" with no job, even when the queue was down. The original is never modified; a failing tool marks the file
failed with the tool's own error tail and can be retried (``kho retry``). A ready file
keeps its near-duplicate fingerprint, and the files of other products near it are
found right after its record commits (``app.services.processing.likeness``).
"""
from __future__ import annotations

import errno
import hashlib
import logging
import re
import shutil
from pathlib import Path
from typing import Iterable, Optional

from sqlalchemy import or_, select, update
from sqlalchemy.orm import Session

from app.bootstrap import Kho
from app.services.captions import embedded as caption_streams
from app.services.search import indexing
from app.services.common import leases
from app.services.common import outbox
from app.services.catalogue import suggestions
from app.services.common.spool import WORK_PREFIX
from app.services.processing import likeness
from archive.base import fits_id, utcnow
from archive import problems
from archive.errors import KhoError, NotFound
from archive.models import Derivative, Event, File, Product
from archive.storage import derivative_key
from ingest.detect import Detection
from ingest.results import FAILED, OK, ProcessingOptions, StepResult
from ingest.steps import process
from ingest.video import SUBTITLE_PREFIX

log = logging.getLogger("kho.processing")

JOB_PROCESS = "file.process"
EXTENSIONS = {"image/jpeg": "jpg", "image/png": "png", "image/webp": "webp",
              "video/mp4": "mp4", "audio/mpeg": "mp3", "text/plain": "txt"}


def options_from(kho: Kho) -> ProcessingOptions:
    s = kho.settings
    return ProcessingOptions(
        tool_timeout=s.tool_timeout, ocr_enabled=s.ocr_enabled, ocr_languages=s.ocr_languages,
        broadcast_loudness_lufs=s.broadcast_loudness_lufs,
        broadcast_true_peak_db=s.broadcast_true_peak_db,
        broadcast_channels=s.broadcast_channels, proxy_max_height=s.proxy_max_height,
        image_max_pixels=s.image_max_pixels, near_duplicates=s.near_duplicates)


def register(kho: Kho) -> None:
    kho.queue.register(JOB_PROCESS, lambda file_id, force=False: process_file(kho, file_id,
                                                                             force=force),
                       retries=1, retry_delay=30)


def stage_file(kho: Kho, session: Session, file_id: int, *, force: bool = False) -> int:
    """Stage the processing job of ``file_id`` in ``session``'s transaction (the outbox);
    send it with ``outbox.send`` after the commit."""
    register(kho)
    return outbox.stage(session, JOB_PROCESS, file_id, force)


def queue_file(kho: Kho, file_id: int, *, force: bool = False) -> bool:
    """Queue processing of a file already committed; False when the queue did not
    answer (the job then waits in the outbox and is sent later)."""
    with kho.transaction() as session:
        job = stage_file(kho, session, file_id, force=force)
    return outbox.send(kho, [job])


def _workdir(kho: Kho, held: leases.Claim) -> Path:
    """A fresh work folder for this attempt only (``work-<file id>-<attempt>``): an
    attempt taken over after a lease ran out never shares files with the first."""
    spool = kho.settings.spool_dir
    path = spool / f"{WORK_PREFIX}{held.file_id}-{held.suffix}"
    # folders of earlier attempts at this file died with their consumer: this claim
    # is the only live one, so nobody writes there any more
    for earlier in spool.glob(f"{WORK_PREFIX}{held.file_id}-*"):
        shutil.rmtree(earlier, ignore_errors=True)
    path.mkdir(parents=True)
    return path


def process_file(kho: Kho, file_id: int, *, force: bool = False) -> str:
    """Process one file; returns its final status ("ready", "failed"), "skipped" (not
    waiting, or claimed by another consumer) or "superseded" (our lease ran out and
    another consumer took the file: our results are discarded)."""
    held = leases.claim(kho, file_id, force=force)
    if held is None:
        return "skipped"
    with kho.transaction() as session:
        row = session.get(File, file_id)
        key, sha, filename = row.storage_key, row.sha256, row.original_filename
        detection = Detection(row.media_type, row.category, row.declared_type, row.type_mismatch)
    work: Optional[Path] = None
    try:
        work = _workdir(kho, held)     # a full or unwritable spool fails the file, too
        with leases.Heartbeat(kho, held):
            source = kho.storage.local_path(key)
            if source is None:
                source = work / sha       # named by content, like the stored object
                kho.storage.download_to(key, source)
            results = process(source, detection, work / "out", options_from(kho))
            # tools and steps name the path, or just the object's name (its SHA-256,
            # e.g. "image <sha> has 200,000,000 pixels"): users read their file's name
            _hide_paths(results, {str(source): filename, str(work): "…", sha: filename})
            embedded = caption_streams.store_embedded(kho, _subtitle_streams(results))
            stored = _store_renditions(kho, sha, results)
        return _record(kho, held, results, stored, embedded)
    except Exception as exc:  # noqa: BLE001 - any crash becomes a failed, retryable file
        return _record_crash(kho, held, exc)
    finally:
        if work is not None:
            shutil.rmtree(work, ignore_errors=True)


def _hide_paths(results: list[StepResult], replacements: dict[str, str]) -> None:
    """Tools name the files they read; users should see the file's own name, never
    a server path (storage layout is not theirs to know)."""
    for r in results:
        for old, new in replacements.items():
            r.message = r.message.replace(old, new)
            r.detail = r.detail.replace(old, new)
            r.params = {k: v.replace(old, new) if isinstance(v, str) else v
                        for k, v in r.params.items()}


def _subtitle_streams(results: list[StepResult]) -> list[dict]:
    """The subtitle streams a step took out of a video (WebVTT files named
    ``subtitles-<n>``): they become caption tracks of the file, not renditions, so
    they are taken out of the results here."""
    found = []
    for result in results:
        keep = []
        for r in result.renditions:
            if r.name.startswith(SUBTITLE_PREFIX):
                found.append({"path": str(r.path), "sha256": _sha256(r.path), **r.params})
            else:
                keep.append(r)
        result.renditions = keep
    return found


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def _store_renditions(kho: Kho, sha: str, results: list[StepResult]) -> list[dict]:
    stored = []
    for result in results:
        for r in result.renditions:
            ext = EXTENSIONS.get(r.media_type) or r.path.suffix.lstrip(".") or "bin"
            key = derivative_key(sha, r.name, ext)
            kho.storage.put_file(key, r.path, content_type=r.media_type)
            stored.append({"name": r.name, "key": key, "media_type": r.media_type,
                           "size": r.path.stat().st_size, "params": r.params})
    return stored


def _record(kho: Kho, held: leases.Claim, results: list[StepResult],
            stored: list[dict], embedded: Optional[list] = None) -> str:
    failed = [r for r in results if r.outcome == FAILED]
    file_id = held.file_id
    with kho.transaction() as session:
        if not leases.release(session, held):
            return "superseded"
        row = session.get(File, file_id)
        technical, texts = dict(row.technical or {}), []
        for r in results:
            session.add(Event(product_id=row.product_id, file_id=file_id, action=r.step,
                              tool=r.tool, tool_version=r.tool_version, outcome=r.outcome,
                              detail=(r.message + ("\n" + r.detail if r.detail else ""))[:8000]))
            if r.outcome == OK:
                technical.update(r.metadata)
                if r.text:
                    texts.append(r.text)
        row.technical = technical
        row.text = "\n\n".join(texts)
        session.query(Derivative).filter(Derivative.file_id == file_id).delete()
        for d in stored:
            session.add(Derivative(file_id=file_id, name=d["name"], storage_key=d["key"],
                                   media_type=d["media_type"], size=d["size"], params=d["params"]))
        caption_streams.record_embedded(kho, session, row, embedded or [])
        caption_streams.check_lengths(session, row)       # its length is known now
        row.status = "failed" if failed else "ready"
        # the first failure is what the producer is told; every failed step's own
        # words and tool output are kept below it
        row.problem = (failed[0].problem or problems.GENERIC) if failed else ""
        row.problem_params = failed[0].params if failed else {}
        row.error_detail = tool_output(failed)
        row.updated_at = utcnow()
        status = row.status
        # a ready file keeps its near-duplicate fingerprint; pairs are found after the
        # commit (likeness.find_near), so two near files processed at once still meet
        if kho.settings.near_duplicates:
            likeness.keep(session, file_id,
                          likeness.fingerprint_of(results) if status == "ready" else None)
        follow_files(session, row.product)
    if status == "ready" and kho.settings.near_duplicates:
        _find_near(kho, file_id)
    indexing.queue_flush(kho)
    return status


def _find_near(kho: Kho, file_id: int) -> None:
    """Near-duplicates of a file just processed; a failure there is logged and leaves
    the file as it is (ready): the pairs are a help, not part of processing."""
    try:
        likeness.find_near(kho, file_id)
    except Exception:  # noqa: BLE001 - the file is processed whatever the search does
        log.exception("near-duplicate search for file %s stopped", file_id)


def public_reason(exc: BaseException) -> str:
    """Why processing stopped, in words a producer may read: never a server path.

    Storage errors (they name folders and keys) become one plain sentence; an OSError
    gives its reason without its file name; any other text loses its absolute paths
    (each becomes its last component). The full text goes to the log.
    """
    if isinstance(exc, KhoError) and exc.private:
        return STORAGE_REASON
    if isinstance(exc, OSError) and exc.strerror:
        return exc.strerror
    text = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
    return _ABSOLUTE_PATH.sub(lambda m: Path(m.group()).name or "…", text)


_ABSOLUTE_PATH = re.compile(r"(?<![\w.])/(?:[^\s'\"/:]+/)*[^\s'\":]*")
STORAGE_REASON = "the archive's storage could not be read or written"
TOOL_OUTPUT_LIMIT = 4000      # characters of tool output kept on a failed file (the end)


def tool_output(failed: list[StepResult]) -> str:
    """What the failed steps and their tools said (``step: message`` and each tool's
    stderr tail), the last TOOL_OUTPUT_LIMIT characters: the details below a problem."""
    parts = [f"{r.step}: {r.message}" + ("\n" + r.detail if r.detail else "")
             for r in failed]
    return "\n".join(parts)[-TOOL_OUTPUT_LIMIT:]


def crash_problem(exc: BaseException) -> str:
    """The problem code of processing that stopped on ``exc`` (not a step's failure):
    storage, a full disk, another OS error, or an unexpected one."""
    if isinstance(exc, KhoError) and exc.private:
        return "storage.unavailable"
    if isinstance(exc, OSError) and exc.errno in (errno.ENOSPC, errno.EDQUOT):
        return "server.disk_full"
    if isinstance(exc, OSError):
        return "processing.stopped"
    return "processing.internal"


def _record_crash(kho: Kho, held: leases.Claim, exc: Exception) -> str:
    log.warning("processing file %s stopped: %s", held.file_id, exc)
    message = public_reason(exc)
    file_id = held.file_id
    with kho.transaction() as session:
        if not leases.release(session, held):
            return "superseded"
        row = session.get(File, file_id)
        row.status, row.problem, row.problem_params = "failed", crash_problem(exc), {}
        detail = _ABSOLUTE_PATH.sub(lambda m: Path(m.group()).name or "…",
                                    getattr(exc, "detail", "") or "")
        row.error_detail = (f"processing stopped: {message}" +
                            ("\n" + detail if detail else ""))[-TOOL_OUTPUT_LIMIT:]
        row.updated_at = utcnow()
        likeness.keep(session, file_id, None)
        session.add(Event(product_id=row.product_id, file_id=file_id, action="file.process",
                          outcome=FAILED, detail=message))
        follow_files(session, row.product)
    indexing.queue_flush(kho)
    return "failed"


def follow_files(session, product: Product, texts_changed: bool = True) -> None:
    """After a file changed: product status, suggestions and index mark, all in the
    same transaction as the file's own record (one commit per processed file).
    ``texts_changed`` False (a failed file retried or removed: no file's text is new)
    keeps the language suggestions as they were rather than judging them again.

    The product's datestamp moves on whether or not its status changed: a finished
    file changes what its record lists (OAI-PMH harvests by that datestamp)."""
    product_status(product)
    product.updated_at = utcnow()
    suggestions.suggest_in(product, languages=texts_changed)
    indexing.mark(session, [product.id])


def product_status(product: Product) -> str:
    """Product status follows its files: any waiting -> processing, all failed ->
    failed, otherwise ready; a product without files stays draft. Sets it.

    A failed file beside a ready one leaves the product ready — it can be used — "with
    a warning": its failed files are counted beside the status (``warnings`` in
    ``app.services.catalogue.product_view``), the status values themselves stay the four they were."""
    statuses = {f.status for f in product.files}
    if not statuses:
        status = "draft"
    elif statuses & {"queued", "processing"}:
        status = "processing"
    elif statuses == {"failed"}:
        status = "failed"
    else:
        status = "ready"
    if product.status != status:
        product.status = status
        product.updated_at = utcnow()
    return status


def retry(kho: Kho, file_ids: Iterable[int] | None = None) -> list[int]:
    """Queue failed files again, and files left "processing" by a consumer that died
    (their lease ran out), all such files when ``file_ids`` is None; named files in
    another state (a live claim included) are left alone. NotFound, naming them, when
    some of ``file_ids`` are no file at all; nothing is queued then."""
    with kho.transaction() as session:
        stmt = select(File.id).where(or_(File.status == "failed", leases.expired(utcnow())))
        if file_ids is not None:
            file_ids = set(file_ids)
            unknown = sorted(file_ids - set(session.scalars(
                select(File.id).where(File.id.in_([i for i in file_ids if fits_id(i)])))))
            if unknown:
                raise NotFound("no file %(ids)s", field="file_id",
                               ids=", ".join(map(str, unknown)))
            stmt = stmt.where(File.id.in_(file_ids))
        ids = list(session.scalars(stmt.order_by(File.id)))
        staged = [requeue(kho, session, i, retrying=True) for i in ids]
    outbox.send(kho, [job for job in staged if job is not None])   # outbox rows, not files
    return ids


def requeue(kho: Kho, session: Session, file_id: int, *, retrying: bool = False) -> Optional[int]:
    """In ``session``: put a file whose lease ran out (or, ``retrying``, a failed one)
    back to "queued" with its job staged; None if another session did first."""
    free = leases.expired(utcnow())
    if retrying:
        free = or_(free, File.status == "failed")
    moved = session.execute(update(File).where(File.id == file_id, free)
                            .values(status="queued", claimed_by="", lease_expires_at=None,
                                    updated_at=utcnow())).rowcount
    return stage_file(kho, session, file_id) if moved else None
