"""Helpers for tests that run ``kho serve`` / ``kho worker`` as real processes and
kill them with SIGKILL half-way through a transcode."""
from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from pathlib import Path

from sqlalchemy import func, select

from app.bootstrap import Kho
from app.services.access import accounts
from app.services.catalogue import products
from app.services.access.actors import Actor
from app.services.instance.setup import init_instance
from app.services.files.intake import receive
from archive.models import Derivative, File
from tests.stored_keys import stored_keys
from tests.unit.ingest import media_factory

PRODUCER = Actor(1, "sx", "producer")
LEASE_SECONDS = 5        # short, so a test waits seconds for a dead worker's lease


def env_for(settings) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("KHO_")}
    env.update({"KHO_INSTANCE_PATH": settings.instance_path, "KHO_ENV": "testing",
                "KHO_SECRET_KEY": "x", "KHO_OCR_ENABLED": "false",
                "KHO_QUEUE_URL": settings.queue_url, "KHO_DATABASE_URL": settings.database,
                "KHO_JOB_LEASE_SECONDS": str(settings.job_lease_seconds)})
    return env


def start(settings, *args: str) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "app", *args], env=env_for(settings),
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def children(pid: int) -> set[int]:
    """Every live descendant of ``pid`` (from /proc)."""
    parents: dict[int, int] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            parents[int(entry.name)] = int(stat.rsplit(")", 1)[1].split()[1])
    found, frontier = set(), {pid}
    while frontier:
        frontier = {p for p, parent in parents.items() if parent in frontier} - found
        found |= frontier
    return found


def alive(pid: int) -> bool:
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    return stat.rsplit(")", 1)[1].split()[0] != "Z"      # a zombie has ended


def described(pids) -> list[str]:
    """Command lines of ``pids`` (for failure messages)."""
    out = []
    for pid in pids:
        try:
            out.append(f"{pid}: " + Path(f"/proc/{pid}/cmdline").read_bytes()
                       .replace(b"\0", b" ").decode()[:120])
        except OSError:
            continue
    return out


def wait_until(condition, seconds: float, what) -> None:
    """Poll ``condition`` every 0.1 s for up to ``seconds``; ``what`` (text, or a
    function giving it at the time of failure) names what was awaited."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.1)
    raise AssertionError(f"still not {what() if callable(what) else what} after {seconds} s")


def status(kho: Kho, file_id: int) -> tuple[str, str]:
    with kho.transaction() as s:
        row = s.get(File, file_id)
        return row.status, row.claimed_by


def holder_pid(kho: Kho, file_id: int) -> int:
    return int(status(kho, file_id)[1].split(":")[1])


def video_upload(settings, tmp_path: Path, *, seconds: float = 8,
                 size: str = "640x360") -> tuple[Kho, int]:
    """An initialised instance with one video (MPEG-4 Part 2, so it is transcoded)
    waiting for processing. The tests kill a consumer when its proxy transcode is seen
    running (a progress marker, not a fixed sleep), so a short clip is still caught
    half-way (8 s at 640x360: about 1 s of ffmpeg on a quiet machine, 12 s at 720p: 5 s);
    ``seconds`` and ``size`` make it longer where a test waits for something else
    (a health check) before its kill."""
    kho = Kho(settings)
    init_instance(kho)
    accounts.add_user(kho, "sx", "producer", "12345678")
    pid = products.create_product(kho, PRODUCER, {"title": "Phóng sự truyền hình"})
    clip = media_factory.video(tmp_path / "clip.avi", seconds=seconds, size=size,
                               video_args=("-c:v", "mpeg4", "-q:v", "5"),
                               audio_args=("-c:a", "mp2"))
    with clip.open("rb") as fh:
        got = receive(kho, PRODUCER, pid, fh, "phóng sự.avi")
    return kho, got.file_id


TRANSCODE = "libx264"     # in the command line of the proxy's ffmpeg only


def _transcoding(pid: int) -> bool:
    for child in children(pid):
        try:
            if TRANSCODE.encode() in Path(f"/proc/{child}/cmdline").read_bytes():
                return alive(child)
        except OSError:
            continue
    return False


def wait_for_the_transcode(pid: int) -> set[int]:
    """Wait until process ``pid`` runs the proxy's ffmpeg — the probe and the poster are
    done, the longest step is under way — and return its descendants then (that
    ffmpeg and the children's watchdog). A kill at this marker is half-way however
    short the clip; a kill at the first child seen (the probe) could let the next
    tool start between the look and the kill, outside the family the test waits for."""
    wait_until(lambda: _transcoding(pid), 60, "transcoding")
    return children(pid)


def assert_complete_once(kho: Kho, file_id: int, attempts: int) -> None:
    """Ready, with one set of derivatives (rows and objects), one file row, nothing
    left in the spool."""
    with kho.transaction() as s:
        names = list(s.scalars(select(Derivative.name).where(Derivative.file_id == file_id)))
        row = s.get(File, file_id)
        assert row.status == "ready" and row.claimed_by == ""
        assert row.attempts == attempts
        assert sorted(names) == sorted(set(names)) and "proxy" in names and "poster" in names
        assert s.scalar(select(func.count(File.id))) == 1
    keys = list(stored_keys(kho.storage, "derivatives/"))
    assert len(keys) == len(set(keys)) == len(names)
    # a tool the killed consumer started may still be ending (it is killed with its
    # process group, asynchronously): give the spool a moment to settle, then name
    # anything left (a deadline, not a speed: a loaded CI machine needs the margin)
    wait_for_an_empty_spool(kho, file_id)


def wait_for_an_empty_spool(kho: Kho, file_id: int) -> None:
    """Wait until nothing is left in the spool. Tests call it also before they stop the
    worker that finished the file: ``stop`` sends SIGTERM, huey's immediate stop,
    which can cut that worker between marking the file ready and removing its own
    work folder (a leftover swept after an hour, but not what these tests are about)."""
    wait_until(lambda: not any(kho.settings.spool_dir.iterdir()), 90,
               lambda: f"an empty spool: {_spool_listing(kho)} (claim {status(kho, file_id)})")


def _spool_listing(kho: Kho) -> list[str]:
    """What is left in the spool, with ages in seconds (for failure messages)."""
    now = time.time()
    return [f"{p.relative_to(kho.settings.spool_dir)} {now - p.stat().st_mtime:.0f}s"
            for p in sorted(kho.settings.spool_dir.rglob("*"))]


def stop(process: subprocess.Popen) -> None:
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=10)
