"""HTML-safe snippets with query words wrapped in <mark>.

Words are compared folded (so ``quyen`` marks ``Quyền``) and the original,
accented text is shown. Only the first ``SCAN_CHARS`` characters of a long
text are scanned, which bounds the cost of a hit; the words are found in the text
folded as a whole (:func:`_matched_spans`).
"""
from __future__ import annotations

import re
from functools import lru_cache
from html import escape

from archive.text import fold_with_places
from search_index.analysis import APOSTROPHE_PAIR, WORD_PATTERN, folded_form

SCAN_CHARS = 8_000
SNIPPET_CHARS = 240
_LEAD_CHARS = 60


@lru_cache(maxsize=1024)
def _terms_pattern(terms: frozenset[str]) -> re.Pattern:
    """Any of ``terms`` as a whole word of folded text (longest first)."""
    alternatives = "|".join(re.escape(t) for t in sorted(terms, key=len, reverse=True))
    return re.compile(f"(?<![^\\W_])(?:{alternatives})(?![^\\W_])")


def _matched_spans(text: str, terms: set[str]) -> list[tuple[int, int]]:
    """Character spans of the words of ``text`` whose folded form is one of ``terms``
    (the words :data:`WORD_PATTERN` finds, as a word-by-word fold would mark them).

    Splitting and folding word by word cost about 1 ms for 8,000 characters, the most of
    a hit found by its title or a transcript; so the text is folded at once, without
    apostrophes, keeping where each character came from
    (:func:`archive.text.fold_with_places`), one regular expression finds the terms as
    whole words of that, and each place found is checked by matching the word there in
    the original (a combining mark or an apostrophe may lead it). Text that does not
    fold character by character, or with two apostrophes in a row (which part words
    that dropping apostrophes would join), is read word by word."""
    terms = {t for t in terms if t}
    if not terms:
        return []
    folding = None if APOSTROPHE_PAIR.search(text) else fold_with_places(text, drop="'")
    if folding is None:
        return [m.span() for m in WORD_PATTERN.finditer(text) if folded_form(m.group()) in terms]
    folded, places = folding
    spans = []
    found = list(_terms_pattern(frozenset(terms)).finditer(folded))
    places_list = places.tolist() if found else []
    for m in found:
        first, end = m.span()
        at, last = places_list[first], places_list[end - 1]
        start = places_list[first - 1] + 1 if first else 0   # after the character before
        after = places_list[end] if end < len(places_list) else len(text)
        if start == at and after == last + 1 and last - at == end - 1 - first:
            spans.append((at, last + 1))      # nothing dropped in or around it: the same word
            continue
        while start < at and WORD_PATTERN.match(text, start) is None:
            start += 1
        word = WORD_PATTERN.match(text, start)
        if word is not None and folded_form(word.group()) in terms:
            spans.append(word.span())
    return spans


def mark(text: str, terms: set[str], spans: list[tuple[int, int]] | None = None,
         start: int = 0, end: int | None = None) -> str:
    """Escape ``text[start:end]`` and wrap matched words in <mark>."""
    end = len(text) if end is None else end
    if spans is None:
        spans = _matched_spans(text, terms)
    out, cursor = [], start
    for s, e in spans:
        if s < start or e > end:
            continue
        out.append(escape(text[cursor:s]))
        out.append(f"<mark>{escape(text[s:e])}</mark>")
        cursor = e
    out.append(escape(text[cursor:end]))
    return "".join(out)


def _best_window(spans: list[tuple[int, int]], width: int) -> int:
    """Start offset of the window holding the most matches."""
    best_start, best_count, j = spans[0][0], 0, 0
    for i, (s, _) in enumerate(spans):
        while j < len(spans) and spans[j][1] <= s + width:
            j += 1
        if j - i > best_count:
            best_start, best_count = s, j - i
    return best_start


def snippet(texts: list[str], terms: set[str], width: int = SNIPPET_CHARS) -> str:
    """Snippet from the first text with a match (else the start of the first text)."""
    texts = [t for t in texts if t]
    for text in texts:
        scanned = text[:SCAN_CHARS]
        spans = _matched_spans(scanned, terms) if terms else []
        if spans:
            best = _best_window(spans, width)
            start = max(0, best - _LEAD_CHARS)
            if start:
                space = scanned.find(" ", start, best)
                start = space + 1 if space >= 0 else start
            end = min(len(scanned), start + width)
            space = scanned.rfind(" ", start, end) if end < len(scanned) else -1
            end = space if space > start else end
            html = mark(scanned, terms, spans, start, end)
            return ("… " if start else "") + html + (" …" if end < len(text) else "")
    if not texts:
        return ""
    head = texts[0][:width]
    return escape(head) + (" …" if len(texts[0]) > width else "")
