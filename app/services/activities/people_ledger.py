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
from typing import Any, Iterable, Sequence

from sqlalchemy import delete, func, select, text
from sqlalchemy.orm import Session

from app.services.common.upsert import upsert_many
from archive.activities import Activity
from archive.people import Attendance, Person, TrainedCount, TrainedPerson


def insert_for(session: Session):
    """The dialect's ``insert`` with ON CONFLICT (SQLite or PostgreSQL)."""
    if session.get_bind().dialect.name == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    else:
        from sqlalchemy.dialects.sqlite import insert
    return insert


def _pg_type(column) -> str:
    name = column.type.__class__.__name__.lower()
    return {"integer": "int8", "biginteger": "int8", "boolean": "bool", "date": "date",
            "datetime": "timestamptz"}.get(name, "text")


def insert_new(session: Session, table, rows: Sequence[dict],
               returning: Sequence[str] = ()) -> list:
    """``INSERT … ON CONFLICT DO NOTHING`` of ``rows`` (dicts with the same keys); the
    ``returning`` columns of the rows really inserted. On PostgreSQL one statement over
    ``unnest`` of one array per column (a 5,000-row VALUES list costs more to build and
    parse than to run); on SQLite an executemany."""
    if not rows:
        return []
    if session.get_bind().dialect.name != "postgresql":
        stmt = insert_for(session)(table).on_conflict_do_nothing()
        if returning:
            stmt = stmt.returning(*(table.c[c] for c in returning))
            return list(session.connection().execute(stmt, list(rows)))
        session.connection().execute(stmt, list(rows))
        return []
    columns = list(rows[0])
    params: dict[str, Any] = {}
    arrays, select_list = [], []
    for i, c in enumerate(columns):
        values = [r[c] for r in rows]
        kind = _pg_type(table.c[c])
        if (i or len(rows) == 1) and all(v == values[0] for v in values):
            # one value for every row: a parameter, no array (the first column stays an
            # array, so as many rows come out of unnest as went in)
            params[f"c{i}"] = values[0]
            select_list.append(f"CAST(:c{i} AS {kind})")
        else:
            params[f"c{i}"] = values
            arrays.append(f"CAST(:c{i} AS {kind}[])")
            select_list.append(f"u.a{len(arrays) - 1}")
    source = (f" FROM unnest({', '.join(arrays)}) AS u({', '.join(f'a{j}' for j in range(len(arrays)))})"
              if arrays else "")
    sql = (f'INSERT INTO {table.name} ({", ".join(chr(34) + c + chr(34) for c in columns)}) '
           f"SELECT {', '.join(select_list)}{source} ON CONFLICT DO NOTHING")
    if returning:
        sql += " RETURNING " + ", ".join(f'"{c}"' for c in returning)
        return list(session.execute(text(sql), params))
    session.execute(text(sql), params)
    return []


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
