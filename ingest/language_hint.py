"""Which languages a product's text is written in: suggestions for a person to confirm.

Three kinds of evidence, the rules and word lists all data
(``ingest/rules/language_rules.toml``; its header says where the words come from and
what they cannot do):

* **Ethnic-minority orthographies** (Ba Na/Bahnar, Xơ Đăng/Sedang, Gia Rai/Jarai):
  a chunk of text is in one of them when enough of its words are that language's
  common words, and its letters (ƀ, ŏ, ơ̆, č, ñ…) back them up. A general identifier
  knows none of these languages (it reads them as Vietnamese), so they are decided
  first.
* **A general language identifier** (:mod:`ingest.language_id`, py3langid with its
  model in the package) for Vietnamese and foreign languages; Vietnamese typed
  without its marks is recognised by the shape of its syllables as well.
* **The title or description naming the language** ("Bản tin tiếng Ba Na"): office
  metadata is written in Vietnamese whatever the product's language, so when it names
  a language it is not itself counted as Vietnamese text.

Which text counts: the files' text (extracted, OCR, later transcripts) when it holds
at least ``content_enough`` letters, else the title, description and that text
together. Text is cut into chunks of about ``chunk_letters`` letters (paragraphs stay
apart), each chunk gets at most one language, and a language is suggested from its
share of the letters of the chunks that got one.

NFC/NFD-safe: text goes through :func:`archive.text.normalize_text` (NFC, Vietnamese
mark order) before anything is compared; words are compared without their breve on
i, e, o, u, ơ, ô, ê, ư, so ``lơ̆m``, ``lơ̆m`` typed in NFD and ``lơm`` typed on a
Vietnamese keyboard are one word.
"""
from __future__ import annotations

import re
import tomllib
import unicodedata
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Iterable, Mapping, Sequence

from archive.errors import ValidationError
from archive.text import fold, normalize_text
from ingest import language_id

RULES_PATH = Path(__file__).with_name("rules") / "language_rules.toml"
Identify = Callable[[str, Sequence[str]], list[tuple[str, float]]]

_BREVE, _CARON = "\u0306", "\u030c"
# a word: letters with their combining marks; digits, apostrophes, hyphens end it
_WORD = re.compile(r"(?:[^\W\d_][\u0300-\u036f]*)+")
_NOT_WORD = re.compile(r"[\W_]+")
_LOOKALIKES = str.maketrans({"\u0253": "\u0180", "\u0181": "\u0243"})   # ɓ Ɓ -> ƀ Ƀ
_VOWELS = set("aeiouyAEIOUY")
ORTHOGRAPHY, CLASSIFIER, NAMED = "orthography", "classifier", "named"


@dataclass(frozen=True)
class LanguageHint:
    """A suggested language: its vocabulary ``code``, its ``share`` of the judged
    text's letters (0..1; None when only the metadata names it), what decided it
    (``by``: orthography, classifier or named) and the evidence a person is shown —
    letters and common words found (orthography) or the phrase that names it."""

    code: str
    share: float | None
    by: str
    letters: tuple[str, ...] = ()
    words: tuple[str, ...] = ()
    named: str = ""


@dataclass(frozen=True)
class Orthography:
    """One ethnic-minority language: letters and words (keyed by :func:`word_key`,
    with the word as written for showing) and their weights; ``bare`` holds the words
    whose folded form is no Vietnamese syllable, keyed by that form."""

    code: str
    name: str
    letters: dict[str, float]
    words: dict[str, tuple[str, float]]
    bare: dict[str, tuple[str, float]]    # folded, for text with no marks at all


@dataclass(frozen=True)
class Rules:
    """Loaded language rules (see the TOML file's header)."""

    orthographies: tuple[Orthography, ...]
    codes: dict[str, str]                 # identifier label -> vocabulary code
    candidates: tuple[str, ...]
    names: dict[str, tuple[str, ...]]     # vocabulary code -> phrases naming it, as written
    syllable: re.Pattern
    vietnamese: dict[str, Any]
    chunks: dict[str, int]
    orthography: dict[str, float]
    suggest: dict[str, float]
    classifier: dict[str, float]
    version: int = 1


@dataclass
class _Tally:
    letters: Counter = field(default_factory=Counter)       # code -> letters of text
    evidence_letters: dict[str, Counter] = field(default_factory=dict)
    evidence_words: dict[str, Counter] = field(default_factory=dict)
    by: dict[str, str] = field(default_factory=dict)


def word_key(word: str) -> str:
    """``word`` as words are compared: lower case, NFC, breve dropped except on a/A
    (ă is Vietnamese too), look-alikes mapped (ɓ -> ƀ, a caron on a vowel -> breve)."""
    decomposed = unicodedata.normalize("NFD", word.translate(_LOOKALIKES).lower())
    kept, base = [], ""
    for ch in decomposed:
        if not unicodedata.combining(ch):
            base = ch
        elif ch == _CARON and base in _VOWELS:
            ch = _BREVE
        if ch == _BREVE and base not in ("a", "A"):
            continue
        kept.append(ch)
    return unicodedata.normalize("NFC", "".join(kept))


def _prepared(text: str) -> str:
    """NFC text (:func:`archive.text.normalize_text`) with look-alikes mapped and
    vowel carons made breves; case kept (the identifier reads it)."""
    decomposed = unicodedata.normalize("NFD", text.translate(_LOOKALIKES))
    out, base = [], ""
    for ch in decomposed:
        if not unicodedata.combining(ch):
            base = ch
        elif ch == _CARON and base in _VOWELS:
            ch = _BREVE
        out.append(ch)
    return normalize_text(unicodedata.normalize("NFC", "".join(out)))


def tokens(text: str) -> list[str]:
    """The words of ``text``, apostrophes and hyphens splitting them, numbers left
    out."""
    return _WORD.findall(text)


def load_rules(path: Path | str | None = None) -> Rules:
    """Read and check the rules file (default: the packaged ``language_rules.toml``).

    Raises ValidationError naming the file and the offending entry.
    """
    source = Path(path) if path else RULES_PATH
    try:
        data = tomllib.loads(source.read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise ValidationError(f"cannot read language rules: {exc}", field=str(source)) from None
    try:
        classifier = data["classifier"]
        vietnamese = dict(data["vietnamese"])
        onsets = sorted(vietnamese.pop("onsets"), key=len, reverse=True)
        rhymes = sorted(vietnamese.pop("rhymes"), key=len, reverse=True)
        syllable = re.compile("(?:" + "|".join(map(re.escape, onsets)) + ")?(?:"
                              + "|".join(map(re.escape, rhymes)) + ")")
        orthographies = tuple(_orthography(code, entry, source, syllable)
                              for code, entry in (data.get("orthographies") or {}).items())
        names = {code: tuple(str(p) for p in phrases)
                 for code, phrases in (data.get("names") or {}).items()}
        return Rules(orthographies=orthographies,
                     codes={str(k): str(v) for k, v in classifier["codes"].items()},
                     candidates=tuple(classifier["candidates"]), names=names,
                     syllable=syllable, vietnamese=vietnamese,
                     chunks={k: int(v) for k, v in data["chunks"].items()},
                     orthography={k: float(v) for k, v in data["orthography"].items()},
                     suggest={k: float(v) for k, v in data["suggest"].items()},
                     classifier={k: float(classifier[k])
                                 for k in ("min_confidence", "min_letters")},
                     version=int(data.get("version", 1)))
    except (KeyError, TypeError, ValueError, AttributeError) as exc:
        raise ValidationError(f"language rules: missing or wrong entry {exc}",
                              field=str(source)) from None


def _orthography(code: str, entry: Any, source: Path, syllable: re.Pattern) -> Orthography:
    if not isinstance(entry, Mapping) or not entry.get("words"):
        raise ValidationError(f"orthographies.{code} needs words", field=str(source))
    letters = {_prepared(k).lower(): _weight(v, source, f"{code}.letters.{k}")
               for k, v in (entry.get("letters") or {}).items()}
    words: dict[str, tuple[str, float]] = {}
    for word, weight in entry["words"].items():
        key = word_key(word)
        if not _WORD.fullmatch(key):
            raise ValidationError(f"orthographies.{code}.words: {word!r} is not one word",
                                  field=str(source))
        words[key] = (unicodedata.normalize("NFC", word), _weight(weight, source, word))
    bare = {fold(key): shown for key, shown in words.items()
            if not syllable.fullmatch(fold(key))}
    return Orthography(code=code, name=str(entry.get("name", code)), letters=letters,
                       words=words, bare=bare)


def _weight(value: Any, source: Path, where: str) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or value <= 0:
        raise ValidationError(f"{where} must be a positive number, got {value!r}",
                              field=str(source))
    return float(value)


def _phrase_key(text: str) -> str:
    """Lower-case NFC words separated by single spaces, padded with one space."""
    return " " + _NOT_WORD.sub(" ", normalize_text(text).lower()).strip() + " "


def named_in(metadata: str, names: Mapping[str, Iterable[str]]) -> dict[str, str]:
    """Languages the title/description names: vocabulary code -> the words as the
    metadata writes them ("tiếng Ba Na"). Whole words, any case and punctuation
    between them, marks kept (``tiếng cô`` does not name ``Tiếng Co``)."""
    found = {}
    for code, phrases in names.items():
        for phrase in phrases:
            words = _phrase_key(phrase).split()
            if not words:
                continue
            pattern = r"(?<!\w)" + r"[\W_]+".join(map(re.escape, words)) + r"(?![\w\u0300-\u036f])"
            match = re.search(pattern, metadata, flags=re.IGNORECASE)
            if match:
                found.setdefault(code, match.group(0))
                break
    return found


def chunks(text: str, size: int) -> list[str]:
    """Lines joined into chunks of about ``size`` letters; a blank line always ends
    one, so a bilingual document's paragraphs stay apart."""
    out, current, letters = [], [], 0
    for line in text.split("\n"):
        if not line.strip():
            if current:
                out.append(" ".join(current))
            current, letters = [], 0
            continue
        current.append(line.strip())
        letters += _letter_count(line)
        if letters >= size:
            out.append(" ".join(current))
            current, letters = [], 0
    if current:
        out.append(" ".join(current))
    return out


def _letter_count(text: str) -> int:
    return sum(1 for ch in text if ch.isalpha())


def hint(title: str | None, description: str | None, texts: Iterable[str | None],
         rules: Rules, names: Mapping[str, Iterable[str]] | None = None,
         identify: Identify = language_id.rank) -> list[LanguageHint]:
    """The languages suggested for a product, named ones first, then by share.

    ``texts`` are its files' texts (each read up to ``text_limit`` characters, all
    of them up to ``total_limit``: a hint costs milliseconds, whatever the files);
    ``names`` adds phrases naming languages (the vocabulary's labels) to the rules'
    own. ``identify`` is the general identifier (the first call in a process loads
    its model, about 2 s). Nothing here reads the catalogue: codes not in the
    vocabulary are for the caller to drop."""
    limit = rules.chunks["text_limit"]
    content = "\n\n".join(_prepared(t[:limit]) for t in texts if t and t.strip())
    content = content[:rules.chunks["total_limit"]]
    metadata = [_prepared(v) for v in (title, description) if v and v.strip()]
    all_names = {code: list(p) for code, p in rules.names.items()}
    for code, phrases in (names or {}).items():
        all_names.setdefault(code, []).extend(phrases)
    named = named_in("\n".join(metadata), all_names) if metadata else {}

    sources = [content] if content else []
    if _letter_count(content) < rules.chunks["content_enough"] and not named:
        sources = metadata + sources
    tally = _Tally()
    for source in sources:
        for chunk in chunks(source, rules.chunks["chunk_letters"]):
            _judge(chunk, rules, identify, tally)
    return _chosen(tally, named, rules)


def _judge(chunk: str, rules: Rules, identify: Identify, tally: _Tally) -> None:
    """Give one chunk its language (or none) in ``tally``."""
    letters = _letter_count(chunk)
    words = tokens(chunk.lower())
    if not letters or not words:
        return
    found = _orthography_of(chunk.lower(), words, rules)
    if found is not None:
        code, hit_letters, hit_words = found
        tally.letters[code] += letters
        tally.evidence_letters.setdefault(code, Counter()).update(hit_letters)
        tally.evidence_words.setdefault(code, Counter()).update(hit_words)
        tally.by.setdefault(code, ORTHOGRAPHY)
        return
    if letters < rules.classifier["min_letters"]:
        return
    ranked = identify(chunk, rules.candidates)
    vietnamese = rules.vietnamese
    shaped = _shaped(words, rules)
    code = None
    if _unmarked_vietnamese(chunk, words, shaped, ranked, rules):
        code = vietnamese["code"]
    elif ranked and ranked[0][1] >= rules.classifier["min_confidence"]:
        code = rules.codes.get(ranked[0][0])
        if ranked[0][0] == vietnamese["classifier_label"] and shaped < vietnamese["min_shape"]:
            code = None        # Vietnamese letters, not Vietnamese syllables
    if code:
        tally.letters[code] += letters
        tally.by.setdefault(code, CLASSIFIER)


def _orthography_of(chunk: str, words: list[str],
                    rules: Rules) -> tuple[str, Counter, Counter] | None:
    """The ethnic-minority language a chunk is in, with the letters and words
    (as written in the rules) that showed it; None when none qualifies."""
    keys = [(key, fold(key)) for key in map(word_key, words)]
    short = len(keys) < rules.chunks["short_tokens"]
    settings = rules.orthography
    best, best_score = None, 0.0
    for lang in rules.orthographies:
        hits = [lang.words[key] if key in lang.words else lang.bare[bare]
                for key, bare in keys if key in lang.words or bare in lang.bare]
        distinct = {shown for shown, _weight in hits}
        share = len(hits) / len(keys)
        letters = Counter({letter: chunk.count(letter) for letter in lang.letters
                           if letter in chunk})
        if short:
            ok = (len(distinct) >= settings["min_words_short"]
                  and share >= settings["min_share_short"]
                  and (bool(letters) or len(distinct) >= settings["min_words"]
                       or max(w for _shown, w in hits) >= settings["strong_weight"]))
        else:
            ok = len(distinct) >= settings["min_words"] and share >= settings["min_share"]
        if not ok:
            continue
        score = sum(w for _shown, w in hits) + sum(lang.letters[x] for x in letters)
        if score > best_score:
            shown: Counter = Counter()
            for word, weight in hits:          # the telling words first, not the short ones
                shown[word] += weight
            best, best_score = (lang.code, letters, shown), score
    return best


def _unmarked(chunk: str) -> bool:
    """No letter beyond a-z: written without any mark."""
    return not any(ord(ch) > 127 and ch.isalpha() for ch in chunk)


def _shaped(words: list[str], rules: Rules) -> float:
    """Share of ``words`` that have the shape of a Vietnamese syllable (marks aside)."""
    return sum(1 for w in words if rules.syllable.fullmatch(fold(w))) / len(words)


def _unmarked_vietnamese(chunk: str, words: list[str], shaped: float,
                         ranked: list[tuple[str, float]], rules: Rules) -> bool:
    """Vietnamese written without marks: no letter beyond a-z, enough words, nearly
    all of them Vietnamese syllables in shape, and the identifier either unsure or
    ranking Vietnamese among its first ``rank`` ("The man in the tin hat" has the
    shape too, and the identifier is sure it is English)."""
    settings = rules.vietnamese
    if not _unmarked(chunk) or len(words) < settings["min_tokens"] or not ranked:
        return False
    unsure = ranked[0][1] < rules.classifier["min_confidence"]
    if not unsure and settings["classifier_label"] not in [
            label for label, _p in ranked[:settings["rank"]]]:
        return False
    return shaped >= settings["min_share"]


def _chosen(tally: _Tally, named: dict[str, str], rules: Rules) -> list[LanguageHint]:
    total = sum(tally.letters.values())
    settings = rules.suggest
    picked = [_hint(tally, code, total, NAMED, phrase) for code, phrase in named.items()]
    for code, letters in tally.letters.most_common():
        share = letters / total
        if code not in named and (
                share >= settings["min_share"] or (letters >= settings["min_letters"]
                                                   and share >= settings["min_share_long"])):
            picked.append(_hint(tally, code, total, tally.by[code]))
    return picked[:int(settings["max_languages"])]


def _hint(tally: _Tally, code: str, total: int, by: str, named: str = "") -> LanguageHint:
    letters = tally.evidence_letters.get(code, Counter())
    words = tally.evidence_words.get(code, Counter())
    return LanguageHint(code, _share(tally, code, total), by,
                        letters=tuple(x for x, _n in letters.most_common(3)),
                        words=tuple(x for x, _n in words.most_common(3)), named=named)


def _share(tally: _Tally, code: str, total: int) -> float | None:
    return round(tally.letters[code] / total, 3) if total and tally.letters[code] else None
