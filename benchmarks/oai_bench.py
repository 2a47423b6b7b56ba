"""OAI-PMH benchmark: a full ``ListRecords`` harvest with sickle, against baselines
measured in the same run on the same catalogue.

For each catalogue size (default 10,000 and 100,000 products, built with bulk inserts
by benchmarks/stats_corpus.py: kinds, languages, themes, communes, files, ~3 %
closed, 1 % under an embargo that opened after their last change — harvested through
the provider's second, embargo-day stream), ``kho serve --no-worker --workers 1`` (gunicorn, one worker process) is
started, and sickle (a third-party harvester, in this process) harvests every record
in ``oai_dc`` following the resumption tokens (page size: the setting, default 100).

Baselines, same data, same run:

* ``serialise``: the same rows read with the same bulk loader the provider uses
  (``export_rows.iter_views``), mapped by ``records.record_of`` and written with the
  same ``oai_dc`` writer, in one process and one pass: no HTTP, no protocol, no pages,
  no tokens, no client parsing — what the harvest costs without OAI-PMH.
* ``row scan``: ``SELECT`` of the same product rows (no relations), the floor.

Reported: records/s of each, the ratios, and the peak RSS (VmHWM) of the gunicorn
worker after each harvest; flat memory means the same figure at 10k and 100k.

Usage::

    .venv/bin/python benchmarks/oai_bench.py [--sizes 10000 100000] [--work /tmp/kho-oai-bench]
        [--readme]
"""
from __future__ import annotations

import argparse
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))


def _instance(folder: Path):
    from app.bootstrap import Kho
    from app.services.instance.setup import init_instance
    from config import load_settings

    shutil.rmtree(folder, ignore_errors=True)
    kho = Kho(load_settings({"instance_path": str(folder), "secret_key": "bench",
                             "queue_url": "immediate"}, environ={}))
    init_instance(kho)
    return kho


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _children(pid: int) -> list[int]:
    found = []
    for task in Path(f"/proc/{pid}/task").iterdir():
        text = (task / "children").read_text().split()
        found += [int(t) for t in text]
    return found


def _peak_rss_kib(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1])
    return 0


def _serve(instance: Path, port: int) -> subprocess.Popen:
    env = {k: v for k, v in os.environ.items() if not k.startswith("KHO_")}
    env.update({"KHO_INSTANCE_PATH": str(instance), "KHO_SECRET_KEY": "bench",
                "KHO_LANG": "en", "PYTHONPATH": str(ROOT)})
    server = subprocess.Popen([sys.executable, "-m", "app", "serve", "--no-worker",
                               "--workers", "1", "--port", str(port)], env=env,
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/oai?verb=Identify", timeout=5)
            return server
        except OSError:
            time.sleep(0.3)
    server.kill()
    raise SystemExit("kho serve did not answer within 60 s")


def harvest(instance: Path) -> dict:
    """Records/s of a sickle ListRecords harvest and the worker's peak RSS."""
    from sickle import Sickle

    port = _free_port()
    server = _serve(instance, port)
    try:
        worker = _children(server.pid)[0]        # gunicorn's one worker process
        server_cpu, client_cpu = _cpu_seconds(worker), time.process_time()
        started = time.perf_counter()
        count = 0
        for record in Sickle(f"http://127.0.0.1:{port}/oai").ListRecords(metadataPrefix="oai_dc"):
            count += 1 if record.metadata.get("title") else 0
        seconds = time.perf_counter() - started
        server_cpu, client_cpu = _cpu_seconds(worker) - server_cpu, \
            time.process_time() - client_cpu
        rss = _peak_rss_kib(worker)
    finally:
        server.send_signal(signal.SIGTERM)
        server.wait(timeout=60)
    return {"records": count, "seconds": seconds, "rate": count / seconds, "rss_kib": rss,
            "server_cpu": server_cpu, "client_cpu": client_cpu}


def _cpu_seconds(pid: int) -> float:
    """User + system CPU seconds a process has used (from /proc/<pid>/stat)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def serialise(kho) -> dict:
    """The same records, same oai_dc writer, one process, no protocol."""
    from app.services.records import dublin_core
    from app.services.records.bulk_read import iter_views
    from app.services.records.native import RecordQuery, record_of

    started, count, size = time.perf_counter(), 0, 0
    with kho.transaction() as session:
        for product in iter_views(session, RecordQuery()):
            record = record_of(product, kho.settings)
            size += len(dublin_core.oai_dc_xml(record, kho.settings.report_issuer))
            count += 1
    seconds = time.perf_counter() - started
    return {"records": count, "seconds": seconds, "rate": count / seconds}


def row_scan(kho) -> dict:
    from sqlalchemy import text

    started = time.perf_counter()
    with kho.engine.connect() as conn:
        count = sum(1 for _ in conn.execute(text(
            "SELECT * FROM products WHERE access_level = 'public' ORDER BY updated_at, id")))
    seconds = time.perf_counter() - started
    return {"records": count, "seconds": seconds, "rate": count / seconds}


def run(size: int, work: Path) -> dict:
    import stats_corpus

    kho = _instance(work / f"instance-{size}")
    stats_corpus.generate(kho, size, 0, date.today())
    result = {"size": size, "scan": row_scan(kho), "serialise": serialise(kho)}
    kho.close()
    result["harvest"] = harvest(work / f"instance-{size}")
    assert result["harvest"]["records"] == result["serialise"]["records"], result
    return result


def table(results: list[dict]) -> str:
    lines = ["| products (public) | sickle harvest rec/s | serialise only rec/s | row scan rec/s | "
             "harvest / serialise | harvest / scan | CPU s: server / sickle | worker peak RSS |",
             "|---:|---:|---:|---:|---:|---:|---:|---:|"]
    for r in results:
        h, s, c = r["harvest"], r["serialise"], r["scan"]
        lines.append(f"| {h['records']:,} | **{h['rate']:,.0f}** | {s['rate']:,.0f} | "
                     f"{c['rate']:,.0f} | {h['rate'] / s['rate']:.2f} | "
                     f"{h['rate'] / c['rate']:.3f} | {h['server_cpu']:.1f} / "
                     f"{h['client_cpu']:.1f} | {h['rss_kib'] / 1024:.0f} MB |")
    if len(results) > 1:
        first, last = results[0]["harvest"], results[-1]["harvest"]
        lines.append("")
        lines.append(f"Peak RSS {last['records']:,} vs {first['records']:,} records: "
                     f"**{last['rss_kib'] / first['rss_kib']:.2f}×**; harvest of "
                     f"{last['records']:,} records took {last['seconds']:.1f} s.")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000])
    parser.add_argument("--work", type=Path, default=Path("/tmp/kho-oai-bench"))
    parser.add_argument("--readme", action="store_true",
                        help="append the table to benchmarks/README.md")
    args = parser.parse_args()
    results = []
    for size in args.sizes:
        results.append(run(size, args.work))
        print(results[-1], flush=True)
    text = table(results)
    print(text)
    if args.readme:
        with (ROOT / "benchmarks" / "README.md").open("a", encoding="utf-8") as out:
            out.write("\n" + text + "\n")


if __name__ == "__main__":
    main()
