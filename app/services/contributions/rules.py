"""The fixed rules of a yearly contribution: which years, by when, how long a text.

- **Years**: the plan's years, 2023 to 2028 (:data:`PLAN_YEARS`); any other year is a
  ValidationError naming ``year`` and the year asked for (422 on the API).
- **Deadline**: the setting ``report_deadline`` (dd/mm, default 25/11) of that year. A
  submission is on time when it was made on or before that day, on Vietnam's clock
  (setting ``timezone``): a submission at 23:30 on 25/11 in Vietnam is on time even
  though it is 16:30 UTC. Days left count from Vietnam's today (0 on the day itself,
  negative after it).
- **Texts**: results, difficulties and proposals are plain text, NFC-normalised
  (``archive.text.normalize_text``: paragraphs kept, at most one blank line between
  them), each at most :data:`MAX_TEXT` characters as sent; at most
  :data:`MAX_LINKS` linked products and as many activities.
"""
from __future__ import annotations

import re
from datetime import date, datetime, timezone
from typing import Any, Optional
from zoneinfo import ZoneInfo

from app.services.common.clock import local_today
from archive.errors import Quantity, ValidationError
from archive.text import normalize_text
from config import Settings

PLAN_YEARS = range(2023, 2029)     # the plan 2023–2028 (Decision 1079/QĐ-TTg)
MAX_TEXT = 20_000                  # characters per text field, after normalising
MAX_LINKS = 500                    # linked products (and activities) per contribution
TEXT_FIELDS = ("results", "difficulties", "proposals")
MAX_LINK_ID = 2 ** 31 - 1          # ids are INTEGER columns on PostgreSQL


def check_year(year: Any) -> int:
    """``year`` as an int if it is one of the plan's years, else ValidationError naming
    ``year`` (and the value given)."""
    if isinstance(year, bool) or not isinstance(year, (int, str)) or (
            isinstance(year, str) and not re.fullmatch(r"-?[0-9]{1,6}", year.strip())):
        raise ValidationError("not a year: %(value)s", field="year", value=str(year))
    value = int(year)
    if value not in PLAN_YEARS:
        raise ValidationError("%(year)s is outside the plan's years (%(first)s–%(last)s)",
                              field="year", year=str(value), first=str(PLAN_YEARS[0]),
                              last=str(PLAN_YEARS[-1]))
    return value


def deadline(settings: Settings, year: int) -> date:
    """The day contributions for ``year`` are due (``report_deadline`` of that year);
    ValidationError naming ``report_deadline`` when the setting is not a dd/mm day."""
    raw = settings.report_deadline
    try:
        day, month = (int(part) for part in raw.strip().split("/")[:2])
        return date(year, month, day)
    except ValueError:
        raise ValidationError("not a day and month (dd/mm): %(value)s",
                              field="report_deadline", value=raw) from None


def local_day(settings: Settings, moment: datetime) -> date:
    """The Vietnamese date of ``moment`` (naive values, from SQLite, are UTC)."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=timezone.utc)
    return moment.astimezone(ZoneInfo(settings.timezone)).date()


def on_time(settings: Settings, year: int, submitted_at: Optional[datetime]) -> Optional[bool]:
    """Whether a submission at ``submitted_at`` met ``year``'s deadline; None if not
    submitted."""
    if submitted_at is None:
        return None
    return local_day(settings, submitted_at) <= deadline(settings, year)


def days_left(settings: Settings, year: int) -> int:
    """Days from Vietnam's today to ``year``'s deadline (negative once it passed)."""
    return (deadline(settings, year) - local_today(settings)).days


def clean_text(name: str, value: Any) -> str:
    """One text field as stored: NFC plain text with its paragraphs; ValidationError
    naming ``name`` for a non-text value or one longer than :data:`MAX_TEXT`."""
    if value is None:
        return ""
    if not isinstance(value, str):
        raise ValidationError("send plain text", field=name)
    if len(value) > MAX_TEXT:
        raise ValidationError("at most %(limit)s characters (this text has %(length)s)",
                              field=name, limit=Quantity(MAX_TEXT), length=Quantity(len(value)))
    return normalize_text(value)


def clean_ids(name: str, value: Any) -> list[int]:
    """A list of ids (JSON integers; a door parses its own text first), duplicates
    dropped, order kept; ValidationError naming ``name`` for anything else, past
    :data:`MAX_LINKS`, or for an id no database can hold."""
    if value is None:
        return []
    if not isinstance(value, list):
        raise ValidationError("send a list of numbers", field=name)
    ids: list[int] = []
    for item in value:
        if isinstance(item, bool) or not isinstance(item, int):
            raise ValidationError("not a number: %(value)s", field=name, value=str(item))
        if not 0 < item <= MAX_LINK_ID:
            raise ValidationError("no such id: %(value)s", field=name, value=str(item))
        if item not in ids:
            ids.append(item)
    if len(ids) > MAX_LINKS:
        raise ValidationError("at most %(limit)s links", field=name, limit=Quantity(MAX_LINKS))
    return ids


def parse_ids(name: str, raw: str) -> list[int]:
    """Numbers typed in a form ("12, 15 18") as a list for :func:`clean_ids`;
    ValidationError naming ``name`` for anything that is not a number."""
    ids = []
    for part in re.split(r"[\s,;]+", raw or ""):
        if not part:
            continue
        if not part.isdigit() or not part.isascii():
            raise ValidationError("not a number: %(value)s", field=name, value=part)
        ids.append(int(part))
    return ids
