"""Deleted records for harvesters: a product that was public and is gone or hidden.

OAI-PMH asks a repository that declares deletedRecord ``persistent`` to keep telling
harvesters about deletions forever. A public product that an admin deletes, or that
becomes sensitive, leaves a tombstone (its id, the datestamp of its going, its sets);
a sensitive product made public again loses it and is disseminated as a record with a
fresh datestamp. A product that was sensitive from the start was never disseminated, so
its deletion leaves nothing (its existence never leaked and does not now).

The hooks run inside the transaction of the change, so a tombstone exists exactly when
the change committed.
"""
from __future__ import annotations

from datetime import datetime
from typing import Iterator, Optional

from sqlalchemy import delete, or_, select
from sqlalchemy.orm import Session

from app.services.records.native import RecordQuery, as_utc, set_specs
from app.services.common.upsert import upsert
from archive.base import utcnow
from archive.harvests import Tombstone
from archive.models import Product

REASONS = ("deleted", "sensitive")


def _write(session: Session, product: Product, reason: str, at: datetime) -> None:
    sets = " " + " ".join(set_specs(product)) + " "
    upsert(session, Tombstone, [{"product_id": product.id, "datestamp": at, "sets": sets,
                                 "reason": reason}], key=["product_id"],
           updates=lambda stmt: {"datestamp": stmt.excluded.datestamp,
                                 "reason": stmt.excluded.reason})


def on_delete(session: Session, product: Product, was_public: bool) -> None:
    """Before ``product`` is deleted: leave a tombstone if it was ever disseminated
    (public now, or hidden later and already tombstoned)."""
    had = session.get(Tombstone, product.id) is not None
    if was_public or had:
        _write(session, product, "deleted", utcnow())


def on_sensitivity(session: Session, product: Product, before: bool, after: bool) -> None:
    """After an edit changed ``sensitive`` from ``before`` to ``after`` (the product's
    datestamp already bumped): hide it from harvesters, or bring it back."""
    if before == after:
        return
    if after:
        _write(session, product, "sensitive", product.updated_at or utcnow())
    else:
        session.execute(delete(Tombstone).where(Tombstone.product_id == product.id))


def _like(spec: str) -> str:
    return spec.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def conditions(query: RecordQuery) -> list:
    """WHERE clauses selecting the tombstones of ``query`` (its scope is irrelevant:
    tombstones are what the public scope no longer shows)."""
    where = []
    if query.since is not None:
        where.append(Tombstone.datestamp >= as_utc(query.since))
    if query.before is not None:
        where.append(Tombstone.datestamp < as_utc(query.before))
    if query.set is not None:
        spec = str(query.set)
        pattern = f"% {_like(spec)} %" if query.set.value else f"% {_like(spec)}:%"
        where.append(Tombstone.sets.like(pattern, escape="\\"))
    if query.after is not None:
        stamp, last_id = as_utc(query.after[0]), query.after[1]
        where += [Tombstone.datestamp >= stamp,      # a range the datestamp index serves
                  or_(Tombstone.datestamp > stamp, Tombstone.product_id > last_id)]
    return where


def iter_tombstones(session: Session, query: RecordQuery = RecordQuery(), *,
                    limit: Optional[int] = None) -> Iterator[Tombstone]:
    """Tombstones of ``query`` in (datestamp, product id) order."""
    stmt = (select(Tombstone).where(*conditions(query))
            .order_by(Tombstone.datestamp, Tombstone.product_id))
    if limit is not None:
        stmt = stmt.limit(limit)
    yield from session.scalars(stmt)
