"""A full rebuild gives the same answers however many processes write it, and a failed
rebuild leaves the index people are searching as it was."""
from __future__ import annotations

import importlib.util
import os
import signal
import threading
import time
from pathlib import Path

import pytest

from search_index import IndexedProduct, SearchIndex, SearchQuery

CORPUS = Path(__file__).resolve().parents[3] / "benchmarks" / "corpus.py"
QUERIES = ["quyền", "trẻ em", "quyen tre em", '"quyền con người"', '"bảo vệ quyền"',
           "tuyên truyền pháp luật", "tơdrong", '"phát thanh" xã']


def _records(count: int) -> list[IndexedProduct]:
    spec = importlib.util.spec_from_file_location("kho_bench_corpus_rebuild", CORPUS)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return list(module.CorpusGenerator(seed=11, use_plan=False).products(count))


@pytest.fixture(scope="module")
def records() -> list[IndexedProduct]:
    return _records(900)


def _answers(index: SearchIndex) -> list[tuple]:
    out = []
    for text in QUERIES:
        found = index.search(SearchQuery(text=text, per_page=200, facets=["kind", "communes", "year"]))
        hits = [(h.id, round(h.score, 9)) for h in found.hits]  # in order: ties by id
        out.append((text, found.total, found.facets, hits))
    return out


def test_two_processes_write_the_same_index_as_one(tmp_path, records, monkeypatch):
    serial = SearchIndex(tmp_path / "serial", result_cache_size=0)
    parallel = SearchIndex(tmp_path / "parallel", result_cache_size=0)
    assert serial.rebuild(iter(records), processes=1, expected=len(records), parallel_from=100) == len(records)
    assert parallel.rebuild(iter(records), processes=2, expected=len(records), parallel_from=100) == len(records)
    assert parallel.doc_count() == serial.doc_count() == len(records)
    answers = _answers(serial)
    assert sum(total for _, total, *_ in answers) > 500  # not a vacuous comparison
    assert _answers(parallel) == answers
    assert parallel.stored_versions() == serial.stored_versions()


def test_a_rebuild_replaces_what_was_there(tmp_path, records, monkeypatch):
    index = SearchIndex(tmp_path / "ix", result_cache_size=0)
    index.upsert(records[:300])
    kept = records[200:]
    index.rebuild(iter(kept), processes=2, expected=len(kept), parallel_from=100)
    assert index.doc_count() == len(kept)
    assert set(index.stored_versions()) == {r.id for r in kept}
    assert index.rebuild(iter(records[:50]), processes=2, expected=50, parallel_from=100) == 50  # serial below the bar
    assert set(index.stored_versions()) == {r.id for r in records[:50]}


def test_a_failing_helper_leaves_the_old_index_searchable(tmp_path, records, monkeypatch):
    index = SearchIndex(tmp_path / "ix", result_cache_size=0)
    index.upsert(records[:300])
    before = _answers(index)
    broken = records[:400] + [IndexedProduct(id="not-a-number", title="x")] + records[400:]  # type: ignore[arg-type]
    with pytest.raises(RuntimeError, match="index-writing process failed: ValueError"):
        index.rebuild(iter(broken), processes=2, expected=len(broken), parallel_from=100)
    assert index.doc_count() == 300
    assert _answers(index) == before
    index.upsert(records[300:310])  # the lock was released
    assert index.doc_count() == 310


def _helper_pids() -> list[int]:
    me = os.getpid()
    out = []
    for task in Path(f"/proc/{me}/task").glob("*"):
        for child in (task / "children").read_text().split():
            if "spawn_main" in Path(f"/proc/{child}/cmdline").read_text():
                out.append(int(child))
    return out


def test_a_helper_killed_half_way_fails_the_rebuild_not_the_index(tmp_path, records, monkeypatch):
    index = SearchIndex(tmp_path / "ix", result_cache_size=0)
    index.upsert(records[:300])
    before = _answers(index)

    def slowly():  # records arrive as from a busy database
        for n, record in enumerate(records):
            if n % 100 == 0:
                time.sleep(0.3)
            yield record

    outcome: list[BaseException] = []
    writer = threading.Thread(target=lambda: _capture(outcome, index, slowly()))
    writer.start()
    deadline = time.monotonic() + 60
    while not _helper_pids():
        assert time.monotonic() < deadline
        time.sleep(0.05)
    time.sleep(0.5)
    os.kill(_helper_pids()[0], signal.SIGKILL)      # as the kernel's OOM killer would
    writer.join(timeout=60)
    assert not writer.is_alive(), "the rebuild waited for a dead helper"
    assert len(outcome) == 1 and isinstance(outcome[0], RuntimeError), outcome
    assert "index-writing process stopped" in str(outcome[0])
    assert index.doc_count() == 300 and _answers(index) == before
    index.upsert(records[300:310])                  # the lock was released
    assert index.doc_count() == 310


def _capture(outcome: list, index: SearchIndex, records) -> None:
    try:
        index.rebuild(records, processes=2, expected=900, parallel_from=100)
    except BaseException as exc:  # noqa: BLE001 - the test looks at it
        outcome.append(exc)
