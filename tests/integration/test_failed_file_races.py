"""Two producers pressing Retry or Remove file on the same failed file at the same
moment, on SQLite and on PostgreSQL: one effect, nothing done twice or lost — one job
(or none), one audit event, the objects untouched, the other told it is done."""
from __future__ import annotations

import io
import threading
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Callable, Iterator

import pytest
from sqlalchemy import func, select

from tests.conftest import make_settings, start_from_template
from tests.stored_keys import stored_keys



@pytest.fixture(params=["sqlite", "postgresql"])
def quiet(request, tmp_path: Path, initialised_template) -> Iterator:
    """An instance with two producers and an admin whose jobs wait in the SQLite queue
    file (counted, not run)."""
    from app.bootstrap import Kho
    from app.services.access import accounts
    from app.services.instance import jobs
    from app.services.instance.setup import init_instance

    extra = {"queue_url": ""}
    if request.param == "postgresql":
        extra["database_url"] = request.getfixturevalue("migrated_pg_url")
    settings = make_settings(tmp_path / "instance", **extra)
    start_from_template(initialised_template, settings)
    runtime = Kho(settings)
    init_instance(runtime)
    for name, role in (("ha", "producer"), ("lan", "producer"), ("qt", "admin")):
        accounts.add_user(runtime, name, role, "12345678")
    jobs.register_all(runtime)
    yield runtime
    runtime.close()


def _actors(kho):
    from app.services.access.accounts import actor_by_name

    return [actor_by_name(kho, "ha"), actor_by_name(kho, "lan")]


def _failed(kho) -> tuple[int, int]:
    from app.services.processing import pipeline
    from app.services.catalogue import products
    from app.services.files.intake import receive
    from archive.models import File

    producer = _actors(kho)[0]
    pid = products.create_product(kho, producer, {"title": "Phóng sự", "kind": "video"})
    got = receive(kho, producer, pid, io.BytesIO(b"\x00\x00\x00\x18ftypmp42" + b"x" * 900),
                  "hong.mp4", queue=False)
    with kho.transaction() as s:
        f = s.get(File, got.file_id)
        f.status, f.problem, f.error_detail = "failed", "video.truncated", "moov atom not found"
        pipeline.product_status(f.product)
    return pid, got.file_id


def _together(calls: list[Callable[[], object]]) -> list[object]:
    """Run the calls at the same moment; each result is its return value or the
    exception it raised."""
    barrier = threading.Barrier(len(calls))

    def run(call):
        barrier.wait(timeout=60)
        try:
            return call()
        except Exception as exc:  # noqa: BLE001 - counted by the test
            return exc

    with ThreadPoolExecutor(len(calls)) as pool:
        return list(pool.map(run, calls))


def _count(kho, action: str) -> int:
    from archive.models import Event

    with kho.transaction() as s:
        return s.scalar(select(func.count(Event.id)).where(Event.action == action))


def _jobs(kho, file_id: int) -> int:
    return sum(1 for args in kho.queue.waiting_args("file.process") if args[0] == file_id)


def _waiting_in_outbox(kho) -> int:
    from archive.outbox import JobOutbox

    with kho.transaction() as s:
        return s.scalar(select(func.count(JobOutbox.id)))


def test_two_producers_retrying_at_once_queue_one_job(quiet):
    from app.services.files.failed_files import retry_file
    from archive.errors import Conflict
    from archive.models import File

    pid, fid = _failed(quiet)
    results = _together([lambda a=a: retry_file(quiet, a, pid, fid) for a in _actors(quiet)])
    assert sorted(type(r).__name__ for r in results) == ["Conflict", "tuple"]
    assert [r for r in results if isinstance(r, tuple)] == [("queued", "hong.mp4")]
    assert all(isinstance(r, (tuple, Conflict)) for r in results)
    with quiet.transaction() as s:
        assert s.get(File, fid).status == "queued"
    assert _jobs(quiet, fid) == 1 and _waiting_in_outbox(quiet) == 0
    assert _count(quiet, "file.retry") == 1


def test_two_producers_removing_at_once_remove_it_once(quiet):
    from app.services.files.failed_files import remove_file
    from archive.errors import NotFound
    from archive.models import File

    pid, fid = _failed(quiet)
    objects = sorted(stored_keys(quiet.storage))
    results = _together([lambda a=a: remove_file(quiet, a, pid, fid) for a in _actors(quiet)])
    assert sorted(type(r).__name__ for r in results) == ["NotFound", "dict"]
    assert all(isinstance(r, (dict, NotFound)) for r in results)
    with quiet.transaction() as s:
        assert s.get(File, fid) is None
        assert s.scalar(select(func.count(File.id))) == 0
    assert _count(quiet, "file.remove") == 1
    assert sorted(stored_keys(quiet.storage)) == objects          # nothing deleted
    assert _jobs(quiet, fid) == 0


def test_retry_and_remove_at_once_do_one_of_the_two(quiet):
    from app.services.files.failed_files import remove_file, retry_file
    from archive.models import File

    pid, fid = _failed(quiet)
    ha, lan = _actors(quiet)
    retried, removed = _together([lambda: retry_file(quiet, ha, pid, fid),
                                  lambda: remove_file(quiet, lan, pid, fid)])
    with quiet.transaction() as s:
        row = s.get(File, fid)
    if isinstance(retried, tuple):             # the retry went first: the file stays
        assert type(removed).__name__ == "Conflict"
        assert row.status == "queued" and _jobs(quiet, fid) == 1
        assert (_count(quiet, "file.retry"), _count(quiet, "file.remove")) == (1, 0)
    else:                                      # the removal went first: no job for it
        assert type(retried).__name__ == "NotFound" and isinstance(removed, dict)
        assert row is None and _jobs(quiet, fid) == 0
        assert (_count(quiet, "file.retry"), _count(quiet, "file.remove")) == (0, 1)
    assert _waiting_in_outbox(quiet) == 0
