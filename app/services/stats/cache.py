"""Reuse the office's figures while nothing they count has changed.

Product figures of the usual scopes are added up from summary cells
(:mod:`app.services.stats.summary`): tens of milliseconds (the cells, the vocabularies
to name them); the other scopes (a unit, a commune, a period cut inside a month) and
the use figures are counted: counting 100,000 products takes the database about a
second. The dashboard and ``/api/v1/stats`` are read far more often than the catalogue
changes, so both kinds are reused. Each server process keeps the last :data:`SIZE`
results, keyed by the scope and a *fingerprint* of what they count, read in one cheap
statement on every request (index lookups and one small count), so a result is reused
only while every input is unchanged:

- products: the generation of the summary cells (:func:`app.services.stats.summary.fold`,
  run first): database triggers mark every change of a product, its terms, communes,
  files, publication or near-duplicate answers, so anything else written (fixity
  checks, index flushes, sign-ins, broadcasts, access requests) leaves it unchanged;
- broadcasts: newest id, the number withdrawn, and the number of airings edited (day,
  commune, withdrawal) or deleted, counted by database triggers in
  ``stats_usage_edits`` (migration 0025) whatever wrote them — raw SQL included;
- downloads: newest id and the number edited or deleted, the same way;
- people and activities: the newest mark the database's triggers write whenever a row
  those figures read changes (``stats_people_changes``, migration 0029);
- the vocabularies: every term's flags and labels, every unit's validity and successor
  (an admin edit of a flag or a merger changes the figures without touching products);
- Vietnam's date (this year, the deadline, the projection's basis).

The figures are counted in four parts, each reused while its own inputs stay the same
(:meth:`Marks.of`): the products (everything above but the broadcast log), the
broadcasts (broadcast rows, units, the day), the downloads (download rows, units,
the day) and the people (their mark, the vocabularies, the day) — with a lead-unit
filter, the broadcasts and downloads of that unit's products also follow the products.
An edited product does not recount a million broadcast rows.

Downloads and broadcast logs are the most frequent changes (every commune fetching a
copy, logging what it aired), and most of them only add rows. When the broadcasts' or
downloads' mark differs from the kept result's only by a newer id (nothing edited,
withdrawn or deleted: :meth:`Marks.grew`), the rows added since the result's own newest
id are read (an index range) and added to it (``grow`` of :func:`cached`), instead of
the part being added up again from its thousands of cells.

Nothing is stale across processes: each one compares the fingerprint with the database.
One gap remains: on PostgreSQL two inserts can commit out of id order, so a row with a
smaller id than the newest may appear after the fingerprint (or a count) was read (the
people mark is written as its transaction commits, which narrows that window to the
commit itself); such a row counts from the next full count: the next change of
another kind, or at the latest :data:`MAX_AGE` seconds after the last full count, when
every result is counted again (grown results keep their base's age).
"""
from __future__ import annotations

import threading
from collections import OrderedDict
from dataclasses import dataclass
from time import monotonic
from typing import Any, Callable, Hashable, Optional, TypeVar
from weakref import WeakKeyDictionary

from sqlalchemy import delete, func, select

from app.bootstrap import Kho
from app.services.common.clock import local_today
from app.services.stats import summary
from app.services.stats.scope import read_vocabulary
from archive.models import Broadcast
from archive.stats import (USAGE_BROADCASTS, USAGE_DOWNLOADS, StatsPeopleChange,
                           StatsUsageEdit)
from archive.usage import DownloadRecord

SIZE = 32          # results kept per process (most a few kilobytes; a province's
                   # airings per commune and month, ~7,000 rows, about 3.5 MB)
MAX_AGE = 300.0    # seconds a result is reused at most, whatever the fingerprint
T = TypeVar("T")

_caches: "WeakKeyDictionary[Kho, OrderedDict[Hashable, Any]]" = WeakKeyDictionary()
_lock = threading.Lock()


@dataclass(frozen=True)
class Marks:
    """The fingerprint of one request, in the pieces each part of the figures uses."""

    products: tuple
    broadcasts: tuple
    downloads: tuple
    people: tuple
    common: tuple              # vocabularies and the day: every part uses them

    def of(self, part: str, scope: Any) -> tuple:
        """The mark of ``part`` ("products", "broadcasts", "downloads", "silent",
        "people")."""
        if part == "products":
            return self.products + self.common
        if part == "people":
            return self.people + self.common
        if part == "silent":          # the dashboard's communes with no airing this year
            return self.broadcasts + self.common
        own = self.broadcasts if part == "broadcasts" else self.downloads
        return own + self.common + (self.products if scope.unit else ())

    def grew(self, part: str, scope: Any, old: tuple) -> Optional[int]:
        """The newest row id of ``part`` ("broadcasts" or "downloads") when ``old`` (an
        earlier :meth:`of` of it) differs from today's at most by its newest id: nothing
        edited, withdrawn or deleted, the same vocabularies and day, and no lead-unit
        filter following the products. The kept result then only lacks the rows after
        its own newest id (none when it was counted after this fingerprint was read).
        None otherwise: only a full count answers."""
        new = self.of(part, scope)
        if scope.unit or old[1:] != new[1:] or new[0] is None:
            return None
        return new[0]


def fingerprint(kho: Kho) -> Marks:
    """What the figures depend on: one statement of index lookups (with the fold's
    first look: whether anything is marked) and the two small vocabulary tables, then
    the fold (nothing more when nothing is marked)."""
    def one(stmt):
        return stmt.scalar_subquery()
    with kho.transaction() as session:
        vocabulary = read_vocabulary(session)
        row = session.execute(select(
            one(select(func.max(Broadcast.id))),
            one(select(func.max(DownloadRecord.id))),
            one(select(func.count()).select_from(Broadcast).where(~Broadcast.in_force())),
            one(select(StatsUsageEdit.count).where(StatsUsageEdit.kind == USAGE_BROADCASTS)),
            one(select(StatsUsageEdit.count).where(StatsUsageEdit.kind == USAGE_DOWNLOADS)),
            one(select(func.max(StatsPeopleChange.id))),
            *summary.first_look(),
        )).one()
    generation = summary.fold(kho, budget=summary.REQUEST_BUDGET, start_over=False,
                              vocabulary=vocabulary, looked=tuple(row[6:9]))
    if generation is None:       # still folding (a bulk import): nothing is reused
        generation = object()
    return Marks(products=(generation,), broadcasts=(row[0], row[2], row[3]),
                 downloads=(row[1], row[4]), people=(row[5],),
                 common=(vocabulary.version, local_today(kho.settings)))


def cached(kho: Kho, key: Hashable, mark: tuple, compute: Callable[[], T],
           grow: Optional[Callable[[tuple, T], Optional[T]]] = None) -> T:
    """``compute()``'s result for ``key``, reused while ``mark`` (a part of the
    :func:`fingerprint` read for this request) stays the same. Callers must not change
    the result: it is shared.

    ``grow(old_mark, old_result)``: when the mark changed, the newest result kept for
    ``key`` brought up to date from what was added since (new broadcasts, new
    downloads), or None when only ``compute()`` can answer. A grown result keeps its
    base's age (:data:`MAX_AGE` after a full count, everything is counted again) and
    replaces it (a grown result is never older than its base)."""
    now = monotonic()
    with _lock:
        cache = _caches.setdefault(kho, OrderedDict())
        hit = cache.get((key, mark))
        if hit is not None and now - hit[0] < MAX_AGE:
            cache.move_to_end((key, mark))
            return hit[1]
        base = None
        if grow is not None:
            base = next(((k, *v) for k, v in reversed(cache.items())
                         if k[0] == key and now - v[0] < MAX_AGE), None)
    value = grow(base[0][1], base[2]) if base is not None else None
    grown = value is not None
    if grown and value is base[2]:
        return value                  # the kept result already holds everything
    born = base[1] if grown else now
    if not grown:
        value = compute()
    with _lock:
        if grown:
            cache.pop(base[0], None)
        cache[(key, mark)] = (born, value)
        cache.move_to_end((key, mark))
        while len(cache) > SIZE:
            cache.popitem(last=False)
    return value


def prune_people_marks(kho: Kho) -> int:
    """Delete the people marks older than the newest (only the newest keys the cache):
    PostgreSQL's triggers add one per writing transaction. Returns how many went. Run by
    the workers' sweep in a transaction of its own: it holds no other lock, so writers
    adding marks never wait for it. SQLite's trigger keeps one row: nothing to do."""
    if kho.engine.dialect.name == "sqlite":
        return 0
    with kho.transaction() as session:
        newest = session.scalar(select(func.max(StatsPeopleChange.id)))
        if newest is None:
            return 0
        return session.execute(delete(StatsPeopleChange)
                               .where(StatsPeopleChange.id < newest)).rowcount or 0
