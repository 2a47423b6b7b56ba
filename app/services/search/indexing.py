"""Keeping the search index in step with the catalogue.

All index writes go through the job queue (Whoosh allows one writer at a time; the
worker is that writer). A change marks the product in the ``index_backlog`` table in
the database and queues a flush; the flush reloads the marked products and writes them
in one commit, so a job that runs late or twice still writes the current state and a
burst of changes costs one index commit.
"""
from __future__ import annotations

import os
from datetime import timezone
from typing import Callable, Iterable, Iterator, Optional

from sqlalchemy import delete, select
from sqlalchemy.orm import Session, selectinload

from app.bootstrap import Kho
from app.services.access.visibility import OPEN_LEVELS, embargo_day, facts_of, index_tokens
from app.services.common.outbox import best_effort
from app.services.common.upsert import upsert
from app.services.search import sync
from archive.access import stricter
from archive.base import utcnow
from archive.models import Derivative, File, IndexBacklog, Product
from archive.tracks import CaptionTrack
from search_index import IndexedProduct, TrackText

JOB_FLUSH = "index.flush"
FLUSH_DELAY_SECONDS = 1.0   # index lag accepted to batch writes
BATCH = 500               # products loaded from the database at a time


def to_indexed(p: Product) -> IndexedProduct:
    """The index record of a product: codes for facets, texts for search, and who may
    find it (its access tokens, owning unit and embargo day, from the one rule:
    :func:`app.services.access.visibility.index_tokens`).

    A file whose own ``access_level`` is stricter than its product's — restricted or
    closed, since every searcher is signed in and so sees public and internal alike —
    gives the product's document nothing — not its text, filename, caption or transcript
    tracks, nor its broadcast copy: a document is found by everyone who may see the
    product, and such a file is not theirs to read (its owning office finds it by its
    product's other words, or opens the product). Its existence still counts for
    ``has_files`` (the product is not a file-less draft)."""
    facts = facts_of(p)
    files = [f for f in p.files if f.access_level in OPEN_LEVELS
             or stricter(p.access_level, f.access_level) == p.access_level]
    languages = p.terms_of("language")
    channels = p.terms_of("channel")
    return IndexedProduct(
        id=p.id, title=p.title, description=p.description or "", tags=list(p.tags or []),
        text="\n".join(f.text for f in files if f.text),
        filenames=[f.original_filename for f in files],
        kind=p.kind.code if p.kind else "", languages=[t.code for t in languages],
        themes=p.codes_of("theme"), conventions=p.codes_of("convention"),
        plan_task=p.plan_task.code if p.plan_task else "",
        lead_unit=p.lead_unit.code if p.lead_unit else "",
        communes=[u.code for u in p.communes], channels=[t.code for t in channels],
        year=p.produced_on.year if p.produced_on else None, produced_on=p.produced_on,
        status=p.status, digital_platform=any(t.digital_platform for t in channels),
        ethnic_language=any(t.ethnic_minority for t in languages),
        access_tokens=index_tokens(facts), owner_unit_id=p.lead_unit_id,
        embargo_day=embargo_day(p.embargo_until),
        updated_at=p.updated_at, has_files=bool(p.files),
        broadcast_copy=any(d.name == "broadcast" for f in files for d in f.derivatives),
        tracks=[TrackText(f.id, t.id, t.kind, [(c[0], c[2]) for c in t.cues or []])
                for f in files for t in f.tracks])


_LOAD = (selectinload(Product.terms), selectinload(Product.communes),
         selectinload(Product.audience_units), selectinload(Product.audience_roles),
         selectinload(Product.files).load_only(File.text, File.original_filename,
                                                File.access_level)
         .options(selectinload(File.derivatives).load_only(Derivative.name),
                  selectinload(File.tracks).load_only(CaptionTrack.kind, CaptionTrack.cues)))


def update_now(kho: Kho, product_ids: Iterable[int]) -> int:
    """Write the current state of ``product_ids`` to the index (deleting vanished ones)."""
    ids = sorted(set(product_ids))
    with kho.transaction() as session:
        products = session.scalars(select(Product).where(Product.id.in_(ids))
                                   .options(*_LOAD)).all()
        records = [to_indexed(p) for p in products]
    found = {r.id for r in records}
    missing = [i for i in ids if i not in found]
    if missing:
        kho.index.delete(missing)
    return kho.index.upsert(records) if records else 0


def register(kho: Kho) -> None:
    kho.queue.register(JOB_FLUSH, lambda: flush(kho), retries=5, retry_delay=2)


def mark(session: Session, product_ids: list[int]) -> None:
    """Add products to the backlog (or refresh their mark) inside ``session``'s
    transaction, so the mark commits with the change it stands for."""
    if not product_ids:
        return
    now = utcnow()
    upsert(session, IndexBacklog, [{"product_id": i, "queued_at": now} for i in product_ids],
           ("product_id",), {"queued_at": now})


def queue_flush(kho: Kho) -> bool:
    """Queue a flush of the backlog a moment from now, so a burst of changes (a bulk
    ingest, two workers finishing files) is written by one flush in one commit; the
    later flushes find the backlog empty and cost one query.

    Called after the marks committed: a queue that does not answer is logged, not
    raised — the marks stay in the backlog and a consumer's sweep queues the flush
    (``app.services.instance.sweeper``), so the write the user made still succeeds."""
    register(kho)
    return best_effort(kho, lambda: kho.queue.enqueue(JOB_FLUSH, delay=FLUSH_DELAY_SECONDS),
                "the index flush")


def queue_update(kho: Kho, product_ids: Iterable[int]) -> None:
    """Mark products for re-indexing and queue a flush."""
    ids = sorted(set(product_ids))
    if not ids:
        return
    with kho.transaction() as session:
        mark(session, ids)
    queue_flush(kho)


def flush(kho: Kho, limit: int = 5000) -> int:
    """Drain the backlog into the index; returns how many products were written.

    A product marked again while this runs keeps its (newer) mark and is written by
    the next round of the loop (or the next flush), so no change is lost between
    reading and deleting the backlog.

    On a search writer the new generation is then published for the readers
    (:func:`app.services.search.sync.after_write`; StorageError when the store
    refuses: the job is retried). A search reader never writes its index: it queues the
    flush again for the writer's consumer to take (the writer's sweeper would otherwise
    find the marks within a minute), and returns 0.
    """
    if sync.role(kho) == sync.READER:
        if not kho.queue.immediate:     # an immediate queue would run it here again
            queue_flush(kho)
        return 0
    written = 0
    while True:
        started = utcnow()
        with kho.transaction() as session:
            ids = list(session.scalars(select(IndexBacklog.product_id)
                                       .where(IndexBacklog.queued_at <= started)
                                       .order_by(IndexBacklog.product_id).limit(limit)))
        if not ids:
            sync.after_write(kho)
            return written
        written += update_now(kho, ids)
        with kho.transaction() as session:
            session.execute(delete(IndexBacklog).where(IndexBacklog.product_id.in_(ids),
                                                       IndexBacklog.queued_at <= started))


def _records(kho: Kho, ids: list[int],
             progress: Optional[Callable[[int], None]]) -> Iterator[IndexedProduct]:
    """Index records of ``ids``, loaded from the database 500 at a time."""
    for start in range(0, len(ids), BATCH):
        batch = ids[start:start + BATCH]
        with kho.transaction() as session:
            products = session.scalars(select(Product).where(Product.id.in_(batch))
                                       .options(*_LOAD)).all()
            yield from (to_indexed(p) for p in products)
        if progress:
            progress(len(batch))


def reindex_all(kho: Kho, progress: Optional[Callable[[int], None]] = None) -> int:
    """Rebuild the whole index from the database; ``progress(n)`` after each batch.

    The records stream from the database 500 at a time into
    :meth:`SearchIndex.rebuild`, which writes them in ``index_build_processes``
    processes and swaps the new segments in with one commit: searches keep
    the old index until then, and memory does not grow with the catalogue.
    Raises ServiceUnavailable while another writer (a flush) holds the index, and
    ValidationError on a search reader (it follows the writer's index). On a search
    writer the new index is published for the readers.
    """
    sync.refuse_on_reader(kho, "kho reindex")
    started = utcnow()
    with kho.transaction() as session:
        ids = list(session.scalars(select(Product.id).order_by(Product.id)))
    written = kho.index.rebuild(_records(kho, ids, progress), processes=build_processes(kho),
                                expected=len(ids),
                                parallel_from=kho.settings.index_parallel_from)
    with kho.transaction() as session:  # marks older than the rebuild are satisfied
        session.execute(delete(IndexBacklog).where(IndexBacklog.queued_at <= started))
    sync.after_write(kho)
    return written


def build_processes(kho: Kho) -> int:
    """Processes a rebuild writes with: the setting, or one per CPU up to 4 when 0."""
    configured = kho.settings.index_build_processes
    return configured if configured > 0 else max(1, min(4, os.cpu_count() or 1))


def check(kho: Kho) -> dict[str, list[int]]:
    """Products missing from the index, stale in it, or indexed but deleted."""
    indexed = kho.index.stored_versions()
    with kho.transaction() as session:
        rows = session.execute(select(Product.id, Product.updated_at)).all()
    missing, stale = [], []
    for pid, updated in rows:
        if pid not in indexed:
            missing.append(pid)
        elif indexed[pid] is None or _micro(indexed[pid]) != _micro(updated):
            stale.append(pid)
    known = {pid for pid, _ in rows}
    orphans = sorted(i for i in indexed if i not in known)
    return {"missing": missing, "stale": stale, "orphans": orphans}


def _micro(t) -> int:
    if t is None:
        return 0
    if t.tzinfo is None:
        t = t.replace(tzinfo=timezone.utc)
    return int(t.timestamp() * 1_000_000)
