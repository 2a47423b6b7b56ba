"""The media the near-duplicates benchmark measures (benchmarks/near_duplicates_bench.py),
made on the spot from tests/unit/ingest/likeness_media.py; nothing here measures.

The labelled set (``quality``): posters in LAYOUTS layouts, each with its variants
(:data:`likeness_media.IMAGE_VARIANTS`), and synthesised bulletins of BULLETIN_S
seconds in VOICES voices, each with its variants (the audio ones, trimmed, as the
sound of an MP4); plus, when espeak-ng is installed, 10 bulletins read by its
Vietnamese voice with the same variants. A file's label is its source: two files are
a near pair when their labels are equal. The A4 scans (``overhead``): pages of
2480 × 3508 pixels (300 dpi) with sensor noise, as JPEG q85.
"""
from __future__ import annotations

import random
import shutil
from pathlib import Path

LAYOUTS = 3
VOICES = 2
BULLETIN_S = 40.0            # seconds of a synthesised bulletin
ESPEAK_BULLETINS = 10
A4_300DPI = (2480, 3508)     # pixels


def labelled_set(folder: Path, poster_count: int,
                 bulletin_count: int) -> tuple[list[tuple[str, Path]], bool]:
    """``(label, file)`` of every poster and bulletin with its variants, written into
    ``folder``, and whether espeak-ng was there to read Vietnamese bulletins."""
    espeak = shutil.which("espeak-ng") is not None
    return posters(folder, poster_count) + bulletins(folder, bulletin_count, espeak), espeak


def posters(folder: Path, count: int) -> list[tuple[str, Path]]:
    """``count`` posters (JPEG), each with its variants, labelled by the poster."""
    from tests.unit.ingest import likeness_media as made

    files = []
    for seed in range(count):
        source = made.poster(seed, layout=seed % LAYOUTS)
        files.append((f"poster-{seed}", made.save(source, folder / f"poster-{seed}.jpg")))
        for kind, change in made.IMAGE_VARIANTS.items():
            files.append((f"poster-{seed}", made.save(change(source, seed),
                                                      folder / f"poster-{seed}-{kind}.jpg")))
    return files


def _espeak_bulletin(target: Path, seed: int) -> Path:
    """8 of the sentences below read by espeak-ng's Vietnamese voice, as a 128 kbps MP3."""
    import subprocess

    from tests.unit.ingest.likeness_media import ffmpeg

    sentences = _VIETNAMESE_SENTENCES
    text = ". ".join(random.Random(seed).sample(sentences, 8)) + "."
    raw = target.with_suffix(".speech.wav")
    subprocess.run(["espeak-ng", "-v", "vi", "-s", "150", "-w", str(raw), text], check=True)
    ffmpeg("-i", str(raw), "-ar", "44100", "-c:a", "libmp3lame", "-b:a", "128k", str(target))
    raw.unlink()
    return target


def bulletins(folder: Path, count: int, espeak: bool) -> list[tuple[str, Path]]:
    """``count`` synthesised bulletins (and espeak-ng's, when ``espeak``), each with its
    variants, labelled by the bulletin."""
    from tests.unit.ingest import likeness_media as made

    kinds = [*made.AUDIO_VARIANTS, "trimmed", "video"]
    made_here: list[tuple[str, Path, float]] = []
    for seed in range(count):
        source = made.bulletin(folder / f"bulletin-{seed}.mp3", seed, BULLETIN_S,
                               voice=seed % VOICES)
        made_here.append((f"bulletin-{seed}", source, BULLETIN_S))
    if espeak:
        for seed in range(ESPEAK_BULLETINS):
            source = _espeak_bulletin(folder / f"espeak-{seed}.mp3", seed)
            made_here.append((f"espeak-{seed}", source, duration(source)))
    files = []
    for label, source, seconds in made_here:
        files.append((label, source))
        for kind in kinds:
            files.append((label, made.audio_variant(source, folder / f"{source.stem}-{kind}",
                                                    kind, seconds)))
    return files


def duration(path: Path) -> float:
    """Seconds of a sound file, by ffprobe."""
    import subprocess

    out = subprocess.run(["ffprobe", "-v", "error", "-show_entries", "format=duration",
                          "-of", "csv=p=0", str(path)], capture_output=True, text=True)
    return float(out.stdout.strip())


_VIETNAMESE_SENTENCES = [
    "Ủy ban nhân dân xã thông báo lịch tiêm chủng mở rộng cho trẻ em dưới năm tuổi",
    "Bà con cần chủ động phòng chống mưa lũ và sạt lở đất trong mùa mưa bão",
    "Hội nông dân tổ chức lớp tập huấn kỹ thuật trồng cà phê cho các hộ gia đình",
    "Trạm y tế xã khám sức khỏe miễn phí cho người cao tuổi vào sáng thứ bảy",
    "Đề nghị các thôn làm vệ sinh môi trường khơi thông cống rãnh",
    "Công an xã nhắc nhở người dân không chạy xe máy khi đã uống rượu bia",
    "Trường tiểu học tổ chức khai giảng năm học mới vào ngày năm tháng chín",
    "Người dân cần đăng ký tài khoản định danh điện tử mức hai tại trụ sở công an",
    "Chương trình xây dựng nông thôn mới đã hoàn thành bê tông hóa đường thôn",
    "Bảo vệ rừng là trách nhiệm của mỗi người dân và mỗi gia đình",
    "Hội liên hiệp phụ nữ phát động phong trào bình đẳng giới trong gia đình",
    "Xã đã hỗ trợ giống lúa mới cho hai trăm hộ nghèo trong vụ đông xuân",
    "Thời tiết những ngày tới có nắng nóng bà con chú ý giữ gìn sức khỏe",
    "Ban chỉ huy quân sự xã thông báo lịch khám tuyển nghĩa vụ quân sự",
    "Các hộ chăn nuôi cần tiêm phòng vắc xin cho đàn gia súc gia cầm",
    "Thư viện xã mở cửa miễn phí cho học sinh vào các ngày cuối tuần",
]


def _scan(target: Path, seed: int, grain) -> Path:
    """An A4 page at 300 dpi: a poster drawn at that size, turned a little, with sensor
    noise (``grain``, made once, shifted per page), as JPEG q85 — about 1.5 MB."""
    import numpy
    from PIL import Image

    from tests.unit.ingest import likeness_media as made

    page = made.poster(seed, layout=seed % LAYOUTS, size=A4_300DPI).rotate(
        random.Random(seed).uniform(-1, 1), resample=Image.Resampling.BILINEAR,
        fillcolor=(250, 250, 248))
    pixels = numpy.asarray(page, dtype=numpy.int16) + numpy.roll(grain, seed * 7919)
    Image.fromarray(numpy.clip(pixels, 0, 255).astype(numpy.uint8)).save(target, "JPEG",
                                                                         quality=85)
    return target


def scans(folder: Path, count: int) -> list[Path]:
    """``count`` A4 scans (:func:`_scan`) written into ``folder``, about 1.5 MB each."""
    import numpy

    grain = numpy.random.default_rng(1).normal(0, 5, (A4_300DPI[1], A4_300DPI[0], 3)) \
        .astype(numpy.int16)
    return [_scan(folder / f"scan-{i}.jpg", i, grain) for i in range(count)]
