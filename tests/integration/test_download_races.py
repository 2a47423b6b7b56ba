"""Many downloads of the same file at the same moment, on SQLite and on PostgreSQL.

Threads of one server process and separate processes (gunicorn workers) start
together behind a barrier and fetch the same file through ``open_rendition``; the
catalogue must end with exactly one row per account and rendition holding every
request, and no request may fail (no unique-constraint error, no lost update).
"""
from __future__ import annotations

import io
import multiprocessing
import threading
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Iterator

import pytest
from sqlalchemy import select

from tests.conftest import make_settings, start_from_template

THREADS, PROCESSES, REQUESTS = 8, 4, 25      # REQUESTS per thread or process
USERS = ("dai-xa-1", "dai-xa-2")


@pytest.fixture(params=["sqlite", "postgresql"])
def database_settings(request, tmp_path: Path, initialised_template):
    """Settings of an initialised instance on SQLite (file, WAL) or PostgreSQL."""
    from app.bootstrap import Kho
    from app.services.instance.setup import init_instance

    extra = {}
    if request.param == "postgresql":
        extra["database_url"] = request.getfixturevalue("migrated_pg_url")
    settings = make_settings(tmp_path / "instance", **extra)
    start_from_template(initialised_template, settings)
    kho = Kho(settings)
    init_instance(kho)
    kho.close()
    return settings


@pytest.fixture
def shared_file(database_settings) -> Iterator[tuple]:
    """(kho, product id, file id) of a stored original, and two commune accounts."""
    from app.bootstrap import Kho
    from app.services.access import accounts
    from app.services.files.intake import receive
    from app.services.catalogue.products import create_product

    kho = Kho(database_settings)
    accounts.add_user(kho, "sx", "producer", "mat-khau-dai-du")
    for name in USERS:
        accounts.add_user(kho, name, "commune", "mat-khau-dai-du", commune="xa-dak-koi-2025")
    producer = accounts.actor_by_name(kho, "sx")
    pid = create_product(kho, producer, {"title": "Phóng sự phát thanh Đăk Kôi"})
    fid = receive(kho, producer, pid, io.BytesIO(b"ID3" + bytes(4000)), "phong-su.mp3",
                  queue=False).file_id
    yield kho, pid, fid
    kho.close()


def _fetched(download) -> bool:
    """Start sending the bytes, as the doors do (a download is recorded then)."""
    chunks = download.iter_range(0, download.size - 1)
    return len(next(iter(chunks), b"")) > 0


def _download_many(settings, pid: int, fid: int, username: str, rendition: str,
                   count: int, barrier=None) -> int:
    """``count`` downloads by ``username`` in a fresh runtime; returns how many worked."""
    from app.bootstrap import Kho
    from app.services.access.accounts import actor_by_name
    from app.services.files.downloads import open_rendition

    kho = Kho(settings)
    try:
        actor = actor_by_name(kho, username)
        kho.engine.connect().close()            # connect before the start signal
        if barrier is not None:
            barrier.wait(timeout=120)
        return sum(_fetched(open_rendition(kho, actor, pid, fid, rendition))
                   for _ in range(count))
    finally:
        kho.close()


def _rows(kho) -> list[tuple[str, str, int]]:
    from archive.models import User
    from archive.usage import DownloadRecord

    with kho.transaction() as s:
        return [tuple(r) for r in s.execute(
            select(User.username, DownloadRecord.rendition, DownloadRecord.count)
            .join(User, User.id == DownloadRecord.user_id)
            .order_by(User.username, DownloadRecord.rendition))]


def test_threads_downloading_one_file_at_once_make_one_row_per_user(shared_file):
    from app.services.access.accounts import actor_by_name
    from app.services.files.downloads import open_rendition

    kho, pid, fid = shared_file
    actors = [actor_by_name(kho, USERS[i % 2]) for i in range(THREADS)]
    start = threading.Barrier(THREADS)

    def fetch(actor) -> int:
        start.wait(timeout=60)
        return sum(_fetched(open_rendition(kho, actor, pid, fid, "original"))
                   for _ in range(REQUESTS))

    with ThreadPoolExecutor(THREADS) as pool:
        done = list(pool.map(fetch, actors))
    assert done == [REQUESTS] * THREADS
    per_user = THREADS // 2 * REQUESTS
    assert _rows(kho) == [(USERS[0], "original", per_user), (USERS[1], "original", per_user)]


def _process_main(settings, pid: int, fid: int, username: str, barrier, results) -> None:
    try:
        results.put(_download_many(settings, pid, fid, username, "original", REQUESTS,
                                   barrier))
    except BaseException as exc:    # reported to the test, which fails naming it
        results.put(repr(exc))


def test_processes_downloading_one_file_at_once_make_one_row(shared_file):
    kho, pid, fid = shared_file
    context = multiprocessing.get_context("spawn")
    barrier, results = context.Barrier(PROCESSES), context.Queue()
    workers = [context.Process(target=_process_main,
                               args=(kho.settings, pid, fid, USERS[0], barrier, results))
               for _ in range(PROCESSES)]
    for worker in workers:
        worker.start()
    done = [results.get(timeout=300) for _ in workers]
    for worker in workers:
        worker.join(timeout=60)
    assert done == [REQUESTS] * PROCESSES
    assert [w.exitcode for w in workers] == [0] * PROCESSES
    assert _rows(kho) == [(USERS[0], "original", PROCESSES * REQUESTS)]
