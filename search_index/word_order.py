"""The ``order`` column: where each word of a document lies, found by binary search.

Beside its ``seq`` column (the folded words as 64-bit hashes, in order, 0 between
fields), every document stores the positions of that sequence sorted by (hash,
position): 2 bytes a word, 4 for a document of more than 65,536 words (the byte length
says which). A word's places in one document are then a range of that list, found by
bisection with the hashes read from ``seq`` - log2(words) reads per document, then one
per occurrence - so the places of a phrase's word in the documents holding all its
words cost what those documents' *number* costs, not their length (a transcript of
1,500 words costs little more than a title) nor the whole segment's column (the scan
of :mod:`search_index.phrases`). The neighbours of each place are then compared with the
phrase's other words in ``seq``: a match is exact up to a 64-bit collision on every
word, as before, and never crosses a field (0) or a document's end.

Written by :func:`word_order` for each document (:func:`search_index.schema.to_document`);
an index without the column was built by an older Kho and is rebuilt (``kho reindex``)
before it answers (the schema's names are its format marker).
"""
from __future__ import annotations

import numpy as np

from search_index.sequences import SequenceLayout, _column_file, sorted_unique

ORDER_COLUMN = "order"
_NARROW_WORDS = 1 << 16          # positions fit 2 bytes up to this many words


def word_order(hashes: np.ndarray) -> bytes:
    """A document's ``order`` value: the positions of ``hashes`` (its ``seq``, uint64)
    sorted by (hash, position), little-endian uint16 (uint32 past 65,536 words)."""
    order = np.argsort(hashes, kind="stable")
    return order.astype("<u2" if len(hashes) <= _NARROW_WORDS else "<u4").tobytes()


class WordOrder:
    """Where each document's ``order`` lies in a segment (built once per segment).

    ``present`` is False when the segment has no such column or its lengths do not
    fit the ``seq`` column (then callers use another way to the same documents).
    """

    def __init__(self, reader, seq: SequenceLayout) -> None:
        self.seq = seq
        self.present = seq.present and reader.has_column(ORDER_COLUMN)
        if not self.present:
            return
        col = reader.column_reader(ORDER_COLUMN, translate=False)
        lengths = np.asarray(col._lengths, dtype=np.int64)
        if len(lengths) != len(seq.counts) or not np.all(
                (lengths == 2 * seq.counts) | (lengths == 4 * seq.counts)):
            self.present = False
            return
        self.wide = lengths > 2 * seq.counts                      # 4 bytes an entry
        self.starts = np.concatenate([[0], np.cumsum(lengths)[:-1]]).astype(np.int64) // 2
        self.total = int(lengths.sum()) // 2                      # in 2-byte units

    def _halves(self, reader) -> np.ndarray:
        """The whole column as opaque 2-byte items (unaligned; not copied when Whoosh
        gives a buffer)."""
        colfile, base = _column_file(reader, ORDER_COLUMN)
        buf = getattr(colfile, "_buf", None)
        if buf is not None:
            return np.frombuffer(buf, dtype="V2", count=self.total, offset=base)
        return np.frombuffer(colfile.get(base, self.total * 2), dtype="V2")

    def find(self, reader, docs: np.ndarray, hashes: list[int], anchor: int) -> np.ndarray:
        """Those ``docs`` (ascending) whose sequence holds ``hashes`` consecutively:
        the places of ``hashes[anchor]`` by bisection, then their neighbours. The
        documents' sequences are read only at those places, never whole."""
        if not self.present or not len(docs) or not self.seq.total:
            return docs[:0]
        words = self.seq._all_words(reader).view("V8")   # unaligned 8-byte items: opaque
        halves = self._halves(reader)
        counts, sbase = self.seq.counts[docs], self.seq.offsets[docs]
        pbase, wide = self.starts[docs], self.wide[docs]
        any_wide = bool(wide.any())

        def position(rows: np.ndarray, k: np.ndarray) -> np.ndarray:
            at = pbase[rows] + (k + k * wide[rows] if any_wide else k)
            pos = halves.take(at).view("<u2").astype(np.int64)
            if any_wide:
                w = np.flatnonzero(wide[rows])
                pos[w] |= halves.take(at[w] + 1).view("<u2").astype(np.int64) << 16
            return pos

        def hash_at(rows: np.ndarray, k: np.ndarray) -> np.ndarray:
            return words.take(sbase[rows] + position(rows, k)).view("<u8")

        h = np.uint64(hashes[anchor])
        first = _bisect(hash_at, np.zeros(len(docs), dtype=np.int64), counts, h)
        # the places of the word follow one another in the order: a step per occurrence,
        # over the documents still holding one more (an anchor is mostly the rarest word)
        rows = np.flatnonzero(first < counts)
        k = first[rows]
        found_rows, found_places = [rows[:0]], [k[:0]]
        while len(rows):
            places = position(rows, k)
            same = words.take(sbase[rows] + places).view("<u8") == h
            rows, k = rows[same], k[same] + 1
            found_rows.append(rows)
            found_places.append(places[same])
            more = k < counts[rows]
            rows, k = rows[more], k[more]
        reps = np.concatenate(found_rows)
        starts = np.concatenate(found_places) - anchor
        inside = (starts >= 0) & (starts + len(hashes) <= counts[reps])
        reps, starts = reps[inside], starts[inside]
        for i, word in enumerate(hashes):
            if i != anchor and len(reps):
                same = words.take(sbase[reps] + starts + i).view("<u8") == np.uint64(word)
                reps, starts = reps[same], starts[same]
        return sorted_unique(docs[np.sort(reps)])


def _bisect(hash_at, lo: np.ndarray, hi: np.ndarray, h: np.uint64) -> np.ndarray:
    """Per row, the first index in [lo, hi) whose hash is not below ``h`` (``hi`` when
    none); all rows at once, one numpy step per halving."""
    lo, hi = lo.copy(), hi.copy()
    active = np.flatnonzero(lo < hi)
    while len(active):
        mid = (lo[active] + hi[active]) >> 1
        below = hash_at(active, mid) < h
        lo[active[below]] = mid[below] + 1
        hi[active[~below]] = mid[~below]
        active = active[lo[active] < hi[active]]
    return lo
