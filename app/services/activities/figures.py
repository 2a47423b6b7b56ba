"""The people and activities figures of a year (section II.2 of the plan).

- **People trained** per target group: people (not attendances) who attended an
  activity that started in the year, each person once per group, from the summary rows
  kept on write (:mod:`app.services.activities.people_ledger`); **staff** in that group:
  the units' :class:`archive.people.StaffCount` of the year. **Share** = trained /
  staff, judged against the group's target (``Term.target_percent``: 100 %, 70 % for
  the organisations' key staff); **still to train** = the target's number of people
  (rounded up) minus those trained, never below 0. Groups without a target are
  counted, not judged.
- Per unit and rolled up: old units count in their successors of today
  (``Unit.lineage()``, the 2025 mergers) unless ``rollup`` is off, as products do.
- **Spokesperson mechanism**: bodies recorded for the year with a designated
  spokesperson / bodies recorded (target 100 %), and the press briefings each body
  organised (activities of kind ``press-briefing``).
- **Activities**: activities that started in the year, their participants (women,
  ethnic-minority) by kind and by plan task.

``unit_ids`` (None: everything) are raw unit ids, e.g.
:func:`app.services.access.unit_scope.actor_units`; the functions take a session and
check no role: the doors and services that call them do. Counts only: no names.
"""
from __future__ import annotations

import math
from collections import defaultdict
from dataclasses import dataclass
from datetime import date
from typing import Any, Optional

from sqlalchemy import and_, func, select
from sqlalchemy.orm import Session

from app.services.activities.register import in_scope
from archive.activities import Activity, ActivityParticipantCount
from archive.people import Attendance, Spokesperson, StaffCount, TrainedCount
from archive.text import sort_key
from archive.vocabulary import Term, Unit, carrier_id

PRESS_KIND = "press-briefing"


@dataclass(frozen=True)
class Share:
    """An exact fraction and its value (0.0 for 0/0)."""

    numerator: int
    denominator: int

    @property
    def value(self) -> float:
        return self.numerator / self.denominator if self.denominator else 0.0


def _to_train(target: Optional[int], trained: int, staff: int) -> Optional[int]:
    if target is None:
        return None
    return max(0, math.ceil(staff * target / 100) - trained)


@dataclass(frozen=True)
class GroupLine:
    """People trained in one target group (``unit_code`` None: every unit together)."""

    unit_code: Optional[str]
    unit_vi: str
    code: str
    label_vi: str
    label_en: str
    target_percent: Optional[int]
    trained: int
    staff: int

    @property
    def share(self) -> Share:
        return Share(self.trained, self.staff)

    @property
    def to_train(self) -> Optional[int]:
        """People still to train to reach the target (None: the group has no target)."""
        return _to_train(self.target_percent, self.trained, self.staff)

    @property
    def met(self) -> Optional[bool]:
        if self.target_percent is None or not self.staff:
            return None
        return self.trained * 100 >= self.target_percent * self.staff

    def label(self, locale: str = "vi") -> str:
        return self.label_en if locale == "en" and self.label_en else self.label_vi


@dataclass(frozen=True)
class BodyLine:
    unit_code: str
    unit_vi: str
    designated: bool
    name: str
    briefings: int


@dataclass(frozen=True)
class SpokespersonFigures:
    bodies: int
    designated: int
    briefings: int
    lines: list[BodyLine]

    @property
    def share(self) -> Share:
        return Share(self.designated, self.bodies)


@dataclass(frozen=True)
class CountLine:
    """Activities of one kind or plan task (``code`` None: no plan task given)."""

    code: Optional[str]
    label_vi: str
    label_en: str
    activities: int
    participants: int
    women: int
    ethnic_minority: int

    def label(self, locale: str = "vi") -> str:
        return self.label_en if locale == "en" and self.label_en else self.label_vi


@dataclass(frozen=True)
class PeopleFigures:
    """Everything the dashboard, the API, the CLI and the workbook show for a year."""

    year: int
    rollup: bool
    by_group: list[GroupLine]
    by_unit: list[GroupLine]
    spokespersons: SpokespersonFigures
    activities: int
    participants: int
    women: int
    ethnic_minority: int
    by_kind: list[CountLine]
    by_plan_task: list[CountLine]

    @property
    def people_trained(self) -> int:
        return sum(g.trained for g in self.by_group)


@dataclass(frozen=True)
class PlanTaskActivities:
    """One plan task's activities of a year, for the DOCX's section II."""

    plan_task: Optional[str]
    label_vi: str
    activities: int
    participants: int
    people_trained: int


def _carriers(session: Session, rollup: bool) -> tuple[dict[int, Any], dict[int, int]]:
    """Every unit's row (``code``, ``name``) by id, and the unit that carries each one
    (itself, or with ``rollup`` the last of its successors, as :meth:`Unit.lineage`
    walks them: at most 10 links, a cycle stops). One plain read: a dashboard asks on
    every request, and loading a province's ~380 units as objects to walk their
    successor links cost more than the figures."""
    units = {r.id: r for r in session.execute(
        select(Unit.id, Unit.code, Unit.name, Unit.successor_id))}
    successors = {i: r.successor_id for i, r in units.items()}
    return units, {i: (carrier_id(successors, i) if rollup else i) for i in units}


def _groups(session: Session) -> list[Term]:
    return list(session.scalars(select(Term).where(Term.vocabulary == "target_group")
                                .order_by(Term.position, Term.id)))


def people_lines(session: Session, unit_ids: Optional[frozenset[int]], year: int,
                 rollup: bool = True) -> tuple[list[GroupLine], list[GroupLine]]:
    """(per group over every unit in scope, per unit and group)."""
    units, carrier = _carriers(session, rollup)
    trained: dict[tuple[int, int], int] = defaultdict(int)
    staff: dict[tuple[int, int], int] = defaultdict(int)
    q_trained = select(TrainedCount.unit_id, TrainedCount.target_group_id,
                       TrainedCount.people).where(TrainedCount.year == year)
    q_staff = select(StaffCount.unit_id, StaffCount.target_group_id,
                     StaffCount.staff).where(StaffCount.year == year)
    if unit_ids is not None:
        q_trained = q_trained.where(TrainedCount.unit_id.in_(unit_ids))
        q_staff = q_staff.where(StaffCount.unit_id.in_(unit_ids))
    for unit, group, n in session.execute(q_trained):
        trained[(carrier.get(unit, unit), group)] += n
    for unit, group, n in session.execute(q_staff):
        staff[(carrier.get(unit, unit), group)] += n
    # one pass over the (unit, group) counts, then a line each: a province has ~400
    # units and several groups, and the dashboard asks on every request
    per_group: dict[int, list[int]] = defaultdict(list)
    totals: dict[int, list[int]] = defaultdict(lambda: [0, 0])
    for (unit, group), n in trained.items():
        totals[group][0] += n
        if n:
            per_group[group].append(unit)
    for (unit, group), n in staff.items():
        totals[group][1] += n
        if n and not trained.get((unit, group)):
            per_group[group].append(unit)
    by_group, by_unit = [], []
    for g in _groups(session):
        gid, code, label_vi, label_en, target = \
            g.id, g.code, g.label_vi, g.label_en, g.target_percent
        by_group.append(GroupLine(None, "", code, label_vi, label_en, target, *totals[gid]))
        rows = [GroupLine(units[u].code, units[u].name, code, label_vi, label_en, target,
                          trained.get((u, gid), 0), staff.get((u, gid), 0))
                for u in per_group[gid]]
        by_unit += rows
    # by name (two units may share one: then by code), groups in their order per unit
    by_unit.sort(key=lambda r: (sort_key(r.unit_vi), r.unit_code))
    return [g for g in by_group if g.trained or g.staff or g.target_percent], by_unit


def spokesperson_figures(session: Session, unit_ids: Optional[frozenset[int]], year: int,
                         rollup: bool = True) -> SpokespersonFigures:
    """Bodies recorded for ``year`` with and without a spokesperson, and briefings."""
    units, _ = _carriers(session, rollup)
    stmt = select(Spokesperson).where(Spokesperson.year == year)
    if unit_ids is not None:
        stmt = stmt.where(Spokesperson.unit_id.in_(unit_ids))
    records = list(session.scalars(stmt))
    kind = session.scalar(select(Term.id).where(Term.vocabulary == "activity_kind",
                                                Term.code == PRESS_KIND))
    briefings: dict[int, int] = dict(session.execute(
        select(Activity.organiser_id, func.count()).where(
            Activity.kind_id == kind, *_year_range(year))
        .group_by(Activity.organiser_id)).all()) if kind is not None else {}
    lines = sorted((BodyLine(units[r.unit_id].code, units[r.unit_id].name, r.designated,
                             r.name, briefings.get(r.unit_id, 0)) for r in records),
                   key=lambda b: sort_key(b.unit_vi))
    total_briefings = sum(n for u, n in briefings.items()
                          if unit_ids is None or u in unit_ids)
    return SpokespersonFigures(len(lines), sum(b.designated for b in lines), total_briefings,
                               lines)


def _year_range(year: int) -> list:
    return [Activity.starts_on >= date(year, 1, 1), Activity.starts_on <= date(year, 12, 31)]


def _activity_filter(unit_ids: Optional[frozenset[int]], year: int) -> list:
    where = _year_range(year)
    scope = in_scope(unit_ids)
    if scope is not None:
        where.append(scope)
    return where


def _count_lines(session: Session, column, vocabulary: str, where: list) -> list[CountLine]:
    counts = select(ActivityParticipantCount.activity_id,
                    func.sum(ActivityParticipantCount.total).label("total"),
                    func.sum(ActivityParticipantCount.women).label("women"),
                    func.sum(ActivityParticipantCount.ethnic_minority).label("ethnic")) \
        .group_by(ActivityParticipantCount.activity_id).subquery()
    rows = session.execute(
        select(column, func.count(Activity.id), func.coalesce(func.sum(counts.c.total), 0),
               func.coalesce(func.sum(counts.c.women), 0),
               func.coalesce(func.sum(counts.c.ethnic), 0))
        .outerjoin(counts, counts.c.activity_id == Activity.id)
        .where(*where).group_by(column)).all()
    terms = {t.id: t for t in session.scalars(select(Term).where(Term.vocabulary == vocabulary))}
    lines = []
    for term_id, n, total, women, ethnic in rows:
        t = terms.get(term_id)
        lines.append(CountLine(t.code if t else None, t.label_vi if t else "(chưa ghi)",
                               t.label_en if t else "(not set)", n, int(total), int(women),
                               int(ethnic)))
    return sorted(lines, key=lambda c: (c.code is None, terms[_id(terms, c.code)].position
                                        if c.code else 0, c.code or ""))


def _id(terms: dict[int, Term], code: str) -> int:
    return next(i for i, t in terms.items() if t.code == code)


def people_figures(session: Session, unit_ids: Optional[frozenset[int]], year: int,
                   rollup: bool = True) -> PeopleFigures:
    """Every people and activities figure of ``year`` within ``unit_ids``."""
    by_group, by_unit = people_lines(session, unit_ids, year, rollup)
    where = _activity_filter(unit_ids, year)
    by_kind = _count_lines(session, Activity.kind_id, "activity_kind", where)
    by_task = _count_lines(session, Activity.plan_task_id, "plan_task", where)
    return PeopleFigures(
        year=year, rollup=rollup, by_group=by_group, by_unit=by_unit,
        spokespersons=spokesperson_figures(session, unit_ids, year, rollup),
        activities=sum(c.activities for c in by_kind),
        participants=sum(c.participants for c in by_kind),
        women=sum(c.women for c in by_kind),
        ethnic_minority=sum(c.ethnic_minority for c in by_kind),
        by_kind=by_kind, by_plan_task=by_task)


def activities_by_plan_task(session: Session, unit_ids: Optional[frozenset[int]],
                            year: int) -> list[PlanTaskActivities]:
    """Per plan task (in the vocabulary's order; activities without one last): the
    activities that started in ``year`` within ``unit_ids``, their participants (the
    activities' counts) and the people trained (people on their attendance lists, each
    once per task)."""
    where = _activity_filter(unit_ids, year)
    lines = _count_lines(session, Activity.plan_task_id, "plan_task", where)
    trained = dict(session.execute(
        select(Activity.plan_task_id, func.count(func.distinct(Attendance.person_id)))
        .join(Attendance, and_(Attendance.activity_id == Activity.id))
        .where(*where).group_by(Activity.plan_task_id)).all())
    codes = {t.code: t.id for t in session.scalars(
        select(Term).where(Term.vocabulary == "plan_task"))}
    return [PlanTaskActivities(c.code, c.label_vi, c.activities, c.participants,
                               int(trained.get(codes.get(c.code) if c.code else None, 0)))
            for c in lines]


@dataclass(frozen=True)
class ActivityLine:
    """One activity of the year for the workbook's "Hoạt động" sheet (counts only)."""

    id: int
    title: str
    kind: str
    starts_on: date
    ends_on: date
    organiser: str
    communes: str
    plan_task: str
    place: str
    participants: int
    women: int
    ethnic_minority: int
    listed: int                      # people on its attendance list


def activity_lines(session: Session, unit_ids: Optional[frozenset[int]],
                   year: int) -> list[ActivityLine]:
    """The activities that started in ``year`` within ``unit_ids``, by date."""
    from sqlalchemy.orm import selectinload

    from archive.activities import ActivityCommune

    listed = dict(session.execute(
        select(Attendance.activity_id, func.count()).join(
            Activity, Activity.id == Attendance.activity_id)
        .where(*_activity_filter(unit_ids, year)).group_by(Attendance.activity_id)).all())
    out = []
    for a in session.scalars(
            select(Activity).where(*_activity_filter(unit_ids, year))
            .options(selectinload(Activity.communes).selectinload(ActivityCommune.unit),
                     selectinload(Activity.counts), selectinload(Activity.kind),
                     selectinload(Activity.organiser), selectinload(Activity.plan_task))
            .order_by(Activity.starts_on, Activity.id)):
        out.append(ActivityLine(
            a.id, a.title, a.kind.label_vi, a.starts_on, a.ends_on, a.organiser.name,
            "; ".join(c.unit.name for c in a.communes),
            a.plan_task.code if a.plan_task else "", a.place,
            sum(c.total for c in a.counts), sum(c.women for c in a.counts),
            sum(c.ethnic_minority for c in a.counts), int(listed.get(a.id, 0))))
    return out
