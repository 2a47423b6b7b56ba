"""Consumers killed with SIGKILL mid-transcode: nothing duplicated, stuck or lost.

- a worker killed and started again finishes the file, once;
- ``kho serve`` killed takes its consumer and the consumer's ffmpeg along (no orphan
  consumer beside the next server's), and the next worker finishes the file;
- of two live workers, the one holding the file is killed: the other takes the file
  over when the dead one's lease runs out, without any restart.

On the SQLite queue here; tests/integration/test_worker_recovery_redis.py runs the
same tests on Redis and PostgreSQL.
"""
from __future__ import annotations

import os
import signal

import pytest

from tests.conftest import make_settings
from tests.unit.services.instance import worker_processes as wp


@pytest.fixture
def worker_settings(tmp_path):
    return make_settings(tmp_path / "instance", queue_url="",
                         job_lease_seconds=wp.LEASE_SECONDS)


def _kill_mid_transcode(kho, file_id: int, process) -> None:
    """SIGKILL ``process`` while it runs a tool on the file; its tools end with it."""
    wp.wait_until(lambda: wp.status(kho, file_id)[0] == "processing", 90, "processing")
    family = wp.wait_for_the_transcode(process.pid)   # ffmpeg and the watchdog
    os.kill(process.pid, signal.SIGKILL)
    process.wait(timeout=10)
    wp.wait_until(lambda: not any(wp.alive(p) for p in family), 30,
                  lambda: f"gone with the worker: {wp.described(family)}")


def _finish_with_a_new_worker(settings, kho, file_id: int) -> None:
    """The file was interrupted; a worker started now finishes it, once."""
    assert wp.status(kho, file_id)[0] == "processing"     # really interrupted
    worker = wp.start(settings, "worker", "--workers", "1")
    try:
        wp.wait_until(lambda: wp.status(kho, file_id)[0] in ("ready", "failed"), 180,
                      "finished")
        wp.wait_for_an_empty_spool(kho, file_id)   # before the stop (see there)
    finally:
        wp.stop(worker)
    wp.assert_complete_once(kho, file_id, attempts=2)


def test_kill_9_mid_processing_then_restart_completes_without_duplicates(worker_settings,
                                                                         tmp_path):
    kho, file_id = wp.video_upload(worker_settings, tmp_path)
    first = wp.start(worker_settings, "worker", "--workers", "1")
    try:
        _kill_mid_transcode(kho, file_id, first)
    finally:
        wp.stop(first)
    _finish_with_a_new_worker(worker_settings, kho, file_id)


def test_kill_9_of_serve_ends_its_consumer_and_tools(worker_settings, tmp_path):
    kho, file_id = wp.video_upload(worker_settings, tmp_path)
    server = wp.start(worker_settings, "serve", "--port", str(wp.free_port()), "--workers", "1")
    try:
        wp.wait_until(lambda: wp.status(kho, file_id)[0] == "processing", 90, "processing")
        consumer = wp.holder_pid(kho, file_id)
        wp.wait_for_the_transcode(consumer)
        family = wp.children(server.pid)              # consumer, its ffmpeg, gunicorn
        assert consumer in family
        os.kill(server.pid, signal.SIGKILL)
        server.wait(timeout=10)
        wp.wait_until(lambda: not any(wp.alive(p) for p in family), 30,
                      lambda: "gone with the server: "
                      f"{wp.described(p for p in family if wp.alive(p))}")
    finally:
        wp.stop(server)
    _finish_with_a_new_worker(worker_settings, kho, file_id)


def test_a_dead_workers_file_is_taken_over_by_a_live_one(worker_settings, tmp_path):
    kho, file_id = wp.video_upload(worker_settings, tmp_path)
    workers = [wp.start(worker_settings, "worker", "--workers", "1") for _ in range(2)]
    try:
        wp.wait_until(lambda: wp.status(kho, file_id)[0] == "processing", 90, "processing")
        holder = wp.holder_pid(kho, file_id)
        [dead] = [w for w in workers if w.pid == holder]
        wp.wait_for_the_transcode(holder)            # killed mid-processing, not before
        os.kill(dead.pid, signal.SIGKILL)
        dead.wait(timeout=10)
        wp.wait_until(lambda: wp.status(kho, file_id)[0] in ("ready", "failed"), 180,
                      "finished by the live worker")
        [live] = [w for w in workers if w.pid != holder]
        assert live.poll() is None
        wp.wait_for_an_empty_spool(kho, file_id)   # before the stop (see there)
    finally:
        for w in workers:
            wp.stop(w)
    wp.assert_complete_once(kho, file_id, attempts=2)


def _healthz(port: int) -> dict:
    import json
    import urllib.error
    import urllib.request

    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/api/v1/healthz", timeout=5) as r:
            return json.loads(r.read())
    except urllib.error.HTTPError as exc:
        return json.loads(exc.read())
    except OSError:
        return {}


def _consumers(server_pid: int) -> set[int]:
    """Live ``kho worker`` processes started by the server."""
    return {p for p in wp.children(server_pid)
            if wp.alive(p) and any(line.endswith(" worker") or " worker " in line
                                   for line in wp.described([p]))}


def test_kill_9_of_the_embedded_consumer_is_reported_and_it_comes_back(worker_settings,
                                                                        tmp_path):
    from app.services.files.intake import receive
    from tests.unit.ingest import media_factory

    # the 12 s 720p clip: it must still be processing when healthz first says "ok"
    kho, file_id = wp.video_upload(worker_settings, tmp_path, seconds=12, size="1280x720")
    port = wp.free_port()
    server = wp.start(worker_settings, "serve", "--port", str(port), "--workers", "1")
    try:
        wp.wait_until(lambda: wp.status(kho, file_id)[0] == "processing", 90, "processing")
        wp.wait_until(lambda: _healthz(port).get("checks", {}).get("consumer") == "ok", 60,
                      lambda: f"consumer ok in {_healthz(port)}")
        [consumer] = _consumers(server.pid)
        assert wp.holder_pid(kho, file_id) == consumer
        os.kill(consumer, signal.SIGKILL)
        seen: list[dict] = []

        def reported() -> bool:
            seen.append(_healthz(port))
            return seen[-1].get("checks", {}).get("consumer", "").startswith("degraded")

        wp.wait_until(reported, 30, lambda: f"reported in healthz: {seen[-3:]}")
        assert seen[-1]["status"] == "degraded"
        wp.wait_until(lambda: _consumers(server.pid) - {consumer}, 30, "a new consumer")
        tone = media_factory.tone(tmp_path / "tone.wav", seconds=2)
        with tone.open("rb") as fh:
            queued = receive(kho, wp.PRODUCER, _product_of(kho, file_id), fh, "bản tin.wav")
        assert queued.processing == "queued"
        wp.wait_until(lambda: wp.status(kho, queued.file_id)[0] == "ready", 120,
                      "the new upload processed by the new consumer")
        wp.wait_until(lambda: wp.status(kho, file_id)[0] == "ready", 180,
                      "the killed consumer's file taken over and finished")
        wp.wait_until(lambda: _healthz(port).get("status") == "ok", 60,
                      lambda: f"healthz ok again: {_healthz(port)}")
        assert server.poll() is None
    finally:
        wp.stop(server)


def _product_of(kho, file_id: int) -> int:
    from archive.models import File

    with kho.transaction() as s:
        return s.get(File, file_id).product_id
