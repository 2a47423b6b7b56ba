"""A worker killed with SIGKILL mid-job: the next worker finishes the file, once."""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

from sqlalchemy import func, select

from app.bootstrap import Kho
from app.services import accounts, products
from app.services.actors import Actor
from app.services.instance import init_instance
from app.services.intake import receive
from archive.models import Derivative, File
from tests.conftest import make_settings
from tests.unit.ingest import media_factory

PRODUCER = Actor(1, "sx", "producer")


def _worker(settings) -> subprocess.Popen:
    env = {k: v for k, v in os.environ.items() if not k.startswith("KHO_")}
    env.update({"KHO_INSTANCE_PATH": settings.instance_path, "KHO_ENV": "testing",
                "KHO_SECRET_KEY": "x", "KHO_OCR_ENABLED": "false"})
    return subprocess.Popen([sys.executable, "-m", "app", "worker", "--workers", "1"], env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def _status(kho: Kho, file_id: int) -> str:
    with kho.transaction() as s:
        return s.get(File, file_id).status


def _wait_for(kho: Kho, file_id: int, wanted: set[str], seconds: float) -> str:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        status = _status(kho, file_id)
        if status in wanted:
            return status
        time.sleep(0.1)
    raise AssertionError(f"file {file_id} still {status!r} after {seconds} s")


def test_kill_9_mid_processing_then_restart_completes_without_duplicates(tmp_path):
    settings = make_settings(tmp_path / "instance", queue_url="")   # SQLite job queue
    kho = Kho(settings)
    init_instance(kho)
    accounts.add_user(kho, "sx", "producer", "12345678")
    pid = products.create_product(kho, PRODUCER, {"title": "Phóng sự truyền hình"})
    clip = media_factory.video(tmp_path / "clip.avi", seconds=12, size="1280x720",
                               video_args=("-c:v", "mpeg4", "-q:v", "5"),
                               audio_args=("-c:a", "mp2"))
    with clip.open("rb") as fh:
        got = receive(kho, PRODUCER, pid, fh, "phóng sự.avi")
    first = _worker(settings)
    try:
        _wait_for(kho, got.file_id, {"processing"}, 60)
        time.sleep(0.5)                                  # let ffmpeg get going
        os.kill(first.pid, signal.SIGKILL)
        first.wait(timeout=10)
    finally:
        if first.poll() is None:
            first.kill()
    assert _status(kho, got.file_id) == "processing"    # really interrupted
    second = _worker(settings)
    try:
        assert _wait_for(kho, got.file_id, {"ready", "failed"}, 180) == "ready"
    finally:
        second.terminate()
        second.wait(timeout=30)
    with kho.transaction() as s:
        names = list(s.scalars(select(Derivative.name).where(Derivative.file_id == got.file_id)))
        assert sorted(names) == sorted(set(names)) and "proxy" in names and "poster" in names
        assert s.scalar(select(func.count(File.id))) == 1
        assert s.get(File, got.file_id).attempts == 2
    keys = list(kho.storage.iter_keys("derivatives/"))
    assert len(keys) == len(set(keys)) == len(names)
