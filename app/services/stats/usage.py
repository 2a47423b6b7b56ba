"""Use of the archive in a statistics scope: airings and downloads per commune.

Broadcasts are counted as airings: ``broadcasts`` rows in force (not withdrawn) aired in
the period, one row per airing (product, commune, day and part of the day: a feature
aired morning and evening counts twice; logs written before slots existed count once
per day, as they were); downloads count ``download_records`` rows of the period: one row is one
download, a user's Range requests for one file and rendition on one day being already
coalesced into it. A lead-unit filter keeps the rows of that unit's products; a commune
filter the rows of that commune (and, rolled up, of the communes it absorbed); an
account's part (``Scope.units``) the rows of its communes.
"""
from __future__ import annotations

from typing import Any, Iterable, Optional

from sqlalchemy import ColumnElement, and_, extract, func, select, true
from sqlalchemy.orm import Session

from app.bootstrap import Kho
from app.services.stats.figures import Scope
from app.services.stats.months import whole_months
from app.services.stats.scope import P, Catalogue, for_counting, ids_for, load_catalogue
from app.services.stats.use_figures import Airings, Downloads
from archive.models import Broadcast
from archive.stats import USAGE_BROADCASTS, USAGE_DOWNLOADS, StatsUsageCell
from archive.usage import DownloadRecord


def _usage_filters(scope: Scope, cat: Catalogue, day_col, commune_col,
                   product_col) -> list[ColumnElement]:
    where: list[ColumnElement] = []
    if scope.date_from:
        where.append(day_col >= scope.date_from)
    if scope.date_to:
        where.append(day_col <= scope.date_to)
    commune_ids = ids_for(cat, scope.commune, scope.rollup)
    if commune_ids is not None:
        where.append(commune_col.in_(commune_ids))
    unit_ids = ids_for(cat, scope.unit, scope.rollup)
    if unit_ids is not None:
        where.append(product_col.in_(select(P.c.id).where(P.c.lead_unit_id.in_(unit_ids))))
    if scope.units is not None:       # the account's part: its communes' use
        where.append(commune_col.in_(sorted(scope.units)))
    return where


def _cells_answer(scope: Scope) -> bool:
    """Whether the usage cells answer ``scope``: no lead-unit filter (a cell does not
    know the products' units) and a period of whole months."""
    return scope.unit is None and whole_months(scope) is not None


def _from_cells(session: Session, scope: Scope, cat: Catalogue,
                kind: int) -> tuple[list[tuple[Optional[int], int, int, int]], int]:
    """(commune id rolled as the scope asks, year, month, count) from the usage cells:
    a few thousand rows, however many airings or downloads there are; and the newest
    row id they count (read in the same statement, so from the same snapshot: on
    PostgreSQL each statement has its own)."""
    start, end = whole_months(scope) or (None, None)
    c = StatsUsageCell
    where = [c.kind == kind, c.count != 0]
    if start:
        where.append(c.month >= start)
    if end:
        where.append(c.month <= end)
    allowed = ids_for(cat, scope.commune, scope.rollup)
    if allowed is not None:
        where.append(c.commune_id.in_(allowed))
    if scope.units is not None:       # the account's part: its communes' use
        where.append(c.commune_id.in_(sorted(scope.units)))
    model = Broadcast if kind == USAGE_BROADCASTS else DownloadRecord
    newest = select(func.coalesce(func.max(model.id), 0).label("id")).subquery()
    # newest LEFT JOIN the cells: one row even when no cell is in the scope
    rows = session.execute(select(newest.c.id, c.commune_id, c.month, c.count)
                           .select_from(newest.outerjoin(c, and_(true(), *where)))).all()
    return _rolled_sum(((u or None, m // 100, m % 100, n) for _, u, m, n in rows
                        if m is not None), scope, cat), rows[0][0]


def _grouped(session: Session, scope: Scope, cat: Catalogue, model: Any, day_col: Any,
             where: list[ColumnElement]) -> list[tuple[Optional[int], int, int, int]]:
    """(commune id rolled as the scope asks, year, month, count) counted from the rows
    of ``model`` in ``scope`` that also meet ``where``. Grouped by the commune as
    written and rolled up here: a CASE of every merged commune cost 9 ms to build per
    statement, more than the few rows of airings logged since the last count."""
    where = _usage_filters(scope, cat, day_col, model.commune_id, model.product_id) + where
    year, month = extract("year", day_col), extract("month", day_col)
    rows = session.execute(select(model.commune_id, year, month, func.count()).where(*where)
                           .group_by(model.commune_id, year, month))
    return _rolled_sum(((u, int(y), int(m), int(n)) for u, y, m, n in rows), scope, cat)


def _rolled_sum(rows: Iterable[tuple[Optional[int], int, int, int]], scope: Scope,
                cat: Catalogue) -> list[tuple[Optional[int], int, int, int]]:
    """(commune, year, month, count) rows with each commune rolled up to its successor
    of today when the scope rolls up, and the counts of one key added together."""
    out: dict[tuple[Optional[int], int, int], int] = {}
    for unit, y, m, n in rows:
        if unit is not None and scope.rollup:
            unit = cat.current.get(unit, unit)
        out[(unit, y, m)] = out.get((unit, y, m), 0) + n
    return [(u, y, m, n) for (u, y, m), n in out.items()]


def _counted(session: Session, scope: Scope, cat: Catalogue, model: Any, day_col: Any,
             where: list[ColumnElement], kind: int,
             recount: bool) -> tuple[list[tuple[Optional[int], int, int, int]], int]:
    """The use of ``scope`` grouped as :func:`_grouped` gives it, from the cells where
    they answer, and the newest row id counted (what later rows are added after)."""
    if not recount and _cells_answer(scope):
        return _from_cells(session, scope, cat, kind)
    upto = session.scalar(select(func.coalesce(func.max(model.id), 0)))
    return _grouped(session, scope, cat, model, day_col, where + [model.id <= upto]), upto


def count_airings(kho: Kho, session: Session, scope: Scope, cat: Catalogue,
                  recount: bool = False) -> Airings:
    """Broadcasts per commune, per month and per commune and month (from the usage
    cells where they answer, counted from the rows otherwise or with ``recount``)."""
    per_month, upto = _counted(session, scope, cat, Broadcast, Broadcast.aired_on,
                               [Broadcast.in_force()], USAGE_BROADCASTS, recount)
    cells: dict[tuple[Optional[int], int, int], int] = {}
    for u, y, m, n in per_month:
        cells[(u, y, m)] = cells.get((u, y, m), 0) + n
    return Airings.of(kho, cat, scope, upto, cells)


def airings_since(session: Session, scope: Scope, cat: Catalogue, after: int,
                  upto: int) -> list[tuple[Optional[int], int, int, int]]:
    """Airings in force in ``scope`` among the broadcasts with ``after < id <= upto``
    (those logged since figures were counted up to ``after``), grouped as
    :meth:`Airings.plus` takes them: an index range of a few rows."""
    return _grouped(session, scope, cat, Broadcast, Broadcast.aired_on,
                    [Broadcast.in_force(), Broadcast.id > after, Broadcast.id <= upto])


def count_downloads(kho: Kho, session: Session, scope: Scope, cat: Catalogue,
                    recount: bool = False) -> Downloads:
    """Downloads per commune (one DownloadRecord row is one download: a user's requests
    for one file and rendition on one day are already coalesced into it)."""
    per_month, upto = _counted(session, scope, cat, DownloadRecord, DownloadRecord.day, [],
                               USAGE_DOWNLOADS, recount)
    counts: dict[Optional[int], int] = {}
    for commune_id, _y, _m, n in per_month:
        counts[commune_id] = counts.get(commune_id, 0) + n
    return Downloads.of(kho, cat, scope, upto, counts)


def downloads_since(session: Session, scope: Scope, cat: Catalogue, after: int,
                    upto: int) -> list[tuple[Optional[int], int, int, int]]:
    """Downloads in ``scope`` among the records with ``after < id <= upto`` (see
    :func:`airings_since`)."""
    return _grouped(session, scope, cat, DownloadRecord, DownloadRecord.day,
                    [DownloadRecord.id > after, DownloadRecord.id <= upto])


def broadcasts_by_plan_task(kho: Kho, scope: Scope) -> dict[Optional[str], int]:
    """Broadcasts in force in ``scope`` per plan-task code of the aired product (None:
    products without a task): the yearly report's "aired" column of section II. The
    airing day is in the period, whatever year the product was made."""
    with kho.transaction() as session:
        cat = load_catalogue(for_counting(session))
        where = _usage_filters(scope, cat, Broadcast.aired_on, Broadcast.commune_id,
                               Broadcast.product_id) + [Broadcast.in_force()]
        rows = session.execute(
            select(P.c.plan_task_id, func.count())
            .select_from(Broadcast.__table__.join(P, P.c.id == Broadcast.product_id))
            .where(*where).group_by(P.c.plan_task_id)).all()
    return {cat.terms[t].code if t in cat.terms else None: int(n) for t, n in rows}
