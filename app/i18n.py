"""Message catalogues shared by the CLI and the web (Flask-Babel reads the same files).

Source strings are English; ``app/translations/vi/LC_MESSAGES/messages.po`` holds the
Vietnamese. The compiled ``.mo`` files are committed next to the ``.po`` files and
rebuilt with ``make translations`` (a unit test checks they agree).
"""
from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Callable

from babel.support import NullTranslations, Translations

TRANSLATIONS_DIR = Path(__file__).with_name("translations")
LOCALES = ("vi", "en")


@lru_cache(maxsize=8)
def translations(locale: str) -> NullTranslations:
    return Translations.load(str(TRANSLATIONS_DIR), [locale], domain="messages")


def gettext_for(locale: str) -> Callable[[str], str]:
    """A ``gettext`` function for ``locale`` ("vi" or "en")."""
    return translations(locale if locale in LOCALES else "vi").gettext
