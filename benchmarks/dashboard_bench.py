"""The dashboard after an edit, against the code before a change (issue 27's rows
"first request after a product edit / a served request" and "dashboard p95 / healthz").

    .venv/bin/python benchmarks/dashboard_bench.py [--baseline-rev REV] [--scale 0.1]
        [--rounds 10] [--db sqlite|postgresql] [--path /api/v1/stats]

Each code tree — this one and, with ``--baseline-rev``, ``git archive REV`` — builds its own province corpus
(benchmarks/province_corpus.py, the same seed: the same rows; kept under
``/tmp/kho-dashboard/<tree>``, its summary rows folded by that tree's code, as a
worker would) and starts ``kho serve --no-worker --workers 1`` on it,
signed in as the office. Then, alternating between the two servers each round: a
product edit (an UPDATE of one product's ``updated_at``, written beside the server as
any other writer would — the database's triggers mark it), the first ``/dashboard``
after it, a served ``/dashboard`` a second later and ``/api/v1/healthz``. Medians (and
p95 of the served pages) per tree; the ratios asked by the issue, and this tree against
the baseline, in one run. ``--path``: another page than ``/dashboard`` timed the same
way (``/api/v1/stats``, with ``?from=…&to=…``: with a token each tree's own
``kho user token`` made). The load average is printed with the table. On PostgreSQL
(``--db postgresql``) this tree only: the corpus's database (``kho_province_<n>``) is one
per size, so two trees cannot each have their own.
"""
from __future__ import annotations

import argparse
import http.cookiejar
import os
import statistics
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path
from types import SimpleNamespace

from sqlalchemy import text

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "benchmarks"))
WORK = Path("/tmp/kho-dashboard")


def _corpus(root: Path, folder: Path, scale: float, db: str = "sqlite") -> Path:
    """The instance folder of ``root``'s corpus at ``scale`` on ``db``, built by
    ``root``'s own code (its migrations and summary rows), reused when present."""
    products = max(1, int(1_000_000 * scale))
    instance = folder / f"{db}-{products}"
    if not (instance / "corpus.json").exists():
        script = ("import sys; from pathlib import Path; "
                  f"sys.path[:0] = [{str(root)!r}, {str(root / 'benchmarks')!r}]; "
                  "import province_corpus as pc; "
                  f"pc.open_corpus({db!r}, {scale}, work=Path({str(folder)!r}))")
        subprocess.run([sys.executable, "-c", script], cwd=str(root), check=True,
                       stdout=subprocess.DEVNULL)
    # the corpus is written in bulk, which marks every product: fold them as a worker's
    # sweep (or ``kho init``) would before anyone asks, with the tree's own code
    script = ("import sys; from pathlib import Path; "
              f"sys.path[:0] = [{str(root)!r}, {str(root / 'benchmarks')!r}]; "
              "import province_corpus as pc; from app.services.stats import summary; "
              f"kho, _ = pc.open_corpus({db!r}, {scale}, work=Path({str(folder)!r})); "
              "summary.fold(kho)")
    subprocess.run([sys.executable, "-c", script], cwd=str(root), check=True,
                   stdout=subprocess.DEVNULL)
    if db == "postgresql":
        # what autovacuum does on a deployment within a minute of the fold (it is off on
        # this machine's PostgreSQL): the fold's 600,000 deleted marks left as dead rows
        # made each "anything marked?" probe scan them (4-6 ms a request)
        import json

        import psycopg

        url = json.loads((instance / "corpus.json").read_text())["database_url"]
        with psycopg.connect(url.replace("postgresql+psycopg://", "postgresql://"),
                             autocommit=True) as conn:
            conn.execute("VACUUM ANALYZE")
    return instance


class Site:
    """``kho serve --no-worker --workers 1`` of ``root`` over ``instance``, signed in."""

    def __init__(self, root: Path, instance: Path, path: str = "/dashboard") -> None:
        import json

        from sqlalchemy import create_engine

        from province_oai import Server
        from stats_corpus import PASSWORD

        url = json.loads((instance / "corpus.json").read_text()).get("database_url") or ""
        # the edits: written beside the server, as any other writer would
        self.engine = create_engine(url.replace("postgresql://", "postgresql+psycopg://")
                                    if url else f"sqlite:///{instance / 'kho.sqlite3'}")
        self.server = Server(SimpleNamespace(settings=SimpleNamespace(
            instance=instance, database_url=url)), root)
        self.url = self.server.url
        self.browser = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()))
        html = self.browser.open(self.url + "/login", timeout=600).read().decode()
        csrf = html.split('name="csrf_token" value="', 1)[1].split('"', 1)[0]
        try:
            self.browser.open(self.url + "/login", data=urllib.parse.urlencode(
                {"username": "vanphong", "password": PASSWORD, "csrf_token": csrf}
            ).encode(), timeout=600).read()
        except urllib.error.HTTPError:       # the landing page (search) may answer 503
            pass
        with self.engine.connect() as db:
            self.product = db.execute(text("SELECT max(id) FROM products")).scalar()
        self.path, self.headers = path, {}
        if path.startswith("/api/"):
            from province_oai import _env

            made = subprocess.run(
                [sys.executable, "-m", "app", "user", "token", "vanphong", "--label", "bench"],
                env=_env(SimpleNamespace(settings=SimpleNamespace(
                    instance=instance, database_url=url)), root),
                cwd=str(root), check=True, capture_output=True, text=True)
            self.headers = {"Authorization": f"Bearer {made.stdout.strip().splitlines()[-1]}"}

    def edit(self) -> None:
        from datetime import datetime, timezone

        now = datetime.now(timezone.utc)
        with self.engine.begin() as db:
            db.execute(text("UPDATE products SET updated_at = :now WHERE id = :id"),
                       {"now": now if self.engine.dialect.name == "postgresql"
                        else now.replace(tzinfo=None), "id": self.product})

    def get(self, path: str) -> float:
        started = time.perf_counter()
        try:
            request = urllib.request.Request(self.url + path, headers=self.headers)
            with self.browser.open(request, timeout=600) as answer:
                body = answer.read()
                assert "/login" not in answer.url, body[:200]
        except urllib.error.HTTPError as exc:      # healthz: 503 when degraded
            exc.read()
        return (time.perf_counter() - started) * 1000


def _p95(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(0.95 * (len(ordered) - 1))))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--baseline-rev", help="a commit to compare with (none: this tree alone)")
    parser.add_argument("--scale", type=float, default=0.1)
    parser.add_argument("--rounds", type=int, default=10)
    parser.add_argument("--db", choices=("sqlite", "postgresql"), default="sqlite",
                        help="postgresql: this tree only (the corpus database is shared)")
    parser.add_argument("--path", default="/dashboard",
                        help="the page timed (an /api/ path is asked with a token)")
    args = parser.parse_args()
    trees = {"this tree": ROOT}
    if args.baseline_rev:
        old_root = WORK / f"tree-{args.baseline_rev}"
        if not old_root.exists():
            old_root.mkdir(parents=True)
            archive = subprocess.run(["git", "archive", args.baseline_rev], cwd=str(ROOT),
                                     check=True, capture_output=True).stdout
            subprocess.run(["tar", "-x", "-C", str(old_root)], input=archive, check=True)
        trees[f"baseline {args.baseline_rev}"] = old_root
    started = time.monotonic()
    if args.db == "postgresql" and args.baseline_rev:
        parser.error("--baseline-rev needs SQLite (the PostgreSQL corpus database is shared)")
    instances = {name: _corpus(root, WORK / ("new" if root == ROOT else f"old-{args.baseline_rev}"),
                               args.scale, args.db) for name, root in trees.items()}
    print(f"corpora ready in {time.monotonic() - started:.0f} s", flush=True)
    sites = {name: Site(root, instances[name], args.path) for name, root in trees.items()}
    times = {name: {"edit": [], "served": [], "healthz": []} for name in trees}
    loads = [os.getloadavg()[0]]
    try:
        for site in sites.values():          # warm: templates, caches, the first fold
            for _ in range(2):
                site.get(args.path)
        for _ in range(args.rounds):
            for name, site in sites.items():
                site.edit()
                times[name]["edit"].append(site.get(args.path))
                time.sleep(1)
                times[name]["served"].append(site.get(args.path))
                times[name]["healthz"].append(site.get("/api/v1/healthz"))
            loads.append(os.getloadavg()[0])
    finally:
        for site in sites.values():
            site.server.stop()
    print(f"\n{args.path}, scale {args.scale} ({args.db}), {args.rounds} rounds, load "
          f"{min(loads):.1f}–{max(loads):.1f}\n")
    print("| tree | first request after an edit (median) | served (median / p95) "
          "| healthz (median / p95) | first / served | served p95 / healthz p95 |")
    print("|---|---:|---:|---:|---:|---:|")
    for name, t in times.items():
        edit, served = statistics.median(t["edit"]), statistics.median(t["served"])
        health = statistics.median(t["healthz"])
        print(f"| {name} | {edit:,.1f} ms | {served:,.1f} / {_p95(t['served']):,.1f} ms "
              f"| {health:,.1f} / {_p95(t['healthz']):,.1f} ms | {edit / served:.2f} "
              f"| {_p95(t['served']) / _p95(t['healthz']):.1f} |")
    if not args.baseline_rev:
        return
    new, old = times["this tree"], times[f"baseline {args.baseline_rev}"]
    for key in ("edit", "served"):
        print(f"\n{key}: this tree / baseline = "
              f"{statistics.median(new[key]) / statistics.median(old[key]):.2f}")


if __name__ == "__main__":
    main()
