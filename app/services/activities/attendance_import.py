"""Importing an activity's attendance sheet: whole or not at all, with its QC report.

``import_attendance`` reads the sheet (:mod:`app.services.activities.attendance_sheet`),
then, under the activity's write lock, checks it against the catalogue:

- ``Đơn vị``: a unit of the vocabulary (code, GSO code, name or short name, without
  regard to case or diacritics; of several, the one valid on the activity's first day);
- ``Nhóm đối tượng``: a term of ``target_group`` (code or label);
- ``Ngày``: within the activity's days;
- the counts: per target group the activity records, the people listed (this sheet plus
  those already on the list) must equal its ``total``, and, when the sheet has the
  column, the women and ethnic-minority people its ``women`` / ``ethnic_minority``.

Any problem: nothing is written and every problem comes back, one line per problem
naming the row and the column. Otherwise the people are matched or added
(:func:`app.services.activities.people_matching.match_people`), the attendances added
(a person already on the list is left as is), the trained figures counted
(:mod:`app.services.activities.people_ledger`), the import recorded with its SHA-256
and an ``attendance`` entry written to the activity's history — all in one transaction.

Two imports of the same sheet at once: the second waits for the activity's lock, then
finds everyone listed and adds nothing. Personal data: office and admin accounts whose
units hold the activity (``activity.view_people``); others get PermissionDenied, or
NotFound outside their units.
"""
from __future__ import annotations

import hashlib
import tempfile
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import BinaryIO, Optional

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.bootstrap import Kho
from app.services.access.actors import Actor
from app.services.activities.attendance_sheet import (COLUMN_WORDS, Problem, Sheet,
                                                      SheetRow, folded, read_sheet)
from app.services.activities.people_ledger import count_trained
from app.services.common.bulk_insert import insert_new
from app.services.common.collector import paused_collection
from app.services.activities.people_matching import NewPerson, match_people
from app.services.activities.register import PEOPLE_ACTION, load_activity
from app.services.common.row_lock import lock_row
from archive.activities import Activity, ActivityChange
from archive.errors import Bytes, Message, TooLarge
from archive.people import Attendance, AttendanceImport, Person
from archive.text import fold
from archive.vocabulary import Term, Unit


@dataclass
class AttendanceOutcome:
    """What an import did: ``imported`` False means nothing was written (see
    ``problems``); ``added`` attendances new on the list, ``new_people`` people not
    known before, ``already_listed`` rows whose person was on the list already."""

    activity_id: int
    imported: bool
    rows: int
    added: int = 0
    new_people: int = 0
    already_listed: int = 0
    problems: list[Problem] = field(default_factory=list)
    notes: list[Message] = field(default_factory=list)
    import_id: Optional[int] = None
    encoding: str = ""


def _unit_lookup(session: Session, on: date) -> dict[str, list[Unit]]:
    found: dict[str, list[Unit]] = defaultdict(list)
    for unit in session.scalars(select(Unit).order_by(Unit.id)):
        for word in {unit.code, unit.gso_code or "", unit.name, unit.short_name or ""}:
            if word:
                found[fold(word)].append(unit)
    for key, units in found.items():     # the unit valid that day first
        units.sort(key=lambda u: (not u.valid_on(on), u.id))
    return found


def _group_lookup(session: Session) -> dict[str, Term]:
    found: dict[str, Term] = {}
    for term in session.scalars(select(Term).where(Term.vocabulary == "target_group")):
        for word in (term.code, term.label_vi, term.label_en):
            if word:
                found.setdefault(fold(word), term)
    return found


def _check(session: Session, activity: Activity, sheet: Sheet
           ) -> tuple[list[Problem], dict[int, tuple[int, int]]]:
    """Problems needing the catalogue, and row number -> (unit id, group id)."""
    problems: list[Problem] = []
    units, groups = _unit_lookup(session, activity.starts_on), _group_lookup(session)
    resolved: dict[int, tuple[int, int]] = {}
    cols = sheet.columns
    for row in sheet.rows:
        unit = units.get(folded(row.unit), [None])[0] if row.unit else None
        group = groups.get(folded(row.target_group)) if row.target_group else None
        if row.unit and unit is None:
            problems.append(Problem(row.number, cols["unit"], Message(
                "unknown unit %(value)s (use the name or code of a unit of the list)",
                value=row.unit)))
        if row.target_group and group is None:
            problems.append(Problem(row.number, cols["target_group"], Message(
                "unknown target group %(value)s; the groups are %(choices)s",
                value=row.target_group,
                choices=", ".join(sorted({t.label_vi for t in groups.values()})))))
        day = row.attended_on
        if day is not None and not activity.starts_on <= day <= activity.ends_on:
            problems.append(Problem(row.number, cols["attended_on"], Message(
                "%(day)s is outside the activity (%(first)s – %(last)s)",
                day=day.strftime("%d/%m/%Y"), first=activity.starts_on.strftime("%d/%m/%Y"),
                last=activity.ends_on.strftime("%d/%m/%Y"))))
        if unit is not None and group is not None:
            resolved[row.number] = (unit.id, group.id)
    return problems, resolved


def _count_problems(session: Session, activity: Activity, sheet: Sheet,
                    rows: list[tuple[SheetRow, int, int]], listed: set[int],
                    people: dict[tuple[str, int], int]) -> list[Problem]:
    """The list (already listed + this sheet) against the activity's counts per group."""
    if not activity.counts:
        return []
    listed_now: dict[int, Counter] = defaultdict(Counter)
    for att in session.scalars(select(Attendance).where(Attendance.activity_id == activity.id)):
        c = listed_now[att.target_group_id]
        c["total"] += 1
        c["women"] += att.sex == "female"
        c["ethnic_minority"] += bool(att.ethnic_group) and fold(att.ethnic_group) not in (
            "kinh", "viet", "nguoi kinh")
    for row, unit_id, group_id in rows:
        if people.get((row.key[0], unit_id)) in listed:
            continue
        c = listed_now[group_id]
        c["total"] += 1
        c["women"] += row.sex == "female"
        c["ethnic_minority"] += row.ethnic_minority
    recorded = {c.target_group_id: c for c in activity.counts}
    labels = dict(session.execute(select(Term.id, Term.label_vi)
                                  .where(Term.vocabulary == "target_group")).all())
    column = sheet.columns.get("target_group", COLUMN_WORDS["target_group"])
    problems = []
    checks = [("total", "total", None)]
    if "sex" in sheet.columns:
        checks.append(("women", "women", "sex"))
    if "ethnic_group" in sheet.columns:
        checks.append(("ethnic_minority", "ethnic_minority", "ethnic_group"))
    for group_id in sorted(set(recorded) | set(listed_now)):
        count = recorded.get(group_id)
        for attr, key, col in checks:
            want = getattr(count, attr) if count is not None else 0
            have = listed_now[group_id][key]
            if want != have:
                values = dict(group=labels.get(group_id, str(group_id)), listed=have,
                              recorded=want)
                said = {"total": lambda: Message(
                            "%(group)s: %(listed)s people listed, the activity records "
                            "%(recorded)s participants", **values),
                        "women": lambda: Message(
                            "%(group)s: %(listed)s women listed, the activity records "
                            "%(recorded)s", **values),
                        "ethnic_minority": lambda: Message(
                            "%(group)s: %(listed)s ethnic-minority people listed, the "
                            "activity records %(recorded)s", **values)}[attr]()
                problems.append(Problem(None, sheet.columns[col] if col else column, said))
    return problems


def import_attendance(kho: Kho, actor: Actor, activity_id: int, path: Path, *,
                      filename: str = "", dry_run: bool = False) -> AttendanceOutcome:
    """Import the sheet at ``path`` for the activity (see the module docstring);
    ``dry_run`` checks everything and writes nothing. Raises PermissionDenied,
    NotFound; problems of the sheet come back in the outcome, never half-imported.
    Runs with the cycle collector paused (a fifth of the time of a 5,000-row sheet)."""
    actor.require(PEOPLE_ACTION)
    with paused_collection():
        return _import(kho, actor, activity_id, path, filename, dry_run)


def _import(kho: Kho, actor: Actor, activity_id: int, path: Path, filename: str,
            dry_run: bool) -> AttendanceOutcome:
    data = Path(path).read_bytes()
    digest = hashlib.sha256(data).hexdigest()
    sheet = read_sheet(Path(path), filename or Path(path).name)
    outcome = AttendanceOutcome(activity_id, False, len(sheet.rows), notes=list(sheet.notes),
                                encoding=sheet.encoding)
    with kho.transaction() as session:
        lock_row(session, Activity, activity_id)   # first statement: the write lock
        activity = load_activity(session, actor, activity_id)     # NotFound outside
        problems, resolved = _check(session, activity, sheet) if sheet.rows else ([], {})
        problems = sheet.problems + problems
        if problems:
            outcome.problems = problems
            session.rollback()
            return outcome
        rows = [(r, *resolved[r.number]) for r in sheet.rows]
        newcomers = [NewPerson(r.name, u, r.position, g, r.ethnic_group, r.sex)
                     for r, u, g in rows]
        before = session.scalar(select(func.max(Person.id))) or 0
        people = match_people(session, newcomers)
        listed = set(session.scalars(select(Attendance.person_id).where(
            Attendance.activity_id == activity.id)))
        outcome.problems = _count_problems(session, activity, sheet, rows, listed, people)
        if outcome.problems or dry_run:
            session.rollback()
            outcome.imported = dry_run and not outcome.problems
            return outcome
        record = AttendanceImport(activity_id=activity.id, sha256=digest,
                                  filename=filename or Path(path).name, rows=len(rows),
                                  notes=[str(n) for n in sheet.notes], by_id=actor.user_id)
        session.add(record)
        session.flush()
        table = Attendance.__table__
        values = [{"activity_id": activity.id, "person_id": people[(r.key[0], u)],
                   "import_id": record.id, "row_number": r.number, "unit_id": u,
                   "target_group_id": g, "position": r.position,
                   "ethnic_group": r.ethnic_group, "sex": r.sex,
                   "attended_on": r.attended_on} for r, u, g in rows]
        added = insert_new(session, table, values, ("person_id", "target_group_id", "unit_id"))
        year = activity.starts_on.year
        units_of = dict(session.execute(select(Person.id, Person.unit_id).where(
            Person.id.in_(sorted({p for p, _, _ in added})))).all()) if added else {}
        count_trained(session, [(p, year, g, units_of[p]) for p, g, _ in added])
        record.added = len(added)
        outcome.added = len(added)
        outcome.already_listed = len(rows) - len(added)
        outcome.new_people = len({p for p in people.values() if p > before})
        session.add(ActivityChange(activity_id=activity.id, action="attendance",
                                   changes={"attendance": [len(listed), len(listed) + len(added)],
                                            "sheet": [None, record.filename]},
                                   user_id=actor.user_id))
        outcome.imported, outcome.import_id = True, record.id
        return outcome



MAX_SHEET_BYTES = 20 * 1024 * 1024     # an attendance sheet of 100,000 rows is ~10 MB


def import_attendance_stream(kho: Kho, actor: Actor, activity_id: int, stream: BinaryIO,
                             filename: str, *, dry_run: bool = False) -> AttendanceOutcome:
    """:func:`import_attendance` of an uploaded sheet (a request body or a form part),
    spooled to a temporary file; TooLarge over :data:`MAX_SHEET_BYTES`."""
    actor.require(PEOPLE_ACTION)
    suffix = Path(filename or "").suffix.lower()
    with tempfile.TemporaryDirectory(prefix="kho-attendance-") as folder:
        target = Path(folder) / f"sheet{suffix if suffix in ('.csv', '.xlsx', '.txt') else ''}"
        size = 0
        with open(target, "wb") as out:
            while chunk := stream.read(1024 * 1024):
                size += len(chunk)
                if size > MAX_SHEET_BYTES:
                    raise TooLarge("the sheet is larger than %(limit)s", field="file",
                                   limit=Bytes(MAX_SHEET_BYTES))
                out.write(chunk)
        return import_attendance(kho, actor, activity_id, target,
                                 filename=filename or "sheet", dry_run=dry_run)
