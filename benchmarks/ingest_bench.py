"""Ingest benchmarks (issue 3). Run from the repository root with the project's venv:

    .venv/bin/python benchmarks/ingest_bench.py overhead [--seconds 30] [--repeat 3]
    .venv/bin/python benchmarks/ingest_bench.py memory [--gib 2]
    .venv/bin/python benchmarks/ingest_bench.py bulk [--count 500] [--ocr]

overhead: a generated 30 s 720p video (MPEG-4 Part 2 + MP2 in AVI, so the proxy must be
  re-encoded) goes through the whole service path (spool + SHA-256 + detect + store +
  probe + poster + proxy + record + index) on the embedded defaults; the very same
  external tool commands, recorded during that run, are then replayed directly. The
  ratio pipeline / direct is the overhead (target <= 1.15).
memory: peak RSS of a child process receiving a file of --gib GiB through the intake
  service, compared with the same for 1/8 of the size (target < 200 MB, flat).
bulk: --count A4 300-dpi JPEG scans through `kho ingest` (2 job workers) vs a plain
  Pillow thumbnail + preview loop on both cores (plus tesseract with --ocr).
Results go to stdout as a Markdown table row; copy them into benchmarks/README.md.
"""
from __future__ import annotations

import argparse
import io
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

TOOLS = ("ffmpeg", "ffprobe", "tesseract")


def _instance(tmp: Path, **overrides):
    from app.bootstrap import Kho
    from app.services.access import accounts
    from app.services.catalogue import products
    from app.services.access.actors import Actor
    from app.services.instance.setup import init_instance
    from tests.conftest import make_settings

    kho = Kho(make_settings(tmp / "instance", **overrides))
    init_instance(kho)
    accounts.add_user(kho, "bench", "producer", "benchmark-password")
    actor = Actor(1, "bench", "producer")
    pid = products.create_product(kho, actor, {"title": "Benchmark"})
    return kho, actor, pid


class _Recorder:
    """Wraps subprocess.run to record every external media tool command."""

    def __init__(self) -> None:
        self.commands: list[list[str]] = []
        self._real = subprocess.run

    def __enter__(self):
        def run(args, *a, **kw):
            if isinstance(args, (list, tuple)) and Path(str(args[0])).name in TOOLS \
                    and "-version" not in args and "--version" not in args \
                    and "--list-langs" not in args:
                self.commands.append([str(x) for x in args])
            return self._real(args, *a, **kw)
        subprocess.run = run
        return self

    def __exit__(self, *exc):
        subprocess.run = self._real


def _replayable(cmd: list[str], tmp: Path, clip: Path) -> list[str]:
    """The recorded command with vanished spool inputs pointed at the source clip and
    output folders (removed after the pipeline run) created again."""
    out = []
    for i, arg in enumerate(cmd):
        if arg.startswith(str(tmp)) and not Path(arg).exists():
            is_input = (i > 0 and cmd[i - 1] == "-i") or Path(cmd[0]).name == "ffprobe"
            if is_input and "/spool/upload-" in arg:
                arg = str(clip)
            elif not is_input:
                Path(arg).parent.mkdir(parents=True, exist_ok=True)
        out.append(arg)
    return out


def make_video(path: Path, seconds: int) -> Path:
    subprocess.run(["ffmpeg", "-v", "error", "-y", "-f", "lavfi", "-i",
                    f"testsrc2=size=1280x720:rate=25:duration={seconds}", "-f", "lavfi", "-i",
                    f"sine=frequency=440:duration={seconds}", "-c:v", "mpeg4", "-q:v", "4",
                    "-c:a", "mp2", "-shortest", str(path)], check=True)
    return path


def overhead(seconds: int, repeat: int) -> None:
    from app.services.files.intake import receive

    rows = []
    with tempfile.TemporaryDirectory() as tmpdir:
        tmp = Path(tmpdir)
        clip = make_video(tmp / "clip.avi", seconds)
        for i in range(repeat):
            kho, actor, pid = _instance(tmp / f"run{i}")
            with _Recorder() as rec, clip.open("rb") as fh:
                t0 = time.perf_counter()
                got = receive(kho, actor, pid, fh, "phóng sự.avi")
                pipeline = time.perf_counter() - t0
            commands = [_replayable(cmd, tmp, clip) for cmd in rec.commands]
            t0 = time.perf_counter()
            for cmd in commands:   # the same commands, run directly
                subprocess.run(cmd, check=True, capture_output=True)
            direct = time.perf_counter() - t0
            rows.append((pipeline, direct, len(rec.commands)))
            assert got.file_id
            kho.close()
    pipe = statistics.median(r[0] for r in rows)
    direct = statistics.median(r[1] for r in rows)
    print(f"| pipeline overhead, {seconds} s 720p video | {pipe:.2f} s | direct "
          f"{direct:.2f} s ({rows[0][2]} tool commands) | {pipe / direct:.3f} |")


def _child_receive(path: str, instance: str) -> None:
    from app.services.files.intake import receive

    kho, actor, pid = _instance(Path(instance))
    with open(path, "rb") as fh:
        receive(kho, actor, pid, fh, "lớn.bin", queue=False)
    peak_kib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    print(peak_kib)


def _peak_rss(size: int, tmp: Path) -> float:
    path = tmp / f"big-{size}"
    with path.open("wb") as fh:
        block = os.urandom(1024 * 1024)
        for _ in range(size // len(block)):
            fh.write(block)
    out = subprocess.run([sys.executable, __file__, "_child", str(path), str(tmp / f"i{size}")],
                         check=True, capture_output=True, text=True)
    path.unlink()
    return int(out.stdout.strip().splitlines()[-1]) / 1024


def memory(gib: float) -> None:
    size = int(gib * 1024 ** 3)
    with tempfile.TemporaryDirectory(dir=ROOT / "instance" if (ROOT / "instance").exists()
                                     else None) as tmpdir:
        small = _peak_rss(size // 8, Path(tmpdir))
        big = _peak_rss(size, Path(tmpdir))
    print(f"| peak RSS receiving {gib:g} GiB | {big:.0f} MB | {size / 8 / 1024 ** 3:g} GiB: "
          f"{small:.0f} MB | {big / small:.2f} |")


def main() -> None:
    if len(sys.argv) > 1 and sys.argv[1] == "_child":
        _child_receive(sys.argv[2], sys.argv[3])
        return
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="what", required=True)
    o = sub.add_parser("overhead")
    o.add_argument("--seconds", type=int, default=30)
    o.add_argument("--repeat", type=int, default=3)
    m = sub.add_parser("memory")
    m.add_argument("--gib", type=float, default=2)
    args = parser.parse_args()
    if args.what == "overhead":
        overhead(args.seconds, args.repeat)
    else:
        memory(args.gib)


if __name__ == "__main__":
    main()
