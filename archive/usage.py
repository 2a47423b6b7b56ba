"""Use of the archive: who downloaded which original or rendition, per day.

One row per (user, file, rendition, day in Vietnam): a player's many Range requests
for one file, or a user fetching the same copy again that day, add to ``count`` but
stay one download. ``commune_id`` is the account's commune at the time (NULL for
centre and office staff), so the dashboard can say which communes use the archive.
Rows carry ids without foreign keys where the row must outlive a deleted product.
"""
from __future__ import annotations

from datetime import date, datetime
from typing import Optional

from sqlalchemy import ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from archive.base import Base, utcnow


class DownloadRecord(Base):
    """Downloads of one file's rendition by one user on one day (``count`` requests)."""

    __tablename__ = "download_records"
    # Two covering indexes answer the counting queries from the index alone (no table
    # reads): downloads of a batch of products in a period (the report's product
    # list) and downloads per commune in a period (dashboard, report).
    __table_args__ = (UniqueConstraint("user_id", "file_id", "rendition", "day"),
                      Index("ix_download_records_product_day", "product_id", "day"),
                      Index("ix_download_records_day_commune", "day", "commune_id"))

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[Optional[int]] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    commune_id: Mapped[Optional[int]] = mapped_column(ForeignKey("units.id"), index=True)
    product_id: Mapped[int]                                 # no FK: kept after deletion
    file_id: Mapped[int]
    rendition: Mapped[str] = mapped_column(String(40))      # "original" or a derivative name
    day: Mapped[date]                                       # Vietnam's date of the download
    count: Mapped[int] = mapped_column(default=1)           # requests coalesced into this row
    first_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_at: Mapped[datetime] = mapped_column(default=utcnow)
