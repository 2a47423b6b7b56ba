"""What units record per year: staff per target group (the denominator of the people
shares) and the spokesperson mechanism of each administrative body.

- :func:`set_staff_count`: a unit has ``staff`` people of a target group in ``year``
  (0 allowed; recording again replaces the number).
- :func:`set_spokesperson`: an administrative body (a unit of level ``province``,
  ``district``, ``district-office`` or ``commune``) has, or has not, designated a
  spokesperson in ``year``, and who. The bodies recorded for a year are the
  denominator of the mechanism's share (target 100 %): record the bodies without
  one too (``designated`` false), or they do not count against the target.

Office and admin accounts (``people.manage``) of the unit's scope
(:func:`app.services.access.unit_scope.require_unit`). Each write is one upsert, so two
offices saving at once leave one row (the later one).
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Optional

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.bootstrap import Kho
from app.services.access.actors import Actor
from app.services.access.unit_scope import actor_units, require_unit
from app.services.common.upsert import upsert
from archive.base import utcnow
from archive.errors import ValidationError
from archive.people import Spokesperson, StaffCount
from archive.text import fold, normalize_text
from archive.vocabulary import Term, Unit

MANAGE = "people.manage"
ADMINISTRATIVE_LEVELS = ("province", "district", "district-office", "commune")


def _year(value: Any) -> int:
    try:
        year = int(str(value).strip())
    except ValueError:
        year = 0
    if not 1900 <= year <= 2999:
        raise ValidationError("not a year: %(value)s", field="year", value=value)
    return year


def find_unit(session: Session, code: str, field: str = "unit") -> Unit:
    """A unit by code, GSO code or name (folded); ValidationError naming ``field``."""
    code = normalize_text(str(code or ""))
    unit = session.scalar(select(Unit).where(Unit.code == code))
    if unit is None and code:
        key = fold(code)
        for candidate in session.scalars(select(Unit).order_by(Unit.valid_to.is_not(None),
                                                                 Unit.id)):
            if key in {fold(candidate.gso_code or ""), fold(candidate.name),
                       fold(candidate.short_name or "")}:
                unit = candidate
                break
    if unit is None:
        raise ValidationError("unknown unit code %(code)s", field=field, code=code)
    return unit


def find_group(session: Session, code: str) -> Term:
    """A target group by code or label (folded); ValidationError naming ``target_group``."""
    key = fold(normalize_text(str(code or "")))
    for term in session.scalars(select(Term).where(Term.vocabulary == "target_group")):
        if key in {fold(term.code), fold(term.label_vi), fold(term.label_en or "")}:
            return term
    raise ValidationError("unknown target group %(value)s", field="target_group", value=code)


def set_staff_count(kho: Kho, actor: Actor, unit: str, year: Any, target_group: str,
                    staff: Any) -> None:
    """Record how many staff ``unit`` has in ``target_group`` in ``year``."""
    actor.require(MANAGE)
    year = _year(year)
    try:
        staff = int(str(staff).strip())
    except ValueError:
        staff = -1
    if staff < 0:
        raise ValidationError("not a number of people: %(value)s", field="staff", value=staff)
    with kho.transaction() as session:
        found = find_unit(session, unit)
        require_unit(session, actor, found.id)
        group = find_group(session, target_group)
        upsert(session, StaffCount, [{"unit_id": found.id, "year": year,
                                      "target_group_id": group.id, "staff": staff,
                                      "updated_by_id": actor.user_id, "updated_at": utcnow()}],
               ("unit_id", "year", "target_group_id"),
               lambda stmt: {"staff": stmt.excluded.staff,
                             "updated_by_id": stmt.excluded.updated_by_id,
                             "updated_at": stmt.excluded.updated_at})


def set_spokesperson(kho: Kho, actor: Actor, unit: str, year: Any, designated: bool,
                     name: str = "", position: str = "", note: str = "") -> None:
    """Record the spokesperson mechanism of an administrative body in ``year``;
    ValidationError for a unit that is not an administrative body, or a designated
    spokesperson without a name."""
    actor.require(MANAGE)
    year = _year(year)
    name, position, note = (normalize_text(str(v or "")) for v in (name, position, note))
    if designated and not name:
        raise ValidationError("name the spokesperson", field="name")
    with kho.transaction() as session:
        found = find_unit(session, unit)
        require_unit(session, actor, found.id)
        if found.level not in ADMINISTRATIVE_LEVELS:
            raise ValidationError("%(unit)s is not an administrative body", field="unit",
                                  unit=found.name)
        upsert(session, Spokesperson, [{"unit_id": found.id, "year": year,
                                        "designated": bool(designated), "name": name,
                                        "position": position, "note": note,
                                        "updated_by_id": actor.user_id,
                                        "updated_at": utcnow()}],
               ("unit_id", "year"),
               lambda stmt: {c: getattr(stmt.excluded, c) for c in
                             ("designated", "name", "position", "note", "updated_by_id",
                              "updated_at")})


@dataclass(frozen=True)
class StaffLine:
    unit_code: str
    unit: str
    group_code: str
    group: str
    staff: int


@dataclass(frozen=True)
class SpokespersonLine:
    unit_code: str
    unit: str
    designated: bool
    name: str
    position: str
    note: str


def staff_counts(kho: Kho, actor: Actor, year: Any) -> list[StaffLine]:
    """The staff counts of ``year`` in the actor's units, by unit and group."""
    actor.require(MANAGE)
    year = _year(year)
    with kho.transaction() as session:
        units = actor_units(session, actor)
        stmt = (select(Unit.code, Unit.name, Term.code, Term.label_vi, StaffCount.staff)
                .join(Unit, Unit.id == StaffCount.unit_id)
                .join(Term, Term.id == StaffCount.target_group_id)
                .where(StaffCount.year == year).order_by(Unit.name, Term.position, Term.id))
        if units is not None:
            stmt = stmt.where(StaffCount.unit_id.in_(units))
        return [StaffLine(*row) for row in session.execute(stmt)]


def spokespersons(kho: Kho, actor: Actor, year: Any) -> list[SpokespersonLine]:
    """The spokesperson records of ``year`` in the actor's units, by body."""
    actor.require(MANAGE)
    year = _year(year)
    with kho.transaction() as session:
        units = actor_units(session, actor)
        stmt = (select(Unit.code, Unit.name, Spokesperson.designated, Spokesperson.name,
                       Spokesperson.position, Spokesperson.note)
                .join(Unit, Unit.id == Spokesperson.unit_id)
                .where(Spokesperson.year == year).order_by(Unit.name))
        if units is not None:
            stmt = stmt.where(Spokesperson.unit_id.in_(units))
        return [SpokespersonLine(*row) for row in session.execute(stmt)]


def year_or(value: Optional[Any], default: int) -> int:
    """``value`` as a year, or ``default`` when empty."""
    return default if value in (None, "") else _year(value)


def target_groups(kho: Kho) -> list[tuple[str, str, Optional[int]]]:
    """(code, Vietnamese label, target percent) of the target groups, in order: the
    pickers of the staff form."""
    with kho.transaction() as session:
        return [(t.code, t.label_vi, t.target_percent) for t in session.scalars(
            select(Term).where(Term.vocabulary == "target_group", Term.active.is_(True))
            .order_by(Term.position, Term.id))]
