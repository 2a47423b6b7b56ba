"""Brute-force reference for quoted phrases: the records' own words, scanned.

The index keeps no positions, so phrase matches are checked against this
instead: a record holds a phrase when its folded words occur consecutively in
one of its text fields (the title, the description, one tag, the extracted
text or one file name). Deliberately naive - one string search per field - so
it shares nothing with the numpy path but the word splitting.
"""
from __future__ import annotations

from archive.text import normalize_filename, normalize_text
from search_index.analysis import folded_words


def field_texts(record) -> list[str]:
    """Each text field of a record, as ' word word ... ' of folded words."""
    texts = [normalize_text(record.title or ""), normalize_text(record.description or ""),
             *(normalize_text(t) for t in record.tags), normalize_text(record.text or ""),
             *(normalize_filename(f) for f in record.filenames)]
    return [" " + " ".join(folded_words(t)) + " " for t in texts]


def holds_phrases(fields: list[str], phrases: list[list[str]]) -> bool:
    """Whether every phrase (folded words) occurs within one of ``fields``."""
    return all(any(f" {' '.join(p)} " in text for text in fields) for p in phrases)
