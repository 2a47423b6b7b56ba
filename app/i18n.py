"""Message catalogues shared by the CLI and the web (Flask-Babel reads the same files).

Source strings are English; ``app/translations/vi/LC_MESSAGES/messages.po`` holds the
Vietnamese. The compiled ``.mo`` files are committed next to the ``.po`` files and
rebuilt with ``make translations`` (a unit test checks they agree).
"""
from __future__ import annotations

from decimal import ROUND_HALF_EVEN, Decimal
from functools import lru_cache
from pathlib import Path
from typing import Callable

from babel.numbers import format_decimal
from babel.support import NullTranslations, Translations

TRANSLATIONS_DIR = Path(__file__).with_name("translations")
LOCALES = ("vi", "en")
LOCALE_COOKIE = "kho_lang"   # the browser cookie holding a visitor's language choice


@lru_cache(maxsize=8)
def translations(locale: str) -> NullTranslations:
    return Translations.load(str(TRANSLATIONS_DIR), [locale], domain="messages")


class LocaleGettext:
    """``gettext`` for one locale, which also writes numbers the locale's way
    (``number``): ``KhoError.render`` and ``Message.render`` use it for Quantities."""

    def __init__(self, locale: str) -> None:
        self.locale = locale
        self._gettext = translations(locale).gettext

    def __call__(self, text: str) -> str:
        return self._gettext(text)

    def number(self, value: int | float) -> str:
        return format_number(value, self.locale)


def format_number(value: int | float, locale: str) -> str:
    """``200.000`` in Vietnamese, ``200,000`` in English."""
    if isinstance(value, int) and not isinstance(value, bool):
        return format_int(value, locale)
    return format_decimal(value, locale=locale if locale in LOCALES else "vi")


def format_int(value: int, locale: str) -> str:
    """A whole number grouped by thousands (``1.234.567`` / ``1,234,567``), as Babel
    writes it for these two locales, about 50 times faster (a dashboard shows hundreds)."""
    grouped = f"{value:,}"
    return grouped if locale == "en" else grouped.replace(",", ".")


def percent_tenths(fraction: float) -> Decimal:
    """The one rounding rule of every share Kho shows (dashboard, ``kho stats``, the
    report's DOCX and XLSX): the percentage rounded to one decimal, half to even, from
    the shortest decimal form of the value, as Babel rounds on the pages (1/16 = 6,25 %
    reads 6,2 %; 1/3 reads 33,3 %). The API gives the exact fraction beside its counts;
    rounded this way it reads the same everywhere."""
    return Decimal(repr(float(fraction) * 100)).quantize(Decimal("0.1"),
                                                         rounding=ROUND_HALF_EVEN)


@lru_cache(maxsize=65536)
def format_percent(fraction: float | None, locale: str) -> str:
    """A fraction 0..1 as a percentage with one decimal: ``18,5 %`` in Vietnamese (comma,
    a space before the sign), ``18.5%`` in English; ``""`` for None. Rounded by the one
    rule of every share, :func:`percent_tenths` (half to even, as Babel). Remembered
    per value (a dashboard shows about a thousand shares, the same ones request after
    request, and the decimal rounding costs ~8 µs each)."""
    if fraction is None:
        return ""
    tenths = percent_tenths(fraction)
    whole, _, decimal = f"{tenths:,.1f}".partition(".")
    if locale == "en":
        return f"{whole}.{decimal}%"
    return f"{whole.replace(',', '.')},{decimal} %"


@lru_cache(maxsize=8)
def gettext_for(locale: str) -> Callable[[str], str]:
    """A ``gettext`` function for ``locale`` ("vi" or "en"), with ``.number``."""
    return LocaleGettext(locale if locale in LOCALES else "vi")
