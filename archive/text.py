"""Vietnamese-aware text normalisation, folding and ordering.

Used by the whole catalogue on the way in (titles, descriptions, filenames, CSV
cells) and by the search index, so that a word typed on any keyboard, pasted from
a PDF or read by OCR ends up as the same code points.

Decisions (and why):

* **NFC, with Vietnamese mark order repaired first.** Canonical ordering only
  reorders marks of *different* combining classes; circumflex, breve, hook,
  tilde, grave and acute all share class 230, so ``e`` + acute + circumflex is
  a different (and non-composing) sequence from ``e`` + circumflex + acute.
  Vietnamese (and Bahnar, Sedang, M'Nông) letters always carry the *shape*
  mark (horn, circumflex, then breve) under the *tone* mark, so inside a run of
  only these marks we stable-sort shape marks before tone marks; NFC then gives
  ``ế``. Runs holding any other mark are left exactly as typed.
* **Breve letters without a precomposed form survive.** ``ơ̆`` (ơ + U+0306),
  ``ô̆``, ``ê̆``, ``ư̆`` stay base + combining breve after NFC; nothing here
  strips or splits them.
* **Apostrophes become ASCII ``'`` (U+0027).** Bahnar writes a glottal onset
  with an apostrophe (``'lơ̆ng``, ``'noh``, ``K'Bang``) that arrives as ’ ‘ ʼ `
  ´ or ′ depending on keyboard, word processor or OCR. U+02BC would be the
  linguist's choice, but nobody can type it: the ASCII form is what every
  keyboard, CSV file and search box produces, so stored text and typed queries
  agree without special input. A look-alike is treated as an apostrophe when a
  letter or digit follows it (word-initial or word-inner); a closing quote
  after a word is left alone. U+02BC is always an apostrophe.
* **Eth becomes D with stroke.** ``Ð``/``ð`` (U+00D0/U+00F0) and African ``Ɖ``
  (U+0189) look like ``Đ``/``đ`` and are what some keyboards, fonts and OCR
  produce for them; Vietnamese has no eth.
"""
from __future__ import annotations

import re
import functools
import unicodedata

# Look-alikes of the letter D with stroke, mapped on the way in.
_STROKE_D_LOOKALIKES = str.maketrans({"\u00d0": "\u0110", "\u00f0": "\u0111", "\u0189": "\u0110"})

_HORN, _CIRCUMFLEX, _BREVE = "\u031b", "\u0302", "\u0306"
_GRAVE, _HOOK, _TILDE, _ACUTE, _DOT = "\u0300", "\u0309", "\u0303", "\u0301", "\u0323"
# Order in which marks are stacked on a Vietnamese-script vowel: shape first.
_STACK_ORDER = {_HORN: 0, _CIRCUMFLEX: 1, _BREVE: 2,
                _GRAVE: 3, _HOOK: 3, _TILDE: 3, _ACUTE: 3, _DOT: 3}

_APOSTROPHE_LOOKALIKES = "\u2019\u2018\u02bc`\u00b4\u2032"
_APOSTROPHE_BEFORE_WORD = re.compile(f"[{_APOSTROPHE_LOOKALIKES}](?=\\w)")
_ZERO_WIDTH = re.compile("[\u200b\u200c\u200d\u2060\ufeff\u00ad\u200e\u200f\u202a-\u202e\u2066-\u2069]")
_HORIZONTAL_SPACE = re.compile(r"[^\S\n]+")
_SPACE_AROUND_NEWLINE = re.compile(r" *\n *")
_MANY_NEWLINES = re.compile(r"\n{3,}")
_PATH_SEPARATORS = re.compile(r"[/\\]")

# Letters that lose nothing under NFD and so must be folded by hand.
_FOLD_LETTERS = str.maketrans({
    "đ": "d", "Đ": "d", "ð": "d", "Ð": "d", "Ɖ": "d", "ɖ": "d",
    "ƀ": "b", "Ƀ": "b", "ħ": "h", "Ħ": "h", "ł": "l", "Ł": "l",
    "ø": "o", "Ø": "o", "ŧ": "t", "Ŧ": "t", "ɨ": "i", "ʉ": "u",
    "ʼ": "'", "’": "'", "‘": "'", "`": "'", "´": "'", "′": "'",
})


_ANY_MARK = re.compile("[\u0300-\u036f\u1ab0-\u1aff\u1dc0-\u1dff\u20d0-\u20ff\ufe20-\ufe2f]")
_MARK_RUN = re.compile("[\u0300-\u036f\u1ab0-\u1aff\u1dc0-\u1dff\u20d0-\u20ff\ufe20-\ufe2f]{2,}")


def _sort_run(m: re.Match) -> str:
    run = m.group()
    if all(ch in _STACK_ORDER for ch in run):
        return "".join(sorted(run, key=_STACK_ORDER.__getitem__))
    return run


# After canonical ordering only same-class (230) marks can be out of order:
# grave, acute, tilde or hook typed before circumflex or breve.
_TONE_BEFORE_SHAPE = re.compile("[\u0300\u0301\u0303\u0309][\u0302\u0306]")


def _reorder_vietnamese_marks(decomposed: str) -> str:
    """Stable-sort runs of Vietnamese shape/tone marks so shape marks come first."""
    if not _TONE_BEFORE_SHAPE.search(decomposed):  # the usual case: nothing to repair
        return decomposed
    return _MARK_RUN.sub(_sort_run, decomposed)


def _compose(s: str) -> str:
    """NFC after mapping eth look-alikes and repairing the order of marks."""
    s = s.translate(_STROKE_D_LOOKALIKES)
    return unicodedata.normalize("NFC", _reorder_vietnamese_marks(unicodedata.normalize("NFD", s)))


_CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f]")


def _drop_control_chars(s: str) -> str:
    s = s.replace("\r\n", "\n").replace("\r", "\n").replace("\u2028", "\n").replace("\u2029", "\n")
    return _CONTROL.sub("", s.replace("\t", " "))


def normalize_text(s: str) -> str:
    """Return ``s`` as the catalogue stores it (see the module docstring).

    NFC with Vietnamese mark order repaired, eth mapped to Đ/đ, apostrophe
    look-alikes before a letter made ``'``, control and zero-width characters
    removed, every kind of space made one ASCII space, runs of spaces collapsed,
    at most one blank line kept, and the ends trimmed. Line breaks are kept
    (descriptions have paragraphs). ``None`` is not accepted.
    """
    s = _drop_control_chars(_ZERO_WIDTH.sub("", s))
    s = _compose(s)
    s = _APOSTROPHE_BEFORE_WORD.sub("'", s).replace("\u02bc", "'")
    s = _HORIZONTAL_SPACE.sub(" ", s)
    s = _SPACE_AROUND_NEWLINE.sub("\n", s)
    s = _MANY_NEWLINES.sub("\n\n", s)
    return s.strip()


def normalize_filename(s: str) -> str:
    """Return a display/search form of a user's file name: one line, no path.

    Keeps only the last path component (browsers and zip files send
    ``C:\\Users\\...\\file.mp3`` or ``dir/file``), normalises it like
    :func:`normalize_text`, joins lines with a space and trims leading dots and
    spaces. Vietnamese letters are kept. The result is never used as a storage
    path (storage keys are content hashes); it may be empty.
    """
    s = _PATH_SEPARATORS.split(s)[-1]
    s = normalize_text(s).replace("\n", " ")
    return s.lstrip(". ").rstrip(" ")


def _fold_chars(s: str) -> str:
    decomposed = unicodedata.normalize("NFD", s.translate(_FOLD_LETTERS))
    return unicodedata.normalize("NFC", _ANY_MARK.sub("", decomposed)).casefold()


# Folding text of thousands of characters (a document's text, a snippet's) with the three
# passes above costs about 0.15 µs a character, most of it in str.translate and the mark
# substitution; a lookup table of what each character folds to does it in one numpy
# gather, about 20 times faster. The table covers the scripts where folding is character
# by character — Latin (Vietnamese and the ethnic orthographies), Greek, Cyrillic,
# combining marks, punctuation: NFC recomposes nothing there once the marks are gone —
# and text with any other character, or with a character that folds to several, goes
# the slow way (both give the same result: tests/unit/archive/test_text_fold.py).
_TABLE_SIZE = 0x2100
_DROP, _OTHER = 0xFFFFFFFE, 0xFFFFFFFF
_FAST_FROM = 64  # characters; below, the table's setup costs more than it saves


def _table_entry(code: int) -> int:
    if not (code < 0x0590 or 0x1AB0 <= code < 0x1B00 or 0x1D00 <= code):
        return _OTHER
    char = chr(code)
    folded = _fold_chars(char)
    if folded == "":
        return _DROP
    if len(folded) != 1 or unicodedata.combining(char) or 0xD800 <= code < 0xE000:
        return _OTHER
    return ord(folded)


@functools.lru_cache(maxsize=1)
def _fold_table():
    import numpy as np   # here, not at import: archive is imported by every door
    return np.array([_table_entry(code) for code in range(_TABLE_SIZE)], dtype=np.uint32)


def _folded_codes(s: str):
    """Per character of ``s``: the code point it folds to, or _DROP; None when some
    character is outside the table or folds to several."""
    import numpy as np
    codes = np.frombuffer(s.encode("utf-32-le", "surrogatepass"), dtype=np.uint32)
    if not len(codes) or int(codes.max()) >= _TABLE_SIZE:
        return None
    mapped = _fold_table()[codes]
    if (mapped == _OTHER).any():
        return None
    return mapped


def fold(s: str) -> str:
    """Search key: lower case, no combining marks, stroke letters plain.

    ``Quyền`` -> ``quyen``, ``Đăk`` -> ``dak``, ``ƀôn`` -> ``bon``,
    ``nơ̆r`` -> ``nor``; apostrophe look-alikes become ``'`` (kept: the search
    analyser decides whether to drop them).
    """
    if len(s) >= _FAST_FROM:
        mapped = _folded_codes(s)
        if mapped is not None:
            return mapped[mapped != _DROP].tobytes().decode("utf-32-le")
    return _fold_chars(s)


def fold_with_places(s: str, drop: str = ""):
    """:func:`fold` of ``s`` without the characters of ``drop`` (after folding), and for
    each character of the result the index in ``s`` it comes from (a numpy int array):
    a word found in the folded text can be marked in the original. None when a
    character of ``s`` folds to several (``ß`` -> ``ss``) or is outside the scripts
    folded character by character (see ``_TABLE_SIZE``)."""
    import numpy as np
    mapped = _folded_codes(s)
    if mapped is None:
        return None
    keep = mapped != _DROP
    for char in drop:
        keep &= mapped != ord(char)
    places = np.flatnonzero(keep)
    return mapped[places].tobytes().decode("utf-32-le"), places


# --- Vietnamese alphabetical order -------------------------------------------

# Secondary key: none, huyền, hỏi, ngã, sắc, nặng.
_TONE_RANK = {_GRAVE: 1, _HOOK: 2, _TILDE: 3, _ACUTE: 4, _DOT: 5}
_STROKE_LETTERS = {"đ": "d", "ƀ": "b"}
_LETTER_BASE = 100     # after spaces (0), punctuation (1) and digits (2..11)
_OTHER_BASE = 1000     # letters outside a-z, by code point


def _shape_rank(marks: set[str], stroked: bool) -> int:
    """a < ă < â, o < ŏ < ô < ô̆ < ơ < ơ̆, u < ŭ < ư, d < đ, b < ƀ."""
    if stroked:
        return 1
    breve = _BREVE in marks
    if _HORN in marks:
        return 5 if breve else 4
    if _CIRCUMFLEX in marks:
        return 3 if breve else 2
    return 1 if breve else 0


def _primary_weight(base: str, marks: set[str]) -> int:
    lower = base.lower()
    stroked = lower in _STROKE_LETTERS
    lower = _STROKE_LETTERS.get(lower, lower)
    if "a" <= lower <= "z":
        return _LETTER_BASE + (ord(lower) - ord("a")) * 8 + _shape_rank(marks, stroked)
    if lower.isdigit() and lower.isascii():
        return 2 + int(lower)
    if lower.isspace():
        return 0
    if not lower.isalnum():
        return 1
    return _OTHER_BASE + ord(lower)


@functools.lru_cache(maxsize=20_000)
def sort_key(s: str) -> tuple:
    """Key ordering strings in Vietnamese alphabetical order (kept for the last 20,000
    strings: the same unit and term names are sorted on every dashboard request).

    Letters compare by the Vietnamese alphabet (a ă â b c d đ e ê g h i k l m n
    o ô ơ p q r s t u ư v x y, with f j w z at their Latin places and the
    Bahnar/Sedang breve letters right after their base: ĕ after e, ŏ after o,
    ơ̆ after ơ, ƀ after b); then tones (none, huyền, hỏi, ngã, sắc, nặng) left to
    right; then case (lower first); then the text itself, so the order is
    total. ``Đăk`` sorts after every ``D...`` word and before ``E``. Spaces
    sort before everything, so ``Đăk Kôi`` < ``Đăka``.
    """
    text = normalize_text(s).translate(_STROKE_D_LOOKALIKES)
    primary: list[int] = []
    tones: list[int] = []
    cases: list[int] = []
    for base, marks in _clusters(unicodedata.normalize("NFD", text)):
        primary.append(_primary_weight(base, marks))
        tones.append(max((_TONE_RANK.get(m, 0) for m in marks), default=0))
        cases.append(1 if base.isupper() else 0)
    return tuple(primary), tuple(tones), tuple(cases), text


def _clusters(decomposed: str) -> list[tuple[str, set[str]]]:
    """Split NFD text into (base character, set of its combining marks)."""
    clusters: list[tuple[str, set[str]]] = []
    for ch in decomposed:
        if unicodedata.combining(ch) and clusters:
            clusters[-1][1].add(ch)
        else:
            clusters.append((ch, set()))
    return clusters
