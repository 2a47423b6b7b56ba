"""Fault and race run (issue 12). From the repository root:

    .venv/bin/python benchmarks/faults_bench.py [--rounds 3] [--kills 1]

Anyone can repeat it: it builds throwaway instances under a temporary folder, uses
PostgreSQL at 127.0.0.1:5432 and Redis database 14 (``KHO_BENCH_REDIS_URL``; it is
flushed) when they answer (a missing one is reported as "not run"), and after every
scenario counts rows, objects and jobs:

- parallel same-file uploads: 20 threads upload the same bytes to one product
  (``--rounds`` products), SQLite and PostgreSQL; File rows beyond one, jobs beyond
  one, wrong "duplicate" answers, exceptions;
- parallel edits: 50 title PATCHes and 30 language/theme PATCHes at once through the
  API; answers ≥ 500, audit records whose "old" is not what the record before wrote,
  edits missing from the version count;
- kill -9 mid-transcode of ``kho worker``, of ``kho serve`` and of the holding one of
  two live workers, on the SQLite queue and on Redis (+PostgreSQL): files not ready
  afterwards, duplicated derivative rows or objects, processes left running;
- the job queue unreachable (a closed port): creates, uploads and edits; answers
  ≥ 500, writes lost, files left "queued" with no job once the queue is back;
- the database unreachable (a closed port): API and page requests; answers ≥ 500.

The same-run baseline of the race rows is the same writes made one after another
(the time ratio shows what the locks and the constraint cost under contention).
Prints a Markdown table for benchmarks/README.md.
"""
from __future__ import annotations

import argparse
import io
import os
import shutil
import signal
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

from race_counts import patch_race, stale_olds  # noqa: E402
from sqlalchemy import func, select  # noqa: E402

from tests import services  # noqa: E402
from tests.conftest import make_settings  # noqa: E402
from tests.stored_keys import stored_keys  # noqa: E402
from tests.unit.services.instance import worker_processes as wp  # noqa: E402
from tests.unit.api.conftest import build_api  # noqa: E402

UPLOADS, TITLE_EDITS, TERM_EDITS = 20, 50, 30
# Redis database of the kill runs: not the tests' database 15, which other test runs
# flush and consume while this runs (their workers would take this run's jobs)
REDIS_URL = os.environ.get("KHO_BENCH_REDIS_URL", "redis://127.0.0.1:6379/14")
ROWS: list[dict] = []


def row(scenario: str, engine: str, runs: int, **counts) -> None:
    ROWS.append({"scenario": scenario, "engine": engine, "runs": runs, **counts})
    print(f"{scenario} [{engine}]: {counts}", flush=True)


@contextmanager
def database(kind: str):
    """A database URL ("" = the instance's SQLite file), or None when PostgreSQL is
    not reachable."""
    if kind == "sqlite":
        yield ""
        return
    if not services.reachable(services.PG_HOST, services.PG_PORT):
        yield None
        return
    urls = services.postgres_database()
    try:
        yield next(urls)
    finally:
        urls.close()


def _api(folder: Path, **settings):
    extra = {k: v for k, v in settings.items() if v}
    return next(build_api(make_settings(folder, **extra)))


def _count_files(kho, product_id: int) -> list[int]:
    from archive.models import File

    with kho.transaction() as s:
        return list(s.scalars(select(File.id).where(File.product_id == product_id)))


def bench_uploads(tmp: Path, kind: str, rounds: int) -> None:
    from app.services.instance import jobs
    from app.services.access.accounts import actor_by_name
    from app.services.files.intake import receive

    with database(kind) as url:
        if url is None:
            return row("parallel same-file uploads", kind, 0, note="PostgreSQL not reachable")
        api = _api(tmp / f"up-{kind}", database_url=url, queue_url="")
        kho = api.kho
        jobs.register_all(kho)
        producer = actor_by_name(kho, "producer")
        extra_rows = extra_jobs = wrong = errors = 0
        parallel = serial = 0.0
        for r in range(rounds):
            data = b"ID3" + os.urandom(8000)
            pid = api.create()["id"]
            barrier = threading.Barrier(UPLOADS)

            def upload(i: int):
                barrier.wait(timeout=60)
                try:
                    return receive(kho, producer, pid, io.BytesIO(data), f"tin-{i}.mp3")
                except Exception:  # noqa: BLE001 - counted
                    return None

            started = time.perf_counter()
            with ThreadPoolExecutor(UPLOADS) as pool:
                results = list(pool.map(upload, range(UPLOADS)))
            parallel += time.perf_counter() - started
            errors += results.count(None)
            ids = _count_files(kho, pid)
            extra_rows += max(0, len(ids) - 1)
            queued = [a[0] for a in kho.queue.waiting_args("file.process")]
            extra_jobs += max(0, sum(queued.count(i) for i in ids) - 1)
            answers = sorted(g.duplicate for g in results if g)
            wrong += sum(1 for a, b in zip(answers, [""] + ["same-product"] * (UPLOADS - 1))
                         if a != b)
            other = api.create()["id"]      # baseline: the same uploads one after another
            again = b"ID3" + os.urandom(8000)
            started = time.perf_counter()
            for i in range(UPLOADS):
                receive(kho, producer, other, io.BytesIO(again), f"noi-tiep-{i}.mp3")
            serial += time.perf_counter() - started
        kho.close()
        row("parallel same-file uploads", kind, rounds * UPLOADS, duplicates=extra_rows,
            duplicate_jobs=extra_jobs, wrong_answers=wrong, server_errors=errors,
            time=f"{parallel:.2f} s vs {serial:.2f} s one after another "
                 f"(ratio {parallel / serial:.2f})")


def _stale_olds(kho, pid: int) -> tuple[int, int]:
    """(records whose "old" differs from the new value of the record before, records)."""
    from archive.models import ProductChange

    with kho.transaction() as s:
        changes = [c.changes for c in s.scalars(
            select(ProductChange).where(ProductChange.product_id == pid,
                                        ProductChange.action == "update")
            .order_by(ProductChange.id))]
    return stale_olds(changes), len(changes)


def bench_edits(tmp: Path, kind: str) -> None:
    with database(kind) as url:
        if url is None:
            return row("parallel edits", kind, 0, note="PostgreSQL not reachable")
        api = _api(tmp / f"ed-{kind}", database_url=url)
        product = api.create(title="Tiêu đề 0")
        pid = product["id"]
        started = time.perf_counter()
        statuses = patch_race(api, pid, [{"title": f"Tiêu đề {i}"} for i in range(1, 51)])
        languages = [["vie"], ["vie", "bdq"], ["sed"], ["bdq", "sed"], ["vie", "sed"]]
        themes = [["intl-law"], ["policy-law", "achievements"], []]
        statuses += patch_race(api, pid, [{"languages": languages[i % 5],
                                           "themes": themes[i % 3]} for i in range(TERM_EDITS)])
        parallel = time.perf_counter() - started
        stale, records = _stale_olds(api.kho, pid)
        final = api.call("producer", "GET", f"/products/{pid}").get_json()
        lost = (records + product["version"]) - final["version"]
        other = api.create(title="Nối tiếp 0")["id"]       # baseline: one after another
        started = time.perf_counter()
        for i in range(1, TITLE_EDITS + TERM_EDITS + 1):
            api.call("producer", "PATCH", f"/products/{other}", json={"title": f"Nối tiếp {i}"})
        serial = time.perf_counter() - started
        api.kho.close()
        row("parallel edits (50 titles, 30 languages/themes)", kind, len(statuses),
            server_errors=sum(s >= 500 for s in statuses), stale_audit_olds=stale,
            lost_writes=lost, time=f"{parallel:.2f} s vs {serial:.2f} s one after another "
                                   f"(ratio {parallel / serial:.2f})")


def _kill_round(settings, tmp: Path, how: str) -> dict:
    kho, file_id = wp.video_upload(settings, tmp)
    procs, leftover = [], 0
    try:
        if how == "two workers, holder killed":
            procs = [wp.start(settings, "worker", "--workers", "1") for _ in range(2)]
        elif how == "serve":
            procs = [wp.start(settings, "serve", "--port", str(wp.free_port()), "--workers", "1")]
        else:
            procs = [wp.start(settings, "worker", "--workers", "1")]
        wp.wait_until(lambda: wp.status(kho, file_id)[0] == "processing", 120, "processing")
        time.sleep(1.0)                                   # ffmpeg is transcoding now
        victim = procs[0]
        if how == "two workers, holder killed":
            victim = next(p for p in procs if p.pid == wp.holder_pid(kho, file_id))
        token = wp.status(kho, file_id)[1]
        family = wp.children(victim.pid)
        os.kill(victim.pid, signal.SIGKILL)
        victim.wait(timeout=10)
        killed_at = time.monotonic()
        try:
            wp.wait_until(lambda: not any(wp.alive(p) for p in family), 30, "gone")
        except AssertionError:
            leftover = sum(wp.alive(p) for p in family)
        if how != "two workers, holder killed":
            procs.append(wp.start(settings, "worker", "--workers", "1"))
        try:
            wp.wait_until(lambda: wp.status(kho, file_id)[1] not in (token, ""), 240,
                          "taken over")
            taken = time.monotonic() - killed_at
            wp.wait_until(lambda: wp.status(kho, file_id)[0] in ("ready", "failed"), 240,
                          "finished")
        except AssertionError:
            taken = float("nan")
        recovered = time.monotonic() - killed_at
        from archive.models import Derivative, File

        with kho.transaction() as s:
            names = list(s.scalars(select(Derivative.name).where(Derivative.file_id == file_id)))
            state = s.get(File, file_id).status
            rows = s.scalar(select(func.count(File.id)))
        keys = list(stored_keys(kho.storage, "derivatives/"))
        return {"stuck": int(state != "ready"), "duplicates": (len(names) - len(set(names)))
                + (len(keys) - len(set(keys))) + (rows - 1), "orphans": leftover,
                "seconds": recovered, "taken": taken}
    finally:
        for p in procs:
            wp.stop(p)
        kho.close()


def bench_kills(tmp: Path, queue: str, rounds: int, lease: int) -> None:
    for how in ("worker", "serve", "two workers, holder killed"):
        if queue == "redis":
            if not (services.reachable("127.0.0.1", 6379)
                    and services.reachable(services.PG_HOST, services.PG_PORT)):
                row(f"kill -9 of {how} mid-transcode", "Redis + PostgreSQL", 0,
                    note="Redis or PostgreSQL not reachable")
                continue
        results = []
        for r in range(rounds):
            folder = tmp / f"kill-{queue}-{how.split()[0]}-{r}"
            with database("postgresql" if queue == "redis" else "sqlite") as url:
                extra = {"database_url": url} if url else {}
                if queue == "redis":
                    import redis

                    redis.Redis.from_url(REDIS_URL).flushdb()
                    extra["queue_url"] = REDIS_URL
                else:
                    extra["queue_url"] = ""
                settings = make_settings(folder / "instance", job_lease_seconds=lease, **extra)
                folder.mkdir(parents=True, exist_ok=True)
                results.append(_kill_round(settings, folder, how))
        row(f"kill -9 of {how} mid-transcode", "SQLite queue" if queue == "sqlite"
            else "Redis + PostgreSQL", rounds,
            stuck=sum(r["stuck"] for r in results),
            duplicates=sum(r["duplicates"] for r in results),
            orphan_processes=sum(r["orphans"] for r in results),
            time=f"taken over ≤ {max(r['taken'] for r in results):.0f} s, ready "
                 f"≤ {max(r['seconds'] for r in results):.0f} s after the kill (lease {lease} s)")


def bench_queue_down(tmp: Path, writes: int) -> None:
    from app.bootstrap import Kho
    from app.services.instance import jobs
    from archive.models import File
    from tests.unit.api.test_api_faults import closed_port

    api = _api(tmp / "qdown", queue_url=f"redis://127.0.0.1:{closed_port()}/0")
    statuses, files = [], []
    for i in range(writes):
        created = api.call("producer", "POST", "/products", json={"title": f"Tin {i}"})
        statuses.append(created.status_code)
        pid = created.get_json()["id"]
        up = api.call("producer", "POST", f"/products/{pid}/files",
                      data={"file": (io.BytesIO(os.urandom(3000)), f"tin-{i}.bin")},
                      content_type="multipart/form-data")
        statuses.append(up.status_code)
        files.append(up.get_json()["files"][0]["file_id"])
        statuses.append(api.call("producer", "PATCH", f"/products/{pid}",
                                 json={"title": f"Tin {i} (sửa)"}).status_code)
    with api.kho.transaction() as s:
        kept = s.scalar(select(func.count(File.id)))
    api.kho.close()
    back = Kho(make_settings(tmp / "qdown", queue_url=""))
    jobs.recover_unfinished(back)
    waiting = {a[0] for a in back.queue.waiting_args("file.process")}
    no_job = len([f for f in files if f not in waiting])
    back.close()
    row("job queue unreachable (creates, uploads, edits)", "Redis at a closed port",
        len(statuses), server_errors=sum(s >= 500 for s in statuses),
        lost_writes=writes - kept, queued_without_job=no_job)


def bench_database_down(tmp: Path, requests: int) -> None:
    from app.services.access.accounts import add_user
    from tests.unit.api.test_api_faults import _database_gone
    from tests.unit.web.conftest import PASSWORD, Browser

    api = _api(tmp / "dbdown")
    pid = api.create()["id"]
    add_user(api.kho, "trang", "producer", PASSWORD)
    browser = Browser(api.app.test_client())
    browser.login("trang")
    _database_gone(api.kho)
    statuses = []
    for _ in range(requests):
        statuses.append(api.call("producer", "GET", f"/products/{pid}").status_code)
        statuses.append(api.call("producer", "PATCH", f"/products/{pid}",
                                 json={"title": "x"}).status_code)
        statuses.append(browser.get(f"/products/{pid}").status_code)
    row("database unreachable (API GET/PATCH, product page)", "PostgreSQL at a closed port",
        len(statuses), server_errors=sum(s >= 500 and s != 503 for s in statuses),
        answered_503=statuses.count(503))


def table() -> str:
    lines = ["| scenario | engine | runs | duplicates | stuck | lost writes | server errors "
             "(≥ 500, not 503) | other counts | time |", "|---|---|---:|---:|---:|---:|---:|---|---|"]
    for r in ROWS:
        dup = r.get("duplicates", 0) + r.get("duplicate_jobs", 0)
        other = ", ".join(f"{k.replace('_', ' ')} {v}" for k, v in r.items()
                          if k in ("wrong_answers", "stale_audit_olds", "orphan_processes",
                                   "queued_without_job", "answered_503", "duplicate_jobs"))
        lines.append(f"| {r['scenario']} | {r['engine']} | {r['runs']} | {dup} | "
                     f"{r.get('stuck', 0) + r.get('queued_without_job', 0)} | "
                     f"{r.get('lost_writes', 0)} | {r.get('server_errors', 0)} | "
                     f"{other or r.get('note', '')} | {r.get('time', '')} |")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=3, help="products raced (uploads)")
    parser.add_argument("--kills", type=int, default=1, help="rounds of each kill -9")
    parser.add_argument("--lease", type=int, default=30,
                        help="job_lease_seconds of the kill runs (default: Kho's default)")
    parser.add_argument("--queue", choices=["sqlite", "redis"], help="kill runs on one queue only")
    parser.add_argument("--only", choices=["uploads", "edits", "kills", "queue", "database"])
    args = parser.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="kho-faults-"))
    try:
        if args.only in (None, "uploads"):
            for kind in ("sqlite", "postgresql"):
                bench_uploads(tmp, kind, args.rounds)
        if args.only in (None, "edits"):
            for kind in ("sqlite", "postgresql"):
                bench_edits(tmp, kind)
        if args.only in (None, "kills"):
            for queue in [args.queue] if args.queue else ("sqlite", "redis"):
                bench_kills(tmp, queue, args.kills, args.lease)
        if args.only in (None, "queue"):
            bench_queue_down(tmp, 10)
        if args.only in (None, "database"):
            bench_database_down(tmp, 10)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    print()
    print(table())


if __name__ == "__main__":
    main()
