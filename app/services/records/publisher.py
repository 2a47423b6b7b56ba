"""Who publishes the records Kho sends out (Dublin Core ``dc:publisher``, the bag's
``Source-Organization``): the body that consolidates the plan's reporting on the day,
read from the units table, so the harvest names a body that exists — the district's
Phòng Văn hóa và Thông tin until 30/06/2025, the province's Sở Văn hóa, Thể thao và Du
lịch from 01/07/2025 — rather than a fixed setting. The setting ``report_issuer``
still overrides when it is set.
"""
from __future__ import annotations

from datetime import date
from typing import Any, Iterable, Sequence

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from archive.models import Unit
from config import Settings

# a province body names the catalogue before a district one when both are valid
LEVEL_ORDER = {"province": 0, "district-office": 1}


def publisher_name(session: Session, settings: Settings, day: date) -> str:
    """The publisher of records sent out on ``day``: ``report_issuer`` when set, else
    the name of a unit marked ``consolidates`` and valid that day (province level
    first, then by code), else "" (the field is left out)."""
    if settings.report_issuer:
        return settings.report_issuer
    rows = session.execute(select(Unit.name, Unit.level, Unit.code).where(
        Unit.consolidates.is_(True),
        or_(Unit.valid_from.is_(None), Unit.valid_from <= day),
        or_(Unit.valid_to.is_(None), Unit.valid_to >= day))).all()
    return _first(rows)


def publisher_among(units: Iterable[Any], settings: Settings, day: date) -> str:
    """:func:`publisher_name` chosen from units already read (objects with ``name``,
    ``level``, ``code``, ``consolidates``, ``valid_from``, ``valid_to``: the views of
    :func:`app.services.records.bulk_read.vocabularies`), with no query."""
    if settings.report_issuer:
        return settings.report_issuer
    return _first([u for u in units if u.consolidates
                   and (u.valid_from is None or u.valid_from <= day)
                   and (u.valid_to is None or u.valid_to >= day)])


def _first(rows: Sequence[Any]) -> str:
    if not rows:
        return ""
    return min(rows, key=lambda r: (LEVEL_ORDER.get(r.level, 9), r.code)).name
