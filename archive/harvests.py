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

from sqlalchemy import String
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
