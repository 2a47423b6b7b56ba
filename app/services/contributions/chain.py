"""Who reports to whom: the consolidating body of a unit, and the units a body expects.

**The rule, read from the units table as it stood on the year's deadline day** (setting
``report_deadline``, e.g. 25/11/2026):

1. The *consolidators* are the units marked ``consolidates`` in the units table (seeded:
   the district's Phòng Văn hóa và Thông tin, ending 30/06/2025, and the province's Sở
   Văn hóa, Thể thao và Du lịch of Quảng Ngãi, from 01/07/2025; editable on the admin
   units page), plus any unit the setting ``report_consolidators`` names (codes; an
   override, empty by default; unknown codes ignored). A consolidator counts only on
   the days it is valid.
2. A unit's contribution goes to the consolidator found **nearest above it**: walk up its
   parent links (the unit's parent, then that one's parent …); at each ancestor, a
   consolidator that is the ancestor itself or one of its children (other than the unit
   itself) and valid on the day is the unit's consolidating body. So a commune of
   2026 (parent: UBND tỉnh Quảng Ngãi) reports to the Sở VHTTDL (a child of the
   province); a commune of 2024 (parent: UBND huyện Kon Rẫy) reported to the district's
   Phòng VH-TT; the Phòng itself and the Sở report to nobody here (they issue the
   consolidated report).
3. The units a consolidating body **expects** for a year are those in its scope
   (``units_beneath`` of :mod:`app.services.access.unit_scope`), valid on the deadline
   day, of a contributing level (communes, district offices and organisations,
   provincial departments; not the People's Committees of a district or province,
   whose report the body itself writes), other than the body and its ancestors, whose
   consolidating body by rule 2 is this body. In the merger year 2025 the deadline
   (25/11/2025) falls after 1/7/2025: the new communes are expected, by the Sở, and the
   communes that ended on 30/06/2025 are not (their work is their successor's to report).

Errors: ValidationError naming ``unit`` when a body did not exist on the deadline day
or does not consolidate (a commune asking for its checklist), naming ``year`` for a year
outside the plan.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from typing import Optional

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.services.access.unit_scope import units_beneath
from archive.errors import ValidationError
from archive.models import Unit
from archive.text import sort_key
from config import Settings

# levels that file a contribution; communes last on the checklist
CONTRIBUTING_LEVELS = ("province", "district-office", "district-organisation", "commune")
MAX_HOPS = 10          # parent links followed at most (a cycle made by a bad edit ends)


@dataclass(frozen=True)
class UnitRow:
    """What the rule reads of a unit."""

    id: int
    code: str
    name: str
    level: str
    parent_id: Optional[int]
    valid_from: Optional[date]
    valid_to: Optional[date]
    consolidates: bool = False

    def valid_on(self, day: date) -> bool:
        return ((self.valid_from is None or self.valid_from <= day)
                and (self.valid_to is None or day <= self.valid_to))


def unit_rows(session: Session) -> dict[int, UnitRow]:
    """Every unit by id: one statement (tens of rows)."""
    return {r.id: UnitRow(r.id, r.code, r.name, r.level, r.parent_id, r.valid_from,
                          r.valid_to, bool(r.consolidates))
            for r in session.execute(select(Unit.id, Unit.code, Unit.name, Unit.level,
                                            Unit.parent_id, Unit.valid_from, Unit.valid_to,
                                            Unit.consolidates))}


def consolidator_ids(settings: Settings, rows: dict[int, UnitRow]) -> frozenset[int]:
    """Ids of the units marked ``consolidates``, and of those the setting
    ``report_consolidators`` adds (unknown codes ignored)."""
    codes = {c for c in re.split(r"[\s,;]+", settings.report_consolidators or "") if c}
    return frozenset(r.id for r in rows.values() if r.consolidates or r.code in codes)


def consolidating_body(rows: dict[int, UnitRow], consolidators: frozenset[int],
                       unit_id: int, day: date) -> Optional[int]:
    """The id of the body ``unit_id`` reports to on ``day`` (rule 2), or None."""
    unit = rows.get(unit_id)
    seen = {unit_id}
    ancestor = rows.get(unit.parent_id) if unit and unit.parent_id is not None else None
    while ancestor is not None and ancestor.id not in seen and len(seen) <= MAX_HOPS:
        seen.add(ancestor.id)
        found = sorted(c for c in consolidators
                       if c != unit_id and rows[c].valid_on(day)
                       and (c == ancestor.id or rows[c].parent_id == ancestor.id))
        if found:
            return found[0]
        ancestor = rows.get(ancestor.parent_id) if ancestor.parent_id is not None else None
    return None


def _ancestors(rows: dict[int, UnitRow], unit_id: int) -> set[int]:
    found: set[int] = set()
    unit = rows.get(unit_id)
    while unit is not None and unit.parent_id is not None and unit.parent_id not in found \
            and len(found) <= MAX_HOPS:
        found.add(unit.parent_id)
        unit = rows.get(unit.parent_id)
    return found


def require_consolidator(rows: dict[int, UnitRow], consolidators: frozenset[int],
                         body_id: int, day: date) -> UnitRow:
    """The body, if it collects contributions on ``day``; ValidationError naming
    ``unit`` otherwise (it did not exist that day, or it is not a consolidator)."""
    body = rows[body_id]
    if not body.valid_on(day):
        raise ValidationError("%(unit)s did not exist on %(day)s: pick the body that "
                              "collects the contributions that year", field="unit",
                              unit=body.name, day=day.strftime("%d/%m/%Y"))
    if body_id not in consolidators:
        raise ValidationError("%(unit)s does not collect yearly contributions",
                              field="unit", unit=body.name)
    return body


def expected_units(session: Session, settings: Settings, body_id: int,
                   day: date) -> list[UnitRow]:
    """The units ``body_id`` expects a contribution from for the year whose deadline is
    ``day`` (rule 3), provincial bodies and offices first, then communes, each group
    in Vietnamese alphabetical order. ValidationError as :func:`require_consolidator`."""
    rows = unit_rows(session)
    consolidators = consolidator_ids(settings, rows)
    require_consolidator(rows, consolidators, body_id, day)
    scope = units_beneath(session, body_id)
    left_out = _ancestors(rows, body_id) | {body_id}
    found = [rows[i] for i in scope if i in rows and i not in left_out
             and rows[i].level in CONTRIBUTING_LEVELS and rows[i].valid_on(day)
             and consolidating_body(rows, consolidators, i, day) == body_id]
    return sorted(found, key=lambda r: (r.level == "commune", sort_key(r.name), r.code))


def bodies_on(session: Session, settings: Settings, day: date) -> list[UnitRow]:
    """The consolidators valid on ``day``, by name (the checklist's choice)."""
    rows = unit_rows(session)
    return sorted((rows[i] for i in consolidator_ids(settings, rows) if rows[i].valid_on(day)),
                  key=lambda r: sort_key(r.name))
