"""Phrases found through each document's word order (issue 27): the same documents as
a scan of the whole column, at field edges, document ends, repeated words, phrases of
three words and more, transcripts and documents past 65,536 words; and an index of the
format before it is refused until rebuilt."""
from __future__ import annotations

import numpy as np
import pytest
from whoosh import fields as wfields
from whoosh import index as whoosh_index

from archive.errors import ServiceUnavailable
from search_index import IndexedProduct, SearchIndex, SearchQuery, TrackText
from search_index import phrases
from search_index.schema import build_schema
from search_index.word_order import word_order

P = IndexedProduct
WAYS = ("lookup", "scan", "gather")
TRANSCRIPT = TrackText(10, 100, "transcript", [
    (0, "Kính thưa bà con"), (61_500, "Hôm nay nói về tiêm chủng mở rộng"),
    (135_000, "Trẻ em dưới một tuổi được tiêm vắc-xin miễn phí")])
LONG = 70_000       # words: past 65,536, the document's positions take 4 bytes each
LAST = f"w{(LONG - 4) % 997}"      # the long text's last numbered word


def _long_text() -> str:
    words = [f"w{i % 997}" for i in range(LONG - 3)]
    return " ".join(words) + " cuối cùng rồi"


@pytest.fixture(scope="module")
def index(tmp_path_factory):
    ix = SearchIndex(tmp_path_factory.mktemp("order") / "index", result_cache_size=0)
    ix.upsert([
        P(1, "Rừng: bản tin sáng", "Tuyên truyền bảo vệ"),          # ends with "bảo vệ"
        P(2, "Bảo vệ", "rừng đầu nguồn của làng"),                   # across title | description
        P(3, "Tài liệu", tags=["bảo vệ", "rừng đầu"]),               # across two tags
        P(4, "Em em em", "ca ca ca ca dao dao ca ca dao"),           # repeated words
        P(5, "Bản tin", "Người dân cùng bảo vệ rừng đầu nguồn."),
        P(6, "Tiêm chủng", "Bản tin sáng", tracks=[TRANSCRIPT]),
    ])
    ix.upsert([P(7, "Sách dài", text=_long_text()),
               P(8, "Tuyên truyền", "bảo vệ rừng")])                # second segment; the last words
    yield ix
    ix.close()


def _ids(ix: SearchIndex, text: str) -> list[int]:
    return sorted(h.id for h in ix.search(SearchQuery(text=text, per_page=50)).hits)


CASES = [
    ('"bảo vệ rừng"', [5, 8]),                     # not 2 (title | description) nor 3 (two tags)
    ('"vệ rừng"', [5, 8]),
    ('"bao ve rung dau nguon"', [5]),
    ('"bảo vệ rừng đầu"', [5]),
    ('"truyen bao ve"', [1]),                      # at a document's end
    ('"sáng tuyên truyền"', []),                   # title | description
    ('"rừng bản tin"', [1]),                       # a document's first words
    ('"em em"', [4]), ('"em em em"', [4]), ('"em em em em"', []),
    ('"ca ca ca ca"', [4]), ('"ca dao dao ca"', [4]), ('"dao ca ca dao"', [4]),
    ('"ca dao ca"', []), ('"ca ca ca ca ca"', []),
    ('"tiêm chủng mở rộng"', [6]), ('"mở rộng trẻ em"', [6]),  # said in a transcript; across cues
    ('"cuối cùng rồi"', [7]), (f'"{LAST} cuoi"', [7]), ('"w996 w0"', [7]),
    ('"rồi tuyên"', []),                           # never across two documents
]


@pytest.mark.parametrize("way", WAYS)
def test_each_way_finds_the_documents_a_scan_of_their_words_does(index, way, monkeypatch):
    monkeypatch.setattr(phrases, "MATCHING", way)
    for text, ids in CASES:
        assert _ids(index, text) == ids, (way, text)


def test_the_cheapest_way_is_chosen_and_agrees(index, monkeypatch):
    chosen = {text: _ids(index, text) for text, _ in CASES}
    assert chosen == dict(CASES)


def test_a_phrase_said_in_a_transcript_keeps_its_moment(index, monkeypatch):
    monkeypatch.setattr(phrases, "MATCHING", "lookup")
    [hit] = index.search(SearchQuery(text='"vắc-xin miễn phí"')).hits
    assert (hit.id, hit.cue.kind, hit.cue.start_s) == (6, "transcript", 135.0)


def test_the_order_is_positions_sorted_by_hash_two_bytes_or_four():
    hashes = np.array([9, 3, 0, 3, 7, 9, 3], dtype="<u8")
    order = np.frombuffer(word_order(hashes), dtype="<u2")
    assert order.tolist() == [2, 1, 3, 6, 4, 0, 5]
    assert len(word_order(np.zeros(0, dtype="<u8"))) == 0
    wide = np.arange(LONG, 0, -1, dtype="<u8")
    assert np.frombuffer(word_order(wide), dtype="<u4")[:2].tolist() == [LONG - 1, LONG - 2]


def test_an_index_of_the_format_before_the_word_order_is_refused_then_rebuilt(tmp_path):
    old = build_schema()
    old.remove("order")                 # what Kho wrote before issue 27
    (tmp_path / "index").mkdir()
    whoosh_index.create_in(str(tmp_path / "index"), old)
    writer = whoosh_index.open_dir(str(tmp_path / "index")).writer()
    writer.add_document(id="1", pid=1, title=["bao", "ve"], seq=b"")
    writer.commit()
    ix = SearchIndex(tmp_path / "index")
    try:
        assert not ix.is_current()
        with pytest.raises(ServiceUnavailable, match="reindex"):
            ix.search(SearchQuery(text='"bảo vệ"'))
        ix.rebuild([P(1, "Bảo vệ rừng")])            # `kho reindex`
        assert ix.is_current() and _ids(ix, '"bảo vệ"') == [1]
        assert isinstance(whoosh_index.open_dir(str(tmp_path / "index")).schema["order"],
                          wfields.COLUMN)
    finally:
        ix.close()
