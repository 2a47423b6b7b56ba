"""Type detection from content, never the filename."""
from __future__ import annotations

import os
import zipfile

from PIL import Image

from ingest.detect import detect
from tests.unit.ingest import media_factory as mf


def test_jpeg_named_png_is_a_jpeg_and_flagged(tmp_path):
    path = tmp_path / "upload"
    Image.new("RGB", (40, 30), "red").save(path, format="JPEG")
    found = detect(path, "poster.png")
    assert (found.media_type, found.category) == ("image/jpeg", "image")
    assert found.declared_type == "image/png"
    assert found.mismatch is True


def test_matching_name_is_not_a_mismatch(tmp_path):
    path = tmp_path / "upload"
    Image.new("RGB", (40, 30), "red").save(path, format="JPEG")
    found = detect(path, "ảnh tư liệu.JPG")
    assert found.category == "image" and found.mismatch is False


def test_pdf_wav_and_video_by_content(tmp_path):
    pdf = mf.text_pdf(tmp_path / "a.bin", ["hello"])
    wav = mf.tone(tmp_path / "t.wav", seconds=1)
    mp4 = mf.video(tmp_path / "v.mp4", seconds=1, size="64x48")
    assert detect(pdf, "ban-tin.doc").category == "pdf"
    assert detect(pdf, "ban-tin.doc").mismatch is True
    assert detect(wav, "no-extension").category == "audio"
    assert detect(wav, "no-extension").declared_type is None
    assert detect(mp4, "clip.mp4").category == "video"


def test_mp4_with_only_audio_is_audio(tmp_path):
    path = tmp_path / "feature.mp4"
    mf.ffmpeg("-f", "lavfi", "-i", "sine=duration=1", "-c:a", "aac", str(path))
    found = detect(path, "feature.mp4")
    assert found.category == "audio"
    assert found.media_type == "audio/mp4"
    assert found.mismatch is False          # same container family as the name says


def test_mpeg_ts_found_by_ffprobe(tmp_path):
    path = tmp_path / "record"
    mf.ffmpeg("-f", "lavfi", "-i", "testsrc2=size=64x48:duration=1", "-c:v", "mpeg2video",
              "-f", "mpegts", str(path))
    found = detect(path, "record.ts")
    assert (found.media_type, found.category, found.mismatch) == ("video/mp2t", "video", False)


def test_random_bytes_named_mp4_are_unknown_and_flagged(tmp_path):
    path = tmp_path / "broken.mp4"
    path.write_bytes(os.urandom(4096))
    found = detect(path, "broken.mp4")
    assert found.category == "other"
    assert found.mismatch is True
    assert found.declared_category == "video"


def test_plain_text_is_a_text_document_under_any_text_name(tmp_path):
    path = tmp_path / "notes.txt"
    path.write_text("Ghi chú cuộc họp", encoding="utf-8")
    found = detect(path, "notes.txt")
    assert (found.media_type, found.category, found.mismatch) == ("text/plain", "text", False)
    assert detect(path, "phu-de.srt").mismatch is False       # text under a text name
    assert detect(path, "bang.csv").mismatch is False


def test_unknown_content_with_plain_name_is_no_mismatch(tmp_path):
    path = tmp_path / "notes.zip"
    with zipfile.ZipFile(path, "w") as z:
        z.writestr("a.txt", "Ghi chú")
    found = detect(path, "notes.dat")
    assert found.category == "other" and found.mismatch is False
