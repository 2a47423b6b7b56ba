"""Periods the summary cells can answer: whole months (cells are counted per month)."""
from __future__ import annotations

from calendar import monthrange
from typing import Optional

from app.services.stats.figures import Scope


def whole_months(scope: Scope) -> Optional[tuple[Optional[int], Optional[int]]]:
    """(first, last) month of the scope's period as ``yyyymm``, None for an open end;
    None altogether when a bound is not a month's first (``from``) or last (``to``) day,
    which only a count of the rows can answer."""
    start = end = None
    if scope.date_from is not None:
        if scope.date_from.day != 1:
            return None
        start = scope.date_from.year * 100 + scope.date_from.month
    if scope.date_to is not None:
        to = scope.date_to
        if to.day != monthrange(to.year, to.month)[1]:
            return None
        end = to.year * 100 + to.month
    return start, end
