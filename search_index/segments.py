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


_BYTE_TO_LENGTH = np.array([byte_to_length(i) for i in range(256)], dtype=np.float64)
_EMPTY = (np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.float64))
COMPARED_WORDS = 4    # words of a phrase compared over the whole column; the rest at its candidates
SCAN_CHUNK = 1 << 17  # places compared at a time by a phrase scan (temporaries stay in the CPU cache)
# The ``seq`` column's one-byte fingerprints (the top byte of each hash), scanned first
FINGERPRINT_COLUMNS = {"seq": "seqtop"}
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


class SequenceLayout:
    """Where each document's hash sequence lies in a segment's ``seq`` or ``xseq`` column.

    Whoosh's own column reader rebuilds the offsets of every document in a
    Python loop each time it is opened (20 ms per query at 100,000 documents);
    the segment never changes, so the offsets are built once here with numpy.
    Offsets and counts are in 8-byte words.
    """

    def __init__(self, reader, column: str) -> None:
        self.column = column
        self.present = reader.has_column(column)
        self.fingerprints: str | None = None
        if not self.present:
            self.offsets = self.counts = np.zeros(0, dtype=np.int64)
            self.total = 0
            return
        col = reader.column_reader(column, translate=False)
        lengths = np.asarray(col._lengths, dtype=np.int64)
        self.counts = lengths // 8
        self.offsets = np.concatenate([[0], np.cumsum(self.counts)[:-1]]).astype(np.int64)
        self.total = int(self.counts.sum())
        self.fingerprints = _fingerprint_column(reader, column, self.counts)

    def read(self, reader, docs: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Sequences of ``docs`` joined, each followed by a 0; and their starts.

        A document's own field gaps are 0 too. Reads straight from the
        memory-mapped segment when Whoosh gives a buffer (compound segments),
        else one read per document.
        """
        if not self.present or not len(docs):
            return np.zeros(0, dtype="<u8"), np.zeros(0, dtype=np.int64)
        colfile, base = _column_file(reader, self.column)
        counts = self.counts[docs]
        sizes = counts + 1
        starts = np.concatenate([[0], np.cumsum(sizes)[:-1]]).astype(np.int64)
        buf = getattr(colfile, "_buf", None)
        if buf is not None and self.total:
            # As 8-byte opaque items: the column is not 8-byte aligned in the
            # compound file, and numpy gathers unaligned integers 3x slower.
            words = np.frombuffer(buf, dtype="V8", count=self.total, offset=base)
            src = np.arange(int(sizes.sum()), dtype=np.int64)
            src += np.repeat(self.offsets[docs] - starts, sizes)
            src[starts + counts] = 0  # the 0 after each sequence: read anything, then set
            seqs = words.take(src).view("<u8")
            seqs[starts + counts] = 0
            return seqs, starts
        sentinel = bytes(8)
        chunks = []
        for offset, count in zip(self.offsets[docs].tolist(), counts.tolist()):
            if count:
                chunks.append(colfile.get(base + offset * 8, count * 8))
            chunks.append(sentinel)
        return np.frombuffer(b"".join(chunks), dtype="<u8"), starts

    def _all_words(self, reader) -> np.ndarray:
        """The whole column as one (possibly unaligned) array of hashes, not copied
        when Whoosh gives a buffer."""
        colfile, base = _column_file(reader, self.column)
        buf = getattr(colfile, "_buf", None)
        if buf is not None:
            return np.frombuffer(buf, dtype="<u8", count=self.total, offset=base)
        return np.frombuffer(colfile.get(base, self.total * 8), dtype="<u8")

    def starts(self, reader, hashes: list[int]) -> np.ndarray:
        """Where ``hashes`` lie consecutively in the column (ascending, in 8-byte words):
        one pass over the whole column, whatever the words (:meth:`_candidates`), each
        place checked against the full hashes. A run may cross a document's end
        (sequences lie end to end), never a field (a word's hash is never 0)."""
        places, exact = self._candidates(reader, hashes)
        return places if exact else places[self._holds(reader, places, hashes)]

    def _candidates(self, reader, hashes: list[int]) -> tuple[np.ndarray, bool]:
        """Places (ascending) where the first ``COMPARED_WORDS`` words of ``hashes``
        match at their offsets - by their full hashes, or when the segment has
        fingerprints by their top bytes only; and whether those places are exact (full
        hashes, every word compared) or still to be checked.

        The comparisons are combined before the places are listed, so only the places
        of the phrase are listed, not those of its commonest word (numpy lists places at
        ~20 ns each when they are many: that, not reading the column, was a common
        phrase's cost). Fingerprints are an eighth of the memory of the hashes. A long
        phrase compares its first words only (each costs a pass over the column); the
        rest are checked at the candidates.
        """
        size, compared = len(hashes), min(len(hashes), COMPARED_WORDS)
        if not self.present or self.total < size:
            return np.zeros(0, dtype=np.int64), True
        if self.fingerprints is None:
            keys, wanted = self._all_words(reader), [np.uint64(h) for h in hashes]
        else:
            keys = _column_bytes(reader, self.fingerprints, self.total)
            wanted = [np.uint8(h >> 56) for h in hashes]
        last = self.total - size + 1  # the last possible start, plus one
        found = []
        # in chunks, so each comparison's bool array stays in the CPU cache
        for at in range(0, last, SCAN_CHUNK):
            length = min(SCAN_CHUNK, last - at)
            same = keys[at:at + length] == wanted[0]
            for i in range(1, compared):
                same &= keys[at + i:at + i + length] == wanted[i]
            found.append(np.flatnonzero(same) + at)
        places = np.concatenate(found) if found else np.zeros(0, dtype=np.int64)
        return places, self.fingerprints is None and compared == size

    def _holds(self, reader, places: np.ndarray, hashes: list[int]) -> np.ndarray:
        """Bool per place: the full hashes of ``hashes`` start there."""
        opaque = self._all_words(reader).view("V8")  # unaligned items gather fastest opaque
        ok = np.ones(len(places), dtype=bool)
        for i, h in enumerate(hashes):
            at = np.flatnonzero(ok)
            ok[at] = opaque.take(places[at] + i).view("<u8") == h
        return ok

    def scan(self, reader, hashes: list[int]) -> np.ndarray:
        """Docs (ascending) whose sequence holds ``hashes`` consecutively, never across
        a document's end.

        Candidate places still to be checked against the full hashes are checked in two
        rounds: the first candidate of each document, then every other candidate of the
        documents whose first failed - so a phrase said seven times in each of 30,000
        transcripts costs 30,000 checks (each a cache miss), not 210,000, and a document
        full of false candidates costs one more check per candidate, not a round each.
        """
        if not self.present or not self.total:
            return np.zeros(0, dtype=np.int64)
        places, exact = self._candidates(reader, hashes)
        owners = np.searchsorted(self.offsets, places, side="right") - 1
        inside = places + len(hashes) <= self.offsets[owners] + self.counts[owners]
        places, owners = places[inside], owners[inside]
        if exact or not len(places):
            return sorted_unique(owners)
        holding = np.zeros(len(self.counts), dtype=bool)
        first = np.concatenate(([True], owners[1:] != owners[:-1]))   # owners ascend
        holding[owners[first][self._holds(reader, places[first], hashes)]] = True
        left = ~(first | holding[owners])                 # the unsettled documents' others
        holding[owners[left][self._holds(reader, places[left], hashes)]] = True
        return np.flatnonzero(holding)


def sorted_unique(values: np.ndarray) -> np.ndarray:
    """``np.unique`` of an already ascending array, without sorting or hashing it again."""
    if len(values) < 2:
        return values
    return values[np.concatenate(([True], values[1:] != values[:-1]))]


def _fingerprint_column(reader, column: str, counts: np.ndarray) -> str | None:
    """The name of ``column``'s fingerprint column when the segment has one that fits
    it (one byte per hash of each document), else None (then scans read the hashes)."""
    name = FINGERPRINT_COLUMNS.get(column)
    if name is None or not reader.has_column(name):
        return None
    lengths = np.asarray(reader.column_reader(name, translate=False)._lengths, dtype=np.int64)
    return name if np.array_equal(lengths, counts) else None


def fingerprints(hashes: np.ndarray) -> bytes:
    """A document's ``seqtop`` value: the top byte of each of its ``seq`` hashes (uint64).

    The hashes are uniform (blake2b), so a byte matches another word's with odds of
    1/256: a scan of the bytes leaves few places to check against the full hashes."""
    return (hashes >> np.uint64(56)).astype(np.uint8).tobytes()


def _column_bytes(reader, fieldname: str, total: int) -> np.ndarray:
    """A variable-bytes column's values joined, as uint8 (not copied when Whoosh
    gives a buffer)."""
    colfile, base = _column_file(reader, fieldname)
    buf = getattr(colfile, "_buf", None)
    if buf is not None:
        return np.frombuffer(buf, dtype=np.uint8, count=total, offset=base)
    return np.frombuffer(colfile.get(base, total), dtype=np.uint8)


def _column_file(reader, fieldname: str) -> tuple[object, int]:
    """(open column file, base position) of a column, opened once per reader."""
    perdoc = reader._perdoc
    if fieldname not in perdoc._colfiles:
        perdoc._colfiles[fieldname] = perdoc._get_column_file(fieldname)
    colfile, base, _ = perdoc._colfiles[fieldname]
    return colfile, base


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
