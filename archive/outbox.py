"""Jobs decided inside a database transaction, waiting to be sent to the job queue.

A write that needs background work (process an upload, rebuild derivatives) adds a
:class:`JobOutbox` row in the same transaction as the write itself, so the job can
never be lost between the commit and the queue: right after the commit the row is
sent and deleted; when the queue does not answer (Redis down, queue file locked) the
row stays and a consumer sends it later (``app.services.common.outbox``). Sending a job
twice is harmless: every job is idempotent (the file claim is conditional).
"""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import String, Text
from sqlalchemy.orm import Mapped, mapped_column

from archive.base import Base, utcnow


class JobOutbox(Base):
    """One job to send: its registered ``name`` and positional ``args`` (JSON)."""

    __tablename__ = "job_outbox"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(60))
    args: Mapped[list] = mapped_column(default=list)
    queued_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    attempts: Mapped[int] = mapped_column(default=0)
    last_error: Mapped[str] = mapped_column(Text, default="")
