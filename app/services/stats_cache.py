"""Reuse the office's figures while nothing they count has changed.

Counting 100,000 products takes the database about a second; the dashboard and
``/api/v1/stats`` are read far more often than the catalogue changes. Each server
process keeps the last :data:`SIZE` results, keyed by the scope and a *fingerprint* of
what they count, read in one cheap statement on every request (index lookups and one
small count), so a result is reused only while every input is unchanged:

- products: newest ``updated_at``, newest id and newest audit entry (every change of
  metadata, terms, files or processing moves ``updated_at`` — the datestamp OAI-PMH
  harvests by — and every deletion is audited in ``product_changes``; a count of the
  products would cost a table scan on PostgreSQL);
- the newest provenance event (every upload, processing step and broadcast adds one:
  an id from the database's sequence, so it moves even when the clocks of two servers
  disagree about ``updated_at``);
- files that failed processing (a retry changes it);
- broadcasts: newest id (rows are only added; a product with broadcasts is never
  deleted);
- publications: count and newest ``at`` (each publication rewrites its row);
- the vocabularies: every term's flags and labels, every unit's validity and successor
  (an admin edit of a flag or a merger changes the figures without touching products);
- Vietnam's date (this year, the deadline, the projection's basis).

Downloads are the most frequent change (every commune fetching a copy), so they are
kept apart: the newest download record id is only in :attr:`Marks.everything`, and a
new download recounts the downloads (tens of milliseconds) but not the catalogue.
Nothing is stale across processes: each one compares the fingerprint with the database.
"""
from __future__ import annotations

import threading
from collections import OrderedDict
from dataclasses import dataclass
from typing import Any, Callable, Hashable, TypeVar
from weakref import WeakKeyDictionary

from sqlalchemy import func, select

from app.bootstrap import Kho
from app.services.views import local_today
from archive.harvests import Publication
from archive.models import Broadcast, Event, File, Product, ProductChange, Term, Unit
from archive.usage import DownloadRecord

SIZE = 32          # results kept per process (a few kilobytes each)
T = TypeVar("T")

_caches: "WeakKeyDictionary[Kho, OrderedDict[Hashable, Any]]" = WeakKeyDictionary()
_lock = threading.Lock()


@dataclass(frozen=True)
class Marks:
    """The fingerprint: ``catalogue`` for everything but downloads, ``everything``."""

    catalogue: tuple
    everything: tuple


def fingerprint(kho: Kho) -> Marks:
    """What the figures depend on: one statement of index lookups plus the two small
    vocabulary tables (about 1 ms at 100,000 products)."""
    def one(stmt):
        return stmt.scalar_subquery()
    with kho.transaction() as session:
        row = session.execute(select(
            one(select(func.max(ProductChange.id))),
            one(select(func.max(Event.id))),
            one(select(func.max(Product.updated_at))),
            one(select(func.max(Product.id))),
            one(select(func.count()).select_from(File).where(File.status == "failed")),
            one(select(func.max(Broadcast.id))),
            one(select(func.count()).select_from(Publication)),
            one(select(func.max(Publication.at))),
            one(select(func.max(DownloadRecord.id))),
        )).one()
        terms = tuple(session.execute(select(
            Term.id, Term.vocabulary, Term.code, Term.label_vi, Term.label_en, Term.position,
            Term.ethnic_minority, Term.foreign, Term.digital_platform).order_by(Term.id)))
        units = tuple(session.execute(select(
            Unit.id, Unit.code, Unit.name, Unit.level, Unit.gso_code, Unit.valid_from,
            Unit.valid_to, Unit.successor_id).order_by(Unit.id)))
    catalogue = tuple(row[:-1]) + (hash(terms), hash(units), local_today(kho.settings))
    return Marks(catalogue=catalogue, everything=catalogue + (row[-1],))


def cached(kho: Kho, key: Hashable, mark: tuple, compute: Callable[[], T]) -> T:
    """``compute()``'s result for ``key``, reused while ``mark`` (a part of the
    :func:`fingerprint` read for this request) stays the same. Callers must not change
    the result: it is shared."""
    full_key = (key, mark)
    with _lock:
        cache = _caches.setdefault(kho, OrderedDict())
        if full_key in cache:
            cache.move_to_end(full_key)
            return cache[full_key]
    value = compute()
    with _lock:
        cache[full_key] = value
        while len(cache) > SIZE:
            cache.popitem(last=False)
    return value
