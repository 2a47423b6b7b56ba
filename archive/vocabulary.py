"""Controlled vocabularies as data: terms (kinds, themes, conventions, languages,
channels, plan tasks) and administrative units (offices, communes) with validity
periods and successor links.

Codes are stable ASCII slugs chosen by us; neither a GSO code nor a name identifies a
unit over time (23485 was Đăk Tơ Lung and is now the merged Đăk Kôi), so each unit
has its own row and a product keeps the unit as it was when produced.
"""
from __future__ import annotations

from datetime import date
from typing import Mapping, Optional

from sqlalchemy import Column, ForeignKey, String, Table, UniqueConstraint, false
from sqlalchemy.orm import Mapped, mapped_column, relationship

from archive.base import Base

# access_level and consent_use (issue 26): fixed codes (archive/access.py), labels as data
VOCABULARIES = ("kind", "theme", "convention", "language", "channel", "plan_task",
                "activity_kind", "target_group", "access_level", "consent_use")

task_units = Table(
    "plan_task_units",
    Base.metadata,
    Column("term_id", ForeignKey("terms.id", ondelete="CASCADE"), primary_key=True),
    Column("unit_id", ForeignKey("units.id", ondelete="CASCADE"), primary_key=True),
)


class Term(Base):
    """One entry of a vocabulary. ``vocabulary`` is one of :data:`VOCABULARIES`."""

    __tablename__ = "terms"
    __table_args__ = (UniqueConstraint("vocabulary", "code"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    vocabulary: Mapped[str] = mapped_column(String(20), index=True)
    code: Mapped[str] = mapped_column(String(40))
    label_vi: Mapped[str] = mapped_column(String(300))
    label_en: Mapped[str] = mapped_column(String(300), default="")
    position: Mapped[int] = mapped_column(default=0)
    active: Mapped[bool] = mapped_column(default=True)
    ethnic_minority: Mapped[bool] = mapped_column(default=False)   # languages
    foreign: Mapped[bool] = mapped_column(default=False)           # languages
    digital_platform: Mapped[bool] = mapped_column(default=False)  # channels
    media: Mapped[list] = mapped_column(default=list)              # kinds: media categories
    # activity kinds: codes of the plan tasks the kind carries out (appendix numbering)
    plan_tasks: Mapped[list] = mapped_column(default=list)
    # target groups: the plan's 2028 target share in percent (100, 70); None: no target
    target_percent: Mapped[Optional[int]] = mapped_column(default=None)
    lead_unit_id: Mapped[Optional[int]] = mapped_column(ForeignKey("units.id"))  # plan tasks
    lead_unit: Mapped[Optional["Unit"]] = relationship(foreign_keys=[lead_unit_id])
    cooperating_units: Mapped[list["Unit"]] = relationship(secondary=task_units)

    def label(self, locale: str = "vi") -> str:
        return self.label_en if locale == "en" and self.label_en else self.label_vi

    def __repr__(self) -> str:
        return f"<Term {self.vocabulary}:{self.code}>"


class Unit(Base):
    """An organisation or administrative unit, valid over [valid_from, valid_to]."""

    __tablename__ = "units"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(60), unique=True)
    name: Mapped[str] = mapped_column(String(300))
    short_name: Mapped[str] = mapped_column(String(200), default="")
    level: Mapped[str] = mapped_column(String(40), index=True)
    gso_code: Mapped[Optional[str]] = mapped_column(String(10), index=True)
    valid_from: Mapped[Optional[date]]
    valid_to: Mapped[Optional[date]]
    successor_id: Mapped[Optional[int]] = mapped_column(ForeignKey("units.id"))
    parent_id: Mapped[Optional[int]] = mapped_column(ForeignKey("units.id"))
    successor: Mapped[Optional["Unit"]] = relationship(
        remote_side=[id], foreign_keys=[successor_id])
    parent: Mapped[Optional["Unit"]] = relationship(remote_side=[id], foreign_keys=[parent_id])
    # What a letterhead needs (migration 0016; read by app.services.reports.letterhead):
    # the name as the document's header writes it ("" = worked out from name and level),
    # the place of the date line (địa danh; "" = the commune's short name or the parent's
    # place), the signer's title and name, and the body its reports go to (None = the
    # consolidating body above it, else the parent).
    letterhead_name: Mapped[str] = mapped_column(String(300), default="", server_default="")
    place_name: Mapped[str] = mapped_column(String(120), default="", server_default="")
    signer_title: Mapped[str] = mapped_column(String(200), default="", server_default="")
    signer_name: Mapped[str] = mapped_column(String(200), default="", server_default="")
    reports_to_id: Mapped[Optional[int]] = mapped_column(ForeignKey("units.id"))
    # collects the yearly contributions of the units beneath it and consolidates the
    # plan's report (the district's Phòng VH-TT until 30/06/2025, the province's Sở
    # VHTTDL from 01/07/2025): data, editable on the admin units page
    consolidates: Mapped[bool] = mapped_column(default=False, server_default=false())
    reports_to: Mapped[Optional["Unit"]] = relationship(
        remote_side=[id], foreign_keys=[reports_to_id])

    def valid_on(self, day: date) -> bool:
        return ((self.valid_from is None or self.valid_from <= day)
                and (self.valid_to is None or day <= self.valid_to))

    def lineage(self, max_hops: int = 10) -> list["Unit"]:
        """This unit and its successors in order (at most ``max_hops`` links: a bad
        edit that makes a cycle cannot loop forever)."""
        chain = [self]
        while len(chain) <= max_hops and chain[-1].successor is not None \
                and chain[-1].successor not in chain:
            chain.append(chain[-1].successor)
        return chain

    def current(self) -> "Unit":
        """Follow successor links to the unit that carries this one on today."""
        return self.lineage()[-1]

    def label(self, locale: str = "vi") -> str:
        return self.name

    def __repr__(self) -> str:
        return f"<Unit {self.code}>"


def lineage_ids(successors: Mapping[int, Optional[int]], unit_id: int,
                max_hops: int = 10) -> list[int]:
    """The ids of :meth:`Unit.lineage`, walked over plain ids (``successors``: every
    unit's id -> its successor's id, None for none): for code that reads the units as
    rows (a province's ~400 units as objects cost milliseconds a request)."""
    chain = [unit_id]
    while len(chain) <= max_hops:
        following = successors.get(chain[-1])
        if following is None or following in chain or following not in successors:
            break
        chain.append(following)
    return chain


def carrier_id(successors: Mapping[int, Optional[int]], unit_id: int,
               max_hops: int = 10) -> int:
    """The id of the unit carrying ``unit_id`` on today: :func:`lineage_ids`' last."""
    return lineage_ids(successors, unit_id, max_hops)[-1]
