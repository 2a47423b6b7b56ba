"""Answer search queries with another version of Kho's code, for a benchmark's baseline.

    python benchmarks/search_worker.py --root DIR --index PATH [--cpu-time] [--build N --seed S]

``DIR`` holds a tree of the project (``git archive REV``): its ``search_index`` is the
one imported. With ``--build``, when ``PATH`` holds no index yet, that tree's code first
builds it from the first ``N`` records of its own zipf corpus (``--seed``; two writer
processes, as ``kho reindex``) - for a version whose index format differs from today's.
It prints ``ready`` once the index is open, then reads one query text per line (JSON) on stdin and answers each with one
JSON line ``[ms, hits, hits with a moment]``, timing only the search, by this process's
CPU time with ``--cpu-time`` (else the wall clock); the workload is the commune's (exact
total, 5 facet counts, highlighted top 10). Used by caption_search_bench.py
``--baseline-rev`` to time today's code next to the new in the same run.
"""
from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

FACETS5 = ["kind", "languages", "communes", "themes", "year"]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--root", type=Path, required=True)
    parser.add_argument("--index", type=Path, required=True)
    parser.add_argument("--cpu-time", action="store_true")
    parser.add_argument("--build", type=int, default=0, help="records to index when PATH is empty")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)
    sys.path.insert(0, str(args.root.resolve()))
    for name in [m for m in sys.modules if m == "benchmarks" or m.startswith("benchmarks.")]:
        del sys.modules[name]       # this file's own package: import the tree's instead
    from search_index import SearchIndex, SearchQuery

    clock = time.process_time if args.cpu_time else time.perf_counter
    fresh = args.build and not args.index.is_dir()
    index = SearchIndex(args.index, result_cache_size=0)
    if fresh:
        from benchmarks.zipf_corpus import ZipfCorpusGenerator
        records = list(ZipfCorpusGenerator(seed=args.seed).products(args.build))
        index.rebuild(iter(records), processes=2, expected=len(records))
        del records
    print("ready", flush=True)
    for line in sys.stdin:
        text = json.loads(line)
        start = clock()
        result = index.search(SearchQuery(text=text, facets=FACETS5, per_page=10))
        ms = (clock() - start) * 1000
        cued = sum(1 for h in result.hits if getattr(h, "cue", None) is not None)
        print(json.dumps([ms, len(result.hits), cued]), flush=True)
    index.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
