"""Registering every job on the queue, and recovery when a consumer starts."""
from __future__ import annotations

from app.bootstrap import Kho


def register_all(kho: Kho) -> None:
    from app.services import audit, indexing, processing, replication

    indexing.register(kho)
    processing.register(kho)
    replication.register(kho)
    audit.register(kho)


def recover_unfinished(kho: Kho) -> int:
    """Re-queue work a killed consumer left behind (see processing.recover_unfinished)."""
    from app.services import processing

    from sqlalchemy import select

    from app.services import indexing
    from archive.models import IndexBacklog

    single = not kho.settings.queue_url.startswith(("redis", "rediss", "unix"))
    count = processing.recover_unfinished(kho, single_consumer=single)
    with kho.transaction() as session:
        backlog = session.scalar(select(IndexBacklog.product_id).limit(1))
    if backlog is not None:      # a flush may have died with the last consumer
        kho.queue.enqueue(indexing.JOB_FLUSH)
        count += 1
    count += _recover_outbox(kho)
    return count


def _recover_outbox(kho: Kho) -> int:
    """Queue a drain when originals still wait for their replica copy."""
    from sqlalchemy import select

    from app.services import replication
    from archive.preservation import ReplicaOutbox

    with kho.transaction() as session:
        waiting = session.scalar(select(ReplicaOutbox.storage_key).limit(1))
    if waiting is None or kho.replica is None:
        return 0
    replication.queue_drain(kho)
    return 1
