"""SearchIndex: the one object the application uses to index and search.

Concurrency: one writer at a time (Whoosh's write lock; the application sends
every write through one worker job). A writer that cannot get the lock within
``lock_timeout`` seconds raises :class:`archive.errors.ServiceUnavailable`.
Readers never wait for a writer: one searcher stays open and is refreshed when
the index generation changes. Searches within one process are serialised by a
lock (Whoosh's file readers share seek positions), each taking milliseconds.
"""
from __future__ import annotations

import threading
from bisect import bisect_right
from collections import OrderedDict
from collections.abc import Iterable
from datetime import date, datetime
from pathlib import Path

import numpy as np
from whoosh import index as windex
from whoosh.index import LockError
from whoosh.scoring import BM25F
import whoosh.searching  # noqa: F401  (imported on the first search otherwise: ~40 ms)
from whoosh.writing import CLEAR

from archive.errors import ServiceUnavailable, ValidationError
from search_index.codec import writer_codec
from search_index.evaluate import Restrictions, evaluate, gather, leaves, top_by_keys, top_by_score
from search_index.cues import best_cue
from search_index.facets import count_facets
from search_index.highlight import mark, snippet
from search_index.query import ParsedQuery, parse_query
from search_index.records import FACET_FIELDS, SORTS, Hit, IndexedProduct, SearchQuery, SearchResult
from search_index.schema import SCORED_FIELDS, build_schema, micros_to_datetime, to_document
from search_index.rebuild import PARALLEL_FROM, write_parallel, write_serial
from search_index.segments import PostingsCache, SegmentData
from search_index import mapped_files

MAX_PER_PAGE = 200
IDF_CACHE_LIMIT = 200_000
MIN_POSTINGS_CACHE, MAX_POSTINGS_CACHE = 4_000_000, 32_000_000


def postings_budget(searcher) -> int:
    """Decoded postings worth keeping for this index: half the words its scored fields
    hold (Whoosh's stored totals, no scan). A posting is a distinct word of a document
    and text repeats its common words, so that is more than their postings (a third to
    two fifths of the words in the benchmarks' corpus, transcripts included) and every
    list searched stays decoded; within MIN_POSTINGS_CACHE and MAX_POSTINGS_CACHE (64
    and 512 MB, per process). The fixed 4 M of before held a 20,000-product index's
    lists but not a larger one's, nor one with transcripts (half as many words again):
    searches then decoded the same lists over and over."""
    words = sum(searcher.field_length(name) for name in SCORED_FIELDS)
    return max(MIN_POSTINGS_CACHE, min(MAX_POSTINGS_CACHE, words // 2))


class SearchIndex:
    """Whoosh index folder at ``path``; nothing is opened until first used.

    ``lock_timeout``: seconds a writer waits for Whoosh's write lock.
    ``result_cache_size``: results kept per index generation (0 = off).
    ``postings_cache_size``: decoded postings kept in memory, about 16 bytes
    each (0 = decode from disk every time); None, the default, sizes it to the index
    (:func:`postings_budget`, from 4 M = 64 MB up to 32 M = 512 MB).
    """

    def __init__(self, path: Path, *, lock_timeout: float = 5.0, result_cache_size: int = 256,
                 postings_cache_size: int | None = None) -> None:
        self.path = Path(path)
        self.lock_timeout = lock_timeout
        self.result_cache_size = result_cache_size
        self._sized_to_index = postings_cache_size is None
        self._postings = PostingsCache(MIN_POSTINGS_CACHE if postings_cache_size is None
                                       else postings_cache_size)
        self._ix = None
        self._searcher = None
        self._lock = threading.RLock()
        self._segments: dict[str, SegmentData] = {}
        self._title_ranks: tuple[int, dict[int, np.ndarray]] | None = None
        self._results: OrderedDict = OrderedDict()

    # -- lifecycle -------------------------------------------------------
    def ensure(self) -> None:
        """Create the index folder and an empty index if missing."""
        with self._lock:
            self._index()

    def _index(self):
        if self._ix is None:
            mapped_files.install()  # segment files read in place, not copied whole on open
            try:
                self.path.mkdir(parents=True, exist_ok=True)
                if windex.exists_in(str(self.path)):
                    self._ix = windex.open_dir(str(self.path))
                else:
                    self._ix = windex.create_in(str(self.path), build_schema())
            except OSError as exc:
                raise ServiceUnavailable(f"search index not usable at {self.path}: {exc}") from exc
        return self._ix

    def is_current(self) -> bool:
        """False when the index on disk was built by another version of Kho.

        Such an index refuses searches and writes until it is rebuilt
        (:meth:`clear`, then every product again: ``kho reindex``).
        """
        with self._lock:
            return self._schema_is_current()

    def _schema_is_current(self) -> bool:
        return sorted(self._index().schema.names()) == sorted(build_schema().names())

    def _require_current_schema(self) -> None:
        if not self._schema_is_current():
            raise ServiceUnavailable("the search index was built by another version of Kho; "
                                     "run `kho reindex` to rebuild it")

    def close(self) -> None:
        with self._lock:
            if self._searcher is not None:
                self._searcher.close()
            self._searcher = None
            self._ix = None
            self._segments.clear()
            self._results.clear()
            self._title_ranks = None

    # -- writing ---------------------------------------------------------
    def _writer(self, check_schema: bool = True):
        if check_schema:
            self._require_current_schema()
        try:
            return self._index().writer(timeout=self.lock_timeout, delay=0.05, limitmb=512,
                                        codec=writer_codec())
        except LockError as exc:
            raise ServiceUnavailable("search index is busy with another writer; try again") from exc

    def upsert(self, products: Iterable[IndexedProduct]) -> int:
        """Add or replace products (by id) in one commit; returns how many.

        Raises ServiceUnavailable when another writer holds the index lock
        for longer than ``lock_timeout``. If the same id appears twice, the
        last record wins.
        """
        latest = {p.id: p for p in products}
        writer = self._writer()
        try:
            for product in latest.values():
                writer.update_document(**to_document(product))
        except BaseException:
            writer.cancel()
            raise
        writer.commit()
        return len(latest)

    def rebuild(self, records: Iterable[IndexedProduct], *, processes: int = 1,
                expected: int | None = None, parallel_from: int = PARALLEL_FROM) -> int:
        """Replace the whole index with ``records`` (ids unique); returns how many.

        Streams: records are read once and never held together, so memory
        stays flat (:mod:`search_index.rebuild`). ``processes`` > 1 writes in
        that many helper processes when ``expected`` (the caller's count) is
        at least ``parallel_from`` (below it, starting helpers costs more than
        they save). Searches see the old index until the commit
        (an index of another schema is emptied first: it cannot answer).
        Raises ServiceUnavailable when another writer holds the lock, and
        RuntimeError if a helper process fails (the old index then stays).
        """
        if not self.is_current():
            self.clear()
        writer = self._writer()
        try:
            if processes > 1 and (expected or 0) >= parallel_from:
                return write_parallel(writer, self.path, records, processes)
            count = write_serial(writer, records)
        except BaseException:
            _cancel(writer)
            raise
        writer.commit(mergetype=CLEAR)  # the old segments go, the new one stays
        return count

    def delete(self, ids: Iterable[int]) -> None:
        """Remove products by id (unknown ids are ignored)."""
        writer = self._writer()
        try:
            for product_id in ids:
                writer.delete_by_term("id", str(product_id))
        except BaseException:
            writer.cancel()
            raise
        writer.commit()

    def clear(self) -> None:
        """Remove every document.

        An index built with an older schema is recreated with the current one
        (what :meth:`rebuild` does first in that case).
        """
        writer = self._writer(check_schema=False)
        if self._schema_is_current():
            writer.commit(mergetype=CLEAR)
            return
        writer.cancel()
        with self._lock:
            self.close()
            windex.create_in(str(self.path), build_schema())

    # -- reading ---------------------------------------------------------
    def _current_searcher(self):
        ix = self._index()
        if self._searcher is not None and len(self._searcher._idf_cache) > IDF_CACHE_LIMIT:
            self._searcher._idf_cache.clear()  # Whoosh never trims it
        if self._searcher is None:
            self._require_current_schema()
            self._searcher = ix.searcher(weighting=BM25F())
        elif not self._searcher.up_to_date():
            # A fresh searcher, not refresh(): refresh() reuses segment readers
            # by generation and keeps their old deletion sets.
            self._searcher.close()
            self._searcher = ix.searcher(weighting=BM25F())
            live = {reader.segment().segment_id() for reader, _ in leaves(self._searcher)}
            self._segments = {k: v for k, v in self._segments.items() if k in live}
        else:
            return self._searcher
        if self._sized_to_index:
            self._postings.budget = postings_budget(self._searcher)
        return self._searcher

    def _segment_data(self, reader) -> SegmentData:
        segid = reader.segment().segment_id()
        data = self._segments.get(segid)
        if data is None:
            data = self._segments[segid] = SegmentData(reader, self._postings)
        return data

    def doc_count(self) -> int:
        """Number of (undeleted) products in the index."""
        with self._lock:
            return self._current_searcher().doc_count()

    def stored_versions(self) -> dict[int, datetime | None]:
        """Product id -> ``updated_at`` as indexed (naive UTC), for reindex checks."""
        with self._lock:
            searcher = self._current_searcher()
            out: dict[int, datetime | None] = {}
            for reader, _ in leaves(searcher):
                data = self._segment_data(reader)
                alive = data.alive(reader)
                pids, updated = data.column(reader, "pid"), data.column(reader, "updated")
                for pid, upd in zip(pids[alive].tolist(), updated[alive].tolist()):
                    out[pid] = micros_to_datetime(upd)
            return out

    def search(self, q: SearchQuery) -> SearchResult:
        """Run one query: matches, total, one page of hits and facet counts."""
        _validate(q)
        parsed = parse_query(q.text)
        with self._lock:
            searcher = self._current_searcher()
            key = _cache_key(q, parsed, searcher.reader().generation())
            cached = self._results.get(key)
            if cached is not None:
                self._results.move_to_end(key)
                return cached
            result = self._run(searcher, q, parsed)
            if self.result_cache_size:
                self._results[key] = result
                while len(self._results) > self.result_cache_size:
                    self._results.popitem(last=False)
            return result

    def _run(self, searcher, q: SearchQuery, parsed: ParsedQuery) -> SearchResult:
        restrictions = Restrictions({k: list(v) for k, v in q.filters.items()},
                                    q.date_from, q.date_to, q.access,
                                    frozenset(q.exclude_ids), q.include_fileless_drafts)
        matches = evaluate(searcher, self._segment_data, parsed, restrictions)
        docs, scores = gather(matches)
        # ties go by product id, not by where a rebuild happened to put the document
        pids = _gather_values(matches, lambda m: m.data.column(m.reader, "pid"))
        k = q.page * q.per_page
        if q.sort == "relevance" and not parsed.is_empty:
            order = top_by_score(pids, scores, k)
        elif q.sort == "title":
            ranks = self._title_rank_arrays(searcher)
            order = top_by_keys(pids, _gather_values(matches, lambda m: ranks[m.offset]), k)
        else:  # newest first; undated last
            produced = _gather_values(matches, lambda m: m.data.column(m.reader, "produced"))
            order = top_by_keys(pids, -produced, k)
        page = order[(q.page - 1) * q.per_page:k]
        terms = parsed.folded_set()
        cues = _cue_blobs(searcher, self._segment_data, [int(docs[i]) for i in page])
        hits = [self._hit(searcher, int(docs[i]), float(scores[i]), terms,
                          cues.get(int(docs[i]), b"")) for i in page]
        return SearchResult(total=len(docs), hits=hits, facets=count_facets(matches, list(q.facets)),
                            page=q.page, per_page=q.per_page)

    def _title_rank_arrays(self, searcher) -> dict[int, np.ndarray]:
        """Per segment offset: each doc's rank in Vietnamese title order (cached per generation)."""
        generation = searcher.reader().generation()
        if self._title_ranks is None or self._title_ranks[0] != generation:
            segments = leaves(searcher)
            keys = [self._segment_data(reader).title_keys(reader) for reader, _ in segments]
            allkeys = np.concatenate(keys) if keys else np.zeros(0, dtype=object)
            ranks = np.empty(len(allkeys), dtype=np.int64)
            ranks[sorted(range(len(allkeys)), key=allkeys.__getitem__)] = np.arange(len(allkeys))
            out, start = {}, 0
            for (_, offset), segkeys in zip(segments, keys):
                out[offset] = ranks[start:start + len(segkeys)]
                start += len(segkeys)
            self._title_ranks = (generation, out)
        return self._title_ranks[1]

    def _hit(self, searcher, docnum: int, score: float, terms: set[str],
             cues: bytes = b"") -> Hit:
        stored = searcher.stored_fields(docnum)
        doc = stored["doc"]
        produced = doc.get("produced_on")
        return Hit(
            id=int(stored["id"]), score=score, title=doc["title"],
            snippet=snippet([doc.get("description", ""), doc.get("text", ""),
                             " · ".join(doc.get("tags", []))], terms),
            kind=doc.get("kind", ""), languages=list(doc.get("languages", [])),
            year=doc.get("year"), status=doc.get("status", ""),
            produced_on=date.fromisoformat(produced) if produced else None,
            title_html=mark(doc["title"], terms),
            cue=best_cue(cues, terms),
        )


def _cue_blobs(searcher, segment_data, docnums: list[int]) -> dict[int, bytes]:
    """The ``cues`` column of some documents (global numbers), read segment by segment
    through each segment's cache (``segment_data(reader)``): a segment written before
    any track existed has no such column, which Whoosh's multi-segment column reader
    would skip, misplacing the others."""
    if not docnums:
        return {}
    segments = sorted(leaves(searcher), key=lambda pair: pair[1])
    offsets = [offset for _, offset in segments]
    wanted: dict[int, list[int]] = {}
    for docnum in docnums:
        wanted.setdefault(bisect_right(offsets, docnum) - 1, []).append(docnum)
    out = {}
    for at, numbers in wanted.items():
        reader, offset = segments[at]
        data = segment_data(reader)
        for docnum in numbers:
            out[docnum] = data.blob(reader, "cues", docnum - offset)
    return out


def _cancel(writer) -> None:
    """Cancel a writer; its lock is released even if cleaning its files fails."""
    if writer.is_closed:
        return
    try:
        writer.cancel()
    finally:
        if writer.writelock is not None:
            try:
                writer.writelock.release()
            except Exception:  # already released by cancel()
                pass


def _gather_values(matches, column_of) -> np.ndarray:
    parts = [column_of(m)[np.flatnonzero(m.mask)] for m in matches]
    return np.concatenate(parts) if parts else np.zeros(0, dtype=np.int64)


def _validate(q: SearchQuery) -> None:
    if q.sort not in SORTS:
        raise ValidationError(f"unknown sort {q.sort!r}; use one of {', '.join(SORTS)}", field="sort")
    if q.page < 1:
        raise ValidationError("page counts from 1", field="page")
    if not 1 <= q.per_page <= MAX_PER_PAGE:
        raise ValidationError(f"per_page must be 1..{MAX_PER_PAGE}", field="per_page")
    for name in q.filters:
        if name not in FACET_FIELDS:
            raise ValidationError(f"cannot filter on {name!r}", field="filters")


def _cache_key(q: SearchQuery, parsed: ParsedQuery, generation: int) -> tuple:
    filters = tuple(sorted((k, tuple(sorted(str(v) for v in vs))) for k, vs in q.filters.items() if vs))
    words = tuple((w.folded, w.exact) for w in parsed.words)
    phrases = tuple(tuple(p) for p in parsed.phrases)
    return (generation, words, phrases, filters, q.date_from, q.date_to, q.sort, q.page,
            q.per_page, q.access, q.include_fileless_drafts, tuple(q.facets),
            tuple(sorted(q.exclude_ids)))
