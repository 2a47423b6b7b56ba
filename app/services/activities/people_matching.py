"""People matched across activities, and the correction screen's merge and split.

A participant is found again by the folded name and the unit (``Nguyễn Văn An`` /
``NGUYEN VAN AN`` of the same unit are one person), so "trained" counts people, not
attendances. Names are not identities: the office corrects the matching —

- **merge**: two spellings of one person (``Nguyễn Văn An`` and ``Nguyễn Văn Ân``, or a
  person listed under two units) become one: the others' attendances move to the kept
  person and the others point at it (``merged_into_id``), so the next sheet with the
  old spelling lands on the kept person too;
- **split**: two people of the same name in the same unit: the chosen attendances move
  to a new person (``homonym`` 1, 2, …); later sheets still match the first one.

Both recount the trained figures of the people involved in the same transaction.
Personal data: office and admin accounts of the people's units only (``people.manage``).
"""
from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from typing import Optional, Sequence

from sqlalchemy import func, or_, select, update
from sqlalchemy.orm import Session

from app.bootstrap import Kho
from app.services.access.actors import Actor
from app.services.access.unit_scope import actor_units
from app.services.activities.people_ledger import recount
from app.services.common.bulk_insert import insert_new
from archive.activities import Activity
from archive.base import fits_id, utcnow
from archive.errors import NotFound, ValidationError
from archive.people import Attendance, Person
from archive.text import fold
from archive.vocabulary import Unit

MANAGE = "people.manage"
_folded = lru_cache(maxsize=65536)(fold)
MAX_HOPS = 10


@dataclass(frozen=True)
class NewPerson:
    """What an attendance row says of its person."""

    name: str
    unit_id: int
    position: str = ""
    target_group_id: Optional[int] = None
    ethnic_group: str = ""
    sex: str = ""

    @property
    def key(self) -> tuple[str, int]:
        return _folded(self.name), self.unit_id


def match_people(session: Session, people: Sequence[NewPerson]) -> dict[tuple[str, int], int]:
    """Person id for each (folded name, unit id): existing people are found (through
    their merges), the others added — atomically, so two imports at once add each
    person once. Returns key -> id of the person to record attendance for."""
    by_key = {p.key: p for p in people}
    if not by_key:
        return {}
    now = utcnow()
    rows = [{"name": p.name, "name_key": k[0], "unit_id": k[1], "homonym": 0,
             "position": p.position, "target_group_id": p.target_group_id,
             "ethnic_group": p.ethnic_group, "sex": p.sex, "created_at": now,
             "updated_at": now} for k, p in sorted(by_key.items())]
    found: dict[tuple[str, int], tuple[int, Optional[int]]] = {
        (key, unit): (pid, None) for pid, key, unit in
        insert_new(session, Person.__table__, rows, ("id", "name_key", "unit_id"))}
    known = [k for k in by_key if k not in found]          # people met before
    units = sorted({k[1] for k in known})
    names = sorted({k[0] for k in known})
    for start in range(0, len(names), 500):
        for pid, key, unit, merged in session.execute(
                select(Person.id, Person.name_key, Person.unit_id, Person.merged_into_id)
                .where(Person.homonym == 0, Person.unit_id.in_(units),
                       Person.name_key.in_(names[start:start + 500]))):
            if (key, unit) in by_key:
                found[(key, unit)] = (pid, merged)
    merged_to = _final_people(session, {m for _, m in found.values() if m is not None})
    return {k: merged_to.get(m, m) if m is not None else pid for k, (pid, m) in found.items()}


def _final_people(session: Session, ids: set[int]) -> dict[int, int]:
    """id -> the person it finally stands for (following merges, at most MAX_HOPS)."""
    out = {i: i for i in ids}
    for _ in range(MAX_HOPS):
        pending = {i: t for i, t in out.items()}
        nxt = dict(session.execute(select(Person.id, Person.merged_into_id).where(
            Person.id.in_(set(pending.values())), Person.merged_into_id.is_not(None))).all())
        if not nxt:
            break
        out = {i: nxt.get(t, t) for i, t in out.items()}
    return out


@dataclass(frozen=True)
class PersonLine:
    """A person on the correction screen (personal data: office and admin only)."""

    id: int
    name: str
    unit: str
    position: str
    homonym: int
    attendances: int


def _scope(session: Session, actor: Actor):
    actor.require(MANAGE)
    return actor_units(session, actor)


def list_people(kho: Kho, actor: Actor, query: str = "", limit: int = 200) -> list[PersonLine]:
    """People of the actor's units whose folded name contains ``query`` (merged ones
    left out), with their number of attendances, by name."""
    with kho.transaction() as session:
        units = _scope(session, actor)
        stmt = (select(Person.id, Person.name, Unit.name, Person.position, Person.homonym,
                       func.count(Attendance.id))
                .join(Unit, Unit.id == Person.unit_id)
                .outerjoin(Attendance, Attendance.person_id == Person.id)
                .where(Person.merged_into_id.is_(None))
                .group_by(Person.id, Person.name, Unit.name, Person.position, Person.homonym)
                .order_by(Person.name_key, Person.id).limit(limit))
        if units is not None:
            stmt = stmt.where(Person.unit_id.in_(units))
        if query.strip():
            stmt = stmt.where(Person.name_key.contains(fold(query.strip())))
        return [PersonLine(*row) for row in session.execute(stmt)]


def _locked_people(session: Session, actor: Actor, ids: Sequence[int]) -> list[Person]:
    units = _scope(session, actor)
    ids = sorted({int(i) for i in ids if fits_id(int(i))})
    stmt = select(Person).where(Person.id.in_(ids)).order_by(Person.id)
    if session.get_bind().dialect.name == "postgresql":
        stmt = stmt.with_for_update()
    else:     # SQLite: take the write lock first (a no-op update)
        session.execute(update(Person).where(Person.id.in_(ids))
                        .values(updated_at=Person.updated_at)
                        .execution_options(synchronize_session=False))
    people = list(session.scalars(stmt))
    missing = set(ids) - {p.id for p in people}
    outside = [p.id for p in people if units is not None and p.unit_id not in units]
    if missing or outside:
        raise NotFound("no person %(id)s", field="person",
                       id=sorted(missing | set(outside))[0])
    return people


def merge_people(kho: Kho, actor: Actor, keep_id: int, other_ids: Sequence[int]) -> int:
    """Merge ``other_ids`` into ``keep_id``; returns the attendances moved. An activity
    that listed both keeps one line. ValidationError when nothing is to merge."""
    others = sorted({int(i) for i in other_ids} - {int(keep_id)})
    if not others:
        raise ValidationError("choose at least one other person to merge", field="people")
    with kho.transaction() as session:
        people = _locked_people(session, actor, [keep_id, *others])
        merged = [p for p in people if p.id != keep_id and p.merged_into_id is not None]
        if merged:
            raise ValidationError("%(name)s was merged already", field="people",
                                  name=merged[0].name)
        kept_activities = set(session.scalars(select(Attendance.activity_id).where(
            Attendance.person_id == keep_id)))
        moved = 0
        for att in session.scalars(select(Attendance).where(Attendance.person_id.in_(others))
                                   .order_by(Attendance.id)):
            if att.activity_id in kept_activities:
                session.delete(att)
            else:
                att.person_id = keep_id
                kept_activities.add(att.activity_id)
                moved += 1
        session.flush()
        now = utcnow()
        session.execute(update(Person).where(or_(Person.id.in_(others),
                                                 Person.merged_into_id.in_(others)))
                        .values(merged_into_id=keep_id, updated_at=now)
                        .execution_options(synchronize_session=False))
        recount(session, [keep_id, *others])
        return moved


def split_person(kho: Kho, actor: Actor, person_id: int, attendance_ids: Sequence[int],
                 name: Optional[str] = None) -> int:
    """Move ``attendance_ids`` of ``person_id`` to a new person of the same unit (a
    namesake); returns the new person's id. ValidationError when the attendances are not
    the person's, or would leave the person with none."""
    with kho.transaction() as session:
        (person,) = _locked_people(session, actor, [person_id])
        ids = {int(i) for i in attendance_ids}
        own = set(session.scalars(select(Attendance.id).where(Attendance.person_id == person.id)))
        if not ids or not ids <= own:
            raise ValidationError("choose attendances of this person to move",
                                  field="attendances")
        if ids == own:
            raise ValidationError("leave at least one attendance with the person",
                                  field="attendances")
        new_name = (name or person.name).strip() or person.name
        key = fold(new_name)
        homonym = (session.scalar(select(func.max(Person.homonym)).where(
            Person.name_key == key, Person.unit_id == person.unit_id)) or 0) + 1 \
            if key == person.name_key else 0
        twin = Person(name=new_name, name_key=key, unit_id=person.unit_id, homonym=homonym,
                      position=person.position, target_group_id=person.target_group_id,
                      ethnic_group=person.ethnic_group, sex=person.sex)
        session.add(twin)
        session.flush()
        session.execute(update(Attendance).where(Attendance.id.in_(ids))
                        .values(person_id=twin.id)
                        .execution_options(synchronize_session=False))
        recount(session, [person.id, twin.id])
        return twin.id


def person_attendances(kho: Kho, actor: Actor, person_id: int) -> tuple[PersonLine, list[dict]]:
    """A person and their attendances (activity id, title, start, group id)."""
    with kho.transaction() as session:
        units = _scope(session, actor)
        person = session.get(Person, person_id) if fits_id(person_id) else None
        if person is None or (units is not None and person.unit_id not in units):
            raise NotFound("no person %(id)s", field="person", id=person_id)
        rows = session.execute(
            select(Attendance.id, Activity.id, Activity.title, Activity.starts_on,
                   Attendance.row_number)
            .join(Activity, Activity.id == Attendance.activity_id)
            .where(Attendance.person_id == person.id).order_by(Activity.starts_on)).all()
        line = PersonLine(person.id, person.name, person.unit.name, person.position,
                          person.homonym, len(rows))
        return line, [{"attendance_id": a, "activity_id": i, "title": t, "starts_on": s,
                       "row": r} for a, i, t, s, r in rows]
