"""Search with access filtering (issue 26): p95 of a viewer whose searches the access rule
filters against an admin's (no filter) on the same index, queries and run.

    python benchmarks/access_search_bench.py --products 100000 [--queries 60] [--rounds 3]
        [--workdir DIR [--reuse]] [--types unaccented:facets:highlight ...]

The corpus is search_bench's (benchmarks/corpus.py, same seed, so the same text and
queries), then access is drawn with its own seeded generator: 80 % public, 5 % internal,
10 % restricted to an audience of 1–3 of 50 units (a fifth also to the ``office`` role),
5 % closed; every product owned by one of the 50 units; 2 % under an embargo that has not
ended yet and 1 % under one that has. The viewers, as
``app.services.access.visibility.index_filter`` builds them:

* admin: sees everything (no filter — what every search cost before access levels);
* commune: an account of unit 7, under district 51 (tokens ``level:public``,
  ``level:internal``, ``role:commune``, ``unit:7``, ``unit:51``) with 5 running grants;
* office: an office owning units 1–10 (their products whatever the level).

Each query type runs search_bench's warm-up set and measured set (search_bench's
``QUERY_TYPES`` and ``timed``; the result cache off; the measured set run once untimed
so that every viewer finds the same posting lists decoded), ``--rounds`` times, the
viewers' order reversed from round to round so that all meet the same load; p50/p95 are
over all rounds, and the ratio is each viewer's p95 over the admin's. Prints the machine's load average
before and after: other processes make single numbers noisy, ratios less so.
"""
from __future__ import annotations

import argparse
import os
import platform
import random
import shutil
import sys
import tempfile
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks.search_bench import QUERY_TYPES, dir_size, generator, kho_build, timed  # noqa: E402
from search_index import SEES_EVERYTHING, AccessFilter, SearchIndex, SearchQuery  # noqa: E402

AUDIENCES = 50
TODAY = 20261207
OPEN = frozenset({"level:public", "level:internal"})


def with_access(records, seed: int):
    """The records with access drawn as the module says (their own generator, so the
    text stays search_bench's)."""
    rng = random.Random(seed)
    for r in records:
        r.owner_unit_id = rng.randint(1, AUDIENCES)
        roll = rng.random()
        if roll < 0.80:
            r.access_tokens = ["level:public"]
        elif roll < 0.85:
            r.access_tokens = ["level:internal"]
        elif roll < 0.95:
            r.access_tokens = [f"unit:{u}" for u in rng.sample(range(1, AUDIENCES + 1),
                                                                rng.randint(1, 3))]
            if rng.random() < 0.2:
                r.access_tokens.append("role:office")
        else:
            r.access_tokens = []
        roll = rng.random()
        r.embargo_day = 20270115 if roll < 0.02 else 20260101 if roll < 0.03 else 0
        yield r


def viewers(count: int, seed: int) -> dict[str, AccessFilter]:
    rng = random.Random(seed)
    return {
        "admin": SEES_EVERYTHING,
        "commune": AccessFilter(tokens=OPEN | {"role:commune", "unit:7", "unit:51"},
                                granted=frozenset(rng.sample(range(1, count + 1), 5)),
                                today=TODAY),
        "office": AccessFilter(tokens=OPEN | {"role:office"},
                               owned=frozenset(range(1, 11)), today=TODAY),
    }


def visible_share(index: SearchIndex, access: AccessFilter) -> float:
    everything = index.search(SearchQuery(per_page=1, access=SEES_EVERYTHING, facets=[])).total
    return index.search(SearchQuery(per_page=1, access=access, facets=[])).total / everything


def run(count: int, n_queries: int, rounds: int, workdir: Path, seed: int, reuse: bool,
        types: list[str] | None) -> list[str]:
    path = workdir / f"kho-access-{count}"
    if reuse and path.is_dir():
        index, build = SearchIndex(path, result_cache_size=0), float("nan")
    else:
        shutil.rmtree(path, ignore_errors=True)
        records = list(with_access(generator("plan", seed).products(count), seed + 26))
        index, build = kho_build(path, records)
        del records
    who = viewers(count, seed)
    lines = [f"### {count:,} products (plan corpus, 20 % not public, {AUDIENCES} audiences)", "",
             f"Index: built in {build:.1f} s, {dir_size(path) / 1e6:.0f} MB. Visible: "
             + ", ".join(f"{name} {visible_share(index, f):.1%}" for name, f in who.items()), "",
             "| query type | admin p50 / p95 ms | commune p50 / p95 ms | office p50 / p95 ms "
             "| p95 commune / admin | p95 office / admin |",
             "|---|---:|---:|---:|---:|---:|"]
    index.search(SearchQuery(text="quyen", facets=["kind"]))   # opens the searcher
    qgen = generator("plan", seed + 1)
    for name, kind, facets, highlight in QUERY_TYPES:
        if types and kind + (":facets" if facets else "") + (":highlight" if highlight else "") \
                not in types:
            continue
        warm, measured = qgen.query_texts(kind, 20), qgen.query_texts(kind, n_queries)

        def engine(access: AccessFilter):
            def one(text: str):
                result = index.search(SearchQuery(text=text, facets=facets, per_page=10,
                                                  access=access))
                return [h.snippet for h in result.hits] if highlight else result.total
            return one

        for access in who.values():
            timed(engine(access), warm)
        # the measured queries' posting lists decoded once, untimed: otherwise the first
        # viewer of round one alone pays for reading them from disk
        timed(engine(SEES_EVERYTHING), measured)
        times: dict[str, list[np.ndarray]] = {viewer: [] for viewer in who}
        order = list(who)
        for _ in range(rounds):
            for viewer in order:
                times[viewer].append(timed(engine(who[viewer]), measured))
            order.reverse()
        p = {viewer: (np.percentile(np.concatenate(t), 50), np.percentile(np.concatenate(t), 95))
             for viewer, t in times.items()}
        lines.append(f"| {name} | {p['admin'][0]:.1f} / {p['admin'][1]:.1f} "
                     f"| {p['commune'][0]:.1f} / {p['commune'][1]:.1f} "
                     f"| {p['office'][0]:.1f} / {p['office'][1]:.1f} "
                     f"| {p['commune'][1] / p['admin'][1]:.2f} "
                     f"| {p['office'][1] / p['admin'][1]:.2f} |")
        print(lines[-1], flush=True)
    index.close()
    return lines


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--products", type=int, default=100_000)
    parser.add_argument("--queries", type=int, default=60, help="measured queries per type")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--seed", type=int, default=20231)
    parser.add_argument("--types", nargs="*", default=None,
                        help="only these query types (as search_bench's --types)")
    parser.add_argument("--workdir", type=Path, default=None, help="keep the index here")
    parser.add_argument("--reuse", action="store_true",
                        help="query the index an earlier run left in --workdir")
    args = parser.parse_args(argv)
    workdir = args.workdir or Path(tempfile.mkdtemp(prefix="kho-access-bench-"))
    workdir.mkdir(parents=True, exist_ok=True)
    print(f"machine: {platform.platform()}, {os.cpu_count()} CPUs, Python "
          f"{platform.python_version()}; load average before {os.getloadavg()}", flush=True)
    try:
        print("\n".join(run(args.products, args.queries, args.rounds, workdir, args.seed,
                            args.reuse, args.types)), flush=True)
    finally:
        print(f"load average after {os.getloadavg()}", flush=True)
        if args.workdir is None:
            shutil.rmtree(workdir, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
