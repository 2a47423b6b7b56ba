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

import hashlib
import re
import unicodedata
from collections.abc import Iterator
from functools import lru_cache

from whoosh.analysis import Token, Tokenizer

from archive.text import fold

_MARKS = "\u0300-\u036f\u1ab0-\u1aff\u1dc0-\u1dff\u20d0-\u20ff\ufe20-\ufe2f"
_WORD_CHAR = f"(?:[^\\W_]|[{_MARKS}])"
_APOSTROPHE = "['\u2019\u2018\u02bc`\u00b4\u2032]"
WORD_PATTERN = re.compile(f"{_APOSTROPHE}?{_WORD_CHAR}+(?:{_APOSTROPHE}{_WORD_CHAR}+)*")
_APOSTROPHES = re.compile(_APOSTROPHE)
# Two apostrophes in a row part two words (``x''b`` is x and 'b): the one way the
# characters folded_form drops from inside a word (marks, apostrophes) separate words.
APOSTROPHE_PAIR = re.compile(f"{_APOSTROPHE}{{2}}")

# Between two text fields of a document's word sequence (hashed to 0 in the ``seq``
# column), so a phrase never spans them.
FIELD_GAP = "\u2016"


@lru_cache(maxsize=200_000)
def word_hash(word: str) -> int:
    """Stable 64-bit hash of a folded word, never 0 (0 marks a field or document edge)."""
    if word == FIELD_GAP:
        return 0
    return int.from_bytes(hashlib.blake2b(word.encode("utf-8"), digest_size=8).digest(), "little") or 1


def iter_words(text: str) -> Iterator[tuple[int, int, str]]:
    """Yield (start, end, word) for each word of ``text`` (character offsets)."""
    for m in WORD_PATTERN.finditer(text):
        yield m.start(), m.end(), m.group()


def exact_form(word: str) -> str:
    """Lower-case NFC form with apostrophes made ``'``."""
    return _APOSTROPHES.sub("'", unicodedata.normalize("NFC", word).lower())


@lru_cache(maxsize=100_000)
def folded_form(word: str) -> str:
    """Accent-free, lower-case form without apostrophes (may be empty).

    Cached: text follows a Zipf distribution, so a small cache answers most
    words when snippets are highlighted.
    """
    return _APOSTROPHES.sub("", fold(word))


def folded_words(text: str) -> list[str]:
    """Folded forms of the words of ``text``, empty ones dropped.

    Folds the whole text first and splits after: folding only removes marks
    and maps letters to letters (or look-alike apostrophes to ``'``), so the
    words are the same as splitting first, at a fraction of the cost.
    """
    folded = fold(text)
    out = []
    for word in WORD_PATTERN.findall(folded):
        if "'" in word:
            word = word.replace("'", "")
        if word:
            out.append(word)
    return out


def exact_words(text: str) -> list[str]:
    """Exact forms of the words of ``text`` (which must already be NFC)."""
    return WORD_PATTERN.findall(_APOSTROPHES.sub("'", text.lower()))


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
