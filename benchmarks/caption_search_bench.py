"""Caption search benchmark (issue 25): search with transcripts indexed vs today's search.

    python benchmarks/caption_search_bench.py --products 20000 [100000] [--queries 100]
        [--share 0.10] [--words 1500] [--workdir DIR [--reuse]] [--cpu-time]

For each size, the zipf corpus of benchmarks/search_bench.py (benchmarks/zipf_corpus.py,
seeded) is indexed twice with ``SearchIndex.rebuild`` (two writer processes, as ``kho
reindex``): **today** — the records as they are — and **captions** — the same records,
``--share`` of them (10 %) also carrying a transcript track of about ``--words`` words
(1,000–2,000, mean 1,500) from the same language, in cues of 6–14 words, 2–6 s each.

Queries, one at a time, result cache off, after 20 warm-up queries of each type:

* three kinds of query text: 3 unaccented words, a quoted 2–3 word phrase, 1 word; each
  run as the commune workload of search_bench.py (exact total + 5 facet counts +
  highlighted top 10);
* **today's queries** (the corpus' query generator) on the *today* index — the
  baseline, "today's search p95" of that kind — and on the *captions* index (does
  indexing transcripts slow every search?);
* **said in a transcript**: the same kind, its words taken from a random cue of a random
  transcript (so every query hits at least one transcript, and its hits are looked up
  for the moment they are said, "tại 02:15"), on the *captions* index;
* with ``--baseline-rev REV``: today's queries searched by the code of ``REV`` (``git
  archive``) in a process of its own, on a *today* index that code builds itself from the
  same records (kept in the workdir as ``today-N-REV``): today's search before this version.

Series run round-robin, query by query. The figure: the transcript queries' p95 stays
within today's p95 of the same kind.
"""
from __future__ import annotations

import argparse
import dataclasses
import json
import os
import platform
import random
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from archive.text import fold  # noqa: E402
from benchmarks.search_bench import timed_round_robin  # noqa: E402
from benchmarks.zipf_corpus import ZipfCorpusGenerator  # noqa: E402
from search_index import IndexedProduct, SearchIndex, SearchQuery, TrackText  # noqa: E402

FACETS5 = ["kind", "languages", "communes", "themes", "year"]
SEED = 20231


def transcript(gen: ZipfCorpusGenerator, rng: random.Random, file_id: int, track_id: int,
               words: int) -> TrackText:
    """A transcript of about ``words`` words of the corpus' language, in timed cues."""
    text = gen.words(rng.randint(max(1, words - 500), words + 500))
    cues, at, i = [], 0, 0
    while i < len(text):
        n = rng.randint(6, 14)
        cues.append((at, " ".join(text[i:i + n])))
        at += rng.randint(2000, 6000)
        i += n
    return TrackText(file_id, track_id, "transcript", cues)


def with_transcripts(records: list[IndexedProduct], share: float, words: int,
                     seed: int) -> list[IndexedProduct]:
    gen, rng = ZipfCorpusGenerator(seed=seed + 7), random.Random(seed + 7)
    out = []
    for p in records:
        if rng.random() < share:
            p = dataclasses.replace(p, tracks=[transcript(gen, rng, p.id * 10, p.id, words)])
        out.append(p)
    return out


def build(path: Path, records: list[IndexedProduct],
          reuse: bool = False) -> tuple[SearchIndex, float, int]:
    """The index of ``records`` at ``path`` (two writer processes, as ``kho reindex``);
    ``reuse``: the one an earlier run left there (build time not measured then)."""
    if reuse and path.is_dir():
        index, seconds = SearchIndex(path, result_cache_size=0), float("nan")
        return index, seconds, sum(f.stat().st_size for f in path.rglob("*") if f.is_file())
    shutil.rmtree(path, ignore_errors=True)
    index = SearchIndex(path, result_cache_size=0)
    start = time.perf_counter()
    index.rebuild(iter(records), processes=2, expected=len(records))
    seconds = time.perf_counter() - start
    size = sum(f.stat().st_size for f in path.rglob("*") if f.is_file())
    return index, seconds, size


def cue_queries(records: list[IndexedProduct], kind: str, count: int, rng: random.Random) -> list[str]:
    """Queries made of words said in a random cue of a random transcript."""
    tracks = [t for p in records if p.access_tokens for t in p.tracks]
    out = []
    while len(out) < count:
        words = rng.choice(rng.choice(tracks).cues)[1].split()
        n = {"unaccented": 3, "phrase": rng.randint(2, 3), "one_word": 1}[kind]
        if len(words) < n:
            continue
        start = rng.randrange(len(words) - n + 1)
        picked = " ".join(words[start:start + n])
        out.append(fold(picked) if kind == "unaccented" else
                   f'"{picked}"' if kind == "phrase" else picked)
    return out


def measure(series: list[tuple[SearchIndex, list[str]]],
            clock=time.perf_counter) -> list[tuple[np.ndarray, float]]:
    """Latencies in ms of the commune workload (total, 5 facets, highlighted top 10) for
    each ``(index, texts)`` series, and the share of its hits that carry a cue. The
    series run round-robin, query by query (search_bench.timed_round_robin, the one
    timing loop), so a busy moment of the machine falls on all of them alike."""
    def search(index):
        if isinstance(index, OtherVersion):
            return index.search
        def one(text: str) -> tuple[int, int]:
            result = index.search(SearchQuery(text=text, facets=FACETS5, per_page=10))
            return len(result.hits), sum(1 for h in result.hits if h.cue is not None)
        return one

    out = []
    for times, results in timed_round_robin([(search(ix), texts) for ix, texts in series], clock):
        hits = sum(h for h, _ in results)
        cued = sum(c for _, c in results)
        out.append((times, cued / hits if hits else 0.0))
    return out


class OtherVersion:
    """The same index searched by another version of the code (``git archive`` of
    ``rev`` into ``root``), in a process of its own (benchmarks/search_worker.py)."""

    def __init__(self, root: Path, index: Path, cpu_time: bool, build: int = 0) -> None:
        command = [sys.executable, str(Path(__file__).with_name("search_worker.py")),
                   "--root", str(root), "--index", str(index), "--build", str(build),
                   "--seed", str(SEED)] + (["--cpu-time"] if cpu_time else [])
        self.process = subprocess.Popen(command, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                        text=True, bufsize=1)
        if self.process.stdout.readline().strip() != "ready":
            raise RuntimeError(f"the search worker of {root} did not start")

    def search(self, text: str) -> tuple[float, tuple[int, int]]:
        self.process.stdin.write(json.dumps(text) + "\n")
        ms, hits, cued = json.loads(self.process.stdout.readline())
        return ms, (hits, cued)

    search.times_itself = True  # type: ignore[attr-defined]

    def close(self) -> None:
        self.process.stdin.close()
        self.process.wait(timeout=60)


def export_rev(rev: str, into: Path) -> Path:
    """The project's tree at ``rev`` (``git archive``) in ``into``/``rev``."""
    root = into / f"tree-{rev}"
    if not root.is_dir():
        root.mkdir(parents=True)
        archive = subprocess.run(["git", "-C", str(Path(__file__).resolve().parents[1]), "archive", rev],
                                 check=True, capture_output=True).stdout
        subprocess.run(["tar", "-x", "-C", str(root)], input=archive, check=True)
    return root


def run_size(count: int, queries: int, share: float, words: int, workdir: Path,
             reuse: bool = False, clock=time.perf_counter, baseline_rev: str | None = None
             ) -> list[str]:
    started = time.perf_counter()
    records = list(ZipfCorpusGenerator(seed=SEED).products(count))
    captioned = with_transcripts(records, share, words, SEED)
    tracks = [t for p in captioned for t in p.tracks]
    spoken = [len(text.split()) for t in tracks for _, text in t.cues]
    generated = time.perf_counter() - started
    today, today_s, today_mb = build(workdir / f"today-{count}", records, reuse)
    del records
    caps, caps_s, caps_mb = build(workdir / f"captions-{count}", captioned, reuse)
    rng = random.Random(SEED + 1)
    qgen = ZipfCorpusGenerator(seed=SEED + 1)
    for ix in (today, caps):
        ix.search(SearchQuery(text="quyen", facets=FACETS5))
    lines = [f"### {count:,} products, {len(tracks):,} with a transcript "
             f"({len(tracks) / count:.1%}; {sum(spoken) / max(1, len(tracks)):,.0f} words "
             f"each on average, {sum(len(t.cues) for t in tracks) / max(1, len(tracks)):.0f} "
             f"cues)", "",
             f"Records generated in {generated:.0f} s. Index build: today {today_s:.1f} s "
             f"({today_mb / 1e6:.0f} MB), with transcripts {caps_s:.1f} s "
             f"({caps_mb / 1e6:.0f} MB)", "",
             "Every query: the commune workload's exact total, 5 facet counts and highlighted "
             "top 10 (the cue found for each hit on the transcripts index); timed by the "
             + ("process's CPU time." if clock is time.process_time else "wall clock."), "",
             "| queries | index | p50 ms | p95 ms | p95 / today's p95 (same kind"
             + (f"; / with the code of {baseline_rev}" if baseline_rev else "") + ") "
             "| hits with a moment |",
             "|---|---|---:|---:|---:|---:|"]
    kinds = (("unaccented", "3 unaccented words"), ("phrase", "a quoted 2–3 word phrase"),
             ("one_word", "1 word"))
    today_queries = {kind: qgen.query_texts(kind, queries) for kind, _ in kinds}
    spoken_queries = {kind: cue_queries(captioned, kind, queries, rng) for kind, _ in kinds}
    series, names = [], []
    other = None
    if baseline_rev:
        # its own index, built by its own code: the index format may have changed since
        other = OtherVersion(export_rev(baseline_rev, workdir), workdir / f"today-{count}-{baseline_rev}",
                             clock is time.process_time, build=count)
    for kind, words in kinds:
        if other is not None:
            series.append((other, today_queries[kind]))
            names.append((kind, f"{words}, today's queries", f"today, code of {baseline_rev}"))
        series += [(today, today_queries[kind]), (caps, today_queries[kind]),
                   (caps, spoken_queries[kind])]
        names += [(kind, f"{words}, today's queries", "today"),
                  (kind, f"{words}, today's queries", "with transcripts"),
                  (kind, f"{words} said in a transcript", "with transcripts")]
    measure([(ix, qs[:20]) for ix, qs in series])                    # warm-up
    results = measure(series, clock)
    def p95s(where_name: str) -> dict[str, float]:
        return {kind: np.percentile(times, 95)
                for (kind, _, where), (times, _) in zip(names, results) if where == where_name}

    baseline, old_code = p95s("today"), p95s(f"today, code of {baseline_rev}")
    for (kind, name, where), (times, moments) in zip(names, results):
        p95 = np.percentile(times, 95)
        versus_old = f" / {p95 / old_code[kind]:.2f}" if old_code else ""
        lines.append(f"| {name} | {where} | {np.percentile(times, 50):.1f} | "
                     f"{p95:.1f} | {p95 / baseline[kind]:.2f}{versus_old} | {moments:.0%} |")
        print(lines[-1], flush=True)
    today.close()
    caps.close()
    if other is not None:
        other.close()
    return lines


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--products", type=int, nargs="+", default=[20000])
    parser.add_argument("--queries", type=int, default=100, help="measured queries per type")
    parser.add_argument("--share", type=float, default=0.10,
                        help="share of products with a transcript")
    parser.add_argument("--words", type=int, default=1500, help="mean words per transcript")
    parser.add_argument("--workdir", type=Path, default=None, help="keep the indexes here")
    parser.add_argument("--reuse", action="store_true",
                        help="query the indexes an earlier run left in --workdir instead of "
                             "building them again (build times are then not measured)")
    parser.add_argument("--cpu-time", action="store_true",
                        help="time each query by this process's CPU time, not the wall clock "
                             "(on a loaded machine: leaves out the waits for a core)")
    parser.add_argument("--baseline-rev", default=None,
                        help="also search today's index with the code of this git revision "
                             "(another process, same run): today's search before this version")
    args = parser.parse_args(argv)
    clock = time.process_time if args.cpu_time else time.perf_counter
    workdir = args.workdir or Path(tempfile.mkdtemp(prefix="kho-caption-bench-"))
    workdir.mkdir(parents=True, exist_ok=True)
    print(f"machine: {platform.platform()}, {os.cpu_count()} CPUs, "
          f"Python {platform.python_version()}", flush=True)
    try:
        for count in args.products:
            print("\n".join(run_size(count, args.queries, args.share, args.words, workdir,
                                      args.reuse, clock, args.baseline_rev)), flush=True)
    finally:
        if args.workdir is None:
            shutil.rmtree(workdir, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
