"""Vietnamese typed in a legacy encoding (TCVN3, VNI, VISCII), found and converted to
Unicode NFC — the one home of that decision for documents, PDFs, plain text, manifests,
attendance sheets and captions.

Callers: :func:`repair_legacy_text` for text already decoded (what a .docx, PDF, XLSX
cell or caption gives), :func:`decode_legacy_bytes` for bytes that are not UTF-8 (a CSV
or TXT saved in a legacy code page). Both return a :class:`Repair`: the text to use, the
encoding converted from (None: kept as is), a confidence, and ``suspected`` when the
text looked legacy but not surely enough — then it is kept as is and the caller warns.

How it decides, and why it cannot spoil Unicode text:

1. **Lines holding Unicode Vietnamese are never touched.** A legacy text read as
   Latin-1 has no letter or combining mark above U+00FF; a line with one (``ộ ư đ``,
   Bahnar ``ƀ ŏ ĕ ĭ ŭ``, ``ơ̆``, NFD marks) is Unicode and stays as it is.
2. **Every other line is read through each table** (:mod:`ingest.legacy_tables`), and
   each word the table changes is checked with :func:`ingest.vietnamese_syllables.
   is_syllable` before and after. A *repaired* word was no syllable and becomes one
   (``héi`` → ``hội``); a *spoiled* word was one and stops being one.
3. **Confidence** of a table is ``(repaired − spoiled) / informative`` — informative
   words being those the table changes less those that read as Vietnamese either way
   (``Sè`` / ``Số``, no evidence) — times ``1 − 0.5^(repaired + common)``, where
   ``common`` counts repaired words that become one of the commonest syllables (one
   word is weak evidence, five are strong; ``Lê Thị`` is likelier than ``Lế Thỡ``).
   The best table converts when its confidence reaches :data:`CONVERT_AT` and beats the
   next by :data:`MARGIN`. A best table that falls short is ``suspected`` from
   :data:`SUSPECT_AT` on: the text is kept, and the caller warns.
4. **Each line then converts only if it repairs more words than it spoils**, or as many
   while holding a word spelt as Vietnamese never is (``Sè: 125/Q§-UBND``, VNI
   ``Y Bloâng``). So in a
   document pieced together from a legacy file and a Unicode one, a Unicode line such
   as ``Lê Thu Hà`` stays as it is — and a legacy line whose every word also reads as
   Vietnamese (``A Thót`` for *A Thút*) is kept too: the one miss of the sample set.

Why Unicode text is safe: only a word that is *not* a Vietnamese syllable can be
repaired. Unicode Vietnamese words are syllables already (``hòa`` read as TCVN3 is
``hũa``: a syllable either way, no evidence); English, French or German words a table
changes are syllables neither before nor after (``crème`` → ``crốme``), so they lower the
confidence. The labelled samples in ``tests/unit/ingest/legacy_samples.py`` and
``benchmarks/legacy_text_bench.py`` hold this to 0 corrupted Unicode samples.

Why not a library: ``viparse`` 0.1.31 (MIT; its core is pure Python, its extras pull
python-docx, pdfplumber, pytesseract, LangChain, LlamaIndex and an MCP server) converts
the TCVN3 and VNI texts of the issue correctly and corrupted none of the Unicode samples,
but on the labelled set it converts 57 of 84 legacy texts right against 83 here
(``benchmarks/README.md``): it declines text under 24 characters (the names of an
attendance sheet), reads the short TCVN3 name ``Lª ThÞ Hoa`` as VISCII (``Lế Thỡ Hoa``)
and VISCII names as TCVN3, drops VISCII's letters in the C1 range, and gives no
confidence through its public ``fix``. It is a document loader for retrieval pipelines,
first published in 2026 with 31 versions since. The tables are small and published,
so they live here, checked against glibc's charmaps.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any, Iterable, Optional

from ingest.legacy_tables import ENCODINGS, NAMES, convert, source_characters
from ingest.results import OK, StepResult
from ingest.vietnamese_syllables import is_common, is_syllable, unlike_vietnamese

CONVERT_AT = 0.7        # confidence from which a table converts (0..1)
SUSPECT_AT = 0.3        # confidence from which a table that does not convert is named
MARGIN = 0.15           # by how much the best table must beat the next
MAX_SCORED_CHARS = 200_000  # characters scored to decide (a long text is decided on these)
VERSION = "1"           # of the tables and rules: the provenance event names it
STEP, TOOL = "encoding", "kho legacy text"
_LINES = re.compile(r"([^\n\r\f]*)(\r\n|[\n\r\f]|$)")
# a word: anything but spaces, digits, ASCII and general punctuation (legacy letters
# include symbols such as ¨ µ × ÷)
_WORD = re.compile(r"[^\s0-9!-/:-@\[-`{-~\u2000-\u206f\u3000-\u303f]+")


@dataclass(frozen=True)
class Tally:
    """Words of a text a table changes: how many, how many it repairs (``common``: of
    them, how many become one of the commonest syllables), spoils, or leaves a syllable
    either way (``ambiguous``: no evidence); ``marked``: changed words spelt as no
    Vietnamese is (``Q§``, ``QÑ``, ``Bloâng``: :func:`ingest.vietnamese_syllables.
    unlike_vietnamese`)."""

    changed: int = 0
    repaired: int = 0
    spoiled: int = 0
    ambiguous: int = 0
    common: int = 0
    marked: int = 0

    def __add__(self, other: "Tally") -> "Tally":
        return Tally(self.changed + other.changed, self.repaired + other.repaired,
                     self.spoiled + other.spoiled, self.ambiguous + other.ambiguous,
                     self.common + other.common, self.marked + other.marked)

    @property
    def converts_line(self) -> bool:
        """A line converts when it repairs more words than it spoils, or as many while
        holding a legacy mark: ``Sè: 125/Q§-UBND`` does, ``Lê Thu Hà`` does not."""
        return self.changed > 0 and (self.repaired > self.spoiled or
                                     (self.repaired == self.spoiled and self.marked > 0))

    @property
    def confidence(self) -> float:
        """0..1: see the module docstring."""
        informative = self.changed - self.ambiguous
        if not informative or self.repaired <= self.spoiled:
            return 0.0
        gain = (self.repaired - self.spoiled) / informative
        return round(gain * (1 - 0.5 ** (self.repaired + self.common)), 3)


@dataclass(frozen=True)
class Repair:
    """What :func:`repair_legacy_text` found.

    ``text``: the text to store (converted lines in NFC; the input itself when nothing
    was converted). ``encoding``: ``"tcvn3"``, ``"vni"`` or ``"viscii"`` when converted,
    else None. ``confidence``: 0..1 for the best legacy reading. ``suspected``: the
    encoding the text may be in when it was *kept* for want of confidence (warn).
    ``lines``/``words``: lines converted and words they repaired.
    """

    text: str
    encoding: Optional[str] = None
    confidence: float = 0.0
    suspected: Optional[str] = None
    lines: int = 0
    words: int = 0
    scores: dict = field(default_factory=dict, compare=False, repr=False)

    @property
    def converted(self) -> bool:
        return self.encoding is not None

    def describe(self, source: str = "text") -> str:
        """One English line for a provenance event or a log, e.g. ``text converted from
        TCVN3 (ABC, .VnTime) to Unicode: 12 lines, 85 words (confidence 0.98)``; "" when
        there is nothing to say."""
        if self.encoding:
            return (f"{source} converted from {NAMES[self.encoding]} to Unicode: "
                    f"{self.lines} lines, {self.words} words (confidence {self.confidence:.2f})")
        if self.suspected:
            return (f"{source} may be typed in {NAMES[self.suspected]} but the reading is "
                    f"not sure enough (confidence {self.confidence:.2f}): kept as it is")
        return ""


# a letter above U+00FF, or a combining mark: never in text read from legacy bytes
_UNICODE_LETTER = re.compile("(?![\x00-\xff])[^\\W\\d_]|[\u0300-\u036f\u1ab0-\u1aff"
                             "\u1dc0-\u1dff\u20d0-\u20ff\ufe20-\ufe2f]")


@lru_cache(maxsize=None)
def _suspects(encoding: Optional[str]) -> re.Pattern[str]:
    """Any character a sequence of ``encoding`` (None: of any encoding) holds."""
    chars = source_characters(encoding) if encoding else \
        frozenset().union(*(source_characters(e) for e in ENCODINGS))
    return re.compile("[" + "".join(re.escape(c) for c in sorted(chars)) + "]")


@lru_cache(maxsize=200_000)
def _word_tally(word: str, encoding: str) -> tuple[int, ...]:
    """What converting ``word`` does, as the fields of a :class:`Tally`."""
    after = convert(word, encoding)
    if after == word:
        return 0, 0, 0, 0, 0, 0
    before_ok, after_ok = is_syllable(word), is_syllable(after)
    marked = int(unlike_vietnamese(word))
    if after_ok and not before_ok:
        return 1, 1, 0, 0, int(is_common(after)), marked
    return 1, 0, int(before_ok and not after_ok), int(before_ok and after_ok), 0, marked


def _line_tally(line: str, encoding: str, scored: bool) -> Tally:
    """The words of ``line``; ``scored``: one-character words left out (a lone ``µ``
    or ``«`` is no evidence for a whole document)."""
    changed = repaired = spoiled = ambiguous = common = marked = 0
    for word in _WORD.findall(line):
        if not scored or len(word) > 1:
            c, r, s, a, m, k = _word_tally(word, encoding)
            changed, repaired, spoiled, ambiguous, common, marked = (
                changed + c, repaired + r, spoiled + s, ambiguous + a, common + m, marked + k)
    return Tally(changed, repaired, spoiled, ambiguous, common, marked)


def repair_legacy_text(text: str, encoding: Optional[str] = None) -> Repair:
    """``text`` with its legacy-encoded lines converted to Unicode NFC (see the module
    docstring); ``encoding`` skips the detection when the caller already decided it for
    a larger whole (a sheet's cells; confidence is then 1), the line rule still applies.

    Never raises for any ``str``; ``encoding`` outside :data:`ENCODINGS` is KeyError.
    """
    suspects = _suspects(encoding)
    if text.isascii() or not suspects.search(text):
        return Repair(text)
    lines = [m.group(1, 2) for m in _LINES.finditer(text)]
    candidates = [i for i, (line, _) in enumerate(lines)
                  if suspects.search(line) and not _UNICODE_LETTER.search(line)]
    if not candidates:
        return Repair(text)
    scores: dict[str, Tally] = {}
    if encoding is None:
        scores = {e: _document_tally([lines[i][0] for i in candidates], e) for e in ENCODINGS}
        ranked = sorted(scores, key=lambda e: scores[e].confidence, reverse=True)
        best, second = scores[ranked[0]], scores[ranked[1]]
        confidence = best.confidence
        if confidence < CONVERT_AT or confidence - second.confidence < MARGIN:
            suspected = ranked[0] if confidence >= SUSPECT_AT else None
            return Repair(text, None, confidence, suspected, scores=scores)
        encoding = ranked[0]
    else:
        confidence = 1.0                 # the caller decided, on a larger whole
    converted_lines, repaired = 0, 0
    out = [line + end for line, end in lines]
    for i in candidates:
        line = lines[i][0]
        tally = _line_tally(line, encoding, scored=False)
        if tally.converts_line:
            out[i] = convert(line, encoding) + lines[i][1]
            converted_lines += 1
            repaired += tally.repaired
    if not converted_lines:
        return Repair(text, None, confidence, encoding if confidence >= SUSPECT_AT else None,
                      scores=scores)
    return Repair("".join(out), encoding, confidence, None, converted_lines, repaired,
                  scores=scores)


def _document_tally(lines: Iterable[str], encoding: str) -> Tally:
    """The scored words of ``lines``, as far as :data:`MAX_SCORED_CHARS` characters."""
    total, seen = Tally(), 0
    for line in lines:
        total += _line_tally(line, encoding, scored=True)
        seen += len(line)
        if seen >= MAX_SCORED_CHARS:
            break
    return total


def decode_legacy_bytes(data: bytes) -> Repair:
    """``data`` (bytes that are not UTF-8) read as a legacy encoding: a Repair whose
    ``converted`` says whether one was recognised. When it was not, ``text`` is the
    Latin-1 reading and the caller decodes the bytes its own way (Windows-1258)."""
    return repair_legacy_text(data.decode("latin-1"))


def repair_cells(rows: list[list[Any]]) -> tuple[list[list[Any]], Repair]:
    """The cells of a table (a manifest, an attendance sheet) with those typed in a
    legacy encoding converted, and what was found.

    A cell is too short to judge alone (``Hµ``), so the table is judged as a whole: its
    text cells, one line each, decide the encoding, then each cell converts by the line
    rule. Cells that are not text (numbers, dates) are kept. The Repair's ``text`` is
    empty; ``lines`` counts the cells converted.
    """
    texts = [c for row in rows for c in row if isinstance(c, str) and not c.isascii()]
    whole = repair_legacy_text("\n".join(texts))
    if not whole.encoding:
        return rows, Repair("", None, whole.confidence, whole.suspected)
    converted, words, out = 0, 0, []
    done: dict[str, Repair] = {}         # units, groups, positions repeat down a sheet
    for row in rows:
        cells = []
        for cell in row:
            if isinstance(cell, str) and not cell.isascii():
                if cell not in done:
                    done[cell] = repair_legacy_text(cell, whole.encoding)
                repair = done[cell]
                converted += repair.converted
                words += repair.words
                cell = repair.text
            cells.append(cell)
        out.append(cells)
    return out, Repair("", whole.encoding, whole.confidence, None, converted, words)


def encoding_name(encoding: str) -> str:
    """``TCVN3 (ABC, .VnTime)`` for ``"tcvn3"``: how people know the encoding."""
    return NAMES[encoding]


def facts(repair: Repair) -> dict:
    """What a file's technical facts keep of ``repair``: the encoding by name
    (``encoding``, as plain text files have), ``legacy_encoding`` and
    ``legacy_confidence``; ``legacy_encoding_suspected`` for text kept as it was."""
    if repair.encoding:
        return {"encoding": NAMES[repair.encoding], "legacy_encoding": repair.encoding,
                "legacy_confidence": repair.confidence}
    if repair.suspected:
        return {"legacy_encoding_suspected": repair.suspected,
                "legacy_confidence": repair.confidence}
    return {}


def provenance(repair: Optional[Repair], source: str = "text") -> list[StepResult]:
    """The provenance event of a conversion (or of a suspect text kept as it was): one
    ``encoding`` step whose message says what was converted from what; [] when there
    is nothing to say."""
    if repair is None or not (repair.encoding or repair.suspected):
        return []
    return [StepResult(step=STEP, tool=TOOL, tool_version=VERSION, outcome=OK,
                       message=repair.describe(source), metadata=facts(repair))]
