"""The people figures as the front doors ask for them, and an activity's attendance list.

- :func:`scope_figures`: the figures of a statistics scope (the dashboard's filters:
  the period's year, the lead unit / commune filters, rollup, and the account's part
  ``scope.units`` as :func:`app.services.stats.plan_progress.for_account` narrowed it);
- :func:`request_people`: the same from request parameters (``year``, ``unit``,
  ``commune``, ``rollup``) for ``GET /api/v1/people/figures`` and ``kho people figures``;
- :func:`people_json` / :func:`activities_json` (together :func:`stats_blocks`): the
  ``people`` and ``activities`` blocks of ``GET /api/v1/stats`` (and ``kho stats --json``);
- :func:`attendance_list`: the people on an activity's list — personal data, for office
  and admin accounts whose units hold the activity; everyone else PermissionDenied
  (producers, commune staff) or NotFound (outside their units).

Statistics are for office and admin accounts (``stats.view``).
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any, Mapping, Optional

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.bootstrap import Kho
from app.services.access.actors import Actor
from app.services.access.unit_scope import actor_units
from app.services.activities.figures import GroupLine, PeopleFigures, people_figures
from app.services.activities.register import PEOPLE_ACTION, load_activity
from app.services.common.clock import local_today
from app.services.common.parameters import parse_bool
from archive.errors import ValidationError
from archive.people import Attendance, Person
from archive.text import normalize_text
from archive.vocabulary import Term, Unit, lineage_ids

PARAMS = ("year", "unit", "commune", "rollup")


def scope_year(scope: Any, today: date) -> int:
    """The year a statistics scope reports people for: the period's year when it lies
    in one year, else the year it ends in, else this year."""
    first, last = getattr(scope, "date_from", None), getattr(scope, "date_to", None)
    if last is not None:
        return last.year
    if first is not None:
        return first.year
    return today.year


def _lineage_ids(session: Session, code: Optional[str], rollup: bool,
                 field: str = "unit") -> Optional[set[int]]:
    """The unit ``code`` and (rollup) every unit it carries on; None without a code."""
    if not code:
        return None
    target = session.scalar(select(Unit.id).where(Unit.code == code))
    if target is None:
        raise ValidationError("unknown unit code %(code)s", field=field, code=code)
    if not rollup:
        return {target}
    successors = {i: s for i, s in session.execute(select(Unit.id, Unit.successor_id))}
    return {i for i in successors if target in lineage_ids(successors, i)}


def _units(session: Session, actor: Actor, part: Optional[frozenset[int]], unit: Optional[str],
           commune: Optional[str], rollup: bool) -> Optional[frozenset[int]]:
    ids: Optional[set[int]] = None
    for allowed in (actor_units(session, actor), part,
                    _lineage_ids(session, unit, rollup),
                    _lineage_ids(session, commune, rollup, "commune")):
        if allowed is not None:
            ids = set(allowed) if ids is None else ids & set(allowed)
    return frozenset(ids) if ids is not None else None


def scope_units(session: Session, actor: Actor, scope: Any) -> Optional[frozenset[int]]:
    """The unit ids a statistics scope's people figures cover (None: every unit): the
    account's units, the scope's part, its lead unit and commune filters (with their
    predecessors when rolled up). ValidationError naming an unknown unit code."""
    return _units(session, actor, getattr(scope, "units", None), scope.unit,
                  scope.commune, scope.rollup)


def scope_figures(kho: Kho, actor: Actor, scope: Any) -> PeopleFigures:
    """The people and activities figures of a statistics scope (see the module
    docstring), counted now. PermissionDenied unless office or admin. The dashboard
    and the API reuse them while nothing they read changed:
    :func:`app.services.stats.people_part.scope_people`."""
    actor.require("stats.view")
    year = scope_year(scope, local_today(kho.settings))
    with kho.transaction() as session:
        return people_figures(session, scope_units(session, actor, scope), year,
                              scope.rollup)


def request_people(kho: Kho, actor: Actor, params: Mapping[str, Any]) -> PeopleFigures:
    """Figures for parameters ``year`` (default this year), ``unit``, ``commune`` (unit
    codes), ``rollup`` (default yes); ValidationError naming an unknown or bad one."""
    actor.require("stats.view")
    unknown = sorted(set(params) - set(PARAMS))
    if unknown:
        raise ValidationError("unknown parameter(s): %(names)s; use %(choices)s",
                              field=unknown[0], names=", ".join(unknown),
                              choices=", ".join(PARAMS))
    raw_year = normalize_text(str(params.get("year") or ""))
    if raw_year and not (raw_year.isdigit() and 1900 <= int(raw_year) <= 2999):
        raise ValidationError("not a year: %(value)s", field="year", value=raw_year)
    year = int(raw_year) if raw_year else local_today(kho.settings).year
    try:
        rollup = True if params.get("rollup") in (None, "") else parse_bool(params["rollup"])
    except ValueError:
        raise ValidationError("not yes or no: %(value)s", field="rollup",
                              value=str(params.get("rollup"))) from None
    with kho.transaction() as session:
        units = _units(session, actor, None, params.get("unit") or None,
                       params.get("commune") or None, rollup)
        return people_figures(session, units, year, rollup)


def _target(g: GroupLine) -> Optional[float]:
    return g.target_percent / 100 if g.target_percent is not None else None


def _group_json(g: GroupLine) -> dict[str, Any]:
    out: dict[str, Any] = {}
    if g.unit_code is not None:
        out.update(unit=g.unit_code, unit_label=g.unit_vi)
    out.update(code=g.code, label_vi=g.label_vi, label_en=g.label_en, target_share=_target(g),
               trained=g.trained, staff=g.staff, share=g.share.value, to_train=g.to_train,
               met=g.met)
    return out


def people_json(fig: PeopleFigures) -> dict[str, Any]:
    """The ``people`` block: trained people per group and per unit and group against
    staff and target, and the spokesperson mechanism. Counts only, no names."""
    sp = fig.spokespersons
    return {"year": fig.year, "rollup": fig.rollup, "trained": fig.people_trained,
            "by_group": [_group_json(g) for g in fig.by_group],
            "by_unit": [_group_json(g) for g in fig.by_unit],
            "spokespersons": {"bodies": sp.bodies, "designated": sp.designated,
                              "share": sp.share.value, "target_share": 1.0,
                              "press_briefings": sp.briefings,
                              "by_body": [{"unit": b.unit_code, "unit_label": b.unit_vi,
                                           "designated": b.designated,
                                           "press_briefings": b.briefings}
                                          for b in sp.lines]}}


def activities_json(fig: PeopleFigures) -> dict[str, Any]:
    """The ``activities`` block: activities of the year, participants, by kind and task."""
    def lines(rows):
        return [{"code": c.code, "label_vi": c.label_vi, "label_en": c.label_en,
                 "activities": c.activities, "participants": c.participants,
                 "women": c.women, "ethnic_minority": c.ethnic_minority} for c in rows]
    return {"year": fig.year, "total": fig.activities, "participants": fig.participants,
            "women": fig.women, "ethnic_minority": fig.ethnic_minority,
            "by_kind": lines(fig.by_kind), "by_plan_task": lines(fig.by_plan_task)}


def stats_blocks(fig: PeopleFigures) -> dict[str, Any]:
    """``{"people": …, "activities": …}`` of a statistics scope's figures."""
    return {"people": people_json(fig), "activities": activities_json(fig)}


@dataclass(frozen=True)
class ListedPerson:
    """One line of an attendance list (personal data)."""

    person_id: int
    row: Optional[int]
    name: str
    unit: str
    position: str
    target_group: str
    ethnic_group: str
    sex: str


def attendance_list(kho: Kho, actor: Actor, activity_id: int) -> list[ListedPerson]:
    """The people on the activity's list, in sheet order. PermissionDenied for accounts
    that may not see participants' names; NotFound outside the account's units."""
    with kho.transaction() as session:
        load_activity(session, actor, activity_id)         # NotFound outside the units
        actor.require(PEOPLE_ACTION)
        rows = session.execute(
            select(Attendance.person_id, Attendance.row_number, Person.name, Unit.name,
                   Attendance.position, Term.label_vi, Attendance.ethnic_group, Attendance.sex)
            .join(Person, Person.id == Attendance.person_id)
            .join(Unit, Unit.id == Attendance.unit_id)
            .join(Term, Term.id == Attendance.target_group_id)
            .where(Attendance.activity_id == activity_id)
            .order_by(Attendance.row_number, Attendance.id))
        return [ListedPerson(*r) for r in rows]


@dataclass(frozen=True)
class ReportSheets:
    """What the yearly workbook shows of people and activities (counts only)."""

    people: PeopleFigures
    activities: list[Any]            # app.services.activities.figures.ActivityLine


def report_sheets(kho: Kho, actor: Actor, scope: Any) -> ReportSheets:
    """The people figures and the activity list of a report's scope (its year)."""
    from app.services.activities.figures import activity_lines

    fig = scope_figures(kho, actor, scope)
    with kho.transaction() as session:
        return ReportSheets(fig, activity_lines(session, scope_units(session, actor, scope),
                                                fig.year))
