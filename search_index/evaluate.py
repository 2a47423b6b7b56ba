"""Evaluate a parsed query over every segment with numpy.

For each query word the postings of its clauses (see
:func:`search_index.query.word_clauses`) are read as arrays and scored with
Whoosh's own BM25F formula and statistics (``searcher.idf``,
``searcher.avg_field_length``, Whoosh's byte-encoded field lengths, the
weighting's B and K1), in the same floating-point operation order, so scores
equal Whoosh's exhaustive scores up to summation order. Ranking uses scores
rounded to 9 decimals, ties broken by product id, which makes the order
deterministic whatever segments a rebuild wrote (the agreement test checks it
against Whoosh's scores ordered the same way).
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import numpy as np
from whoosh.scoring import BM25F

from search_index import phrases
from search_index.query import ParsedQuery, word_clauses
from search_index.records import AccessFilter
from search_index.segments import SegmentData, restrict

SCORE_DECIMALS = 9


@dataclass
class SegmentMatch:
    """Matches of one segment: bool mask and dense scores over its docs."""

    reader: object
    data: SegmentData
    offset: int
    mask: np.ndarray
    scores: np.ndarray


@dataclass
class Restrictions:
    """Everything that narrows the result besides the words."""

    filters: dict[str, list[str]]
    date_from: date | None
    date_to: date | None
    access: AccessFilter
    exclude_ids: frozenset[int] = frozenset()
    include_fileless_drafts: bool = True


def _bm25_params(searcher, fieldname: str) -> tuple[float, float]:
    weighting = searcher.weighting
    if not isinstance(weighting, BM25F):
        raise TypeError("the search index expects Whoosh's BM25F weighting")
    return weighting._field_B.get(fieldname, weighting.B), weighting.K1


def _restriction_mask(reader, data: SegmentData, r: Restrictions) -> np.ndarray:
    mask = data.alive(reader).copy()
    if not r.access.everything:
        mask &= access_mask(reader, data, r.access)
    if not r.include_fileless_drafts:
        mask &= ~data.term_mask(reader, "fileless_draft", ["1"])
    if r.exclude_ids:
        mask &= ~np.isin(data.column(reader, "pid"), np.fromiter(r.exclude_ids, np.int64))
    for name, values in r.filters.items():
        if values:
            mask &= data.term_mask(reader, name, [str(v) for v in values])
    if r.date_from or r.date_to:
        produced = data.column(reader, "produced")
        if r.date_from:
            mask &= produced >= r.date_from.toordinal()
        if r.date_to:
            mask &= produced <= r.date_to.toordinal()
    return mask


def access_mask(reader, data: SegmentData, access: AccessFilter) -> np.ndarray:
    """Bool mask of the segment's docs ``access`` lets through (see
    :class:`search_index.records.AccessFilter`): applied before words are scored, so
    hits, totals and facet counts all see the same documents. Made once per segment
    and filter (a viewer on a day) and kept with the segment: read-only."""
    def compute() -> np.ndarray:
        mask = data.term_mask(reader, "access", sorted(access.tokens))
        mask &= data.column(reader, "embargo") <= access.today
        if access.owned:
            mask |= _among(data.column(reader, "owner"), access.owned)
        for product_id in access.granted:       # a handful: one comparison each
            mask |= data.column(reader, "pid") == product_id
        return mask
    return data.cached_mask(("access", access), compute)


def _among(values: np.ndarray, wanted: frozenset[int]) -> np.ndarray:
    """``np.isin(values, wanted)`` (unit ids: tens to hundreds), by table lookup."""
    if min(wanted) < 0 or max(wanted) > 1_000_000:
        return np.isin(values, np.fromiter(wanted, np.int64))
    table = np.zeros(max(wanted) + 2, dtype=bool)
    table[np.fromiter(wanted, np.int64)] = True
    return table[np.clip(values, -1, len(table) - 1)]


# Score only the candidate docs (binary search into each posting list) once
# they are this many times fewer than a list's postings; same values either way.
SPARSE_FACTOR = 8


def _bm25(searcher, reader, data: SegmentData):
    """``clause(fieldname, term, docs, weights)`` -> BM25F scores of those docs.

    ``idf * w(K1 + 1) / (w + K1(1 - B + B len/avglen))`` with Whoosh's idf,
    average and byte-encoded field lengths, in Whoosh's operation order.
    """
    def clause(fieldname: str, term: str, docs: np.ndarray, weights: np.ndarray) -> np.ndarray:
        B, K1 = _bm25_params(searcher, fieldname)
        idf = searcher.idf(fieldname, term)
        avgfl = searcher.avg_field_length(fieldname) or 1
        length = data.lengths(reader, fieldname)[docs]
        return idf * ((weights * (K1 + 1)) / (weights + K1 * ((1 - B) + B * length / avgfl)))
    return clause


def _score_words(searcher, reader, data: SegmentData, parsed: ParsedQuery,
                 mask: np.ndarray) -> np.ndarray:
    """Add each word's clause scores; clear ``mask`` where a word is missing.

    When ``mask`` already leaves few candidates (a narrow filter), only their
    postings are looked up; each doc's value comes from the same operations,
    so scores are bit-identical to the dense path.
    """
    scores = np.zeros(data.doccount, dtype=np.float64)
    candidates = np.flatnonzero(mask)
    bm25 = _bm25(searcher, reader, data)
    for word in parsed.words:
        present = np.zeros(data.doccount, dtype=bool)
        for fieldname, term in word_clauses(word):
            docs, weights = data.postings(reader, fieldname, term)
            if len(candidates) * SPARSE_FACTOR < len(docs):
                docs, weights = restrict(docs, weights, candidates)
            if not len(docs):
                continue
            scores[docs] += bm25(fieldname, term, docs, weights)
            present[docs] = True
        mask &= present
        candidates = candidates[present[candidates]]
        if not len(candidates):
            break
    return scores


def leaves(searcher) -> list[tuple[object, int]]:
    """(segment reader, doc number offset) of every non-empty segment."""
    return [(sub.reader(), offset) for sub, offset in searcher.leaf_searchers()
            if sub.reader().segment() is not None]


def evaluate(searcher, segment_data, parsed: ParsedQuery, r: Restrictions) -> list[SegmentMatch]:
    """Match and score every segment; ``segment_data(reader)`` gives its cache."""
    out = []
    for reader, offset in leaves(searcher):
        data = segment_data(reader)
        mask = _restriction_mask(reader, data, r)
        if parsed.is_empty:
            scores = np.zeros(data.doccount, dtype=np.float64)
        elif parsed.phrases:  # first: they leave few candidates to score
            phrases.check_phrases(reader, data, parsed, mask)
            if phrases.sequences_are_cheaper(reader, data, parsed, mask):
                scores = phrases.score_from_sequences(searcher, reader, data, parsed, mask,
                                                      _bm25(searcher, reader, data))
            else:
                scores = _score_words(searcher, reader, data, parsed, mask)
        else:
            scores = _score_words(searcher, reader, data, parsed, mask)
        out.append(SegmentMatch(reader, data, offset, mask, scores))
    return out


def gather(matches: list[SegmentMatch]) -> tuple[np.ndarray, np.ndarray]:
    """Global doc numbers and scores of all matched docs."""
    docs, scores = [], []
    for m in matches:
        local = np.flatnonzero(m.mask)
        docs.append(local + m.offset)
        scores.append(m.scores[local])
    if not docs:
        return np.zeros(0, np.int64), np.zeros(0, np.float64)
    return np.concatenate(docs), np.concatenate(scores)


def top_by_score(ties: np.ndarray, scores: np.ndarray, k: int) -> np.ndarray:
    """Indexes of the best ``k`` by (rounded score desc, ``ties`` asc), in order."""
    rounded = np.round(scores, SCORE_DECIMALS)
    if len(ties) > k > 0:
        threshold = -np.partition(-rounded, k - 1)[k - 1]
        candidates = np.flatnonzero(rounded >= threshold)
    else:
        candidates = np.arange(len(ties))
    order = np.lexsort((ties[candidates], -rounded[candidates]))
    return candidates[order[:k]]


def top_by_keys(ties: np.ndarray, primary: np.ndarray, k: int) -> np.ndarray:
    """Indexes of the first ``k`` by (primary asc, ``ties`` asc)."""
    if len(ties) > k > 0:
        threshold = np.partition(primary, k - 1)[k - 1]
        candidates = np.flatnonzero(primary <= threshold)
    else:
        candidates = np.arange(len(ties))
    order = np.lexsort((ties[candidates], primary[candidates]))
    return candidates[order[:k]]
