"""Test media for near-duplicates, made on the spot (nothing committed): spoken-like
bulletins and their re-encodes, trims and volume changes; posters and their resizes,
re-compressions, crops and re-scans. Shared by the tests and
``benchmarks/near_duplicates_bench.py`` (the labelled set).

A bulletin is synthesised speech: a voice (its pitch and formant scale, from
``voice``) says random syllables (from ``seed``) — a noise burst for the consonant, a
vowel of harmonics shaped by its formants, a tone contour on the pitch, pauses between
words and sentences. Two bulletins of one voice sound alike the way two bulletins read
by one announcer do; nothing but numpy and ffmpeg is needed.
"""
from __future__ import annotations

import io
import random
import wave
from pathlib import Path

import numpy
from PIL import Image, ImageDraw, ImageFilter, ImageFont

from tests.unit.ingest.media_factory import ffmpeg

DEJAVU = "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf"
DEJAVU_BOLD = "/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf"
RATE = 16000
# (F1, F2, F3) of eight vowels, Hz; tone contours (start, slope) as shares of the pitch
VOWELS = ((730, 1090, 2440), (270, 2290, 3010), (300, 870, 2240), (530, 1840, 2480),
          (570, 840, 2410), (440, 1020, 2240), (660, 1720, 2410), (490, 1350, 1690))
TONES = ((0.0, 0.0), (0.0, 0.25), (0.1, -0.25), (0.0, -0.2), (-0.1, 0.2), (0.15, -0.35))
WORDS = ("phòng chống thiên tai bảo vệ rừng an toàn giao thông tiêm chủng trẻ em nước "
         "sạch vệ sinh môi trường bình đẳng giới chuyển đổi số nông thôn mới").split()
COMMUNES = ("Đăk Kôi", "Kon Rẫy", "Đăk Ruồng", "Tân Lập", "Đăk Tờ Re", "Đăk Pne")


def speech(target: Path, seed: int, seconds: float = 25.0, voice: int = 0) -> Path:
    """A mono 16 kHz WAV of ``seconds`` of synthesised speech by ``voice``."""
    rnd = numpy.random.default_rng(seed)
    timbre = numpy.random.default_rng(1000 + voice)
    pitch, scale = 110 + 40 * timbre.random(), 0.9 + 0.2 * timbre.random()
    n = int(seconds * RATE)
    f0, amp, hiss = numpy.zeros(n), numpy.zeros(n), numpy.zeros(n)
    formants = numpy.zeros((n, 3))
    t, words, sentence = int(0.3 * RATE), 0, int(rnd.integers(6, 12))
    while t < n - RATE // 2:
        burst = int(rnd.uniform(0.03, 0.08) * RATE)
        hiss[t:t + burst] = rnd.uniform(0.05, 0.2)
        t += burst
        vowel = min(int(rnd.uniform(0.12, 0.26) * RATE), n - t)
        start, slope = TONES[rnd.integers(len(TONES))]
        f0[t:t + vowel] = pitch * (1 + start + slope * numpy.linspace(0, 1, vowel))
        amp[t:t + vowel] = numpy.sin(numpy.linspace(0, numpy.pi, vowel)) ** 0.5 \
            * rnd.uniform(0.5, 1.0)
        formants[t:t + vowel] = numpy.array(VOWELS[rnd.integers(len(VOWELS))]) * scale
        t += vowel
        words += 1
        pause = rnd.uniform(0.3, 0.5) if words % sentence == 0 else rnd.uniform(0.02, 0.08)
        t += int(pause * RATE)
    smooth = numpy.ones(80) / 80
    f0, amp = numpy.convolve(f0, smooth, "same"), numpy.convolve(amp, smooth, "same")
    phase = 2 * numpy.pi * numpy.cumsum(f0) / RATE
    sound = numpy.zeros(n)
    for harmonic in range(1, 25):
        freq = harmonic * f0
        gain = sum(1.0 / (1 + ((freq - formants[:, i]) / width) ** 2) / (i + 1)
                   for i, width in enumerate((80, 100, 140)))
        sound += numpy.where(freq < RATE / 2 - 200, gain, 0) * numpy.sin(harmonic * phase)
    sound = sound * amp + numpy.diff(rnd.normal(0, 1, n) * numpy.convolve(hiss, smooth, "same"),
                                     prepend=0)
    sound = 0.5 * sound / (numpy.abs(sound).max() + 1e-9)
    with wave.open(str(target), "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(RATE)
        out.writeframes((sound * 32767).astype("<i2").tobytes())
    return target


def bulletin(target: Path, seed: int, seconds: float = 25.0, voice: int = 0) -> Path:
    """A bulletin as an MP3 at 128 kbps, 44.1 kHz (``target`` should end in .mp3)."""
    raw = target.with_suffix(".speech.wav")
    speech(raw, seed, seconds, voice)
    ffmpeg("-i", str(raw), "-ar", "44100", "-c:a", "libmp3lame", "-b:a", "128k", str(target))
    raw.unlink()
    return target


# what a bulletin may become: (file ending, ffmpeg arguments between input and output)
AUDIO_VARIANTS = {
    "reencode_mp3_64k": (".mp3", ("-c:a", "libmp3lame", "-b:a", "64k")),
    "reencode_aac_48k": (".m4a", ("-c:a", "aac", "-b:a", "48k")),
    "mono_22khz_wav": (".wav", ("-ar", "22050", "-ac", "1")),
    "quieter_6db": (".mp3", ("-af", "volume=-6dB", "-c:a", "libmp3lame", "-b:a", "128k")),
    "louder_4db": (".mp3", ("-af", "volume=4dB,alimiter", "-c:a", "libmp3lame",
                            "-b:a", "128k")),
}


def audio_variant(source: Path, target_stem: Path, kind: str, seconds: float) -> Path:
    """``source`` (a bulletin of ``seconds``) as ``kind``: one of AUDIO_VARIANTS, or
    "trimmed" (6.5 s cut from the start and 7.5 s from the end, 96 kbps) or
    "video" (the sound track of an MP4 with a test picture)."""
    if kind == "trimmed":
        target = target_stem.with_suffix(".mp3")
        ffmpeg("-ss", "6.5", "-i", str(source), "-t", f"{seconds - 14:.2f}",
               "-c:a", "libmp3lame", "-b:a", "96k", str(target))
    elif kind == "video":
        target = target_stem.with_suffix(".mp4")
        ffmpeg("-f", "lavfi", "-i", "testsrc2=size=320x240:rate=10", "-i", str(source),
               "-shortest", "-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt", "yuv420p",
               "-c:a", "aac", "-b:a", "64k", str(target))
    else:
        ending, args = AUDIO_VARIANTS[kind]
        target = target_stem.with_suffix(ending)
        ffmpeg("-i", str(source), *args, str(target))
    return target


def poster(seed: int, layout: int = 0, size: tuple[int, int] = (1200, 1700)) -> Image.Image:
    """A poster of one of a few layouts (its colours, bands and blocks from ``layout``):
    a title, shapes as the picture, lines of text, the commune in the footer — what
    differs between posters of one layout comes from ``seed``."""
    rnd, plan = random.Random(seed), random.Random(1000 + layout)
    background = tuple(plan.randint(200, 255) for _ in range(3))
    band = tuple(plan.randint(0, 120) for _ in range(3))
    image = Image.new("RGB", size, background)
    draw = ImageDraw.Draw(image)
    width, height = size
    draw.rectangle([0, 0, width, int(height * 0.14)], fill=band)
    draw.rectangle([0, int(height * 0.92), width, height], fill=band)
    title, body = ImageFont.truetype(DEJAVU_BOLD, 64), ImageFont.truetype(DEJAVU, 34)
    draw.text((60, 50), " ".join(rnd.choice(WORDS) for _ in range(3)).upper(), fill="white",
              font=title)
    for _ in range(rnd.randint(5, 9)):
        x, y = rnd.randint(80, width - 300), rnd.randint(int(height * 0.18), int(height * 0.55))
        side, colour = rnd.randint(80, 300), tuple(rnd.randint(0, 255) for _ in range(3))
        shape = rnd.choice("reo")
        if shape == "r":
            draw.rectangle([x, y, x + side, y + int(side * rnd.uniform(0.5, 1.5))], fill=colour)
        elif shape == "e":
            draw.ellipse([x, y, x + side, y + side], fill=colour)
        else:
            draw.polygon([(x, y + side), (x + side // 2, y), (x + side, y + side)], fill=colour)
    for line in range(8):
        draw.text((60, int(height * 0.64) + line * 46),
                  " ".join(rnd.choice(WORDS) for _ in range(6)), fill=(20, 20, 20), font=body)
    draw.text((60, int(height * 0.94)), "UBND xã " + rnd.choice(COMMUNES), fill="white",
              font=body)
    return image


def _jpeg(image: Image.Image, quality: int) -> Image.Image:
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", quality=quality)
    buffer.seek(0)
    return Image.open(buffer).convert("RGB")


def crop(image: Image.Image, share: float) -> Image.Image:
    """``image`` without ``share`` of its width and height on every side."""
    dx, dy = int(image.width * share), int(image.height * share)
    return image.crop((dx, dy, image.width - dx, image.height - dy))


def rescan(image: Image.Image, seed: int, degrees: float = 1.0) -> Image.Image:
    """``image`` as a scanner sees a print of it: turned by ``degrees``, paper tone,
    less contrast, sensor noise, a little blur."""
    noise = numpy.random.default_rng(seed)
    turned = image.rotate(degrees, resample=Image.Resampling.BICUBIC,
                          fillcolor=(250, 250, 248))
    pixels = numpy.asarray(turned).astype(numpy.float32) * 0.97 + 6 \
        + noise.normal(0, 6, (turned.height, turned.width, 3))
    return Image.fromarray(numpy.clip(pixels, 0, 255).astype(numpy.uint8)) \
        .filter(ImageFilter.GaussianBlur(0.6))


# what a poster may become (a function of the poster and a seed)
IMAGE_VARIANTS = {
    "resized_half": lambda image, seed: image.resize((image.width // 2, image.height // 2),
                                                     Image.Resampling.LANCZOS),
    "jpeg_q40": lambda image, seed: _jpeg(image, 40),
    "cropped_3pc": lambda image, seed: crop(image, 0.03),
    "rescanned_1deg": lambda image, seed: rescan(image, seed, 1.0),
    "rescanned_minus_1_5deg": lambda image, seed: rescan(image, seed, -1.5),
    "rescanned_cropped_jpeg": lambda image, seed: _jpeg(rescan(crop(image, 0.02), seed), 70),
}


def save(image: Image.Image, target: Path, quality: int = 90) -> Path:
    """Write ``image`` (JPEG for .jpg, else by the ending)."""
    if target.suffix.lower() in (".jpg", ".jpeg"):
        image.save(target, "JPEG", quality=quality)
    else:
        image.save(target)
    return target


def story_media(folder: Path) -> dict[str, Path]:
    """The files of the near-duplicate story the end-to-end tests tell (SQLite, and
    PostgreSQL + S3): a poster, its re-scan and another poster of the same layout; a
    bulletin, its re-encode at 64 kbps and another bulletin in the same voice."""
    folder.mkdir(parents=True, exist_ok=True)
    first = poster(11, layout=1)
    found = {"poster": save(first, folder / "tranh-co-dong.jpg"),
             "rescan": save(rescan(first, 3), folder / "tranh-co-dong-quet-lai.jpg"),
             "other_poster": save(poster(12, layout=1), folder / "tranh-khac.jpg"),
             "bulletin": bulletin(folder / "ban-tin.mp3", seed=21, seconds=20.0)}
    found["reencode"] = audio_variant(found["bulletin"], folder / "ban-tin-64k",
                                      "reencode_mp3_64k", 20.0)
    found["other_bulletin"] = bulletin(folder / "ban-tin-khac.mp3", seed=22, seconds=20.0)
    return found
