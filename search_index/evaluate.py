"""Evaluate a parsed query over every segment with numpy.

For each query word the postings of its clauses (see
:func:`search_index.query.word_clauses`) are read as arrays and scored with
Whoosh's own BM25F formula and statistics (``searcher.idf``,
``searcher.avg_field_length``, Whoosh's byte-encoded field lengths, the
weighting's B and K1), in the same floating-point operation order, so scores
equal Whoosh's exhaustive scores up to summation order. Ranking uses scores
rounded to 9 decimals, ties broken by document number, which makes the order
deterministic and identical to Whoosh's (the agreement test checks it).
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import numpy as np
from whoosh.scoring import BM25F

from search_index.query import ParsedQuery, word_clauses
from search_index.analysis import word_hash
from search_index.segments import SegmentData, read_sequences

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
    include_sensitive: bool


def _bm25_params(searcher, fieldname: str) -> tuple[float, float]:
    weighting = searcher.weighting
    if not isinstance(weighting, BM25F):
        raise TypeError("the search index expects Whoosh's BM25F weighting")
    return weighting._field_B.get(fieldname, weighting.B), weighting.K1


def _restriction_mask(reader, data: SegmentData, r: Restrictions) -> np.ndarray:
    mask = data.alive(reader).copy()
    if not r.include_sensitive:
        mask &= ~data.term_mask(reader, "sensitive", ["1"])
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


def _score_words(searcher, reader, data: SegmentData, parsed: ParsedQuery,
                 mask: np.ndarray) -> np.ndarray:
    """Add each word's clause scores; clear ``mask`` where a word is missing."""
    scores = np.zeros(data.doccount, dtype=np.float64)
    for word in parsed.words:
        present = np.zeros(data.doccount, dtype=bool)
        for fieldname, term in word_clauses(word):
            docs, weights = data.postings(reader, fieldname, term)
            if not len(docs):
                continue
            B, K1 = _bm25_params(searcher, fieldname)
            idf = searcher.idf(fieldname, term)
            avgfl = searcher.avg_field_length(fieldname) or 1
            length = data.lengths(reader, fieldname)[docs]
            scores[docs] += idf * ((weights * (K1 + 1)) / (weights + K1 * ((1 - B) + B * length / avgfl)))
            present[docs] = True
        mask &= present
        if not mask.any():
            break
    return scores


def _docs_with_sequence(reader, phrase: list[str], candidates: np.ndarray) -> np.ndarray:
    """Those ``candidates`` whose word-hash sequence holds ``phrase`` consecutively."""
    seqs, starts = read_sequences(reader, candidates)
    hashes = [word_hash(w) for w in phrase]
    hits = np.flatnonzero(seqs[:max(0, len(seqs) - len(phrase) + 1)] == hashes[0])
    for i, h in enumerate(hashes[1:], start=1):
        hits = hits[seqs[hits + i] == h]
    owners = np.searchsorted(starts, hits, side="right") - 1
    return np.unique(candidates[owners])


def _phrase_shingles(phrase: list[str]) -> list[str]:
    """The shingle terms a document containing ``phrase`` must hold."""
    if len(phrase) <= 3:
        return [" ".join(phrase)]
    return [" ".join(phrase[i:i + 3]) for i in range(len(phrase) - 2)]


def _check_phrases(reader, data: SegmentData, parsed: ParsedQuery, mask: np.ndarray) -> None:
    """Clear ``mask`` for documents lacking any of the quoted phrases.

    Phrases of up to three words are one shingle posting list; longer ones
    are narrowed by their three-word shingles, then the candidates' word-hash
    sequences are scanned with numpy (64-bit hashes: a false match needs a
    hash collision on every word of the phrase in a document that already
    holds all its three-word runs).
    """
    for phrase in parsed.phrases:
        for shingle in _phrase_shingles(phrase):
            mask &= data.term_mask(reader, "shingle", [shingle])
        if len(phrase) <= 3:
            continue
        candidates = np.flatnonzero(mask)
        if not len(candidates):
            return
        mask[candidates] = False
        mask[_docs_with_sequence(reader, phrase, candidates)] = True


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
        else:
            scores = _score_words(searcher, reader, data, parsed, mask)
            if parsed.phrases and mask.any():
                _check_phrases(reader, data, parsed, mask)
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


def top_by_score(docs: np.ndarray, scores: np.ndarray, k: int) -> np.ndarray:
    """Indexes of the best ``k`` by (rounded score desc, doc asc), in order."""
    rounded = np.round(scores, SCORE_DECIMALS)
    if len(docs) > k > 0:
        threshold = -np.partition(-rounded, k - 1)[k - 1]
        candidates = np.flatnonzero(rounded >= threshold)
    else:
        candidates = np.arange(len(docs))
    order = np.lexsort((docs[candidates], -rounded[candidates]))
    return candidates[order[:k]]


def top_by_keys(docs: np.ndarray, primary: np.ndarray, k: int) -> np.ndarray:
    """Indexes of the first ``k`` by (primary asc, doc asc)."""
    if len(docs) > k > 0:
        threshold = np.partition(primary, k - 1)[k - 1]
        candidates = np.flatnonzero(primary <= threshold)
    else:
        candidates = np.arange(len(docs))
    order = np.lexsort((docs[candidates], primary[candidates]))
    return candidates[order[:k]]
