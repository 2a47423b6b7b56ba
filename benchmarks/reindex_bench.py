"""Index build benchmark: a full ``kho reindex`` and an incremental flush, vs SQLite FTS5.

    python benchmarks/reindex_bench.py --products 20000 100000 [--corpus plan|zipf]
        [--processes 2] [--flush 500] [--workdir DIR]

For each size: an instance (SQLite catalogue) is filled with the corpus's records
by bulk inserts - title, description, tags, one file with its extracted text and
name, kind, languages - then, each in a fresh process:

* ``kho reindex`` (the CLI: reads every product from the database, writes the
  index with ``--processes`` writers, swaps it in); wall time and the peak RSS
  of the largest process (``ru_maxrss`` of the command and its children);
* the baseline in the same run: building the FTS5 table of
  ``benchmarks/search_bench.py`` from the same records (no database read);
* an incremental flush: ``--flush`` products edited (title and time) and marked,
  then ``app.services.search.indexing.flush`` writes them, timed.
"""
from __future__ import annotations

import argparse
import json
import os
import platform
import random
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from datetime import datetime, timezone
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

CHUNK = 5_000


def _kho(folder: Path, processes: int, database_url: str = ""):
    from app.bootstrap import Kho
    from config import load_settings

    return Kho(load_settings({"instance_path": str(folder), "secret_key": "bench",
                              "queue_url": "immediate", "index_build_processes": processes,
                              "database_url": database_url}, environ={}))


def fill(folder: Path, records, processes: int, database_url: str = "") -> None:
    """A fresh instance holding ``records`` as products with one file each (in SQLite
    in the instance, or in the empty database at ``database_url``)."""
    from sqlalchemy import insert, select, text

    from app.services.instance.setup import init_instance
    from archive.catalogue import product_terms
    from archive.models import File, Product, Term

    shutil.rmtree(folder, ignore_errors=True)
    kho = _kho(folder, processes, database_url)
    init_instance(kho)
    with kho.transaction() as s:
        terms = {(t.vocabulary, t.code): t.id for t in s.scalars(select(Term))}
    kinds = [tid for (voc, _), tid in terms.items() if voc == "kind"]
    languages = {code: tid for (voc, code), tid in terms.items() if voc == "language"}
    now = datetime(2026, 11, 1, tzinfo=timezone.utc)
    rng = random.Random(5)
    products, files, links = [], [], []

    def flush_rows(conn) -> None:
        for table, rows in ((Product.__table__, products), (File.__table__, files),
                            (product_terms, links)):
            if rows:
                conn.execute(insert(table), rows)
                rows.clear()

    with kho.engine.begin() as conn:
        for r in records:
            products.append({"id": r.id, "title": r.title, "description": r.description,
                             "kind_id": rng.choice(kinds), "produced_on": r.produced_on,
                             "tags": list(r.tags), "suggestions": [], "rights_note": "",
                             "access_level": "public" if r.access_tokens else "closed",
                             "status": "ready",
                             "created_at": now, "updated_at": now})
            sha = f"{r.id:064x}"
            files.append({"id": r.id, "product_id": r.id, "sha256": sha, "size": 1000,
                          "media_type": "application/pdf", "category": "pdf",
                          "original_filename": r.filenames[0] if r.filenames else "tep.pdf",
                          "storage_key": f"originals/{sha}", "technical": {}, "text": r.text,
                          "status": "ready"})
            links.extend({"product_id": r.id, "term_id": languages[code]}
                         for code in r.languages if code in languages)
            if len(products) >= CHUNK:
                flush_rows(conn)
        flush_rows(conn)
    if kho.engine.dialect.name == "postgresql":
        with kho.engine.begin() as conn:
            for table in ("products", "files"):
                conn.execute(text(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                                  f"(SELECT max(id) FROM {table}))"))
    kho.close()


def timed_command(args: list[str], env: dict) -> tuple[float, int]:
    """Run a command; (seconds, peak RSS in MB of its largest process)."""
    probe = ("import resource, subprocess, sys, time; t = time.perf_counter(); "
             "rc = subprocess.run(sys.argv[1:]).returncode; el = time.perf_counter() - t; "
             "print(el, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss); sys.exit(rc)")
    out = subprocess.run([sys.executable, "-c", probe, *args], env=env, check=True,
                         capture_output=True, text=True)
    seconds, kib = out.stdout.split()[-2:]
    return float(seconds), int(kib) // 1024


def flush_run(folder: Path, count: int, processes: int) -> float:
    """Edit ``count`` products and time the flush that writes them to the index."""
    from sqlalchemy import select

    from app.services.search import indexing
    from archive.models import Product

    kho = _kho(folder, processes)
    with kho.transaction() as s:
        ids = list(s.scalars(select(Product.id).order_by(Product.id)))
    chosen = sorted(random.Random(9).sample(ids, min(count, len(ids))))
    with kho.transaction() as s:
        for p in s.scalars(select(Product).where(Product.id.in_(chosen))):
            p.title = p.title + " (sửa)"
        indexing.mark(s, chosen)
    kho.index.doc_count()  # the index open, as a running worker has it
    start = time.perf_counter()
    written = indexing.flush(kho)
    elapsed = time.perf_counter() - start
    assert written == len(chosen), (written, len(chosen))
    kho.close()
    return elapsed


def run_size(count: int, corpus: str, processes: int, flush: int, work: Path, seed: int) -> dict:
    from benchmarks.search_bench import fts_build, generator

    records = list(generator(corpus, seed).products(count))
    folder = work / f"{corpus}-{count}"
    fill(folder, records, processes)
    fts_path = work / f"fts-{corpus}-{count}.sqlite"
    fts_path.unlink(missing_ok=True)
    fts_secs = fts_build(fts_path, records)
    del records
    env = dict(os.environ, KHO_INSTANCE_PATH=str(folder), KHO_SECRET_KEY="bench",
               KHO_QUEUE_URL="immediate", KHO_INDEX_BUILD_PROCESSES=str(processes))
    kho_secs, rss = timed_command([str(ROOT / ".venv" / "bin" / "kho"), "reindex"], env)
    flush_secs = flush_run(folder, flush, processes)
    return {"products": count, "corpus": corpus, "processes": processes, "reindex_s": kho_secs,
            "per_1k_s": kho_secs / count * 1000, "peak_rss_mb": rss, "fts5_s": fts_secs,
            "fts5_per_1k_s": fts_secs / count * 1000, "flush_n": flush, "flush_s": flush_secs}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--products", type=int, nargs="+", default=[20000])
    parser.add_argument("--corpus", choices=("plan", "zipf"), default="plan")
    parser.add_argument("--processes", type=int, default=2)
    parser.add_argument("--flush", type=int, default=500)
    parser.add_argument("--seed", type=int, default=20231)
    parser.add_argument("--workdir", type=Path, default=None)
    args = parser.parse_args(argv)
    work = args.workdir or Path(tempfile.mkdtemp(prefix="kho-reindex-bench-"))
    work.mkdir(parents=True, exist_ok=True)
    print(f"machine: {platform.platform()}, {os.cpu_count()} CPUs, Python {platform.python_version()}",
          flush=True)
    print("| corpus | products | writers | `kho reindex` s | s per 1,000 | peak RSS MB "
          "| FTS5 build s | FTS5 s per 1,000 | ratio | flush of N changed | flush s |")
    print("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|", flush=True)
    try:
        for count in args.products:
            r = run_size(count, args.corpus, args.processes, args.flush, work, args.seed)
            print(f"| {r['corpus']} | {count:,} | {r['processes']} | {r['reindex_s']:.1f} "
                  f"| {r['per_1k_s']:.2f} | {r['peak_rss_mb']} | {r['fts5_s']:.1f} "
                  f"| {r['fts5_per_1k_s']:.2f} | {r['reindex_s'] / r['fts5_s']:.1f} "
                  f"| {r['flush_n']} | {r['flush_s']:.2f} |", flush=True)
            print(json.dumps(r), file=sys.stderr, flush=True)
    finally:
        if args.workdir is None:
            shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
