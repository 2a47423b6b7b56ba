"""Near-duplicate fingerprints (ingest/likeness.py, ingest/picture_hash.py): the
hashes agree with imagehash, candidates are found by keys, audio is aligned, and the
steps skip (never fail) what cannot be compared."""
from __future__ import annotations

import itertools
import random
import re
import shutil
from pathlib import Path

import numpy
import pytest
from PIL import Image

from archive.errors import ValidationError
from ingest import likeness, picture_hash
from ingest.detect import detect
from ingest.results import OK, SKIPPED, Likeness, ProcessingOptions
from ingest.steps import process
from tests.unit.ingest import likeness_media as made

OPTIONS = ProcessingOptions(ocr_enabled=False, tool_timeout=120)


def _known_picture(target: Path) -> Path:
    y, x = numpy.mgrid[0:300, 0:400]
    pixels = numpy.stack([x * 255 // 399, y * 255 // 299, (x + y) % 256],
                         axis=-1).astype(numpy.uint8)
    pixels[40:120, 50:200] = (200, 30, 30)
    pixels[150:280, 250:380] = (20, 20, 160)
    Image.fromarray(pixels).save(target)
    return target


def test_picture_hashes_are_imagehash_phash_of_sizes_8_and_16(tmp_path):
    # known answer: imagehash 4.3.2's phash(image) and phash(image, hash_size=16)
    found = picture_hash.picture_hash(_known_picture(tmp_path / "known.png"), 10 ** 8)
    assert f"{found.phash:016x}" == "8a358c4bb51bb74a"
    assert f"{found.phash_fine:064x}" == ("88aa34558cdd4ba2b5551ba2b7554aaab5554926b75d4aaa"
                                          "b44db55fa5444aae")
    assert found.short_side == 300 and found.contrast > 30


def _image_print(path: Path) -> Likeness:
    """The fingerprint the processing steps make: from the preview they write."""
    work = path.parent / f"work-{path.stem}"
    results = process(path, detect(path, path.name), work, OPTIONS)
    step = results[-1]
    assert step.step == "likeness" and step.outcome == OK, step.message
    return step.likeness


def test_a_rescan_a_resize_and_a_crop_are_near_and_other_posters_are_not(tmp_path):
    first = made.save(made.poster(1, layout=0), tmp_path / "poster.jpg")
    copies = {kind: made.save(change(made.poster(1, layout=0), 7), tmp_path / f"{kind}.jpg")
              for kind, change in made.IMAGE_VARIANTS.items()}
    others = [made.save(made.poster(seed, layout=0), tmp_path / f"other-{seed}.jpg")
              for seed in (2, 3)]
    original = _image_print(first)
    for kind, path in copies.items():
        found = likeness.distance(original, _image_print(path))
        assert likeness.is_near("image", found), (kind, found)
    for path in others:        # the same layout, another poster
        found = likeness.distance(original, _image_print(path))
        assert not likeness.is_near("image", found), found


def test_a_pdf_is_compared_by_its_first_page(tmp_path):
    source = made.poster(6, layout=2)
    pdf = tmp_path / "tranh.pdf"
    source.save(pdf, "PDF", resolution=150)              # the poster as a one-page PDF
    scan = made.save(made.rescan(source, 2), tmp_path / "quet.jpg")
    other = made.save(made.poster(7, layout=2), tmp_path / "khac.jpg")
    page = _image_print(pdf)
    assert likeness.is_near("image", likeness.distance(page, _image_print(scan)))
    assert not likeness.is_near("image", likeness.distance(page, _image_print(other)))


def test_blank_and_tiny_pictures_are_skipped_not_failed(tmp_path):
    blank = tmp_path / "blank.png"
    Image.new("RGB", (800, 600), "white").save(blank)
    icon = tmp_path / "icon.png"
    Image.fromarray(numpy.random.default_rng(1).integers(0, 255, (40, 40, 3),
                                                         dtype=numpy.uint8)).save(icon)
    for path, why in ((blank, "blank"), (icon, "under 64 px")):
        step = process(path, detect(path, path.name), tmp_path / path.stem, OPTIONS)[-1]
        assert (step.step, step.outcome, step.likeness) == ("likeness", SKIPPED, None)
        assert why in step.message


def test_no_likeness_step_when_near_duplicates_are_off(tmp_path):
    path = made.save(made.poster(4), tmp_path / "p.jpg")
    off = ProcessingOptions(ocr_enabled=False, near_duplicates=False)
    assert "likeness" not in [r.step for r in process(path, detect(path, "p.jpg"),
                                                      tmp_path / "w", off)]


def test_image_probes_find_every_hash_within_the_guaranteed_distance():
    rules = likeness.rules()
    radius = rules.image.probe_radius
    guaranteed = likeness.BANDS * (radius + 1) - 1
    rnd = random.Random(5)
    for _ in range(200):
        first = rnd.getrandbits(64)
        flips = rnd.sample(range(64), rnd.randint(0, guaranteed))
        second = first ^ sum(1 << bit for bit in flips)
        assert set(likeness.probes(Likeness("image", image_hash=first))) \
            & set(likeness.keys(Likeness("image", image_hash=second)))
    assert len(likeness.keys(Likeness("image", image_hash=first))) == likeness.BANDS
    assert len(likeness.probes(Likeness("image", image_hash=0))) == likeness.BANDS * (
        1 + 16 + 120)             # radius 2


def _brute_alignment(a, b, need):
    best = None
    for k in range(-(len(b) - 1), len(a)):
        lo, hi = max(0, k), min(len(a), k + len(b))
        if hi - lo < need:
            continue
        rate = sum(bin(int(x) ^ int(y)).count("1") for x, y in
                   zip(a[lo:hi], b[lo - k:hi - k])) / (32 * (hi - lo))
        if best is None or rate < best[0]:
            best = (rate, k, hi - lo)
    return best


def test_audio_alignment_is_the_best_offset_of_a_brute_force_search():
    rnd = numpy.random.default_rng(3)
    rules = likeness.rules().audio
    a = rnd.integers(0, 2 ** 32, 150, dtype=numpy.uint32)
    b = a[30:130] ^ (rnd.random(100) < 0.05).astype(numpy.uint32)   # a trimmed copy
    found = likeness.audio_alignment(a, b, rules)
    need = max(int(numpy.ceil(rules.min_overlap_s / likeness.CHROMAPRINT_STEP_S)),
               int(numpy.ceil(rules.min_overlap_share * 100)))
    rate, offset, overlap = _brute_alignment(a, b, need)
    assert (found.offset, found.overlap) == (offset, overlap) == (30, 100)
    assert found.distance == pytest.approx(rate, abs=1e-4)
    c = rnd.integers(0, 2 ** 32, 120, dtype=numpy.uint32)
    assert likeness.audio_alignment(a, c, rules).distance == \
        pytest.approx(_brute_alignment(a, c, max(need, 60))[0], abs=1e-4)
    assert likeness.audio_alignment(a, a[:20], rules) is None     # too short to compare


@pytest.fixture(scope="module")
def bulletins(tmp_path_factory) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("bulletins")
    seconds = 25.0
    first = made.bulletin(folder / "ban-tin.mp3", seed=1, seconds=seconds)
    found = {"original": first,
             "other": made.bulletin(folder / "ban-tin-khac.mp3", seed=2, seconds=seconds)}
    for kind in ("reencode_mp3_64k", "trimmed", "quieter_6db", "video"):
        found[kind] = made.audio_variant(first, folder / kind, kind, seconds)
    return found


def _sound_print(path: Path) -> Likeness:
    step = likeness.sound_steps(path, OPTIONS, has_sound=True)[0]
    assert (step.step, step.tool, step.outcome) == ("likeness", "fpcalc", OK), step.message
    return step.likeness


def test_reencoded_trimmed_and_quieter_bulletins_are_near_another_is_not(bulletins):
    original = _sound_print(bulletins["original"])
    for kind in ("reencode_mp3_64k", "trimmed", "quieter_6db", "video"):
        found = likeness.distance(original, _sound_print(bulletins[kind]))
        assert likeness.is_near("audio", found), (kind, found)
    other = likeness.distance(original, _sound_print(bulletins["other"]))
    assert not likeness.is_near("audio", other) and other > 0.3
    # the trimmed copy shares keys with the original: it is a candidate
    assert set(likeness.keys(original)) & set(likeness.probes(_sound_print(bulletins["trimmed"])))


def test_a_video_is_fingerprinted_by_its_sound_in_its_processing_steps(bulletins, tmp_path):
    path = bulletins["video"]
    steps = process(path, detect(path, path.name), tmp_path / "w", OPTIONS)
    step = next(r for r in steps if r.step == "likeness")
    assert step.outcome == OK and step.likeness.kind == "audio" and step.likeness.seconds > 20


def test_a_missing_fpcalc_or_silence_skips_the_step(bulletins, tmp_path, monkeypatch):
    silent = tmp_path / "silence.wav"
    made.ffmpeg("-f", "lavfi", "-i", "anullsrc=r=44100:cl=mono", "-t", "20", str(silent))
    step = likeness.sound_steps(silent, OPTIONS, has_sound=True)[0]
    assert step.outcome == SKIPPED and step.likeness is None
    tools = tmp_path / "bin"
    tools.mkdir()
    for tool in ("ffmpeg", "ffprobe"):            # everything but fpcalc
        (tools / tool).symlink_to(shutil.which(tool))
    monkeypatch.setenv("PATH", str(tools))
    likeness.fpcalc_version.cache_clear()
    try:
        step = likeness.sound_steps(bulletins["original"], OPTIONS, has_sound=True)[0]
    finally:
        likeness.fpcalc_version.cache_clear()
    assert step.outcome == SKIPPED and "fpcalc is not installed" in step.message


def test_the_rules_are_data_and_a_bad_file_is_refused(tmp_path):
    rules = likeness.load_rules()
    assert rules == likeness.rules()
    assert 0 < rules.image.max_distance < 0.5 and 0 < rules.audio.max_distance < 0.5
    bad = tmp_path / "likeness.toml"
    bad.write_text(re.sub(r"max_distance = [0-9.]+", "max_distance = 0.9",
                          likeness.RULES_PATH.read_text()))
    with pytest.raises(ValidationError):
        likeness.load_rules(bad)
    bad.write_text("version = 1\n")
    with pytest.raises(ValidationError):
        likeness.load_rules(bad)


def test_audio_keys_are_sampled_by_the_key_so_copies_keep_the_same_ones():
    rules = likeness.rules().audio
    values = numpy.random.default_rng(9).integers(0, 2 ** 32, 4000, dtype=numpy.uint32)
    stored = likeness.keys(Likeness("audio", values=values.astype("<u4").tobytes()))
    assert all(k >= likeness.AUDIO_KEY_BASE for k in stored)
    share = len(stored) / len(numpy.unique(values >> (32 - rules.key_bits)))
    assert share == pytest.approx(1 / 2 ** rules.sample_bits, abs=0.05)
    part = values[1000:3000]
    assert set(likeness.keys(Likeness("audio", values=part.astype("<u4").tobytes()))) \
        <= set(stored)
    assert list(itertools.islice(stored, 3)) == sorted(stored)[:3]
