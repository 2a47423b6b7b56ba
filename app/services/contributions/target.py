"""A contributing unit and year, resolved and checked (:class:`Target`), and who may
file or review it: the account's unit scope holds the contributing unit (filing) or its
consolidating body on the year's deadline (review).

Errors: ValidationError naming ``year`` (outside the plan) or ``unit`` (it did not exist
on the deadline day, or nobody collects its contribution); NotFound naming ``unit``;
PermissionDenied (role, or a unit outside the account's scope).
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy.orm import Session

from app.services.access.actors import Actor
from app.services.access.unit_scope import actor_units, require_unit
from app.services.contributions import chain, rules
from archive.errors import NotFound, ValidationError
from archive.text import normalize_text
from config import Settings

OPEN_STATES = ("draft", "returned")         # states a contributor may still change


@dataclass(frozen=True)
class Target:
    """A contributing unit and year, resolved and checked: the unit, its consolidating
    body on the deadline day, the deadline."""

    unit: chain.UnitRow
    body: chain.UnitRow
    year: int
    deadline: date


def resolve(session: Session, settings: Settings, unit_code: str, year: Any) -> Target:
    """The unit with code ``unit_code`` as a contributor for ``year``.

    ValidationError naming ``year`` (outside the plan) or ``unit`` (it did not exist on
    the deadline day, or nobody collects its contribution); NotFound naming ``unit``."""
    year = rules.check_year(year)
    day = rules.deadline(settings, year)
    code = normalize_text(str(unit_code or ""))
    rows = chain.unit_rows(session)
    unit = next((r for r in rows.values() if r.code == code), None)
    if unit is None:
        raise NotFound("no unit with code %(code)s", field="unit", code=code)
    if not unit.valid_on(day):
        raise ValidationError("%(unit)s did not exist on %(day)s, the deadline of %(year)s: "
                              "its work is reported by the unit that took it over",
                              field="unit", unit=unit.name, day=day.strftime("%d/%m/%Y"),
                              year=str(year))
    body_id = chain.consolidating_body(rows, chain.consolidator_ids(settings, rows),
                                       unit.id, day)
    if body_id is None or unit.level not in chain.CONTRIBUTING_LEVELS:
        raise ValidationError("%(unit)s does not owe a contribution for %(year)s: no body "
                              "above it collects one", field="unit", unit=unit.name,
                              year=str(year))
    return Target(unit=unit, body=rows[body_id], year=year, deadline=day)


def may_file(session: Session, actor: Actor, target: Target) -> bool:
    units = actor_units(session, actor)
    return actor.can("contribution.file") and (units is None or target.unit.id in units)


def may_review(session: Session, actor: Actor, target: Target) -> bool:
    units = actor_units(session, actor)
    return actor.can("contribution.review") and (units is None or target.body.id in units)


def require_file(session: Session, actor: Actor, target: Target) -> None:
    actor.require("contribution.file")
    require_unit(session, actor, target.unit.id)


def require_review(session: Session, actor: Actor, target: Target) -> None:
    actor.require("contribution.review")
    require_unit(session, actor, target.body.id)
