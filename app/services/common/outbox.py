"""Sending jobs that a committed write decided on, even when the queue was down.

A write stages its job with :func:`stage` inside its own transaction (a
:class:`archive.outbox.JobOutbox` row); after the commit :func:`send` hands it to the
queue and deletes the row. When the queue does not answer (Redis unreachable, the
SQLite queue file locked or on a full disk) the write still stands and the caller
tells the user that processing is *pending*; the row stays, and :func:`drain` —
run by every consumer at start-up and every few seconds (``app.services.instance.sweeper``),
and by ``kho init`` and ``kho serve`` — sends it once the queue is back.

A job may be sent twice (the queue took it, then the process died before the row
was deleted; or two consumers drained at once): every Kho job is idempotent.
"""
from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any, Callable, Iterable

from sqlalchemy import delete, func, select, update
from sqlalchemy.orm import Session

from app.bootstrap import Kho
from archive.errors import ServiceUnavailable
from archive.outbox import JobOutbox

log = logging.getLogger("kho.outbox")
DRAIN_BATCH = 500          # rows sent per drain round


def stage(session: Session, name: str, *args: Any) -> int:
    """Add job ``name(*args)`` (JSON-safe args) to the outbox in ``session``'s
    transaction; returns the row id for :func:`send`."""
    row = JobOutbox(name=name, args=list(args))
    session.add(row)
    session.flush()
    return row.id


def send(kho: Kho, ids: Iterable[int]) -> bool:
    """Send staged jobs ``ids`` (after their transaction committed) and delete their
    rows. False when the queue did not answer: the rest stay for :func:`drain`."""
    ids = list(ids)
    if not ids:
        return True
    with kho.transaction() as session:
        rows = session.execute(select(JobOutbox.id, JobOutbox.name, JobOutbox.args)
                               .where(JobOutbox.id.in_(ids)).order_by(JobOutbox.id)).all()
    return _send_rows(kho, rows) == len(rows)


def _send_rows(kho: Kho, rows) -> int:
    """Send ``rows`` in order; returns how many were sent before the queue refused."""
    for done, (row_id, name, args) in enumerate(rows):
        try:
            kho.queue.enqueue(name, *args)
        except ServiceUnavailable as exc:
            reason = str(exc).splitlines()[0]
            log.warning("job queue unreachable, job %s%s waits in the outbox: %s",
                        name, tuple(args), reason)
            with kho.transaction() as session:
                session.execute(update(JobOutbox).where(JobOutbox.id == row_id)
                                .values(attempts=JobOutbox.attempts + 1,
                                        last_error=reason[:2000]))
            return done
        with kho.transaction() as session:
            session.execute(delete(JobOutbox).where(JobOutbox.id == row_id))
    return len(rows)


@dataclass
class DrainReport:
    sent: int = 0
    waiting: int = 0          # rows left because the queue still does not answer


def drain(kho: Kho, batch: int = DRAIN_BATCH) -> DrainReport:
    """Send every waiting job, oldest first, until the outbox is empty or the queue
    refuses. Every job name must be registered (``jobs.register_all``)."""
    report = DrainReport()
    while True:
        with kho.transaction() as session:
            rows = session.execute(select(JobOutbox.id, JobOutbox.name, JobOutbox.args)
                                   .order_by(JobOutbox.id).limit(batch)).all()
        if not rows:
            return report
        sent = _send_rows(kho, rows)
        report.sent += sent
        if sent < len(rows):
            report.waiting = waiting(kho)
            return report


def waiting(kho: Kho) -> int:
    """Jobs in the outbox (``kho check``)."""
    with kho.transaction() as session:
        return session.scalar(select(func.count(JobOutbox.id))) or 0


def best_effort(kho: Kho, queue_it: Callable[[], None], what: str) -> bool:
    """Run ``queue_it`` (an enqueue whose work is already recorded in the database,
    like the index backlog or the replica outbox) and report instead of raising
    when the queue is down: a consumer's sweep queues that work again later."""
    try:
        queue_it()
    except ServiceUnavailable as exc:
        log.warning("job queue unreachable, %s waits: %s", what, str(exc).splitlines()[0])
        return False
    return True
