"""PDF publications and OCR (Tesseract with the Vietnamese model)."""
from __future__ import annotations

from dataclasses import replace

import pytest
from PIL import Image

from archive.errors import ProcessingError
from archive.text import fold
from ingest import ocr
from ingest.detect import detect
from ingest.steps import process
from tests.unit.ingest import media_factory as mf

POSTER_LINES = ["Quyền con người", "Bảo vệ quyền trẻ em", "Không để ai bị bỏ lại phía sau"]


def run(path, workdir, options):
    return {r.step: r for r in process(path, detect(path, path.name), workdir, options)}


def test_text_pdf_pages_text_and_first_page_thumbnail(tmp_path, workdir, options):
    source = mf.text_pdf(tmp_path / "ban-tin.pdf",
                         ["Human rights bulletin, first page", "Second page of the bulletin"])
    steps = run(source, workdir, options)
    assert steps["probe"].metadata["pages"] == 2
    assert steps["probe"].metadata["page_width_mm"] == 215.9
    text = steps["text"]
    assert text.text.split("\f") == ["Human rights bulletin, first page",
                                     "Second page of the bulletin"]
    assert text.renditions[0].path.read_text(encoding="utf-8") == text.text
    assert text.renditions[0].name == "text"
    thumbnail = next(r for r in steps["derivatives"].renditions if r.name == "thumbnail")
    assert Image.open(thumbnail.path).size == (247, 320)      # US Letter, portrait
    assert steps["ocr"].outcome == "skipped"


def test_image_only_pdf_is_ocred_in_vietnamese(tmp_path, workdir, options):
    scan = tmp_path / "to-roi.pdf"
    Image.open(mf.text_image(tmp_path / "page.png", POSTER_LINES)).save(scan, "PDF",
                                                                        resolution=150)
    steps = run(scan, workdir, options)
    assert steps["text"].metadata["image_only"] is True
    result = steps["ocr"]
    assert result.outcome == "ok" and result.tool == "tesseract"
    assert "quyền trẻ em" in result.text.lower()
    assert "bỏ lại phía sau" in result.text
    assert (workdir / "text.txt").read_text(encoding="utf-8") == result.text
    assert sorted(p.name for p in workdir.iterdir()) == ["preview.jpg", "text.txt",
                                                         "thumbnail.jpg"]


def test_encrypted_and_corrupt_pdfs_fail_clearly(tmp_path, workdir, options):
    locked = mf.text_pdf(tmp_path / "locked.pdf", ["secret"], password_protected=True)
    steps = run(locked, workdir, options)
    assert list(steps) == ["probe"] and steps["probe"].outcome == "failed"
    assert "encrypted" in steps["probe"].message
    broken = tmp_path / "broken.pdf"
    broken.write_bytes(b"%PDF-1.4\n" + b"\x00garbage" * 100)
    steps = run(broken, workdir, options)
    assert steps["probe"].outcome == "failed"
    assert "corrupt" in steps["probe"].message


def test_poster_image_is_ocred(tmp_path, workdir, options):
    poster = mf.text_image(tmp_path / "tranh.jpg", POSTER_LINES)
    result = run(poster, workdir, options)["ocr"]
    assert result.outcome == "ok"
    words = fold(result.text).split()
    assert {"quyen", "con", "nguoi", "tre", "em"} <= set(words)
    assert "Quyền con người" in result.text
    assert result.renditions[0].path == workdir / "text.txt"


def test_rotated_phone_photo_is_ocred_upright(tmp_path, workdir, options):
    upright = Image.open(mf.text_image(tmp_path / "page.png", POSTER_LINES))
    stored = upright.transpose(Image.Transpose.ROTATE_90)     # as the sensor saved it
    exif = Image.Exif()
    exif[0x0112] = 6                                          # ...with "rotate 90° CW" tag
    photo = tmp_path / "phone.jpg"
    stored.save(photo, exif=exif, quality=95)
    result = run(photo, workdir, options)["ocr"]
    assert "con người" in result.text
    assert not (workdir / "ocr-input.png").exists()


def test_missing_language_model_is_named(tmp_path, workdir, options):
    poster = mf.text_image(tmp_path / "tranh.png", POSTER_LINES)
    result = run(poster, workdir, replace(options, ocr_languages="vie+xyz"))["ocr"]
    assert result.outcome == "failed"
    assert "xyz.traineddata" in result.message


def test_bad_language_setting_and_timeout(tmp_path, workdir):
    page = mf.text_image(tmp_path / "p.png", POSTER_LINES)
    with pytest.raises(ProcessingError, match="invalid OCR language"):
        ocr.recognise([page], "vie; rm -rf /", 60, workdir)
    with pytest.raises(ProcessingError, match="timed out"):
        ocr.recognise([page], "vie", 0.001, workdir)


def test_tesseract_version_is_reported():
    assert ocr.tool_version()[0].isdigit()
