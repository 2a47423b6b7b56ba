"""The index's access filter gives the one rule's answer
(:func:`app.services.access.visibility.index_allows`) for every document, in hits,
totals and facet counts, whichever viewers ask one after another (each segment keeps
a mask per viewer), and an embargo opens on its day with nothing rewritten."""
from __future__ import annotations

import random

import pytest

from app.services.access.visibility import IndexFilter, index_allows
from search_index import SEES_EVERYTHING, AccessFilter, IndexedProduct, SearchIndex, SearchQuery

TOKENS = ["level:public", "level:internal", "role:commune", "role:office",
          *(f"unit:{u}" for u in range(1, 9))]
DAYS = [0, 0, 0, 20261201, 20261207, 20261208, 20270101]


@pytest.fixture(scope="module")
def catalogue(tmp_path_factory):
    rng = random.Random(26)
    records = [IndexedProduct(pid, f"Bản tin số {pid}", kind=rng.choice(["video", "poster"]),
                              access_tokens=rng.sample(TOKENS, rng.choice([0, 1, 1, 2])),
                              owner_unit_id=rng.choice([None, *range(1, 9)]),
                              embargo_day=rng.choice(DAYS))
               for pid in range(1, 241)]
    index = SearchIndex(tmp_path_factory.mktemp("access") / "index", result_cache_size=0)
    index.upsert(records[:100])           # two segments
    index.upsert(records[100:])
    yield index, records
    index.close()


def _allowed(access: AccessFilter, records) -> list[int]:
    rule = IndexFilter(everything=access.everything, tokens=access.tokens, owned=access.owned,
                       granted=access.granted, today=access.today)
    return [r.id for r in records if index_allows(rule, r.access_tokens, r.owner_unit_id,
                                                  r.embargo_day, r.id)]


def test_hits_totals_and_facets_follow_the_rule_for_random_viewers(catalogue):
    index, records = catalogue
    rng = random.Random(7)
    viewers = [AccessFilter(tokens=frozenset(rng.sample(TOKENS, rng.randint(0, 4))),
                            owned=frozenset(rng.sample(range(1, 9), rng.randint(0, 2))),
                            granted=frozenset(rng.sample(range(1, 241), rng.randint(0, 3))),
                            today=rng.choice(DAYS[3:])) for _ in range(12)]
    for access in viewers * 2:            # asked again: from the segments' kept masks
        want = _allowed(access, records)
        got = index.search(SearchQuery(text="ban tin", per_page=200, access=access,
                                       facets=["kind"]))
        assert sorted(h.id for h in got.hits) == want and got.total == len(want)
        kinds = [r.kind for r in records if r.id in set(want)]
        counts = {k: kinds.count(k) for k in set(kinds)}
        assert got.facets["kind"] == dict(sorted(counts.items(), key=lambda kv: (-kv[1], kv[0])))
    assert index.search(SearchQuery(per_page=1, access=SEES_EVERYTHING)).total == 240


def test_an_embargo_opens_on_its_day(catalogue):
    index, records = catalogue
    embargoed = [r.id for r in records
                 if r.embargo_day == 20261208 and "level:public" in r.access_tokens]
    assert embargoed
    before = AccessFilter(today=20261207)
    on_the_day = AccessFilter(today=20261208)
    def found(access):
        return {h.id for h in index.search(SearchQuery(per_page=200, access=access)).hits}

    assert not set(embargoed) & found(before)
    assert set(embargoed) <= found(on_the_day)


def test_a_closed_document_is_found_by_its_owner_and_by_a_grant_only(catalogue):
    index, records = catalogue
    closed = next(r for r in records if not r.access_tokens and r.owner_unit_id is not None)
    query = dict(text=f"ban tin so {closed.id}", per_page=200)
    assert closed.id not in [h.id for h in index.search(SearchQuery(**query)).hits]
    owner = AccessFilter(owned=frozenset({closed.owner_unit_id}))
    granted = AccessFilter(granted=frozenset({closed.id}))
    for access in (owner, granted):
        assert closed.id in [h.id for h in index.search(SearchQuery(**query, access=access)).hits]
