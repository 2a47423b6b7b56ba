"""Values the doors and manifests hand over as text, parsed one way everywhere: dates
(ISO or Vietnamese dd/mm/yyyy), yes/no words and the ``year`` of a query.

Each parser raises ValueError (or ValidationError naming the field, for ``year``) so
the caller can name the field in its own message; :func:`date_error` says in plain
words what is wrong with a refused date.
"""
from __future__ import annotations

import re
from datetime import date, datetime
from typing import Any, Optional

from archive.errors import Message, ValidationError
from archive.text import normalize_text


def parse_date(value: Any) -> Optional[date]:
    """ISO ``2024-05-31``, Vietnamese ``31/05/2024`` (or ``31-05-2024``), or a year."""
    if value in (None, ""):
        return None
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    text = str(value).strip()
    for fmt in ("%Y-%m-%d", "%d/%m/%Y", "%d-%m-%Y", "%d.%m.%Y"):
        try:
            return datetime.strptime(text, fmt).date()
        except ValueError:
            continue
    if re.fullmatch(r"(19|20)\d\d", text):
        return date(int(text), 1, 1)
    raise ValueError(text)


_DATE_SHAPE = re.compile(r"\d{1,2}[/.-]\d{1,2}[/.-]\d{4}|\d{4}-\d{1,2}-\d{1,2}")


def date_error(value: Any) -> Message:
    """What is wrong with a value :func:`parse_date` refused, in plain words (no
    quotes, no exception text): a day that does not exist (31/02/2025) or text that is
    not a date at all. Long values are shortened to 40 characters."""
    text = normalize_text(str(value)).strip()
    if len(text) > 40:
        text = text[:39] + "…"
    if _DATE_SHAPE.fullmatch(text):
        return Message("%(value)s is not a real date", value=text)
    return Message("%(value)s is not a date; write it as dd/mm/yyyy, for example 31/12/2024",
                   value=text)


TRUE_WORDS = frozenset({"1", "true", "yes", "on", "có", "co", "x"})
FALSE_WORDS = frozenset({"", "0", "false", "no", "off", "không", "khong"})


def parse_bool(value: Any) -> bool:
    """True/False from JSON booleans, 1/0 and the yes/no words manifests use
    (:data:`TRUE_WORDS`, :data:`FALSE_WORDS`, any case); ValueError for anything else."""
    if isinstance(value, bool):
        return value
    text = str(value or "").strip().lower()
    if text in TRUE_WORDS:
        return True
    if text in FALSE_WORDS:
        return False
    raise ValueError(text)


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
