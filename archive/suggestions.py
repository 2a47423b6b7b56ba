"""Dismissed tag suggestions: an editor said "this theme or convention does not fit".

A suggestion (``Product.suggestions``, recomputed from the tagging rules whenever a
file is processed or the text changes) whose ``(kind, code)`` has a row here for the
product is never offered again for that product, however often its files are
processed. ``kind`` is ``theme`` or ``convention``; ``code`` the vocabulary code. The
row goes with its product (``ON DELETE CASCADE``); who dismissed it and when is kept
here and in the product's audit trail (``ProductChange``).
"""
from __future__ import annotations

from datetime import datetime
from typing import Optional

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from archive.base import Base, utcnow


class SuggestionDismissal(Base):
    """One suggestion an editor dismissed for one product."""

    __tablename__ = "suggestion_dismissals"

    product_id: Mapped[int] = mapped_column(ForeignKey("products.id", ondelete="CASCADE"),
                                            primary_key=True)
    kind: Mapped[str] = mapped_column(String(20), primary_key=True)   # theme | convention
    code: Mapped[str] = mapped_column(String(100), primary_key=True)
    user_id: Mapped[Optional[int]] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    at: Mapped[datetime] = mapped_column(default=utcnow)
