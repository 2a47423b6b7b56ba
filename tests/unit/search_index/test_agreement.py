"""The fast evaluator must give Whoosh's own answer.

On a generated catalogue (several segments, deleted documents, updates), every
query's total and top 10 (ids, order, scores) must equal exhaustive Whoosh
scoring through its public API: ``searcher.search(q, limit=None)`` with the
plain BM25F model, sorted by (score, product id), keeping only the records a
brute-force scan of their own words finds every quoted phrase in
(``benchmarks/phrase_scan.py``). This guards the numpy evaluator, which reads
Whoosh's posting blocks and the word-hash columns directly.
"""
from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest
from whoosh import query as wq
from whoosh.scoring import BM25F

from search_index import SEES_EVERYTHING, AccessFilter, SearchIndex, SearchQuery
from search_index import phrases
from search_index.evaluate import SCORE_DECIMALS
from search_index.query import ParsedQuery, parse_query, word_clauses

BENCHMARKS = Path(__file__).resolve().parents[3] / "benchmarks"
DOCS = 2400


def _load(name: str):
    spec = importlib.util.spec_from_file_location(f"kho_bench_{name}", BENCHMARKS / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _generator():
    return _load("corpus").CorpusGenerator(seed=4, use_plan=False)


scan = _load("phrase_scan")


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    gen = _generator()
    records = list(gen.products(DOCS))
    index = SearchIndex(tmp_path_factory.mktemp("agree") / "index", result_cache_size=0)
    third = DOCS // 3
    index.upsert(records[:third])
    index.upsert(records[third:2 * third])
    index.upsert(records[2 * third:])
    index.delete(range(1, DOCS, 29))
    index.upsert(records[10:80])  # re-added: deletions inside older segments
    fields = {r.id: scan.field_texts(r) for r in records}
    queries = (gen.query_texts("one_word", 12) + gen.query_texts("three_words", 10)
               + gen.query_texts("unaccented", 10) + gen.query_texts("phrase", 8)
               + gen.query_texts("long_phrase", 8)
               + ['"quyền con người" trẻ em', '"bảo vệ quyền con người" Việt Nam', '"quyen con nguoi" tre em']
               + ["quyền con người", "quyen tre em", '"quyền con người"', "tơdrong nơ̆r",
                  '"quyền của người khuyết tật"', '"tuyen truyen luu dong tai thon lang"', '"bảo vệ rừng" "trẻ em"'])
    yield index, queries, fields, {}
    index.close()


def whoosh_query(parsed: ParsedQuery) -> wq.Query:
    """The plain Whoosh query with the evaluator's word matches and scores: every word
    (AND), each word as any of its clauses (OR). Phrases are not part of it: the index
    keeps no positions; the reference for them is a scan of the records' own words."""
    if parsed.is_empty:
        return wq.Every()
    return wq.And([wq.Or([wq.Term(f, t) for f, t in word_clauses(w)]) for w in parsed.words])


def whoosh_filter(filters: dict[str, list[str]], include_closed: bool) -> wq.Query | None:
    """The plain Whoosh query for the facet filters and the access rule of a signed-in
    account (an open level's token; the corpus has no embargo, owner or grant)."""
    parts: list[wq.Query] = []
    for name, values in sorted(filters.items()):
        if values:
            parts.append(wq.Or([wq.Term(name, str(v)) for v in values]))
    if not include_closed:
        parts.append(wq.Or([wq.Term("access", t) for t in sorted(AccessFilter().tokens)]))
    if not parts:
        return None
    return parts[0] if len(parts) == 1 else wq.And(parts)


def _whoosh_ranking(searcher, text, filters, include_closed, fields):
    """(total, rows) of exhaustive Whoosh for one query and filter set."""
    parsed = parse_query(text)
    results = searcher.search(whoosh_query(parsed), limit=None,
                              filter=whoosh_filter(filters, include_closed))
    rows = [(round(hit.score, SCORE_DECIMALS), hit.docnum, int(hit["id"])) for hit in results
            if scan.holds_phrases(fields[int(hit["id"])], parsed.phrases)]
    rows.sort(key=lambda r: (-r[0], r[2]))  # ties by product id
    return len(rows), rows


FILTERS = [({}, False), ({"kind": ["video", "poster", "radio_feature"], "languages": ["vie"]}, False),
           ({"year": ["2024", "2025"]}, True)]


# Documents a phrase leaves are scored from their word sequences, or - when
# those are too long - from posting lists; both must give Whoosh's answer.
PHRASE_SCORING = {"from sequences": True, "from postings": False}


# Phrases are found by looking the rarest word up in the word order of the documents
# holding every phrase word, by scanning each segment's whole word-hash column, or by
# gathering the sequences of the documents holding the rarest word.
PHRASE_MATCHING = ("lookup", "scan", "gather")


@pytest.mark.parametrize("phrase_matching", PHRASE_MATCHING)
@pytest.mark.parametrize("phrase_scoring", PHRASE_SCORING)
@pytest.mark.parametrize("filters, include_closed", FILTERS)
def test_totals_and_top_ten_equal_exhaustive_whoosh(built, filters, include_closed, phrase_scoring,
                                                    phrase_matching, monkeypatch):
    choice = PHRASE_SCORING[phrase_scoring]
    monkeypatch.setattr(phrases, "sequences_are_cheaper", lambda *args: choice)
    monkeypatch.setattr(phrases, "MATCHING", phrase_matching)
    index, queries, fields, references = built
    nonempty = found_phrases = 0
    with index._index().searcher(weighting=BM25F()) as searcher:
        for text in queries:
            # the reference depends on the query and the filters only, not on how the
            # evaluator scores or matches phrases: reckoned once for the six of them
            # (exhaustive Whoosh was nine tenths of each test's time)
            key = (text, repr(sorted(filters.items())), include_closed)
            if key not in references:
                references[key] = _whoosh_ranking(searcher, text, filters, include_closed,
                                                  fields)
            total, rows = references[key]
            for page in (1, 2):
                got = index.search(SearchQuery(text=text, filters=filters, per_page=10, page=page,
                                               access=SEES_EVERYTHING if include_closed
                                               else AccessFilter()))
                want = rows[(page - 1) * 10:page * 10]
                assert got.total == total, text
                assert [h.id for h in got.hits] == [r[2] for r in want], text
                assert [h.score for h in got.hits] == pytest.approx([r[0] for r in want], abs=1e-8), text
            nonempty += total > 10
            found_phrases += '"' in text and total > 0
    assert nonempty >= len(queries) // 2  # the comparison is not vacuous
    assert found_phrases >= 10
