"""Per-segment arrays read straight from Whoosh's on-disk structures.

A Whoosh segment never changes once written (only its deletion set grows), so
everything here is cached by segment id and survives a searcher refresh:
decoded posting lists (doc numbers + weights as numpy arrays), field lengths,
per-document columns and facet-value ordinals.

This module reads private parts of the ``whoosh.codec.whoosh3`` format
(posting blocks, fixed-size and variable-size columns). It is pinned to whoosh-reloaded 2.7.5;
the agreement test (exact totals and top 10 vs Whoosh's own exhaustive
scoring) is the guard if that version ever changes.
"""
from __future__ import annotations

import threading
from collections import OrderedDict

import numpy as np
from whoosh.codec.whoosh3 import LENGTHS_COLUMN, W3LeafMatcher, _lenfield
from whoosh.reading import TermNotFound
from whoosh.util.numeric import byte_to_length

from search_index.sequences import SequenceLayout


_BYTE_TO_LENGTH = np.array([byte_to_length(i) for i in range(256)], dtype=np.float64)
_EMPTY = (np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.float64))
MASKS_KEPT = 64       # access masks kept per segment (one per viewer and day)


def read_postings(reader, fieldname: str, text: str) -> tuple[np.ndarray, np.ndarray]:
    """All (doc numbers, weights) of one term in one segment, deleted docs included."""
    try:
        matcher = reader._terms.matcher(fieldname, text.encode("utf-8"),
                                        reader.schema[fieldname].format)
    except (TermNotFound, KeyError):
        return _EMPTY
    if not isinstance(matcher, W3LeafMatcher):  # inlined or other codec: slow path
        ids, weights = [], []
        while matcher.is_active():
            ids.append(matcher.id())
            weights.append(matcher.weight())
            matcher.next()
        return np.array(ids, dtype=np.int64), np.array(weights, dtype=np.float64)
    id_parts, weight_parts = [], []
    while True:
        matcher._read_data()
        deltas, weights, _ = matcher._data
        count = matcher._blocklength
        id_parts.append(np.cumsum(np.asarray(deltas, dtype=np.int64)))
        if weights is None:
            weight_parts.append(np.ones(count, dtype=np.float64))
        elif isinstance(weights, float):
            weight_parts.append(np.full(count, weights, dtype=np.float64))
        else:
            weight_parts.append(np.asarray(weights, dtype=np.float64))
        if matcher._lastblock:
            break
        matcher._goto(matcher._nextoffset)
    return np.concatenate(id_parts), np.concatenate(weight_parts)


def restrict(docs: np.ndarray, weights: np.ndarray, wanted: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The postings of ``wanted`` docs only (both doc arrays sorted ascending)."""
    if not len(docs):
        return docs, weights
    pos = np.searchsorted(docs, wanted)
    pos[pos == len(docs)] = 0
    hit = docs[pos] == wanted
    return docs[pos[hit]], weights[pos[hit]]


def _fixed_column(reader, fieldname: str, column, dtype: str, default: int) -> np.ndarray:
    """Whole fixed-size numeric column as an array (docs past the end get ``default``)."""
    count = reader.doc_count_all()
    out = np.full(count, default, dtype=np.int64)
    perdoc = reader._perdoc  # reads length columns too, which the public API hides
    if not perdoc.has_column(fieldname):
        return out
    col = perdoc.column_reader(fieldname, column)
    stored = min(col._count, count)
    raw = col._dbfile.get(col._basepos, stored * col._fixedlen)
    out[:stored] = np.frombuffer(raw, dtype=dtype, count=stored)
    return out


class FacetOrdinals:
    """For one facet field of a segment: value list + (doc, ordinal) pairs."""

    def __init__(self, values: list[str], docs: np.ndarray, ords: np.ndarray) -> None:
        self.values = values
        self.docs = docs
        self.ords = ords     # ascending: the pairs are grouped by value
        # where each value's group starts, and its ordinal (values without docs have none)
        self._starts = np.flatnonzero(np.concatenate(([True], ords[1:] != ords[:-1]))) \
            if len(ords) else np.zeros(0, dtype=np.int64)
        self._present = ords[self._starts].tolist()

    def counts(self, matched: np.ndarray) -> dict[str, int]:
        """Value -> number of matched docs (``matched`` is a bool mask over the segment):
        one sum per value's group (``np.add.reduceat``, 4x faster than counting the
        matched pairs' ordinals)."""
        if not len(self.docs):
            return {}
        counts = np.add.reduceat(matched[self.docs], self._starts, dtype=np.int64).tolist()
        return {self.values[o]: c for o, c in zip(self._present, counts) if c}


class PostingsCache:
    """LRU of decoded posting lists shared by all segments, bounded in postings; also
    the documents a phrase scan found for a phrase (:meth:`SegmentData.scan`), one each.

    Keys start with the segment id; a segment's entries age out once it is
    merged away. ``budget`` 0 keeps at most one list (no real caching).
    """

    def __init__(self, budget: int) -> None:
        self.budget = budget
        self._lists: OrderedDict = OrderedDict()
        self._used = 0
        self._lock = threading.Lock()

    def get(self, key):
        with self._lock:
            value = self._lists.get(key)
            if value is not None:
                self._lists.move_to_end(key)
            return value

    def __contains__(self, key) -> bool:
        with self._lock:
            return key in self._lists

    def put(self, key, value: tuple[np.ndarray, np.ndarray]) -> None:
        with self._lock:
            if key in self._lists:
                return
            self._lists[key] = value
            self._used += len(value[0]) + 1
            while self._used > self.budget and len(self._lists) > 1:
                _, (docs, _) = self._lists.popitem(last=False)
                self._used -= len(docs) + 1


class SegmentData:
    """Cached numpy views of one immutable segment."""

    def __init__(self, reader, postings_cache: PostingsCache) -> None:
        self.segid = reader.segment().segment_id()
        self.doccount = reader.doc_count_all()
        self._cache = postings_cache
        self._lengths: dict[str, np.ndarray] = {}
        self._columns: dict[str, np.ndarray] = {}
        self._facets: dict[str, FacetOrdinals] = {}
        self._alive: tuple[int, np.ndarray] | None = None
        self._sequences: dict[str, SequenceLayout] = {}
        self._blobs: dict[str, tuple[object, object]] = {}   # column: (reader, column reader)
        self._blob_lock = threading.Lock()
        self._masks: OrderedDict = OrderedDict()   # key -> bool mask (see cached_mask)

    def postings(self, reader, fieldname: str, text: str) -> tuple[np.ndarray, np.ndarray]:
        key = (self.segid, fieldname, text)
        value = self._cache.get(key)
        if value is None:
            value = read_postings(reader, fieldname, text)
            self._cache.put(key, value)
        return value

    def has_postings(self, fieldname: str, text: str) -> bool:
        """Whether this term's decoded postings are in the cache."""
        return (self.segid, fieldname, text) in self._cache

    def lengths(self, reader, fieldname: str) -> np.ndarray:
        """Field length per doc as Whoosh decodes it (lossy byte encoding)."""
        if fieldname not in self._lengths:
            lenfield = _lenfield(fieldname)
            raw = _fixed_column(reader, lenfield, LENGTHS_COLUMN, "u1", 0)
            self._lengths[fieldname] = _BYTE_TO_LENGTH[raw]
        return self._lengths[fieldname]

    def column(self, reader, fieldname: str) -> np.ndarray:
        if fieldname not in self._columns:
            col = reader.schema[fieldname].column_type
            dtype = {"q": ">i8", "i": ">i4"}[col._typecode]
            self._columns[fieldname] = _fixed_column(reader, fieldname, col, dtype, col._default)
        return self._columns[fieldname]

    def blob(self, reader, column: str, doc: int) -> bytes:
        """One document's value of a bytes column (b"" when it has none). Whoosh's
        column reader rebuilds the offsets of every document when it is opened (11 ms at
        20,000 documents): it is opened once per segment reader here and kept while that
        reader is the one asked with (a refreshed searcher brings a new reader, whose
        files are open when the old one's may not be). Column readers seek in shared
        files, so concurrent requests read one at a time."""
        with self._blob_lock:
            held = self._blobs.get(column)
            if held is None or held[0] is not reader:
                held = (reader, reader.column_reader(column, translate=False))
                self._blobs[column] = held
            return held[1][doc] or b""

    def title_keys(self, reader) -> np.ndarray:
        if "title_key" not in self._columns:
            keys = list(reader.column_reader("title_key")) if reader.has_column("title_key") else []
            keys += [b""] * (self.doccount - len(keys))
            self._columns["title_key"] = np.array(keys, dtype=object)
        return self._columns["title_key"]

    def facet(self, reader, fieldname: str) -> FacetOrdinals:
        if fieldname not in self._facets:
            values, docs, ords = [], [], []
            for raw in reader.lexicon(fieldname):
                value = raw.decode("utf-8")
                ids, _ = read_postings(reader, fieldname, value)
                docs.append(ids)
                ords.append(np.full(len(ids), len(values), dtype=np.int64))
                values.append(value)
            self._facets[fieldname] = FacetOrdinals(
                values,
                np.concatenate(docs) if docs else np.zeros(0, np.int64),
                np.concatenate(ords) if ords else np.zeros(0, np.int64))
        return self._facets[fieldname]

    def _layout(self, reader, column: str) -> SequenceLayout:
        if column not in self._sequences:
            self._sequences[column] = SequenceLayout(reader, column)
        return self._sequences[column]

    def kept(self, reader, key: str, make):
        """``make(reader, seq layout)``, made once for the segment (it never changes)."""
        if key not in self._sequences:
            self._sequences[key] = make(reader, self._layout(reader, "seq"))
        return self._sequences[key]

    def sequences(self, reader, column: str, docs: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Hash sequences of ``docs`` (see :meth:`SequenceLayout.read`)."""
        return self._layout(reader, column).read(reader, docs)

    def sequence_words(self, reader, column: str, docs: np.ndarray | None) -> int:
        """Total length (in hashes) of the sequences of ``docs`` (None: of every doc)."""
        layout = self._layout(reader, column)
        return layout.total if docs is None else int(layout.counts[docs].sum())

    def scan(self, reader, column: str, hashes: list[int]) -> np.ndarray:
        """Docs holding ``hashes`` consecutively (see :meth:`SequenceLayout.scan`), kept
        in the postings cache (one entry per document), like a posting list: a phrase
        met again is not scanned for again - the scan is proportional to every word
        indexed, transcripts included."""
        key = (self.segid, column + "@", tuple(hashes))
        cached = self._cache.get(key)
        if cached is None:
            cached = (self._layout(reader, column).scan(reader, hashes), None)
            self._cache.put(key, cached)
        return cached[0]

    def docs_known(self, column: str, hashes: list[int]) -> int:
        """How many documents holding the phrase ``hashes`` in ``column`` a scan found
        (-1: not in the cache)."""
        value = self._cache.get((self.segid, column + "@", tuple(hashes)))
        return -1 if value is None else len(value[0])

    def term_mask(self, reader, fieldname: str, values: list[str]) -> np.ndarray:
        """Bool mask of docs holding any of ``values`` in a facet field."""
        mask = np.zeros(self.doccount, dtype=bool)
        for value in values:
            mask[self.postings(reader, fieldname, value)[0]] = True
        return mask

    def cached_mask(self, key, compute) -> np.ndarray:
        """A bool mask over the segment's docs that depends on ``key`` only (the segment
        never changes), made once by ``compute()``; the last MASKS_KEPT are kept (each
        one byte per doc). Callers must not change it."""
        mask = self._masks.get(key)
        if mask is None:
            mask = self._masks[key] = compute()
            while len(self._masks) > MASKS_KEPT:
                self._masks.popitem(last=False)
        else:
            self._masks.move_to_end(key)
        return mask

    def alive(self, reader) -> np.ndarray:
        """Bool mask of docs not deleted (recomputed when deletions change)."""
        deleted = reader.deleted_docs_set if reader.has_deletions() else frozenset()
        if self._alive is None or self._alive[0] != len(deleted):
            mask = np.ones(self.doccount, dtype=bool)
            if deleted:
                mask[np.fromiter(deleted, dtype=np.int64)] = False
            self._alive = (len(deleted), mask)
        return self._alive[1]
