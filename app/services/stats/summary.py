"""The product figures from summary rows: fold the changed products in, add the cells up.

Database triggers mark every product whose figures may have changed in
``stats_dirty`` (:mod:`archive.stats`). :func:`fold` moves the marked products into
``stats_facts`` and ``stats_cells`` — subtracting what each counted before, adding what
it counts now — under the lock of the ``stats_state`` row, one batch per transaction;
:func:`product_rows` then adds up the cells of a scope in one statement. A request after
an edit so costs the edited products and a few thousand cells, never the catalogue.

Exactness: the cells are the sum of the facts (each fold applies exact deltas in the
same transaction as the facts it writes), and a fold is idempotent (a product marked
twice is counted from its current rows each time). On PostgreSQL a change committed
while a fold runs keeps its own mark (the fold deletes only the marks it read) and is
folded next time. A change of the vocabularies' flags or of the units' successors,
parents or levels (what the cells were counted with: ``stats_state.catalogue``) marks
every product again.

Scopes the cells answer: no unit or commune filter, a period of whole months (or none),
the whole catalogue (part 0) or an account's part (the part of its unit: every product
led by or filed under a unit beneath it); :mod:`app.services.stats.cell_sums` adds them
up. Other scopes are counted by :mod:`app.services.stats.breakdowns`.
"""
from __future__ import annotations

from collections import Counter, defaultdict
from typing import Optional

from sqlalchemy import delete, distinct, exists, func, insert, select, text
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session

from app.bootstrap import Kho
from app.services.access.unit_scope import territories
from app.services.common.row_lock import lock_row
from app.services.stats.cell_writes import add_to_cells
from app.services.stats.contributions import (Fact, cells_of, month_of, parts_of,
                                              unclassified, vector)
from app.services.stats.rebuild import rebuild, recount_usage
from app.services.stats.scope import (PC, PT, P, Catalogue, Vocabulary, load_catalogue,
                                      read_vocabulary, ready_original)
from archive.base import utcnow
from archive.harvests import Publication
from archive.models import File
from archive.stats import StatsCell, StatsDirty, StatsFact, StatsState, StatsYearCell

BATCH = 1000          # products folded per transaction (about 2 s under the lock)
REQUEST_BUDGET = 500     # products a request folds before it counts instead (< 1 s)
SWEEP_BUDGET = 4 * BATCH    # products one sweep of a worker folds (a few seconds: the
                            # sweep also takes over dead workers' files)
REQUEST_LOCK_WAIT = "2s"    # longest a request waits for another fold (PostgreSQL)
REBUILD_SHARE = 0.1     # marked share of the catalogue from which a fold counts everything
                        # over in SQL instead (see _worth_a_rebuild)
CELLS = StatsCell.__table__
YEAR_CELLS = StatsYearCell.__table__


def first_look() -> tuple:
    """A fold's first look, as scalar subqueries a caller can add to a statement of its
    own: the cells' generation, the catalogue digest they were counted with, and the id
    of any product marked since (None: nothing to fold)."""
    return (select(StatsState.generation).where(StatsState.id == 1).scalar_subquery(),
            select(StatsState.catalogue).where(StatsState.id == 1).scalar_subquery(),
            select(StatsDirty.id).limit(1).scalar_subquery())


def catalogue_digest(session: Session) -> str:
    """What the cells were counted with (:attr:`Vocabulary.digest`), read now."""
    return read_vocabulary(session).digest


part_territories_by_digest: dict[str, tuple[dict[int, int], dict[int, frozenset[int]]]] = {}


def part_territories(session: Session, digest: Optional[str] = None
                 ) -> tuple[dict[int, int], dict[int, frozenset[int]]]:
    """:func:`app.services.access.unit_scope.territories`, worked out once per process
    for each state of the unit table (its digest, read here unless the caller just did:
    parents, successors, levels are what the parts depend on). Working it out walks
    every unit's tree, and a part's dashboard asks on every request."""
    digest = digest or catalogue_digest(session)
    found = part_territories_by_digest.get(digest)
    if found is None:
        found = territories(session)
        part_territories_by_digest.clear()         # only the current state is worth keeping
        part_territories_by_digest[digest] = found
    return found


def fold(kho: Kho, *, budget: Optional[int] = None, start_over: bool = True,
         vocabulary: Optional[Vocabulary] = None,
         looked: Optional[tuple[int, str, Optional[int]]] = None) -> Optional[int]:
    """Fold the marked products into the cells, at most ``budget`` of them (None: all);
    the generation the cells are at once no mark is left (it grows with each fold that
    changed something, so it can key a cache of other scopes' counts), or None when
    marks remain: then the cells are not current, and a request counts instead while
    the workers' sweep (:mod:`app.services.instance.sweeper`) folds the rest. A request
    passes :data:`REQUEST_BUDGET` and ``start_over=False``, so a bulk import or a
    changed vocabulary never makes a page wait for a million products: after a changed
    vocabulary a request only reports None; ``kho init``, ``kho stats rebuild`` or a
    worker's sweep starts the cells over. Starting over — and any fold allowed to
    (``start_over``) that finds at least :data:`REBUILD_SHARE` of the catalogue marked —
    counts every product again in grouped SQL (:func:`app.services.stats.rebuild.rebuild`,
    over 10× less CPU a product than folding one by one; it ignores ``budget`` and holds
    the lock for the whole count, about 5 s at 100,000 products; a request's fold gives
    up waiting for it on PostgreSQL after :data:`REQUEST_LOCK_WAIT` and reports None).
    ``vocabulary``: the terms and units the caller read a moment ago, for the first
    look (whether anything is marked); the fold itself reads them again under the lock.
    ``looked``: that first look already taken by the caller with ``vocabulary`` (the
    state's generation and catalogue digest and any mark's id, see
    :func:`first_look`), so that a request with nothing to fold opens no transaction
    of its own."""
    if looked is None or vocabulary is None:
        with kho.transaction() as session:
            vocabulary = vocabulary or read_vocabulary(session)
            looked = session.execute(select(*first_look())).one()
    generation, catalogue, marked = looked
    if catalogue == vocabulary.digest and marked is None:
        return generation
    if catalogue != vocabulary.digest and not start_over:
        return None
    folded = 0
    while True:
        with kho.transaction() as session:
            if not _locked(session, waits=start_over):
                return None
            state = session.get(StatsState, 1)     # a fresh session: read after the lock
            locked = read_vocabulary(session)
            digest = locked.digest
            if state.catalogue != digest and not start_over:
                return None
            if state.catalogue != digest or \
                    (start_over and not folded and _worth_a_rebuild(session)):
                return _count_over(kho, session, state, locked)
            size = BATCH if budget is None else min(BATCH, budget)
            ids = list(session.scalars(select(StatsDirty.product_id).distinct()
                                       .order_by(StatsDirty.product_id).limit(size)))
            if ids:
                # the marks read now, before the products' rows: a change committed
                # later keeps its own mark for the next fold
                marks = list(session.scalars(select(StatsDirty.id)
                                             .where(StatsDirty.product_id.in_(ids))))
                _fold_batch(kho, session, load_catalogue(session, locked), ids, digest)
                for start in range(0, len(marks), BATCH):
                    session.execute(delete(StatsDirty).where(
                        StatsDirty.id.in_(marks[start:start + BATCH])))
                state.generation += 1
                state.folded_at = utcnow()
            generation = state.generation
        folded += len(ids)
        if len(ids) < size:
            return generation
        if budget is not None and folded >= budget:
            return None


def _locked(session: Session, *, waits: bool) -> bool:
    """Take the state row's lock; False when a request (``waits`` false) would wait
    longer than :data:`REQUEST_LOCK_WAIT` on PostgreSQL — a fold that starts over holds
    it for the whole count (seconds at 100,000 products, a minute at a million), and
    the request counts the old way instead (exact). SQLite waits (its busy timeout)."""
    if waits or session.get_bind().dialect.name != "postgresql":
        lock_row(session, StatsState, 1)
        return True
    session.execute(text(f"SET LOCAL lock_timeout = '{REQUEST_LOCK_WAIT}'"))
    try:
        lock_row(session, StatsState, 1)
    except OperationalError as exc:
        if getattr(exc.orig, "sqlstate", None) != "55P03":     # lock_not_available
            raise
        session.rollback()
        return False
    return True


def _count_over(kho: Kho, session: Session, state: StatsState,
                vocabulary: Vocabulary) -> int:
    """Every fact and cell counted over (the caller holds the state row's lock and read
    ``vocabulary`` under it); the new generation."""
    rebuild(session, load_catalogue(session, vocabulary),
            part_territories(session, vocabulary.digest)[1], kho.settings.timezone)
    state.catalogue = vocabulary.digest
    state.generation += 1
    state.folded_at = utcnow()
    return state.generation


def count_everything_over(kho: Kho) -> dict[str, int]:
    """``kho stats rebuild``: the product cells and facts counted over from the
    catalogue (grouped SQL, :mod:`app.services.stats.rebuild`) under the fold's lock,
    then the usage cells recounted from ``broadcasts`` and ``download_records`` under
    their writers' lock (:func:`app.services.stats.rebuild.recount_usage`), each in its
    own transaction. Exact whatever is written meanwhile; for repairs (cells lost or
    edited by hand) — the figures never need it otherwise. Returns the rows written:
    ``facts``, ``cells``, ``usage_cells``. Database errors propagate (SQLAlchemy's);
    each transaction is then rolled back whole, so nothing is half-written."""
    with kho.transaction() as session:
        lock_row(session, StatsState, 1)
        state = session.get(StatsState, 1)
        session.refresh(state)
        _count_over(kho, session, state, read_vocabulary(session))
    with kho.transaction() as session:
        usage_cells = recount_usage(session)
    with kho.transaction() as session:
        facts = session.scalar(select(func.count()).select_from(StatsFact))
        cells = session.scalar(select(func.count()).select_from(StatsCell))
    return {"facts": facts, "cells": cells, "usage_cells": usage_cells}


def _worth_a_rebuild(session: Session) -> bool:
    """Whether so many products are marked (more than a batch, and at least
    :data:`REBUILD_SHARE` of the catalogue: a bulk import, lost cells) that counting
    everything over in SQL (:mod:`app.services.stats.rebuild`) costs less than folding
    them one by one. Two counts, read only when more than a batch is marked."""
    if session.scalar(select(StatsDirty.id).offset(BATCH).limit(1)) is None:
        return False
    marked = session.scalar(select(func.count(distinct(StatsDirty.product_id))))
    return marked >= REBUILD_SHARE * session.scalar(select(func.count()).select_from(P))


def _current_facts(kho: Kho, session: Session, cat: Catalogue,
                   ids: list[int]) -> dict[int, Fact]:
    """The facts of the products ``ids`` that still exist, read from their rows now."""
    ready = exists().where(File.product_id == P.c.id, *ready_original())
    pub = Publication.__table__
    online = exists().where(pub.c.product_id == P.c.id, pub.c.version_at >= P.c.updated_at)
    failed = select(func.count()).select_from(File).where(
        File.product_id == P.c.id, File.status == "failed").scalar_subquery()
    rows = session.execute(select(
        P.c.id, P.c.produced_on, P.c.created_at, P.c.lead_unit_id, P.c.kind_id,
        P.c.plan_task_id, ready.label("digitised"), online.label("online"),
        failed.label("failed"))
        .where(P.c.id.in_(ids))).all()
    terms: dict[int, list[int]] = defaultdict(list)
    for pid, term_id in session.execute(select(PT.c.product_id, PT.c.term_id)
                                        .where(PT.c.product_id.in_(ids))):
        terms[pid].append(term_id)
    communes: dict[int, list[int]] = defaultdict(list)
    for pid, unit_id in session.execute(select(PC.c.product_id, PC.c.unit_id)
                                        .where(PC.c.product_id.in_(ids))):
        communes[pid].append(unit_id)
    tz = kho.settings.timezone
    facts = {}
    for r in rows:
        term_ids = tuple(sorted(set(terms[r.id])))
        facts[r.id] = Fact(month_of(r.produced_on, r.created_at, tz), r.lead_unit_id,
                           r.kind_id, r.plan_task_id, int(bool(r.digitised)),
                           int(bool(r.online)), int(r.id not in cat.repeats), term_ids,
                           tuple(sorted(set(communes[r.id]))), unclassified(term_ids, cat),
                           int(r.failed))
    return facts


def _fold_batch(kho: Kho, session: Session, cat: Catalogue, ids: list[int],
                digest: Optional[str] = None) -> None:
    holders = part_territories(session, digest)[1]
    new = _current_facts(kho, session, cat, ids)
    old = {row.product_id: Fact.from_row(row)
           for row in session.scalars(select(StatsFact).where(StatsFact.product_id.in_(ids)))}
    # (cell, counts) -> products: a product's counts are 0/1, few combinations recur
    tally: Counter = Counter()
    for facts, sign in ((old, -1), (new, 1)):
        for fact in facts.values():
            counts = vector(fact, cat)
            cells = list(cells_of(fact, cat))
            for part in parts_of(fact, holders):
                for cell in cells:
                    tally[(part, *cell), counts] += sign
    delta: dict[tuple, list[int]] = {}
    for (cell, counts), n in tally.items():
        if n:
            acc = delta.setdefault(cell, [0] * 7)
            for i, c in enumerate(counts):
                acc[i] += c * n
    add_to_cells(session, [(*cell, *v) for cell, v in delta.items() if any(v)])
    # a cell back at zero stays (harmless to the sums, and deleting it would cost a scan
    # or a look-up per cell); there are only as many as keys ever used
    session.execute(delete(StatsFact).where(StatsFact.product_id.in_(ids)))
    if new:
        session.execute(insert(StatsFact), [f.row(pid) for pid, f in new.items()])
