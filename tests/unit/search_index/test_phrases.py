"""Quoted phrases are found inside one text field of one product, by either path."""
from __future__ import annotations

import pytest

from search_index import IndexedProduct, SearchIndex, SearchQuery
from search_index import phrases

P = IndexedProduct
PATHS = ("lookup", "scan", "gather")


@pytest.fixture()        # one per test: a path's words must not be cached by the other's
def index(tmp_path_factory):
    ix = SearchIndex(tmp_path_factory.mktemp("phrases") / "index", result_cache_size=0)
    ix.upsert([
        P(1, "Rừng: bản tin sáng", "Tuyên truyền bảo vệ"),    # ends with "bảo vệ"
        P(2, "Rừng đầu nguồn", "Phóng sự về cây rừng"),         # starts with "rừng"
        P(3, "Bảo vệ", "rừng đầu nguồn của làng"),              # across title and description
        P(4, "Tuyên truyền", "Người dân cùng bảo vệ rừng đầu nguồn."),
        P(5, "Tài liệu", tags=["bảo vệ", "rừng"]),              # across two tags
        P(6, "Quyền trẻ em", "Bảo vệ rừng"),                    # the last words of the index
    ])
    yield ix
    ix.close()


@pytest.mark.parametrize("path", PATHS)
def test_a_phrase_never_spans_two_products_or_two_fields(index, path, monkeypatch):
    monkeypatch.setattr(phrases, "MATCHING", path)
    found = index.search(SearchQuery(text='"bảo vệ rừng"'))
    assert sorted(h.id for h in found.hits) == [4, 6]
    assert index.search(SearchQuery(text='"bao ve rung dau nguon"')).total == 1
    assert index.search(SearchQuery(text='"vệ rừng" "quyền trẻ"')).total == 1
    assert index.search(SearchQuery(text='"sáng tuyên truyền"')).total == 0  # title | description
    assert index.search(SearchQuery(text='"rung ban tin"')).total == 1       # first words of all


def test_a_phrase_asked_again_finds_the_same_from_the_positions_kept(index):
    first = [sorted(h.id for h in index.search(SearchQuery(text=q)).hits)
             for q in ('"bảo vệ rừng"', '"rừng đầu nguồn"')]
    again = [sorted(h.id for h in index.search(SearchQuery(text=q)).hits)   # same anchors
             for q in ('"bảo vệ rừng"', '"rừng đầu nguồn"', '"vệ rừng"')]
    assert first == [[4, 6], [2, 3, 4]] and again == first + [[4, 6]]


@pytest.mark.parametrize("path", PATHS)
def test_a_pasted_phrase_longer_than_the_scored_words_is_matched_whole(tmp_path, path, monkeypatch):
    """A quoted paragraph of more distinct words than a query scores (MAX_WORDS) finds
    the product that says it, not one where a late word differs."""
    from search_index.query import MAX_WORDS

    monkeypatch.setattr(phrases, "MATCHING", path)
    said = [f"tu{i}" for i in range(MAX_WORDS + 8)]
    changed = said[:-3] + ["khac"] + said[-2:]
    ix = SearchIndex(tmp_path / "index", result_cache_size=0)
    ix.upsert([P(1, "Bài nói", " ".join(said)), P(2, "Bài khác", " ".join(changed))])
    try:
        assert [h.id for h in ix.search(SearchQuery(text=f'"{" ".join(said)}"')).hits] == [1]
        assert [h.id for h in ix.search(SearchQuery(text=f'"{" ".join(changed)}"')).hits] == [2]
    finally:
        ix.close()
