"""Claims on files being processed: a short lease, renewed by a heartbeat.

A consumer takes a file with one conditional UPDATE (``queued``, or ``processing``
whose lease ran out) that writes its own claim token and ``lease_expires_at =
now + job_lease_seconds``. While it works a :class:`Heartbeat` thread renews the
lease every third of that time. A consumer killed with SIGKILL stops renewing, so its
file is free again within one lease (30 s by default) and any live consumer's sweep
(``app.services.instance.sweeper``) re-queues it; a live consumer never loses its file, so two
never process the same file at once. Should a holder stall longer than its lease
(the database unreachable for that long) and another consumer take over, the first
notices when it records its results (:func:`release` finds another token) and
discards them.

Why a lease and not a lock held by a database connection: the claim must outlive
nothing but the process, work the same on SQLite and PostgreSQL, and be visible to
``kho retry``/``kho check``; a row lock would pin a connection for an hour-long
transcode.
"""
from __future__ import annotations

import logging
import os
import socket
import threading
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Optional

from sqlalchemy import or_, update
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from app.bootstrap import Kho
from archive.base import utcnow
from archive.models import File

log = logging.getLogger("kho.leases")


@dataclass(frozen=True)
class Claim:
    """One attempt at processing ``file_id``; ``token`` is unique per attempt (it also
    names the attempt's work folder)."""

    file_id: int
    token: str

    @property
    def suffix(self) -> str:
        return self.token.rsplit(":", 1)[-1]


def new_token() -> str:
    """``host:pid:random`` — who holds a claim, readable in the database."""
    return f"{socket.gethostname()[:80]}:{os.getpid()}:{uuid.uuid4().hex[:12]}"


def lease_ends(kho: Kho, now: Optional[datetime] = None) -> datetime:
    return (now or utcnow()) + timedelta(seconds=kho.settings.job_lease_seconds)


def expired(now: datetime):
    """SQL condition: a file some consumer claimed whose lease ran out (or a claim
    from before leases existed)."""
    return (File.status == "processing") & or_(File.lease_expires_at.is_(None),
                                               File.lease_expires_at < now)


def claim(kho: Kho, file_id: int, *, force: bool = False) -> Optional[Claim]:
    """Take ``file_id`` if it waits (or its holder died); None if another consumer
    holds it or it needs no processing. ``force`` takes a ready or failed file too
    (rebuilding derivatives), never one with a live lease."""
    now = utcnow()
    free = or_(File.status == "queued", expired(now))
    if force:
        free = or_(File.status != "processing", expired(now))
    token = new_token()
    with kho.transaction() as session:
        taken = session.execute(
            update(File).where(File.id == file_id, free)
            .values(status="processing", attempts=File.attempts + 1, updated_at=now,
                    claimed_by=token, lease_expires_at=lease_ends(kho, now),
                    problem="", problem_params={}, error_detail="")).rowcount
    return Claim(file_id, token) if taken else None


def renew(kho: Kho, held: Claim) -> bool:
    """Move the lease on; False when the claim is no longer ours."""
    with kho.transaction() as session:
        return bool(session.execute(
            update(File).where(File.id == held.file_id, File.claimed_by == held.token,
                               File.status == "processing")
            .values(lease_expires_at=lease_ends(kho))).rowcount)


def release(session: Session, held: Claim) -> bool:
    """In the transaction recording the results: end the claim; False (record
    nothing) when another consumer took the file meanwhile. The UPDATE also takes
    the row's write lock first, so the check and the record are one step."""
    return bool(session.execute(
        update(File).where(File.id == held.file_id, File.claimed_by == held.token)
        .values(claimed_by="", lease_expires_at=None)).rowcount)


class Heartbeat:
    """Renews ``held`` every third of the lease until stopped (a context manager).
    ``lost`` turns true when the claim went to someone else."""

    def __init__(self, kho: Kho, held: Claim) -> None:
        self.kho, self.held = kho, held
        self.lost = False
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True,
                                        name=f"kho-lease-{held.file_id}")

    def _run(self) -> None:
        every = max(1.0, self.kho.settings.job_lease_seconds / 3)
        while not self._stop.wait(every):
            try:
                if not renew(self.kho, self.held):
                    self.lost = True
                    log.warning("file %s: claim %s lost, results will be discarded",
                                self.held.file_id, self.held.token)
                    return
            except SQLAlchemyError as exc:   # database away: try again next beat
                log.warning("file %s: lease not renewed: %s", self.held.file_id, exc)

    def __enter__(self) -> "Heartbeat":
        self._thread.start()
        return self

    def __exit__(self, *exc_info) -> None:
        self._stop.set()
        self._thread.join(timeout=10)
