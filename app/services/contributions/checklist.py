"""What a consolidating body follows, and what a contributor owes.

- :func:`checklist`: for a body and a year, every expected contributor (the rule of
  :mod:`.chain`) with the state of its contribution, when it was submitted, whether on
  time, whether it is late (submitted after the deadline, or not submitted and the
  deadline passed), and the days left (Vietnam's today to the deadline; negative
  after it). "Submitted" counts contributions submitted or accepted; a returned one
  is not submitted until it comes back. Needs ``contribution.review`` and the body in
  the account's unit scope.
- :func:`owed`: for an account with a unit, the plan's years up to this one in which
  that unit is expected and its contribution is not submitted or accepted (the
  dashboard's "what you owe" block). An account without a unit owes nothing here.
"""
from __future__ import annotations

from typing import Any, Optional

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.bootstrap import Kho
from app.services.access.actors import Actor
from app.services.access.unit_scope import actor_units, require_unit
from app.services.common.clock import iso_datetime, local_today
from app.services.contributions import chain, rules
from app.services.contributions.target import resolve
from archive.contributions import Contribution
from archive.errors import NotFound, PermissionDenied, ValidationError
from archive.text import normalize_text
from config import Settings

SUBMITTED = ("submitted", "accepted")


def _body(session: Session, settings: Settings, actor: Actor, code: Optional[str],
          year: int) -> chain.UnitRow:
    """The body asked for by ``code``; else the account's unit; else (an account
    without a unit) the first body collecting that year."""
    day = rules.deadline(settings, year)
    rows = chain.unit_rows(session)
    code = normalize_text(code or "")
    if code:
        found = next((r for r in rows.values() if r.code == code), None)
        if found is None:
            raise NotFound("no unit with code %(code)s", field="unit", code=code)
        return found
    if actor.unit_id is not None and actor.unit_id in rows:
        return rows[actor.unit_id]
    bodies = chain.bodies_on(session, settings, day)
    if not bodies:
        raise ValidationError("no body collects contributions for %(year)s", field="unit",
                              year=str(year))
    return bodies[0]


def checklist(kho: Kho, actor: Actor, year: Any, unit_code: Optional[str] = None
              ) -> dict[str, Any]:
    """The checklist of body ``unit_code`` (default: see :func:`_body`) for ``year``.

    ValidationError naming ``year`` or ``unit`` (a body that did not exist on the
    deadline day or does not consolidate); NotFound naming ``unit``; PermissionDenied
    for a role that does not review, or a body outside the account's scope."""
    actor.require("contribution.review")
    settings = kho.settings
    year = rules.check_year(year)
    day = rules.deadline(settings, year)
    with kho.transaction() as session:
        body = _body(session, settings, actor, unit_code, year)
        require_unit(session, actor, body.id)
        expected = chain.expected_units(session, settings, body.id, day)
        filed = {c.unit_id: c for c in session.scalars(
            select(Contribution).where(Contribution.year == year,
                                       Contribution.unit_id.in_([u.id for u in expected])))}
        left = rules.days_left(settings, year)
        rows = []
        for unit in expected:
            c = filed.get(unit.id)
            state = c.state if c is not None else "missing"
            submitted = state in SUBMITTED
            timely = rules.on_time(settings, year, c.submitted_at) if submitted and c else None
            rows.append({"unit": {"code": unit.code, "name": unit.name, "level": unit.level},
                         "state": state,
                         "submitted_at": iso_datetime(c.submitted_at) if c else None,
                         "on_time": timely,
                         "late": (timely is False) or (not submitted and left < 0),
                         "return_reason": c.return_reason if c and state == "returned" else ""})
        counts = {name: sum(1 for r in rows if r["state"] == name)
                  for name in ("missing", "draft", "submitted", "returned", "accepted")}
        counts.update(expected=len(rows), late=sum(1 for r in rows if r["late"]),
                      done=sum(1 for r in rows if r["state"] in SUBMITTED))
        scope = actor_units(session, actor)
        choices = [{"code": b.code, "name": b.name}
                   for b in chain.bodies_on(session, settings, day)
                   if scope is None or b.id in scope]
        return {"year": year, "unit": {"code": body.code, "name": body.name},
                "deadline": day.isoformat(), "days_left": left, "counts": counts,
                "contributors": rows, "bodies": choices}


def bodies(kho: Kho, actor: Actor, year: Any) -> list[dict[str, str]]:
    """The consolidating bodies of ``year`` within the account's scope (code, name):
    the checklist's choice. Empty for a year outside the plan."""
    try:
        day = rules.deadline(kho.settings, rules.check_year(year))
    except ValidationError:
        return []
    with kho.transaction() as session:
        scope = actor_units(session, actor)
        return [{"code": b.code, "name": b.name}
                for b in chain.bodies_on(session, kho.settings, day)
                if scope is None or b.id in scope]


def owed(kho: Kho, actor: Actor) -> list[dict[str, Any]]:
    """The contributions the account's unit still owes (see the module docstring),
    oldest year first: unit, year, state, deadline, days left, the body it goes to.
    Empty for an account without a unit or without ``contribution.file``."""
    if actor.unit_id is None or not actor.can("contribution.file"):
        return []
    settings = kho.settings
    today = local_today(settings)
    found = []
    with kho.transaction() as session:
        rows = chain.unit_rows(session)
        unit = rows.get(actor.unit_id)
        if unit is None:
            return []
        states = dict(session.execute(
            select(Contribution.year, Contribution.state)
            .where(Contribution.unit_id == unit.id)).all())
        for year in rules.PLAN_YEARS:
            if year > today.year:
                break
            try:
                target = resolve(session, settings, unit.code, year)
            except (ValidationError, NotFound, PermissionDenied):
                continue                      # not expected that year
            state = states.get(year, "missing")
            if state in SUBMITTED:
                continue
            found.append({"unit": {"code": unit.code, "name": unit.name}, "year": year,
                          "state": state, "deadline": target.deadline.isoformat(),
                          "days_left": (target.deadline - today).days,
                          "consolidator": {"code": target.body.code,
                                           "name": target.body.name}})
    return found
