"""Fingerprints that find near-duplicates — a re-scanned poster, a resized JPEG, a
re-encoded or trimmed bulletin — and how near two of them are.

Two kinds, each made once at processing time and stored by the pipeline
(``app.services.processing.likeness``):

- **image** (images, and the first page of PDFs): the perceptual hashes of the file's
  preview (:func:`ingest.picture_hash.picture_hash` on pixels from :mod:`ingest.images`,
  the only Pillow code; the values of imagehash 4.3's ``phash`` with hash sizes 8 and
  16). Distance: the share of the
  256 bits of the fine hash that differ. The 64-bit hash is coarse — posters of one
  layout are often a few bits apart — so it only finds candidates; the 256-bit hash
  keeps re-scans, resizes and light crops near (under a quarter of the bits) and
  other posters of the same layout far (measured: over 0.28).
- **audio** (audio files, and the sound of videos): Chromaprint's raw fingerprint of the
  first ``seconds`` seconds, from Debian's ``fpcalc`` (one unsigned 32-bit value per
  :data:`CHROMAPRINT_STEP_S` seconds). Distance: the bit error rate at the best
  alignment of the two fingerprints (:func:`audio_alignment`, every offset at once by
  FFT), so a trimmed copy is found at its offset; the overlap must cover
  ``min_overlap_share`` of the shorter and ``min_overlap_s`` seconds, so a shared
  jingle or one news item in common is not enough.

Candidates are found by keys stored beside each fingerprint (:func:`keys`), never by
reading the whole catalogue: an image stores the 4 bands of 16 bits of its 64-bit hash
and looks up every value within ``probe_radius`` bits of its own (:func:`probes`; by
the pigeonhole principle two hashes within 4·(radius+1)−1 bits share a band within
radius: 11 bits for radius 2, where re-scans measured 12 at most); an audio
file stores the top ``key_bits`` bits of one value in ``2^sample_bits`` (chosen by the
key, so copies keep the same ones) and candidates share ``min_shared_keys`` of them
and ``min_shared_share`` of the new file's (a trimmed copy shares about a quarter).

What counts as near is data, not code: ``ingest/rules/likeness.toml`` (:func:`rules`),
measured in ``benchmarks/near_duplicates_bench.py``. A file that cannot be
fingerprinted (no sound, silence, a blank page, fpcalc missing) is skipped, never
failed: near-duplicates are a help, not a condition of keeping a file.
"""
from __future__ import annotations

import functools
import itertools
import json
import math
import re
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Optional

import numpy

from archive.errors import ProcessingError, ValidationError
from ingest import images, media, picture_hash
from ingest.results import (Likeness, ProcessingOptions, StepOutput, StepResult,
                            StepSkipped, run_step)

IMAGE, AUDIO = "image", "audio"
KINDS = (IMAGE, AUDIO)
RULES_PATH = Path(__file__).with_name("rules") / "likeness.toml"
IMAGE_BITS = 64                     # the look-up hash…
FINE_BITS = 256                     # …and the one compared
BAND_BITS = 16
BANDS = IMAGE_BITS // BAND_BITS
AUDIO_KEY_BASE = 1 << 32            # audio keys lie above every image key (< 2^18)
CHROMAPRINT_STEP_S = 4096 / 3 / 11025   # seconds per value (Chromaprint's default algorithm)
FPCALC_OK = (0, 3)   # 3: "a non-critical error, the fingerprint is complete" (fpcalc 1.5.1
                     # with FFmpeg 5 says so at every end of file: chromaprint issue 122)
_GOLDEN = 0x9E3779B1                # spreads keys evenly before sampling
_BITS = numpy.arange(32, dtype=numpy.uint32)
IMAGE_TOOL = "kho pHash"
STEP = "likeness"           # the processing step (and provenance event)


@dataclass(frozen=True)
class ImageRules:
    max_distance: float
    min_side_px: int
    min_contrast: float
    probe_radius: int
    max_candidates: int


@dataclass(frozen=True)
class AudioRules:
    max_distance: float
    seconds: int
    min_values: int
    min_overlap_share: float
    min_overlap_s: float
    min_variety: float
    key_bits: int
    sample_bits: int
    min_shared_keys: int
    min_shared_share: float
    max_candidates: int


@dataclass(frozen=True)
class Rules:
    """The near-duplicate rules (``ingest/rules/likeness.toml``; see its header)."""

    max_flags: int
    image: ImageRules
    audio: AudioRules

    def of(self, kind: str) -> ImageRules | AudioRules:
        return self.image if kind == IMAGE else self.audio


def load_rules(path: Path | str | None = None) -> Rules:
    """Read and check a rules file (default: the packaged ``likeness.toml``).
    ValidationError naming the file for a missing or unreadable one, an unknown or
    missing value, or a value out of range."""
    source = Path(path) if path else RULES_PATH
    try:
        data = tomllib.loads(source.read_text(encoding="utf-8"))
        rules = Rules(max_flags=int(data["max_flags"]),
                      image=ImageRules(**data["image"]), audio=AudioRules(**data["audio"]))
    except (OSError, tomllib.TOMLDecodeError, KeyError, TypeError, ValueError) as exc:
        raise ValidationError(f"cannot read near-duplicate rules: {exc}",
                              field=str(source)) from None
    if not (0 < rules.image.max_distance < 0.5 and 0 < rules.audio.max_distance < 0.5
            and 0 <= rules.image.probe_radius <= 3 and 8 <= rules.audio.key_bits <= 32
            and 0 <= rules.audio.sample_bits <= 8 and rules.max_flags >= 1):
        raise ValidationError("near-duplicate rules out of range", field=str(source))
    return rules


@functools.lru_cache(maxsize=None)
def rules() -> Rules:
    """The packaged rules, read once per process."""
    return load_rules()


# --- making fingerprints (the processing steps) ---------------------------------


def image_version() -> str:
    """What made an image fingerprint: Pillow's version (it decodes and shrinks)."""
    return images.tool_version()


@functools.lru_cache(maxsize=None)
def fpcalc_version() -> str:
    """fpcalc's version, e.g. ``1.5.1``; ProcessingError when it is not installed."""
    done = media.run_tool(["fpcalc", "-version"], 30, what="fpcalc version")
    found = re.search(r"version (\S+)", done.stdout.decode("utf-8", "replace"))
    return found.group(1) if found else "unknown"


def picture_steps(workdir: Path, options: ProcessingOptions) -> list[StepResult]:
    """The ``likeness`` step of a picture (an image, a PDF's first page): its
    fingerprint from the ``preview.jpg`` the derivatives step wrote into ``workdir``
    (skipped when it wrote none); no step at all when near-duplicates are off
    (``ProcessingOptions.near_duplicates``)."""
    if not options.near_duplicates:
        return []
    return [run_step(STEP, IMAGE_TOOL, image_version,
                     lambda: image_likeness(workdir / "preview.jpg", options))]


def sound_steps(path: Path, options: ProcessingOptions, *,
                has_sound: bool) -> list[StepResult]:
    """The ``likeness`` step of an audio file or a video's sound (fpcalc); no step at
    all when near-duplicates are off."""
    if not options.near_duplicates:
        return []
    return [run_step(STEP, "fpcalc", fpcalc_version,
                     lambda: audio_likeness(path, options, has_sound=has_sound))]


def image_likeness(preview: Path, options: ProcessingOptions) -> StepOutput:
    """The step action: the image fingerprint of a file's ``preview`` (its picture, or
    a PDF's first page, as :mod:`ingest.images` wrote it). StepSkipped when there is no
    preview, the picture is too small or blank, or cannot be read."""
    if not preview.exists():
        raise StepSkipped("no preview to compare")
    limits = rules().image
    try:
        found = picture_hash.picture_hash(preview, options.image_max_pixels)
    except ProcessingError as exc:
        raise StepSkipped(f"no fingerprint for near-duplicates: {exc.message}") from None
    if found.short_side < limits.min_side_px:
        raise StepSkipped(f"picture under {limits.min_side_px} px: not compared")
    if found.contrast < limits.min_contrast:
        raise StepSkipped("blank picture: not compared")
    return StepOutput(likeness=Likeness(IMAGE, image_hash=found.phash,
                                        image_fine=found.phash_fine),
                      message=f"image fingerprint {found.phash:016x}")


def audio_likeness(path: Path, options: ProcessingOptions, *, has_sound: bool) -> StepOutput:
    """The step action: the audio fingerprint of the first ``seconds`` of ``path``'s
    sound (an audio file, or a video's sound track). StepSkipped when there is no sound,
    too little, only silence or a steady tone, or fpcalc failed (its words kept)."""
    if not has_sound:
        raise StepSkipped("no sound to compare")
    limits = rules().audio
    try:
        values, duration = fingerprint(path, limits.seconds, options.tool_timeout)
    except ProcessingError as exc:
        raise StepSkipped(f"no fingerprint for near-duplicates: {exc.message}") from None
    if len(values) < limits.min_values:
        raise StepSkipped(f"under {limits.min_values * CHROMAPRINT_STEP_S:.0f} s of sound: "
                          "not compared")
    if variety(values, limits) < limits.min_variety:
        raise StepSkipped("silence or a steady sound: not compared")
    seconds = round(min(duration, len(values) * CHROMAPRINT_STEP_S), 2)
    return StepOutput(likeness=Likeness(AUDIO, values=values.astype("<u4").tobytes(),
                                        seconds=seconds),
                      message=f"audio fingerprint of {seconds:g} s ({len(values)} values)")


def fingerprint(path: Path, seconds: int, timeout: float) -> tuple[numpy.ndarray, float]:
    """Chromaprint's raw fingerprint of the first ``seconds`` of ``path`` (fpcalc, which
    decodes any file FFmpeg reads, a video's first sound track included) and the
    file's duration in seconds. ProcessingError when fpcalc fails or answers nothing."""
    done = media.run_tool(["fpcalc", "-raw", "-json", "-length", str(int(seconds)),
                           str(path)], timeout, what="audio fingerprint", ok_codes=FPCALC_OK)
    try:
        data = json.loads(done.stdout.decode("utf-8", "replace") or "{}")
        values = numpy.array(data["fingerprint"], dtype=numpy.uint32)
        duration = float(data.get("duration") or 0)
    except (ValueError, KeyError, TypeError, OverflowError):
        raise ProcessingError("fpcalc gave no fingerprint", problem="tool.failed",
                              detail=media.stderr_tail(done.stderr)) from None
    return values, duration


def values_of(likeness: Likeness) -> numpy.ndarray:
    """An audio fingerprint's values as unsigned 32-bit integers."""
    return numpy.frombuffer(likeness.values, dtype="<u4").astype(numpy.uint32)


def variety(values: numpy.ndarray, limits: AudioRules) -> float:
    """Distinct keys per value: speech and music are near 1, silence near 0."""
    return len(numpy.unique(values >> (32 - limits.key_bits))) / max(1, len(values))


# --- keys for finding candidates -------------------------------------------------


def image_bands(image_hash: int) -> list[int]:
    """The 4 bands of 16 bits of a 64-bit image hash, the highest first."""
    return [(image_hash >> (IMAGE_BITS - BAND_BITS * (i + 1))) & 0xFFFF for i in range(BANDS)]


def _audio_keys(values: numpy.ndarray, limits: AudioRules) -> list[int]:
    found = values >> numpy.uint32(32 - limits.key_bits)
    if limits.sample_bits:
        spread = (found.astype(numpy.uint64) * _GOLDEN) & 0xFFFFFFFF
        found = found[(spread >> (32 - limits.sample_bits)) == 0]
    return [AUDIO_KEY_BASE + int(k) for k in numpy.unique(found)]


def keys(likeness: Likeness, rule: Optional[Rules] = None) -> list[int]:
    """The keys stored for a fingerprint (distinct, ascending): an image's 4 bands (band
    number in the high bits), an audio file's sampled value keys (above
    :data:`AUDIO_KEY_BASE`)."""
    rule = rule or rules()
    if likeness.kind == IMAGE:
        return [(i << BAND_BITS) | band for i, band in
                enumerate(image_bands(int(likeness.image_hash or 0)))]
    return _audio_keys(values_of(likeness), rule.audio)


def probes(likeness: Likeness, rule: Optional[Rules] = None) -> list[int]:
    """The keys to look up for a fingerprint's candidates: for an image every band value
    within ``probe_radius`` bits of its own (4 × 137 for radius 2), for an audio file
    its own keys."""
    rule = rule or rules()
    if likeness.kind != IMAGE:
        return keys(likeness, rule)
    flips = [0]
    for r in range(1, rule.image.probe_radius + 1):
        flips += [sum(1 << b for b in chosen)
                  for chosen in itertools.combinations(range(BAND_BITS), r)]
    return sorted({(i << BAND_BITS) | (band ^ flip)
                   for i, band in enumerate(image_bands(int(likeness.image_hash or 0)))
                   for flip in flips})


# --- how near two fingerprints are ----------------------------------------------


@dataclass(frozen=True)
class Alignment:
    """Where two audio fingerprints match best: ``distance`` (bit error rate 0–1),
    ``offset`` (values: the second starts this many values into the first; negative
    when it starts before) and ``overlap`` (values compared)."""

    distance: float
    offset: int
    overlap: int


def image_distance(a: int, b: int) -> float:
    """The share of the 256 bits that differ between two fine image hashes (0 to 1)."""
    return bin((a ^ b) & ((1 << FINE_BITS) - 1)).count("1") / FINE_BITS


def _bit_rows(values: numpy.ndarray) -> numpy.ndarray:
    return ((values[None, :] >> _BITS[:, None]) & 1).astype(numpy.float64)


def audio_alignment(a: numpy.ndarray, b: numpy.ndarray,
                    limits: Optional[AudioRules] = None) -> Optional[Alignment]:
    """The best alignment of fingerprint ``b`` against ``a``: at every offset whose
    overlap covers ``min_overlap_share`` of the shorter and ``min_overlap_s`` seconds,
    the bit error rate over the overlap, computed for all offsets at once (the 32 bit
    planes correlated by FFT; the ones counted from prefix sums); the lowest wins.
    None when no offset overlaps enough (one of them is too short)."""
    limits = limits or rules().audio
    n, m = len(a), len(b)
    need = max(math.ceil(limits.min_overlap_s / CHROMAPRINT_STEP_S),
               math.ceil(limits.min_overlap_share * min(n, m)), 1)
    if min(n, m) < need:
        return None
    size = 1 << math.ceil(math.log2(n + m))
    spectra = numpy.fft.rfft(_bit_rows(a), size, axis=1) \
        * numpy.conj(numpy.fft.rfft(_bit_rows(b), size, axis=1))
    both = numpy.rint(numpy.fft.irfft(spectra.sum(axis=0), size))   # both[k]: Σ a[j+k]·b[j]
    offsets = numpy.arange(-(m - 1), n)
    start = numpy.maximum(0, -offsets)
    end = numpy.minimum(m, n - offsets)
    overlap = end - start
    ones_a = numpy.concatenate([[0], numpy.cumsum(numpy.bitwise_count(a))])
    ones_b = numpy.concatenate([[0], numpy.cumsum(numpy.bitwise_count(b))])
    errors = (ones_a[end + offsets] - ones_a[start + offsets]) \
        + (ones_b[end] - ones_b[start]) - 2 * both[offsets % size]
    rate = numpy.where(overlap >= need, errors / (32.0 * numpy.maximum(overlap, 1)), 2.0)
    best = int(numpy.argmin(rate))
    return Alignment(round(float(rate[best]), 4), int(offsets[best]), int(overlap[best]))


def distance(a: Likeness, b: Likeness, rule: Optional[Rules] = None) -> Optional[float]:
    """How far apart two fingerprints are (0: the same), in the share of bits that
    differ; None when they cannot be compared (other kinds, too little overlap)."""
    rule = rule or rules()
    if a.kind != b.kind:
        return None
    if a.kind == IMAGE:
        return image_distance(int(a.image_fine or 0), int(b.image_fine or 0))
    found = audio_alignment(values_of(a), values_of(b), rule.audio)
    return None if found is None else found.distance


def is_near(kind: str, found: Optional[float], rule: Optional[Rules] = None) -> bool:
    """Whether a distance of ``kind`` makes two files near-duplicates (the rules'
    ``max_distance``, inclusive)."""
    rule = rule or rules()
    return found is not None and found <= rule.of(kind).max_distance
