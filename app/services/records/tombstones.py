"""Deleted records for harvesters: a product that was harvestable and is gone or hidden.

OAI-PMH asks a repository that declares deletedRecord ``persistent`` to keep telling
harvesters about deletions forever. A harvestable product
(:func:`app.services.access.visibility.harvestable`: public, not embargoed, consents
allowing the website) that an admin deletes, or whose access changes so that it no
longer is (a stricter level, an embargo, a consent without the website), leaves a
tombstone (its id, the datestamp of its going, its sets); one that becomes harvestable
again loses it and is disseminated as a record with a fresh datestamp. A product that
was never harvestable was never disseminated, so its deletion leaves nothing (its
existence never leaked and does not now).

The hooks run inside the transaction of the change, so a tombstone exists exactly when
the change committed.

Two changes happen without an edit, by the calendar (no job runs for either):

- an embargo day comes: the product is harvestable again, as a record whose datestamp
  is that day's start (:func:`app.services.records.native.datestamp_of`), later than any
  tombstone its embargo left; a tombstone of a product harvestable today is not
  listed (:func:`conditions`), so a harvester sees the deletion, then the record;
- a consent ends (its ``until`` passes): from the next day the product is no longer
  harvestable (:mod:`app.services.access.consent`). Harvesters that have the record are
  told: :func:`note_lapses`, run before every OAI-PMH answer and public export reads
  tombstones, writes a tombstone (reason "consent") datestamped at the start, in
  Vietnam, of the day after the earliest ``until`` — the moment it stopped being
  disseminated — for every product that by its current facts was harvestable on the
  consent's last day (public, created before, embargo opened by then, every consent
  allowing the website). A product those facts say was never harvestable gets none
  (its existence is not revealed). The tombstone is kept if the consent is later
  extended (the edit's hook removes it), as any other.
"""
from __future__ import annotations

from datetime import date, datetime, timedelta
from functools import lru_cache
from typing import Iterator, Optional

from sqlalchemy import Date, String, bindparam, cast, delete, exists, func, not_, or_, select
from sqlalchemy.orm import Session

from app.services.access.consent import HARVEST_USE
from app.services.records.native import (DEFAULT_ZONE, RECORD_LOAD, RecordQuery, as_utc,
                                         embargo_start, harvestable_on, set_specs)
from app.services.common.upsert import upsert
from archive.access import ProductConsent
from archive.base import utcnow
from archive.harvests import Tombstone
from archive.models import Product

# "access": no longer harvestable after an edit; "consent": a consent ended
REASONS = ("deleted", "access", "consent")


def _write(session: Session, product: Product, reason: str, at: datetime) -> None:
    sets = " " + " ".join(set_specs(product)) + " "
    upsert(session, Tombstone, [{"product_id": product.id, "datestamp": at, "sets": sets,
                                 "reason": reason}], key=["product_id"],
           updates=lambda stmt: {"datestamp": stmt.excluded.datestamp,
                                 "reason": stmt.excluded.reason})


def on_delete(session: Session, product: Product, was_public: bool,
              today: Optional[date] = None, zone: str = DEFAULT_ZONE) -> None:
    """Before ``product`` is deleted: leave a tombstone if it was ever disseminated
    (harvestable now, hidden later and already tombstoned, or harvestable until a
    consent ended — :func:`note_lapses` may not have run since; ``today``: the
    Vietnamese date, None for today in ``zone``)."""
    had = session.get(Tombstone, product.id) is not None
    if was_public or had or _lapsed(product, today or _today(zone), zone):
        _write(session, product, "deleted", utcnow())


def _today(zone: str) -> date:
    from zoneinfo import ZoneInfo

    return utcnow().astimezone(ZoneInfo(zone)).date()


def _lapsed(product: Product, today: date, zone: str) -> bool:
    """:func:`note_lapses`' condition for one loaded product."""
    ends = [c.until for c in product.consents if c.until is not None]
    if product.access_level != "public" or not ends or min(ends) >= today \
            or any(HARVEST_USE not in (c.uses or ()) for c in product.consents):
        return False
    last_day = min(ends)
    if product.embargo_until is not None and product.embargo_until > last_day:
        return False
    return as_utc(product.created_at) < embargo_start(last_day + timedelta(days=1), zone)


def on_access_change(session: Session, product: Product, was_harvestable: bool,
                     is_harvestable: bool) -> None:
    """After an edit of ``product``'s access or consents (its datestamp already
    bumped), given whether it was harvestable before and is after: hide it from
    harvesters (a tombstone, reason "access"), or bring it back (none)."""
    if was_harvestable == is_harvestable:
        return
    if not is_harvestable:
        _write(session, product, "access", product.updated_at or utcnow())
    else:
        session.execute(delete(Tombstone).where(Tombstone.product_id == product.id))


@lru_cache(maxsize=None)
def _lapses_statement():
    """The read of :func:`note_lapses`, built once (``today`` a parameter): it runs
    before every OAI-PMH page, and building it cost more than running it."""
    today = bindparam("today", type_=Date)
    ended = (select(ProductConsent.product_id.label("pid"),
                    func.min(ProductConsent.until).label("last_day"))
             .group_by(ProductConsent.product_id)
             .having(func.min(ProductConsent.until) < today).subquery())
    silent = exists().where(ProductConsent.product_id == Product.id, not_(
        cast(ProductConsent.uses, String).like(f'%"{HARVEST_USE}"%')))
    return (select(Product.id, Product.created_at, ended.c.last_day, Tombstone.datestamp)
            .join(ended, ended.c.pid == Product.id)
            .outerjoin(Tombstone, Tombstone.product_id == Product.id)
            .where(Product.access_level == "public", not_(silent),
                   or_(Product.embargo_until.is_(None),
                       Product.embargo_until <= ended.c.last_day)))


def note_lapses(session: Session, today: date, zone: str = DEFAULT_ZONE) -> int:
    """Tombstones for the products whose consent ended since they were harvestable
    (see the module docstring); returns how many were written. One grouped read of
    the consents table when there is nothing to write."""
    rows = session.execute(_lapses_statement(), {"today": today}).all()
    due = {}
    for pid, created_at, last_day, stone_at in rows:
        went = embargo_start(last_day + timedelta(days=1), zone)
        if as_utc(created_at) < went and (stone_at is None or as_utc(stone_at) < went):
            due[pid] = went
    for product in session.scalars(select(Product).options(*RECORD_LOAD)
                                   .where(Product.id.in_(sorted(due)))) if due else ():
        _write(session, product, "consent", due[product.id])
    return len(due)


def _like(spec: str) -> str:
    return spec.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def conditions(query: RecordQuery) -> list:
    """WHERE clauses selecting the tombstones of ``query`` (its scope is irrelevant:
    tombstones are what the public scope no longer shows), but not those of products
    harvestable on ``query.day`` (an embargo that opened: the record is listed)."""
    where = [~exists().where(Product.id == Tombstone.product_id,
                             harvestable_on(query.day))]
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
