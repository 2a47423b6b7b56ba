"""Export benchmarks: ``kho export --format jsonl`` and ``--format bagit``, each against a
baseline measured in the same run on the same data.

1. JSONL of N products (default 100,000, plus 10,000 for the memory comparison):
   the real command (``python -m app export --format jsonl``, a fresh process, start-up
   included) against a plain ``SELECT`` of the same products (public scope, keyset
   order) dumped row by row with ``json.dumps`` — what a hand-written dump would cost.
   Target: ≥ 5,000 records/s; the peak RSS of the export process at both sizes shows
   whether memory stays flat with catalogue size.
2. BagIt of M originals (default 1,000 files of 64 KiB–1 MiB, random bytes): the real
   command (``--format bagit --scope all``) against ``cp -r`` of the same originals
   folder followed by ``sha256sum`` of every copy. Target: ≤ 1.3 × the baseline.
   The page cache is warmed first; each side runs ``--repeat`` times, alternating, and
   the medians are compared.

Usage::

    .venv/bin/python benchmarks/export_bench.py [--products 100000] [--small 10000]
        [--originals 1000] [--repeat 3] [--work /tmp/kho-export-bench] [--readme]

``--readme`` appends the results table to benchmarks/README.md.
"""
from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import statistics
import subprocess
import sys
import time
from datetime import date, datetime, timedelta, timezone
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def _env(instance: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("KHO_")}
    env.update({"KHO_INSTANCE_PATH": str(instance), "KHO_SECRET_KEY": "bench",
                "KHO_QUEUE_URL": "immediate", "KHO_LANG": "en", "PYTHONPATH": str(ROOT)})
    return env


def _run(args: list[str], env: dict[str, str] | None = None) -> tuple[float, int, float]:
    """Wall seconds, peak RSS (KiB) and CPU seconds (user + system) of one child.

    The peak is taken by GNU time (``/usr/bin/time -f %M``) when there is one: the
    ``ru_maxrss`` of a child forked from this process counts the moment between fork
    and exec, when the child still has this (large) process's pages.
    """
    gnu_time = Path("/usr/bin/time")
    peak_file = Path(os.environ.get("TMPDIR", "/tmp")) / f"kho-bench-rss-{os.getpid()}"
    command = ([str(gnu_time), "-f", "%M", "-o", str(peak_file)] + args
               if gnu_time.exists() else args)
    started = time.perf_counter()
    process = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL,
                               stderr=subprocess.PIPE)
    _pid, status, usage = os.wait4(process.pid, 0)
    seconds = time.perf_counter() - started
    if os.waitstatus_to_exitcode(status) != 0:
        raise SystemExit(f"{' '.join(args)} failed: {process.stderr.read().decode()[-2000:]}")
    process.stderr.close()
    peak = usage.ru_maxrss
    if gnu_time.exists():
        peak = int(peak_file.read_text().split()[-1])
        peak_file.unlink()
    return seconds, peak, usage.ru_utime + usage.ru_stime


def _instance(folder: Path):
    from app.bootstrap import Kho
    from app.services.instance.setup import init_instance
    from config import load_settings

    shutil.rmtree(folder, ignore_errors=True)
    kho = Kho(load_settings({"instance_path": str(folder), "secret_key": "bench",
                             "queue_url": "immediate"}, environ={}))
    init_instance(kho)
    return kho


# --- 1. JSONL ------------------------------------------------------------------------

def _baseline_dump(kho, out: Path) -> float:
    """SELECT the public products' columns in keyset order, json.dumps each row."""
    from sqlalchemy import select

    from archive.models import Product

    columns = [c for c in Product.__table__.columns]
    started = time.perf_counter()
    with kho.engine.connect() as conn, open(out, "w", encoding="utf-8") as handle:
        rows = conn.execution_options(yield_per=1000).execute(
            select(*columns).where(Product.access_level == "public")
            .order_by(Product.updated_at, Product.id))
        for row in rows:
            handle.write(json.dumps(row._asdict(), ensure_ascii=False, default=str) + "\n")
    return time.perf_counter() - started


def jsonl_bench(work: Path, products: int, repeat: int) -> dict:
    sys.path.insert(0, str(ROOT / "benchmarks"))
    import stats_corpus

    kho = _instance(work / f"jsonl-{products}")
    stats_corpus.generate(kho, products, 0, date.today())
    out = work / f"kho-{products}.jsonl"
    kho_times, kho_cpu, base_times, base_cpu, rss = [], [], [], [], 0
    for _ in range(repeat):
        cpu = time.process_time()
        base_times.append(_baseline_dump(kho, work / "baseline.jsonl"))
        base_cpu.append(time.process_time() - cpu)
        seconds, peak, used = _run([sys.executable, "-m", "app", "export", "--format", "jsonl",
                                    "--out", str(out)], _env(kho.settings.instance))
        kho_times.append(seconds)
        kho_cpu.append(used)
        rss = max(rss, peak)
    records = sum(1 for _ in open(out, encoding="utf-8"))
    kho.close()
    kho_s, base_s = statistics.median(kho_times), statistics.median(base_times)
    cpu_s, base_cpu_s = statistics.median(kho_cpu), statistics.median(base_cpu)
    return {"products": products, "records": records, "kho_s": kho_s, "baseline_s": base_s,
            "rate": records / kho_s, "baseline_rate": records / base_s,
            "ratio": kho_s / base_s, "rss_mib": rss / 1024, "cpu_s": cpu_s,
            "cpu_rate": records / cpu_s, "baseline_cpu_s": base_cpu_s,
            "cpu_ratio": cpu_s / base_cpu_s}


# --- 2. BagIt ------------------------------------------------------------------------

def _originals(kho, count: int, seed: int = 8493) -> int:
    """``count`` products with one random original each, stored like intake stores them."""
    import hashlib

    from sqlalchemy import insert

    from archive.models import File, Product
    from archive.storage import original_key

    rng = random.Random(seed)
    spool = kho.settings.spool_dir
    spool.mkdir(parents=True, exist_ok=True)
    total, now = 0, datetime.now(timezone.utc) - timedelta(hours=1)
    products, files = [], []
    for n in range(1, count + 1):
        data = rng.randbytes(rng.randint(64, 1024) * 1024)
        sha = hashlib.sha256(data).hexdigest()
        temp = spool / "bench.bin"
        temp.write_bytes(data)
        kho.storage.put_file(original_key(sha), temp)
        total += len(data)
        products.append({"id": n, "title": f"Phóng sự số {n}", "description": "", "tags": [],
                         "suggestions": [], "rights_note": "", "access_level": "public",
                         "status": "ready", "created_at": now, "updated_at": now})
        files.append({"id": n, "product_id": n, "sha256": sha, "size": len(data),
                      "media_type": "audio/mpeg", "category": "audio",
                      "original_filename": f"phong-su-{n}.mp3", "storage_key": original_key(sha),
                      "technical": {}, "status": "ready"})
    with kho.engine.begin() as conn:
        conn.execute(insert(Product.__table__), products)
        conn.execute(insert(File.__table__), files)
    return total


def _baseline_copy(source: Path, target: Path) -> float:
    shutil.rmtree(target, ignore_errors=True)
    started = time.perf_counter()
    subprocess.run(["cp", "-r", str(source), str(target)], check=True)
    subprocess.run(f"find {target} -type f -print0 | xargs -0 sha256sum > {target}.sha256",
                   shell=True, check=True)
    return time.perf_counter() - started


def bagit_bench(work: Path, count: int, repeat: int) -> dict:
    kho = _instance(work / "bagit")
    payload = _originals(kho, count)
    originals = kho.settings.objects_dir / "originals"
    subprocess.run(f"cat $(find {originals} -type f) > /dev/null", shell=True, check=True)
    kho_times, base_times = [], []
    bag = work / "bag"
    for _ in range(repeat):
        base_times.append(_baseline_copy(originals, work / "copy"))
        shutil.rmtree(bag, ignore_errors=True)
        seconds, _rss, _cpu = _run([sys.executable, "-m", "app", "export", "--format", "bagit",
                              "--scope", "all", "--out", str(bag)], _env(kho.settings.instance))
        kho_times.append(seconds)
    import bagit

    valid = bagit.Bag(str(bag)).is_valid()
    kho.close()
    kho_s, base_s = statistics.median(kho_times), statistics.median(base_times)
    return {"originals": count, "bytes": payload, "kho_s": kho_s, "baseline_s": base_s,
            "ratio": kho_s / base_s, "valid": valid}


def _table(small: dict, large: dict, bag: dict) -> str:
    when = datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    lines = [
        "", f"## Export (`benchmarks/export_bench.py`, {when}, {os.cpu_count()} cores, SQLite + local folder)",
        "",
        "| run | Kho | baseline (same run) | ratio Kho / baseline | target | verdict |",
        "|---|---|---|---|---|---|",
    ]
    for run in (small, large):
        lines.append(
            f"| `kho export --format jsonl`, {run['products']:,} products ({run['records']:,} "
            f"public records) | {run['kho_s']:.2f} s wall = {run['rate']:,.0f} records/s; "
            f"{run['cpu_s']:.2f} s CPU = {run['cpu_rate']:,.0f} records/CPU-s; peak RSS "
            f"{run['rss_mib']:.0f} MiB | SELECT + json.dumps: {run['baseline_s']:.2f} s wall = "
            f"{run['baseline_rate']:,.0f} rows/s; {run['baseline_cpu_s']:.2f} s CPU | "
            f"{run['ratio']:.2f} wall, {run['cpu_ratio']:.2f} CPU | ≥ 5,000 records/s | "
            f"{'met' if run['rate'] >= 5000 else 'NOT met'} (wall) |")
    lines.append(
        f"| `kho export --format bagit --scope all`, {bag['originals']:,} originals "
        f"({bag['bytes'] / 2**20:,.0f} MiB), bag valid: {bag['valid']} | {bag['kho_s']:.2f} s "
        f"| `cp -r` + `sha256sum`: {bag['baseline_s']:.2f} s | {bag['ratio']:.2f} | ≤ 1.3 | "
        f"{'met' if bag['ratio'] <= 1.3 else 'NOT met'} |")
    load = os.getloadavg()[0]
    lines += ["", "Kho's times include starting the `kho` process; medians of the repeated "
              "runs. Peak RSS at the two catalogue sizes compares the memory of the streaming "
              f"export. Load average when the table was written: {load:.1f} on "
              f"{os.cpu_count()} cores (the machine is shared: wall-clock rates fall with "
              "load, CPU seconds much less).", ""]
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--products", type=int, default=100_000)
    parser.add_argument("--small", type=int, default=10_000)
    parser.add_argument("--originals", type=int, default=1000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--work", type=Path, default=Path("/tmp/kho-export-bench"))
    parser.add_argument("--readme", action="store_true")
    parser.add_argument("--only", choices=("jsonl", "bagit"), help="run one of the two")
    args = parser.parse_args()
    args.work.mkdir(parents=True, exist_ok=True)
    if args.only != "bagit":
        small = jsonl_bench(args.work, args.small, args.repeat)
        print("jsonl", small, flush=True)
        large = jsonl_bench(args.work, args.products, args.repeat)
        print("jsonl", large, flush=True)
    if args.only != "jsonl":
        bag = bagit_bench(args.work, args.originals, args.repeat)
        print("bagit", bag, flush=True)
    if args.only:
        shutil.rmtree(args.work, ignore_errors=True)
        return
    table = _table(small, large, bag)
    print(table)
    if args.readme:
        with open(ROOT / "benchmarks" / "README.md", "a", encoding="utf-8") as readme:
            readme.write(table)
    shutil.rmtree(args.work, ignore_errors=True)


if __name__ == "__main__":
    main()
