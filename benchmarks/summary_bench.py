"""Figures that never wait (issue 27, part 1): the summary cells against counting.

    .venv/bin/python benchmarks/summary_bench.py [--products 100000] [--rows 1000000]
        [--db sqlite postgresql] [--reuse] [--repeat 30]

Builds (or with --reuse keeps) benchmarks/stats_bench.py's instance (its corpus:
benchmarks/stats_corpus.py), then in one run, per database, over HTTP (Flask test
client, office account; p50/p95 over --repeat requests after two warm-ups):

* the first fold after the corpus was written (every product counted into the cells)
  against one full recount of the products (``products_part(recount=True)``);
* ``GET /api/v1/stats`` and ``/dashboard`` served with nothing changed, unfiltered and
  for one year, against ``GET /api/v1/healthz`` (target: ≤ 10×);
* the first API request, then the first dashboard, after a product edit, a broadcast
  log, a download and a fixity check's event, each against the served request of its
  kind (target: ≤ 2×), and the old way's cost (a recount of the products) beside it;
* eight requests at once right after an edit, the slowest against the slowest of
  eight served requests at once (they share the cores and the GIL either way);
* exactness: the served figures equal a full recount and the rows-into-Python baseline
  (benchmarks/stats_baseline.py), unfiltered and for one year — asserted.

Prints a Markdown table for benchmarks/README.md.

With ``--rebuild`` it measures only the fold that starts over, on its own instance
(``--cache``, default benchmarks/.cache/rebuild; PostgreSQL: ``--pg-url``, e.g.
``…/kho_h2_bench``): every product counted product by product (the incremental fold,
the way before) against the grouped SQL of ``stats/rebuild.py``, alternated (rebuild,
per-product, rebuild), each time in ms per product of wall time and of CPU time (this
process, plus the PostgreSQL backends of the benchmark's database read from /proc), the
rows of both asserted identical.
"""
from __future__ import annotations

import argparse
import logging
import os
import statistics
import sys
import threading
import time
from datetime import date, datetime, timezone
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

YEAR = {"from": "2025-01-01", "to": "2025-12-31"}


def _ms(call) -> float:
    started = time.perf_counter()
    call()
    return (time.perf_counter() - started) * 1000


def _p(times: list[float]) -> dict[str, float]:
    times = sorted(times)
    return {"p50": statistics.median(times), "p95": times[max(0, int(len(times) * 0.95) - 1)]}


def _clients(kho):
    from app import create_app
    from app.services.access import accounts
    from stats_corpus import PASSWORD

    app = create_app(kho.settings)
    logging.getLogger("kho.requests").setLevel(logging.WARNING)
    token = accounts.create_token(kho, "vanphong", "bench")
    page = app.test_client()
    html = page.get("/login").get_data(as_text=True)
    csrf = html.split('name="csrf_token" value="', 1)[1].split('"', 1)[0]
    page.post("/login", data={"username": "vanphong", "password": PASSWORD,
                              "csrf_token": csrf})

    def api(query: str = "") -> None:
        answer = app.test_client().get("/api/v1/stats" + query,
                                       headers={"Authorization": f"Bearer {token}"})
        assert answer.status_code == 200, answer.get_data(as_text=True)[:300]

    def dashboard(query: str = "") -> None:
        assert page.get("/dashboard" + query).status_code == 200

    def healthz() -> None:
        assert app.test_client().get("/api/v1/healthz").status_code in (200, 503)
    return api, dashboard, healthz


def _changes(kho):
    """Writes of each kind, each a fresh change."""
    from sqlalchemy import func, select, update

    from app.services.access.accounts import actor_by_name
    from app.services.files.download_records import record_download
    from archive.base import utcnow
    from archive.models import Broadcast, Event, File, Product, Unit
    from archive.usage import DownloadRecord

    with kho.transaction() as s:
        file_id, product_id = s.execute(select(File.id, File.product_id).limit(1)).one()
        commune = s.scalar(select(Unit.id).where(Unit.level == "commune").limit(1))
    staff = actor_by_name(kho, "daixa0")
    # slots and download days after the last ones an earlier run wrote, so a run on a
    # kept corpus (province_bench) writes new rows, however soon after another
    with kho.transaction() as s:
        slots = list(s.scalars(select(Broadcast.slot).where(
            Broadcast.product_id == product_id, Broadcast.commune_id == commune,
            Broadcast.aired_on == date(2025, 3, 1), Broadcast.slot.like("b%"))))
        last_day = s.scalar(select(func.max(DownloadRecord.day)).where(
            DownloadRecord.user_id == staff.user_id, DownloadRecord.file_id == file_id))
    first = 1 + max([int(x[1:]) for x in slots if x[1:].isdigit()]
                    + [(last_day or date(2020, 1, 1)).toordinal() - date(2020, 1, 1).toordinal()])
    counter = iter(range(first, first + 10**6))

    def edit() -> None:
        with kho.transaction() as s:
            s.execute(update(Product).where(Product.id == product_id).values(updated_at=utcnow()))

    def broadcast() -> None:
        with kho.transaction() as s:
            s.add(Broadcast(product_id=product_id, commune_id=commune,
                            aired_on=date(2025, 3, 1), slot=f"b{next(counter)}"))

    def download() -> None:
        day = date(2020, 1, 1).toordinal() + next(counter)
        record_download(kho, staff, product_id, file_id, "original",
                        at=datetime.combine(date.fromordinal(day), datetime.min.time(),
                                            timezone.utc))

    def fixity() -> None:
        with kho.transaction() as s:
            s.add(Event(product_id=product_id, file_id=file_id, action="fixity.check",
                        outcome="ok", detail="primary: sha256 matches"))
    return {"a product edit": edit, "a broadcast log": broadcast, "a download": download,
            "a fixity check": fixity}


class _Rows(list):
    """The rows, and the 1-minute load average when measuring started and as each row
    was added (``loads[i]``–``loads[i + 1]``: row ``i``'s; province_bench's load column)."""

    def __init__(self) -> None:
        super().__init__()
        self.loads = [os.getloadavg()[0]]

    def append(self, row) -> None:
        super().append(row)
        self.loads.append(os.getloadavg()[0])


def measure(kho, repeat: int) -> list[tuple[str, str, str]]:
    from app.services.access.accounts import actor_by_name
    from app.services.stats import breakdowns, summary
    from app.services.stats.plan_progress import compute_stats, parse_scope, request_stats
    from stats_baseline import python_figures, service_figures

    rows = _Rows()
    scope = parse_scope(kho, {})
    recount_ms = _ms(lambda: breakdowns.products_part(kho, scope, recount=True))
    fold_ms = _ms(lambda: summary.fold(kho))
    if kho.engine.dialect.name == "postgresql":
        # what autovacuum does on a deployment within a minute of the fold (it is off
        # on this machine's PostgreSQL): the fold's deleted marks (600,000 at 100,000
        # products) left as dead rows made each "anything marked?" probe of the first
        # request after an edit scan them (8-37 ms a statement)
        from sqlalchemy import text

        with kho.engine.connect() as conn:
            conn.execution_options(isolation_level="AUTOCOMMIT").execute(
                text("VACUUM ANALYZE"))
    rows.append(("first fold of the corpus (every product) / one recount of the products",
                 f"{fold_ms:,.0f} / {recount_ms:,.0f} ms", f"{fold_ms / recount_ms:.2f}"))
    api, dashboard, healthz = _clients(kho)
    query = "?" + "&".join(f"{k}={v}" for k, v in YEAR.items())
    for call in (api, dashboard, healthz):
        call(), call()
    health = _p([_ms(healthz) for _ in range(repeat)])
    served = {}
    for label, call in (("API unfiltered", lambda: api()), ("API one year", lambda: api(query)),
                        ("dashboard unfiltered", lambda: dashboard()),
                        ("dashboard one year", lambda: dashboard(query))):
        served[label] = _p([_ms(call) for _ in range(repeat)])
        rows.append((f"{label} p95 / healthz p95",
                     f"{served[label]['p95']:.1f} / {health['p95']:.1f} ms",
                     f"{served[label]['p95'] / health['p95']:.1f}"))
    for what, call, label in (("API request", api, "API unfiltered"),
                              ("dashboard", dashboard, "dashboard unfiltered")):
        base = served[label]["p50"]
        for change_label, change in _changes(kho).items():
            firsts = []
            for _ in range(5):
                change()
                firsts.append(_ms(call))
            rows.append((f"first {what} after {change_label} / served (p50)",
                         f"{statistics.median(firsts):.1f} / {base:.1f} ms",
                         f"{statistics.median(firsts) / base:.2f}"))
    base = served["API unfiltered"]["p50"]
    rows.append(("the old way after a product edit: a recount of the products / served",
                 f"{recount_ms:,.0f} / {base:.1f} ms", f"{recount_ms / base:.0f}"))
    edit = _changes(kho)["a product edit"]

    def at_once() -> float:
        times: list[float] = []
        threads = [threading.Thread(target=lambda: times.append(_ms(api))) for _ in range(8)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        return max(times)
    # eight requests share the process's two cores and its GIL however little each
    # does: the baseline is eight served requests at once
    calm = statistics.median(at_once() for _ in range(3))
    worst = []
    for _ in range(3):
        edit()
        worst.append(at_once())
    rows.append(("slowest of 8 simultaneous requests after an edit / of 8 served at once",
                 f"{statistics.median(worst):.1f} / {calm:.1f} ms",
                 f"{statistics.median(worst) / calm:.2f}"))
    office = actor_by_name(kho, "vanphong")
    for label, params in (("unfiltered", {}), ("one year", YEAR)):
        sc = parse_scope(kho, params)
        got = request_stats(kho, office, params)
        counted = compute_stats(kho, office, sc)
        assert breakdowns.aggregate(kho, sc) == breakdowns.aggregate(kho, sc, recount=True)
        expected = python_figures(kho, sc)
        shaped = service_figures(got)
        assert all(shaped[k] == expected[k] for k in expected), label
        assert service_figures(counted) == shaped
        rows.append((f"served = full recount = rows into Python ({label})", "equal", "100 %"))
    return rows


def province_rows(kho, repeat: int) -> list[tuple[str, str, str]]:
    """The statistics rows of benchmarks/province_bench.py's table on its corpus (the
    first row times the fold of a corpus written in bulk)."""
    return measure(kho, max(repeat, 10))


def _cpu_seconds(kho) -> float:
    """CPU seconds used so far by this process and, on PostgreSQL, by the server
    backends connected to the benchmark's database (utime + stime from /proc)."""
    from sqlalchemy import text

    total = time.process_time()
    if kho.engine.dialect.name != "postgresql":
        return total
    with kho.engine.connect() as conn:
        pids = list(conn.execute(text("SELECT pid FROM pg_stat_activity "
                                      "WHERE datname = current_database()")).scalars())
    tick = os.sysconf("SC_CLK_TCK")
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += (int(fields[11]) + int(fields[12])) / tick
    return total


def rebuild_rows(kho) -> list[tuple[str, str, str]]:
    """The fold that starts over: per product (before) against grouped SQL (after)."""
    from sqlalchemy import delete, func, select

    from app.services.stats import summary
    from archive.models import Product
    from archive.stats import StatsCell, StatsDirty, StatsFact, StatsState

    with kho.transaction() as s:
        n = s.scalar(select(func.count()).select_from(Product))

    def rows():
        with kho.transaction() as s:
            return (sorted(tuple(r) for r in s.execute(select(StatsCell.__table__))),
                    sorted(tuple(r) for r in s.execute(select(StatsFact.__table__))))

    def per_product() -> None:
        with kho.transaction() as s:
            s.execute(delete(StatsCell))
            s.execute(delete(StatsFact))
            s.execute(delete(StatsDirty))
            s.execute(StatsDirty.__table__.insert().from_select(
                ["product_id"], select(Product.id)))
        share, summary.REBUILD_SHARE = summary.REBUILD_SHARE, float("inf")
        try:
            summary.fold(kho)
        finally:
            summary.REBUILD_SHARE = share

    def grouped() -> None:
        with kho.transaction() as s:
            s.get(StatsState, 1).catalogue = ""       # as after a changed vocabulary
        summary.fold(kho)

    out, seen = [], {}
    for label, call in (("rebuild (grouped SQL)", grouped), ("per product", per_product),
                        ("rebuild (grouped SQL)", grouped)):
        load = os.getloadavg()[0]
        cpu, wall = _cpu_seconds(kho), time.perf_counter()
        call()
        wall, cpu = time.perf_counter() - wall, _cpu_seconds(kho) - cpu
        seen.setdefault(label, rows())
        assert rows() == seen[label]
        out.append((f"{label}: ms per product, wall / CPU (load {load:.1f})",
                    f"{wall * 1000 / n:.3f} / {cpu * 1000 / n:.3f}",
                    f"{wall:.1f} s wall, {cpu:.1f} s CPU"))
    assert seen["per product"] == seen["rebuild (grouped SQL)"], "rows differ"
    out.append(("rows of the rebuild = rows of the per-product fold", "equal",
                f"{len(seen['per product'][0]):,} cells, {n:,} facts"))
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--products", type=int, default=100_000)
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--db", nargs="+", default=["sqlite", "postgresql"])
    parser.add_argument("--pg-url", default="postgresql://postgres@127.0.0.1:5432/kho_bench_stats")
    parser.add_argument("--reuse", action="store_true")
    parser.add_argument("--repeat", type=int, default=30)
    parser.add_argument("--rebuild", action="store_true",
                        help="measure only the fold that starts over (see above)")
    parser.add_argument("--cache", default=None,
                        help="instance folder root (default benchmarks/.cache, "
                             "benchmarks/.cache/rebuild with --rebuild)")
    args = parser.parse_args()
    import stats_bench
    from stats_bench import prepare

    if args.cache or args.rebuild:
        stats_bench.CACHE = Path(args.cache or ROOT / "benchmarks" / ".cache" / "rebuild")

    print(f"load average at start: {os.getloadavg()}")
    for db in args.db:
        kho, counts, seconds = prepare(db, args.pg_url, args.products, args.rows, args.reuse)
        print(f"\n### {db}, {args.products:,} products, {args.rows:,} usage rows"
              + (f" (generated in {seconds:.0f} s)" if seconds else " (reused)"))
        print("| figure | measured | ratio |\n|---|---|---|")
        for row in (rebuild_rows(kho) if args.rebuild else measure(kho, args.repeat)):
            print("| " + " | ".join(row) + " |")
        kho.close()
    print(f"\nload average at end: {os.getloadavg()}")


if __name__ == "__main__":
    main()
