"""What a phrase's scan of a whole segment costs per word of the segment, new and old.

    python benchmarks/phrase_scan_bench.py INDEX [--phrases 200] [--rounds 3]

For each segment of the index at ``INDEX`` (one built by caption_search_bench.py, say),
``--phrases`` phrases of 2-3 words taken from the segment's own text at random places
(so common words come up as often as in the text: transcript phrases are such) are
found three ways, alternately, timed by this process's CPU time:

* **new**: ``search_index.segments.SequenceLayout.starts`` - every word compared at its
  offset, combined before the places are listed, over the one-byte fingerprints
  (``seqtop``), then the places checked against the full hashes;
* **new, full hashes**: the same over the 8-byte hashes (no fingerprints);
* **before** (the way of the last landed commit, 63e6b20): the places of the phrase's
  rarest word (here the one with fewest places, its best case) over the full hashes,
  then the neighbours of each place.

All three must find the same places. Prints the cost per word of the segment (what
``SCAN_NS_PER_HASH`` of ``search_index/phrases.py`` stands for) at the median and p95.
"""
from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from search_index import SearchIndex  # noqa: E402
from search_index.evaluate import leaves  # noqa: E402
from search_index.segments import PostingsCache, SegmentData  # noqa: E402

BEFORE_CHUNK = 1 << 20   # the scan's chunk in 63e6b20


def before(words: np.ndarray, hashes: list[int], anchor: int) -> np.ndarray:
    """The scan of the last landed commit: the anchor word's places, then neighbours."""
    h = hashes[anchor]
    places = np.concatenate([np.flatnonzero(words[at:at + BEFORE_CHUNK] == h) + at
                             for at in range(0, len(words), BEFORE_CHUNK)])
    opaque = words.view("V8")
    starts = places - anchor
    starts = starts[(starts >= 0) & (starts + len(hashes) <= len(words))]
    for i, h in enumerate(hashes):
        if i != anchor and len(starts):
            starts = starts[opaque.take(starts + i).view("<u8") == h]
    return starts


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("index", type=Path)
    parser.add_argument("--phrases", type=int, default=200)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args(argv)
    ix = SearchIndex(args.index, result_cache_size=0)
    rng = np.random.default_rng(25)
    costs: dict[str, list[float]] = {"new": [], "new, full hashes": [], "before": []}
    sizes, places = [], []
    for reader, _ in leaves(ix._current_searcher()):
        layout = SegmentData(reader, PostingsCache(0))._layout(reader, "seq")
        if layout.fingerprints is None:
            raise SystemExit(f"{args.index}: no fingerprint column (built before it existed)")
        words = layout._all_words(reader)
        sizes.append(layout.total)
        picked = 0
        while picked < args.phrases:
            at, size = int(rng.integers(0, layout.total - 3)), int(rng.integers(2, 4))
            hashes = [int(h) for h in words[at:at + size]]
            if 0 in hashes:
                continue                      # across a field: not a phrase anyone types
            picked += 1
            anchor = int(np.argmin([np.count_nonzero(words == h) for h in hashes]))
            ways = {"new": lambda: layout.starts(reader, hashes),
                    "before": lambda: before(words, hashes, anchor)}
            def full_hashes():
                saved, layout.fingerprints = layout.fingerprints, None
                try:
                    return layout.starts(reader, hashes)
                finally:
                    layout.fingerprints = saved
            ways["new, full hashes"] = full_hashes
            best = {name: float("inf") for name in ways}
            found = {}
            for _ in range(args.rounds):
                for name, way in ways.items():
                    start = time.process_time()
                    found[name] = way()
                    best[name] = min(best[name], time.process_time() - start)
            if not (np.array_equal(found["new"], found["before"])
                    and np.array_equal(found["new"], found["new, full hashes"])):
                raise SystemExit(f"different places for {hashes}")
            for name in ways:
                costs[name].append(best[name] / layout.total * 1e9)
            places.append(len(found["new"]))
    ix.close()
    print(f"{len(places)} phrases over {len(sizes)} segments of {min(sizes):,}–{max(sizes):,} "
          f"words; places of a phrase: median {np.median(places):,.0f}, p95 "
          f"{np.percentile(places, 95):,.0f}")
    print("| ns per word of the segment (CPU) | new | new, full hashes | before | new / before |")
    print("|---|---:|---:|---:|---:|")
    for name, pick in (("median", 50), ("p95", 95), ("max", 100)):
        row = [np.percentile(costs[k], pick) for k in ("new", "new, full hashes", "before")]
        print(f"| {name} | {row[0]:.2f} | {row[1]:.2f} | {row[2]:.2f} | {row[0] / row[2]:.2f} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
