"""What one product adds to the summary cells (:mod:`archive.stats`), as plain data.

A product's :class:`Fact` is what a figure reads of it; :func:`cells_of` turns it into
the cells it counts in, each with the seven counts of a
:class:`app.services.stats.figures.Tally` (0 or 1 each). The fold adds a product's new
cells and subtracts its old ones; the reader (:mod:`app.services.stats.summary`) adds
the cells up. The same definitions as the SQL of :mod:`app.services.stats.breakdowns`
(a property test holds the two equal).
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timezone
from typing import Iterator, Mapping, Optional
from zoneinfo import ZoneInfo

from app.services.stats.scope import Catalogue

# dimensions of stats_cells; key 0 is "not set" where a key can be missing
TOTAL, UNIT, KIND, TASK, TERM, NO_LANGUAGE, NO_CHANNEL, NO_THEME, COMMUNE, \
    COMMUNE_ROLLED, NO_COMMUNE, UNCLASSIFIED = range(12)
# UNCLASSIFIED: no language or no channel (the dashboard's to-do list: such a product
# cannot count in the shares); not a breakdown of the figures
COUNT_COLUMNS = ("total", "digitised", "ethnic_language", "foreign_language",
                 "digital_platform", "combined", "online")
Vector = tuple[int, int, int, int, int, int, int]


@dataclass(frozen=True)
class Fact:
    """One product as the figures see it (a ``stats_facts`` row)."""

    month: int                    # yyyymm of produced_on, else of its creation in Vietnam
    lead_unit_id: Optional[int]
    kind_id: Optional[int]
    plan_task_id: Optional[int]
    digitised: int
    online: int
    counted: int                  # 0 for a product confirmed as a repeat of another
    terms: tuple[int, ...]
    communes: tuple[int, ...]
    unclassified: int = 0         # 1: no language or no channel (see :func:`unclassified`)
    failed: int = 0               # its files that failed processing (the to-do list's count)

    def row(self, product_id: int) -> dict:
        """The ``stats_facts`` row."""
        return {"product_id": product_id, "month": self.month,
                "lead_unit_id": self.lead_unit_id, "kind_id": self.kind_id,
                "plan_task_id": self.plan_task_id, "digitised": self.digitised,
                "online": self.online, "counted": self.counted,
                "terms": ",".join(map(str, self.terms)),
                "communes": ",".join(map(str, self.communes)),
                "unclassified": self.unclassified, "failed": self.failed}

    @classmethod
    def from_row(cls, row) -> "Fact":
        def ids(text: str) -> tuple[int, ...]:
            return tuple(int(x) for x in text.split(",") if x)
        return cls(row.month, row.lead_unit_id, row.kind_id, row.plan_task_id,
                   row.digitised, row.online, row.counted, ids(row.terms),
                   ids(row.communes), row.unclassified, row.failed)


def month_of(produced_on: Optional[date], created_at: datetime, tz: str) -> int:
    """yyyymm of the product's day: ``produced_on``, else the day it was created in
    ``tz`` (``created_at`` naive from SQLite is UTC)."""
    if produced_on is None:
        if created_at.tzinfo is None:
            created_at = created_at.replace(tzinfo=timezone.utc)
        produced_on = created_at.astimezone(ZoneInfo(tz)).date()
    return produced_on.year * 100 + produced_on.month


def unclassified(terms: tuple[int, ...], cat: Catalogue) -> int:
    """1 when ``terms`` hold no language or no channel (the product cannot count in the
    ethnic-language or digital-platform shares), else 0."""
    vocabularies = {cat.terms[t].vocabulary for t in terms if t in cat.terms}
    return int("language" not in vocabularies or "channel" not in vocabularies)


def vector(fact: Fact, cat: Catalogue) -> Vector:
    """The seven counts (total, digitised, ethnic, foreign, digital, combined, online)."""
    flags: set[str] = set()
    for term_id in fact.terms:
        info = cat.terms.get(term_id)
        if info is not None:
            flags |= info.flags
    ethnic, foreign, digital = (int(f in flags) for f in ("ethnic", "foreign", "digital"))
    return (1, fact.digitised, ethnic, foreign, digital, int(ethnic or foreign or digital),
            fact.online)


def parts_of(fact: Fact, holders: Mapping[int, frozenset[int]]) -> list[int]:
    """0 (the whole catalogue) and every part that holds the product: its lead unit's
    or one of its communes' (``holders``: unit id -> numbers of the parts holding it,
    :func:`app.services.access.unit_scope.territories`)."""
    parts: set[int] = set()
    for unit_id in (fact.lead_unit_id, *fact.communes):
        if unit_id is not None:
            parts |= holders.get(unit_id, frozenset())
    return [0, *sorted(parts)]


def cells_of(fact: Fact, cat: Catalogue) -> Iterator[tuple[int, int, int]]:
    """The (month, dimension, key) cells ``fact`` counts in (none when not counted);
    the fold writes them once per part of :func:`parts_of`."""
    if not fact.counted:
        return
    m = fact.month
    yield m, TOTAL, 0
    yield m, UNIT, fact.lead_unit_id or 0
    yield m, KIND, fact.kind_id or 0
    yield m, TASK, fact.plan_task_id or 0
    vocabularies = set()
    for term_id in fact.terms:
        yield m, TERM, term_id
        info = cat.terms.get(term_id)
        if info is not None:
            vocabularies.add(info.vocabulary)
    for vocabulary, dim in (("language", NO_LANGUAGE), ("channel", NO_CHANNEL),
                            ("theme", NO_THEME)):
        if vocabulary not in vocabularies:
            yield m, dim, 0
    if "language" not in vocabularies or "channel" not in vocabularies:
        yield m, UNCLASSIFIED, 0
    if not fact.communes:
        yield m, NO_COMMUNE, 0
    for unit_id in fact.communes:
        yield m, COMMUNE, unit_id
    for unit_id in sorted({cat.current.get(u, u) for u in fact.communes}):
        yield m, COMMUNE_ROLLED, unit_id
