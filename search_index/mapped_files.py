"""Whoosh's segment files read in place from their memory map, not copied on open.

Whoosh opens each file of a compound segment (``.seg``) as a ``BufferFile`` over a
memoryview of the segment's mmap, and its constructor wraps the view in ``BytesIO``
for sequential reads — which copies the whole file. Opening a searcher opens the
terms and postings files of every segment and the first hits open the stored-fields
and column files, so the first query after a start copied about the whole index
into memory (hundreds of MB at 100,000 products; 0.5 s of a 20,000-product index's
first query, most of it). :class:`ViewFile` gives the same sequential reads
(read, readline, readinto, seek, tell, iteration) over the view, copying only what is
read; random reads (``get``, ``get_array``) already went to the view directly.

:func:`install` also replaces ``VarBytesColumn.Reader._read_offsets_and_lengths``
(the offsets of a bytes column, summed in C). It replaces them once per process; it is
called when a :class:`search_index.index.SearchIndex` first opens its folder. Writing through a ``BufferFile``
was never supported (its buffer is read-only) and raises ``io.UnsupportedOperation``.
"""
from __future__ import annotations

import io
import os
import struct
from array import array
from itertools import accumulate

from whoosh import columns
from whoosh.filedb import structfile

PEEK = 4096   # bytes ViewFile.peek gives at most (a term's or block's pickled info is smaller)


class ViewFile(io.RawIOBase):
    """A read-only, seekable file over a bytes-like object (no copy of the whole)."""

    def __init__(self, buf) -> None:
        super().__init__()
        self._view = memoryview(buf).cast("B") if not isinstance(buf, bytes) else buf
        self._pos = 0

    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return True

    def read(self, size: int | None = -1) -> bytes:
        start, end = self._pos, len(self._view)
        if size is not None and size >= 0:
            end = min(end, start + size)
        self._pos = max(start, end)
        return bytes(self._view[start:end])

    def peek(self, size: int = 0) -> bytes:
        """Up to PEEK bytes ahead, not consumed: the C unpickler then reads a pickle
        from them in one call instead of one ``read`` per opcode."""
        return bytes(self._view[self._pos:self._pos + min(max(size, 1), PEEK)])

    def readinto(self, b) -> int:
        data = self.read(len(b))
        b[:len(data)] = data
        return len(data)

    def readline(self, size: int | None = -1) -> bytes:
        view, start = self._view, self._pos
        limit = len(view) if size is None or size < 0 else min(len(view), start + size)
        end = at = start
        while at < limit:                      # in chunks: never the whole rest copied
            chunk = bytes(view[at:min(limit, at + 4096)])
            nl = chunk.find(b"\n")
            if nl >= 0:
                end = at + nl + 1
                break
            at += len(chunk)
            end = at
        self._pos = end
        return bytes(view[start:end])

    def seek(self, offset: int, whence: int = os.SEEK_SET) -> int:
        base = {os.SEEK_SET: 0, os.SEEK_CUR: self._pos, os.SEEK_END: len(self._view)}[whence]
        self._pos = max(0, base + offset)
        return self._pos

    def tell(self) -> int:
        return self._pos


def _buffer_file_init(self, buf, name=None, onclose=None) -> None:
    self._buf = buf
    self._name = name
    self.file = ViewFile(buf)
    self.onclose = onclose
    self.is_real = False
    self.is_closed = False


def _read_offsets_and_lengths(self) -> None:
    """``VarBytesColumn.Reader``'s own, with the offsets Whoosh derives from the lengths
    (columns of at most 32,768 documents store none) summed in C, not a Python loop
    (11 ms per column of 20,000 documents, paid by each segment's first query)."""
    dbfile, doccount = self._dbfile, self._doccount
    lastbyte = self._basepos + self._length - 1
    lens_code = chr(dbfile.get_byte(lastbyte))
    offsets = None
    if lens_code == "X":
        self.had_stored_offsets = True
        lens_code = chr(dbfile.get_byte(lastbyte - 2))
        offsets_code = chr(dbfile.get_byte(lastbyte - 1))
        offsetstart = (lastbyte - 2) - doccount * struct.calcsize(offsets_code)
        offsets = dbfile.get_array(offsetstart, offsets_code, doccount)
        lastbyte = offsetstart
    lengths = dbfile.get_array(lastbyte - struct.calcsize(lens_code) * doccount, lens_code, doccount)
    if offsets is None:
        offsets = array("L", accumulate(lengths, initial=0))
        offsets.pop()
    self._offsets = offsets
    self._lengths = lengths


WHOOSH_READ_OFFSETS = columns.VarBytesColumn.Reader._read_offsets_and_lengths  # for the tests


def install() -> None:
    """Make Whoosh's ``BufferFile`` read through :class:`ViewFile` and its variable-size
    column readers sum their offsets in C (once per process; idempotent)."""
    structfile.BufferFile.__init__ = _buffer_file_init
    columns.VarBytesColumn.Reader._read_offsets_and_lengths = _read_offsets_and_lengths
