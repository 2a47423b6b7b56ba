"""What every consumer does at start-up and every few seconds while it runs, so no
job is lost to a killed process or a queue outage.

One :func:`sweep`:

1. sends the jobs waiting in the outbox (``app.services.common.outbox``);
2. puts files whose consumer died — "processing" with a lease run out
   (``app.services.common.leases``) — back to "queued" with a new job; with a 30 s lease
   and a sweep every 10 s a dead worker's file is taken up by a live one within
   about 40 s;
3. queues an index flush when the index backlog has waited longer than a flush
   should take (its flush was lost with the queue), and a replica drain when
   originals wait for their second copy; on a search writer, publishes a generation
   a killed flush left unpublished (``app.services.search.sync``);
4. folds products marked for the office's figures into their summary rows, a few
   thousand per sweep (``app.services.stats.summary``): after a bulk import or a
   changed vocabulary requests count the old way until the workers are through; and
   deletes the people figures' old change marks (``stats_people_changes``);
5. with ``look_for_lost`` (at start-up and every few minutes): re-queues "queued"
   files that have no job anywhere — not in the outbox, not waiting in the queue
   (a Redis flushed or a queue file replaced).

Several consumers sweeping at once is safe: each step is a conditional UPDATE or an
idempotent job.
"""
from __future__ import annotations

import logging
import threading
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import Optional

from sqlalchemy import func, select

from app.bootstrap import Kho
from app.services.search import indexing, sync
from app.services.stats import cache, summary
from app.services.common import leases
from app.services.common import outbox
from app.services.processing import pipeline
from app.services.preservation import replication
from archive.base import utcnow
from archive.errors import KhoError, ServiceUnavailable
from archive.models import File, IndexBacklog
from archive.outbox import JobOutbox
from archive.preservation import ReplicaOutbox

log = logging.getLogger("kho.sweeper")
SWEEP_SECONDS = 10.0        # between sweeps of a running consumer
LOST_EVERY = 30             # sweeps between searches for queued files with no job (5 min)
FLUSH_GRACE = timedelta(seconds=30)   # an index mark older than this lost its flush
LOST_GRACE = timedelta(seconds=60)    # a queued file younger than this may be in flight


@dataclass
class SweepReport:
    sent: int = 0            # outbox jobs sent
    taken_over: int = 0      # files of dead consumers queued again
    lost: int = 0            # queued files with no job, queued again
    other: int = 0           # index flush, replica drain
    waiting: int = 0         # outbox jobs still waiting for the queue

    @property
    def queued(self) -> int:
        return self.sent + self.taken_over + self.lost + self.other


def sweep(kho: Kho, *, look_for_lost: bool = False) -> SweepReport:
    """One round (see the module text); job names must be registered."""
    drained = outbox.drain(kho)
    report = SweepReport(sent=drained.sent, waiting=drained.waiting)
    if drained.waiting:          # the queue is down: the rest would wait too
        return report
    report.taken_over = _take_over_expired(kho)
    now = utcnow()
    with kho.transaction() as session:
        oldest_mark = session.scalar(select(func.min(IndexBacklog.queued_at)))
        replica_waits = session.scalar(select(ReplicaOutbox.storage_key).limit(1))
    if oldest_mark is not None and (look_for_lost or _aware(oldest_mark) < now - FLUSH_GRACE):
        report.other += indexing.queue_flush(kho)
    _publish_missed(kho)
    if replica_waits is not None and kho.replica is not None and look_for_lost:
        report.other += outbox.best_effort(kho, lambda: replication.queue_drain(kho),
                                           "the replica drain")
    _fold_figures(kho)
    if look_for_lost:
        report.lost = _requeue_lost(kho)
    return report


def _fold_figures(kho: Kho) -> None:
    try:
        summary.fold(kho, budget=summary.SWEEP_BUDGET)
        cache.prune_people_marks(kho)
    except KhoError as exc:
        log.warning("figures not folded this round: %s", exc)


def _publish_missed(kho: Kho) -> None:
    """On a search writer, publish a generation whose flush ended before publishing it
    (killed, or the object store did not answer); readers keep the previous one until
    then."""
    try:
        sync.after_write(kho)
    except KhoError as exc:
        log.warning("search generation not published yet: %s", exc)


def _aware(moment: datetime) -> datetime:
    """SQLite hands back naive UTC datetimes."""
    return moment if moment.tzinfo else moment.replace(tzinfo=timezone.utc)


def _take_over_expired(kho: Kho) -> int:
    with kho.transaction() as session:
        ids = list(session.scalars(select(File.id).where(leases.expired(utcnow()))))
        jobs = [job for job in (pipeline.requeue(kho, session, i) for i in ids) if job]
    if jobs:
        log.warning("files %s: their consumer stopped renewing its claim; queued again", ids)
        outbox.send(kho, jobs)
    return len(jobs)


def _requeue_lost(kho: Kho) -> int:
    """Queued files with no job in the outbox or the queue (older than LOST_GRACE)."""
    try:
        in_queue = {args[0] for args in kho.queue.waiting_args(pipeline.JOB_PROCESS) if args}
    except ServiceUnavailable:
        return 0
    with kho.transaction() as session:
        staged = {args[0] for args in session.scalars(
            select(JobOutbox.args).where(JobOutbox.name == pipeline.JOB_PROCESS)) if args}
        ids = [i for i in session.scalars(
            select(File.id).where(File.status == "queued",
                                  File.updated_at < utcnow() - LOST_GRACE))
            if i not in in_queue and i not in staged]
        jobs = [pipeline.stage_file(kho, session, i) for i in ids]
    if jobs:
        log.warning("files %s were queued with no job; queued again", ids)
        outbox.send(kho, jobs)
    return len(jobs)


class Sweeper:
    """Runs :func:`sweep` in a daemon thread of a consumer, every ``every`` seconds:
    by default :data:`SWEEP_SECONDS`, or a third of the job lease when that is shorter
    (a dead consumer's file is then taken over within about 1.3 leases, whatever the
    lease: an operator who shortens it wants a faster takeover), at least 1 s (as the
    heartbeat: a lease of 0 must not make the sweeper spin on the database)."""

    def __init__(self, kho: Kho, every: Optional[float] = None) -> None:
        self.kho = kho
        self.every = every if every is not None else \
            max(1.0, min(SWEEP_SECONDS, kho.settings.job_lease_seconds / 3))
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True, name="kho-sweeper")

    def _run(self) -> None:
        rounds = 0
        while not self._stop.wait(self.every):
            rounds += 1
            try:
                sweep(self.kho, look_for_lost=rounds % LOST_EVERY == 0)
            except Exception:  # noqa: BLE001 - a database blip must not end the sweeps
                log.exception("sweep failed; trying again in %s s", self.every)

    def start(self) -> "Sweeper":
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(timeout=10)
