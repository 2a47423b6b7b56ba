"""Words said in captions and transcripts: found like any text, the hit says at which
moment, and the two flags filter and count."""
from __future__ import annotations

import pytest

from search_index import IndexedProduct, SearchIndex, SearchQuery, TrackText
from search_index.cues import best_cue, decode_cues, encode_cues

P = IndexedProduct
TRANSCRIPT = TrackText(10, 100, "transcript", [
    (0, "Kính thưa bà con"), (61_500, "Hôm nay nói về tiêm chủng mở rộng"),
    (135_000, "Trẻ em dưới một tuổi được tiêm vắc-xin miễn phí"),
    (200_000, "Tiêm chủng là quyền của trẻ em")])
CAPTIONS = TrackText(20, 200, "captions", [(5_000, "Lễ hội cồng chiêng"),
                                           (9_000, "Nhà rông Kon Klor")])


@pytest.fixture(scope="module")
def index(tmp_path_factory) -> SearchIndex:
    ix = SearchIndex(tmp_path_factory.mktemp("ix") / "index")
    ix.upsert([
        P(1, "Bản tin sáng", "Thời sự địa phương", tracks=[TRANSCRIPT]),
        P(2, "Phóng sự văn hoá", "Cồng chiêng Tây Nguyên", tracks=[CAPTIONS]),
        P(3, "Tiêm chủng cho trẻ em", "Tờ rơi của trạm y tế"),
    ])
    yield ix
    ix.close()


def test_a_word_said_only_in_a_transcript_is_found_with_its_moment(index):
    result = index.search(SearchQuery(text="vắc-xin miễn phí"))
    assert [h.id for h in result.hits] == [1]
    cue = result.hits[0].cue
    assert (cue.file_id, cue.track_id, cue.kind, cue.start_s) == (10, 100, "transcript", 135.0)
    assert "<mark>miễn</mark> <mark>phí</mark>" in cue.html


def test_the_cue_with_most_words_wins_and_folded_words_match(index):
    [hit] = index.search(SearchQuery(text="quyen tre em tiem chung")).hits
    assert hit.cue.start_s == 200.0                    # all four words in the last cue


def test_a_phrase_said_in_a_transcript_matches(index):
    assert [h.id for h in index.search(SearchQuery(text='"tiêm chủng mở rộng"')).hits] == [1]


def test_a_hit_not_said_in_a_track_has_no_moment(index):
    [hit] = index.search(SearchQuery(text="tờ rơi")).hits
    assert hit.id == 3 and hit.cue is None


def test_captions_and_transcript_flags_filter_and_count(index):
    every = index.search(SearchQuery(facets=["has_captions", "has_transcript"]))
    assert every.facets["has_captions"] == {"false": 2, "true": 1}
    assert every.facets["has_transcript"] == {"false": 2, "true": 1}
    only = index.search(SearchQuery(filters={"has_captions": ["true"]}))
    assert [h.id for h in only.hits] == [2]
    assert [h.id for h in index.search(
        SearchQuery(text="nhà rông", filters={"has_transcript": ["true"]})).hits] == []


def test_cues_keep_transcripts_first_and_best_cue_needs_a_word():
    blob = encode_cues([CAPTIONS, TRANSCRIPT])
    assert [t[2] for t in decode_cues(blob)] == ["transcript", "captions"]
    assert decode_cues(blob)[0][3] == [0, 61_500, 135_000, 200_000]
    assert decode_cues(b"") == [] and encode_cues([]) == b""
    assert best_cue(blob, {"congchieng"}) is None
    assert best_cue(blob, set()) is None
    assert best_cue(blob, {"chieng"}).start_s == 5.0


def test_the_moment_is_of_a_whole_word_and_a_tie_goes_to_the_transcript():
    blob = encode_cues([CAPTIONS, TRANSCRIPT])
    assert best_cue(blob, {"em"}).start_s == 135.0         # not inside "tiêm" at 61.5 s
    tie = best_cue(blob, {"chieng", "tiem"})                # one word in each track
    assert (tie.kind, tie.start_s) == ("transcript", 61.5)
    three = best_cue(blob, {"tre", "em", "mien"})          # all three at 135 s, two at 200 s
    assert (three.start_s, three.html.count("<mark>")) == (135.0, 3)


def test_the_moment_found_is_the_first_cue_with_most_query_words_on_random_tracks():
    import random

    from search_index.analysis import folded_words

    rng = random.Random(5)
    vocabulary = ["tiêm", "chủng", "trẻ", "em", "quyền", "xã", "Đắk", "hà", "ơ̆", "nhà", "rông"]
    for _ in range(300):
        cues = [(1000 * i, " ".join(rng.choice(vocabulary) for _ in range(rng.randint(1, 8))))
                for i in range(rng.randint(1, 30))]
        terms = {w for _ in range(rng.randint(1, 4)) for w in folded_words(rng.choice(vocabulary))}
        held = [len(terms & set(folded_words(text))) for _, text in cues]
        hit = best_cue(encode_cues([TrackText(1, 2, "transcript", cues)]), terms)
        if max(held) == 0:
            assert hit is None
        else:
            assert hit.start_s == cues[held.index(max(held))][0] / 1000
