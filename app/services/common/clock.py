"""The Vietnam clock: "today" where Kho's users are, and times written for machines.

Dates that matter to people (a future broadcast, the units valid today, the report
year) are Vietnamese dates whatever zone the server runs in; times handed to the API
and exports are ISO 8601 in UTC.
"""
from __future__ import annotations

from datetime import date, datetime, timezone
from typing import Optional
from zoneinfo import ZoneInfo

from archive.base import utcnow
from config import Settings


def local_today(settings: Settings) -> date:
    """Today's date where Kho's users are (setting ``timezone``, Asia/Ho_Chi_Minh),
    whatever the server clock's zone: at 06:00 in Vietnam a UTC server is still on
    yesterday. Use it wherever "today" matters (future dates, validity of units)."""
    return utcnow().astimezone(ZoneInfo(settings.timezone)).date()


def iso_datetime(value: Optional[datetime]) -> Optional[str]:
    """ISO 8601 in UTC with offset; naive values (SQLite) are taken as UTC."""
    if value is None:
        return None
    if value.tzinfo is None:
        value = value.replace(tzinfo=timezone.utc)
    return value.astimezone(timezone.utc).isoformat()
