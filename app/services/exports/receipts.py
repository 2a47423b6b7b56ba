"""Receipts of exports, the ``--since`` window, and what exports tell the dashboard.

* :func:`parse_since` reads ``--since``: ``last``, an ISO 8601 date or date-time
  (``2026-11-30``, ``2026-11-30T08:00:00Z``, ``2026-11-30 15:00``) or a Vietnamese date
  (``30/11/2026``, ``30/11/2026 15:00``). A time without a zone is Vietnam's
  (``timezone`` setting); the result is UTC.
* :func:`previous_receipt` is the receipt ``--since last`` continues from: the newest
  of the same format, scope and set.
* :func:`record_receipt` writes the receipt and, for public exports, upserts
  ``archive.harvests.Publication`` for every exported product (the dashboard's online
  rate counts a product whose newest published version is its current one), in one
  transaction: either both are there or neither.
"""
from __future__ import annotations

import struct
import tempfile
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import BinaryIO, Iterator, Optional
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.bootstrap import Kho
from app.services.records.publications import note_published
from archive.errors import ValidationError
from archive.exports import ExportReceipt

LAST = "last"
_FORMATS = ("%Y-%m-%d", "%Y-%m-%dT%H:%M", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M",
            "%Y-%m-%d %H:%M:%S", "%d/%m/%Y", "%d/%m/%Y %H:%M", "%d/%m/%Y %H:%M:%S")
_PUBLISH_BATCH = 1000        # publication rows per INSERT … ON CONFLICT
_ROW = struct.Struct("<qq")  # product id, datestamp (microseconds since 1970, UTC)
_EPOCH = datetime(1970, 1, 1, tzinfo=timezone.utc)


# ``--since last`` also takes again what changed in the last SETTLE before the previous
# export started: an edit being committed while that export read the catalogue carries
# a datestamp from before its commit, and must not fall between two exports.
SETTLE = timedelta(seconds=2)


@dataclass(frozen=True)
class Since:
    """The lower bound of an export window (UTC; None: everything).

    ``exclusive``: products changed strictly after ``at`` (``last``); otherwise at or
    after it (a date-time the user gave, like OAI-PMH ``from``).
    """

    at: Optional[datetime]
    exclusive: bool = False
    previous: Optional[int] = None          # receipt id it continues (``last``)
    asked: str = ""                         # what the user gave


def parse_since(kho: Kho, value: Optional[str], *, fmt: str, scope: str,
                set_spec: str) -> Since:
    """The window start for ``--since``; ValidationError naming ``since`` if unreadable."""
    if value is None or not value.strip():
        return Since(None)
    text = value.strip()
    if text.lower() == LAST:
        with kho.transaction() as session:
            receipt = previous_receipt(session, fmt, scope, set_spec)
            if receipt is None:
                return Since(None, asked=LAST)
            if receipt.high_water is None:
                return Since(None, previous=receipt.id, asked=LAST)
            bound = min(as_utc(receipt.high_water), as_utc(receipt.started_at) - SETTLE)
            return Since(bound, exclusive=True, previous=receipt.id, asked=LAST)
    return Since(_parse_moment(text, ZoneInfo(kho.settings.timezone)), asked=text)


def _parse_moment(text: str, zone: ZoneInfo) -> datetime:
    candidate = text[:-1] + "+00:00" if text.endswith(("Z", "z")) else text
    try:
        moment = datetime.fromisoformat(candidate)
    except ValueError:
        moment = None
        for pattern in _FORMATS:
            try:
                moment = datetime.strptime(text, pattern)
                break
            except ValueError:
                continue
    if moment is None:
        raise ValidationError("%(value)s is not a date or time: give last, 2026-11-30, "
                              "2026-11-30T08:00:00Z or 30/11/2026 15:00", field="since",
                              value=text)
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=zone)
    return moment.astimezone(timezone.utc)


def as_utc(moment: datetime) -> datetime:
    """A stored datetime as aware UTC (SQLite gives them back without a zone)."""
    return moment.replace(tzinfo=timezone.utc) if moment.tzinfo is None \
        else moment.astimezone(timezone.utc)


def previous_receipt(session: Session, fmt: str, scope: str,
                     set_spec: str) -> Optional[ExportReceipt]:
    return session.scalar(select(ExportReceipt)
                          .where(ExportReceipt.format == fmt, ExportReceipt.scope == scope,
                                 ExportReceipt.set_spec == set_spec)
                          .order_by(ExportReceipt.finished_at.desc(), ExportReceipt.id.desc())
                          .limit(1))


class ExportedLog:
    """(product id, datestamp) of each exported record, kept in a temporary file so the
    memory of an export stays flat however many products it holds."""

    def __init__(self, handle: BinaryIO) -> None:
        self._handle = handle
        self.count = 0
        self.high_water: Optional[datetime] = None

    def add(self, product_id: int, datestamp: datetime) -> None:
        stamp = as_utc(datestamp)
        self._handle.write(_ROW.pack(product_id, (stamp - _EPOCH) // timedelta(microseconds=1)))
        self.count += 1
        if self.high_water is None or stamp > self.high_water:
            self.high_water = stamp

    def close(self) -> None:
        self._handle.close()

    def rows(self) -> Iterator[tuple[int, datetime]]:
        self._handle.flush()
        self._handle.seek(0)
        while chunk := self._handle.read(_ROW.size * 4096):
            for product_id, stamp in _ROW.iter_unpack(chunk):
                yield product_id, _EPOCH + timedelta(microseconds=stamp)


def record_receipt(kho: Kho, receipt: ExportReceipt, log: Optional[ExportedLog]) -> int:
    """Commit ``receipt`` (and, when ``log`` is given, the products' publications)."""
    with kho.transaction() as session:
        session.add(receipt)
        session.flush()
        if log is not None:
            _publish(session, log, receipt.id, receipt.finished_at)
        return receipt.id


def _publish(session: Session, log: ExportedLog, receipt_id: int, at: datetime) -> None:
    batch: list[dict] = []
    for product_id, stamp in log.rows():
        batch.append({"product_id": product_id, "version_at": stamp, "via": "export",
                      "receipt_id": receipt_id, "at": at})
        if len(batch) >= _PUBLISH_BATCH:
            note_published(session, batch)
            batch = []
    if batch:
        note_published(session, batch)


def list_receipts(kho: Kho, limit: int = 200) -> list[ExportReceipt]:
    """The newest receipts first (detached rows, safe to render)."""
    with kho.transaction() as session:
        return list(session.scalars(select(ExportReceipt)
                                    .order_by(ExportReceipt.finished_at.desc(),
                                              ExportReceipt.id.desc()).limit(limit)))


def spool_log(kho: Kho) -> ExportedLog:
    """A fresh :class:`ExportedLog` in the spool folder (deleted when closed)."""
    folder: Path = kho.settings.spool_dir
    folder.mkdir(parents=True, exist_ok=True)
    return ExportedLog(tempfile.TemporaryFile(dir=folder))
