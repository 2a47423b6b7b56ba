"""The slot of an airing: the part of the day a commune radio aired a product.

A commune radio station (đài truyền thanh xã) airs in sessions — the morning and the
late-afternoon programme, sometimes one at noon or in the evening — and repeats a
feature from one session to the next. One log is one airing: product, commune, day and
slot (:data:`SLOTS`). The slot is what operators say ("phát buổi sáng"), not a clock
time: logging the same session twice, or a retry of a request whose answer was lost,
meets the same airing and is refused, where two typed times (06:00, 06:05) would count
one airing twice.

The empty code ``""`` is an airing whose slot is not known: the logs written before
slots existed (migration 0020) and API or CLI calls that give none. It is one more
slot, so such logs stay one per product, commune and day, as they always were.
"""
from __future__ import annotations

from typing import Any

from sqlalchemy import case
from sqlalchemy.sql.elements import ColumnElement

from archive.errors import ValidationError
from archive.text import fold, normalize_text

SLOTS = ("morning", "noon", "afternoon", "evening")    # in the order of the day
UNKNOWN = ""
# what people type for each slot, folded (archive.text.fold): the codes and the
# Vietnamese words, with or without "buổi" and tone marks
_WORDS = {"morning": "morning", "sang": "morning", "noon": "noon", "trua": "noon",
          "afternoon": "afternoon", "chieu": "afternoon", "evening": "evening",
          "toi": "evening"}
MAX_SHOWN = 40          # characters of a refused slot repeated in its message


def parse_slot(value: Any) -> str:
    """The slot code of ``value``: a code of :data:`SLOTS`, or the Vietnamese word
    ("sáng", "buổi trưa", "chieu", "Tối"; any case, tone marks optional); ``""``
    (unknown) for None or blank text. ValidationError naming ``slot`` otherwise."""
    if value is None:
        return UNKNOWN
    if not isinstance(value, str):
        raise ValidationError("choose the slot: morning, noon, afternoon or evening",
                              field="slot")
    text = normalize_text(value).strip()
    key = " ".join(fold(text).split())
    key = key[len("buoi "):] if key.startswith("buoi ") else key
    if not key:
        return UNKNOWN
    if key in _WORDS:
        return _WORDS[key]
    shown = text if len(text) <= MAX_SHOWN else text[:MAX_SHOWN - 1] + "…"
    raise ValidationError("%(value)s is not a slot: choose morning, noon, afternoon or "
                          "evening", field="slot", value=shown)


def slot_order(column: ColumnElement[str]) -> ColumnElement[int]:
    """An SQL expression ranking ``column`` in the order of the day (unknown first,
    evening last): lists sort by day, then by this."""
    return case({code: rank for rank, code in enumerate(SLOTS, start=1)}, value=column,
                else_=0)
