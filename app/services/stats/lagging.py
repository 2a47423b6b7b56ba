"""Which communes lag behind: the dashboard's commune table with a sign on each one.

The rule (the dashboard states it above the table): a commune of today (valid on
Vietnam's date) in the scope **lags** when at least one of these holds —

- ``no_products``: it has no product in the scope;
- ``combined_below_target``: its combined share (Decision 1079) is below the lower
  bound of the target band (``target_band_min``, 15 %);
- ``digitisation_below_average``: its digitisation rate is below the rate of the whole
  scope (every product in view, each once: the province's, or the account's part).

Compared exactly (integer cross-multiplication), so a commune exactly at the band or at
the average is on track. Communes that no longer exist (shown as they were when roll-up
is off) and the row of products without a commune are never marked: nobody there can
catch up. Plain data: no database, no Flask.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Collection

from app.services.stats.figures import EMPTY, GroupRow, Stats
from app.services.stats.targets import band_floor
from archive.text import sort_key

NO_PRODUCTS = "no_products"
COMBINED_BELOW_TARGET = "combined_below_target"
DIGITISATION_BELOW_AVERAGE = "digitisation_below_average"
REASONS = (NO_PRODUCTS, COMBINED_BELOW_TARGET, DIGITISATION_BELOW_AVERAGE)


@dataclass(frozen=True)
class CommuneProgress:
    """One row of the commune table and why it lags (empty: on track or not judged)."""

    row: GroupRow
    lagging: tuple[str, ...] = ()


def lag_reasons(row: GroupRow, stats: Stats) -> tuple[str, ...]:
    """The reasons (of :data:`REASONS`, in that order) ``row`` lags within ``stats``."""
    if row.total == 0:
        return (NO_PRODUCTS,)
    reasons = []
    floor = band_floor(stats.target.band_min)
    if row.combined * floor.denominator < floor.numerator * row.total:
        reasons.append(COMBINED_BELOW_TARGET)
    if row.digitised * stats.total < stats.digitised * row.total:
        reasons.append(DIGITISATION_BELOW_AVERAGE)
    return tuple(reasons)


def commune_progress(stats: Stats, current: Collection[str]) -> list[CommuneProgress]:
    """The rows of ``stats.by_commune`` with their lag reasons, plus a row of zeros for
    each commune of today that the scope lists (its broadcasts and downloads rows always
    name today's communes within the filters and the account's part) but that has no
    product. ``current``: the codes of the communes valid today; only they are judged.
    Order: that of ``by_commune`` (Vietnamese alphabetical, "not set" last), the
    communes without products placed among them by name."""
    rows = list(stats.by_commune)
    counted = {r.code for r in rows}
    named = {r.code: r for r in (*stats.broadcasts_by_commune, *stats.downloads_by_commune)
             if r.code is not None}
    for code, r in named.items():
        if code in current and code not in counted:
            rows.append(GroupRow(**EMPTY.counts(), code=code, label_vi=r.label_vi,
                                 label_en=r.label_en))
    rows.sort(key=lambda r: (r.code is None, sort_key(r.label_vi)))
    return [CommuneProgress(r, lag_reasons(r, stats) if r.code in current else ())
            for r in rows]


__all__ = ["COMBINED_BELOW_TARGET", "DIGITISATION_BELOW_AVERAGE", "NO_PRODUCTS", "REASONS",
           "CommuneProgress", "commune_progress", "lag_reasons"]
