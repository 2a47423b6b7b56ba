"""Vocabulary labels and picker choices for the pages, cached briefly per process.

Vocabularies change rarely (admin edits); the cache lives ``TTL_SECONDS`` and is
dropped at once when an admin edits a vocabulary through the pages.
"""
from __future__ import annotations

import threading
import time

from flask import current_app

from app.web.common import kho
from app.web.formatting import locale_code

TTL_SECONDS = 60.0
# facet / form field -> vocabulary name of app.services.catalogue.vocabularies
FIELD_VOCABULARY = {"kind": "kinds", "languages": "languages", "themes": "themes",
                    "conventions": "conventions", "plan_task": "plan_tasks",
                    "lead_unit": "units", "cooperating_units": "units",
                    "communes": "communes", "channels": "channels"}
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
    """Label of a suggested ``theme`` or ``convention`` code."""
    return label({"theme": "themes", "convention": "conventions"}.get(kind, kind), code)
