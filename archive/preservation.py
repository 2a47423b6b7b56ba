"""Preservation state of originals: fixity of each copy, the replica outbox, leases.

An original exists in up to two copies: ``primary`` (the store named by ``storage``)
and ``replica`` (``replica_storage``). :class:`CopyFixity` holds the last fixity
verdict of one copy of one object, keyed by storage key (several catalogue files with
the same content share one object): ``ok``, ``mismatch`` (bytes whose SHA-256 is not
the one in the catalogue) or ``missing``. A copy whose verdict is not ``ok`` is
*faulty*: ``kho check`` and ``/api/v1/healthz`` report it until a later check or a
repair finds it whole again. Nothing here deletes or overwrites an object.

:class:`ReplicaOutbox` lists originals that are in the primary store but not yet
copied to the replica (the replica was unreachable when they arrived); the worker
drains it. :class:`PreservationLease` lets one consumer at a time run a background
audit when several workers share a queue.
"""
from __future__ import annotations

from datetime import datetime
from typing import Optional

from sqlalchemy import BigInteger, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from archive.base import Base, utcnow

PRIMARY = "primary"
REPLICA = "replica"
COPIES = (PRIMARY, REPLICA)
OK, MISMATCH, MISSING = "ok", "mismatch", "missing"
VERDICTS = (OK, MISMATCH, MISSING)


class CopyFixity(Base):
    """The last fixity check of one copy of one object."""

    __tablename__ = "copy_fixity"

    storage_key: Mapped[str] = mapped_column(String(300), primary_key=True)
    copy: Mapped[str] = mapped_column(String(10), primary_key=True)       # primary | replica
    verdict: Mapped[str] = mapped_column(String(20), index=True)          # ok | mismatch | missing
    expected_sha256: Mapped[str] = mapped_column(String(64))
    found_sha256: Mapped[Optional[str]] = mapped_column(String(64))       # None when missing
    found_size: Mapped[Optional[int]] = mapped_column(BigInteger)         # bytes read
    checked_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)

    @property
    def faulty(self) -> bool:
        return self.verdict != OK


class ReplicaOutbox(Base):
    """An original still to be copied from the primary store to the replica."""

    __tablename__ = "replica_outbox"

    storage_key: Mapped[str] = mapped_column(String(300), primary_key=True)
    sha256: Mapped[str] = mapped_column(String(64))
    queued_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    attempts: Mapped[int] = mapped_column(default=0)
    last_error: Mapped[str] = mapped_column(Text, default="")


class PreservationLease(Base):
    """A named background task held by one consumer until ``expires_at``."""

    __tablename__ = "preservation_leases"

    name: Mapped[str] = mapped_column(String(40), primary_key=True)
    holder: Mapped[str] = mapped_column(String(120))
    expires_at: Mapped[datetime]
