"""Which version of each product was last sent out (over OAI-PMH or in an export).

One rule for both doors: an older version never replaces a newer one, because a
harvester may have fetched a newer version while an export of an older snapshot was
still being written (or the other way round).
"""
from __future__ import annotations

from typing import Any, Mapping, Sequence

from sqlalchemy import case
from sqlalchemy.orm import Session

from app.services.common.upsert import upsert_many
from archive.harvests import Publication

FIELDS = ("version_at", "via", "receipt_id", "at")


def note_published(session: Session, rows: Sequence[Mapping[str, Any]]) -> None:
    """Insert or refresh publication rows (``product_id`` plus :data:`FIELDS`; at most
    one row per product) in ``session``'s transaction, never moving a product's
    ``version_at`` backwards."""
    table = Publication.__table__

    def newer_wins(stmt) -> dict:
        newer = stmt.excluded.version_at >= table.c.version_at
        return {name: case((newer, getattr(stmt.excluded, name)), else_=table.c[name])
                for name in FIELDS}

    upsert_many(session, table, rows, ["product_id"], newer_wins)
