"""The first query after a start: Kho vs SQLite FTS5, each in a fresh process.

    python benchmarks/cold_start_bench.py --kho DIR --fts FILE [--products 100000]
        [--runs 5] [--baseline-root DIR] [--profile FILE]

``DIR`` is an existing Kho index of ``ZipfCorpusGenerator(seed).products(N)``; ``FILE``
the FTS5 database of ``search_bench.fts_build`` over the same records (built first, from
the same generator, when missing). Every measurement is one new Python process
(``--worker``): it imports its modules (not timed: both engines import the same ones),
then times opening the index and answering one query — the commune workload (total,
5 facet counts, highlighted top 10: ``search_bench.kho_query`` / ``fts_query``) or a
plain one (total, top 10 ids and titles) —
by the wall clock and by the process's CPU time, and then a second query of the same
kind in the same process for comparison. Query texts come from the corpus' query
generator (seed + 1), a different one per run, the same for both engines; the engines
(and ``--baseline-root``, another tree of the project whose ``search_index`` is then
imported) alternate run by run. The OS page cache is warm: every file of both indexes
is read once before the runs, so the figures are the engines' own work, not the disk's.
Prints a table in milliseconds (median over runs, min–max) and the load average.
``--kinds 3,4`` runs some rows of ``KINDS`` only (by number). ``--profile FILE`` writes a cProfile of one Kho first query (of ``--profile-kind``) instead.
"""
from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parents[1]
FACETS5 = ["kind", "languages", "communes", "themes", "year"]
# label, query kind, commune workload (total + 5 facets + highlighted top 10) or plain
# (total + top 10 ids and titles, no facets)
KINDS = [("1 word", "one_word", True), ("3 words unaccented", "unaccented", True),
         ("phrase (2–3 words)", "phrase", True), ("1 word, plain", "one_word", False),
         ("phrase (2–3 words), plain", "phrase", False)]


def worker(engine: str, path: Path, texts: list[str], profile: str | None, plain: bool = False) -> dict:
    """Open ``path`` and answer ``texts`` in order; ms for each (the first includes the open)."""
    from benchmarks.search_bench import fts_query, kho_query
    from search_index import SearchIndex
    import sqlite3

    out = {"wall": [], "cpu": []}
    handle = None
    prof = None
    if profile:
        import cProfile
        prof = cProfile.Profile()
    for i, text in enumerate(texts):
        w0, c0 = time.perf_counter(), time.process_time()
        if prof is not None and i == 0:
            prof.enable()
        if handle is None:
            handle = (SearchIndex(path, result_cache_size=0) if engine == "kho"
                      else sqlite3.connect(path))
        facets, highlight = ([], False) if plain else (FACETS5, True)
        if engine == "kho":
            kho_query(handle, text, facets, highlight)
        else:
            fts_query(handle, text, facets, highlight)
        if prof is not None and i == 0:
            prof.disable()
            prof.dump_stats(profile)
        out["wall"].append((time.perf_counter() - w0) * 1000)
        out["cpu"].append((time.process_time() - c0) * 1000)
    return out


def run(root: Path, engine: str, path: Path, texts: list[str], profile: str | None = None,
        plain: bool = False) -> dict:
    args = [sys.executable, str(HERE / "benchmarks" / "cold_start_bench.py"), "--worker", engine,
            "--root", str(root), "--index", str(path), "--texts", json.dumps(texts)]
    if plain:
        args.append("--plain")
    if profile:
        args += ["--profile", profile]
    done = subprocess.run(args, check=True, capture_output=True, text=True, cwd=str(root))
    return json.loads(done.stdout.strip().splitlines()[-1])


def warm_page_cache(*paths: Path) -> int:
    """Read every file under ``paths`` once (bytes read)."""
    total = 0
    for path in paths:
        for f in ([path] if path.is_file() else sorted(p for p in path.rglob("*") if p.is_file())):
            with open(f, "rb") as fh:
                while chunk := fh.read(1 << 22):
                    total += len(chunk)
    return total


def _fmt(values: list[float]) -> str:
    return f"{statistics.median(values):.0f} ({min(values):.0f}–{max(values):.0f})"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--kho", type=Path)
    parser.add_argument("--fts", type=Path)
    parser.add_argument("--products", type=int, default=100_000)
    parser.add_argument("--seed", type=int, default=20231)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--baseline-root", type=Path)
    parser.add_argument("--profile")
    parser.add_argument("--profile-kind", default="unaccented", help="query kind profiled")
    parser.add_argument("--worker", choices=["kho", "fts"])
    parser.add_argument("--root", type=Path, default=HERE)
    parser.add_argument("--index", type=Path)
    parser.add_argument("--texts")
    parser.add_argument("--plain", action="store_true")
    parser.add_argument("--kinds", help="labels' query kinds to run, comma-separated (default all)")
    args = parser.parse_args(argv)
    if args.worker:
        sys.path.insert(0, str(args.root.resolve()))
        print(json.dumps(worker(args.worker, args.index, json.loads(args.texts), args.profile,
                                args.plain)))
        return 0
    sys.path.insert(0, str(HERE))
    from benchmarks.zipf_corpus import ZipfCorpusGenerator

    if not args.fts.is_file():
        from benchmarks.search_bench import fts_build
        fts_build(args.fts, list(ZipfCorpusGenerator(seed=args.seed).products(args.products)))
    qgen = ZipfCorpusGenerator(seed=args.seed + 1)
    if args.profile:
        run(HERE, "kho", args.kho, qgen.query_texts(args.profile_kind, 2), args.profile)
        return 0
    read = warm_page_cache(args.kho, args.fts)
    sides = [("Kho", HERE, "kho", args.kho), ("FTS5", HERE, "fts", args.fts)]
    if args.baseline_root:
        sides.insert(1, ("Kho baseline", args.baseline_root.resolve(), "kho", args.kho))
    print(f"page cache warmed ({read / 1e6:.0f} MB read); {args.runs} fresh processes per cell; "
          f"ms, median (min–max); load at start {os.getloadavg()}")
    print("| query | engine | first query wall | first query CPU | second query CPU |")
    print("|---|---|---:|---:|---:|")
    for label, kind, workload in KINDS:
        if args.kinds and str(KINDS.index((label, kind, workload))) not in args.kinds.split(","):
            continue
        texts = qgen.query_texts(kind, args.runs * 2)
        got: dict[str, dict[str, list[float]]] = {name: {"wall": [], "cpu": [], "second": []}
                                                  for name, *_ in sides}
        for r in range(args.runs):
            order = sides if r % 2 == 0 else sides[::-1]
            for name, root, engine, path in order:
                res = run(root, engine, path, texts[2 * r:2 * r + 2], plain=not workload)
                got[name]["wall"].append(res["wall"][0])
                got[name]["cpu"].append(res["cpu"][0])
                got[name]["second"].append(res["cpu"][1])
        for name, *_ in sides:
            g = got[name]
            print(f"| {label} | {name} | {_fmt(g['wall'])} | {_fmt(g['cpu'])} | {_fmt(g['second'])} |",
                  flush=True)
        print(f"load {os.getloadavg()}", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
