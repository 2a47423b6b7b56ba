"""The ``year`` the doors take in a query (``?year=2025``): one parser for pages and API."""
from __future__ import annotations

from typing import Optional

from archive.errors import ValidationError


def parse_year(raw: Optional[str]) -> Optional[int]:
    """``"2025"`` -> 2025; empty or missing -> None (the caller's default year).

    Raises ValidationError (field ``year``) for anything but digits; the value shown
    back is cut to 20 characters. Range checks belong to the use case (a report year
    and a broadcast year allow different spans).
    """
    text = (raw or "").strip()
    if not text:
        return None
    if not text.isdigit():
        raise ValidationError("not a year: %(value)s", field="year", value=text[:20])
    return int(text)
