"""Export receipts: which package of which records left Kho, when, by whom (issue 11).

An :class:`ExportReceipt` is written once an export package is complete under its final
name (a package half-written by a killed process has no receipt). It says *what* was
exported (format, scope, set, the ``since`` lower bound), *when*, *by whom* (a user id,
or ``actor == "operator"`` for the machine's command line), how many products, the
package's SHA-256 and the **high-water mark**: the newest product datestamp in the
package, which ``kho export --since last`` starts after for the same format, scope and
set.

:class:`ImportedProduct` remembers where an imported product came from (the exporting
repository's identifier and the product's id there), so importing the same package
again, or a newer export of the same source, matches the product instead of making a
second copy.
"""
from __future__ import annotations

from datetime import datetime
from typing import Optional

from sqlalchemy import BigInteger, ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from archive.base import Base, utcnow

EXPORT_FORMATS = ("jsonl", "csv", "dc-xml", "bagit")
EXPORT_SCOPES = ("public", "all")
OPERATOR = "operator"       # ``actor`` of exports run on the machine's command line


class ExportReceipt(Base):
    """One complete export package.

    ``sha256`` is the SHA-256 of the package file; for a BagIt folder it is the SHA-256
    of its ``tagmanifest-sha256.txt`` (which fixes the manifest, hence every payload
    file, and bag-info.txt). ``high_water`` is the largest datestamp exported (UTC), or
    the previous receipt's mark when nothing had changed (an empty incremental export
    keeps the chain going); None only when nothing was ever exported.
    """

    __tablename__ = "export_receipts"
    __table_args__ = (Index("ix_export_receipts_chain", "format", "scope", "set_spec"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    format: Mapped[str] = mapped_column(String(20))          # one of EXPORT_FORMATS
    scope: Mapped[str] = mapped_column(String(10))           # one of EXPORT_SCOPES
    set_spec: Mapped[str] = mapped_column(String(120), default="")   # "" = whole catalogue
    since: Mapped[Optional[datetime]]                        # exported what changed after this
    options: Mapped[dict] = mapped_column(default=dict)      # with_derivatives, dates
    user_id: Mapped[Optional[int]] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    actor: Mapped[str] = mapped_column(String(80))           # username, or OPERATOR
    count: Mapped[int] = mapped_column(default=0)            # products in the package
    objects: Mapped[int] = mapped_column(default=0)          # payload files (BagIt)
    size: Mapped[int] = mapped_column(BigInteger, default=0)  # bytes of the package
    sha256: Mapped[str] = mapped_column(String(64))
    high_water: Mapped[Optional[datetime]]
    path: Mapped[str] = mapped_column(String(1000), default="")  # where it was written
    started_at: Mapped[datetime] = mapped_column(default=utcnow)
    finished_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)


class ImportedProduct(Base):
    """A product that came in with ``kho import``: its identity in the exporting Kho."""

    __tablename__ = "imported_products"
    __table_args__ = (UniqueConstraint("source", "source_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    source: Mapped[str] = mapped_column(String(200))      # exporter's repository identifier
    source_id: Mapped[int] = mapped_column(BigInteger)     # product id in the exporter
    product_id: Mapped[int] = mapped_column(index=True)    # no FK: kept if the product goes
    at: Mapped[datetime] = mapped_column(default=utcnow)
