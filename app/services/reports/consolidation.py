"""What the consolidated yearly report says beyond the figures: sections II–IV.

For the issuing unit and the year (:class:`Consolidation`):

- **plan tasks** (section II.1): every task of the plan's appendix (1.1 … 6.2, the
  ``plan_task`` vocabulary, in its order) with the products made in the period (the
  statistics' ``by_plan_task``), the broadcasts of its products aired in the period
  (:func:`app.services.stats.usage.broadcasts_by_plan_task`) and the activities held,
  their participants and the people trained (the activities register,
  :func:`activities_by_plan_task`, for the units of the report's part);
- **contributions** (II.2, III, IV): the contributors expected by the issuing body
  (:func:`app.services.contributions.summary.year_contributions`), each with its state
  and texts; a commune or office that is not a consolidating body reports its own
  contribution. Outside the plan's years (2023–2028) there are none.

Nothing is counted twice: the products column is the statistics' own figure.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Optional, Sequence

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.bootstrap import Kho
from app.services.access.unit_scope import units_beneath
from app.services.activities import figures
from app.services.contributions import chain, rules
from app.services.contributions.summary import COUNTED, year_contributions
from app.services.stats.figures import Stats
from app.services.stats.usage import broadcasts_by_plan_task
from archive.errors import ValidationError
from archive.models import Term, Unit

SUBMITTED = COUNTED     # states whose texts reach the report


@dataclass(frozen=True)
class PlanTaskLine:
    """One task of the appendix in section II (``activities`` … ``people_trained``
    None only for a report built without the activities register)."""

    code: str
    label: str
    products: int
    aired: int
    activities: Optional[int] = None
    participants: Optional[int] = None
    people_trained: Optional[int] = None


@dataclass(frozen=True)
class Consolidation:
    """Sections II–IV of one report. ``contributions``: entries shaped as
    :class:`app.services.contributions.summary.ContributionEntry` (unit_name, state,
    results, difficulties, proposals, product_ids, activity_ids)."""

    plan_tasks: list[PlanTaskLine] = field(default_factory=list)
    contributions: list[Any] = field(default_factory=list)
    activities_known: bool = False

    def submitted(self) -> list[Any]:
        return [c for c in self.contributions if c.state in SUBMITTED]

    def missing(self) -> list[Any]:
        return [c for c in self.contributions if c.state not in SUBMITTED]


def activities_by_plan_task(session: Session, unit_ids: Optional[frozenset[int]],
                            year: int) -> list[Any]:
    """Activities, participants and people trained per plan task for ``unit_ids``
    (None: every unit) in ``year``, as the activities register counts them
    (:func:`app.services.activities.figures.activities_by_plan_task`)."""
    return figures.activities_by_plan_task(session, unit_ids, year)


def _contributions(session: Session, settings: Any, unit: Unit, year: int) -> list[Any]:
    """The issuing body's expected contributors; for a unit that consolidates nothing,
    its own entry in its consolidating body's list."""
    try:
        year = rules.check_year(year)
    except ValidationError:
        return []                          # outside the plan: nothing was filed
    day = rules.deadline(settings, year)
    rows = chain.unit_rows(session)
    bodies = chain.consolidator_ids(settings, rows)
    if unit.id in bodies and rows[unit.id].valid_on(day):
        return year_contributions(session, unit.id, year, settings=settings)
    above = chain.consolidating_body(rows, bodies, unit.id, day)
    if above is None:
        return []
    return [e for e in year_contributions(session, above, year, settings=settings)
            if e.unit_id == unit.id]


def _part(session: Session, stats: Stats, unit: Optional[Unit]) -> Optional[frozenset[int]]:
    """The units whose activities the report counts: the account's part, else the
    issuing unit's when the report is for a commune or lead unit, else every unit."""
    if stats.scope.units is not None:
        return frozenset(stats.scope.units)
    if unit is not None and (stats.scope.commune or stats.scope.unit):
        return units_beneath(session, unit.id)
    return None


def plan_task_lines(session: Session, stats: Stats, aired: dict[Optional[str], int],
                    activity_rows: Optional[Sequence[Any]]) -> list[PlanTaskLine]:
    """Every plan task of the vocabulary, in its order, with its figures."""
    made = {r.code: r.total for r in stats.by_plan_task}
    held = {r.plan_task: r for r in activity_rows or ()}
    lines = []
    for term in session.scalars(select(Term).where(Term.vocabulary == "plan_task")
                                .order_by(Term.position, Term.code)):
        a = held.get(term.code)
        known = activity_rows is not None
        lines.append(PlanTaskLine(
            code=term.code, label=term.label_vi, products=made.get(term.code, 0),
            aired=aired.get(term.code, 0),
            activities=(a.activities if a else 0) if known else None,
            participants=(a.participants if a else 0) if known else None,
            people_trained=(a.people_trained if a else 0) if known else None))
    return lines


def consolidate(kho: Kho, stats: Stats, unit_code: str, year: int) -> Consolidation:
    """Sections II–IV for the report of ``year`` issued by ``unit_code`` ("" when the
    settings name the issuer: contributions of no body then)."""
    aired = broadcasts_by_plan_task(kho, stats.scope)
    with kho.transaction() as session:
        unit = session.scalar(select(Unit).where(Unit.code == unit_code)) if unit_code \
            else None
        rows = activities_by_plan_task(session, _part(session, stats, unit), year)
        return Consolidation(
            plan_tasks=plan_task_lines(session, stats, aired, rows),
            contributions=_contributions(session, kho.settings, unit, year) if unit else [],
            activities_known=rows is not None)
