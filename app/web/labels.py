"""Vocabulary labels and picker choices for the pages, cached briefly per process.

Vocabularies change rarely (admin edits); the cache lives ``TTL_SECONDS`` and is
dropped at once when an admin edits a vocabulary through the pages.
"""
from __future__ import annotations

import threading
import time
from typing import Any

from flask import current_app
from flask_babel import lazy_gettext

from app.services.catalogue.suggestions import reason
from app.web.common import kho, message_text
from app.web.formatting import locale_code

TTL_SECONDS = 60.0
# facet / form field -> vocabulary name of app.services.catalogue.vocabularies
FIELD_VOCABULARY = {"kind": "kinds", "languages": "languages", "themes": "themes",
                    "conventions": "conventions", "plan_task": "plan_tasks",
                    "lead_unit": "units", "cooperating_units": "units",
                    "communes": "communes", "channels": "channels",
                    "audience_units": "units", "access_level": "access_levels",
                    "uses": "consent_uses"}
_lock = threading.Lock()


def _cache() -> dict:
    return current_app.extensions.setdefault("kho_vocab_cache", {})


def forget() -> None:
    """Drop cached vocabularies (after an edit)."""
    with _lock:
        _cache().clear()


def entries(name: str) -> list:
    """Entries of vocabulary ``name`` (see app.services.catalogue.vocabularies.list_vocabulary)."""
    from app.services.catalogue.vocabularies import list_vocabulary

    cache = _cache()
    with _lock:
        hit = cache.get(name)
        if hit and hit[0] > time.monotonic():
            return hit[1]
    found = list_vocabulary(kho(), name)
    with _lock:
        cache[name] = (time.monotonic() + TTL_SECONDS, found)
    return found


def _labels(name: str, loc: str) -> dict[str, str]:
    key = f"{name}:labels:{loc}"
    cache = _cache()
    with _lock:
        hit = cache.get(key)
        if hit and hit[0] > time.monotonic():
            return hit[1]
    found = {e.code: e.label(loc) for e in entries(name)}
    with _lock:
        cache[key] = (time.monotonic() + TTL_SECONDS, found)
    return found


def label(field: str, code: str) -> str:
    """The label of ``code`` in the vocabulary behind ``field`` (the code if unknown)."""
    name = FIELD_VOCABULARY.get(field)
    if not name or code in ("", None):
        return code
    return _labels(name, locale_code()).get(code, code)


def choices(field: str) -> list[tuple[str, str, bool]]:
    """(code, label, current) for a picker; current communes/units first."""
    loc = locale_code()
    rows = [(e.code, e.label(loc), bool(e.flags.get("current", True)))
            for e in entries(FIELD_VOCABULARY[field])]
    return sorted(rows, key=lambda r: not r[2])


def suggestion_label(kind: str, code: str) -> str:
    """Label of a suggested ``theme``, ``convention`` or ``language`` code."""
    return label({"theme": "themes", "convention": "conventions",
                  "language": "languages"}.get(kind, kind), code)


def suggestion_reason(suggestion: dict, shown: str) -> str:
    """Why a language was suggested, in the page's language ("có chữ ƀ, ŏ và các từ
    ‘bơngai’, ‘kơ’ thường gặp trong tiếng Ba Na"); "" for themes and conventions.
    ``shown`` is its label on the page."""
    found = reason(suggestion, shown)
    return message_text(found) if found is not None else ""


# the parts of the day a commune radio airs in (app.services.broadcasts.slots.SLOTS):
# their names on the form's choice, and in a sentence ("aired on 02/08/2025 in the
# morning"; the services word their messages with the same English)
SLOT_NAMES = {"morning": lazy_gettext("Morning"), "noon": lazy_gettext("Noon"),
              "afternoon": lazy_gettext("Afternoon"), "evening": lazy_gettext("Evening")}
SLOT_WORDS = {"morning": lazy_gettext("in the morning"), "noon": lazy_gettext("at noon"),
              "afternoon": lazy_gettext("in the afternoon"),
              "evening": lazy_gettext("in the evening")}


# access levels and consent uses (issue 26) when an instance's vocabularies lack them
# (not initialised again since): the seed's labels, through the message catalogue
LEVEL_WORDS = {"public": lazy_gettext("Public"),
               "internal": lazy_gettext("Internal (signed-in accounts)"),
               "restricted": lazy_gettext("Restricted (to an audience)"),
               "closed": lazy_gettext("Closed (the owning office only)")}
USE_WORDS = {"radio": lazy_gettext("Radio"), "website": lazy_gettext("Website"),
             "social": lazy_gettext("Social media"), "exhibition": lazy_gettext("Exhibition"),
             "archive": lazy_gettext("Archive only")}


def level_label(code: str | None) -> str:
    """An access level in words ("Nội bộ (tài khoản đã đăng nhập)"); "" for None."""
    if not code:
        return ""
    found = label("access_level", code)
    return found if found != code else str(LEVEL_WORDS.get(code, code))


def use_label(code: str) -> str:
    """A consent use in words ("Phát thanh")."""
    found = label("uses", code)
    return found if found != code else str(USE_WORDS.get(code, code))


def consent_words(value: Any) -> str:
    """A consent as the audit keeps it: "Già làng A Blưu (Phát thanh, Triển lãm)"."""
    if not isinstance(value, dict):
        return str(value)
    uses = ", ".join(use_label(str(u)) for u in value.get("uses") or [])
    return f"{value.get('given_by', '')} ({uses})" if uses else str(value.get("given_by", ""))


def file_access_words(value: Any) -> str:
    """A file's own level as the audit keeps it: "anh.png: Không phổ biến…", or "as the
    product"."""
    if not isinstance(value, dict):
        return str(value)
    level = level_label(value.get("level")) or str(lazy_gettext("as the product"))
    return f"{value.get('filename') or ''}: {level}"
