"""What left Kho towards the national shared database, per product.

:class:`Publication` keeps, for each product, the datestamp of the newest version of its
record that was published (harvested over OAI-PMH or written into an export package).
A product is *online* when that datestamp is not older than the product's current
datestamp (``products.updated_at``, bumped by every change of metadata, files or
processing): the dashboard's online rate counts such products.
"""
from __future__ import annotations

from datetime import datetime
from typing import Optional

from sqlalchemy import String, Text
from sqlalchemy.orm import Mapped, mapped_column

from archive.base import Base, utcnow


class Publication(Base):
    """The newest published version of one product's record."""

    __tablename__ = "publications"

    product_id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    version_at: Mapped[datetime]                           # datestamp of the record sent
    via: Mapped[str] = mapped_column(String(20))           # "oai" | "export"
    receipt_id: Mapped[Optional[int]]                      # export receipt, when via export
    at: Mapped[datetime] = mapped_column(default=utcnow)   # when it was sent


class Tombstone(Base):
    """A record harvesters must be told is gone (OAI-PMH deletedRecord ``persistent``).

    Written when a product that was harvestable is deleted (``reason`` "deleted") or its
    access changes so that it no longer is ("access"; removed again if it becomes
    harvestable again). ``sets`` keeps the
    setSpecs the record was in, space-separated with a leading and trailing space
    (`` kind:video language:vie ``), so selective harvests by set still see it.
    """

    __tablename__ = "oai_tombstones"

    product_id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    datestamp: Mapped[datetime] = mapped_column(index=True)   # when it went
    sets: Mapped[str] = mapped_column(Text, default=" ")
    reason: Mapped[str] = mapped_column(String(20))            # deleted | access
