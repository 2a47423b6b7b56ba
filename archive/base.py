"""Declarative base and shared column types for the catalogue model."""
from __future__ import annotations

from datetime import datetime, timezone

from sqlalchemy import JSON, DateTime, MetaData
from sqlalchemy.orm import DeclarativeBase

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


# The largest row id any catalogue database holds (SQLite and PostgreSQL BIGINT).
MAX_ID = 2 ** 31 - 1     # id columns are INTEGER: 32-bit on PostgreSQL


def fits_id(value: int) -> bool:
    """Whether ``value`` can be a row id. Larger ones (2147483648, a 20-digit URL)
    overflow PostgreSQL's INTEGER columns ("integer out of range", a 500), so callers
    answer "not found" for them without asking the database."""
    return -MAX_ID <= value <= MAX_ID


def utcnow() -> datetime:
    """Timezone-aware now in UTC; stored as UTC, shown in Asia/Ho_Chi_Minh."""
    return datetime.now(timezone.utc)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)
    type_annotation_map = {
        datetime: DateTime(timezone=True),
        dict: JSON,
        list: JSON,
    }
