"""Image steps: description, derivatives, bombs and broken files."""
from __future__ import annotations

import json

import pytest

from PIL import ExifTags, Image, ImageCms

from ingest.detect import detect
from ingest.steps import process
from tests.unit.ingest import media_factory as mf


def run(path, workdir, options, name=None):
    results = process(path, detect(path, name or path.name), workdir, options)
    return {r.step: r for r in results}


def rendition(step, name):
    return next(r for r in step.renditions if r.name == name)


def test_photo_gets_thumbnail_preview_and_metadata(tmp_path, workdir, options):
    path = tmp_path / "anh.jpg"
    exif = Image.Exif()
    exif[ExifTags.Base.Make] = "Canon"
    exif[ExifTags.Base.Model] = "EOS 80D"
    Image.new("RGB", (2000, 1500), "green").save(path, exif=exif, dpi=(300, 300))
    steps = run(path, workdir, options)
    probe = steps["probe"].metadata
    assert (probe["width"], probe["height"], probe["mode"]) == (2000, 1500, "RGB")
    assert probe["dpi"] == [300.0, 300.0]
    assert probe["exif"]["Make"] == "Canon" and probe["exif"]["Model"] == "EOS 80D"
    json.dumps(probe)                                     # storable as JSON
    preview = rendition(steps["derivatives"], "preview")
    thumbnail = rendition(steps["derivatives"], "thumbnail")
    assert preview.path == workdir / "preview.jpg" and preview.media_type == "image/jpeg"
    assert Image.open(preview.path).size == (1280, 960)
    assert Image.open(thumbnail.path).size == (320, 240)
    assert Image.open(thumbnail.path).format == "JPEG"


def test_exif_orientation_six_is_applied_to_derivatives(tmp_path, workdir, options):
    path = tmp_path / "phone.jpg"
    picture = Image.new("RGB", (600, 400), "white")
    picture.paste((255, 0, 0), (0, 0, 300, 400))          # left half red as stored
    exif = Image.Exif()
    exif[ExifTags.Base.Orientation] = 6                    # display rotated 90° clockwise
    picture.save(path, exif=exif)
    steps = run(path, workdir, options)
    assert (steps["probe"].metadata["width"], steps["probe"].metadata["height"]) == (400, 600)
    preview = Image.open(workdir / "preview.jpg")
    assert preview.size == (400, 600)                      # portrait, as the phone showed it
    top = preview.getpixel((200, 50))
    assert top[0] > 200 and top[1] < 60                    # red half is now on top


def test_cmyk_with_and_without_profile_becomes_rgb(tmp_path, workdir, options):
    path = tmp_path / "in-an.jpg"
    Image.new("CMYK", (500, 300), (0, 255, 255, 0)).save(path)   # pure red ink
    steps = run(path, workdir, options)
    assert steps["probe"].metadata["mode"] == "CMYK"
    preview = Image.open(workdir / "preview.jpg")
    assert preview.mode == "RGB"
    red, green, blue = preview.getpixel((10, 10))
    assert red > 200 and green < 60 and blue < 60
    srgb = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()
    tagged = tmp_path / "tagged.png"
    Image.new("RGB", (300, 300), (0, 0, 255)).save(tagged, icc_profile=srgb)
    run(tagged, workdir, options)
    assert Image.open(workdir / "preview.jpg").getpixel((5, 5))[2] > 200


def test_16_bit_grey_and_transparent_images_are_not_washed_out(tmp_path, workdir, options):
    deep = tmp_path / "scan16.png"
    Image.new("I;16", (400, 300), 32768).save(deep)        # mid grey in 16 bits
    run(deep, workdir, options)
    grey = Image.open(workdir / "preview.jpg").convert("L").getpixel((5, 5))
    assert 110 <= grey <= 145                              # mid grey, not clipped to white
    logo = tmp_path / "logo.png"
    Image.new("LA", (300, 300), (0, 0)).save(logo)          # fully transparent black
    steps = run(logo, workdir, options)
    assert steps["derivatives"].outcome == "ok"
    assert Image.open(workdir / "preview.jpg").convert("L").getpixel((5, 5)) > 245
    palette = tmp_path / "palette.gif"
    Image.new("P", (300, 300), 3).save(palette, transparency=3)
    assert run(palette, workdir, options)["derivatives"].outcome == "ok"


def test_truncated_jpeg_fails_cleanly(tmp_path, workdir, options):
    whole = tmp_path / "whole.jpg"
    Image.effect_noise((800, 600), 60).convert("RGB").save(whole, quality=90)
    cut = tmp_path / "cut.jpg"
    cut.write_bytes(whole.read_bytes()[: whole.stat().st_size // 2])
    steps = run(cut, workdir, options)
    assert steps["probe"].outcome == "ok"                   # the header is fine
    assert steps["derivatives"].outcome == "failed"
    assert "truncated or corrupt" in steps["derivatives"].message
    assert steps["ocr"].outcome == "skipped"
    assert not (workdir / "preview.jpg").exists()


def test_decompression_bomb_is_refused_from_the_header(tmp_path, workdir, options):
    bomb = mf.png_header_only(tmp_path / "bomb.png", 30_000, 30_000)   # 900 Mpx claimed
    steps = run(bomb, workdir, options)
    assert list(steps) == ["probe"]
    assert steps["probe"].outcome == "failed"
    message = steps["probe"].message
    assert "decompression bomb" in message
    # our words and the configured limit, not Pillow's text and its own 178,956,970
    assert "900,000,000 pixels" in message and "180,000,000 pixels" in message
    assert "178956970" not in message and "DOS attack" not in message


@pytest.mark.filterwarnings("ignore::PIL.Image.DecompressionBombWarning")
def test_pixel_limit_comes_from_options(tmp_path, workdir, options):
    from dataclasses import replace
    big = mf.png_header_only(tmp_path / "big.png", 12_000, 10_000)     # 120 Mpx claimed
    steps = run(big, workdir, replace(options, image_max_pixels=50_000_000))
    assert steps["probe"].outcome == "failed"
    message = steps["probe"].message
    assert "big.png" in message and "12000 × 10000" in message
    assert "120,000,000 pixels" in message and "50,000,000 pixels" in message


@pytest.mark.filterwarnings("ignore::PIL.Image.DecompressionBombWarning")
def test_image_under_the_configured_limit_is_not_refused_by_pillow(tmp_path, options):
    """180 M pixels configured: an image of 179.6 M (over Pillow's own 178,956,970) is
    read, not refused."""
    from ingest.images import open_checked

    big = mf.png_header_only(tmp_path / "big.png", 13_400, 13_400)
    with open_checked(big, options.image_max_pixels) as image:
        assert image.size == (13_400, 13_400)


def test_bomb_message_reads_right_in_vietnamese(tmp_path):
    from app.i18n import gettext_for
    from archive.errors import ProcessingError
    from ingest.images import open_checked

    bomb = mf.png_header_only(tmp_path / "bomb.png", 30_000, 30_000)
    with pytest.raises(ProcessingError) as err:
        open_checked(bomb, 180_000_000)
    vietnamese = err.value.render(gettext_for("vi"))
    assert "bomb.png" in vietnamese and "900.000.000" in vietnamese
    assert "180.000.000" in vietnamese and "bom giải nén" in vietnamese


def test_large_jpeg_is_drafted_and_still_sharp_enough(tmp_path, workdir, options):
    path = tmp_path / "a4-300dpi.jpg"
    Image.new("L", (2480, 3508), 255).save(path, quality=80)
    steps = run(path, workdir, options)
    assert rendition(steps["derivatives"], "preview").params["height"] == 1280
    assert Image.open(workdir / "preview.jpg").size == (905, 1280)


def test_small_images_and_disabled_ocr_skip_ocr(tmp_path, workdir, options):
    from dataclasses import replace
    icon = tmp_path / "icon.png"
    Image.new("RGB", (150, 150), "blue").save(icon)
    assert run(icon, workdir, options)["ocr"].outcome == "skipped"
    page = mf.text_image(tmp_path / "page.png", ["Quyền con người"])
    steps = run(page, workdir, replace(options, ocr_enabled=False))
    assert steps["ocr"].outcome == "skipped" and steps["ocr"].message == "OCR disabled"


def test_rerun_overwrites_and_leaves_no_scratch_files(tmp_path, workdir, options):
    path = tmp_path / "anh.png"
    Image.new("RGB", (900, 700), "orange").save(path)
    (workdir / "preview.jpg.part").write_bytes(b"left by a killed run")
    first = sorted(p.name for p in workdir.iterdir() if p.name != "preview.jpg.part")
    run(path, workdir, options)
    run(path, workdir, options)
    assert sorted(p.name for p in workdir.iterdir()) == sorted({"preview.jpg", "thumbnail.jpg",
                                                                *first})


def test_unreadable_picture_named_jpg_fails_at_probe(tmp_path, workdir, options):
    fake = tmp_path / "anh.jpg"
    fake.write_bytes(bytes(range(256)) * 4)     # binary junk (text would be read as text)
    steps = run(fake, workdir, options)
    assert list(steps) == ["probe"] and steps["probe"].outcome == "failed"
    assert "not a readable image" in steps["probe"].message


_PEAK_SCRIPT = """
import json, sys
from pathlib import Path
from ingest.detect import detect
from ingest.results import ProcessingOptions
from ingest.steps import process
path, work = Path(sys.argv[1]), Path(sys.argv[2])
results = process(path, detect(path, path.name), work, ProcessingOptions(ocr_enabled=False))
print(json.dumps({r.step: [r.outcome, r.problem, len(r.renditions)] for r in results}))
"""


# Started from a small Python process, not from pytest: a child's peak RSS counts what
# it inherited at fork until its exec, and pytest may be large by then.
_MEASURE = """
import os, subprocess, sys
child = subprocess.Popen(sys.argv[1:])
_pid, status, usage = os.wait4(child.pid, 0)
print(os.waitstatus_to_exitcode(status), usage.ru_maxrss, file=sys.stderr)
"""


def _peak_of_processing(path, workdir) -> tuple[dict, float]:
    """The steps' outcomes and the peak resident memory (MB) of one child process
    that processes ``path`` (its rusage from wait4)."""
    import subprocess
    import sys

    done = subprocess.run([sys.executable, "-c", _MEASURE, sys.executable, "-c", _PEAK_SCRIPT,
                           str(path), str(workdir)], capture_output=True, check=True)
    code, max_rss_kib = done.stderr.split()[-2:]
    assert int(code) == 0, done.stderr
    return json.loads(done.stdout), int(max_rss_kib) / 1024


def test_a_169_megapixel_png_is_refused_within_the_memory_budget(tmp_path, workdir):
    """164 KB of PNG, 169 megapixels (under image_max_pixels): it once took 1.4 GB of
    one process; now its decode is counted from the header and refused."""
    big = mf.one_colour_png(tmp_path / "ban-do.png", 13_000, 13_000)
    assert big.stat().st_size < 1_000_000
    steps, peak_mb = _peak_of_processing(big, workdir)
    assert steps["probe"][0] == "ok"
    assert steps["derivatives"][:2] == ["failed", "image.memory"]
    assert peak_mb < 300


def test_a_big_png_within_the_budget_is_processed_under_300_mb(tmp_path, workdir):
    scan = mf.one_colour_png(tmp_path / "ban-quet.png", 5_600, 5_600)    # 31 megapixels
    steps, peak_mb = _peak_of_processing(scan, workdir)
    assert steps["derivatives"] == ["ok", "", 2]
    assert peak_mb < 300
