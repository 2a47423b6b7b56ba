"""Parallel uploads of one file's bytes write no false preservation events.

Twenty threads upload the same bytes to one product at once, on SQLite with the local
folder and on PostgreSQL with the S3 server. Every one of them finds the object
absent before the first write lands, so each "was it missing?" read answers yes; only
an object that a committed row pointed at before the read was really missing. The
preservation log is counted afterwards: no ``fixity.repair`` event. A row whose object
really vanished is still repaired by the next upload of its bytes, with one event.
"""
from __future__ import annotations

import io
import os
import threading
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Iterator

import pytest
from sqlalchemy import func, select

from tests.conftest import make_settings
from tests.s3server import new_s3_storage
from tests.unit.api.conftest import Api, build_api

UPLOADS = 20


@pytest.fixture(params=["sqlite", "postgresql-s3"])
def upload_api(request, tmp_path: Path) -> Iterator[Api]:
    extra = {"queue_url": ""}
    if request.param == "postgresql-s3":
        endpoint = request.getfixturevalue("s3_endpoint")
        extra.update(database_url=request.getfixturevalue("migrated_pg_url"), storage="s3",
                     s3_bucket=new_s3_storage(endpoint).bucket, s3_endpoint_url=endpoint,
                     s3_region="us-east-1", s3_addressing_style="path")
    yield from build_api(make_settings(tmp_path / "instance", **extra))


def _events(kho, action: str) -> int:
    from archive.models import Event

    with kho.transaction() as s:
        return s.scalar(select(func.count()).select_from(Event).where(Event.action == action))


def _upload_in_parallel(kho, pid: int, data: bytes) -> list:
    from app.services.access.accounts import actor_by_name
    from app.services.files.intake import receive

    producer = actor_by_name(kho, "producer")
    barrier = threading.Barrier(UPLOADS)

    def upload(i: int):
        barrier.wait(timeout=60)
        return receive(kho, producer, pid, io.BytesIO(data), f"ban-tin-{i}.mp3")

    with ThreadPoolExecutor(UPLOADS) as pool:
        return list(pool.map(upload, range(UPLOADS)))


def test_parallel_uploads_of_one_file_write_no_repair_event(upload_api):
    kho = upload_api.kho
    pid = upload_api.create()["id"]
    results = _upload_in_parallel(kho, pid, b"ID3" + os.urandom(6000))
    assert sorted(r.duplicate for r in results) == [""] + ["same-product"] * (UPLOADS - 1)
    assert _events(kho, "file.receive") == 1
    assert _events(kho, "fixity.repair") == 0


def test_parallel_uploads_to_many_products_write_no_repair_event(upload_api):
    """The same bytes to different products: every upload makes a row, none repairs."""
    from app.services.access.accounts import actor_by_name
    from app.services.files.intake import receive

    kho = upload_api.kho
    producer = actor_by_name(kho, "producer")
    pids = [upload_api.create()["id"] for _ in range(UPLOADS)]
    data = b"ID3" + os.urandom(6000)
    barrier = threading.Barrier(UPLOADS)

    def upload(pid: int):
        barrier.wait(timeout=60)
        return receive(kho, producer, pid, io.BytesIO(data), "ban-tin.mp3")

    with ThreadPoolExecutor(UPLOADS) as pool:
        list(pool.map(upload, pids))
    assert _events(kho, "file.receive") == UPLOADS
    assert _events(kho, "fixity.repair") == 0


def test_an_object_really_missing_is_repaired_by_the_next_upload_once(upload_api):
    from app.services.access.accounts import actor_by_name
    from app.services.files.intake import receive

    kho = upload_api.kho
    producer = actor_by_name(kho, "producer")
    data = b"ID3" + os.urandom(6000)
    first = receive(kho, producer, upload_api.create()["id"], io.BytesIO(data), "a.mp3")
    from archive.storage import original_key

    kho.storage.delete(original_key(first.sha256))
    receive(kho, producer, upload_api.create()["id"], io.BytesIO(data), "b.mp3")
    assert _events(kho, "fixity.repair") == 1
    assert kho.storage.exists(original_key(first.sha256))
