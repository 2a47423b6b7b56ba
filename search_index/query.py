"""Query text -> words and phrases, and the (field, term) clauses of each word.

Semantics (the numpy evaluator in :mod:`search_index.evaluate` implements
exactly the plain Whoosh query of these clauses — an AND over the words of an OR
over each word's clauses, built in tests/unit/search_index/test_agreement.py —
plus the phrase condition, which the agreement test holds to Whoosh's own exhaustive search
and a scan of the records' words):

* every word must occur (AND), in any text field, compared folded (with or
  without diacritics, any case, any apostrophe form);
* a word's score is BM25F (Whoosh's ``BM25F``) summed over its clauses: the
  folded word in ``title`` (boosted) and ``body``, plus - only when the word
  was typed with diacritics, đ or an apostrophe - the exact word in ``exact``,
  so ``quyền`` ranks documents saying ``quyền`` above ones saying ``quyến``;
* a quoted phrase (``"quyền trẻ em"``, also with “smart quotes”) adds the
  condition that its folded words occur consecutively within one text field;
  its words count as ordinary words for the score;
* repeated words count once; words that fold to nothing are ignored; only
  the first MAX_WORDS distinct words are scored (bounds the cost of a query),
  but a quoted phrase is matched whole, its later words included.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field

from archive.text import normalize_text
from search_index.analysis import exact_form, folded_form, iter_words

MAX_WORDS = 32
_QUOTED = re.compile(r"[\"“”„«»]([^\"“”„«»]*)[\"“”„«»]?")


@dataclass(frozen=True)
class QueryWord:
    folded: str
    exact: str | None  # set only when the typed word differs from its folded form


@dataclass
class ParsedQuery:
    words: list[QueryWord] = field(default_factory=list)
    phrases: list[list[str]] = field(default_factory=list)  # folded words, len >= 2

    @property
    def is_empty(self) -> bool:
        return not self.words

    def folded_set(self) -> set[str]:
        return {w.folded for w in self.words}


def parse_query(text: str) -> ParsedQuery:
    """Split query text into required words and quoted phrases."""
    text = normalize_text(text or "")
    parsed = ParsedQuery()
    seen: dict[str, int] = {}

    def add_word(word: str) -> str | None:
        folded = folded_form(word)
        if not folded:
            return None
        exact = exact_form(word)
        exact_or_none = exact if exact != folded else None
        if folded not in seen:
            if len(parsed.words) >= MAX_WORDS:
                return folded    # not scored, but a phrase holding it still matches it
            seen[folded] = len(parsed.words)
            parsed.words.append(QueryWord(folded, exact_or_none))
        elif exact_or_none and parsed.words[seen[folded]].exact is None:
            parsed.words[seen[folded]] = QueryWord(folded, exact_or_none)
        return folded

    def add_plain(chunk: str) -> None:
        for _, _, word in iter_words(chunk):
            add_word(word)

    last = 0
    for m in _QUOTED.finditer(text):
        add_plain(text[last:m.start()])
        phrase = [f for _, _, w in iter_words(m.group(1)) if (f := add_word(w))]
        if len(phrase) >= 2:
            parsed.phrases.append(phrase)
        last = m.end()
    add_plain(text[last:])
    return parsed


def word_clauses(word: QueryWord) -> list[tuple[str, str]]:
    """(field, term) pairs whose scores are summed for one query word."""
    clauses = [("title", word.folded), ("body", word.folded)]
    if word.exact:
        clauses.append(("exact", word.exact))
    return clauses

