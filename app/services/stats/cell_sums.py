"""The product figures of a scope added up from the summary cells that
:mod:`app.services.stats.summary` keeps: which scopes they answer (:func:`answers`), the
breakdown rows (:func:`product_rows`) and the dashboard's to-do totals
(:func:`todo_counts`), each one statement over a few thousand cells, never the catalogue.
"""
from __future__ import annotations

from collections import defaultdict
from typing import Any, Optional

from sqlalchemy import func, literal, select, union_all
from sqlalchemy.orm import Session

from app.services.stats.contributions import (COMMUNE, COMMUNE_ROLLED, COUNT_COLUMNS, KIND,
                                              NO_CHANNEL, NO_COMMUNE, NO_LANGUAGE,
                                              NO_THEME, TASK, TERM, TOTAL, UNCLASSIFIED,
                                              UNIT)
from app.services.stats.figures import Scope
from app.services.stats.months import whole_months
from app.services.stats.scope import Catalogue
from app.services.stats.summary import CELLS, YEAR_CELLS, part_territories
from archive.stats import ALL_YEARS


def answers(scope: Scope) -> bool:
    """Whether the cells answer ``scope`` (else count it with the breakdowns' SQL): no
    unit or commune filter, a period of whole months, and the whole catalogue or an
    account's part (:func:`app.services.stats.plan_progress.for_account`)."""
    return scope.unit is None and scope.commune is None \
        and (scope.units is None or scope.account_unit is not None) \
        and whole_months(scope) is not None


def _part(session: Session, scope: Scope, cat: Catalogue) -> int:
    """The part whose cells answer ``scope``: 0 for the whole catalogue, else the
    number of the account's unit's part (its units are ``scope.units``)."""
    if scope.units is None:
        return 0
    unit_id = next(i for i, u in cat.units.items() if u.code == scope.account_unit)
    return part_territories(session)[0].get(unit_id, unit_id)


class _Source:
    """Where the cells of a scope's period are added up: the year sums
    (``stats_year_cells``) when the period is whole years or open — every year, one
    year, the plan: a few hundred rows a year — else the month cells."""

    def __init__(self, session: Session, scope: Scope, cat: Catalogue) -> None:
        start, end = whole_months(scope) or (None, None)
        part = _part(session, scope, cat)
        self.years = (start is None or start % 100 == 1) and (end is None or end % 100 == 12)
        if self.years:
            self.table = YEAR_CELLS
            year = YEAR_CELLS.c.year
            bounds = [c for c in (year >= start // 100 if start else None,
                                  year <= end // 100 if end else None) if c is not None]
            self.each = [YEAR_CELLS.c.part == part, year != ALL_YEARS, *bounds]
            # the sums over every month are one row a key, where the period allows
            self.where = [YEAR_CELLS.c.part == part, year == ALL_YEARS] if not bounds \
                else self.each
            self.month = year * 100 + 1            # a year's total, dated to its January
        else:
            self.table = CELLS
            self.where = self.each = [c for c in (
                CELLS.c.part == part, CELLS.c.month >= start if start else None,
                CELLS.c.month <= end if end else None) if c is not None]
            self.month = CELLS.c.month

    def column(self, name: str) -> Any:
        return self.table.c[name]


def product_rows(session: Session, scope: Scope, cat: Catalogue) -> list[tuple]:
    """The rows of :func:`app.services.stats.breakdowns.product_rows` for ``scope``
    (which :func:`answers` must accept), added up from the cells in one statement."""
    src = _Source(session, scope, cat)
    c = src.column
    sums = [func.sum(c(name)) for name in COUNT_COLUMNS]
    by_month = select(literal(TOTAL), src.month, *sums) \
        .where(c("dim") == TOTAL, *src.each).group_by(src.month)
    by_key = select(c("dim"), c("key"), *sums) \
        .where(c("dim") != TOTAL, *src.where).group_by(c("dim"), c("key"))
    rows = session.execute(union_all(by_month, by_key)).all()
    return _as_breakdown_rows(rows, scope, cat)


def todo_counts(session: Session, scope: Scope,
                cat: Catalogue) -> tuple[dict[Optional[int], int], int]:
    """The totals of the dashboard's to-do lists for ``scope`` (which :func:`answers`
    must accept), from the cells: products not digitised per lead unit (None: no lead
    unit; rolled up to today's units with ``scope.rollup``; units with none left out)
    and the number of products with no language or no channel."""
    src = _Source(session, scope, cat)
    c = src.column
    per_unit: dict[Optional[int], int] = defaultdict(int)
    for key, left in session.execute(
            select(c("key"), func.sum(c("total") - c("digitised")))
            .where(c("dim") == UNIT, *src.where).group_by(c("key"))):
        if left:
            unit = (cat.current.get(key, key) if scope.rollup else key) if key else None
            per_unit[unit] += int(left)
    missing = session.scalar(select(func.sum(c("total")))
                             .where(c("dim") == UNCLASSIFIED, *src.where))
    return dict(per_unit), int(missing or 0)


def _as_breakdown_rows(rows: list[Any], scope: Scope, cat: Catalogue) -> list[tuple]:
    """Cells added up into the (dimension, key, *counts) rows ``breakdowns.assemble``
    reads: months into years, old units into today's when rolling up."""
    out: dict[tuple[int, Optional[int]], list[int]] = defaultdict(lambda: [0] * 7)

    def add(dim: int, key: Optional[int], counts) -> None:
        acc = out[(dim, key)]
        for i, n in enumerate(counts):
            acc[i] += int(n or 0)

    def unit(key: int) -> Optional[int]:
        if not key:
            return None
        return cat.current.get(key, key) if scope.rollup else key

    commune_dim = COMMUNE_ROLLED if scope.rollup else COMMUNE
    for dim, key, *counts in rows:
        if not counts[0]:
            continue
        if dim == TOTAL:
            add(0, None, counts)
            add(1, int(key) // 100, counts)
        elif dim == UNIT:
            add(2, unit(key), counts)
        elif dim in (KIND, TASK):
            add(3 if dim == KIND else 4, key or None, counts)
        elif dim == TERM:
            add(5, key, counts)
        elif dim in (NO_LANGUAGE, NO_CHANNEL, NO_THEME):
            add({NO_LANGUAGE: 6, NO_CHANNEL: 7, NO_THEME: 8}[dim], None, counts)
        elif dim == commune_dim:
            add(9, key, counts)
        elif dim == NO_COMMUNE:
            add(10, None, counts)
    return [(dim, key, *counts) for (dim, key), counts in out.items()]

