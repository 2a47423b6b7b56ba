"""Search on several machines: how far behind the writer a reader answers.

    python benchmarks/search_nodes_bench.py [--edits 20] [--poll 5] [--s3]
        [--snapshot 3000] [--workdir DIR]

Two instances on separate folders of this machine share one SQLite catalogue and one
object store (the local folder store, or with ``--s3`` the moto S3 server of the
tests): the writer (``search_role = writer``) and a reader (``reader``) whose
``Follower`` thread polls every ``--poll`` seconds, as ``kho serve`` runs it.

* **lag**: ``--edits`` product edits on the writer at random moments (0-2 polls apart);
  for each, the seconds from the edit's call until the reader's search finds the new
  title. The queue is immediate here, so the flush runs inside the edit; a deployment's
  consumer adds the flush delay (1 s) and the queue's pick-up.
* **snapshot**: ``--snapshot`` synthetic records (a title and 300 words each) rebuilt
  on the writer and published (seconds, bytes); then a reader with an empty folder
  copies it (seconds, MB/s): what a new machine costs instead of a rebuild.
"""
from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def _settings(folder: Path, role: str, extra: dict):
    from config import load_settings

    values = {"instance_path": str(folder), "env": "testing", "queue_url": "immediate",
              "secret_key": "bench", "ocr_enabled": False, "search_role": role, **extra}
    return load_settings(values, environ={})


def _wait_until(condition, limit: float = 120.0) -> float:
    started = time.monotonic()
    while not condition():
        if time.monotonic() - started > limit:
            raise SystemExit("the reader never caught up")
        time.sleep(0.02)
    return time.monotonic() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--edits", type=int, default=20)
    parser.add_argument("--poll", type=float, default=5.0)
    parser.add_argument("--snapshot", type=int, default=3000)
    parser.add_argument("--s3", action="store_true")
    parser.add_argument("--workdir", default=None)
    args = parser.parse_args()
    work = Path(args.workdir or tempfile.mkdtemp(prefix="kho-nodes-"))
    server = None
    extra = {"storage_path": str(work / "objects"), "search_sync_seconds": args.poll}
    if args.s3:
        from tests.s3server import FAKE_AWS_ENV, MotoServer, new_s3_storage

        os.environ.update(FAKE_AWS_ENV)
        server = MotoServer()
        endpoint = server.start()
        extra = {"storage": "s3", "s3_bucket": new_s3_storage(endpoint).bucket,
                 "s3_endpoint_url": endpoint, "s3_region": "us-east-1",
                 "s3_addressing_style": "path", "search_sync_seconds": args.poll}
    try:
        run(work, extra, args)
    finally:
        if server is not None:
            server.stop()


def run(work: Path, extra: dict, args) -> None:
    from app.bootstrap import Kho
    from app.services.access import accounts
    from app.services.catalogue import products
    from app.services.instance.setup import init_instance
    from app.services.search import queries, sync

    writer = Kho(_settings(work / "writer", "writer", extra))
    init_instance(writer)
    accounts.add_user(writer, "sx", "producer", "12345678")
    actor = accounts.actor_by_name(writer, "sx")
    shared = {**extra, "database_url": writer.settings.database}
    reader = Kho(_settings(work / "reader", "reader", shared))
    init_instance(reader)
    follower = sync.Follower(reader).start()
    rng = random.Random(27)
    pid = products.create_product(writer, actor, {"title": "Bản tin số 0"})
    lags = []
    for n in range(1, args.edits + 1):
        time.sleep(rng.uniform(0, 2 * args.poll))
        title = f"Bản tin mới xyz{n}q"
        edited = time.monotonic()
        products.update_product(writer, actor, pid, {"title": title})
        _wait_until(lambda: [h.id for h in queries.search(
            reader, actor, {"q": f"xyz{n}q"}).hits] == [pid])
        lags.append(time.monotonic() - edited)
    follower.stop()
    lags.sort()
    print(f"load average {os.getloadavg()[0]:.1f}; store: "
          f"{'S3 (moto)' if extra.get('storage') == 's3' else 'local folder'}; "
          f"poll {args.poll} s; {len(lags)} edits")
    print(f"lag edit -> searchable on the reader: median {statistics.median(lags):.2f} s, "
          f"p95 {lags[int(0.95 * (len(lags) - 1))]:.2f} s, max {lags[-1]:.2f} s")
    snapshot(writer, reader.settings, work, args.snapshot)


def snapshot(writer, reader_settings, work: Path, count: int) -> None:
    from app.bootstrap import Kho
    from app.services.search import sync
    from search_index import IndexedProduct

    rng = random.Random(7)
    syllables = ["ba", "bo", "ca", "cu", "da", "de", "gi", "ha", "kh", "la", "ma", "na",
                 "ng", "nh", "ph", "qu", "ra", "sa", "ta", "th", "tr", "va", "xa", "ye"]
    words = [rng.choice(syllables) + rng.choice(syllables) + rng.choice("aeiouy")
             for _ in range(20000)]
    records = (IndexedProduct(i, f"hồ sơ {i}", text=" ".join(rng.choices(words, k=300)))
               for i in range(100_000, 100_000 + count))
    started = time.monotonic()
    writer.index.rebuild(records, processes=1)
    built = time.monotonic() - started
    started = time.monotonic()
    manifest = sync.after_write(writer)
    published = time.monotonic() - started
    size = sum(f.size for f in manifest.files) + manifest.toc.size
    fresh = Kho(reader_settings.replace(instance_path=str(work / "new-reader")))
    started = time.monotonic()
    outcome = sync.follow_once(fresh)
    copied = time.monotonic() - started
    assert fresh.index.doc_count() == count
    print(f"snapshot of {count} records ({size / 1e6:.1f} MB, {len(manifest.files)} segment "
          f"files): rebuild {built:.1f} s, publish {published:.2f} s, an empty reader's "
          f"first sync {copied:.2f} s ({outcome.copied_bytes / 1e6 / copied:.0f} MB/s)")


if __name__ == "__main__":
    main()
