"""Issue 27's figures in one run, on the province corpus (benchmarks/province_corpus.py).

    .venv/bin/python benchmarks/province_bench.py --db sqlite postgresql [--scale 1]
        [--parts oai export report edit] [--harvest 50000] [--repeat 5] [--rounds 3]
        [--oai-baseline DIR [--compare-records 20000]]

For each database the corpus is built once (or reused from /tmp/kho-province) and each
figure is measured against its baseline in the same run; a Markdown table with every
row of the issue's table is printed at the end, with the load average. Rows owned
elsewhere are hooks, marked ``hook``:

* statistics rows (dashboard and API p95, first request after an edit / a broadcast
  log / a download, 8 simultaneous requests, served = recount = baseline): measured
  by benchmarks/summary_bench.py's ``measure`` on this corpus (the summary rows
  against healthz, a served request and the rows-into-Python baseline); then the row
  "the same with the default kho serve / --no-worker" over real HTTP (:func:`province_serve.serve_rows`:
  ``kho serve`` with its job consumer, measured while the rolling fixity audit writes
  its events, against ``kho serve --no-worker`` before and after it);
* search rows (p95/p50 Kho / FTS5, reindex CPU per record): measured by
  benchmarks/search_bench.py and reindex_bench.py on their own corpora; fill
  :data:`SEARCH_HOOK` the same way to have them in this table.

Owned here (issue 27, part 4):

* ``oai``: ``kho serve --no-worker --workers 1`` over the corpus; the first
  ``ListRecords`` page (it also counts the list), the second page (a token at depth
  100) and a page at depth 900,000 (scaled with the corpus: a token signed with the
  instance's key holding the keyset position of that record), each ``--repeat`` times
  alternating,
  medians; then a harvest of ``--harvest`` records with sickle from that depth (0 =
  the whole list), records/s and the worker's CPU and peak RSS. With
  ``--oai-baseline DIR`` (a source tree of the code before a change: ``git archive
  <commit> | tar -x -C DIR``) first ``--compare-records`` records harvested from the
  start against a server of that code and one of this tree, alternating for
  ``--rounds`` rounds: records/s and the worker's CPU per page, before and after
  (benchmarks/province_oai.py).
* ``report``: the consolidated XLSX yearly report of the year produced with the most
  products, in a fresh process, against openpyxl write-only writing the same cells,
  alternating ``--rounds`` times; CPU and wall seconds, peak RSS of each process
  (benchmarks/report_bench.py ``province_rows``).
* ``edit``: a product edit through the service layer with the statistics triggers
  and without them (dropped on a copy of the database), alternating, CPU and wall
  (benchmarks/province_edit.py).
* ``export``: ``kho export --format jsonl`` of the whole public catalogue in a fresh
  process, its resident memory and the bytes written sampled every 0.5 s (peak, and
  the memory once a tenth of the file is written against the peak after that: flat
  memory means a ratio of about 1), against a
  baseline in the same run: the same products' rows SELECTed in keyset order and
  dumped with ``json.dumps`` (benchmarks/export_bench.py).
"""
from __future__ import annotations

import argparse
import os
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Optional

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))


@dataclass
class Row:
    """One line of the figures table: a figure on one database, its baseline, the ratio
    and the issue's target."""

    figure: str
    db: str
    value: str
    baseline: str = ""
    ratio: str = ""
    target: str = ""
    load: str = ""


SEARCH_HOOK: Optional[Callable[[Any, dict, str], list[Row]]] = None
STATS_FIGURES = (
    ("dashboard and /api/v1/stats p95, unfiltered and filtered / healthz p95", "≤ 10×"),
    ("first request after a product edit, a broadcast log, a download / a served request",
     "≤ 2×"),
    ("the same with the default kho serve (consumer and audit running) / --no-worker",
     "≤ 2×"),
    ("each of 8 simultaneous requests right after an edit / a served request", "≤ 2×"),
    ("served figures = full recount = rows-into-Python baseline", "100 %"))
# the report and edit rows are measured here: parts ``report`` and ``edit``
SEARCH_FIGURES = (
    ("search p95 and p50, every type, Kho / FTS5, two corpora", "≤ 1.0"),
    ("full reindex CPU per record, Kho / FTS5; at 1 M / at 100k", "≤ 12×; ≤ 1.1"))


def _hooked(hook, figures, who: str, kho, corpus: dict, url: str, db: str) -> list[Row]:
    if hook is not None:
        return hook(kho, corpus, url)
    return [Row(name, db, f"hook: {who}", target=target) for name, target in figures]


# --- JSONL export ---------------------------------------------------------------------

def _folder_bytes(folder: Path) -> int:
    total = 0
    for path in folder.iterdir():
        try:
            total += path.stat().st_size
        except OSError:
            pass
    return total


def _sampled_run(args: list[str], env: dict[str, str], folder: Path,
                 every: float = 0.5) -> dict:
    """Run a child writing into ``folder``; its wall seconds and (seconds, VmRSS KiB,
    bytes in ``folder``) sampled every ``every`` s."""
    started = time.perf_counter()
    process = subprocess.Popen(args, env=env, stdout=subprocess.DEVNULL,
                               stderr=subprocess.PIPE)
    samples: list[tuple[float, int, int]] = []
    status = Path(f"/proc/{process.pid}/status")
    while process.poll() is None:
        try:
            rss = next(int(line.split()[1]) for line in status.read_text().splitlines()
                       if line.startswith("VmRSS:"))
            samples.append((time.perf_counter() - started, rss, _folder_bytes(folder)))
        except (OSError, ValueError, StopIteration):
            pass
        time.sleep(every)
    code = process.returncode          # poll() reaped it: its CPU is in os.times()
    seconds = time.perf_counter() - started
    err = process.stderr.read().decode()[-2000:]
    process.stderr.close()
    if code != 0:
        raise SystemExit(f"{' '.join(args)} failed: {err}")
    return {"seconds": seconds, "samples": samples}


def export_rows(kho, db: str, work: Path) -> tuple[list[Row], dict]:
    """The JSONL export of the whole public catalogue against its baseline; memory
    sampled against the bytes written, so start-up (imports) is told from growth: the
    resident memory once a tenth of the file is written vs the peak after it."""
    import shutil

    from export_bench import _baseline_dump

    folder = work / f"export-{db}"
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    out = folder / "province.jsonl"
    cpu = time.process_time()
    baseline_s = _baseline_dump(kho, work / f"baseline-{db}.jsonl")
    baseline_cpu = time.process_time() - cpu
    (work / f"baseline-{db}.jsonl").unlink()
    before = os.times()
    from province_oai import _env

    run = _sampled_run([sys.executable, "-m", "app", "export", "--format", "jsonl",
                        "--out", str(out)], _env(kho), folder)
    after = os.times()
    child_cpu = (after.children_user - before.children_user
                 + after.children_system - before.children_system)
    with open(out, "rb") as handle:
        records = sum(1 for _ in handle)
    size = out.stat().st_size
    shutil.rmtree(folder, ignore_errors=True)
    samples = run["samples"] or [(0.0, 0, 0)]
    writing = [(rss, written) for _t, rss, written in samples if written > 0]
    at_tenth = next((rss for rss, written in writing if written >= size / 10),
                    samples[-1][1])
    after_tenth = max([rss for rss, written in writing if written >= size / 10] or [0])
    peak = max(rss for _t, rss, _w in samples)
    result = {"records": records, "seconds": run["seconds"], "cpu": child_cpu,
              "baseline_s": baseline_s, "baseline_cpu": baseline_cpu, "bytes": size,
              "peak_mib": peak / 1024, "at_tenth_mib": at_tenth / 1024,
              "after_tenth_mib": after_tenth / 1024, "samples": len(samples),
              "curve_mib": [(round(t), round(r / 1024), round(w / size, 2))
                            for t, r, w in samples[::max(1, len(samples) // 20)]]}
    rows = [
        Row(f"`kho export --format jsonl`, {records:,} public records", db,
            f"{run['seconds']:.0f} s = **{records / run['seconds']:,.0f} records/s** "
            f"({child_cpu:.0f} CPU s = {records / max(child_cpu, 0.01):,.0f} records/CPU-s)",
            f"SELECT + json.dumps {baseline_s:.0f} s ({baseline_cpu:.0f} CPU s)",
            f"{run['seconds'] / baseline_s:.2f}", ""),
        Row("export memory: peak RSS; RSS once 10 % of the file was written → peak after "
            f"({len(samples)} samples, 0.5 s apart)", db,
            f"**{peak / 1024:.0f} MiB**; {at_tenth / 1024:.0f} → {after_tenth / 1024:.0f} MiB",
            "", f"**{after_tenth / max(at_tenth, 1):.2f}**", "flat (≈ 1.0)"),
    ]
    return rows, result


# --- kho serve with its consumer against --no-worker ---------------------------------

def _span(a: float, b: float) -> str:
    low, high = sorted((a, b))
    return f"{low:.1f}" if f"{low:.1f}" == f"{high:.1f}" else f"{low:.1f}–{high:.1f}"


# --- the table ------------------------------------------------------------------------

def table(rows: list[Row]) -> str:
    lines = ["| figure | db | Kho | baseline (same run) | ratio | target | load |",
             "|---|---|---|---|---:|---|---|"]
    lines += [f"| {r.figure} | {r.db} | {r.value} | {r.baseline} | {r.ratio} | {r.target} "
              f"| {r.load} |" for r in rows]
    return "\n".join(lines)


def main() -> None:
    import province_corpus

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", nargs="+", default=["sqlite", "postgresql"],
                        choices=("sqlite", "postgresql"))
    parser.add_argument("--scale", type=float, nargs="+", default=[1.0],
                        help="one per --db, or one for all")
    parser.add_argument("--parts", nargs="+", default=["stats", "search", "oai", "export"],
                        choices=("stats", "search", "oai", "export", "report", "edit"))
    parser.add_argument("--harvest", type=int, default=50_000,
                        help="records harvested from the depth page on "
                             "(0: the whole list from the start)")
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--oai-baseline", type=Path,
                        help="a source tree of the code before (git archive <commit> | "
                             "tar -x -C DIR): the oai part also harvests from the start "
                             "against it and this tree, alternating")
    parser.add_argument("--compare-records", type=int, default=20_000,
                        help="records per harvest of the --oai-baseline comparison")
    parser.add_argument("--rounds", type=int, default=3,
                        help="alternating rounds of the comparisons (oai, edit)")
    parser.add_argument("--rebuild", action="store_true")
    parser.add_argument("--work", type=Path, default=Path("/tmp/kho-province/out"))
    args = parser.parse_args()
    scales = args.scale * len(args.db) if len(args.scale) == 1 else args.scale
    rows: list[Row] = []
    loads = [os.getloadavg()[0]]
    for db, scale in zip(args.db, scales):
        kho, corpus = province_corpus.open_corpus(db, scale, rebuild=args.rebuild)
        counts = corpus["counts"]
        print(f"{db}: {counts['products']:,} products, {counts['broadcasts']:,} broadcasts, "
              f"{counts['download_records']:,} downloads, {counts['people']:,} people, "
              f"{counts['attendances']:,} attendances; built in "
              f"{corpus['total_seconds']:.0f} s", flush=True)
        if "stats" in args.parts:
            from summary_bench import province_rows     # benchmarks/summary_bench.py
            found = province_rows(kho, args.repeat)
            marks = getattr(found, "loads", None) or [0.0] * (len(found) + 1)
            rows += [Row(f, db, v, ratio=r, load=_span(marks[i], marks[i + 1]))
                     for i, (f, v, r) in enumerate(found)]
            for row in rows[-len(found):]:
                print(db, "stats", row.figure, "|", row.value, "|", row.ratio, "|",
                      row.load, flush=True)
            from province_serve import serve_rows
            found, detail = serve_rows(kho, db, 10)
            rows += found
            print(db, "serve", detail, flush=True)
        if "search" in args.parts:
            rows += _hooked(SEARCH_HOOK, SEARCH_FIGURES, "search_bench.py", kho, corpus,
                            "", db)
        if "oai" in args.parts:
            from province_oai import oai_compare, oai_rows
            if args.oai_baseline:
                found, detail = oai_compare(kho, db, args.oai_baseline,
                                            args.compare_records, args.rounds)
                rows += found
                print(db, "oai before/after", detail, flush=True)
            found, detail = oai_rows(kho, db, args.repeat, args.harvest)
            rows += found
            print(db, "oai", detail, flush=True)
        if "report" in args.parts:
            from report_bench import province_rows as report_rows
            found, detail = report_rows(kho, db, args.work, args.rounds)
            rows += found
            print(db, "report", detail, flush=True)
        if "edit" in args.parts:
            from province_edit import edit_rows
            found, detail = edit_rows(kho, db, args.work, max(args.repeat, 20), args.rounds)
            rows += found
            print(db, "edit", detail, flush=True)
        if "export" in args.parts:
            found, detail = export_rows(kho, db, args.work)
            rows += found
            print(db, "export", detail, flush=True)
        loads.append(os.getloadavg()[0])
        kho.close()
    print()
    print(table(rows))
    print(f"\nLoad average (1 min) during the run: {min(loads):.1f}–{max(loads):.1f} on "
          f"{os.cpu_count()} cores.")


if __name__ == "__main__":
    main()
