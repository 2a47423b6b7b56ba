"""Issue 27's figures in one run, on the province corpus (benchmarks/province_corpus.py).

    .venv/bin/python benchmarks/province_bench.py --db sqlite postgresql [--scale 1]
        [--parts oai export] [--harvest 50000] [--repeat 5]

For each database the corpus is built once (or reused from /tmp/kho-province) and each
figure is measured against its baseline in the same run; a Markdown table with every
row of the issue's table is printed at the end, with the load average. Rows owned
elsewhere are hooks, marked ``hook``:

* statistics rows (dashboard and API p95, first request after an edit / a broadcast
  log / a download, 8 simultaneous requests, served = recount = baseline, product edit
  latency): measured by benchmarks/summary_bench.py's ``measure`` on this corpus (the
  summary rows against healthz, a served request and the rows-into-Python baseline);
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
  the whole list), records/s and the worker's CPU and peak RSS.
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
import re
import signal
import statistics
import subprocess
import sys
import time
import urllib.request
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


SEARCH_HOOK: Optional[Callable[[Any, dict, str], list[Row]]] = None
STATS_FIGURES = (
    ("dashboard and /api/v1/stats p95, unfiltered and filtered / healthz p95", "≤ 10×"),
    ("first request after a product edit, a broadcast log, a download / a served request",
     "≤ 2×"),
    ("the same with the default kho serve (consumer and audit running) / --no-worker",
     "≤ 2×"),
    ("each of 8 simultaneous requests right after an edit / a served request", "≤ 2×"),
    ("served figures = full recount = rows-into-Python baseline", "100 %"),
    ("a year's consolidated report / openpyxl write-only writing the same cells",
     "≤ 1.5×, ≤ 300 MB"),
    ("a product edit's latency / today's", "≤ 1.2"))
SEARCH_FIGURES = (
    ("search p95 and p50, every type, Kho / FTS5, two corpora", "≤ 1.0"),
    ("full reindex CPU per record, Kho / FTS5; at 1 M / at 100k", "≤ 12×; ≤ 1.1"))


def _hooked(hook, figures, who: str, kho, corpus: dict, url: str, db: str) -> list[Row]:
    if hook is not None:
        return hook(kho, corpus, url)
    return [Row(name, db, f"hook: {who}", target=target) for name, target in figures]


# --- a server over the corpus ---------------------------------------------------------

def _env(kho) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("KHO_")}
    env.update({"KHO_INSTANCE_PATH": str(kho.settings.instance), "KHO_SECRET_KEY": "bench",
                "KHO_QUEUE_URL": "immediate", "KHO_LANG": "en", "PYTHONPATH": str(ROOT)})
    if kho.settings.database_url:
        env["KHO_DATABASE_URL"] = kho.settings.database_url
    if os.environ.get("KHO_OAI_PAGE_SIZE"):     # to try another page size
        env["KHO_OAI_PAGE_SIZE"] = os.environ["KHO_OAI_PAGE_SIZE"]
    return env


class Server:
    """``kho serve --no-worker --workers 1`` on a free port, stopped on exit."""

    def __init__(self, kho) -> None:
        from oai_bench import _children, _free_port

        self.port = _free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.process = subprocess.Popen(
            [sys.executable, "-m", "app", "serve", "--no-worker", "--workers", "1",
             "--port", str(self.port)], env=_env(kho), stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + 120
        while True:
            try:
                urllib.request.urlopen(f"{self.url}/oai?verb=Identify", timeout=10)
                break
            except OSError:
                if time.monotonic() > deadline:
                    self.stop()
                    raise SystemExit("kho serve did not answer within 120 s")
                time.sleep(0.5)
        self.worker = _children(self.process.pid)[0]

    def get(self, path: str) -> tuple[float, bytes]:
        started = time.perf_counter()
        with urllib.request.urlopen(self.url + path, timeout=600) as answer:
            body = answer.read()
        return time.perf_counter() - started, body

    def stop(self) -> None:
        self.process.send_signal(signal.SIGTERM)
        self.process.wait(timeout=60)

    def __enter__(self) -> "Server":
        return self

    def __exit__(self, *exc) -> None:
        self.stop()


# --- OAI-PMH at depth -----------------------------------------------------------------

def depth_token(kho, depth: int, prefix: str = "oai_dc") -> tuple[str, int]:
    """A resumption token at the keyset position of the ``depth``-th harvestable
    product in (updated_at, id) order, signed like the provider's; and the list size."""
    from datetime import datetime, timezone

    from sqlalchemy import func, select

    from app.services.access.visibility import harvestable_clause
    from app.services.common.clock import local_today
    from app.services.oai import resumption_tokens as tokens
    from app.services.records.native import as_utc
    from archive.models import Product

    today = local_today(kho.settings)
    with kho.transaction() as s:
        total = s.scalar(select(func.count()).select_from(Product)
                         .where(harvestable_clause(today)))
        stamp, pid = s.execute(select(Product.updated_at, Product.id)
                               .where(harvestable_clause(today))
                               .order_by(Product.updated_at, Product.id)
                               .offset(depth - 1).limit(1)).one()
    expires = int(datetime.now(timezone.utc).timestamp()) + 86_400
    state = tokens.ListState("ListRecords", prefix, "", None, None,
                             tokens.to_us(as_utc(stamp)), pid, depth, total, expires)
    return tokens.sign(state, kho.settings.secret_key), total


def kho_products(kho) -> int:
    from sqlalchemy import func, select

    from archive.models import Product

    with kho.transaction() as s:
        return s.scalar(select(func.count()).select_from(Product))


def _token_of(body: bytes) -> str:
    found = re.search(rb"<resumptionToken[^>]*>([^<]+)</resumptionToken>", body)
    assert found, body[-500:]
    return found.group(1).decode()


def oai_rows(kho, db: str, repeat: int, harvest: int) -> tuple[list[Row], dict]:
    from sickle import Sickle

    from oai_bench import _cpu_seconds, _peak_rss_kib

    _token, total = depth_token(kho, 1)
    products = kho_products(kho)
    # 900,000 of a million products (the depth), scaled with the corpus, and
    # at least a page before the end
    depth = max(1, min(int(900_000 * products / 1_000_000), total - 101))
    deep, _ = depth_token(kho, depth)
    first_path = "/oai?verb=ListRecords&metadataPrefix=oai_dc"
    out: dict[str, Any] = {"total": total, "depth": depth}
    with Server(kho) as server:
        _, body = server.get(first_path)                        # warm-up, and page 2's token
        second = f"/oai?verb=ListRecords&resumptionToken={_token_of(body)}"
        deep_path = f"/oai?verb=ListRecords&resumptionToken={deep}"
        server.get(deep_path)
        times: dict[str, list[float]] = {"first": [], "second": [], "deep": []}
        for _ in range(repeat):
            for name, path in (("first", first_path), ("second", second),
                               ("deep", deep_path)):
                seconds, body = server.get(path)
                assert b"<record>" in body, body[:400]
                times[name].append(seconds * 1000)
        out.update({k: statistics.median(v) for k, v in times.items()})
        cpu, started, count = _cpu_seconds(server.worker), time.perf_counter(), 0
        client_cpu = time.process_time()
        records = Sickle(server.url + "/oai").ListRecords(
            **({"resumptionToken": deep} if harvest else {"metadataPrefix": "oai_dc"}))
        for _record in records:
            count += 1
            if harvest and count >= harvest:
                break
        out["harvest"] = {"records": count, "seconds": time.perf_counter() - started,
                          "server_cpu": _cpu_seconds(server.worker) - cpu,
                          "client_cpu": time.process_time() - client_cpu,
                          "rss_mib": _peak_rss_kib(server.worker) / 1024}
    h = out["harvest"]
    stretch = (f"{h['records']:,} records from depth {depth:,}" if harvest
               else f"the whole list, {h['records']:,} records")
    rows = [
        Row(f"OAI ListRecords page at depth {depth:,} / first page (with the list count)",
            db, f"{out['deep']:.0f} ms", f"{out['first']:.0f} ms",
            f"**{out['deep'] / out['first']:.2f}**", "≤ 1.2"),
        Row(f"OAI ListRecords page at depth {depth:,} / second page (both from a token)",
            db, f"{out['deep']:.0f} ms", f"{out['second']:.0f} ms",
            f"**{out['deep'] / out['second']:.2f}**", "≤ 1.2"),
        Row(f"OAI harvest with sickle, {stretch}", db,
            f"**{h['records'] / h['seconds']:,.0f} records/s** wall; "
            f"{h['records'] / max(h['server_cpu'], 0.01):,.0f} records per CPU-s of the "
            f"server worker", f"server CPU {h['server_cpu']:.1f} s, sickle CPU "
            f"{h['client_cpu']:.1f} s, worker peak RSS {h['rss_mib']:.0f} MiB", "",
            "≥ 1,000 records/s"),
    ]
    return rows, out


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


# --- the table ------------------------------------------------------------------------

def table(rows: list[Row]) -> str:
    lines = ["| figure | db | Kho | baseline (same run) | ratio | target |",
             "|---|---|---|---|---:|---|"]
    lines += [f"| {r.figure} | {r.db} | {r.value} | {r.baseline} | {r.ratio} | {r.target} |"
              for r in rows]
    return "\n".join(lines)


def main() -> None:
    import province_corpus

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", nargs="+", default=["sqlite", "postgresql"],
                        choices=("sqlite", "postgresql"))
    parser.add_argument("--scale", type=float, nargs="+", default=[1.0],
                        help="one per --db, or one for all")
    parser.add_argument("--parts", nargs="+", default=["stats", "search", "oai", "export"],
                        choices=("stats", "search", "oai", "export"))
    parser.add_argument("--harvest", type=int, default=50_000,
                        help="records harvested from the depth page on "
                             "(0: the whole list from the start)")
    parser.add_argument("--repeat", type=int, default=5)
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
            rows += [Row(f, db, v, ratio=r) for f, v, r in province_rows(kho, args.repeat)]
        if "search" in args.parts:
            rows += _hooked(SEARCH_HOOK, SEARCH_FIGURES, "search_bench.py", kho, corpus,
                            "", db)
        if "oai" in args.parts:
            found, detail = oai_rows(kho, db, args.repeat, args.harvest)
            rows += found
            print(db, "oai", detail, flush=True)
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
