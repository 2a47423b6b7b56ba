"""Writing a whole index at once: every record added once, streamed, in parallel.

A rebuild (``kho reindex``, an upgrade that changed the schema) has no
document to replace, so it skips Whoosh's per-document delete, and it never
holds the records: they flow through in batches and Whoosh's posting pool
spills to sorted runs on disk past its limit (``POOL_MB`` in each helper, the
index's writer limit in the serial path), so memory stays flat however large
the catalogue.

With ``processes`` > 1, helper processes each write one segment of their own
(Whoosh's writer without the lock, as its multi-process writer does) from
batches the caller's process hands out; the caller holds the index lock all
along and commits one table of contents listing those segments. Segments are
not merged afterwards: merging reads and rewrites every posting in Python,
which would cost as much as the build, and a handful of segments answer
queries as fast as one (the evaluator works per segment).

Both paths write through leaner equivalents of Whoosh's own loops (:func:`add_document`,
:class:`_KeySortedPool`, :func:`add_postings`): the same postings, term infos, lengths,
stored fields and columns (tests/unit/search_index/test_cold_start.py), at 10 % less CPU.
"""
from __future__ import annotations

import heapq
import marshal
import multiprocessing
import os
import threading
import time
import queue as queue_module
from collections.abc import Iterable, Iterator
from functools import partial
from itertools import groupby, islice, repeat
from operator import itemgetter
from pathlib import Path

from whoosh import index as windex
from whoosh.writing import PostingPool, SegmentWriter

from search_index.codec import writer_codec
from search_index.records import IndexedProduct
from search_index.schema import to_document

POOL_MB = 256        # Whoosh posting pool per writing process before it spills to disk
BATCH = 200          # records handed to a helper at a time
RUN_CHUNK = 4096     # postings per marshal call in a run the pool spills to disk
# Below this many records one process does it all: starting helpers costs ~0.5 s.
PARALLEL_FROM = 5_000
_FIELD_TERM = itemgetter(0, 1)                                  # of a pooled posting
_TERM, _WEIGHT, _VALUE = itemgetter(0), itemgetter(2), itemgetter(3)   # of a field's items
_DOC, _POSTED_WEIGHT, _POSTED_VALUE = itemgetter(2), itemgetter(3), itemgetter(4)
_POSTED_FIELD, _POSTED_TERM = itemgetter(0), itemgetter(1)


def _batches(records: Iterable[IndexedProduct], size: int) -> Iterator[list[IndexedProduct]]:
    it = iter(records)
    while batch := list(islice(it, size)):
        yield batch


def add_document(writer, fields: dict) -> None:
    """What ``SegmentWriter.add_document(**fields)`` does, for a fresh segment's writer
    and :func:`to_document`'s fields (no boosts, spelling fields or term vectors): the
    same postings, lengths, stored fields and columns, but the postings of a field go
    into Whoosh's pool in one step instead of one checked call each (5 % of the
    build). Raises what Whoosh raises for an unknown field."""
    writer._check_state()
    perdoc, schema, docnum, pool = writer.perdocwriter, writer.schema, writer.docnum, writer.pool
    names = sorted(fields)
    writer._check_fields(schema, names)
    perdoc.start_doc(docnum)
    try:
        for name in names:
            value = fields[name]
            if value is None:
                continue
            field = schema[name]
            length = 0
            if field.indexed:
                items = field.index(value)
                if not isinstance(items, list):
                    items = list(items)
                if field.scorable:
                    length = sum(item[1] for item in items)
                if items:
                    _pool_extend(pool, name, docnum, items)
            perdoc.add_field(name, field, value if field.stored else None, length)
            column = field.column_type
            if column:
                perdoc.add_column_value(name, column, field.to_column_value(value))
    except Exception:
        perdoc.cancel_doc()
        raise
    perdoc.finish_doc()
    writer._added = True
    writer.docnum += 1


def _pool_extend(pool, name: str, docnum: int, items: list[tuple]) -> None:
    """``PostingPool.add`` for the postings of one field of a document (``items``: the
    field's (term bytes, frequency, weight, value bytes)): the pool's size estimate in
    bytes (its value bytes counted as 4: they are at most that), spilling a sorted run
    to disk once past the pool's limit; the tuples made in C, not one by one."""
    count = len(items)
    pool.fieldnames.add(name)
    pool.currentsize += count * (154 + len(name)) + 2 * sum(map(len, map(_TERM, items)))
    if pool.currentsize > pool.limit:
        pool.save()
    pool.current.extend(zip(repeat(name, count), map(_TERM, items), repeat(docnum, count),
                            map(_WEIGHT, items), map(_VALUE, items)))


def write_serial(writer, records: Iterable[IndexedProduct]) -> int:
    """Add every record to ``writer`` (a fresh index's, lock held); returns how many."""
    bulk_postings(writer)
    count = 0
    for record in records:
        add_document(writer, to_document(record))
        count += 1
    return count


def _exit_when_orphaned(parent: int, every: float = 1.0) -> None:
    """Watch (in a thread) for the rebuilding process to vanish, and end this helper then.

    Killed half-way, the parent may even leave a batch half-written in the pipe, which
    a blocked read would wait on for ever; nobody would commit this segment anyway.
    Its files are cleaned away by the index's next commit.
    """
    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(every)
        os._exit(3)

    threading.Thread(target=watch, name="orphan-watch", daemon=True).start()


def _helper(path: str, jobs, results, parent: int) -> None:
    """One helper process: write the batches it takes into one segment of its own."""
    _exit_when_orphaned(parent)
    try:
        ix = windex.open_dir(path)
        writer = SegmentWriter(ix, _lk=False, limitmb=POOL_MB, codec=writer_codec())
        bulk_postings(writer)
        count = 0
        while (batch := jobs.get()) is not None:
            for record in batch:
                add_document(writer, to_document(record))
            count += len(batch)
        # not writer._finish(): it would delete the temporary folder all writers share
        segment = writer._finalize_segment() if count else None
        if not count:
            writer._close_segment()
        results.put(("done", segment, count))
    except BaseException as exc:  # reported to the parent, which cancels the rebuild
        results.put(("error", f"{type(exc).__name__}: {exc}", 0))


def write_parallel(writer, path: Path, records: Iterable[IndexedProduct], processes: int) -> int:
    """Write ``records`` through ``processes`` helpers; commits ``writer`` (lock held) with
    their segments. Raises RuntimeError naming the helper's error if one fails or dies
    (the index is then left as it was: the caller cancels ``writer``)."""
    ctx = multiprocessing.get_context("spawn")  # no inherited locks, threads or connections
    jobs, results = ctx.Queue(maxsize=processes * 4), ctx.Queue()
    helpers = [ctx.Process(target=_helper, args=(str(path), jobs, results, os.getpid()), daemon=True)
               for _ in range(processes)]
    for helper in helpers:
        helper.start()
    answers: list[tuple] = []
    try:
        sent = 0
        for batch in _batches(records, BATCH):
            _put(jobs, batch, helpers, results, answers)
            sent += len(batch)
        for _ in helpers:
            _put(jobs, None, helpers, results, answers)
        while len(answers) < len(helpers):
            _collect(results, answers, helpers, wait=1.0)
        segments = [value for _, value, _ in answers if value is not None]
        written = sum(count for _, _, count in answers)
        if written != sent:
            raise RuntimeError(f"index helpers wrote {written} of {sent} records")
        for helper in helpers:
            helper.join()
    finally:
        for helper in helpers:
            if helper.is_alive():
                helper.kill()
                helper.join(timeout=10)  # gone before anyone cleans the shared temp folder
        for q in (jobs, results):  # batches nobody will read must not hold up exit
            q.cancel_join_thread()
            q.close()
    writer._close_segment()          # the parent's own (empty) segment
    writer._commit_toc(segments)
    writer._finish()                 # releases the lock
    return written


def _collect(results, answers: list[tuple], helpers, wait: float) -> None:
    """Take the helpers' answers that arrived (waiting up to ``wait`` s for one); raise
    RuntimeError on a reported error, or when a helper ended without answering."""
    try:
        while True:
            kind, value, count = results.get(timeout=wait)
            if kind == "error":
                raise RuntimeError(f"an index-writing process failed: {value}")
            answers.append((kind, value, count))
            wait = 0.0
    except queue_module.Empty:
        pass
    ended = [h for h in helpers if not h.is_alive()]
    if len(ended) > len(answers):
        try:  # its answer may have landed just now
            kind, value, _ = results.get(timeout=1.0)
            if kind == "error":
                raise RuntimeError(f"an index-writing process failed: {value}")
        except queue_module.Empty:
            pass
        raise RuntimeError(f"an index-writing process stopped (exit code {ended[0].exitcode})")


def _put(jobs, item, helpers, results, answers: list[tuple]) -> None:
    """Queue ``item``, noticing a helper that failed or died instead of waiting for ever."""
    while True:
        try:
            jobs.put(item, timeout=1.0)
            return
        except queue_module.Full:
            _collect(results, answers, helpers, wait=0.0)


class _KeySortedPool(PostingPool):
    """Whoosh's posting pool, sorting its postings by two stable key sorts (term bytes,
    then field name) instead of comparing whole tuples: the same order, since a pool's
    postings arrive in document order and one term has one posting per document, in
    half the time (the sort was a tenth of the build)."""

    def save(self) -> None:
        if self.current:
            _sort_postings(self.current)
            path, f = self._new_run()
            self._write_run(f, self.current)
            self._add_run(path)
            self.current = []
        self.currentsize = 0

    def items(self, maxfiles: int = 128):
        if not self.runs:
            _sort_postings(self.current)
            return self.current
        return super().items(maxfiles)

    # A run spilled to disk is written and read RUN_CHUNK postings per marshal call, not
    # one each (Whoosh's): a build whose pool spilled once cost 3.2-3.5 CPU-s per 1,000
    # records at 20,000 with Whoosh's runs, 2.8-3.0 with these, 1.9 without a spill.
    def _write_run(self, f, items) -> None:
        items = iter(items)
        while chunk := list(islice(items, RUN_CHUNK)):
            marshal.dump(chunk, f, 2)
        f.close()

    def _read_run(self, path):
        f = self._open_run(path)
        try:
            while True:
                yield from marshal.load(f)
        except EOFError:
            return
        finally:
            f.close()
            self._remove_run(path)

    def _merge_runs(self, paths):
        return heapq.merge(*[self._read_run(path) for path in paths])


def _sort_postings(postings: list[tuple]) -> None:
    postings.sort(key=_POSTED_TERM)
    postings.sort(key=_POSTED_FIELD)


def bulk_postings(writer) -> None:
    """Make ``writer`` (a fresh segment's) sort its postings by keys (:class:`_KeySortedPool`)
    and write them through :func:`add_postings`."""
    if type(writer.pool) is PostingPool:
        writer.pool.__class__ = _KeySortedPool
    writer.fieldwriter.add_postings = partial(add_postings, writer.fieldwriter)


def add_postings(fieldwriter, schema, lengths, items) -> None:
    """``FieldWriter.add_postings`` (Whoosh's, for the W3 codec) with each term's postings
    appended to its blocks in C (slices of up to a block) instead of three checked
    Python calls each: the same blocks, term infos and files. Only without length statistics (``lengths`` None, as
    :func:`search_index.codec.writer_codec` writes); ``items`` are the pool's postings,
    sorted by field, term and document. Otherwise Whoosh's own code runs."""
    if lengths is not None:
        return type(fieldwriter).add_postings(fieldwriter, schema, lengths, items)
    lastfn = None
    for (fieldname, btext), group in groupby(items, key=_FIELD_TERM):
        if fieldname != lastfn:
            if lastfn is not None:
                fieldwriter.finish_field()
            fieldwriter.start_field(fieldname, schema[fieldname])
            lastfn = fieldname
        fieldwriter.start_term(btext)
        block = fieldwriter._postwriter
        limit = block._blocklimit
        postings = list(group)
        done = 0
        while done < len(postings):
            if len(block._ids) >= limit:   # full: written before the next posting, as Whoosh does
                block._write_block()
            chunk = postings[done:done + limit - len(block._ids)]
            block._ids.extend(map(_DOC, chunk))
            block._weights.extend(map(_POSTED_WEIGHT, chunk))
            block._maxweight = max(block._maxweight, max(map(_POSTED_WEIGHT, chunk)))
            block._values.extend(filter(None, map(_POSTED_VALUE, chunk)))
            done += len(chunk)
        fieldwriter.finish_term()
    if lastfn is not None:
        fieldwriter.finish_field()
