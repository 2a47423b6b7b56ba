"""Registering every job on the queue, and recovery when a consumer starts."""
from __future__ import annotations

from app.bootstrap import Kho


def register_all(kho: Kho) -> None:
    from app.services import indexing, processing

    indexing.register(kho)
    processing.register(kho)


def recover_unfinished(kho: Kho) -> int:
    """Re-queue work a killed consumer left behind (see processing.recover_unfinished)."""
    from app.services import processing

    single = not kho.settings.queue_url.startswith(("redis", "rediss", "unix"))
    return processing.recover_unfinished(kho, single_consumer=single)
