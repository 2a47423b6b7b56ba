"""Who may see a product, and for what it may be used: access levels, audiences,
consents and access requests (issue 26).

A product carries an access level (``products.access_level``, one of :data:`LEVELS`,
labelled in Vietnamese by the doors), an optional embargo date (``embargo_until``:
before that day, in Vietnam, the product is treated as closed; on it, it opens by
itself) and a community-protocol note shown to everyone who may see it. A file may be
stricter than its product (``files.access_level``; NULL: as its product).

- ``public``: every signed-in account, and harvested (OAI-PMH, the public export);
- ``internal``: every signed-in account, never harvested;
- ``restricted``: the audience — accounts of the named units (:class:`ProductAudienceUnit`,
  a unit and everything beneath it, its predecessors included) and accounts of the named
  roles (:class:`ProductAudienceRole`) — plus the owning office;
- ``closed``: the owning office (office and producer accounts whose part holds the
  product's lead unit) and admins only.

The rule itself is :mod:`app.services.access.visibility`; these are its facts.

A :class:`ProductConsent` records who gave consent, for which uses (:data:`USES`) and
until when, with the scanned form as an immutable original (same store, same
content-addressed key as product files; walked by the preservation engines through
:func:`archive.activities.stored_objects`). With consents recorded, a use is allowed
only when every consent still running allows it; with none, every use is.

An :class:`AccessRequest` is a signed-in user's request to see a product they may not;
the owning office grants it until a date (the grant ends by itself: the rule reads the
date) or refuses it with a reason.
"""
from __future__ import annotations

from datetime import date, datetime
from typing import Optional

from sqlalchemy import BigInteger, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from archive.base import Base, utcnow

# from the most open to the most closed: a file may only move right of its product
LEVELS = ("public", "internal", "restricted", "closed")
# what a consent may allow
USES = ("radio", "website", "social", "exhibition", "archive")
REQUEST_STATUSES = ("pending", "granted", "refused", "withdrawn")

NEVER_REUSED_IDS = {"sqlite_autoincrement": True}


def stricter(first: str, second: Optional[str]) -> str:
    """The more closed of two levels (``second`` None: ``first``)."""
    if second is None:
        return first
    return first if LEVELS.index(first) >= LEVELS.index(second) else second


class ProductAudienceUnit(Base):
    """A unit in the audience of a restricted product (its accounts, and those of the
    units beneath it, may see the product)."""

    __tablename__ = "product_audience_units"

    product_id: Mapped[int] = mapped_column(ForeignKey("products.id", ondelete="CASCADE"),
                                            primary_key=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"), primary_key=True, index=True)


class ProductAudienceRole(Base):
    """A role in the audience of a restricted product (every account of the role)."""

    __tablename__ = "product_audience_roles"

    product_id: Mapped[int] = mapped_column(ForeignKey("products.id", ondelete="CASCADE"),
                                            primary_key=True)
    role: Mapped[str] = mapped_column(String(20), primary_key=True)


class ProductConsent(Base):
    """One person's (or body's) consent to the uses of a product, until a date (None:
    no end), with the scanned form when there is one (``evidence_*``: an original)."""

    __tablename__ = "product_consents"
    __table_args__ = (NEVER_REUSED_IDS,)

    id: Mapped[int] = mapped_column(primary_key=True)
    product_id: Mapped[int] = mapped_column(ForeignKey("products.id", ondelete="CASCADE"),
                                            index=True)
    given_by: Mapped[str] = mapped_column(String(300))
    uses: Mapped[list] = mapped_column(default=list)                 # codes of USES
    until: Mapped[Optional[date]]
    note: Mapped[str] = mapped_column(Text, default="", server_default="")
    evidence_sha256: Mapped[Optional[str]] = mapped_column(String(64), index=True)
    evidence_size: Mapped[Optional[int]] = mapped_column(BigInteger)    # bytes
    evidence_media_type: Mapped[Optional[str]] = mapped_column(String(120))
    evidence_filename: Mapped[Optional[str]] = mapped_column(String(500))
    evidence_key: Mapped[Optional[str]] = mapped_column(String(300), index=True)
    created_by_id: Mapped[Optional[int]] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class AccessRequest(Base):
    """A request to see a product: pending, then granted until ``grant_until`` (the
    last day, in Vietnam, the grant holds) or refused with ``decision_reason``."""

    __tablename__ = "access_requests"
    __table_args__ = (Index("ix_access_requests_requester_product", "requester_id",
                            "product_id"), NEVER_REUSED_IDS)

    id: Mapped[int] = mapped_column(primary_key=True)
    product_id: Mapped[int] = mapped_column(ForeignKey("products.id", ondelete="CASCADE"),
                                            index=True)
    requester_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    reason: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(10), default="pending", index=True)
    grant_until: Mapped[Optional[date]]
    decision_reason: Mapped[str] = mapped_column(Text, default="", server_default="")
    decided_by_id: Mapped[Optional[int]] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    decided_at: Mapped[Optional[datetime]]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    # +1 on each change, so two officers deciding at once cannot both win
    version: Mapped[int] = mapped_column(default=1, server_default="1")
