"""Audio steps: broadcast copy for commune radio, low-bandwidth copy, waveform."""
from __future__ import annotations

import json
import re
import subprocess
from dataclasses import replace

import pytest
from PIL import Image

from ingest.detect import detect
from ingest.steps import process
from tests.unit.ingest import media_factory as mf


def run(path, workdir, options):
    return {r.step: r for r in process(path, detect(path, path.name), workdir, options)}


def audio_stream(path):
    out = subprocess.run(["ffprobe", "-v", "error", "-print_format", "json", "-show_streams",
                          "-show_format", str(path)], capture_output=True, check=True).stdout
    data = json.loads(out)
    return data["streams"][0], data["format"]


def integrated_loudness(path) -> float:
    """EBU R128 integrated loudness (LUFS) measured by ffmpeg's ebur128 filter."""
    log = subprocess.run(["ffmpeg", "-hide_banner", "-nostats", "-i", str(path), "-af",
                          "ebur128", "-f", "null", "-"], capture_output=True).stderr.decode()
    summary = log[log.rindex("Summary:"):]
    return float(re.search(r"I:\s+(-?[\d.]+) LUFS", summary).group(1))


def is_cbr_mp3(path) -> bool:
    """LAME marks CBR files with an 'Info' header and VBR files with 'Xing'."""
    head = path.read_bytes()[:4096]
    return b"Info" in head and b"Xing" not in head


@pytest.fixture(scope="module")
def feature(tmp_path_factory):
    """A 5-s stereo 48 kHz WAV, about -14 LUFS (far from the -23 target)."""
    return mf.tone(tmp_path_factory.mktemp("audio") / "phong-su.wav", seconds=5)


def test_broadcast_copy_is_cbr_128k_44k_mono_at_target_loudness(feature, workdir, options):
    steps = run(feature, workdir, options)
    assert steps["probe"].metadata["audio"]["sample_rate_hz"] == 48000
    broadcast = steps["broadcast"].renditions[0]
    assert (broadcast.name, broadcast.path.name, broadcast.media_type) == (
        "broadcast", "broadcast.mp3", "audio/mpeg")
    stream, fmt = audio_stream(broadcast.path)
    assert stream["codec_name"] == "mp3"
    assert int(stream["sample_rate"]) == 44100
    assert stream["channels"] == 1
    assert int(stream["bit_rate"]) == 128000
    assert is_cbr_mp3(broadcast.path)
    assert abs(integrated_loudness(broadcast.path) - (-23.0)) <= 1.0
    assert broadcast.params["normalization"] == "linear"


def test_stereo_broadcast_and_other_target_from_options(feature, workdir, options):
    chosen = replace(options, broadcast_channels=2, broadcast_loudness_lufs=-16.0)
    broadcast = run(feature, workdir, chosen)["broadcast"].renditions[0]
    stream, _ = audio_stream(broadcast.path)
    assert stream["channels"] == 2
    assert abs(integrated_loudness(broadcast.path) - (-16.0)) <= 1.0


def test_mono_source_made_stereo_keeps_target(tmp_path, workdir, options):
    mono = mf.tone(tmp_path / "mono.mp3", seconds=5, channels=1,
                   codec_args=("-c:a", "libmp3lame", "-b:a", "96k"))
    broadcast = run(mono, workdir, replace(options, broadcast_channels=2))["broadcast"]
    assert abs(integrated_loudness(broadcast.renditions[0].path) - (-23.0)) <= 1.0


def test_lowband_copy_and_waveform(feature, workdir, options):
    steps = run(feature, workdir, options)
    lowband = steps["lowband"].renditions[0]
    stream, _ = audio_stream(lowband.path)
    assert lowband.path.name == "lowband.mp3"
    assert (int(stream["bit_rate"]), stream["channels"], int(stream["sample_rate"])) == (
        64000, 1, 44100)
    assert is_cbr_mp3(lowband.path)
    waveform = steps["waveform"].renditions[0]
    assert (waveform.path.name, waveform.media_type) == ("waveform.png", "image/png")
    picture = Image.open(waveform.path)
    assert picture.size == (1200, 200)
    assert picture.getbbox() is not None                       # something is drawn


def test_silence_is_copied_without_normalisation(tmp_path, workdir, options):
    silent = tmp_path / "silence.wav"
    mf.ffmpeg("-f", "lavfi", "-i", "anullsrc=r=44100:cl=mono", "-t", "2", str(silent))
    broadcast = run(silent, workdir, options)["broadcast"]
    assert broadcast.outcome == "ok"
    assert broadcast.renditions[0].params["normalization"] == "none (silent)"


def test_a_failed_step_does_not_stop_the_independent_ones(feature, workdir, options):
    impossible = replace(options, broadcast_true_peak_db=5.0)   # loudnorm accepts -9..0
    steps = run(feature, workdir, impossible)
    assert steps["broadcast"].outcome == "failed"
    assert "loudness measurement failed" in steps["broadcast"].message
    assert "TP" in steps["broadcast"].detail                    # ffmpeg's own words
    assert steps["lowband"].outcome == "ok"
    assert steps["lowband"].renditions[0].params["source"] == "original"
    assert steps["waveform"].outcome == "ok"
    assert not (workdir / "broadcast.mp3").exists()
