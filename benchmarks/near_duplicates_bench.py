"""Near-duplicates (issue 25, part 3). Run from the repository root with the venv:

    .venv/bin/python benchmarks/near_duplicates_bench.py quality [--posters 30] [--bulletins 20]
    .venv/bin/python benchmarks/near_duplicates_bench.py overhead [--scans 500] [--audio 50]
    .venv/bin/python benchmarks/near_duplicates_bench.py scale [--images 100000] [--audio 5000]

quality: the labelled set, made on the spot (benchmarks/near_duplicates_set.py):
  --posters posters in 3 layouts, each with its 6 variants (half size, JPEG q40, 3 %
  crop, re-scans at +1° and −1.5°, a 2 % crop re-scanned and re-compressed); and
  --bulletins synthesised bulletins in 2 voices, each with its 7 variants (MP3 64 kbps,
  AAC 48 kbps, 22 kHz mono WAV, −6 dB, +4 dB limited, trimmed 6.5 s / 7.5 s, as the
  sound of an MP4); plus, when espeak-ng is installed, 10 bulletins read by its
  Vietnamese voice with the same variants. A pair of files is near when both come
  from one poster or one bulletin. Every file goes through the real path: the
  processing steps make its fingerprint, the catalogue keeps it with its keys
  (SQLite), and the candidate search and rules (ingest/rules/likeness.toml) find
  its pairs; precision and recall are counted over all pairs of the set. The
  distances of all pairs (brute force) show the margin around each threshold.
overhead: --scans A4 scans (JPEG, 2480 × 3508) and --audio 60 s bulletins processed
  twice in the same run, interleaved file by file: by an instance with
  near_duplicates off (today's processing) and one with it on (the likeness step,
  keeping the fingerprint and keys, the candidate search and comparison against
  everything processed before). OCR is off in both (it would make the ratio smaller).
scale: the candidate search against a catalogue of --images image fingerprints and
  --audio audio fingerprints (random values), on SQLite: time per look-up and how
  many candidates come back.
Results go to stdout as Markdown; copy them into benchmarks/README.md.
"""
from __future__ import annotations

import argparse
import itertools
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from benchmarks.near_duplicates_set import labelled_set, scans as made_scans  # noqa: E402

def _instance(folder: Path, **overrides):
    from app.bootstrap import Kho
    from app.services.access import accounts
    from app.services.access.actors import Actor
    from app.services.instance.setup import init_instance
    from tests.conftest import make_settings

    kho = Kho(make_settings(folder, **overrides))
    init_instance(kho)
    accounts.add_user(kho, "bench", "producer", "benchmark-password")
    return kho, Actor(1, "bench", "producer")


# --- the labelled set (made by benchmarks/near_duplicates_set.py) ----------------


def _fingerprint(path: Path, work: Path):
    """The fingerprint processing makes: a picture's from the steps that write its
    preview, a sound's from the likeness step alone (the same fpcalc call; the broadcast
    copies would only take time)."""
    from ingest import likeness
    from ingest.detect import detect
    from ingest.results import OK, ProcessingOptions
    from ingest.steps import process

    options = ProcessingOptions(ocr_enabled=False)
    if path.suffix == ".jpg":
        results = process(path, detect(path, path.name), work, options)
    else:
        results = likeness.sound_steps(path, options, has_sound=True)
    step = next((r for r in results if r.step == "likeness"), None)
    shutil.rmtree(work, ignore_errors=True)
    return step.likeness if step is not None and step.outcome == OK else None


def quality(posters: int, bulletins: int) -> None:
    from sqlalchemy import select

    from app.services.catalogue import products
    from app.services.files.intake import receive
    from app.services.processing import likeness as matching
    from archive.likeness import NearDuplicate
    from ingest import likeness

    with tempfile.TemporaryDirectory() as tmpdir:
        tmp = Path(tmpdir)
        (tmp / "set").mkdir()
        started = time.perf_counter()
        labelled, espeak = labelled_set(tmp / "set", posters, bulletins)
        made_s = time.perf_counter() - started
        kho, actor = _instance(tmp / "instance")
        prints, files = {}, {}
        started = time.perf_counter()
        for label, path in labelled:     # one product per file: every pair may be flagged
            pid = products.create_product(kho, actor, {"title": path.stem})
            with path.open("rb") as stream:
                got = receive(kho, actor, pid, stream, path.name, queue=False)
            prints[got.file_id] = _fingerprint(path, tmp / "work")
            files[got.file_id] = (label, path)
        fingerprint_s = time.perf_counter() - started
        started = time.perf_counter()
        for file_id, found in prints.items():       # in upload order, as processing does
            with kho.transaction() as session:
                matching.keep(session, file_id, found)
            matching.find_near(kho, file_id)
        match_s = time.perf_counter() - started
        with kho.transaction() as session:
            flagged = {(p.other_file_id, p.file_id) for p in session.scalars(select(NearDuplicate))}
        kho.close()
    kinds = {fid: ("image" if path.suffix == ".jpg" else "audio")
             for fid, (_label, path) in files.items()}
    print(f"labelled set: {len(files)} files ({sum(k == 'image' for k in kinds.values())} "
          f"pictures, {sum(k == 'audio' for k in kinds.values())} sound files; espeak-ng "
          f"{'used' if espeak else 'absent'}), made in {made_s:.0f} s; fingerprints "
          f"{fingerprint_s:.0f} s, keeping and matching {match_s:.1f} s\n")
    print("| kind | files | near pairs (labelled) | flagged | true | precision | recall | "
          "nearest other pair | farthest near pair | threshold |")
    print("|---|---|---|---|---|---|---|---|---|---|")
    rules = likeness.rules()
    for kind in ("image", "audio"):
        ids = sorted(f for f in files if kinds[f] == kind)
        missing = [f for f in ids if prints[f] is None]
        wanted = {(a, b) for a, b in itertools.combinations(ids, 2)
                  if files[a][0] == files[b][0]}
        got = {pair for pair in flagged if kinds[pair[0]] == kind}
        true = len(got & wanted)
        distances = {(a, b): likeness.distance(prints[a], prints[b], rules)
                     for a, b in itertools.combinations(ids, 2)
                     if prints[a] is not None and prints[b] is not None}
        near_far = max((d for pair, d in distances.items() if pair in wanted and d is not None),
                       default=float("nan"))
        other_near = min((d for pair, d in distances.items()
                          if pair not in wanted and d is not None), default=float("nan"))
        print(f"| {kind} | {len(ids)} | {len(wanted)} | {len(got)} | {true} | "
              f"{true / max(1, len(got)):.3f} | {true / max(1, len(wanted)):.3f} | "
              f"{other_near:.3f} | {near_far:.3f} | {rules.of(kind).max_distance} |")
        if missing:
            print(f"  (no fingerprint: {', '.join(files[f][1].name for f in missing)})")
        _sweep(kind, distances, wanted)
        _misses(kind, wanted - got, got - wanted, files, distances)


def _sweep(kind: str, distances: dict, wanted: set) -> None:
    """Precision and recall of the distances alone (no candidate search) at thresholds
    around the rule's."""
    from ingest import likeness

    rule = likeness.rules().of(kind).max_distance
    steps = [rule * f for f in (0.5, 0.75, 1.0, 1.25, 1.5)]
    cells = []
    for threshold in steps:
        hits = {pair for pair, d in distances.items() if d is not None and d <= threshold}
        true = len(hits & wanted)
        cells.append(f"≤ {threshold:.3f}: P {true / max(1, len(hits)):.3f} "
                     f"R {true / max(1, len(wanted)):.3f}")
    print(f"  {kind} by distance alone — " + "; ".join(cells))


def _misses(kind: str, missed: set, extra: set, files: dict, distances: dict) -> None:
    def name(fid: int) -> str:
        return files[fid][1].name

    for a, b in sorted(missed)[:8]:
        print(f"  missed {kind}: {name(a)} ~ {name(b)} (distance {distances.get((a, b))})")
    for a, b in sorted(extra)[:8]:
        print(f"  wrong {kind}: {name(a)} ~ {name(b)} (distance {distances.get((a, b))})")


# --- processing overhead ---------------------------------------------------------


def overhead(scans: int, audio: int) -> None:
    from app.services.catalogue import products
    from app.services.files.intake import receive
    from app.services.processing import pipeline
    from tests.unit.ingest import likeness_media as made

    with tempfile.TemporaryDirectory() as tmpdir:
        tmp = Path(tmpdir)
        (tmp / "media").mkdir()
        started = time.perf_counter()
        media = [("scan", path) for path in made_scans(tmp / "media", scans)]
        media += [("audio", made.bulletin(tmp / "media" / f"audio-{i}.mp3", i, 60.0, voice=i % 2))
                  for i in range(audio)]
        print(f"made {scans} scans and {audio} bulletins in {time.perf_counter() - started:.0f} s")
        without, actor = _instance(tmp / "without", near_duplicates=False, ocr_enabled=False)
        with_, _ = _instance(tmp / "with", near_duplicates=True, ocr_enabled=False)
        spent = {(kind, on): 0.0 for kind in ("scan", "audio") for on in (False, True)}
        for number, (kind, path) in enumerate(media):
            order = (without, with_) if number % 2 == 0 else (with_, without)
            for kho in order:
                pid = products.create_product(kho, actor, {"title": path.stem})
                with path.open("rb") as stream:
                    got = receive(kho, actor, pid, stream, path.name, queue=False)
                started = time.perf_counter()
                status = pipeline.process_file(kho, got.file_id)
                spent[(kind, kho is with_)] += time.perf_counter() - started
                assert status == "ready", (path, status)
        without.close()
        with_.close()
    print("\n| files | today (near-duplicates off) | with fingerprints and matching | ratio |")
    print("|---|---|---|---|")
    for kind, count in (("scan", scans), ("audio", audio)):
        off, on = spent[(kind, False)], spent[(kind, True)]
        print(f"| {count} {kind}s | {off:.1f} s | {on:.1f} s | {on / max(off, 1e-9):.3f}× |")
    off = spent[("scan", False)] + spent[("audio", False)]
    on = spent[("scan", True)] + spent[("audio", True)]
    print(f"| all | {off:.1f} s | {on:.1f} s | {on / off:.3f}× |")


# --- the candidate search at scale -----------------------------------------------


def scale(images: int, audio: int) -> None:
    import numpy
    from sqlalchemy import insert

    from app.services.catalogue import products
    from app.services.processing import likeness as matching
    from archive.likeness import FileLikeness, LikenessKey
    from archive.models import File
    from ingest import likeness
    from ingest.results import Likeness

    rnd = numpy.random.default_rng(11)
    with tempfile.TemporaryDirectory() as tmpdir:
        kho, actor = _instance(Path(tmpdir) / "instance")
        pid = products.create_product(kho, actor, {"title": "scale"})
        other = products.create_product(kho, actor, {"title": "new"})
        started = time.perf_counter()
        with kho.transaction() as session:
            rows, keys, prints = [], [], []
            for n in range(images + audio):
                if n < images:
                    found = Likeness("image", image_hash=int.from_bytes(rnd.bytes(16), "big"))
                else:
                    values = rnd.integers(0, 2 ** 32, 4800, dtype=numpy.uint32)
                    found = Likeness("audio", values=values.astype("<u4").tobytes(), seconds=600)
                rows.append({"id": n + 1, "product_id": pid, "sha256": f"{n:064x}", "size": 1,
                             "original_filename": f"{n}", "storage_key": f"k{n}",
                             "status": "ready", "technical": {}, "text": ""})
                prints.append({"file_id": n + 1, "kind": found.kind,
                               "image_hash": f"{found.image_hash:032x}" if found.image_hash
                               is not None else "", "fingerprint": found.values or None,
                               "seconds": found.seconds})
                keys += [{"key": k, "file_id": n + 1} for k in likeness.keys(found)]
            session.execute(insert(File), rows)
            session.execute(insert(FileLikeness), prints)
            session.execute(insert(LikenessKey), keys)
        print(f"catalogue of {images} image and {audio} audio fingerprints "
              f"({len(keys)} keys) stored in {time.perf_counter() - started:.0f} s")
        for kind, count in (("image", 200), ("audio", 50)):
            times, found_counts = [], []
            for _ in range(count):
                if kind == "image":
                    probe = Likeness("image", image_hash=int.from_bytes(rnd.bytes(16), "big"))
                else:
                    probe = Likeness("audio", values=rnd.integers(
                        0, 2 ** 32, 4800, dtype=numpy.uint32).astype("<u4").tobytes())
                started = time.perf_counter()
                with kho.transaction() as session:
                    found = matching.candidates(session, 0, other, probe)
                times.append(time.perf_counter() - started)
                found_counts.append(len(found))
            print(f"| {kind} look-up | {statistics.median(times) * 1000:.1f} ms median, "
                  f"{sorted(times)[int(len(times) * 0.95)] * 1000:.1f} ms p95 | "
                  f"{statistics.mean(found_counts):.1f} candidates on average |")
        kho.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="what", required=True)
    q = sub.add_parser("quality")
    q.add_argument("--posters", type=int, default=30)
    q.add_argument("--bulletins", type=int, default=20)
    o = sub.add_parser("overhead")
    o.add_argument("--scans", type=int, default=500)
    o.add_argument("--audio", type=int, default=50)
    s = sub.add_parser("scale")
    s.add_argument("--images", type=int, default=100_000)
    s.add_argument("--audio", type=int, default=5_000)
    args = parser.parse_args()
    if args.what == "quality":
        quality(args.posters, args.bulletins)
    elif args.what == "overhead":
        overhead(args.scans, args.audio)
    else:
        scale(args.images, args.audio)


if __name__ == "__main__":
    main()
