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
"""
from __future__ import annotations

import multiprocessing
import os
import threading
import time
import queue as queue_module
from collections.abc import Iterable, Iterator
from itertools import islice
from pathlib import Path

from whoosh import index as windex
from whoosh.writing import SegmentWriter

from search_index.codec import writer_codec
from search_index.records import IndexedProduct
from search_index.schema import to_document

POOL_MB = 256        # Whoosh posting pool per writing process before it spills to disk
BATCH = 200          # records handed to a helper at a time
# Below this many records one process does it all: starting helpers costs ~0.5 s.
PARALLEL_FROM = 5_000


def _batches(records: Iterable[IndexedProduct], size: int) -> Iterator[list[IndexedProduct]]:
    it = iter(records)
    while batch := list(islice(it, size)):
        yield batch


def write_serial(writer, records: Iterable[IndexedProduct]) -> int:
    """Add every record to ``writer`` (a fresh index's, lock held); returns how many."""
    count = 0
    for record in records:
        writer.add_document(**to_document(record))
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
        count = 0
        while (batch := jobs.get()) is not None:
            for record in batch:
                writer.add_document(**to_document(record))
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
