"""What commune staff filter on when choosing what to air: the broadcast-copy flag and
the file-less drafts left out of their results, totals and facet counts."""
from __future__ import annotations

import pytest

from search_index import SEES_EVERYTHING, IndexedProduct, SearchIndex, SearchQuery

P = IndexedProduct


@pytest.fixture(scope="module")
def index(tmp_path_factory) -> SearchIndex:
    ix = SearchIndex(tmp_path_factory.mktemp("ix") / "index")
    ix.upsert([
        P(1, "Bản tin quyền trẻ em", kind="radio-feature", status="ready", has_files=True,
          broadcast_copy=True),
        P(2, "Phóng sự quyền trẻ em", kind="video", status="ready", has_files=True),
        P(3, "Quyền trẻ em (bản nháp)", kind="radio-feature", status="draft"),
        P(4, "Tranh quyền trẻ em", kind="poster", status="processing", has_files=True),
    ])
    ix.upsert([   # a second segment, as in real use
        P(5, "Quyen tre em - ban tin so 2", kind="radio-feature", status="ready",
          has_files=True, broadcast_copy=True, access_tokens=[]),   # closed
        P(6, "Nhạc quyền trẻ em", kind="radio-feature", status="draft", has_files=True),
    ])
    yield ix
    ix.close()


def run(index, **kw):
    kw.setdefault("facets", ["kind", "broadcast_copy"])
    kw.setdefault("per_page", 50)
    return index.search(SearchQuery(text="quyen tre em", **kw))


def test_broadcast_copy_filter_keeps_totals_and_facets_exact(index):
    on = run(index, filters={"broadcast_copy": ["true"]})
    assert sorted(h.id for h in on.hits) == [1] and on.total == 1
    assert on.facets["kind"] == {"radio-feature": 1}
    off = run(index, filters={"broadcast_copy": ["false"]})
    assert sorted(h.id for h in off.hits) == [2, 3, 4, 6] and off.total == 4
    assert run(index).facets["broadcast_copy"] == {"false": 4, "true": 1}
    with_closed = run(index, access=SEES_EVERYTHING, filters={"broadcast_copy": ["true"]})
    assert sorted(h.id for h in with_closed.hits) == [1, 5]


def test_fileless_drafts_left_out_of_hits_totals_and_facets(index):
    shown = run(index, include_fileless_drafts=False)
    assert sorted(h.id for h in shown.hits) == [1, 2, 4, 6]    # 6 is a draft with a file
    assert shown.total == 4
    assert shown.facets["kind"] == {"radio-feature": 2, "video": 1, "poster": 1}
    everyone = run(index)
    assert everyone.total == 5 and everyone.facets["kind"]["radio-feature"] == 3


def test_the_two_readers_are_not_served_each_others_cached_result(index):
    assert run(index).total == 5
    assert run(index, include_fileless_drafts=False).total == 4
    assert run(index).total == 5
