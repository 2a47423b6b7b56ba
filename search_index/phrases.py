"""Quoted phrases: matching them, and scoring the few documents that hold them.

Matching (exact, within one text field):

* a phrase of two or three words is one posting list of the ``shingle``
  field;
* a longer phrase is narrowed to the documents holding its rarest
  three-word runs, then the candidates' word-hash sequences (``seq`` column)
  are scanned with numpy. 64-bit hashes: a false match needs a collision on
  every word of the phrase in a document that already holds those runs.

Scoring: a phrase usually leaves a few hundred or thousand documents, but
its words are common, and reading their posting lists (Whoosh stores them as
pickled Python tuples) cost most of a long-phrase query. So when the
candidates' sequences are small enough, each word's term frequencies are
counted in them instead - title words before the first field gap, body words
after it, exact (accented) forms in the ``xseq`` column - and put through the
same BM25F expression as the evaluator's (:func:`search_index.evaluate._bm25`). The
frequencies are the ones Whoosh stored (the columns hold exactly the tokens
given to those fields), so scores are bit-identical; the agreement test runs
both paths against Whoosh.
"""
from __future__ import annotations

import numpy as np

from search_index.analysis import word_hash
from search_index.query import ParsedQuery, word_clauses
from search_index.segments import SegmentData, restrict

# A longer phrase is narrowed by at most this many of its three-word runs (the
# rarest); the word-hash check that follows is exact on its own.
NARROWING_SHINGLES = 2

# Costs per item measured on the development VM (benchmarks/README.md), used
# only to pick the cheaper of two ways to the same scores.
DECODE_NS_PER_POSTING = 120   # a posting list not in the cache, read from Whoosh's blocks
CACHED_NS_PER_POSTING = 20    # a cached posting list, scored over all its docs
SEQUENCE_NS_PER_HASH = 8      # gathering the candidates' sequences
SEQUENCE_NS_PER_HASH_AND_WORD = 5  # counting one query word in them
# Never gather more than this many hashes (8 bytes each) for one query.
SEQUENCE_SCORING_MAX_WORDS = 4_000_000


def phrase_shingles(phrase: list[str]) -> list[str]:
    """The shingle terms a document containing ``phrase`` must hold."""
    if len(phrase) <= 3:
        return [" ".join(phrase)]
    return [" ".join(phrase[i:i + 3]) for i in range(len(phrase) - 2)]


def _docs_with_sequence(reader, data: SegmentData, phrase: list[str],
                        candidates: np.ndarray) -> np.ndarray:
    """Those ``candidates`` whose word-hash sequence holds ``phrase`` consecutively."""
    seqs, starts = data.sequences(reader, "seq", candidates)
    hashes = [word_hash(w) for w in phrase]
    hits = np.flatnonzero(seqs[:max(0, len(seqs) - len(phrase) + 1)] == hashes[0])
    for i, h in enumerate(hashes[1:], start=1):
        hits = hits[seqs[hits + i] == h]
    owners = np.searchsorted(starts, hits, side="right") - 1
    return np.unique(candidates[owners])


def check_phrases(reader, data: SegmentData, parsed: ParsedQuery, mask: np.ndarray) -> None:
    """Clear ``mask`` (bool, one per doc of the segment) where a quoted phrase is missing."""
    for phrase in parsed.phrases:
        shingles = phrase_shingles(phrase)
        if len(shingles) > NARROWING_SHINGLES:
            shingles.sort(key=lambda s: reader.doc_frequency("shingle", s))
            shingles = shingles[:NARROWING_SHINGLES]
        candidates = np.flatnonzero(mask)
        for shingle in shingles:
            if len(candidates):
                docs, _ = data.postings(reader, "shingle", shingle)
                candidates = restrict(docs, docs, candidates)[0]
        if len(phrase) > 3 and len(candidates):
            candidates = _docs_with_sequence(reader, data, phrase, candidates)
        mask[:] = False
        mask[candidates] = True
        if not len(candidates):
            return


def sequences_are_cheaper(reader, data: SegmentData, parsed: ParsedQuery, mask: np.ndarray) -> bool:
    """Whether scoring the matched docs from their sequences costs less than postings.

    Estimated from the sequences' total length and the clauses' document
    frequencies (cheap lookups), with the constants above.
    """
    hashes = data.sequence_words(reader, "seq", np.flatnonzero(mask))
    if hashes > SEQUENCE_SCORING_MAX_WORDS:
        return False
    sequence_ns = hashes * (SEQUENCE_NS_PER_HASH + SEQUENCE_NS_PER_HASH_AND_WORD * len(parsed.words))
    postings_ns = 0
    for word in parsed.words:
        for fieldname, term in word_clauses(word):
            per_posting = CACHED_NS_PER_POSTING if data.has_postings(fieldname, term) else DECODE_NS_PER_POSTING
            postings_ns += reader.doc_frequency(fieldname, term) * per_posting
    return sequence_ns < postings_ns


def _occurrences(seqs: np.ndarray, starts: np.ndarray, h: int) -> tuple[np.ndarray, np.ndarray]:
    """Positions of hash ``h`` in the joined sequences, and the candidate owning each."""
    positions = np.flatnonzero(seqs == h)
    return positions, np.searchsorted(starts, positions, side="right") - 1


def score_from_sequences(searcher, reader, data: SegmentData, parsed: ParsedQuery,
                         mask: np.ndarray, bm25) -> np.ndarray:
    """Dense scores for the docs in ``mask``, from their term frequencies.

    ``bm25(fieldname, term, docs, weights)`` returns the clause scores (the
    evaluator's own formula). Clears ``mask`` for docs lacking a query word
    outside the phrases (phrase words are present by construction).
    """
    scores = np.zeros(data.doccount, dtype=np.float64)
    candidates = np.flatnonzero(mask)
    size = len(candidates)
    seqs, starts = data.sequences(reader, "seq", candidates)
    gaps = np.flatnonzero(seqs == 0)  # every doc's sequence ends with one
    title_end = gaps[np.searchsorted(gaps, starts)]  # the title is the first field
    exact = None
    present = np.ones(size, dtype=bool)
    for word in parsed.words:
        positions, owners = _occurrences(seqs, starts, word_hash(word.folded))
        in_title = positions < title_end[owners]
        tfs = {"title": np.bincount(owners[in_title], minlength=size),
               "body": np.bincount(owners[~in_title], minlength=size)}
        if word.exact:
            if exact is None:
                exact = data.sequences(reader, "xseq", candidates)
            _, owners = _occurrences(*exact, word_hash(word.exact))
            tfs["exact"] = np.bincount(owners, minlength=size)
        for fieldname, term in word_clauses(word):
            tf = tfs[fieldname]
            hit = np.flatnonzero(tf)
            if len(hit):
                boost = searcher.schema[fieldname].format.field_boost
                docs = candidates[hit]
                scores[docs] += bm25(fieldname, term, docs, tf[hit] * boost)
        present &= (tfs["title"] + tfs["body"]) > 0
    mask[candidates[~present]] = False
    return scores
