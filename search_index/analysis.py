"""Word splitting and the two search forms of a word (folded and exact).

A word is a run of letters/digits *and combining marks* (so ``nơ̆r`` - ơ plus
a combining breve that has no precomposed form - stays one word, where Whoosh's
default ``\\w+`` tokenizer splits it), optionally starting with an apostrophe
and with apostrophes inside (Bahnar ``'lơ̆ng``, ``K'Bang``). Underscore,
hyphen, dot and slash separate words (``quyen_tre_em.mp3`` has three words and
an extension).

* exact form: NFC text lower-cased, apostrophes kept as ``'``;
* folded form: :func:`archive.text.fold` with apostrophes dropped, so
  ``Quyền`` -> ``quyen``, ``Đăk`` -> ``dak``, ``'lơ̆ng`` -> ``long``.

The index is fed with token lists computed here; the Whoosh analysers below
wrap the same functions so a field analysed by Whoosh gives identical terms.
"""
from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterator

from whoosh.analysis import Token, Tokenizer

from archive.text import fold

_MARKS = "\u0300-\u036f\u1ab0-\u1aff\u1dc0-\u1dff\u20d0-\u20ff\ufe20-\ufe2f"
_WORD_CHAR = f"(?:[^\\W_]|[{_MARKS}])"
_APOSTROPHE = "['\u2019\u2018\u02bc`\u00b4\u2032]"
WORD_PATTERN = re.compile(f"{_APOSTROPHE}?{_WORD_CHAR}+(?:{_APOSTROPHE}{_WORD_CHAR}+)*")
_APOSTROPHES = re.compile(_APOSTROPHE)

# Between two text fields in the positional field, so a phrase never spans them.
FIELD_GAP = "\u2016"


def iter_words(text: str) -> Iterator[tuple[int, int, str]]:
    """Yield (start, end, word) for each word of ``text`` (character offsets)."""
    for m in WORD_PATTERN.finditer(text):
        yield m.start(), m.end(), m.group()


def exact_form(word: str) -> str:
    """Lower-case NFC form with apostrophes made ``'``."""
    return _APOSTROPHES.sub("'", unicodedata.normalize("NFC", word).lower())


def folded_form(word: str) -> str:
    """Accent-free, lower-case form without apostrophes (may be empty)."""
    return _APOSTROPHES.sub("", fold(word))


def folded_words(text: str) -> list[str]:
    out = []
    for m in WORD_PATTERN.finditer(text):
        f = folded_form(m.group())
        if f:
            out.append(f)
    return out


def exact_words(text: str) -> list[str]:
    return [exact_form(m.group()) for m in WORD_PATTERN.finditer(text)]


class _FormTokenizer(Tokenizer):
    """Whoosh tokenizer applying one of the forms above (kept picklable)."""

    def __init__(self, folded: bool) -> None:
        self.folded = folded

    def __eq__(self, other: object) -> bool:
        return isinstance(other, _FormTokenizer) and other.folded == self.folded

    def __call__(self, value, positions=False, chars=False, keeporiginal=False,
                 removestops=True, start_pos=0, start_char=0, tokenize=True,
                 mode="", **kwargs):
        form = folded_form if self.folded else exact_form
        token = Token(positions, chars, removestops=removestops, mode=mode, **kwargs)
        pos = start_pos
        for start, end, word in iter_words(value):
            text = form(word)
            if not text:
                continue
            token.text = text
            token.boost = 1.0
            token.stopped = False
            if keeporiginal:
                token.original = word
            if positions:
                token.pos = pos
            if chars:
                token.startchar, token.endchar = start_char + start, start_char + end
            pos += 1
            yield token


def folded_analyzer() -> _FormTokenizer:
    return _FormTokenizer(folded=True)


def exact_analyzer() -> _FormTokenizer:
    return _FormTokenizer(folded=False)
