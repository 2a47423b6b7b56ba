"""``kill -9`` of ``kho reindex`` while its helper processes write, reading the catalogue
from SQLite and from PostgreSQL: the index people search stays as it was, no helper
lingers, and the next rebuild finds the lock free and leaves no stray files."""
from __future__ import annotations

import importlib.util
import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Iterator

import pytest
from whoosh import index as windex

from app.bootstrap import build
from search_index import SearchQuery
from tests import services

BENCHMARKS = Path(__file__).resolve().parents[3] / "benchmarks"
PRODUCTS = 3_000   # above the setting index_parallel_from below: two helper processes write
PARALLEL_FROM = 1_000


def _load(name: str):
    spec = importlib.util.spec_from_file_location(f"kho_bench_{name}_crash", BENCHMARKS / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _children(pid: int) -> set[int]:
    out: set[int] = set()
    for task in Path(f"/proc/{pid}/task").glob("*"):
        try:
            out |= {int(c) for c in (task / "children").read_text().split()}
        except OSError:
            pass
    return out


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().split(")")[-1].split()[0]
    except OSError:
        return False
    return state != "Z"


def _stray_files(index_dir: Path) -> list[str]:
    """Files of the index folder that belong to no segment of its current table of contents."""
    ix = windex.open_dir(str(index_dir))
    live = {segment.segment_id() for segment in ix._segments()}
    toc = f"_MAIN_{ix.latest_generation()}.toc"
    return sorted(p.name for p in index_dir.iterdir()
                  if p.is_file() and p.name not in (toc, "MAIN_WRITELOCK")
                  and not any(segid in p.name for segid in live))


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request) -> Iterator[str]:
    if request.param == "sqlite":
        yield ""
    else:
        yield from services.postgres_database()


def test_kill_9_of_a_parallel_reindex_keeps_the_old_index(tmp_path, monkeypatch, database_url):
    instance = tmp_path / "instance"
    records = list(_load("corpus").CorpusGenerator(seed=3, use_plan=False).products(PRODUCTS))
    _load("reindex_bench").fill(instance, records, 2, database_url)
    env = {**os.environ, "KHO_INSTANCE_PATH": str(instance), "KHO_QUEUE_URL": "immediate",
           "KHO_SECRET_KEY": "test-secret", "KHO_INDEX_BUILD_PROCESSES": "2",
           "KHO_INDEX_PARALLEL_FROM": str(PARALLEL_FROM)}
    for key in ("KHO_DATABASE_URL", "KHO_STORAGE"):
        env.pop(key, None)
    if database_url:
        env["KHO_DATABASE_URL"] = database_url
    for key, value in env.items():
        if key.startswith("KHO_"):
            monkeypatch.setenv(key, value)
    kho = build()
    try:
        kho.index.upsert(records[:500])   # what people search while the rebuild runs
        query = SearchQuery(text="quyền", per_page=5)
        before = kho.index.search(query)
        assert kho.index.doc_count() == 500 and before.total > 0
        index_dir = kho.settings.index_dir
        known = {p.name for p in index_dir.iterdir()}

        process = subprocess.Popen([sys.executable, "-m", "app", "reindex"], env=env,
                                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + 120
        helpers: set[int] = set()
        while len(helpers) < 2 or not (set(p.name for p in index_dir.iterdir()) - known):
            assert process.poll() is None and time.monotonic() < deadline  # still writing
            helpers = {c for c in _children(process.pid) if "spawn" in Path(f"/proc/{c}/cmdline").read_text()}
            time.sleep(0.05)
        time.sleep(0.5)                   # well into the helpers' batches
        process.send_signal(signal.SIGKILL)
        process.wait()

        kho.index.close()
        assert kho.index.doc_count() == 500
        after = kho.index.search(query)
        assert (after.total, [h.id for h in after.hits]) == (before.total, [h.id for h in before.hits])
        deadline = time.monotonic() + 30
        while any(_alive(pid) for pid in helpers):   # they notice their parent is gone
            assert time.monotonic() < deadline, "an index-writing helper outlived the rebuild"
            time.sleep(0.2)

        done = subprocess.run([sys.executable, "-m", "app", "reindex"], env=env,
                              capture_output=True, text=True, timeout=300)
        assert done.returncode == 0, done.stderr
        kho.index.close()
        assert kho.index.doc_count() == PRODUCTS
        assert kho.index.search(query).total > before.total
        assert _stray_files(index_dir) == []
    finally:
        kho.close()
