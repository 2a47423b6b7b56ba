"""The people figures kept current on write: who counts as trained, and how many.

A person counts once per (year, target group): the year the activity started, the group
the attendance list gave, the unit of the person. :class:`archive.people.TrainedPerson`
holds those (person, year, group) rows and :class:`archive.people.TrainedCount` their
number per (year, unit, group), changed in the same transaction as the attendance, so
the figures read tens of summary rows however many attendances there are.

Concurrency: both writes are single statements the database arbitrates —
``INSERT … ON CONFLICT DO NOTHING RETURNING`` gives back only the rows this
transaction really added (a concurrent import of the same people waits for the other
and adds nothing), and the counts are incremented by an atomic upsert — so two imports
at once never count a person twice. A merge or split recounts its people under their
row locks (:func:`recount`).
"""
from __future__ import annotations

from collections import Counter
from typing import Iterable, Sequence

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from app.services.common.bulk_insert import insert_new
from app.services.common.upsert import upsert_many
from archive.activities import Activity
from archive.people import Attendance, Person, TrainedCount, TrainedPerson


def _add_counts(session: Session, counts: Counter, sign: int = 1) -> None:
    rows = [{"year": y, "unit_id": u, "target_group_id": g, "people": sign * n}
            for (y, u, g), n in sorted(counts.items()) if n]
    table = TrainedCount.__table__
    upsert_many(session, table, rows, ("year", "unit_id", "target_group_id"),
                lambda stmt: {"people": table.c.people + stmt.excluded.people})


def count_trained(session: Session, entries: Iterable[tuple[int, int, int, int]]) -> int:
    """Count ``(person_id, year, target_group_id, unit_id)`` entries as trained; those
    already counted are left alone. Returns how many were new."""
    rows = [{"person_id": p, "year": y, "target_group_id": g, "unit_id": u}
            for p, y, g, u in sorted(set(entries))]
    if not rows:
        return 0
    added = Counter(tuple(r) for r in insert_new(session, TrainedPerson.__table__, rows,
                                                  ("year", "unit_id", "target_group_id")))
    _add_counts(session, added)
    return sum(added.values())


def recount(session: Session, person_ids: Sequence[int]) -> None:
    """Count ``person_ids`` again from their attendances (after a merge or split):
    their trained rows are taken out of the counts and put back as the attendances
    now say. The caller holds the people's row locks."""
    ids = sorted(set(person_ids))
    if not ids:
        return
    old = Counter({(y, u, g): n for y, u, g, n in session.execute(
        select(TrainedPerson.year, TrainedPerson.unit_id, TrainedPerson.target_group_id,
               func.count()).where(TrainedPerson.person_id.in_(ids))
        .group_by(TrainedPerson.year, TrainedPerson.unit_id, TrainedPerson.target_group_id))})
    _add_counts(session, old, -1)
    session.execute(delete(TrainedPerson).where(TrainedPerson.person_id.in_(ids)))
    year = func.extract("year", Activity.starts_on) \
        if session.get_bind().dialect.name == "postgresql" \
        else func.cast(func.strftime("%Y", Activity.starts_on), TrainedPerson.year.type)
    entries = session.execute(
        select(Attendance.person_id, year, Attendance.target_group_id, Person.unit_id)
        .join(Activity, Activity.id == Attendance.activity_id)
        .join(Person, Person.id == Attendance.person_id)
        .where(Attendance.person_id.in_(ids)).distinct())
    count_trained(session, [(p, int(y), g, u) for p, y, g, u in entries])


def activity_changed(session: Session, activity_id: int, *, deleting: bool = False) -> None:
    """Keep the figures true when an activity's first day moves to another year, or the
    activity goes: call it in the transaction of the edit (after the new dates are
    flushed) or of the deletion (before the row is deleted: its attendances are removed
    here, then its people counted again without it)."""
    people = list(session.scalars(select(Attendance.person_id)
                                  .where(Attendance.activity_id == activity_id)))
    if deleting:
        session.execute(delete(Attendance).where(Attendance.activity_id == activity_id))
    recount(session, people)
