"""How values read on a page: dates, times, numbers, sizes and durations the Vietnamese
way (``dd/mm/yyyy``, ``1.234,5``, ``4 phút 05 giây``) or the English way; registered as
Jinja filters. Also text with its paragraphs kept (still escaped), and a translated
sentence filled with escaped values (:func:`say`)."""
from __future__ import annotations

import re
from datetime import date, datetime
from typing import Any

from flask_babel import format_date, format_datetime, format_decimal
from flask_babel import gettext as _
from markupsafe import Markup, escape

from app.i18n import format_int, format_percent
from app.web.page_gettext import page_locale


def locale_code() -> str:
    """The request's locale code, looked up once a request (a dashboard formats
    thousands of numbers)."""
    return page_locale()


def vn_date(value: date | datetime | None) -> str:
    """dd/mm/yyyy in Vietnamese, d MMM yyyy in English."""
    if value is None:
        return ""
    if isinstance(value, datetime):
        value = value.date()
    return format_date(value, "dd/MM/yyyy" if locale_code() == "vi" else "d MMM yyyy")


def vn_datetime(value: datetime | None) -> str:
    if value is None:
        return ""
    pattern = "HH:mm dd/MM/yyyy" if locale_code() == "vi" else "d MMM yyyy HH:mm"
    return format_datetime(value, pattern)


def vn_iso(value: str | None) -> str:
    """An ISO date (or date-time) string shown as :func:`vn_date`."""
    return vn_date(date.fromisoformat(value[:10])) if value else ""


def vn_iso_time(value: str | None) -> str:
    return vn_datetime(datetime.fromisoformat(value)) if value else ""


def number(value: float | int | None, pattern: str | None = None) -> str:
    """1.234,5 in Vietnamese; 1,234.5 in English."""
    if value is None:
        return ""
    if pattern is None and isinstance(value, int) and not isinstance(value, bool):
        return format_int(value, locale_code())      # the common case, without Babel
    return format_decimal(value, pattern)


def percent(fraction: float | None) -> str:
    """A fraction 0..1 as ``18,5 %`` in Vietnamese, ``18.5%`` in English."""
    return format_percent(fraction, locale_code())


def change_value(value: Any) -> str:
    """One side of an audited change, readable: lists joined, empty as ∅."""
    if value in (None, "", [], False):
        return "∅" if value is not False else _("no")
    if value is True:
        return _("yes")
    if isinstance(value, (list, tuple)):
        return ", ".join(str(v) for v in value)
    if isinstance(value, str) and len(value) == 10 and value[4] == "-" and value[7] == "-":
        try:
            return vn_date(date.fromisoformat(value))
        except ValueError:
            return value
    return str(value)


def filesize(value: int | None) -> str:
    if value is None:
        return ""
    for unit, size in (("GB", 1024 ** 3), ("MB", 1024 ** 2), ("kB", 1024)):
        if value >= size:
            return f"{format_decimal(value / size, '#,##0.0')} {unit}"
    return f"{format_decimal(value)} B"


def duration(seconds: float | int | None) -> str:
    """A length of time in seconds as ``4 phút 05 giây`` / ``1 giờ 02 phút 05 giây``
    (``4 min 05 s`` in English); whole seconds, at least 1 for anything above 0."""
    if seconds is None or seconds < 0:
        return ""
    total = max(1, round(seconds)) if seconds > 0 else 0
    hours, rest = divmod(total, 3600)
    minutes, secs = divmod(rest, 60)
    if hours:
        return _("%(h)s h %(m)s min %(s)s s", h=hours, m="%02d" % minutes, s="%02d" % secs)
    if minutes:
        return _("%(m)s min %(s)s s", m=minutes, s="%02d" % secs)
    return _("%(s)s s", s=secs)


_PARAGRAPH_BREAK = re.compile(r"\n[ \t]*\n\s*")


def paragraphs(text: str | None) -> Markup:
    """Plain text as HTML paragraphs: a blank line starts a new ``<p>``, a single line
    break becomes ``<br>``. Everything else is escaped (``<script>`` stays text)."""
    if not text:
        return Markup("")
    text = text.replace("\r\n", "\n").replace("\r", "\n").strip()
    parts = [p for p in _PARAGRAPH_BREAK.split(text) if p.strip()]
    return Markup("").join(
        Markup("<p>{}</p>").format(Markup("<br>\n").join(escape(line)
                                                          for line in part.split("\n")))
        for part in parts)


def say(template: str, **values: Any) -> Markup:
    """A translated template filled with escaped values (Markup values pass as is): a
    sentence built from what people typed, safe to put in a page."""
    return Markup(escape(template)) % {k: v if isinstance(v, Markup) else escape(v)
                                         for k, v in values.items()}
