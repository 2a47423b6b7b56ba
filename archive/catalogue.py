"""The catalogue: products, their original files, derivatives, provenance events,
broadcast logs and the audit trail of edits.

Invariants: an original (:class:`File`) is immutable once recorded and its
``storage_key`` always points at an object that exists (the object is written before
the row is committed). Derivatives are reproducible from originals. Every processing
step adds an :class:`Event`.
"""
from __future__ import annotations

from datetime import date, datetime
from typing import Optional

from sqlalchemy import (Column, ColumnElement, ForeignKey, Index, String, Table, Text,
                        UniqueConstraint, text)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from archive.access import ProductAudienceRole, ProductAudienceUnit, ProductConsent
from archive.accounts import User
from archive.problems import problem_message
from archive.base import Base, utcnow
from archive.tracks import CaptionTrack
from archive.vocabulary import Term, Unit

PRODUCT_STATUSES = ("draft", "processing", "ready", "failed")
FILE_STATUSES = ("queued", "processing", "ready", "failed")

product_terms = Table(
    "product_terms",
    Base.metadata,
    Column("product_id", ForeignKey("products.id", ondelete="CASCADE"), primary_key=True),
    Column("term_id", ForeignKey("terms.id"), primary_key=True),
)
product_communes = Table(
    "product_communes",
    Base.metadata,
    Column("product_id", ForeignKey("products.id", ondelete="CASCADE"), primary_key=True),
    Column("unit_id", ForeignKey("units.id"), primary_key=True),
)
product_cooperating = Table(
    "product_cooperating_units",
    Base.metadata,
    Column("product_id", ForeignKey("products.id", ondelete="CASCADE"), primary_key=True),
    Column("unit_id", ForeignKey("units.id"), primary_key=True),
)


# Product and file ids are public and permanent (OAI identifiers, page and download
# URLs, tombstones of deleted products): on SQLite they are AUTOINCREMENT, so the id
# of a deleted newest row is never handed out again (PostgreSQL sequences never are).
NEVER_REUSED_IDS = {"sqlite_autoincrement": True}


class Product(Base):
    __tablename__ = "products"
    __table_args__ = NEVER_REUSED_IDS

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(String(500))
    description: Mapped[str] = mapped_column(Text, default="")
    kind_id: Mapped[Optional[int]] = mapped_column(ForeignKey("terms.id"))
    kind: Mapped[Optional[Term]] = relationship(foreign_keys=[kind_id])
    plan_task_id: Mapped[Optional[int]] = mapped_column(ForeignKey("terms.id"))
    plan_task: Mapped[Optional[Term]] = relationship(foreign_keys=[plan_task_id])
    lead_unit_id: Mapped[Optional[int]] = mapped_column(ForeignKey("units.id"))
    lead_unit: Mapped[Optional[Unit]] = relationship(foreign_keys=[lead_unit_id])
    terms: Mapped[list[Term]] = relationship(secondary=product_terms)  # languages, themes, conventions, channels
    communes: Mapped[list[Unit]] = relationship(secondary=product_communes)
    cooperating_units: Mapped[list[Unit]] = relationship(secondary=product_cooperating)
    produced_on: Mapped[Optional[date]] = mapped_column(index=True)
    tags: Mapped[list] = mapped_column(default=list)
    suggestions: Mapped[list] = mapped_column(default=list)  # [{kind, code, score, matched}]
    rights_note: Mapped[str] = mapped_column(Text, default="")
    # who may see it (archive.access: level, embargo, audience; the rule is
    # app.services.access.visibility) and the community-protocol note shown with it
    access_level: Mapped[str] = mapped_column(String(20), default="public",
                                              server_default="public", index=True)
    embargo_until: Mapped[Optional[date]] = mapped_column(index=True)
    protocol_note: Mapped[str] = mapped_column(Text, default="", server_default="")
    status: Mapped[str] = mapped_column(String(20), default="draft", index=True)
    created_by_id: Mapped[Optional[int]] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    updated_by_id: Mapped[Optional[int]] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_by: Mapped[Optional[User]] = relationship(foreign_keys=[created_by_id])
    updated_by: Mapped[Optional[User]] = relationship(foreign_keys=[updated_by_id])
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    # metadata version: +1 on each edit, under the product's write lock
    # (app.services.product_lock); the API's ETag and the edit form carry it
    version: Mapped[int] = mapped_column(default=1, server_default="1")
    files: Mapped[list["File"]] = relationship(back_populates="product", order_by="File.id",
                                              cascade="all, delete-orphan")
    # the audience of a restricted product, and its consents (archive.access)
    audience_units: Mapped[list[ProductAudienceUnit]] = relationship(
        cascade="all, delete-orphan", passive_deletes=True,
        order_by=ProductAudienceUnit.unit_id)
    audience_roles: Mapped[list[ProductAudienceRole]] = relationship(
        cascade="all, delete-orphan", passive_deletes=True,
        order_by=ProductAudienceRole.role)
    consents: Mapped[list[ProductConsent]] = relationship(
        cascade="all, delete-orphan", passive_deletes=True, order_by=ProductConsent.id)

    def terms_of(self, vocabulary: str) -> list[Term]:
        """Terms of one vocabulary (``language``, ``theme``, ``convention``, ``channel``)."""
        return sorted((t for t in self.terms if t.vocabulary == vocabulary),
                      key=lambda t: (t.position, t.code))

    def codes_of(self, vocabulary: str) -> list[str]:
        return [t.code for t in self.terms_of(vocabulary)]

    def __repr__(self) -> str:
        return f"<Product {self.id} {self.title[:30]!r}>"


class File(Base):
    """An original file as received. Immutable content; status tracks processing."""

    __tablename__ = "files"
    # one row per content and product: parallel uploads of the same bytes cannot both
    # insert (the loser is answered as the duplicate it is, see app.services.files.intake)
    # ix_files_status_updated_at: the dashboard's failed files, newest first, walked
    # without sorting every failed file (migration 0026)
    __table_args__ = (UniqueConstraint("product_id", "sha256", name="uq_files_product_sha256"),
                      Index("ix_files_status_updated_at", "status", "updated_at", "id"),
                      NEVER_REUSED_IDS)

    id: Mapped[int] = mapped_column(primary_key=True)
    product_id: Mapped[int] = mapped_column(ForeignKey("products.id", ondelete="CASCADE"),
                                            index=True)
    product: Mapped[Product] = relationship(back_populates="files")
    sha256: Mapped[str] = mapped_column(String(64), index=True)
    size: Mapped[int]                                  # bytes
    media_type: Mapped[str] = mapped_column(String(120), default="application/octet-stream")
    category: Mapped[str] = mapped_column(String(20), default="other")
    declared_type: Mapped[Optional[str]] = mapped_column(String(120))
    type_mismatch: Mapped[bool] = mapped_column(default=False)
    original_filename: Mapped[str] = mapped_column(String(500))
    storage_key: Mapped[str] = mapped_column(String(300))
    technical: Mapped[dict] = mapped_column(default=dict)
    text: Mapped[str] = mapped_column(Text, default="")  # extracted or OCR text
    # stricter than its product's (archive.access.LEVELS); None: as its product
    access_level: Mapped[Optional[str]] = mapped_column(String(20))
    status: Mapped[str] = mapped_column(String(20), default="queued", index=True)
    # a failed file: what its producer is told, as a code and values (archive.problems;
    # each door renders it in its reader's language), and the tool's own output
    problem: Mapped[str] = mapped_column(String(60), default="", server_default="")
    problem_params: Mapped[Optional[dict]] = mapped_column(default=dict)
    error_detail: Mapped[str] = mapped_column(Text, default="")   # tool output
    attempts: Mapped[int] = mapped_column(default=0)
    # the consumer processing the file and until when its claim holds (renewed by a
    # heartbeat while it works; app.services.common.leases): another consumer may take the
    # file only after that
    claimed_by: Mapped[str] = mapped_column(String(120), default="", server_default="")
    lease_expires_at: Mapped[Optional[datetime]]
    created_by_id: Mapped[Optional[int]] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)
    derivatives: Mapped[list["Derivative"]] = relationship(
        back_populates="file", cascade="all, delete-orphan", order_by="Derivative.name")
    # caption and transcript tracks of an audio or video file (archive.tracks); a file's
    # deletion leaves them to the database's ON DELETE CASCADE (their cues are not loaded)
    tracks: Mapped[list[CaptionTrack]] = relationship(
        back_populates="file", cascade="all, delete-orphan", order_by=CaptionTrack.id,
        passive_deletes=True)

    def derivative(self, name: str) -> Optional["Derivative"]:
        return next((d for d in self.derivatives if d.name == name), None)

    @property
    def error(self) -> str:
        """The problem in English words (a :class:`archive.errors.Message`, which doors
        render in their reader's language); "" when the file has none."""
        if not self.problem:
            return ""
        return problem_message(self.problem, self.problem_params)


class Derivative(Base):
    """A rendition made from an original (thumbnail, preview, proxy, broadcast…)."""

    __tablename__ = "derivatives"
    __table_args__ = (UniqueConstraint("file_id", "name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    file_id: Mapped[int] = mapped_column(ForeignKey("files.id", ondelete="CASCADE"))
    file: Mapped[File] = relationship(back_populates="derivatives")
    name: Mapped[str] = mapped_column(String(40))
    storage_key: Mapped[str] = mapped_column(String(300))
    media_type: Mapped[str] = mapped_column(String(120))
    size: Mapped[int]
    params: Mapped[dict] = mapped_column(default=dict)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class Event(Base):
    """Provenance: one thing that happened to a product or file."""

    __tablename__ = "events"

    id: Mapped[int] = mapped_column(primary_key=True)
    product_id: Mapped[Optional[int]] = mapped_column(index=True)   # kept after deletion
    file_id: Mapped[Optional[int]] = mapped_column(index=True)
    action: Mapped[str] = mapped_column(String(60))
    tool: Mapped[str] = mapped_column(String(60), default="kho")
    tool_version: Mapped[str] = mapped_column(String(120), default="")
    outcome: Mapped[str] = mapped_column(String(20), default="ok")
    detail: Mapped[str] = mapped_column(Text, default="")
    user_id: Mapped[Optional[int]] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    user: Mapped[Optional[User]] = relationship()
    at: Mapped[datetime] = mapped_column(default=utcnow, index=True)


class ProductChange(Base):
    """Audit trail of metadata edits and deletions: who, when, field -> [old, new]."""

    __tablename__ = "product_changes"

    id: Mapped[int] = mapped_column(primary_key=True)
    product_id: Mapped[int] = mapped_column(index=True)             # no FK: survives deletion
    action: Mapped[str] = mapped_column(String(20))                 # create | update | delete
    changes: Mapped[dict] = mapped_column(default=dict)
    user_id: Mapped[Optional[int]] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    user: Mapped[Optional[User]] = relationship()
    at: Mapped[datetime] = mapped_column(default=utcnow)


class Broadcast(Base):
    """Evidence that a product was aired on a commune's radio on a date, in a slot of
    that day: one row is one airing, and the figures count airings.

    A log is withdrawn, never deleted (``withdrawn_at`` and ``withdrawn_by``, with a
    ``broadcast.withdraw`` event): a withdrawn log no longer counts anywhere (reports,
    statistics, lists, the "aired product" rule; use :meth:`in_force`), and the same
    airing may be logged again. One log in force per product, commune, day and slot:
    the partial unique index makes parallel logs of one airing end in one row.
    """

    __tablename__ = "broadcasts"
    __table_args__ = (Index("uq_broadcasts_in_force", "product_id", "commune_id", "aired_on",
                            "slot", unique=True, sqlite_where=text("withdrawn_at IS NULL"),
                            postgresql_where=text("withdrawn_at IS NULL")),)

    id: Mapped[int] = mapped_column(primary_key=True)
    product_id: Mapped[int] = mapped_column(ForeignKey("products.id", ondelete="CASCADE"),
                                            index=True)
    product: Mapped[Product] = relationship()
    commune_id: Mapped[int] = mapped_column(ForeignKey("units.id"), index=True)
    commune: Mapped[Unit] = relationship()
    aired_on: Mapped[date] = mapped_column(index=True)
    # the part of the day (app.services.broadcasts.slots: morning, noon, afternoon,
    # evening); "" not known: logs written before migration 0020, or given no slot
    slot: Mapped[str] = mapped_column(String(10), default="", server_default="")
    note: Mapped[str] = mapped_column(Text, default="")
    logged_by_id: Mapped[Optional[int]] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    logged_by: Mapped[Optional[User]] = relationship(foreign_keys=[logged_by_id])
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    withdrawn_at: Mapped[Optional[datetime]] = mapped_column(index=True)
    withdrawn_by_id: Mapped[Optional[int]] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"))
    withdrawn_by: Mapped[Optional[User]] = relationship(foreign_keys=[withdrawn_by_id])

    @classmethod
    def in_force(cls) -> ColumnElement[bool]:
        """The condition every count and list of broadcasts uses: not withdrawn."""
        return cls.withdrawn_at.is_(None)


class IndexBacklog(Base):
    """Products whose search-index entry must be rewritten (derived data to refresh).

    Writers mark products here; one index job drains the whole backlog in a single
    Whoosh commit, so a burst of 500 uploads costs a few index commits, not 1,500.
    """

    __tablename__ = "index_backlog"

    product_id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    queued_at: Mapped[datetime] = mapped_column(default=utcnow)
