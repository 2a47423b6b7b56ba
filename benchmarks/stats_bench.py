"""The office's figures at scale (issue 10). From the repository root:

    .venv/bin/python benchmarks/stats_bench.py [--products 100000] [--rows 1000000]
        [--db sqlite postgresql] [--reuse] [--repeat 30]

Builds (or with --reuse, keeps) an instance per database with N products and ROWS
broadcast + download rows (benchmarks/stats_corpus.py, bulk inserts), then measures
in the same run:

* ``GET /api/v1/stats`` and the ``/dashboard`` page (Flask test client in this process,
  office account; p50/p95 over --repeat requests after two warm-ups), unfiltered and
  filtered (one year, one lead unit, one commune);
* the baseline: the same figures computed by loading the rows into Python
  (benchmarks/stats_baseline.py) — and asserts they equal the service's figures;
* the XLSX yearly report of the busiest year and of the whole catalogue (every product
  listed), each in a child process: wall time and peak RSS (``ru_maxrss``).

Prints Markdown tables for benchmarks/README.md. PostgreSQL: 127.0.0.1:5432, user
postgres, database ``kho_bench_stats`` (created; --pg-url to use another).
"""
from __future__ import annotations

import argparse
import json
import logging
import os
import resource
import shutil
import statistics
import subprocess
import sys
import time
from datetime import datetime, time as clock, timezone
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))
CACHE = ROOT / "benchmarks" / ".cache"
PG_ADMIN = "host=127.0.0.1 port=5432 user=postgres dbname=postgres"
FILTER = {"from": "2025-01-01", "to": "2025-12-31", "unit": "trung-tam-vhttdltt-kon-ray",
          "commune": "xa-dak-rve-2025"}


def _settings(db: str, pg_url: str, n: int):
    from config import load_settings

    values = {"instance_path": str(CACHE / f"stats-{db}-{n}"), "env": "testing",
              "queue_url": "immediate", "secret_key": "bench", "ocr_enabled": False}
    if db == "postgresql":
        values["database_url"] = pg_url
    return load_settings(values, environ={})


def _fresh_pg(url: str) -> None:
    import psycopg

    name = url.rsplit("/", 1)[1]
    with psycopg.connect(PG_ADMIN, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}" ENCODING \'UTF8\' TEMPLATE template0')


def prepare(db: str, pg_url: str, n: int, rows: int, reuse: bool):
    """The instance's Kho, built unless --reuse finds it complete."""
    from datetime import date

    from app.bootstrap import Kho
    from app.services.instance.setup import init_instance
    from stats_corpus import generate

    settings = _settings(db, pg_url, n)
    marker = settings.instance / f"bench-{db}-{rows}.json"
    if reuse and marker.exists():
        return Kho(settings), json.loads(marker.read_text()), 0.0
    shutil.rmtree(settings.instance, ignore_errors=True)
    if db == "postgresql":
        _fresh_pg(pg_url)
    kho = Kho(settings)
    init_instance(kho)
    started = time.perf_counter()
    counts = generate(kho, n, rows, date.today())
    seconds = time.perf_counter() - started
    marker.write_text(json.dumps(counts))
    return kho, counts, seconds


def _timed(call, repeat: int, warm: int = 2) -> dict[str, float]:
    for _ in range(warm):
        call()
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        call()
        times.append((time.perf_counter() - started) * 1000)
    times.sort()
    return {"p50": statistics.median(times), "p95": times[max(0, int(len(times) * 0.95) - 1)]}


def measure_pages(kho, repeat: int) -> dict[str, dict]:
    """p50/p95 ms of the API and the page, unfiltered and filtered."""
    from app import create_app
    from app.services.access import accounts
    from stats_corpus import PASSWORD

    app = create_app(kho.settings)
    logging.getLogger("kho.requests").setLevel(logging.WARNING)
    token = accounts.create_token(kho, "vanphong", "bench")
    api, page = app.test_client(), app.test_client()
    html = page.get("/login").get_data(as_text=True)
    csrf = html.split('name="csrf_token" value="', 1)[1].split('"', 1)[0]
    page.post("/login", data={"username": "vanphong", "password": PASSWORD,
                              "csrf_token": csrf})
    query = "&".join(f"{k}={v}" for k, v in FILTER.items())
    out = {}
    changes = iter(range(1, 10**6))

    def product_edit() -> None:
        """A product's metadata changes: every product count is redone."""
        from sqlalchemy import update

        from archive.base import utcnow
        from archive.models import Product

        with kho.transaction() as s:
            s.execute(update(Product).where(Product.id == 1).values(updated_at=utcnow()))

    def new_download() -> None:
        """One more download row: the figures change, so no cached result applies."""
        from datetime import date, timedelta

        from app.services.access.accounts import actor_by_name
        from app.services.files.download_records import record_download
        from archive.models import File
        from sqlalchemy import select

        with kho.transaction() as s:
            file = s.execute(select(File.id, File.product_id).limit(1)).one()
        day = date(2023, 1, 1) + timedelta(days=next(changes))
        record_download(kho, actor_by_name(kho, "daixa0"), file.product_id, file.id,
                        "original", at=datetime.combine(day, clock(5), timezone.utc))

    for label, suffix in (("unfiltered", ""), ("filtered", "?" + query)):
        def get_api(suffix=suffix):
            answer = api.get("/api/v1/stats" + suffix,
                             headers={"Authorization": f"Bearer {token}"})
            assert answer.status_code == 200, answer.get_data(as_text=True)[:300]

        def get_page(suffix=suffix):
            answer = page.get("/dashboard" + suffix)
            assert answer.status_code == 200, answer.status_code
        out[f"GET /api/v1/stats ({label})"] = _timed(get_api, repeat)
        out[f"GET /api/v1/stats ({label}, after a new download: not cached)"] = \
            _timed(lambda: (new_download(), get_api()), max(3, repeat // 3), warm=0)
        out[f"GET /api/v1/stats ({label}, after a product edit: not cached)"] = \
            _timed(lambda: (product_edit(), get_api()), 3, warm=0)
        if page.get("/dashboard").status_code == 404:
            print("(no /dashboard page in this tree: not measured)")
            continue
        out[f"GET /dashboard ({label})"] = _timed(get_page, repeat)
    return out


def compare_with_baseline(kho, repeat: int) -> dict[str, dict]:
    """Service vs Python baseline, per scope; asserts equal figures."""
    from app.services.access.accounts import actor_by_name
    from app.services.stats.plan_progress import compute_stats, parse_scope
    from stats_baseline import python_figures, service_figures

    office = actor_by_name(kho, "vanphong")
    out = {}
    for label, params in (("unfiltered", {}), ("filtered", FILTER)):
        scope = parse_scope(kho, params)
        sql = _timed(lambda: compute_stats(kho, office, scope), max(5, repeat // 3))
        started = time.perf_counter()
        expected = python_figures(kho, scope)
        baseline = (time.perf_counter() - started) * 1000
        got = service_figures(compute_stats(kho, office, scope))
        for key in expected:
            assert got[key] == expected[key], (label, key, got[key], expected[key])
        out[label] = {"sql_p50": sql["p50"], "baseline": baseline,
                      "ratio": baseline / sql["p50"]}
    return out


def measure_report(kho, label: str, whole: bool) -> dict:
    """Run one XLSX report in a child process: seconds, peak RSS (MB), rows listed."""
    out = kho.settings.instance / f"bench-{label}.xlsx"
    env = dict(os.environ, KHO_BENCH_SETTINGS=json.dumps({
        "instance_path": kho.settings.instance_path, "database_url": kho.settings.database_url,
        "env": "testing", "secret_key": "bench", "queue_url": "immediate"}))
    started = time.perf_counter()
    child = subprocess.run([sys.executable, __file__, "--child-report", str(out)]
                           + (["--whole"] if whole else []), env=env, capture_output=True,
                           text=True)
    seconds = time.perf_counter() - started
    if child.returncode:
        raise SystemExit(child.stderr[-2000:])
    result = json.loads(child.stdout.strip().splitlines()[-1])
    result.update(seconds=seconds)
    return result


def _peak_rss_mb() -> float:
    """This process's peak RSS in MiB: ``VmHWM`` of /proc/self/status (Linux), else
    ``ru_maxrss``. Not ru_maxrss on Linux: it survives exec, so a child forked from a
    big parent would report the parent's size."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def child_report(out: str, whole: bool) -> None:
    """In the child: write the report, print rows and own peak RSS as JSON."""
    from collections import Counter

    from app.bootstrap import Kho
    from app.services.access.accounts import actor_by_name
    from app.services.reports.yearly import write_report
    from app.services.stats.plan_progress import Scope
    from config import load_settings
    from sqlalchemy import func, select

    from archive.models import Product

    kho = Kho(load_settings(json.loads(os.environ["KHO_BENCH_SETTINGS"]), environ={}))
    produced = func.extract("year", Product.produced_on)
    with kho.transaction() as s:
        years = Counter(dict(s.execute(select(produced, func.count())
                                       .group_by(produced)).all()))
    busiest = int(max((y for y in years if y), key=lambda y: years[y]))
    started, cpu = time.perf_counter(), time.process_time()
    written = write_report(kho, actor_by_name(kho, "vanphong"), busiest, Path(out),
                           scope=Scope() if whole else None)
    report_seconds, cpu = time.perf_counter() - started, time.process_time() - cpu
    print(json.dumps({"year": busiest, "rows": written.listed, "peak_mb": _peak_rss_mb(),
                      "report_seconds": report_seconds, "cpu_seconds": cpu,
                      "bytes": Path(out).stat().st_size}))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--products", type=int, default=100_000)
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--db", nargs="+", default=["sqlite", "postgresql"],
                        choices=["sqlite", "postgresql"])
    parser.add_argument("--pg-url", default="postgresql://postgres@127.0.0.1:5432/kho_bench_stats")
    parser.add_argument("--reuse", action="store_true")
    parser.add_argument("--repeat", type=int, default=30)
    parser.add_argument("--parts", nargs="+", default=["pages", "figures", "report"],
                        choices=["pages", "figures", "report"],
                        help="what to measure (default: all three)")
    parser.add_argument("--child-report")
    parser.add_argument("--whole", action="store_true")
    args = parser.parse_args()
    if args.child_report:
        return child_report(args.child_report, args.whole)
    for db in args.db:
        kho, counts, built = prepare(db, args.pg_url, args.products, args.rows, args.reuse)
        print(f"\n### {db}: {counts}" + (f" (built in {built:.0f} s)" if built else ""))
        if "pages" in args.parts:
            print("\n| request | p50 ms | p95 ms | target |\n|---|---:|---:|---|")
            for name, t in measure_pages(kho, args.repeat).items():
                print(f"| {name} | {t['p50']:.1f} | **{t['p95']:.1f}** | p95 ≤ 100 ms |")
        if "figures" in args.parts:
            _print_figures(kho, args.repeat)
        if "report" in args.parts:
            _print_reports(kho, db)
        kho.close()


def _print_figures(kho, repeat: int) -> None:
    print("\n| figures | service (SQL) p50 ms | baseline: rows into Python, ms | ratio |"
          "\n|---|---:|---:|---:|")
    for name, t in compare_with_baseline(kho, repeat).items():
        print(f"| {name} | {t['sql_p50']:.1f} | {t['baseline']:.0f} | "
              f"**{t['ratio']:.1f}×** faster (figures equal) |")


def _print_reports(kho, db: str) -> None:
    print("\n| XLSX report | rows listed | write_report s | its CPU s | process wall s "
          "| peak RSS MB | target |\n|---|---:|---:|---:|---:|---:|---|")
    for label, whole in (("year", False), ("whole", True)):
        r = measure_report(kho, f"{db}-{label}", whole)
        what = f"year {r['year']}" if not whole else "whole catalogue (no period)"
        print(f"| {what} | {r['rows']:,} | **{r['report_seconds']:.1f}** "
              f"| {r.get('cpu_seconds', 0):.1f} | {r['seconds']:.1f} "
              f"| **{r['peak_mb']:.0f}** | ≤ 10 s, ≤ 300 MB |")


if __name__ == "__main__":
    main()
