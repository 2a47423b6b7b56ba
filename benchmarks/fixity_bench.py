"""Preservation benchmarks (issue 14). From the repository root:

    .venv/bin/python benchmarks/fixity_bench.py fixity [--gib 10] [--repeat 2]
    .venv/bin/python benchmarks/fixity_bench.py intake [--mib 1024] [--repeat 3]

``fixity``: an instance (SQLite, local objects) whose originals total GIB GiB of random
bytes (8 files of GIB/10 GiB and the rest in 64 MiB files, written straight into the
storage folder with their catalogue rows; cached in benchmarks/.cache/fixity-GIB/), then,
alternating, ``sha256sum`` over the object files and ``kho fixity --all`` (a separate
process: re-read, SHA-256, one provenance event and state row per file). Reports the
best time of each, the ratio kho / sha256sum (target <= 1.2) and the peak RSS of
``kho fixity --all`` against ``kho fixity --product`` of one small product (flat memory:
the same whatever the amount read). Both read from the page cache when the files fit
in memory (24 GB here), so the ratio measures Kho's own cost over hashing.

``intake``: ``receive()`` of MIB MiB of random files (16 MiB each) into a fresh instance
without a replica and into one with a local replica (another folder), alternating;
reports the ratio with / without (target <= 1.3).

Prints Markdown table rows.
"""
from __future__ import annotations

import argparse
import hashlib
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
CACHE = ROOT / "benchmarks" / ".cache"
MIB = 1024 * 1024
CHUNK = 4 * MIB


def settings_for(instance: Path, **overrides):
    from config import load_settings

    values = {"instance_path": str(instance), "env": "testing", "queue_url": "immediate",
              "secret_key": "bench", "ocr_enabled": False, **overrides}
    return load_settings(values, environ={})


def kho_env(instance: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("KHO_")}
    env.update(KHO_INSTANCE_PATH=str(instance), KHO_QUEUE_URL="immediate", KHO_ENV="testing",
               KHO_SECRET_KEY="bench", KHO_LANG="en")
    return env


def build_archive(gib: float) -> Path:
    """The cached instance with ``gib`` GiB of originals; built once."""
    from app.bootstrap import Kho
    from app.services.access import accounts
    from app.services.catalogue import products
    from app.services.access.actors import Actor
    from app.services.instance.setup import init_instance
    from archive.models import File
    from archive.storage import original_key

    instance = CACHE / f"fixity-{gib:g}" / "instance"
    if (instance.parent / "complete").exists():
        return instance
    shutil.rmtree(instance.parent, ignore_errors=True)
    kho = Kho(settings_for(instance))
    init_instance(kho)
    accounts.add_user(kho, "bench", "producer", "12345678")
    actor = Actor(1, "bench", "producer")
    total = int(gib * 1024 * MIB)
    large = total // 10
    sizes = [large] * 8
    rest = total - sum(sizes)
    sizes += [64 * MIB] * (rest // (64 * MIB))
    if rest % (64 * MIB):
        sizes.append(rest % (64 * MIB))
    sizes.append(1 * MIB)                         # the small product of the memory baseline
    for number, size in enumerate(sizes):
        product_id = products.create_product(kho, actor, {"title": f"Sản phẩm {number}"})
        temp = kho.settings.objects_dir / f"incoming-{number}"
        temp.parent.mkdir(parents=True, exist_ok=True)
        digest, left = hashlib.sha256(), size
        with open(temp, "wb") as out:
            while left:
                block = os.urandom(min(CHUNK, left))
                digest.update(block)
                out.write(block)
                left -= len(block)
        key = original_key(digest.hexdigest())
        target = kho.settings.objects_dir / key
        target.parent.mkdir(parents=True, exist_ok=True)
        temp.rename(target)
        with kho.transaction() as session:
            session.add(File(product_id=product_id, sha256=digest.hexdigest(), size=size,
                             original_filename=f"tep-{number}.bin", storage_key=key,
                             status="ready"))
    kho.close()
    (instance.parent / "complete").write_text("ok")
    return instance


def timed(command: list[str], env: dict[str, str] | None = None) -> tuple[float, int]:
    """Seconds of ``command`` and its peak RSS in kB (from wait4)."""
    started = time.perf_counter()
    process = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL,
                               stderr=subprocess.DEVNULL)
    _, status, usage = os.wait4(process.pid, 0)
    seconds = time.perf_counter() - started
    if os.waitstatus_to_exitcode(status) != 0:
        raise SystemExit(f"{command[:3]} failed with {os.waitstatus_to_exitcode(status)}")
    return seconds, usage.ru_maxrss


def fixity_bench(gib: float, repeat: int) -> None:
    instance = build_archive(gib)
    objects = sorted(str(p) for p in (instance / "objects" / "originals").rglob("*")
                     if p.is_file())
    gib_read = sum(os.path.getsize(p) for p in objects) / 1024 ** 3
    kho = [sys.executable, "-m", "app", "fixity"]
    env = kho_env(instance)
    timed(["sha256sum", *objects])                # warm the page cache
    base, mine, rss = [], [], []
    for _ in range(repeat):
        base.append(timed(["sha256sum", *objects])[0])
        seconds, peak = timed(kho + ["--all"], env)
        mine.append(seconds)
        rss.append(peak)
    from app.bootstrap import Kho
    from archive.models import File
    from sqlalchemy import select

    runtime = Kho(settings_for(instance))
    with runtime.transaction() as session:
        small = session.scalar(select(File.product_id).where(File.size == MIB))
    runtime.close()
    _, small_rss = timed(kho + ["--product", str(small)], env)
    ratio = min(mine) / min(base)
    print(f"| `kho fixity --all` over {gib_read:.1f} GiB ({len(objects)} originals) | "
          f"{min(mine):.1f} s (best of {repeat}) | `sha256sum` over the same files: "
          f"{min(base):.1f} s | **{ratio:.2f}** | ≤ 1.2 |")
    print(f"| peak RSS of `kho fixity --all` ({gib_read:.1f} GiB) | {max(rss) / 1024:.0f} MB | "
          f"`kho fixity --product` of one 1 MiB file: {small_rss / 1024:.0f} MB | "
          f"**{max(rss) / small_rss:.2f}** (flat) | not growing |")


def intake_once(folder: Path, blobs: list[Path], replica: bool) -> float:
    from app.bootstrap import Kho
    from app.services.access import accounts
    from app.services.catalogue import products
    from app.services.access.actors import Actor
    from app.services.instance.setup import init_instance
    from app.services.files.intake import receive

    shutil.rmtree(folder, ignore_errors=True)
    extra = {"replica_storage": "local",
             "replica_storage_path": str(folder / "replica")} if replica else {}
    kho = Kho(settings_for(folder / "instance", **extra))
    init_instance(kho)
    accounts.add_user(kho, "bench", "producer", "12345678")
    actor = Actor(1, "bench", "producer")
    product_id = products.create_product(kho, actor, {"title": "Đo tốc độ"})
    started = time.perf_counter()
    for path in blobs:
        with open(path, "rb") as stream:
            receive(kho, actor, product_id, stream, path.name, queue=False)
    seconds = time.perf_counter() - started
    kho.close()
    shutil.rmtree(folder, ignore_errors=True)
    return seconds


def intake_bench(mib: int, repeat: int) -> None:
    source = CACHE / f"intake-{mib}"
    if not (source / "complete").exists():
        shutil.rmtree(source, ignore_errors=True)
        source.mkdir(parents=True)
        for number in range(mib // 16):
            (source / f"tep-{number}.bin").write_bytes(os.urandom(16 * MIB))
        (source / "complete").write_text("ok")
    blobs = sorted(source.glob("tep-*.bin"))
    work = Path(tempfile.mkdtemp(prefix="kho-intake-", dir=CACHE))
    plain, replicated = [], []
    for _ in range(repeat):
        plain.append(intake_once(work / "plain", blobs, replica=False))
        replicated.append(intake_once(work / "replicated", blobs, replica=True))
    shutil.rmtree(work, ignore_errors=True)
    ratio = min(replicated) / min(plain)
    print(f"| intake of {len(blobs)} × 16 MiB through `receive()` with a local replica | "
          f"{min(replicated):.2f} s (best of {repeat}) | without a replica: "
          f"{min(plain):.2f} s | **{ratio:.2f}** | ≤ 1.3 |")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="what", required=True)
    fixity = sub.add_parser("fixity")
    fixity.add_argument("--gib", type=float, default=10.0)
    fixity.add_argument("--repeat", type=int, default=2)
    intake = sub.add_parser("intake")
    intake.add_argument("--mib", type=int, default=1024)
    intake.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    if args.what == "fixity":
        fixity_bench(args.gib, args.repeat)
    else:
        intake_bench(args.mib, args.repeat)


if __name__ == "__main__":
    main()
