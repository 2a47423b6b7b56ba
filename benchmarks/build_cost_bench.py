"""Full-reindex CPU per record, Kho vs SQLite FTS5, for this tree and another revision's.

    python benchmarks/build_cost_bench.py [--products 4000] [--rounds 2]
        [--baseline-root DIR ...] [--profile FILE]

Each measurement is one fresh process (``--worker``) whose ``sys.path`` starts with a
project tree (this one, or ``--baseline-root``: ``git archive REV | tar -x -C DIR``):
it generates ``ZipfCorpusGenerator(seed).products(N)`` with that tree's code, then
builds, alternately, the FTS5 table of ``search_bench.fts_build`` and Kho's index by
``SearchIndex.rebuild`` in this one process (the serial path, as the issue's
figure), timing each by the process's CPU time (seconds). The trees are alternated
round by round, so a change of the machine's load hits both. Prints CPU-s per 1,000
records for each engine, the ratio Kho / FTS5 and the load average (the machine is
shared: CPU time, not the wall clock, is what compares). ``--profile FILE`` writes a
cProfile of this tree's Kho build instead.
"""
from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parents[1]


def worker(root: Path, count: int, seed: int, repeats: int, profile: str | None) -> dict:
    """Build both engines ``repeats`` times from one record list; CPU seconds each."""
    sys.path.insert(0, str(root))
    from benchmarks.search_bench import fts_build
    from benchmarks.zipf_corpus import ZipfCorpusGenerator
    from search_index import SearchIndex

    records = list(ZipfCorpusGenerator(seed=seed).products(count))
    kho, fts = [], []
    with tempfile.TemporaryDirectory(prefix="h4-build-") as tmp:
        for i in range(repeats):
            start = time.process_time()
            fts_build(Path(tmp) / f"fts{i}.sqlite", records)
            fts.append(time.process_time() - start)
            index = SearchIndex(Path(tmp) / f"kho{i}", result_cache_size=0)
            if profile:
                import cProfile
                prof = cProfile.Profile()
                prof.enable()
            start = time.process_time()
            index.rebuild(iter(records), processes=1)
            kho.append(time.process_time() - start)
            if profile:
                prof.disable()
                prof.dump_stats(profile)
                profile = None
            index.close()
    return {"kho": kho, "fts": fts}


def run(root: Path, count: int, seed: int, repeats: int, profile: str | None = None) -> dict:
    args = [sys.executable, __file__, "--worker", "--root", str(root), "--products", str(count),
            "--seed", str(seed), "--repeats", str(repeats)] + (["--profile", profile] if profile else [])
    out = subprocess.run(args, check=True, capture_output=True, text=True, cwd=str(root)).stdout
    return json.loads(out.strip().splitlines()[-1])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--products", type=int, default=4000)
    parser.add_argument("--seed", type=int, default=20231)
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--repeats", type=int, default=1, help="builds per process")
    parser.add_argument("--baseline-root", type=Path, action="append", default=[],
                        help="another tree (repeatable)")
    parser.add_argument("--profile")
    parser.add_argument("--worker", action="store_true")
    parser.add_argument("--root", type=Path, default=HERE)
    args = parser.parse_args(argv)
    if args.worker:
        print(json.dumps(worker(args.root.resolve(), args.products, args.seed, args.repeats,
                                args.profile)))
        return 0
    if args.profile:
        run(HERE, args.products, args.seed, 1, args.profile)
        return 0
    trees = [("this tree", HERE)] + [(root.name, root.resolve()) for root in args.baseline_root]
    print(f"{args.products} zipf records, CPU-s per 1,000 records (one process per row)")
    print("| round | tree | Kho | FTS5 | Kho / FTS5 | load (1 min) |")
    print("|---|---|---:|---:|---:|---:|")
    for rnd in range(args.rounds):
        for name, root in (trees if rnd % 2 == 0 else trees[::-1]):
            r = run(root, args.products, args.seed, args.repeats)
            kho, fts = min(r["kho"]), min(r["fts"])
            per = 1000 / args.products
            print(f"| {rnd + 1} | {name} | {kho * per:.2f} | {fts * per:.3f} | {kho / fts:.1f} "
                  f"| {os.getloadavg()[0]:.1f} |", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
