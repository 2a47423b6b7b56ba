"""HTML-safe snippets with query words wrapped in <mark>.

Words are compared folded (so ``quyen`` marks ``Quyền``) and the original,
accented text is shown. Only the first ``SCAN_CHARS`` characters of a long
text are scanned, which bounds the cost of a hit.
"""
from __future__ import annotations

from html import escape

from search_index.analysis import WORD_PATTERN, folded_form

SCAN_CHARS = 8_000
SNIPPET_CHARS = 240
_LEAD_CHARS = 60


def _matched_spans(text: str, terms: set[str]) -> list[tuple[int, int]]:
    return [m.span() for m in WORD_PATTERN.finditer(text) if folded_form(m.group()) in terms]


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
