"""Which units an account sees and reports on: its unit and everything beneath it.

Every account may belong to a unit (``users.unit_id``). A unit-scoped account (an
office or commune account with a unit) sees the figures and lists of its unit's part:

- a commune: itself and the communes it absorbed (their successor chain leads into it);
- a body of the province (level ``province`` with a parent, e.g. the Sở VHTTDL under
  UBND tỉnh Quảng Ngãi): its whole province, i.e. the top ``province`` unit above it
  and everything beneath that, the predecessor province's tree included (Kon Tum before
  1/7/2025 through its successor link);
- a district office (level ``district-office`` under a ``district``): its district, in
  the same way (the Phòng Văn hóa và Thông tin was the plan's focal point there);
- any other unit: itself, its children, and every predecessor of either, recursively.

Admin, producer and system accounts, and an office account without a unit, see
everything (None). Products themselves stay readable to every signed-in role: only the
figures and lists that report a body's work are narrowed (statistics, the dashboard,
the yearly report, broadcasts and downloads lists).

Units are editable, so nothing is cached across calls: each call reads the units table
once (tens of rows) in one statement.
"""
from __future__ import annotations

from collections import defaultdict
from typing import Any, Optional

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.bootstrap import Kho
from app.services.access.actors import Actor
from archive.errors import PermissionDenied
from archive.models import Unit

# roles that see every unit's part whatever their unit
UNSCOPED_ROLES = frozenset({"admin", "producer", "system"})
# a body of this level stands for the territory of its parent of that level
TERRITORY_OF = {"province": "province", "district-office": "district"}


def _units(session: Session) -> dict[int, Any]:
    """id -> (id, parent_id, successor_id, level) of every unit: one statement."""
    return {row.id: row for row in session.execute(
        select(Unit.id, Unit.parent_id, Unit.successor_id, Unit.level))}


def _territory(rows: dict[int, Any], unit_id: int) -> int:
    """The unit whose tree ``unit_id`` sees: the top unit of the territory level above
    a body (a province department -> its province), else the unit itself."""
    unit = rows.get(unit_id)
    if unit is None or unit.level not in TERRITORY_OF or unit.parent_id is None:
        return unit_id
    level, top, seen = TERRITORY_OF[unit.level], unit_id, {unit_id}
    parent = rows.get(unit.parent_id)
    while parent is not None and parent.level == level and parent.id not in seen:
        top = parent.id
        seen.add(top)
        parent = rows.get(parent.parent_id) if parent.parent_id is not None else None
    return top


def _below(rows: dict[int, Any]) -> dict[int, list[int]]:
    """Parent or successor id -> the units beneath it or carried on by it."""
    below: dict[int, list[int]] = defaultdict(list)
    for row in rows.values():
        if row.parent_id is not None:
            below[row.parent_id].append(row.id)
        if row.successor_id is not None:
            below[row.successor_id].append(row.id)
    return below


def _beneath(rows: dict[int, Any], unit_id: int,
             below: Optional[dict[int, list[int]]] = None) -> frozenset[int]:
    """See :func:`units_beneath`; ``below``: :func:`_below` of ``rows`` when the caller
    asks for many units (built once, not once a unit)."""
    below = _below(rows) if below is None else below
    start = _territory(rows, unit_id)
    seen = {unit_id, start}
    stack = [start]
    while stack:                      # a cycle made by a bad edit ends at ``seen``
        for other in below.get(stack.pop(), ()):
            if other not in seen:
                seen.add(other)
                stack.append(other)
    return frozenset(seen)


def units_beneath(session: Session, unit_id: int) -> frozenset[int]:
    """Ids of ``unit_id``, every unit below it through parent links and every
    predecessor of any of these (units whose successor chain leads into one), at any
    date, recursively. A body of a province (or a district office) stands for its whole
    territory (see the module docstring). An unknown id gives just itself."""
    return _beneath(_units(session), unit_id)


def territories(session: Session) -> tuple[dict[int, int], dict[int, frozenset[int]]]:
    """The distinct parts accounts report on, for the statistics' summary rows
    (:mod:`app.services.stats.summary`): (unit id -> its part's number, unit id -> the
    part numbers that hold it). Units whose parts (:func:`units_beneath`) are the same
    set share a number (the smallest such unit id: a province's departments all see the
    province). Even a part holding every unit is not the whole catalogue: products with
    no unit at all are in no part."""
    rows = _units(session)
    below = _below(rows)
    number: dict[frozenset[int], int] = {}
    part_of: dict[int, int] = {}
    for unit_id in sorted(rows):
        part_of[unit_id] = number.setdefault(_beneath(rows, unit_id, below), unit_id)
    holders: dict[int, set[int]] = defaultdict(set)
    for inside, part in number.items():
        for unit_id in inside:
            holders[unit_id].add(part)
    return part_of, {unit_id: frozenset(parts) for unit_id, parts in holders.items()}


def actor_units(session: Session, actor: Actor) -> Optional[frozenset[int]]:
    """The unit ids ``actor`` may see and report on; None means every unit (admin,
    producer, system, and an account without a unit)."""
    if actor.role in UNSCOPED_ROLES or actor.unit_id is None:
        return None
    return units_beneath(session, actor.unit_id)


def visible_codes(kho: Kho, actor: Actor) -> Optional[frozenset[str]]:
    """Codes of the units ``actor`` may see (None: every unit), for the pickers of the
    pages that filter by unit or commune: they offer only what the account may ask for."""
    with kho.transaction() as session:
        units = actor_units(session, actor)
        if units is None:
            return None
        return frozenset(session.scalars(select(Unit.code).where(Unit.id.in_(sorted(units)))))


def require_unit(session: Session, actor: Actor, unit_id: int, *, field: str = "unit") -> None:
    """PermissionDenied (naming the unit and the account's own unit, ``field``) when
    ``unit_id`` is outside the units ``actor`` may see; nothing otherwise."""
    units = actor_units(session, actor)
    if units is None or unit_id in units:
        return
    asked, own = session.get(Unit, unit_id), session.get(Unit, actor.unit_id)
    raise PermissionDenied(
        "%(unit)s is outside the part of %(own)s: this account sees only its unit's work",
        field=field, unit=asked.name if asked else str(unit_id),
        own=own.name if own else str(actor.unit_id))
