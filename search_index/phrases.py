"""Quoted phrases: matching them, and scoring the documents that hold them.

Matching is exact, within one text field, over the ``seq`` column: each
document's folded words as 64-bit hashes, 0 between fields. Three ways to the
same documents, the cheapest chosen per segment from document frequencies:

* **lookup** (issue 27): the documents holding every word of the phrase (the
  rarest word's posting lists, narrowed by the others' while a list costs less
  than it saves), then in each of them the places of the rarest word by binary
  search in its ``order`` column (:mod:`search_index.word_order`) and their
  neighbours. Its cost follows the number of those documents, not their length
  nor the segment's: a rare phrase costs what its words' documents cost;
* **scan**: compare the whole segment's column with every word of the phrase at its
  offset, combined before the places are listed (so a phrase of common words lists
  only its own places), over the column of one-byte fingerprints of the hashes, then
  check the places left against the full hashes (numpy, about 0.3-0.5 ns per word of
  the segment on the development VM, read straight from the memory-mapped segment).
  Its cost hardly depends on how common the phrase or its words are, which is what a
  phrase of words held by half the catalogue needs;
* **gather**: copy the candidates' whole sequences and scan them (short
  documents, an index whose segments lack the ``order`` column).

A false match needs a 64-bit collision on every word of the phrase. There
are no positional postings or word-pair terms in the index: they made up three
quarters of its postings and of its build time (the ``order`` column costs 2
bytes a word and almost nothing to write).

Scoring: a phrase often leaves a few hundred or thousand documents, but its
words are common, and reading their posting lists (Whoosh stores them as
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
from search_index.segments import SegmentData
from search_index.sequences import sorted_unique
from search_index.word_order import WordOrder

# Costs per item measured on the development VM (benchmarks/README.md), used
# only to pick the cheapest of the ways to the same answer.
DECODE_NS_PER_POSTING = 120   # a posting list not in the cache, read from Whoosh's blocks
CACHED_NS_PER_POSTING = 20    # a cached posting list, scored over all its docs
SEQUENCE_NS_PER_HASH = 8      # gathering the candidates' sequences
SEQUENCE_NS_PER_HASH_AND_WORD = 5  # counting one query word in them
SCAN_NS_PER_HASH = 0.5        # comparing the whole column with the phrase, then the places
LOOKUP_NS_PER_DOC = 1_000     # bisecting one candidate's word order, then the neighbours
LOOKUP_NS = 400_000           # and once per lookup (numpy steps per halving)
NARROW_NS_PER_POSTING = 5     # dropping the candidates without one more phrase word
MATCHING: str | None = None   # "lookup", "scan" or "gather": tests force one way
# Never gather more than this many hashes (8 bytes each) for one query.
SEQUENCE_SCORING_MAX_WORDS = 4_000_000


def _word_docs(reader, data: SegmentData, word: str, mask: np.ndarray) -> np.ndarray:
    """Docs in ``mask`` holding folded ``word`` in the title or the body (ascending)."""
    found = np.zeros(data.doccount, dtype=bool)
    found[data.postings(reader, "title", word)[0]] = True
    found[data.postings(reader, "body", word)[0]] = True
    return np.flatnonzero(found & mask)


def _gathered_matches(reader, data: SegmentData, hashes: list[int],
                      candidates: np.ndarray) -> np.ndarray:
    """Those ``candidates`` whose sequence holds ``hashes`` consecutively."""
    seqs, starts = data.sequences(reader, "seq", candidates)
    hits = np.flatnonzero(seqs[:max(0, len(seqs) - len(hashes) + 1)] == hashes[0])
    for i, h in enumerate(hashes[1:], start=1):
        hits = hits[seqs[hits + i] == h]
    owners = np.searchsorted(starts, hits, side="right") - 1
    return sorted_unique(candidates[owners])


def _decode_ns(reader, data: SegmentData, word: str, df: int) -> float:
    """What reading a word's title and body posting lists costs (0 when cached)."""
    cached = data.has_postings("title", word) and data.has_postings("body", word)
    return 0 if cached else df * DECODE_NS_PER_POSTING


def phrase_docs(reader, data: SegmentData, phrase: list[str], mask: np.ndarray) -> np.ndarray:
    """Docs of the segment (ascending) holding ``phrase``; only those in ``mask`` unless scanning.

    The rarest word's documents are read when that costs less than a scan (free when
    its lists are cached), narrowed by the phrase's other words while a list costs
    less than it may save, and matched by lookup or by gathering their sequences,
    whichever the constants above say is cheaper; else the whole column is scanned
    (its cost nearly the same for every phrase: it grows with the words compared, at most
    four, not with how common they are).
    """
    dfs = [reader.doc_frequency("title", w) + reader.doc_frequency("body", w) for w in phrase]
    ranked = [int(i) for i in np.argsort(dfs, kind="stable")]
    rarest = ranked[0]
    if not dfs[rarest]:
        return np.zeros(0, dtype=np.int64)
    hashes = [word_hash(w) for w in phrase]
    order = data.kept(reader, "order", WordOrder)
    way = MATCHING
    known = data.docs_known("seq", hashes)
    if known >= 0:         # scanned before: the documents found are kept
        scan_ns = 0
        if way is None:
            way = "scan"   # nothing reads less
    else:
        scan_ns = data.sequence_words(reader, "seq", None) * SCAN_NS_PER_HASH
    if way == "scan" or (way is None and _decode_ns(reader, data, phrase[rarest], dfs[rarest]) >= scan_ns):
        return data.scan(reader, "seq", hashes)
    candidates = _word_docs(reader, data, phrase[rarest], mask)
    for i in ranked[1:]:
        if not len(candidates):
            return candidates
        if way is None and (_decode_ns(reader, data, phrase[i], dfs[i]) + dfs[i] * NARROW_NS_PER_POSTING
                            > len(candidates) * LOOKUP_NS_PER_DOC):
            continue                                            # dearer than what it may save
        candidates = candidates[_holding(reader, data, phrase[i], candidates)]
    if not len(candidates):
        return candidates
    lookup_ns = LOOKUP_NS + len(candidates) * LOOKUP_NS_PER_DOC if order.present else float("inf")
    gather_ns = data.sequence_words(reader, "seq", candidates) * SEQUENCE_NS_PER_HASH
    if way is None:
        way = min((lookup_ns, "lookup"), (gather_ns, "gather"), (scan_ns, "scan"))[1]
    if way == "lookup" and order.present:
        return order.find(reader, candidates, hashes, rarest)
    if way == "scan":
        return data.scan(reader, "seq", hashes)
    return _gathered_matches(reader, data, hashes, candidates)


def _holding(reader, data: SegmentData, word: str, docs: np.ndarray) -> np.ndarray:
    """Bool per doc of ``docs``: holds folded ``word`` in the title or the body."""
    found = np.zeros(data.doccount, dtype=bool)
    found[data.postings(reader, "title", word)[0]] = True
    found[data.postings(reader, "body", word)[0]] = True
    return found[docs]


def check_phrases(reader, data: SegmentData, parsed: ParsedQuery, mask: np.ndarray) -> None:
    """Clear ``mask`` (bool, one per doc of the segment) where a quoted phrase is missing."""
    for phrase in parsed.phrases:
        found = np.zeros(data.doccount, dtype=bool)
        found[phrase_docs(reader, data, phrase, mask)] = True
        mask &= found
        if not mask.any():
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
