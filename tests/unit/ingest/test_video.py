"""Video steps: probe, poster, web proxy (copy or re-encode), failures and timeouts."""
from __future__ import annotations

import json
import os
import subprocess
from dataclasses import replace

from PIL import Image

from ingest.detect import detect
from ingest.steps import process
from tests.unit.ingest import media_factory as mf


def run(path, workdir, options):
    return {r.step: r for r in process(path, detect(path, path.name), workdir, options)}


def streams_of(path):
    out = subprocess.run(["ffprobe", "-v", "error", "-print_format", "json", "-show_streams",
                          str(path)], capture_output=True, check=True).stdout
    return {s["codec_type"]: s for s in json.loads(out)["streams"]}


def test_compliant_480p_h264_aac_is_copied_not_reencoded(tmp_path, workdir, options):
    source = mf.video(tmp_path / "clip.mp4", seconds=3, size="640x480")
    steps = run(source, workdir, options)
    meta = steps["probe"].metadata
    assert meta["video"]["codec"] == "h264" and meta["audio"]["codec"] == "aac"
    assert (meta["video"]["width"], meta["video"]["height"]) == (640, 480)
    assert abs(meta["duration_s"] - 3) < 0.2 and meta["video"]["fps"] == 25
    proxy = steps["proxy"].renditions[0]
    assert (proxy.name, proxy.path.name, proxy.media_type) == ("proxy", "proxy.mp4", "video/mp4")
    assert proxy.params["mode"] == "copy"
    assert mf.mp4_top_level_boxes(proxy.path).index("moov") < \
        mf.mp4_top_level_boxes(proxy.path).index("mdat")
    assert streams_of(proxy.path)["video"]["codec_name"] == "h264"


def test_1080p_mpeg4_mp2_is_reencoded_to_720p_h264_aac_faststart(tmp_path, workdir, options):
    source = mf.video(tmp_path / "old.avi", seconds=2, size="1920x1080",
                      video_args=("-c:v", "mpeg4", "-q:v", "10"), audio_args=("-c:a", "mp2"))
    steps = run(source, workdir, options)
    proxy = steps["proxy"].renditions[0]
    assert proxy.params["mode"] == "encode"
    assert proxy.params["preset"] == "veryfast" and proxy.params["crf"] == 23
    streams = streams_of(proxy.path)
    assert streams["video"]["codec_name"] == "h264"
    assert streams["video"]["pix_fmt"] == "yuv420p"
    assert (streams["video"]["width"], streams["video"]["height"]) == (1280, 720)
    assert streams["audio"]["codec_name"] == "aac"
    boxes = mf.mp4_top_level_boxes(proxy.path)
    assert boxes.index("moov") < boxes.index("mdat")        # plays while downloading


def test_odd_sized_portrait_video_gets_even_dimensions(tmp_path, workdir, options):
    source = mf.video(tmp_path / "phone.mkv", seconds=1, size="721x1281",
                      video_args=("-c:v", "mpeg4"), audio_args=None)
    steps = run(source, workdir, options)
    proxy = steps["proxy"].renditions[0]
    width, height = proxy.params["width"], proxy.params["height"]
    assert width <= 720 and width % 2 == 0 and height % 2 == 0
    assert "audio" not in streams_of(proxy.path)


def test_poster_and_thumbnail(tmp_path, workdir, options):
    source = mf.video(tmp_path / "clip.mp4", seconds=3, size="640x360")
    steps = run(source, workdir, options)
    names = {r.name: r for r in steps["poster"].renditions}
    assert names["poster"].path == workdir / "poster.jpg"
    assert names["poster"].params["at_s"] == 0.3              # 10 % of 3 s
    assert Image.open(names["poster"].path).size == (640, 360)
    assert Image.open(names["thumbnail"].path).size == (320, 180)


def test_corrupt_video_fails_with_ffprobe_message(tmp_path, workdir, options):
    broken = tmp_path / "phong-su.mp4"
    broken.write_bytes(os.urandom(20_000))
    results = process(broken, detect(broken, broken.name), workdir, options)
    assert [r.step for r in results] == ["probe"]           # nothing else is attempted
    assert results[0].outcome == "failed" and results[0].tool == "ffprobe"
    assert "Invalid data found when processing input" in results[0].detail
    assert results[0].message.startswith("ffprobe failed")


def test_tool_timeout_gives_failed_timed_out(tmp_path, workdir, options):
    source = mf.video(tmp_path / "old.avi", seconds=2, size="1280x720",
                      video_args=("-c:v", "mpeg4"), audio_args=None)
    results = process(source, detect(source, source.name), workdir,
                      replace(options, tool_timeout=0.001))
    assert results[0].outcome == "failed"
    assert "timed out after 0.001 s" in results[0].message
    assert not list(workdir.glob("*.part"))


def test_rerun_gives_the_same_files(tmp_path, workdir, options):
    source = mf.video(tmp_path / "clip.mp4", seconds=1, size="320x240")
    run(source, workdir, options)
    before = sorted(p.name for p in workdir.iterdir())
    run(source, workdir, options)
    assert sorted(p.name for p in workdir.iterdir()) == before == [
        "poster.jpg", "proxy.mp4", "thumbnail.jpg"]


def rotated_phone_video(tmp_path, codec_args):
    """A landscape-coded clip tagged 'display rotated 90°', as phones record portrait."""
    coded = mf.video(tmp_path / "coded.mp4", seconds=1, size="640x360",
                     video_args=codec_args, audio_args=None)
    tagged = tmp_path / "phone.mp4"
    mf.ffmpeg("-i", str(coded), "-c", "copy", "-metadata:s:v:0", "rotate=90", str(tagged))
    return tagged


def test_rotated_phone_video_gives_portrait_poster_and_proxy(tmp_path, workdir, options):
    source = rotated_phone_video(tmp_path, ("-c:v", "mpeg4"))
    steps = run(source, workdir, options)
    video = steps["probe"].metadata["video"]
    assert (video["display_width"], video["display_height"]) == (360, 640)
    assert Image.open(workdir / "poster.jpg").size == (360, 640)
    proxy = streams_of(workdir / "proxy.mp4")["video"]
    assert (proxy["width"], proxy["height"]) == (360, 640)   # turned upright when encoding


def test_a_stream_without_a_picture_size_fails_clearly_instead_of_crashing(
        tmp_path, workdir, options, monkeypatch):
    # random bytes sometimes probe as a "video" with a 0 x 0 picture
    from ingest import media

    source = mf.video(tmp_path / "clip.mp4", seconds=1, size="320x240")
    real = media.describe

    def no_size(probed):
        meta = real(probed)
        meta["video"] = {**meta["video"], "display_width": 0, "display_height": 0}
        return meta

    monkeypatch.setattr(media, "describe", no_size)
    steps = run(source, workdir, options)
    assert steps["probe"].outcome == "failed"
    assert "no picture size" in steps["probe"].message
    assert all(r.outcome != "ok" for r in steps.values() if r.step in ("poster", "proxy"))
