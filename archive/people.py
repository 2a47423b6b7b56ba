"""People trained and the spokesperson mechanism (activities issue, parts 2 and 3).

Personal data: a :class:`Person` (name, unit, position, target group, ethnic group, sex)
and their :class:`Attendance` at an activity are shown only to office and admin accounts
of the activity's scope (``app.services.activities.people_access``); figures carry
counts only.

- :class:`Person`: one human being, matched across activities by the folded name and the
  unit (``name_key``, ``unit_id``); ``homonym`` tells apart two people of the same name in
  the same unit after a split (0 for the first). A person merged into another keeps
  their row with ``merged_into_id`` set, so the next import of the same spelling finds
  the person it was merged into.
- :class:`Attendance`: a person on an activity's attendance list, with the unit, group,
  position, ethnic group and sex *as the sheet gave them* (people change jobs), one row
  per person and activity.
- :class:`AttendanceImport`: one imported sheet (its SHA-256, rows, QC lines, who, when).
- :class:`TrainedPerson` and :class:`TrainedCount`: what the figures read, kept current
  in the same transaction as every write of attendance (``people_ledger``):
  a person counts once per (year of the activity's start, target group), in the unit of
  their first attendance that year; :class:`TrainedCount` holds the number per (year,
  unit, group), so the figures read tens of rows, not a million attendances.
- :class:`StaffCount`: the denominator: staff a unit has in a target group in a year.
- :class:`Spokesperson`: per administrative body and year, whether a spokesperson is
  designated, and who.
"""
from __future__ import annotations

from datetime import date, datetime
from typing import Optional

from sqlalchemy import ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from archive.base import Base, utcnow
from archive.vocabulary import Term, Unit

SEXES = ("male", "female")


class Person(Base):
    """A participant, matched across activities by folded name + unit (+ homonym)."""

    __tablename__ = "people"
    __table_args__ = (UniqueConstraint("name_key", "unit_id", "homonym",
                                       name="uq_people_name_key_unit_homonym"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    name_key: Mapped[str] = mapped_column(String(200))          # archive.text.fold(name)
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"), index=True)
    unit: Mapped[Unit] = relationship()
    homonym: Mapped[int] = mapped_column(default=0, server_default="0")
    position: Mapped[str] = mapped_column(String(300), default="", server_default="")
    target_group_id: Mapped[Optional[int]] = mapped_column(ForeignKey("terms.id"))
    target_group: Mapped[Optional[Term]] = relationship()
    ethnic_group: Mapped[str] = mapped_column(String(100), default="", server_default="")
    sex: Mapped[str] = mapped_column(String(10), default="", server_default="")  # SEXES or ""
    merged_into_id: Mapped[Optional[int]] = mapped_column(ForeignKey("people.id"), index=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)

    def __repr__(self) -> str:
        return f"<Person {self.id} {self.name!r}>"


class AttendanceImport(Base):
    """One attendance sheet imported for an activity, with its QC lines."""

    __tablename__ = "attendance_imports"

    id: Mapped[int] = mapped_column(primary_key=True)
    activity_id: Mapped[int] = mapped_column(
        ForeignKey("activities.id", ondelete="CASCADE"), index=True)
    sha256: Mapped[str] = mapped_column(String(64))
    filename: Mapped[str] = mapped_column(String(500), default="", server_default="")
    rows: Mapped[int] = mapped_column(default=0)
    added: Mapped[int] = mapped_column(default=0)                # attendances new on the list
    notes: Mapped[list] = mapped_column(default=list)            # warnings (conversions …)
    by_id: Mapped[Optional[int]] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    at: Mapped[datetime] = mapped_column(default=utcnow)


class Attendance(Base):
    """A person on an activity's list, as the sheet described them."""

    __tablename__ = "attendances"
    __table_args__ = (UniqueConstraint("activity_id", "person_id",
                                       name="uq_attendances_activity_person"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    activity_id: Mapped[int] = mapped_column(ForeignKey("activities.id", ondelete="CASCADE"))
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id"), index=True)
    person: Mapped[Person] = relationship()
    import_id: Mapped[Optional[int]] = mapped_column(
        ForeignKey("attendance_imports.id", ondelete="SET NULL"))
    row_number: Mapped[Optional[int]]
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"))
    target_group_id: Mapped[int] = mapped_column(ForeignKey("terms.id"))
    position: Mapped[str] = mapped_column(String(300), default="", server_default="")
    ethnic_group: Mapped[str] = mapped_column(String(100), default="", server_default="")
    sex: Mapped[str] = mapped_column(String(10), default="", server_default="")
    attended_on: Mapped[Optional[date]]


class TrainedPerson(Base):
    """A person counted as trained in a year and target group (each person once)."""

    __tablename__ = "trained_people"
    __table_args__ = (Index("ix_trained_people_year_unit_group", "year", "unit_id",
                            "target_group_id"),)

    person_id: Mapped[int] = mapped_column(ForeignKey("people.id", ondelete="CASCADE"),
                                           primary_key=True)
    year: Mapped[int] = mapped_column(primary_key=True)
    # derived rows (rebuilt from attendances, whose group and unit are checked): no
    # foreign keys to terms and units, which cost a trigger per row on PostgreSQL
    target_group_id: Mapped[int] = mapped_column(primary_key=True)
    unit_id: Mapped[int]


class TrainedCount(Base):
    """How many people of a unit were trained in a target group in a year (summary of
    :class:`TrainedPerson`, kept in the same transaction)."""

    __tablename__ = "trained_counts"

    year: Mapped[int] = mapped_column(primary_key=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"), primary_key=True)
    target_group_id: Mapped[int] = mapped_column(ForeignKey("terms.id"), primary_key=True)
    people: Mapped[int] = mapped_column(default=0)


class StaffCount(Base):
    """Staff a unit has in a target group in a year: the denominator of the shares."""

    __tablename__ = "staff_counts"

    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"), primary_key=True)
    year: Mapped[int] = mapped_column(primary_key=True)
    target_group_id: Mapped[int] = mapped_column(ForeignKey("terms.id"), primary_key=True)
    staff: Mapped[int] = mapped_column(default=0)
    updated_by_id: Mapped[Optional[int]] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"))
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)


class Spokesperson(Base):
    """The spokesperson mechanism of an administrative body in a year."""

    __tablename__ = "spokespersons"

    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"), primary_key=True)
    unit: Mapped[Unit] = relationship()
    year: Mapped[int] = mapped_column(primary_key=True)
    designated: Mapped[bool] = mapped_column(default=False)
    name: Mapped[str] = mapped_column(String(200), default="", server_default="")
    position: Mapped[str] = mapped_column(String(300), default="", server_default="")
    note: Mapped[str] = mapped_column(Text, default="", server_default="")
    updated_by_id: Mapped[Optional[int]] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"))
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)
