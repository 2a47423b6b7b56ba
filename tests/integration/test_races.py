"""Writers racing on one product, on SQLite (file, WAL) and on PostgreSQL.

Threads (one server process) and processes (gunicorn workers) start together behind
a barrier. Afterwards the rows are counted: one File row and one processing job for
20 uploads of the same bytes, the others told "same-product"; parallel edits answer
no server error, every audit record's "old" value is what the record before it
wrote, and the version counts every edit.
"""
from __future__ import annotations

import io
import multiprocessing
import os
import threading
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Iterator

import pytest
from sqlalchemy import func, select

from tests.conftest import make_settings
from tests.unit.api.conftest import Api, build_api

UPLOADS = 20
DATA = b"ID3" + os.urandom(6000)   # the same bytes for every upload (passed to processes:
                                   # a spawned process imports this module anew)


@pytest.fixture(params=["sqlite", "postgresql"])
def race_api(request, tmp_path: Path) -> Iterator[Api]:
    """The API on an instance whose jobs go to the SQLite queue file (so they are
    counted, not run)."""
    extra = {"queue_url": ""}
    if request.param == "postgresql":
        extra["database_url"] = request.getfixturevalue("pg_url")
    yield from build_api(make_settings(tmp_path / "instance", **extra))


def _jobs(kho, file_id: int) -> int:
    from app.services.instance import jobs

    jobs.register_all(kho)             # the queue can only read jobs it knows
    return sum(1 for args in kho.queue.waiting_args("file.process") if args[0] == file_id)


def _one_row_one_job(kho, product_id: int, results: list[dict]) -> None:
    from archive.models import File

    with kho.transaction() as s:
        ids = list(s.scalars(select(File.id).where(File.product_id == product_id)))
    assert len(ids) == 1
    assert _jobs(kho, ids[0]) == 1
    assert sorted(r["duplicate"] or "" for r in results) == \
        [""] + ["same-product"] * (len(results) - 1)
    assert {r["file_id"] for r in results} == set(ids)


def test_parallel_uploads_of_the_same_bytes_through_the_service(race_api):
    from app.services.access.accounts import actor_by_name
    from app.services.files.intake import receive

    kho = race_api.kho
    producer = actor_by_name(kho, "producer")
    pid = race_api.create()["id"]
    barrier = threading.Barrier(UPLOADS)

    def upload(i: int) -> dict:
        barrier.wait(timeout=60)
        got = receive(kho, producer, pid, io.BytesIO(DATA), f"ban-tin-{i}.mp3")
        return {"file_id": got.file_id, "duplicate": got.duplicate}

    with ThreadPoolExecutor(UPLOADS) as pool:
        results = list(pool.map(upload, range(UPLOADS)))
    _one_row_one_job(kho, pid, results)


def test_parallel_uploads_of_the_same_bytes_through_the_api(race_api):
    pid = race_api.create()["id"]
    barrier = threading.Barrier(UPLOADS)

    def upload(i: int) -> dict:
        client = race_api.app.test_client()
        barrier.wait(timeout=60)
        response = client.post(f"/api/v1/products/{pid}/files",
                               headers={"Authorization": f"Bearer {race_api.tokens['producer']}"},
                               data={"file": (io.BytesIO(DATA), f"ban-tin-{i}.mp3")},
                               content_type="multipart/form-data")
        assert response.status_code == 201, response.get_json()
        return response.get_json()["files"][0]

    with ThreadPoolExecutor(UPLOADS) as pool:
        results = list(pool.map(upload, range(UPLOADS)))
    _one_row_one_job(race_api.kho, pid, results)
    assert [r["processing"] for r in results].count("queued") == 1


def _upload_in_process(settings, pid: int, count: int, barrier, data: bytes) -> list[dict]:
    from app.bootstrap import Kho
    from app.services.access.accounts import actor_by_name
    from app.services.files.intake import receive

    kho = Kho(settings)
    try:
        producer = actor_by_name(kho, "producer")
        barrier.wait(timeout=120)
        return [{"file_id": got.file_id, "duplicate": got.duplicate}
                for got in (receive(kho, producer, pid, io.BytesIO(data), "ban-tin.mp3")
                            for _ in range(count))]
    finally:
        kho.close()


def test_parallel_uploads_of_the_same_bytes_from_processes(race_api):
    pid = race_api.create()["id"]
    processes = 4
    ctx = multiprocessing.get_context("spawn")
    with ctx.Manager() as manager:
        barrier = manager.Barrier(processes)
        with ctx.Pool(processes) as pool:
            parts = pool.starmap(_upload_in_process,
                                 [(race_api.kho.settings, pid, UPLOADS // processes, barrier,
                                   DATA)]
                                 * processes)
    _one_row_one_job(race_api.kho, pid, [r for part in parts for r in part])


def _audit_chain(kho, pid: int, field: str) -> list[list]:
    from archive.models import ProductChange

    with kho.transaction() as s:
        return [c.changes[field] for c in s.scalars(
            select(ProductChange).where(ProductChange.product_id == pid,
                                        ProductChange.action == "update")
            .order_by(ProductChange.id)) if field in c.changes]


def _patch_all(race_api, pid: int, bodies: list[dict]) -> list[int]:
    barrier = threading.Barrier(len(bodies))

    def patch(body: dict) -> int:
        client = race_api.app.test_client()
        barrier.wait(timeout=60)
        return client.patch(f"/api/v1/products/{pid}", json=body, headers={
            "Authorization": f"Bearer {race_api.tokens['producer']}"}).status_code

    with ThreadPoolExecutor(len(bodies)) as pool:
        return list(pool.map(patch, bodies))


def test_fifty_parallel_title_edits_leave_a_true_audit_trail(race_api):
    product = race_api.create(title="Tiêu đề 0")
    pid = product["id"]
    statuses = _patch_all(race_api, pid, [{"title": f"Tiêu đề {i}"} for i in range(1, 51)])
    assert statuses == [200] * 50
    chain = _audit_chain(race_api.kho, pid, "title")
    assert len(chain) == 50
    assert chain[0][0] == "Tiêu đề 0"
    for before, after in zip(chain, chain[1:]):
        assert after[0] == before[1]          # each "old" is what the edit before wrote
    final = race_api.call("producer", "GET", f"/products/{pid}")
    assert final.get_json()["title"] == chain[-1][1]
    assert final.get_json()["version"] == product["version"] + 50
    assert final.headers["ETag"] == f'"{product["version"] + 50}"'


def test_parallel_language_and_theme_edits_answer_no_server_error(race_api):
    pid = race_api.create()["id"]
    choices = [["vie"], ["vie", "bdq"], ["sed"], ["bdq", "sed"], ["vie", "sed"]]
    themes = [["intl-law"], ["policy-law", "achievements"], []]
    bodies = [{"languages": choices[i % 5], "themes": themes[i % 3]} for i in range(30)]
    statuses = _patch_all(race_api, pid, bodies)
    assert statuses == [200] * 30
    chain = _audit_chain(race_api.kho, pid, "languages")
    for before, after in zip(chain, chain[1:]):
        assert after[0] == before[1]
    final = race_api.call("producer", "GET", f"/products/{pid}").get_json()
    assert sorted(t["code"] for t in final["languages"]) in [sorted(c) for c in choices]


def test_uploads_racing_the_products_deletion_are_stored_or_told_it_is_gone(race_api):
    """30 uploads of different files while an admin deletes the product: each upload
    is either recorded before the deletion (201) or told the product is gone (404) —
    never a server error or a deadlock told as an outage — and afterwards no row of the
    deleted product is left behind."""
    from archive.models import File, Product

    pid = race_api.create()["id"]
    barrier = threading.Barrier(UPLOADS + 11)

    def upload(i: int) -> int:
        client = race_api.app.test_client()
        barrier.wait(timeout=60)
        return client.post(f"/api/v1/products/{pid}/files",
                           headers={"Authorization": f"Bearer {race_api.tokens['producer']}"},
                           data={"file": (io.BytesIO(DATA + bytes([i])), f"ban-tin-{i}.mp3")},
                           content_type="multipart/form-data").status_code

    def delete() -> int:
        client = race_api.app.test_client()
        barrier.wait(timeout=60)
        return client.delete(f"/api/v1/products/{pid}",
                             headers={"Authorization": f"Bearer {race_api.tokens['admin']}"}
                             ).status_code

    with ThreadPoolExecutor(UPLOADS + 11) as pool:
        uploads = [pool.submit(upload, i) for i in range(UPLOADS + 10)]
        deletion = pool.submit(delete)
        answers = [u.result() for u in uploads]
    assert deletion.result() == 204
    assert set(answers) <= {201, 404}, answers
    with race_api.kho.transaction() as s:
        assert s.get(Product, pid) is None
        assert s.scalar(select(func.count()).select_from(File).where(
            File.product_id == pid)) == 0
