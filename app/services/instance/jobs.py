"""Registering every job on the queue, and recovery when a consumer starts."""
from __future__ import annotations

from app.bootstrap import Kho
from app.services.common import outbox
from app.services.instance import sweeper
from app.services.preservation import replication, rolling_audit
from app.services.processing import pipeline
from app.services.search import indexing


def register_all(kho: Kho) -> None:
    indexing.register(kho)
    pipeline.register(kho)
    replication.register(kho)
    rolling_audit.register(kho)


def recover_unfinished(kho: Kho) -> int:
    """Send what a killed process or a queue outage left behind: jobs waiting in the
    outbox, files whose consumer died (lease run out), queued files the queue lost,
    a pending index flush and replica copies (see ``app.services.instance.sweeper``).
    Returns how many jobs were queued."""
    register_all(kho)
    return sweeper.sweep(kho, look_for_lost=True).queued


def send_waiting(kho: Kho) -> int:
    """At start-up of a process that runs no consumer (``kho init``, ``kho serve
    --no-worker``): send the jobs the outbox holds, and nothing else (taking over
    files is a consumer's task). Returns how many were sent; 0 when the queue still
    does not answer."""
    register_all(kho)
    return outbox.drain(kho).sent
