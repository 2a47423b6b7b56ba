"""The worker's rolling preservation audit: fixity of every original, replica outbox.

Every ``AUDIT_EVERY_MINUTES`` the consumer runs :func:`audit_tick`. It checks the
originals that are due, oldest-checked first, for at most ``SLICE_SECONDS``, reading
at most ``fixity_rate_mb_s`` MB/s, then drains the replica outbox. An original is due
once ``DUE_FRACTION`` of ``fixity_interval_days`` has passed since its last check (or
it was never checked), so each is re-checked within the interval as long as the whole
archive can be read in the remaining tenth at that rate. Each verdict commits on its
own: a killed worker loses at most the object it was reading, and the next tick goes
on from there (resumable). With several consumers a database lease lets one audit run
at a time; a lease left by an ended consumer of the same machine (stopped mid-tick) is
taken over at once rather than after ``LEASE_SECONDS``. The audit never repairs: an operator runs ``kho fixity --repair``.
"""
from __future__ import annotations

import logging
import os
import socket
import time
from datetime import timedelta

from sqlalchemy import delete, update
from sqlalchemy.exc import IntegrityError

from app.bootstrap import Kho
from app.services.preservation import fixity
from app.services.preservation import replication
from archive.base import utcnow
from archive.preservation import PreservationLease

JOB_AUDIT = "preservation.audit"
AUDIT_EVERY_MINUTES = 5
SLICE_SECONDS = 240.0        # fixity work per tick; shorter than the tick period
LEASE_SECONDS = 1800         # longer than a slice plus one large object at a slow rate
DUE_FRACTION = 0.9
# due originals selected at a time: choosing them groups every stored object with its
# checks (2.4 CPU-s at 751,000 objects on SQLite, whatever the limit), so a slice
# chooses rarely; what a slice has no time left for is chosen again by the next tick
BATCH = 2000
LEASE_NAME = "fixity-audit"
log = logging.getLogger("kho.audit")


def register(kho: Kho) -> None:
    kho.queue.register_periodic(JOB_AUDIT, lambda: audit_tick(kho),
                                every_minutes=AUDIT_EVERY_MINUTES)


def _holder() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"


def _ended_here(holder: str) -> bool:
    """Whether ``holder`` (``host:pid``) was a process of this machine that has ended.

    A consumer stopped in the middle of a tick (``kho serve`` gives it 30 s, a slice runs
    up to ``SLICE_SECONDS``) never releases its lease; without this the next server's
    audit would wait up to ``LEASE_SECONDS`` for it to expire. Another machine's holder,
    or a process still running, is never taken over before its lease expires."""
    host, _, pid = holder.rpartition(":")
    if host != socket.gethostname() or not pid.isdigit() or int(pid) == os.getpid():
        return False
    try:
        os.kill(int(pid), 0)
    except ProcessLookupError:
        return True
    except PermissionError:      # alive, another user's
        return False
    return False


def acquire_lease(kho: Kho, name: str = LEASE_NAME, seconds: float = LEASE_SECONDS) -> bool:
    """Take the lease ``name`` if it is free, expired, or held by an ended process of
    this machine; True when this process holds it."""
    now = utcnow()
    until = now + timedelta(seconds=seconds)
    with kho.transaction() as session:
        taken = session.execute(update(PreservationLease)
                                .where(PreservationLease.name == name,
                                       PreservationLease.expires_at < now)
                                .values(holder=_holder(), expires_at=until)).rowcount
        if taken:
            return True
        lease = session.get(PreservationLease, name)
        if lease is not None:
            if not _ended_here(lease.holder):
                return False
            # compare-and-set on the ended holder: of two consumers, one takes it
            return bool(session.execute(update(PreservationLease)
                                        .where(PreservationLease.name == name,
                                               PreservationLease.holder == lease.holder)
                                        .values(holder=_holder(), expires_at=until)).rowcount)
    try:
        with kho.transaction() as session:
            session.add(PreservationLease(name=name, holder=_holder(), expires_at=until))
    except IntegrityError:       # another consumer created it a moment ago
        return False
    return True


def release_lease(kho: Kho, name: str = LEASE_NAME) -> None:
    with kho.transaction() as session:
        session.execute(delete(PreservationLease).where(PreservationLease.name == name,
                                                        PreservationLease.holder == _holder()))


def _answering(kho: Kho) -> dict:
    """The copies whose store answers now (one that is down waits for a later tick,
    so the other copy's audit goes on)."""
    stores = {}
    for name, store in fixity.copies(kho).items():
        try:
            store.check()
        except Exception:  # noqa: BLE001 - any failure means: not this tick
            continue
        stores[name] = store
    return stores


def audit_tick(kho: Kho, slice_seconds: float = SLICE_SECONDS) -> fixity.FixityReport:
    """One slice of the rolling audit (see the module docstring); returns what it did."""
    report = fixity.FixityReport()
    if not acquire_lease(kho):
        return report
    try:
        stores = _answering(kho)
        due_days = kho.settings.fixity_interval_days * DUE_FRACTION
        deadline = time.monotonic() + slice_seconds
        seen: set[str] = set()
        while stores and time.monotonic() < deadline:
            targets = [t for t in fixity.select_targets(kho, since_last_days=due_days,
                                                        limit=BATCH, copy_names=stores)
                       if t.storage_key not in seen]
            if not targets:
                break            # nothing due, or only what could not be read this tick
            seen.update(t.storage_key for t in targets)
            part = fixity.run(kho, targets, rate_mb_s=kho.settings.fixity_rate_mb_s or None,
                              should_stop=lambda: time.monotonic() >= deadline, stores=stores)
            report.objects += part.objects
            report.bytes_read += part.bytes_read
            report.checks.extend(part.checks)
        drained = replication.drain_outbox(kho)
    finally:
        release_lease(kho)
    _log(report, drained)
    return report


def _log(report: fixity.FixityReport, drained: replication.DrainReport) -> None:
    """A line per run that did something; a warning per faulty copy (an operator's log
    alert can fire on ``kho.audit`` warnings)."""
    for check in report.faulty:
        log.warning("fixity audit: %s copy of %s is %s (found %s)", check.copy,
                    check.target.storage_key, check.verdict, check.found.sha256 or "nothing")
    if report.objects or drained.copied or drained.failed:
        log.info("fixity audit: %d originals checked, %d bytes read, %d faulty, %d "
                 "unreadable; replica outbox: %d copied, %d failed", report.objects,
                 report.bytes_read, len(report.faulty), len(report.errors), drained.copied,
                 drained.failed)
