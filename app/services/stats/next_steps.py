"""What to do next: the lists on the dashboard that lead to action.

- products not digitised (no ready original with its SHA-256), with a count per lead unit;
- files whose processing failed (retry them or upload a better copy);
- products with no language or no channel set: they cannot count in the shares;
- today's communes with no broadcast logged this year (Vietnam's calendar year).

Each list is the newest ``limit`` rows plus the exact total, within the dashboard's
scope. Where the summary rows answer the scope (:func:`app.services.stats.cell_sums.answers`)
the totals are sums of their cells and each list a walk of ``stats_facts``' index of
that list, newest first — no request counts the catalogue (issue 27); other scopes
(a unit or commune filter, a period cut inside a month) are counted from the products.
Every product in scope is counted in the totals (the office counts what it owns,
whatever its access level); the lists show only what the reader may see
(:mod:`app.services.access.visibility`: products by :func:`visible_clause`, a failed
file stricter than its product by :func:`file_clause`). URLs are added by the front
doors.
"""
from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date
from typing import Optional

from sqlalchemy import ColumnElement, and_, exists, func, not_, or_, select
from sqlalchemy.orm import Session

from app.bootstrap import Kho
from app.services.stats import cache, cell_sums, summary
from app.services.stats.months import whole_months
from app.services.access.actors import Actor
from app.services.stats.figures import CountRow, Scope
from app.services.stats.plan_progress import for_account
from app.services.stats.scope import (PT, P, Catalogue, digitised_condition, for_counting,
                                      labels, load_catalogue, product_filters, rolled,
                                      unit_label, unit_order)
from app.services.common.clock import local_today
from app.services.access.visibility import Viewer, file_clause, viewer_for, visible_clause
from archive.models import Broadcast, File, Product, Term
from archive.problems import problem_message
from archive.stats import USAGE_BROADCASTS, StatsFact, StatsUsageCell
from archive.text import sort_key

DEFAULT_LIMIT = 50
# ids first read from a list's index (see _newest), twice a list's length: each id's
# product is read and filtered by the reader's view (500 cost PostgreSQL 8-20 ms, 100
# cost 3 ms); doubled
WALK_CHUNK = 100
WALK_CHUNK_MAX = 16_000  # each round up to this (a bound list of ids stays well within
                         # SQLite's 32,766 parameters): ~70 round trips at 1,000,000
F = StatsFact.__table__


@dataclass(frozen=True)
class TodoProduct:
    id: int
    title: str
    unit_code: Optional[str]
    unit_label: Optional[str]
    missing: tuple[str, ...] = ()       # "language", "channel" (unclassified products)


@dataclass(frozen=True)
class TodoFile:
    file_id: int
    product_id: int
    title: str
    filename: str
    error: str      # a Message: the problem in English, rendered in the reader's language


@dataclass(frozen=True)
class TodoCommune:
    code: str
    label: str


@dataclass(frozen=True)
class NextSteps:
    not_digitised_total: int
    not_digitised: list[TodoProduct]
    not_digitised_by_unit: list[CountRow]
    failed_files_total: int
    failed_files: list[TodoFile]
    unclassified_total: int
    unclassified: list[TodoProduct]
    silent_communes: list[TodoCommune]
    year: int                             # the year of ``silent_communes``


def _has(vocabulary: str):
    """EXISTS a term of ``vocabulary`` for the product: one index range over its terms
    (a list of term ids would make SQLite probe the index once per id)."""
    return exists().where(PT.c.product_id == P.c.id, Term.id == PT.c.term_id,
                          Term.vocabulary == vocabulary)


def _product(cat: Catalogue, row, missing: tuple[str, ...] = ()) -> TodoProduct:
    code, name, _ = unit_label(cat, row.lead_unit_id) if row.lead_unit_id else (None, None, None)
    return TodoProduct(row.id, row.title, code, name, missing)


def _listed(where: list, viewer: Viewer) -> list:
    """``where`` plus: only products ``viewer`` may see."""
    return where + [visible_clause(viewer, P)]


def _by_unit(cat: Catalogue, per_unit: dict[Optional[int], int]) -> list[CountRow]:
    return sorted((CountRow(**labels(unit_label(cat, u)), count=n)
                   for u, n in per_unit.items() if n), key=unit_order)


def _newest(session: Session, cond: list, viewer: Viewer, limit: int,
            facts: Optional[ColumnElement] = None) -> list:
    """The newest ``limit`` products meeting ``cond`` that ``viewer`` may see; with
    ``facts`` (a condition over ``stats_facts``, current: the caller folded) taken from
    that table's index of the list, newest first, else walked along the products."""
    columns = (P.c.id, P.c.title, P.c.lead_unit_id)
    if facts is None:
        return session.execute(select(*columns).where(*_listed(cond, viewer))
                               .order_by(P.c.id.desc()).limit(limit)).all()
    # In chunks: the ids from the index alone, then those products that pass the scope
    # and the reader's view. One join would leave the walk to the planner, and
    # PostgreSQL merges it with the products' whole key when the matches lie far back.
    chunk, found, below = max(limit, WALK_CHUNK), [], None
    while len(found) < limit:
        ids = select(F.c.product_id).where(F.c.counted == 1, facts)
        if below is not None:
            ids = ids.where(F.c.product_id < below)
        batch = session.scalars(ids.order_by(F.c.product_id.desc()).limit(chunk)).all()
        if not batch:
            break
        found += session.execute(select(*columns).where(P.c.id.in_(batch),
                                                        *_listed(cond, viewer))
                                 .order_by(P.c.id.desc())).all()[:limit - len(found)]
        if len(batch) < chunk:
            break
        below, chunk = batch[-1], min(2 * chunk, WALK_CHUNK_MAX)   # few round trips
    return found


def _fact_months(scope: Scope) -> list:
    """The scope's period as conditions on ``stats_facts.month`` (a scope the summary
    rows answer is whole months): a list walk then reads only the period's entries,
    not every newer product's (a past year lies far back in the list)."""
    start, end = whole_months(scope) or (None, None)
    return [c for c in (F.c.month >= start if start else None,
                        F.c.month <= end if end else None) if c is not None]


def _not_digitised(session: Session, cat: Catalogue, scope: Scope, where: list, viewer: Viewer,
                   limit: int, summed: Optional[dict]) -> tuple[int, list[TodoProduct],
                                                               list[CountRow]]:
    """Total, newest ``limit`` rows and counts per lead unit; ``summed``: the counts per
    unit from the summary cells (None: counted here from the products)."""
    if summed is None:
        cond = where + [not_(digitised_condition())]
        unit = rolled(P.c.lead_unit_id, cat, scope.rollup)
        summed = dict(session.execute(select(unit, func.count()).where(*cond)
                                      .group_by(unit)).all())
        rows = _newest(session, cond, viewer, limit) if summed else []
    else:
        rows = _newest(session, where, viewer, limit,
                       and_(F.c.digitised == 0, *_fact_months(scope))) \
            if any(summed.values()) else []
    items = sorted((_product(cat, r) for r in rows),
                   key=lambda t: (t.unit_label is None, sort_key(t.unit_label or ""), -t.id))
    return sum(summed.values()), items, _by_unit(cat, summed)


def _failed(session: Session, where: list, viewer: Viewer, limit: int,
            in_facts: Optional[list] = None) -> tuple[int, list[TodoFile]]:
    """Failed files of products in scope; the list walks ``ix_files_status_updated_at``
    newest first. The count: with ``in_facts`` (conditions on ``stats_facts`` for a
    scope of the whole catalogue, the summary facts being current) the facts' ``failed``
    summed over ``ix_stats_facts_failed``; else driven by the files' status index,
    joined to their products only when a scope needs them (every file has a product:
    37,627 failed files took 100 ms at a million products)."""
    if in_facts is not None:
        total = session.scalar(select(func.coalesce(func.sum(F.c.failed), 0)).where(
            F.c.failed > 0, F.c.counted == 1, *in_facts)) or 0   # a repeat is out of scope
    else:
        counted = select(func.count()).select_from(File)
        if where:        # a scope: each failed file's product is read
            counted = counted.join(P, P.c.id == File.product_id)
        total = session.scalar(counted.where(File.status == "failed", *where)) or 0
    rows = session.execute(
        select(File.id, File.product_id, P.c.title, File.original_filename, File.problem,
               File.problem_params)
        .join(P, P.c.id == File.product_id)
        .where(File.status == "failed", *where, file_clause(viewer, File, Product))
        .order_by(File.updated_at.desc(), File.id.desc()).limit(limit)).all() if total else []
    return total, [TodoFile(r[0], r[1], r[2], r[3], problem_message(r[4], r[5]))
                   for r in rows]


def _unclassified(session: Session, cat: Catalogue, scope: Scope, where: list, viewer: Viewer,
                  limit: int, summed: Optional[int]) -> tuple[int, list[TodoProduct]]:
    """Total and newest ``limit`` rows; ``summed``: the total from the summary cells
    (None: counted here)."""
    language, channel = _has("language"), _has("channel")
    if summed is None:
        cond = where + [or_(not_(language), not_(channel))]
        total = session.scalar(select(func.count()).select_from(P).where(*cond)) or 0
        ids = [r.id for r in _newest(session, cond, viewer, limit)] if total else []
    else:
        total = summed
        ids = [r.id for r in _newest(session, where, viewer, limit, and_(
            F.c.unclassified == 1, *_fact_months(scope)))] if total else []
    rows = session.execute(select(P.c.id, P.c.title, P.c.lead_unit_id,
                                  language.label("l"), channel.label("c"))
                           .where(P.c.id.in_(ids)).order_by(P.c.id.desc())).all() \
        if ids else []
    return total, [_product(cat, r, tuple(name for name, has in (("language", r.l),
                                                                    ("channel", r.c))
                                          if not has)) for r in rows]


def _silent_communes(session: Session, cat: Catalogue, scope: Scope, today: date,
                     recount: bool = False) -> list[TodoCommune]:
    """Today's communes (within the commune filter) with no broadcast this year, theirs
    or of the communes they absorbed. The months of this year before this one are read
    from the airings' summary cells (``stats_usage_cells``: airings in force per month
    and commune, kept by triggers); only the communes not heard in them are looked up
    in this month's broadcasts up to today — one EXISTS each. ``recount``: every
    commune looked up in the whole year's broadcasts (the reference)."""
    wanted = None
    if scope.commune:
        target = next(u for u in cat.units.values() if u.code == scope.commune)
        wanted = cat.current[target.id]
    current = [u for i, u in cat.units.items() if u.level == "commune" and u.valid_on(today)
               and (wanted is None or i == wanted)
               and (scope.units is None or i in scope.units)]
    since = date(today.year, 1, 1)
    if not recount and today.month > 1:
        cells = StatsUsageCell.__table__.c
        heard = {cat.current.get(c, c) for c in session.scalars(
            select(cells.commune_id).where(
                cells.kind == USAGE_BROADCASTS, cells.count > 0,
                cells.month.between(today.year * 100 + 1, today.year * 100 + today.month - 1)))}
        current = [u for u in current if u.id not in heard]
        since = date(today.year, today.month, 1)
    if not current:
        return []
    this_year = (Broadcast.aired_on >= since, Broadcast.aired_on <= today,
                 Broadcast.in_force())
    aired = session.execute(select(*[
        exists().where(*this_year, Broadcast.commune_id.in_(
            [i for i, c in cat.current.items() if c == u.id])) for u in current])).one()
    silent = [u for u, found in zip(current, aired) if not found]
    return [TodoCommune(u.code, u.name) for u in sorted(silent, key=lambda u: sort_key(u.name))]


def next_steps(kho: Kho, actor: Actor, scope: Scope, limit: int = DEFAULT_LIMIT, *,
               recount: bool = False, current: bool = False) -> NextSteps:
    """The to-do lists of the dashboard for ``scope`` (at most ``limit`` rows each);
    ``recount``: counted from the products even where the summary rows answer (the
    reference they are checked against); ``current``: the caller folded a moment ago
    and found the summary rows current (a request's fingerprint).

    PermissionDenied unless office or admin, or for a filter outside the account's
    part (the lists are narrowed to it, see :func:`plan_progress.for_account`)."""
    actor.require("stats.view")
    scope = for_account(kho, actor, scope)
    return replace(_product_lists(kho, actor, scope, limit, recount, current),
                   silent_communes=silent_communes(kho, scope, recount))


def _product_lists(kho: Kho, actor: Actor, scope: Scope, limit: int, recount: bool,
                   current: bool) -> NextSteps:
    """The lists of products and files (``silent_communes`` left empty): what follows
    the catalogue, not the broadcast log. ``scope`` is already the account's."""
    today = local_today(kho.settings)
    # the summary rows, where they answer the scope and are current (see
    # app.services.stats.breakdowns.products_part): sums of cells and index walks
    # instead of a count of every product in scope
    summarised = not recount and cell_sums.answers(scope) and (current or summary.fold(
        kho, budget=summary.REQUEST_BUDGET, start_over=False) is not None)
    with kho.transaction() as session:
        cat = load_catalogue(for_counting(session))
        where = product_filters(kho, scope, cat)
        viewer = viewer_for(session, actor, today)
        per_unit, unclassified = cell_sums.todo_counts(session, scope, cat) if summarised \
            else (None, None)
        nd_total, nd_items, nd_units = _not_digitised(session, cat, scope, where, viewer,
                                                      limit, per_unit)
        f_total, f_items = _failed(session, where, viewer, limit,
                                   _fact_months(scope) if summarised and scope.units is None
                                   else None)
        u_total, u_items = _unclassified(session, cat, scope, where, viewer, limit,
                                         unclassified)
    return NextSteps(nd_total, nd_items, nd_units, f_total, f_items, u_total, u_items,
                     [], today.year)


def silent_communes(kho: Kho, scope: Scope, recount: bool = False) -> list[TodoCommune]:
    """Today's communes in ``scope`` (the account's already) with no broadcast this
    year (:func:`_silent_communes`): what a broadcast log changes on the dashboard."""
    with kho.transaction() as session:
        return _silent_communes(session, load_catalogue(session), scope,
                                local_today(kho.settings), recount)


def request_next_steps(kho: Kho, actor: Actor, scope: Scope, limit: int = DEFAULT_LIMIT,
                       marks: Optional[cache.Marks] = None) -> NextSteps:
    """:func:`next_steps`, its two halves each reused while what it reads is unchanged:
    the product and file lists while the catalogue's fingerprint is (what the reader
    may see is part of their key: its viewer, today's date and grants in it), the
    silent communes while the broadcasts are — so a broadcast log, the most frequent
    write of a commune, looks up a few communes instead of walking the lists again.
    ``marks``: that fingerprint, when the caller read it for this request already."""
    actor.require("stats.view")
    scope = for_account(kho, actor, scope)          # the account's part is in the key
    with kho.transaction() as session:
        viewer = viewer_for(session, actor, local_today(kho.settings))
    marks = marks or cache.fingerprint(kho)
    current = isinstance(marks.products[0], int)      # its fold found the rows current
    lists = cache.cached(kho, ("next_steps", scope, limit, viewer),
                         marks.of("products", scope),
                         lambda: _product_lists(kho, actor, scope, limit, False, current))
    silent = cache.cached(kho, ("silent_communes", scope.commune, scope.units),
                          marks.of("silent", scope), lambda: silent_communes(kho, scope))
    return replace(lists, silent_communes=silent)


__all__ = ["NextSteps", "TodoCommune", "TodoFile", "TodoProduct", "next_steps",
           "request_next_steps", "silent_communes"]
