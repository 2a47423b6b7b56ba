"""A second synthetic catalogue with other statistics than ``benchmarks/corpus.py``.

``corpus.py`` recombines one real text, so its vocabulary is a few thousand
words and its phrases are that text's. Here nothing comes from a text:

* **syllables**: every Vietnamese-looking onset x rhyme x tone (about 8,000),
  drawn with Zipf frequencies (exponent 1.05), so a few hundred syllables make
  up half of all words and most are rare;
* **phrases**: 20,000 runs of 2-8 syllables, themselves drawn with Zipf
  weights, so the commonest long phrases occur in a large share of the records
  (the case that made quoted 4-6 word phrases slow) and most phrases are rare;
* **rare words**: 3 % of words are one of 300,000 invented ethnic-language
  forms (breve letters, ƀ, apostrophes) or code-like tokens, so the lexicon is
  large and many terms occur once or twice;
* **long documents**: 10 % of records carry 800-3,000 words of extracted
  text; 5 % arrive in NFD and 5 % without diacritics.

Facets reuse corpus.py's vocabularies. Every choice comes from
``random.Random(seed)``.
"""
from __future__ import annotations

import random
import unicodedata
from bisect import bisect
from datetime import date, datetime, timedelta
from itertools import accumulate

from benchmarks.corpus import (
    CHANNELS, COMMUNES, CONVENTIONS, DIGITAL_CHANNELS, KIND_TITLES, PLAN_TASKS, STATUSES, THEMES,
    UNITS, RecordSource,
)

ONSETS = ("", "b", "c", "ch", "d", "đ", "g", "gi", "h", "k", "kh", "l", "m", "n", "ng", "nh",
          "p", "ph", "qu", "r", "s", "t", "th", "tr", "v", "x")
RHYMES = ("a", "ai", "am", "an", "ang", "anh", "ao", "au", "ay", "ăm", "ăn", "ăng", "âm", "ân",
          "âng", "âu", "ây", "e", "em", "en", "eo", "ê", "êm", "ên", "ênh", "êu", "i", "ia", "iêm",
          "iên", "iêng", "iêu", "im", "in", "inh", "iu", "o", "oa", "oai", "oan", "oang", "oanh",
          "oe", "oi", "om", "on", "ong", "ô", "ôi", "ôm", "ôn", "ông", "ơ", "ơi", "ơm", "ơn", "u",
          "ua", "uân", "uê", "ui", "um", "un", "ung", "uy", "uyên", "ư", "ưa", "ưi", "ưng", "ươi",
          "ươm", "ươn", "ương", "ưu")
TONES = ("", "\u0300", "\u0301", "\u0303", "\u0309", "\u0323")  # ngang huyền sắc ngã hỏi nặng
RARE_LETTERS = "ăâêôơưŏĕŭơ̆ƀbdghklmnprstvx"
VOCABULARY_SEED = 7919


def _with_tone(syllable: str, tone: str) -> str:
    """Put the tone mark on the syllable's main vowel (roughly the orthographic rule)."""
    if not tone:
        return syllable
    vowels = [i for i, ch in enumerate(syllable) if unicodedata.normalize("NFD", ch)[0] in "aeiouy"]
    if not vowels:
        return syllable
    marked = [i for i in vowels if len(unicodedata.normalize("NFD", syllable[i])) > 1]
    at = marked[-1] if marked else (vowels[-2] if len(vowels) > 1 and syllable[-1] in "aiouy" else vowels[-1])
    return unicodedata.normalize("NFC", syllable[:at + 1] + tone + syllable[at + 1:])


class ZipfCorpusGenerator(RecordSource):
    """Same interface as ``CorpusGenerator``: ``products(count)`` and ``query_texts(kind, n)``."""

    def __init__(self, seed: int = 20232) -> None:
        # The language (syllable ranks, phrases, rare words) is the same for every
        # seed, so queries drawn with one seed fit records drawn with another.
        self.rng = random.Random(VOCABULARY_SEED)
        syllables = sorted({_with_tone(o + r, t) for o in ONSETS for r in RHYMES for t in TONES})
        self.rng.shuffle(syllables)
        self.vocab = syllables
        self._cum = list(accumulate(1 / (rank + 1) ** 1.05 for rank in range(len(syllables))))
        self.phrases = [[self._syllable() for _ in range(self.rng.randint(2, 8))] for _ in range(20_000)]
        self._phrase_cum = list(accumulate(1 / (rank + 1) ** 0.9 for rank in range(len(self.phrases))))
        self.rare = [self._rare_word() for _ in range(300_000)]
        self.rng = random.Random(seed)

    # -- words -----------------------------------------------------------
    def _syllable(self) -> str:
        return self.vocab[bisect(self._cum, self.rng.random() * self._cum[-1])]

    def _phrase(self) -> list[str]:
        return self.phrases[bisect(self._phrase_cum, self.rng.random() * self._phrase_cum[-1])]

    def _rare_word(self) -> str:
        rng = self.rng
        if rng.random() < 0.3:
            return f"{rng.choice('ABCDKLMNQTX')}{rng.randint(10, 99999)}"
        word = "".join(rng.choice(RARE_LETTERS) for _ in range(rng.randint(3, 8)))
        return ("'" + word) if rng.random() < 0.2 else word

    def words(self, count: int) -> list[str]:
        """About ``count`` words: phrases (60 %) and loose syllables, 3 % rare words."""
        rng, out = self.rng, []
        while len(out) < count:
            roll = rng.random()
            if roll < 0.03:
                out.append(rng.choice(self.rare))
            elif roll < 0.63:
                out.extend(self._phrase())
            else:
                out.append(self._syllable())
        return out

    def text(self, count: int) -> str:
        words = self.words(count)
        sentences, i = [], 0
        while i < len(words):
            n = self.rng.randint(6, 20)
            sentences.append(" ".join(words[i:i + n]).capitalize())
            i += n
        return ". ".join(sentences) + "."

    # -- records ---------------------------------------------------------
    def product(self, pid: int):
        from search_index.records import IndexedProduct
        rng = self.rng
        kind = self._kind()
        ethnic = rng.random() < 0.12
        long_text = rng.random() < 0.10
        text = self.text(rng.randint(800, 3000)) if long_text else (
            self.text(rng.randint(30, 200)) if rng.random() < 0.3 else "")
        channels = rng.sample(CHANNELS, rng.randint(1, 3))
        year = rng.randint(2023, 2028)
        return IndexedProduct(
            id=pid, title=self._garble(f"{KIND_TITLES[kind]}: {self.text(rng.randint(3, 10))[:-1]}"),
            description=self._garble(self.text(rng.randint(10, 80))),
            tags=[" ".join(self._phrase()[:2]) for _ in range(rng.randint(0, 4))],
            text=self._garble(text),
            filenames=[f"{'_'.join(self.words(3)[:3])}.{rng.choice(('mp3', 'mp4', 'pdf', 'jpg'))}"],
            kind=kind, languages=["vie"] + ([rng.choice(("bdq", "sed"))] if ethnic else []),
            themes=rng.sample(THEMES, rng.randint(1, 2)), conventions=rng.sample(CONVENTIONS, rng.randint(0, 2)),
            plan_task=rng.choice(PLAN_TASKS), lead_unit=rng.choice(UNITS),
            communes=rng.sample(COMMUNES, rng.randint(1, 2)), channels=channels, year=year,
            produced_on=date(year, 1, 1) + timedelta(days=rng.randrange(365)),
            status=rng.choice(STATUSES), digital_platform=bool(DIGITAL_CHANNELS & set(channels)),
            ethnic_language=ethnic,
            access_tokens=[] if rng.random() < 0.03 else ["level:public"],   # 3 % closed
            updated_at=datetime(year, 1, 1) + timedelta(seconds=rng.randrange(365 * 86400)),
        )

    # -- queries ---------------------------------------------------------
    def _run(self, lo: int, hi: int) -> str:
        """Consecutive words as a record would hold them: from a phrase, or text around one."""
        n = self.rng.randint(lo, hi)
        words = self._phrase() + self.words(n)
        return " ".join(words[:n]) if len(words) >= n else " ".join(words)

    def query_texts(self, kind: str, count: int) -> list[str]:
        """Queries of one type (the kinds of ``CorpusGenerator.query_texts``)."""
        from archive.text import fold
        out = []
        for _ in range(count):
            if kind == "one_word":
                out.append(self.rng.choice(self.vocab[:400]))
            elif kind == "two_words":
                out.append(self._run(2, 2))
            elif kind == "three_words":
                out.append(self._run(3, 3))
            elif kind == "unaccented":
                out.append(fold(self._run(3, 3)))
            elif kind == "phrase":
                out.append('"' + self._run(2, 3) + '"')
            elif kind == "long_phrase":
                out.append('"' + self._run(4, 6) + '"')
            else:
                raise ValueError(f"unknown query kind {kind!r}")
        return out
