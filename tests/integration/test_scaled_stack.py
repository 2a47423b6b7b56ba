"""End to end on the scaled-out engines: PostgreSQL catalogue, S3 objects, Redis queue,
and a real ``kho worker`` process consuming the jobs."""
from __future__ import annotations

import io
import os
import subprocess
import sys
import time
import urllib.request

from PIL import Image

from app.bootstrap import Kho
from app.services.access import accounts
from app.services.instance import jobs
from app.services.catalogue import products
from app.services.access.actors import Actor
from app.services.instance.setup import health, init_instance
from app.services.files.intake import receive
from archive.models import File

PRODUCER = Actor(1, "sx", "producer")


def _env(settings) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("KHO_")}
    env.update({"KHO_INSTANCE_PATH": settings.instance_path, "KHO_ENV": "testing",
                "KHO_SECRET_KEY": "x", "KHO_DATABASE_URL": settings.database_url,
                "KHO_STORAGE": "s3", "KHO_S3_BUCKET": settings.s3_bucket,
                "KHO_S3_ENDPOINT_URL": settings.s3_endpoint_url, "KHO_S3_REGION": "us-east-1",
                "KHO_S3_ADDRESSING_STYLE": "path", "KHO_QUEUE_URL": settings.queue_url,
                "KHO_OCR_ENABLED": "false"})
    return env


def _wait_ready(kho: Kho, file_id: int, seconds: float = 90) -> File:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        with kho.transaction() as s:
            f = s.get(File, file_id)
            if f.status in ("ready", "failed"):
                _ = [d.name for d in f.derivatives]
                return f
        time.sleep(0.5)
    raise AssertionError(f"file {file_id} not processed within {seconds} s")


def _wait_found(kho: Kho, query: str, seconds: float = 30) -> list[int]:
    from app.services.search import queries

    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        hits = [h.id for h in queries.search(kho, PRODUCER, {"q": query}).hits]
        if hits:
            return hits
        time.sleep(0.3)
    return []


def test_upload_is_processed_by_a_worker_over_redis_into_s3(stack_settings):
    kho = Kho(stack_settings)
    init_instance(kho)
    assert health(kho) == {"database": "ok", "storage": "ok", "index": "ok", "queue": "ok",
                           "fixity": "ok"}
    accounts.add_user(kho, "sx", "producer", "12345678")
    pid = products.create_product(kho, PRODUCER, {"title": "Ảnh tư liệu Đăk Kôi"})
    buf = io.BytesIO()
    Image.new("RGB", (800, 500), "green").save(buf, "JPEG")
    got = receive(kho, PRODUCER, pid, io.BytesIO(buf.getvalue()), "ảnh.jpg")
    assert kho.queue.pending_count() >= 1          # queued in Redis, not run inline
    worker = subprocess.Popen([sys.executable, "-m", "app", "worker", "--workers", "1"],
                              env=_env(stack_settings), stdout=subprocess.PIPE,
                              stderr=subprocess.STDOUT)
    try:
        f = _wait_ready(kho, got.file_id)
        found = _wait_found(kho, "anh tu lieu dak koi")   # the worker's delayed index flush
    finally:
        worker.terminate()
        output = worker.communicate(timeout=30)[0].decode(errors="replace")
    assert f.status == "ready", (f.error, output[-2000:])
    assert found == [pid]
    names = {d.name for d in f.derivatives}
    assert {"thumbnail", "preview"} <= names
    assert kho.storage.local_path(f.storage_key) is None            # really on S3
    url = kho.storage.presigned_url(f.storage_key, filename="anh.jpg",
                                    content_type="image/jpeg", expires=60)
    with urllib.request.urlopen(url, timeout=10) as response:
        assert response.read() == buf.getvalue()


def test_requeued_work_on_redis_is_harmless_because_files_are_claimed_once(stack_settings):
    kho = Kho(stack_settings)
    init_instance(kho)
    accounts.add_user(kho, "sx", "producer", "12345678")
    pid = products.create_product(kho, PRODUCER, {"title": "Phóng sự"})
    got = receive(kho, PRODUCER, pid, io.BytesIO(b"%PDF-1.4 broken"), "a.pdf")
    before = kho.queue.pending_count()
    # the waiting file's job is in the queue, so a starting worker does not send it
    # again; the index backlog (no worker ran yet) gets its flush
    assert jobs.recover_unfinished(kho) == 1
    assert kho.queue.pending_count() == before + 1
    with kho.transaction() as s:
        assert s.get(File, got.file_id).status == "queued"
    from app.services.processing import pipeline

    pipeline.queue_file(kho, got.file_id)   # sent twice (the outbox may): harmless

    assert pipeline.process_file(kho, got.file_id) == "failed"   # the first run claims it
    assert pipeline.process_file(kho, got.file_id) == "skipped"  # a duplicate job does not
