"""Operational figures of an instance, for ``/metrics``: read from the database and the
queue when scraped. Each figure that cannot be read (queue down) is left out rather
than failing the scrape."""
from __future__ import annotations

from datetime import timezone
from typing import Any

from sqlalchemy import func, select

from app.bootstrap import Kho
from app.services.preservation.status import replica_lag
from app.services.search.sync import node_status
from archive.base import utcnow
from archive.models import File, IndexBacklog
from archive.preservation import CopyFixity


def figures(kho: Kho) -> dict[str, Any]:
    """``queue_pending``, ``index_backlog``, ``originals``, ``files_by_status``
    {status: n}, ``fixity`` {(copy, verdict): n} for objects the catalogue points at,
    ``fixity_never_checked`` (originals), ``fixity_oldest_check_seconds`` (age of the
    oldest verdict: the audit is stalled when it nears the interval), with a
    replica ``replica_waiting`` and ``replica_lag_seconds``, and on a search writer or
    reader ``search_generation``, ``search_latest_generation``, ``search_lag_seconds``
    (``app.services.search.sync.node_status``)."""
    data: dict[str, Any] = {}
    try:
        data["queue_pending"] = kho.queue.pending_count()
    except Exception:  # noqa: BLE001 - a queue that does not answer: no figure
        data["queue_pending"] = None
    with kho.transaction() as session:
        data["index_backlog"] = session.scalar(select(func.count()).select_from(IndexBacklog))
        data["originals"] = session.scalar(
            select(func.count()).select_from(select(File.storage_key).distinct().subquery()))
        data["files_by_status"] = dict(session.execute(
            select(File.status, func.count()).group_by(File.status)).all())
        rows = session.execute(
            select(CopyFixity.copy, CopyFixity.verdict, func.count())
            .where(CopyFixity.storage_key.in_(select(File.storage_key)))
            .group_by(CopyFixity.copy, CopyFixity.verdict)).all()
        data["fixity"] = {(copy, verdict): count for copy, verdict, count in rows}
        checked = session.scalar(
            select(func.count()).select_from(
                select(CopyFixity.storage_key).distinct()
                .where(CopyFixity.storage_key.in_(select(File.storage_key))).subquery()))
        oldest = session.scalar(select(func.min(CopyFixity.checked_at)).where(
            CopyFixity.storage_key.in_(select(File.storage_key))))
    data["fixity_never_checked"] = (data["originals"] or 0) - (checked or 0)
    data["fixity_oldest_check_seconds"] = \
        (utcnow() - _aware(oldest)).total_seconds() if oldest else None
    search = node_status(kho)
    if search is not None:
        data["search_generation"] = search.generation
        data["search_latest_generation"] = search.latest_generation
        data["search_lag_seconds"] = search.lag_seconds
    if kho.replica is not None:
        lag = replica_lag(kho)
        data["replica_waiting"] = lag.waiting
        data["replica_lag_seconds"] = (utcnow() - _aware(lag.oldest)).total_seconds() \
            if lag.oldest else 0
    return data


def _aware(moment):
    """SQLite gives naive datetimes back; they are UTC."""
    return moment if moment.tzinfo else moment.replace(tzinfo=timezone.utc)
