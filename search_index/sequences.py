"""Each document's word-hash sequence in a segment's ``seq`` / ``xseq`` column, and the
scan of a whole segment for a quoted phrase (issues 25 and 27).

A segment never changes once written, so where each document's sequence lies is built
once (:class:`SequenceLayout`, kept by :class:`search_index.segments.SegmentData`). The
``seqtop`` column holds one byte per word of ``seq`` (the top byte of its hash,
:func:`fingerprints`): a phrase scan compares those first, an eighth of the memory.
Reads private parts of the ``whoosh.codec.whoosh3`` column format (see
:mod:`search_index.segments`).
"""
from __future__ import annotations

import numpy as np

COMPARED_WORDS = 4    # words of a phrase compared over the whole column; the rest at its candidates
SCAN_CHUNK = 1 << 17  # places compared at a time by a phrase scan (temporaries stay in the CPU cache)
# The ``seq`` column's one-byte fingerprints (the top byte of each hash), scanned first
FINGERPRINT_COLUMNS = {"seq": "seqtop"}


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


