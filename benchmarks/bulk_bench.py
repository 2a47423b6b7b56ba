"""Bulk digitisation benchmark (issue 3). From the repository root:

    .venv/bin/python benchmarks/bulk_bench.py [--count 500] [--ocr]

Generates (once, cached in benchmarks/.cache/scans-N/) N A4 pages scanned at 300 dpi
(2480 x 3508 JPEG, Vietnamese text from the district plan), then measures in one run:

* Kho: `kho ingest` of the folder into a fresh instance while a `kho worker --workers 2`
  runs beside it (the embedded default: SQLite catalogue and job queue, local objects,
  Whoosh), timed from the start of `kho ingest` until every file is ready;
* the baseline: a plain Pillow loop over the same files on both cores (a process pool
  of 2) making the same thumbnail (320 px) and preview (1280 px) JPEGs — plus
  `tesseract FILE stdout -l vie` per file with --ocr.

Prints a Markdown row with both times and the ratio Kho / baseline (target <= 1.5).
"""
from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import textwrap
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
CACHE = ROOT / "benchmarks" / ".cache"
PLAN = ROOT.parent / "shared" / "domain" / "ke-hoach-kon-ray-2023-2028.txt"
FONT = "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf"


def _page(args: tuple[int, Path, list[str]]) -> None:
    from PIL import Image, ImageDraw, ImageFont

    number, folder, lines = args
    page = Image.new("L", (2480, 3508), 250)
    draw = ImageDraw.Draw(page)
    font = ImageFont.truetype(FONT, 42)
    y = 250
    for line in lines:
        draw.text((220, y), line, fill=20, font=font)
        y += 62
    draw.text((1180, 3300), f"- {number} -", fill=20, font=font)
    page.save(folder / f"trang-{number:04d}.jpg", "JPEG", quality=85, dpi=(300, 300))


def make_scans(count: int) -> Path:
    folder = CACHE / f"scans-{count}"
    if folder.exists() and len(list(folder.glob("*.jpg"))) == count:
        return folder
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    text = PLAN.read_text(encoding="utf-8") if PLAN.exists() else "Quyền con người " * 2000
    wrapped = textwrap.wrap(" ".join(text.split()), 80)
    jobs = [(i, folder, [wrapped[(i * 45 + k) % len(wrapped)] for k in range(45)])
            for i in range(1, count + 1)]
    with ProcessPoolExecutor(2) as pool:
        list(pool.map(_page, jobs, chunksize=8))
    return folder


def _baseline_one(args: tuple[Path, Path, bool]) -> None:
    from PIL import Image, ImageOps

    path, out, ocr = args
    with Image.open(path) as image:
        image.draft(image.mode, (1280, 1280))
        upright = ImageOps.exif_transpose(image)
        if upright.mode not in ("L", "RGB"):    # greyscale scans stay greyscale, as in Kho
            upright = upright.convert("RGB")
    upright.thumbnail((1280, 1280), Image.Resampling.LANCZOS, reducing_gap=3.0)
    upright.save(out / f"{path.stem}-preview.jpg", "JPEG", quality=82, optimize=True)
    upright.thumbnail((320, 320), Image.Resampling.LANCZOS)
    upright.save(out / f"{path.stem}-thumb.jpg", "JPEG", quality=80, optimize=True)
    if ocr:
        env = dict(os.environ, OMP_THREAD_LIMIT="1")
        subprocess.run(["tesseract", str(path), "stdout", "-l", "vie"], check=True,
                       capture_output=True, env=env)


def baseline(folder: Path, ocr: bool) -> float:
    files = sorted(folder.glob("*.jpg"))
    with tempfile.TemporaryDirectory() as out:
        start = time.perf_counter()
        with ProcessPoolExecutor(2) as pool:
            list(pool.map(_baseline_one, [(f, Path(out), ocr) for f in files], chunksize=4))
        return time.perf_counter() - start


def kho_run(folder: Path, ocr: bool) -> tuple[float, dict[str, int]]:
    from sqlalchemy import func, select

    from app.bootstrap import build
    from archive.models import File

    with tempfile.TemporaryDirectory() as tmp:
        env = {k: v for k, v in os.environ.items() if not k.startswith("KHO_")}
        env.update({"KHO_INSTANCE_PATH": str(Path(tmp) / "instance"),
                    "KHO_OCR_ENABLED": "true" if ocr else "false"})
        kho_cmd = [sys.executable, "-m", "app"]
        subprocess.run(kho_cmd + ["init"], env=env, check=True, capture_output=True)
        subprocess.run(kho_cmd + ["user", "add", "bench", "--role", "producer",
                                  "--password-stdin"], env=env, input=b"benchmark-pw\n",
                       check=True, capture_output=True)
        worker = subprocess.Popen(kho_cmd + ["worker", "--workers", "2"], env=env,
                                  stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        try:
            time.sleep(2)                                   # the worker is a running service
            start = time.perf_counter()
            subprocess.run(kho_cmd + ["ingest", str(folder), "--as", "bench", "--report",
                                      str(Path(tmp) / "qc.csv")], env=env, check=True,
                           capture_output=True)
            kho = build({"instance_path": env["KHO_INSTANCE_PATH"]})
            while True:
                with kho.transaction() as s:
                    counts = dict(s.execute(select(File.status, func.count())
                                            .group_by(File.status)).all())
                if sum(counts.get(k, 0) for k in ("ready", "failed")) >= len(
                        list(folder.glob("*.jpg"))):
                    break
                time.sleep(0.05)
            elapsed = time.perf_counter() - start
            kho.close()
        finally:
            worker.terminate()
            worker.wait(timeout=60)
    return elapsed, counts


def main() -> None:
    parser = argparse.ArgumentParser(description="bulk scans: kho ingest vs Pillow loop")
    parser.add_argument("--count", type=int, default=500)
    parser.add_argument("--ocr", action="store_true")
    args = parser.parse_args()
    folder = make_scans(args.count)
    base = baseline(folder, args.ocr)
    took, counts = kho_run(folder, args.ocr)
    label = "with OCR" if args.ocr else "OCR off"
    print(f"| {args.count} A4 300-dpi scans, {label} | kho ingest {took:.1f} s "
          f"({counts}) | baseline {base:.1f} s | {took / base:.2f} |")


if __name__ == "__main__":
    main()
