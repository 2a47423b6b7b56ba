"""The figures of use shown for a scope — airings per commune, per month and per commune
and month, downloads per commune — kept with what they were counted from, so that the
figures' cache (:mod:`app.services.stats.cache`) can add the rows logged since
(:meth:`Airings.plus`, :meth:`Downloads.plus`) instead of counting them all again.
Counting them is :mod:`app.services.stats.usage`'s.
"""
from __future__ import annotations

from bisect import bisect_left
from dataclasses import dataclass, replace
from typing import Any, Mapping, Optional

from app.bootstrap import Kho
from app.services.common.clock import local_today
from app.services.stats.figures import CommuneMonthRow, CountRow, MonthRow, Scope
from app.services.stats.scope import Catalogue, ids_for, labels, unit_label, unit_order
from archive.text import sort_key


def _same_units(version: int, cat: Catalogue,
                new: list[tuple[Optional[int], int, int, int]]) -> bool:
    """Whether rows grouped with ``cat`` may be added to figures counted with the
    vocabularies of ``version``: the same vocabularies, and every commune known."""
    return cat.version == version and all(u is None or u in cat.units for u, *_ in new)


def _month_key(row: CommuneMonthRow) -> tuple:
    """Where a commune-month row sorts: by month, then as :func:`unit_order`."""
    return (row.year, row.month, row.code is None, sort_key(row.label_vi), row.code or "")


@dataclass(frozen=True)
class Airings:
    """Broadcasts of one scope per (commune, year, month), and the three lists shown from
    them. Kept by the figures' cache so that airings logged since (:meth:`plus`) are
    added to it instead of the whole part being added up again."""

    upto: int                                # the newest broadcast id counted
    version: int                             # the vocabularies' it was labelled with
    cells: Mapping[tuple[Optional[int], int, int], int]
    commune_months: list[CommuneMonthRow]    # in :func:`_month_key` order
    keys: list[tuple]                        # :func:`_month_key` of each of them
    figures: dict[str, Any]

    @classmethod
    def of(cls, kho: Kho, cat: Catalogue, scope: Scope, upto: int,
           cells: Mapping[tuple[Optional[int], int, int], int],
           rows: Optional[list[CommuneMonthRow]] = None,
           keys: Optional[list[tuple]] = None) -> "Airings":
        if rows is None:
            rows = sorted((CommuneMonthRow(**labels(unit_label(cat, u)), year=y, month=m,
                                           count=n) for (u, y, m), n in cells.items()),
                          key=_month_key)
            keys = [_month_key(r) for r in rows]
        communes: dict[Optional[int], int] = {}
        months: dict[tuple[int, int], int] = {}
        for (u, y, m), n in cells.items():
            communes[u] = communes.get(u, 0) + n
            months[(y, m)] = months.get((y, m), 0) + n
        return cls(upto, cat.version, cells, rows, keys or [], {
            "broadcasts_by_commune": _per_commune(kho, cat, scope, communes),
            "broadcasts_by_month": [MonthRow(y, m, n) for (y, m), n in sorted(months.items())],
            "broadcasts_by_commune_month": rows})

    def plus(self, kho: Kho, cat: Catalogue, scope: Scope, upto: int,
             new: list[tuple[Optional[int], int, int, int]]) -> Optional["Airings"]:
        """These figures with the ``new`` airings added ((commune, year, month, count)
        as :func:`airings_since` gives them for ids up to ``upto``); self is left as it
        was (it is shared). None when ``cat`` is not the vocabularies these figures were
        labelled and rolled up with (a unit renamed or merged since) or does not know a
        commune of the new rows (created since): only a full count answers then."""
        if not _same_units(self.version, cat, new):
            return None
        if not new:
            return replace(self, upto=upto)
        cells, rows, keys = dict(self.cells), list(self.commune_months), list(self.keys)
        for u, y, m, n in new:
            cells[(u, y, m)] = cells.get((u, y, m), 0) + n
            row = CommuneMonthRow(**labels(unit_label(cat, u)), year=y, month=m,
                                  count=cells[(u, y, m)])
            key = _month_key(row)
            at = bisect_left(keys, key)
            if at < len(keys) and keys[at] == key:
                rows[at] = row
            else:
                keys.insert(at, key)
                rows.insert(at, row)
        return Airings.of(kho, cat, scope, upto, cells, rows, keys)


@dataclass(frozen=True)
class Downloads:
    """Downloads of one scope per commune, and the list shown from them (see
    :class:`Airings`)."""

    upto: int                                # the newest download record id counted
    version: int                             # the vocabularies' it was labelled with
    communes: Mapping[Optional[int], int]
    figures: dict[str, Any]

    @classmethod
    def of(cls, kho: Kho, cat: Catalogue, scope: Scope, upto: int,
           communes: Mapping[Optional[int], int]) -> "Downloads":
        shown = _per_commune(kho, cat, scope, dict(communes))
        return cls(upto, cat.version, communes, {"downloads_by_commune": shown})

    def plus(self, kho: Kho, cat: Catalogue, scope: Scope, upto: int,
             new: list[tuple[Optional[int], int, int, int]]) -> Optional["Downloads"]:
        """These figures with the ``new`` downloads added; None when only a full count
        answers (see :meth:`Airings.plus`)."""
        if not _same_units(self.version, cat, new):
            return None
        if not new:
            return replace(self, upto=upto)
        communes = dict(self.communes)
        for u, _y, _m, n in new:
            communes[u] = communes.get(u, 0) + n
        return Downloads.of(kho, cat, scope, upto, communes)


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
