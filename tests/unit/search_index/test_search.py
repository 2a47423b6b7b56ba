"""What a commune radio user notices when searching (fixture: conftest.products)."""
from __future__ import annotations

import unicodedata
from datetime import date

import pytest

from archive.errors import ValidationError
from search_index import SEES_EVERYTHING, SearchQuery
from search_index.analysis import exact_words, folded_words
from tests.unit.search_index.conftest import products


def ids(index, text="", **kw):
    kw.setdefault("per_page", 50)
    return [h.id for h in index.search(SearchQuery(text=text, **kw)).hits]


def test_breve_letter_without_precomposed_form_stays_one_word():
    text = "N\u01a1\u0306r \u2018l\u01a1\u0306ng K\u2019Bang quyen_tre_em.mp3"
    assert folded_words(text) == ["nor", "long", "kbang", "quyen", "tre", "em", "mp3"]
    assert exact_words(text) == ["n\u01a1\u0306r", "'l\u01a1\u0306ng", "k'bang", "quyen", "tre", "em", "mp3"]


@pytest.mark.parametrize("typed", [
    "quyền trẻ em", "quyen tre em", "QUYỀN TRẺ EM", unicodedata.normalize("NFD", "Quyền trẻ em"),
    "Quye\u0300\u0302n tre\u0309 em",
])
def test_query_with_or_without_diacritics_finds_the_same_products(catalogue, typed):
    assert sorted(ids(catalogue, typed)) == [1, 7, 8, 13]


@pytest.mark.parametrize("typed, expected", [
    ("nơ̆r", [4]), ("nor", [4]), ("\u2018l\u01a1\u0306ng", [4]), ("'lơ̆ng", [4]), ("long", [4]),
    ("ƀok", [4]), ("bok", [4]), ("Ƀok", [4]), ("tobak", [4]),
    ("Đăk Tơ Lung", [5]), ("\u00d0\u0103k to lung", [5]), ("dak to lung", [5]),
    ("tảo hôn", [5]), ("TAO HON", [5]), ("nhân quyền", [3]), ("tranh co dong jpg", [3]),
])
def test_ethnic_letters_stroke_letters_and_case_fold(catalogue, typed, expected):
    assert ids(catalogue, typed) == expected


def test_exact_diacritics_rank_above_folded_match(catalogue):
    assert ids(catalogue, "quyền ca khúc")[:2] == [12, 2]
    assert ids(catalogue, "quyến luyến")[:1] == [2]
    assert ids(catalogue, "quyến ca khúc")[:2] == [2, 12]
    assert ids(catalogue, "bảo vệ rừng") == [10, 11]
    assert sorted(ids(catalogue, "bao ve rung")) == [10, 11]


def test_quoted_phrase_needs_consecutive_syllables_in_one_field(catalogue):
    # 8 has quyền, trẻ, em apart; 13 ends its title with "quyền" and starts the description with "trẻ em"
    assert sorted(ids(catalogue, '"quyền trẻ em"')) == [1, 7]
    assert sorted(ids(catalogue, '"quyen tre em"')) == [1, 7]
    assert sorted(ids(catalogue, "“Quyền trẻ em”")) == [1, 7]
    assert ids(catalogue, '"em quyền"') == []
    assert sorted(ids(catalogue, '"trẻ em" học tập')) == [8]


def test_long_phrases_match_whole_word_runs_only(catalogue):
    assert ids(catalogue, '"Phóng sự phát thanh về Công ước"') == [1]
    assert ids(catalogue, '"quyen tre em trong gia dinh"') == [1]
    assert ids(catalogue, '"phát thanh về quyền trẻ em"') == []   # "về Công ước quyền": not consecutive
    assert ids(catalogue, '"hỏi đáp về quyền trẻ em"') == []      # title + description of 13
    assert ids(catalogue, '"nơ̆r pơma ƀok kră"') == [4]


def test_a_closed_product_is_found_by_its_owner_and_admins_only(catalogue):
    assert ids(catalogue, "lợi dụng") == []
    assert ids(catalogue, "lợi dụng", access=SEES_EVERYTHING) == [6]
    everyone = catalogue.search(SearchQuery(per_page=50)).total
    assert catalogue.search(SearchQuery(per_page=50, access=SEES_EVERYTHING)).total == everyone + 1


def test_filters_or_within_a_field_and_across_fields(catalogue):
    assert sorted(ids(catalogue, filters={"kind": ["poster"]})) == [3, 4]
    assert sorted(ids(catalogue, filters={"kind": ["poster", "publication"]})) == [3, 4, 8]
    assert ids(catalogue, filters={"kind": ["video"], "languages": ["sed"]}) == [5]
    assert sorted(ids(catalogue, "quyen", filters={"year": ["2024"]})) == [1, 7]
    assert sorted(ids(catalogue, filters={"ethnic_language": ["true"]})) == [4, 5, 9]
    assert sorted(ids(catalogue, filters={"communes": ["Xã Đăk Tơ Lung"]})) == [4, 5]


def test_date_range_is_inclusive(catalogue):
    got = ids(catalogue, date_from=date(2024, 3, 3), date_to=date(2024, 8, 15))
    assert sorted(got) == [1, 4, 7]


def test_facet_counts_match_the_visible_results(catalogue):
    result = catalogue.search(SearchQuery(facets=["kind", "languages", "year", "communes"]))
    visible = [p for p in products() if p.access_tokens]
    assert result.total == len(visible)
    kinds: dict[str, int] = {}
    for p in visible:
        kinds[p.kind] = kinds.get(p.kind, 0) + 1
    assert result.facets["kind"] == dict(sorted(kinds.items(), key=lambda kv: (-kv[1], kv[0])))
    assert result.facets["languages"]["sed"] == 2
    assert result.facets["communes"] == {"Xã Đăk Tơ Lung": 2, "Thị trấn Đăk Rve": 1, "Xã Đăk Kôi": 1}
    narrowed = catalogue.search(SearchQuery(text="quyen tre em", facets=["kind", "year"]))
    assert narrowed.facets["kind"] == {"radio_feature": 2, "publication": 1, "web_article": 1}
    assert narrowed.facets["year"] == {"2024": 2, "2025": 1, "2026": 1}


def test_pagination_walks_every_result_once(catalogue):
    full = ids(catalogue)
    pages = []
    for page in range(1, 8):
        result = catalogue.search(SearchQuery(page=page, per_page=2))
        assert result.total == len(full)
        pages += [h.id for h in result.hits]
    assert pages == full and len(set(pages)) == len(full)


def test_title_sort_is_vietnamese_order(catalogue):
    hits = catalogue.search(SearchQuery(sort="title", per_page=50)).hits
    titles = [unicodedata.normalize("NFC", h.title) for h in hits]
    dan, dak, em = titles.index("Dân ca Xơ Đăng"), titles.index("Đăk Tơ Lung: tuyên truyền pháp luật"), \
        titles.index("Em bé và quyền được học tập")
    assert dan < dak < em
    assert titles[0] == "Bao ve rung" and titles[1] == "Bảo vệ rừng"


def test_newest_sort_puts_undated_last(catalogue):
    hits = catalogue.search(SearchQuery(sort="newest", per_page=50)).hits
    dated = [h.produced_on for h in hits if h.produced_on]
    assert dated == sorted(dated, reverse=True)
    assert [h.id for h in hits if not h.produced_on] == [8, 13]


def test_snippet_is_html_safe_and_marks_original_accented_words(catalogue):
    hit = catalogue.search(SearchQuery(text="trien lam")).hits[0]
    assert hit.id == 3
    assert "&lt;b&gt;<mark>triển</mark> <mark>lãm</mark>&lt;/b&gt;" in hit.snippet
    hits = {h.id: h for h in catalogue.search(SearchQuery(text="quyen tre em")).hits}
    assert hits[1].title_html == "<mark>Quyền</mark> <mark>trẻ</mark> <mark>em</mark> trong gia đình"
    assert "Công ước <mark>quyền</mark> <mark>trẻ</mark> <mark>em</mark>" in hits[1].snippet


def test_stored_text_is_normalised(catalogue):
    hit = catalogue.search(SearchQuery(text="quyen con nguoi")).hits[0]
    assert hit.id == 3 and hit.title == "Quyền con người ở Việt Nam"  # NFC on the way in


@pytest.mark.parametrize("bad", [dict(sort="oldest"), dict(page=0), dict(per_page=0),
                                 dict(filters={"colour": ["red"]})])
def test_bad_queries_name_the_field(catalogue, bad):
    with pytest.raises(ValidationError) as err:
        catalogue.search(SearchQuery(**bad))
    assert err.value.field in {"sort", "page", "per_page", "filters"}


def test_unclosed_quote_and_repeated_words_still_search(catalogue):
    assert sorted(ids(catalogue, '"quyền trẻ em')) == [1, 7]
    assert sorted(ids(catalogue, "quyền quyen QUYỀN trẻ em")) == [1, 7, 8, 13]
    assert ids(catalogue, '" "') == ids(catalogue, "")  # nothing to match: everything visible


def test_query_of_only_punctuation_lists_everything_visible(catalogue):
    assert catalogue.search(SearchQuery(text="?! -- …")).total == len([p for p in products() if p.access_tokens])
