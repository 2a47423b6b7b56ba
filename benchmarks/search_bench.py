"""Search benchmark: Kho's Whoosh index vs SQLite FTS5 on the same records and queries.

    python benchmarks/search_bench.py --products 20000 [100000] [--queries 60]
        [--corpus plan|zipf] [--workdir DIR [--reuse]] [--check-phrases N]

For each size: generate records (``plan``: benchmarks/corpus.py, ``zipf``:
benchmarks/zipf_corpus.py, both seeded), index them in
both engines (timed), then for each query type run a warm-up set and a fresh
measured set of queries, one at a time, and print p50/p95 latency per engine
and the ratio Kho/FTS5 (below 1.0 means Kho is faster). Kho's result cache is
off, so every query is evaluated; its posting cache is warmed only by the
warm-up queries, not by the measured ones.

FTS5 side: ``unicode61 remove_diacritics 2`` on text where đ/Đ/ð/Ð and ƀ/Ƀ
were mapped to d/b before insert and query (the tokenizer leaves them alone);
titles weighted 3 in bm25() like Kho's title boost; facets in a side table
joined to the match set; closed products filtered out like Kho's default (a signed-in account).
"""
from __future__ import annotations

import argparse
import os
import platform
import shutil
import sqlite3
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks.corpus import CorpusGenerator  # noqa: E402
from search_index import SearchIndex, SearchQuery  # noqa: E402
from search_index.analysis import iter_words  # noqa: E402

FACETS5 = ["kind", "languages", "communes", "themes", "year"]
STROKES = str.maketrans({"đ": "d", "Đ": "D", "ð": "d", "Ð": "D", "ƀ": "b", "Ƀ": "B"})


# -- FTS5 ------------------------------------------------------------------
def fts_build(path: Path, records) -> float:
    start = time.perf_counter()
    db = sqlite3.connect(path)
    db.executescript("""
        PRAGMA journal_mode=WAL; PRAGMA synchronous=OFF;
        CREATE VIRTUAL TABLE fts USING fts5(title, body, tokenize='unicode61 remove_diacritics 2');
        CREATE TABLE products(id INTEGER PRIMARY KEY, closed INTEGER, produced INTEGER);
        CREATE TABLE facets(product_id INTEGER, field TEXT, value TEXT);
    """)
    from search_index.schema import facet_values
    for p in records:
        body = "\n".join([p.description, *p.tags, p.text, *p.filenames])
        db.execute("INSERT INTO fts(rowid, title, body) VALUES (?,?,?)",
                   (p.id, p.title.translate(STROKES), body.translate(STROKES)))
        db.execute("INSERT INTO products VALUES (?,?,?)", (p.id, int(not p.access_tokens),
                   p.produced_on.toordinal() if p.produced_on else None))
        db.executemany("INSERT INTO facets VALUES (?,?,?)",
                       [(p.id, f, v) for f, vs in facet_values(p).items() for v in vs])
    db.execute("CREATE INDEX facets_by_product ON facets(product_id, field)")
    db.commit()
    db.execute("INSERT INTO fts(fts) VALUES ('optimize')")
    db.commit()
    db.close()
    return time.perf_counter() - start


def fts_match(text: str) -> str:
    """FTS5 MATCH expression: quoted tokens (AND), quoted phrases kept together."""
    text = text.translate(STROKES)
    if text.startswith('"') and text.endswith('"'):
        return '"' + " ".join(w for _, _, w in iter_words(text[1:-1])).replace('"', "") + '"'
    return " ".join('"' + w.replace('"', "") + '"' for _, _, w in iter_words(text))


def fts_query(db, text: str, facets: list[str], highlight: bool) -> tuple[int, list]:
    match = fts_match(text)
    visible = "JOIN products p ON p.id = fts.rowid AND p.closed = 0"
    total = db.execute(f"SELECT count(*) FROM fts {visible} WHERE fts MATCH ?", (match,)).fetchone()[0]
    cols = ("fts.rowid, highlight(fts, 0, '<mark>', '</mark>'), "
            "snippet(fts, 1, '<mark>', '</mark>', '…', 32)") if highlight else "fts.rowid, fts.title"
    top = db.execute(f"SELECT {cols} FROM fts {visible} WHERE fts MATCH ? "
                     "ORDER BY bm25(fts, 3.0, 1.0) LIMIT 10", (match,)).fetchall()
    if facets:
        marks = ",".join("?" * len(facets))
        db.execute(f"SELECT f.field, f.value, count(*) FROM fts {visible} "
                   f"JOIN facets f ON f.product_id = fts.rowid AND f.field IN ({marks}) "
                   "WHERE fts MATCH ? GROUP BY f.field, f.value", (*facets, match)).fetchall()
    return total, top


# -- Kho ---------------------------------------------------------------------
def kho_build(path: Path, records, processes: int = 2) -> tuple[SearchIndex, float]:
    """A full rebuild, as ``kho reindex`` writes it (``processes`` writers)."""
    index = SearchIndex(path, result_cache_size=0)
    start = time.perf_counter()
    index.rebuild(iter(records), processes=processes, expected=len(records))
    return index, time.perf_counter() - start


def kho_query(index: SearchIndex, text: str, facets: list[str], highlight: bool) -> tuple[int, list]:
    result = index.search(SearchQuery(text=text, facets=facets, per_page=10))
    return result.total, [(h.id, h.snippet) if highlight else h.id for h in result.hits]


# -- measurement ---------------------------------------------------------------
QUERY_TYPES = [
    # name, corpus query kind, facets, highlight
    ("1 word", "one_word", [], False),
    ("3 words", "three_words", [], False),
    ("3 words unaccented", "unaccented", [], False),
    ("phrase (2–3 words)", "phrase", [], False),
    ("phrase (4–6 words)", "long_phrase", [], False),
    ("facets (1 word + 5 facets)", "one_word", FACETS5, False),
    ("highlight (2 words, top 10)", "two_words", [], True),
    ("commune workload (3 unaccented + total + 5 facets + highlighted top 10)", "unaccented", FACETS5, True),
]


def phrase_agreement(index: SearchIndex, records, queries: list[str]) -> int:
    """How many of ``queries`` give Kho the total a brute-force scan of the records'
    words gives (benchmarks/phrase_scan.py; closed products hidden)."""
    from benchmarks.phrase_scan import field_texts, holds_phrases
    from search_index.query import parse_query

    fields = [field_texts(r) for r in records if r.access_tokens]
    return sum(index.search(SearchQuery(text=text)).total
               == sum(holds_phrases(f, parse_query(text).phrases) for f in fields)
               for text in queries)


def timed_round_robin(series: list[tuple[Callable[[str], object], list[str]]],
                      clock: Callable[[], float] = time.perf_counter
                      ) -> list[tuple[np.ndarray, list]]:
    """Latencies in ms of each ``(fn, queries)`` series (``fn(query)`` once per query)
    and what ``fn`` returned, in query order. The series run round-robin, query by
    query, so a busy moment of the machine falls on all of them alike; only the call is
    timed, by ``clock`` (wall time; ``time.process_time`` leaves out the time spent
    waiting for a core on a loaded machine); a ``fn`` with ``times_itself`` set (a
    search answered by another process) returns ``(ms, value)``, timed by that process.
    The one timing loop of the search benchmarks (caption_search_bench.py too)."""
    times: list[list[float]] = [[] for _ in series]
    results: list[list] = [[] for _ in series]
    for i in range(max((len(queries) for _, queries in series), default=0)):
        for n, (fn, queries) in enumerate(series):
            if i >= len(queries):
                continue
            start = clock()
            value = fn(queries[i])
            ms = (clock() - start) * 1000
            if getattr(fn, "times_itself", False):   # another process: it says its time
                ms, value = value
            times[n].append(ms)
            results[n].append(value)
    return [(np.array(t), r) for t, r in zip(times, results)]


def timed(fn, queries) -> np.ndarray:
    """Latencies in ms of ``fn(query)`` for each of ``queries``, one after the other."""
    return timed_round_robin([(fn, list(queries))])[0][0]


def dir_size(path: Path) -> int:
    return sum(f.stat().st_size for f in path.rglob("*") if f.is_file()) if path.is_dir() else path.stat().st_size


def generator(corpus: str, seed: int):
    if corpus == "zipf":
        from benchmarks.zipf_corpus import ZipfCorpusGenerator
        return ZipfCorpusGenerator(seed=seed)
    return CorpusGenerator(seed=seed)


def run_size(count: int, n_queries: int, workdir: Path, seed: int, reuse: bool = False,
             check_phrases: int = 0, corpus: str = "plan", types: list[str] | None = None) -> list[str]:
    kho_path, fts_path = workdir / f"kho-{corpus}-{count}", workdir / f"fts-{corpus}-{count}.sqlite"
    records = None
    if reuse and kho_path.is_dir() and fts_path.is_file():
        index, kho_secs, fts_secs = SearchIndex(kho_path, result_cache_size=0), float("nan"), float("nan")
    else:
        shutil.rmtree(kho_path, ignore_errors=True)
        fts_path.unlink(missing_ok=True)
        records = list(generator(corpus, seed).products(count))
        index, kho_secs = kho_build(kho_path, records)
        fts_secs = fts_build(fts_path, records)
    db = sqlite3.connect(fts_path)
    # Same index, no decoded-postings cache: every query reads every posting list.
    uncached = SearchIndex(kho_path, result_cache_size=0, postings_cache_size=0)
    lines = [f"### {count:,} products ({corpus} corpus)", "",
             f"Indexing: Kho {kho_secs:.1f} s ({dir_size(kho_path) / 1e6:.0f} MB), "
             f"FTS5 {fts_secs:.1f} s ({dir_size(fts_path) / 1e6:.0f} MB)", "",
             "| query type | Kho p50 ms | Kho p95 ms | Kho p95 ms, no posting cache | FTS5 p50 ms "
             "| FTS5 p95 ms | p95 Kho/FTS5 | p95 Kho no cache/FTS5 | same totals |",
             "|---|---:|---:|---:|---:|---:|---:|---:|---:|"]
    qgen = generator(corpus, seed + 1)
    for ix in (index, uncached):  # the first query opens the searcher and builds facet arrays
        ix.search(SearchQuery(text="quyen", facets=FACETS5))
    for name, kind, facets, highlight in QUERY_TYPES:
        if types and kind + (":facets" if facets else "") + (":highlight" if highlight else "") not in types:
            continue
        warm, measured = qgen.query_texts(kind, 20), qgen.query_texts(kind, n_queries)
        for engine in (lambda t: kho_query(index, t, facets, highlight),
                       lambda t: kho_query(uncached, t, facets, highlight),
                       lambda t: fts_query(db, t, facets, highlight)):
            timed(engine, warm)
        kho = timed(lambda t: kho_query(index, t, facets, highlight), measured)
        cold = timed(lambda t: kho_query(uncached, t, facets, highlight), measured)
        fts = timed(lambda t: fts_query(db, t, facets, highlight), measured)
        same = sum(kho_query(index, t, [], False)[0] == fts_query(db, t, [], False)[0] for t in measured)
        k50, k95, c95, f50, f95 = (np.percentile(kho, 50), np.percentile(kho, 95), np.percentile(cold, 95),
                                   np.percentile(fts, 50), np.percentile(fts, 95))
        lines.append(f"| {name} | {k50:.1f} | {k95:.1f} | {c95:.1f} | {f50:.1f} | {f95:.1f} "
                     f"| {k95 / f95:.2f} | {c95 / f95:.2f} | {same}/{len(measured)} |")
        print(lines[-1], flush=True)
    if check_phrases:
        if records is None:
            records = list(generator(corpus, seed).products(count))
        for kind in ("phrase", "long_phrase"):
            texts = qgen.query_texts(kind, check_phrases)
            lines.append(f"\nPhrase totals equal to a brute-force scan of the records ({kind}): "
                         f"{phrase_agreement(index, records, texts)}/{len(texts)}")
            print(lines[-1], flush=True)
    db.close()
    index.close()
    uncached.close()
    return lines


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--products", type=int, nargs="+", default=[20000])
    parser.add_argument("--queries", type=int, default=60, help="measured queries per type")
    parser.add_argument("--seed", type=int, default=20231)
    parser.add_argument("--corpus", choices=("plan", "zipf"), default="plan")
    parser.add_argument("--types", nargs="*", default=None,
                        help="only these query types, e.g. unaccented:facets:highlight "
                             "(the commune workload); default all eight")
    parser.add_argument("--workdir", type=Path, default=None, help="keep the indexes here")
    parser.add_argument("--reuse", action="store_true",
                        help="query the indexes an earlier run left in --workdir (same seed) "
                             "instead of building them again (indexing times are then not measured)")
    parser.add_argument("--check-phrases", type=int, default=0, metavar="N",
                        help="also compare the totals of N short and N long phrase queries "
                             "with a brute-force scan of the records")
    args = parser.parse_args(argv)
    workdir = args.workdir or Path(tempfile.mkdtemp(prefix="kho-search-bench-"))
    workdir.mkdir(parents=True, exist_ok=True)
    print(f"machine: {platform.platform()}, {os.cpu_count()} CPUs, Python {platform.python_version()}, "
          f"SQLite {sqlite3.sqlite_version}", flush=True)
    try:
        for count in args.products:
            print("\n".join(run_size(count, args.queries, workdir, args.seed, args.reuse,
                                      args.check_phrases, args.corpus, args.types)), flush=True)
    finally:
        if args.workdir is None:
            shutil.rmtree(workdir, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
