"""A phrase's scan of the whole segment reads the one-byte fingerprints of the word
hashes first (issue 25): it finds exactly the places a comparison of every full hash
finds - for rare and common words, in chunks where the fingerprint is common (compared
whole) and rare (checked place by place), across documents and segments - and the
phrases found are the same."""
from __future__ import annotations

import random

import numpy as np
import pytest

from search_index import IndexedProduct, SearchIndex, SearchQuery
from search_index import phrases, sequences
from search_index.analysis import word_hash
from search_index.evaluate import leaves
from search_index.segments import PostingsCache, SegmentData
from search_index.sequences import fingerprints

WORDS = [f"tu{i}" for i in range(300)] + ["bảo", "vệ", "rừng", "đầu", "nguồn"]


def _text(rng: random.Random, n: int) -> str:
    # Zipf-like: a few words are in most places (dense fingerprints), most are rare
    return " ".join(WORDS[min(int(rng.paretovariate(0.7)) - 1, len(WORDS) - 1)] for _ in range(n))


@pytest.fixture(scope="module")
def index(tmp_path_factory):
    rng = random.Random(7)
    ix = SearchIndex(tmp_path_factory.mktemp("fingerprints") / "index", result_cache_size=0)
    ix.upsert([IndexedProduct(i, f"Bản tin {i}", _text(rng, rng.randint(5, 400)))
               for i in range(1, 150)])
    ix.upsert([IndexedProduct(i, "Rừng", "bảo vệ rừng đầu nguồn " + _text(rng, 50))
               for i in range(150, 160)])                      # a second segment
    yield ix
    ix.close()


def _layouts(ix: SearchIndex):
    searcher = ix._current_searcher()
    for reader, _ in leaves(searcher):
        yield reader, SegmentData(reader, PostingsCache(0))._layout(reader, "seq")


def test_fingerprints_are_the_top_byte_of_each_hash():
    hashes = np.array([word_hash(w) for w in ("bảo", "vệ", "rừng")] + [0], dtype=np.uint64)
    assert fingerprints(hashes) == bytes(int(h) >> 56 for h in hashes.tolist())


def _runs(words: np.ndarray, hashes: list[int]) -> list[int]:
    """Brute force: every place where ``hashes`` start consecutively."""
    listed = words.tolist()
    return [i for i in range(len(listed) - len(hashes) + 1)
            if listed[i] == hashes[0] and listed[i:i + len(hashes)] == hashes]


def _docs(layout, words: np.ndarray, hashes: list[int]) -> list[int]:
    """Brute force: the documents holding a run of ``hashes`` that ends inside them."""
    ends = (layout.offsets + layout.counts).tolist()
    owners = [int(np.searchsorted(layout.offsets, p, side="right") - 1) for p in _runs(words, hashes)]
    return sorted({d for d, p in zip(owners, _runs(words, hashes)) if p + len(hashes) <= ends[d]})


@pytest.mark.parametrize("fingerprinted", [True, False])
@pytest.mark.parametrize("chunk", [1 << 20, 1000])
def test_a_scan_finds_every_place_of_a_phrase_and_no_other(index, chunk, fingerprinted, monkeypatch):
    monkeypatch.setattr(sequences, "SCAN_CHUNK", chunk)
    rng = random.Random(chunk)
    checked = common = 0
    for reader, layout in _layouts(index):
        assert layout.fingerprints == "seqtop"
        if not fingerprinted:
            layout.fingerprints = None
        words = layout._all_words(reader)
        phrases_ = [[word_hash(w)] for w in ("tu0", "tu150", "không có")]
        # runs of the text itself, 1 to 7 words (past COMPARED_WORDS: some checked later)
        for _ in range(40):
            at, size = rng.randrange(layout.total - 7), rng.randint(1, 7)
            phrases_.append([int(h) for h in words[at:at + size]])
        phrases_.append([word_hash("tu0"), word_hash("tu0")])
        for hashes in phrases_:
            expected = _runs(words, hashes)
            assert layout.starts(reader, hashes).tolist() == expected, hashes
            checked += 1
            common += len(expected) > 100
    assert checked == 2 * 44 and common > 0


def test_phrases_found_by_a_scan_are_the_same_with_and_without_fingerprints(index, monkeypatch):
    monkeypatch.setattr(phrases, "MATCHING", "scan")
    rng = random.Random(3)
    queries = ['"bảo vệ rừng"', '"bao ve rung dau nguon"', '"nguồn bảo"'] + [
        f'"{rng.choice(WORDS[:20])} {rng.choice(WORDS[:40])}"' for _ in range(20)]
    with_fp = {q: _ids(index, q) for q in queries}
    monkeypatch.setattr(sequences, "FINGERPRINT_COLUMNS", {})
    index._segments.clear()
    index._postings = PostingsCache(0)
    without = {q: _ids(index, q) for q in queries}
    assert with_fp == without
    assert with_fp['"bảo vệ rừng"'] == list(range(150, 160))
    assert sum(1 for ids in with_fp.values() if ids) > 10


def _ids(ix: SearchIndex, text: str) -> list[int]:
    return sorted(h.id for h in ix.search(SearchQuery(text=text, per_page=200)).hits)


def test_a_scan_finds_the_documents_of_the_places_inside_them(index, monkeypatch):
    """Documents from the places found one document at a time (the first candidate of
    each, then the next where it failed) are those of every checked place that does
    not cross into the next document - with fingerprints that often match falsely."""
    rng = random.Random(11)
    for reader, layout in _layouts(index):
        words = layout._all_words(reader)
        phrases_ = [[word_hash("tu0"), word_hash("tu0")], [word_hash("tu1"), word_hash("tu0")]]
        phrases_ += [[int(h) for h in words[at:at + rng.randint(1, 7)]]
                     for at in (rng.randrange(layout.total - 7) for _ in range(30))]
        for hashes in phrases_:
            assert layout.scan(reader, hashes).tolist() == _docs(layout, words, hashes)


def test_documents_whose_first_candidates_are_false_are_checked_further(index, monkeypatch):
    """Every place a candidate (as if every fingerprint matched): the first candidate of
    most documents is false, the next ones are checked until a true one or none."""
    found = 0
    for reader, layout in _layouts(index):
        words = layout._all_words(reader)
        for hashes in ([word_hash("bảo"), word_hash("vệ")], [word_hash("tu3")],
                       [word_hash("tu0"), word_hash("tu1"), word_hash("tu0")]):
            expected = layout.scan(reader, hashes).tolist()
            everywhere = np.arange(layout.total - len(hashes) + 1, dtype=np.int64)
            monkeypatch.setattr(layout, "_candidates", lambda _r, _h, e=everywhere: (e, False))
            assert layout.scan(reader, hashes).tolist() == expected
            monkeypatch.undo()
            assert expected == _docs(layout, words, hashes)
            found += len(expected)
    assert found > 10
