"""Yearly contributions to the plan's report (reporting chain, part 3).

Every contributing unit files, once a year, its part of the consolidated report: its
results, difficulties and proposals (plain text, paragraphs kept) and the products and
activities it links to. A :class:`Contribution` is one unit's part for one year (one
row per unit and year, whatever happens to it); its state moves draft → submitted →
accepted, or submitted → returned (with a reason) → submitted again. Who may do what,
and whom a unit reports to, are rules of ``app/services/contributions/``.

Products are linked with a foreign key that cascades (deleting a product unlinks it);
activities by plain id (the activities table comes later in the migration chain: the
service checks the ids while it exists). Every change is a :class:`ContributionEvent`
(who, when, what, the reason of a return), the contribution's history.
"""
from __future__ import annotations

from datetime import datetime
from typing import Optional

from sqlalchemy import ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from archive.base import Base, utcnow

CONTRIBUTION_STATES = ("draft", "submitted", "returned", "accepted")
CONTRIBUTION_ACTIONS = ("contribution.save", "contribution.submit", "contribution.return",
                        "contribution.accept")


class Contribution(Base):
    """One unit's part of the yearly report for ``year``.

    ``submitted_at`` is the latest submission (UTC), ``reviewed_at``/``reviewed_by_id``
    the latest return or acceptance, ``return_reason`` the reason of the latest return
    (kept after a resubmission; the history holds every one). ``version`` grows with
    each change.
    """

    __tablename__ = "contributions"
    __table_args__ = (UniqueConstraint("unit_id", "year", name="uq_contributions_unit_year"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"), index=True)
    year: Mapped[int] = mapped_column(Integer, index=True)
    state: Mapped[str] = mapped_column(String(20), default="draft")
    results: Mapped[str] = mapped_column(Text, default="")
    difficulties: Mapped[str] = mapped_column(Text, default="")
    proposals: Mapped[str] = mapped_column(Text, default="")
    submitted_at: Mapped[Optional[datetime]]
    submitted_by_id: Mapped[Optional[int]] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"))
    reviewed_at: Mapped[Optional[datetime]]
    reviewed_by_id: Mapped[Optional[int]] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"))
    return_reason: Mapped[str] = mapped_column(Text, default="")
    version: Mapped[int] = mapped_column(Integer, default=1)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)


class ContributionProduct(Base):
    """A product a contribution links to (unlinked when the product is deleted)."""

    __tablename__ = "contribution_products"

    contribution_id: Mapped[int] = mapped_column(
        ForeignKey("contributions.id", ondelete="CASCADE"), primary_key=True)
    product_id: Mapped[int] = mapped_column(
        ForeignKey("products.id", ondelete="CASCADE"), primary_key=True, index=True)


class ContributionActivity(Base):
    """An activity a contribution links to, by id (no foreign key: see the module)."""

    __tablename__ = "contribution_activities"

    contribution_id: Mapped[int] = mapped_column(
        ForeignKey("contributions.id", ondelete="CASCADE"), primary_key=True)
    activity_id: Mapped[int] = mapped_column(Integer, primary_key=True, index=True)


class ContributionEvent(Base):
    """One change of a contribution: ``action`` of :data:`CONTRIBUTION_ACTIONS`, the
    state it left (``state``), the reason of a return, who and when."""

    __tablename__ = "contribution_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    contribution_id: Mapped[int] = mapped_column(
        ForeignKey("contributions.id", ondelete="CASCADE"), index=True)
    action: Mapped[str] = mapped_column(String(40))
    state: Mapped[str] = mapped_column(String(20))
    detail: Mapped[str] = mapped_column(Text, default="")
    user_id: Mapped[Optional[int]] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
