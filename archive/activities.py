"""The activities register: trainings, conferences, exhibitions, contests, press work.

An :class:`Activity` is an event of the plan (appendix tasks 1.1, 2.1–2.3, 3.4–3.7,
6.1, 6.2): a kind (vocabulary ``activity_kind``), a title, one day or a span of days
(``starts_on`` … ``ends_on``; one day: the same date twice), the organising unit, the
communes where it took place (as they were on those days: a 2019 activity names the
pre-2025 commune, rolled up through ``Unit.successor`` by the figures), the plan task
(vocabulary ``plan_task``), a place and a description.

Participants are counted per target group (vocabulary ``target_group``) in
:class:`ActivityParticipantCount`: ``total`` people, of whom ``women`` and
``ethnic_minority`` (each ≤ total). These counts carry no personal data and may be
published; names of participants live in the people/attendance tables (migration
0019), which are personal data.

Linked products (:class:`ActivityProduct`) say how a product was used: ``shown``,
``aired`` or ``handed_out``.

Evidence files (:class:`ActivityEvidence`: photos, attendance sheets, minutes) are
originals like product files: the object lives in the same store under the same
content-addressed key (``archive.storage.original_key(sha256)``), written through the
same writer (primary + replica, outbox when the replica is down). They are a parallel
table rather than :class:`archive.catalogue.File` rows because a product file is
processed, indexed, counted and shown as part of a product (``File.product_id`` is
required and every engine reads it so): an evidence file is none of that. The
preservation engines walk the objects of both tables (:func:`stored_objects`), so fixity,
replica and backup cover evidence without a second engine.

Ids are never reused (public in URLs and the API), as products' are.
"""
from __future__ import annotations

from datetime import date, datetime
from typing import Optional

from sqlalchemy import (BigInteger, CheckConstraint, ForeignKey, Select, String, Text,
                        UniqueConstraint, literal, select, union_all)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from archive.access import ProductConsent
from archive.accounts import User
from archive.base import Base, utcnow
from archive.catalogue import File, Product
from archive.tracks import CaptionTrack
from archive.vocabulary import Term, Unit

PRODUCT_USES = ("shown", "aired", "handed_out")
EVIDENCE_KINDS = ("photo", "attendance_sheet", "minutes", "other")
NEVER_REUSED_IDS = {"sqlite_autoincrement": True}


class Activity(Base):
    """One activity of the plan, organised by a unit on one day or a span of days."""

    __tablename__ = "activities"
    __table_args__ = (CheckConstraint("ends_on >= starts_on", name="dates_in_order"),
                      NEVER_REUSED_IDS)

    id: Mapped[int] = mapped_column(primary_key=True)
    kind_id: Mapped[int] = mapped_column(ForeignKey("terms.id"), index=True)
    kind: Mapped[Term] = relationship(foreign_keys=[kind_id])
    title: Mapped[str] = mapped_column(String(500))
    starts_on: Mapped[date] = mapped_column(index=True)
    ends_on: Mapped[date]                                    # = starts_on for one day
    organiser_id: Mapped[int] = mapped_column(ForeignKey("units.id"), index=True)
    organiser: Mapped[Unit] = relationship(foreign_keys=[organiser_id])
    plan_task_id: Mapped[Optional[int]] = mapped_column(ForeignKey("terms.id"), index=True)
    plan_task: Mapped[Optional[Term]] = relationship(foreign_keys=[plan_task_id])
    place: Mapped[str] = mapped_column(String(500), default="", server_default="")
    description: Mapped[str] = mapped_column(Text, default="", server_default="")
    created_by_id: Mapped[Optional[int]] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    updated_by_id: Mapped[Optional[int]] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_by: Mapped[Optional[User]] = relationship(foreign_keys=[created_by_id])
    updated_by: Mapped[Optional[User]] = relationship(foreign_keys=[updated_by_id])
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    # +1 on each edit; the API's ETag and the edit form carry it (as products')
    version: Mapped[int] = mapped_column(default=1, server_default="1")

    communes: Mapped[list["ActivityCommune"]] = relationship(
        back_populates="activity", cascade="all, delete-orphan")
    counts: Mapped[list["ActivityParticipantCount"]] = relationship(
        back_populates="activity", cascade="all, delete-orphan")
    products: Mapped[list["ActivityProduct"]] = relationship(
        back_populates="activity", cascade="all, delete-orphan")
    evidence: Mapped[list["ActivityEvidence"]] = relationship(
        back_populates="activity", cascade="all, delete-orphan",
        order_by="ActivityEvidence.id")

    @property
    def one_day(self) -> bool:
        return self.starts_on == self.ends_on

    @property
    def participants(self) -> int:
        """All participants counted, over every target group."""
        return sum(c.total for c in self.counts)

    def __repr__(self) -> str:
        return f"<Activity {self.id} {self.title[:30]!r}>"


class ActivityCommune(Base):
    """A commune (or other unit) where the activity took place."""

    __tablename__ = "activity_communes"

    activity_id: Mapped[int] = mapped_column(
        ForeignKey("activities.id", ondelete="CASCADE"), primary_key=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"), primary_key=True, index=True)
    activity: Mapped[Activity] = relationship(back_populates="communes")
    unit: Mapped[Unit] = relationship()


class ActivityParticipantCount(Base):
    """How many took part from one target group: ``total``, of whom ``women`` and
    ``ethnic_minority`` people (each at most ``total``)."""

    __tablename__ = "activity_participant_counts"
    __table_args__ = (CheckConstraint("women <= total AND ethnic_minority <= total "
                                      "AND women >= 0 AND ethnic_minority >= 0",
                                      name="parts_within_total"),)

    activity_id: Mapped[int] = mapped_column(
        ForeignKey("activities.id", ondelete="CASCADE"), primary_key=True)
    target_group_id: Mapped[int] = mapped_column(ForeignKey("terms.id"), primary_key=True,
                                                 index=True)
    activity: Mapped[Activity] = relationship(back_populates="counts")
    target_group: Mapped[Term] = relationship()
    total: Mapped[int] = mapped_column(default=0)
    women: Mapped[int] = mapped_column(default=0)
    ethnic_minority: Mapped[int] = mapped_column(default=0)


class ActivityProduct(Base):
    """A product used at the activity: ``shown``, ``aired`` or ``handed_out``."""

    __tablename__ = "activity_products"

    activity_id: Mapped[int] = mapped_column(
        ForeignKey("activities.id", ondelete="CASCADE"), primary_key=True)
    product_id: Mapped[int] = mapped_column(
        ForeignKey("products.id", ondelete="CASCADE"), primary_key=True, index=True)
    use: Mapped[str] = mapped_column(String(20), primary_key=True)
    activity: Mapped[Activity] = relationship(back_populates="products")
    product: Mapped[Product] = relationship()


class ActivityEvidence(Base):
    """An evidence file of an activity (photo, attendance sheet, minutes): an immutable
    original in the same store, under the same content-addressed key, as product files."""

    __tablename__ = "activity_evidence"
    __table_args__ = (UniqueConstraint("activity_id", "sha256",
                                       name="uq_activity_evidence_activity_sha256"),
                      NEVER_REUSED_IDS)

    id: Mapped[int] = mapped_column(primary_key=True)
    activity_id: Mapped[int] = mapped_column(
        ForeignKey("activities.id", ondelete="CASCADE"), index=True)
    activity: Mapped[Activity] = relationship(back_populates="evidence")
    kind: Mapped[str] = mapped_column(String(20), default="other")   # EVIDENCE_KINDS
    sha256: Mapped[str] = mapped_column(String(64), index=True)
    size: Mapped[int] = mapped_column(BigInteger)                     # bytes
    media_type: Mapped[str] = mapped_column(String(120), default="application/octet-stream")
    original_filename: Mapped[str] = mapped_column(String(500))
    storage_key: Mapped[str] = mapped_column(String(300), index=True)
    created_by_id: Mapped[Optional[int]] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class ActivityChange(Base):
    """Audit trail of an activity: who, when, field -> [old, new] (as products')."""

    __tablename__ = "activity_changes"

    id: Mapped[int] = mapped_column(primary_key=True)
    activity_id: Mapped[int] = mapped_column(index=True)            # no FK: survives deletion
    action: Mapped[str] = mapped_column(String(20))                 # create | update | delete
    changes: Mapped[dict] = mapped_column(default=dict)
    user_id: Mapped[Optional[int]] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    user: Mapped[Optional[User]] = relationship()
    at: Mapped[datetime] = mapped_column(default=utcnow, index=True)


def stored_objects() -> Select:
    """Every original object the archive keeps: ``(storage_key, sha256, size,
    media_type, owner)`` rows of product files (owner "file"), activity evidence
    (owner "evidence"), caption tracks (owner "track", :mod:`archive.tracks`) and
    scanned consent forms (owner "consent", :mod:`archive.access`), one
    row per row (several rows may share a key). The preservation engines (fixity,
    replica, backup counts) walk this, so evidence and tracks are covered by the same
    engines as product originals."""
    files = select(File.storage_key.label("storage_key"), File.sha256.label("sha256"),
                   File.size.label("size"), File.media_type.label("media_type"),
                   literal("file").label("owner"))
    evidence = select(ActivityEvidence.storage_key, ActivityEvidence.sha256,
                      ActivityEvidence.size, ActivityEvidence.media_type,
                      literal("evidence"))
    tracks = select(CaptionTrack.storage_key, CaptionTrack.sha256, CaptionTrack.size,
                    CaptionTrack.media_type, literal("track"))
    consent_forms = select(ProductConsent.evidence_key, ProductConsent.evidence_sha256,
                           ProductConsent.evidence_size, ProductConsent.evidence_media_type,
                           literal("consent")).where(ProductConsent.evidence_key.is_not(None))
    return union_all(files, evidence, tracks, consent_forms)
