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

from typing import Any, Optional

from sqlalchemy import ColumnElement, extract, func, select
from sqlalchemy.orm import Session

from app.bootstrap import Kho
from app.services.stats.figures import CommuneMonthRow, CountRow, MonthRow, Scope
from app.services.stats.months import whole_months
from app.services.stats.scope import P, Catalogue, for_counting, ids_for, labels, \
    load_catalogue, rolled, unit_label, unit_order
from app.services.common.clock import local_today
from archive.models import Broadcast
from archive.stats import USAGE_BROADCASTS, USAGE_DOWNLOADS, StatsUsageCell
from archive.text import sort_key
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
                kind: int) -> list[tuple[Optional[int], int, int, int]]:
    """(commune id rolled as the scope asks, year, month, count) from the usage cells:
    a few thousand rows, however many airings or downloads there are."""
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
    out: dict[tuple[Optional[int], int, int], int] = {}
    for commune_id, month, n in session.execute(select(c.commune_id, c.month, c.count)
                                                .where(*where)):
        unit = commune_id or None
        if unit is not None and scope.rollup:
            unit = cat.current.get(unit, unit)
        key = (unit, month // 100, month % 100)
        out[key] = out.get(key, 0) + n
    return [(u, y, m, n) for (u, y, m), n in out.items()]


def broadcast_rows(kho: Kho, session: Session, scope: Scope, cat: Catalogue,
                   recount: bool = False) -> dict[str, Any]:
    """Broadcasts per commune, per month and per commune and month (from the usage
    cells where they answer, counted from the rows otherwise or with ``recount``)."""
    if not recount and _cells_answer(scope):
        per_month = _from_cells(session, scope, cat, USAGE_BROADCASTS)
    else:
        where = _usage_filters(scope, cat, Broadcast.aired_on, Broadcast.commune_id,
                               Broadcast.product_id) + [Broadcast.in_force()]   # not withdrawn
        commune = rolled(Broadcast.commune_id, cat, scope.rollup)
        year, month = extract("year", Broadcast.aired_on), extract("month", Broadcast.aired_on)
        per_month = session.execute(select(commune, year, month, func.count())
                                    .where(*where).group_by(commune, year, month)).all()
    broadcasts: dict[Optional[int], int] = {}
    months: dict[tuple[int, int], int] = {}
    commune_months = []
    for commune_id, y, m, n in per_month:
        broadcasts[commune_id] = broadcasts.get(commune_id, 0) + n
        months[(int(y), int(m))] = months.get((int(y), int(m)), 0) + n
        commune_months.append(CommuneMonthRow(**labels(unit_label(cat, commune_id)),
                                              year=int(y), month=int(m), count=n))
    return {
        "broadcasts_by_commune": _per_commune(kho, cat, scope, broadcasts),
        "broadcasts_by_month": [MonthRow(y, m, n) for (y, m), n in sorted(months.items())],
        "broadcasts_by_commune_month": sorted(
            commune_months, key=lambda r: (r.year, r.month, r.code is None,
                                           sort_key(r.label_vi), r.code or "")),
    }


def download_rows(kho: Kho, session: Session, scope: Scope, cat: Catalogue,
                  recount: bool = False) -> dict[str, Any]:
    """Downloads per commune (one DownloadRecord row is one download: a user's requests
    for one file and rendition on one day are already coalesced into it)."""
    if not recount and _cells_answer(scope):
        counts: dict[Optional[int], int] = {}
        for commune_id, _y, _m, n in _from_cells(session, scope, cat, USAGE_DOWNLOADS):
            counts[commune_id] = counts.get(commune_id, 0) + n
    else:
        where = _usage_filters(scope, cat, DownloadRecord.day, DownloadRecord.commune_id,
                               DownloadRecord.product_id)
        commune = rolled(DownloadRecord.commune_id, cat, scope.rollup)
        counts = dict(session.execute(select(commune, func.count()).where(*where)
                                      .group_by(commune)).all())
    return {"downloads_by_commune": _per_commune(kho, cat, scope, counts)}


def _per_commune(kho: Kho, cat: Catalogue, scope: Scope,
                 counts: dict[Optional[int], int]) -> list[CountRow]:
    """Rows for today's communes (0 included) and every commune with a count; the row
    of "no commune" only when it has one."""
    shown = _communes_shown(kho, cat, scope) | set(counts)
    return sorted((CountRow(**labels(unit_label(cat, c)), count=counts.get(c, 0))
                   for c in shown if c is not None or counts.get(c)), key=unit_order)


def _communes_shown(kho: Kho, cat: Catalogue, scope: Scope) -> set[Optional[int]]:
    """Communes listed even with nothing counted: today's communes (in the filter)."""
    today = local_today(kho.settings)
    allowed = ids_for(cat, scope.commune, scope.rollup)
    return {i for i, u in cat.units.items() if u.level == "commune" and u.valid_on(today)
            and (allowed is None or i in allowed)
            and (scope.units is None or i in scope.units)}


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
