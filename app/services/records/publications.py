"""Which version of each product was last sent out (over OAI-PMH or in an export).

One rule for both doors: an older version never replaces a newer one, because a
harvester may have fetched a newer version while an export of an older snapshot was
still being written (or the other way round).

A version sent again (every page of every harvest re-sends the versions it already
sent) refreshes ``via``, ``receipt_id`` and ``at`` and leaves ``version_at`` out of the
UPDATE: the statistics triggers (migration 0024) mark a product whenever
``version_at`` is written, even to the value it had, so re-sending a page marked its
hundred products for the figures to be counted again for nothing.
"""
from __future__ import annotations

from functools import lru_cache
from typing import Any, Mapping, Sequence

from sqlalchemy import bindparam, select, update
from sqlalchemy.orm import Session

from app.services.common.upsert import dialect_insert
from app.services.records.native import as_utc
from archive.harvests import Publication

FIELDS = ("version_at", "via", "receipt_id", "at")


@lru_cache(maxsize=None)
def _versions_statement() -> Any:
    """The noted versions of some products (``ids``), built once: it runs for every
    OAI-PMH page, and building a statement costs about what running it does."""
    table = Publication.__table__
    return select(table.c.product_id, table.c.version_at).where(
        table.c.product_id.in_(bindparam("ids", expanding=True)))


@lru_cache(maxsize=None)
def _statements(insert) -> tuple[Any, Any]:
    """(insert, or replace by a newer version; refresh of the same version), built
    once per dialect (``insert``: the dialect's ``insert``)."""
    table = Publication.__table__
    stmt = insert(table)
    newer = stmt.on_conflict_do_update(
        index_elements=["product_id"],
        set_={name: getattr(stmt.excluded, name) for name in FIELDS},
        where=stmt.excluded.version_at > table.c.version_at)
    again = (update(table)
             .where(table.c.product_id == bindparam("b_product_id"),
                    table.c.version_at == bindparam("b_version_at"))
             .values(via=bindparam("b_via"), receipt_id=bindparam("b_receipt_id"),
                     at=bindparam("b_at")))
    return newer, again


def note_published(session: Session, rows: Sequence[Mapping[str, Any]]) -> None:
    """Insert or refresh publication rows (``product_id`` plus :data:`FIELDS`; at most
    one row per product) in ``session``'s transaction, never moving a product's
    ``version_at`` backwards: a newer version replaces the row, the same version
    refreshes ``via``, ``receipt_id`` and ``at``, an older one changes nothing.

    The rows' current versions are read first (one SELECT), so each row goes to the one
    statement it needs, each executed once with its rows: a harvest's page is all new
    or all sent before. A row written by another transaction meanwhile stays right:
    the insert is an upsert that only a newer version wins, and the refresh matches
    only the version it read."""
    if not rows:
        return
    newer, again = _statements(dialect_insert(session))
    connection = session.connection()
    noted = dict(connection.execute(_versions_statement(),
                                    {"ids": [row["product_id"] for row in rows]}).all())
    inserts, refreshes = [], []
    for row in rows:
        version = noted.get(row["product_id"])
        if version is not None:
            version = as_utc(version)
        if version is None or as_utc(row["version_at"]) > version:
            inserts.append(dict(row))
        elif as_utc(row["version_at"]) == version:
            refreshes.append({f"b_{k}": row[k] for k in ("product_id", *FIELDS)})
    if inserts:
        connection.execute(newer, inserts)
    if refreshes:
        connection.execute(again, refreshes)
