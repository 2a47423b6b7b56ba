"""Snippets mark the words a person searched for, wherever they are in a long text."""
from __future__ import annotations

import random
import unicodedata

from search_index.analysis import WORD_PATTERN, folded_form, folded_words
from search_index.highlight import _matched_spans, mark, snippet

WORDS = ["Quyền", "quyen", "trẻ", "em", "tiêm", "Đắk", "Hà", "ƀôn", "nơ̆r", "K'Bang", "ĐĂK",
         "vắc-xin", "2025", "x_y", "İstanbul", "Straße", "phường", "’lơ̆ng", "Kon", "Tum",
         "hội", "nghị", "Công", "ước", "a", "ă", "ễ",
         unicodedata.normalize("NFD", "Nguyễn Quyền"), unicodedata.normalize("NFD", "Đắk")]
GLUE = [" ", " ", " ", ", ", ". ", "\n", " - ", "/", "(", ") ", "'", "’ ", " \u0306", "''", "\u0306",
        "ß ", "_"]


def reference(text: str, terms: set[str]) -> list[tuple[int, int]]:
    """What a snippet marks: every word whose folded form is a query word."""
    return [m.span() for m in WORD_PATTERN.finditer(text) if folded_form(m.group()) in terms]


def test_the_words_marked_are_those_a_word_by_word_fold_finds():
    rng = random.Random(7)
    for _ in range(3000):
        text = "".join(rng.choice(WORDS) + rng.choice(GLUE) for _ in range(rng.randint(1, 40)))
        terms = {w for _ in range(rng.randint(1, 3)) for w in folded_words(rng.choice(WORDS))}
        assert _matched_spans(text, terms) == reference(text, terms), (text, terms)


def test_accents_case_and_apostrophes_are_ignored_and_only_whole_words_count():
    assert mark("Quyền trẻ em, QUYEN", {"quyen"}) == "<mark>Quyền</mark> trẻ em, <mark>QUYEN</mark>"
    assert mark("Tiêm chủng", {"em"}) == "Tiêm chủng"                  # not inside a word
    assert mark("Huyện K'Bang", {"kbang"}) == "Huyện <mark>K&#x27;Bang</mark>"
    assert mark("nơ̆r Đắk", {"nor", "dak"}) == "<mark>nơ̆r</mark> <mark>Đắk</mark>"
    typed_apart = unicodedata.normalize("NFD", "Ông Nguyễn")      # marks typed after letters
    before, name = typed_apart[:5], typed_apart[5:]
    assert mark(typed_apart, {"nguyen"}) == f"{before}<mark>{name}</mark>"


def test_a_snippet_shows_the_part_of_a_long_text_where_the_words_are():
    text = "Mở đầu. " * 300 + "Buổi nói chuyện về quyền trẻ em tại xã." + " Kết thúc." * 50
    out = snippet(["", text], {"quyen", "tre"})
    assert out.startswith("… ") and "<mark>quyền</mark> <mark>trẻ</mark> em" in out
    assert snippet(["Không có gì"], {"quyen"}) == "Không có gì"
