"""Audio steps (radio features): probe, broadcast copy, low-bandwidth copy, waveform.

Renditions (fixed names in the work folder):
- ``broadcast.mp3`` (audio/mpeg): for commune radio. MP3 CBR 128 kbps, 44.1 kHz, mono or
  stereo (``broadcast_channels``), EBU R128 loudness-normalised to
  ``broadcast_loudness_lufs`` with true peak under ``broadcast_true_peak_db``. Two passes
  of ffmpeg's ``loudnorm``: the first measures, the second applies the measured values
  with ``linear=true`` (a plain gain when the peaks allow it, so the dynamics of the
  feature are kept; loudnorm falls back to its dynamic mode when they do not — the
  rendition's params say which). The channel layout is set *before* measuring: a
  stereo-to-mono downmix changes loudness by up to 3 LU.
- ``lowband.mp3`` (audio/mpeg): 64 kbps CBR mono at 44.1 kHz — MPEG-1 Layer III, the
  variant every player and loudspeaker box accepts (22.05 kHz would be MPEG-2 LSF, which
  some old devices refuse); made from the broadcast copy when there is one, so it has
  the same loudness.
- ``waveform.png`` (image/png): 1200×200 overview of the mono mix (ffmpeg showwavespic);
  the audio is resampled to 8 kHz first because showwavespic keeps all samples in memory
  (8 kHz mono s16 is ~58 MB per hour).
"""
from __future__ import annotations

import math
from pathlib import Path
from typing import Any

from archive.errors import ProcessingError
from ingest import likeness, media
from ingest.results import (ProcessingOptions, Rendition, StepOutput, StepResult, StepSkipped,
                            run_step, writing)

BROADCAST_BITRATE = "128k"
LOWBAND_BITRATE = "64k"
SAMPLE_RATE_HZ = 44100
LOUDNESS_RANGE_LU = 20          # loudnorm's LRA target; high so linear mode is possible
WAVEFORM_SIZE = "1200x200"
WAVEFORM_COLOUR = "0x1f4e79"
WAVEFORM_RATE_HZ = 8000
_LAYOUTS = {1: "mono", 2: "stereo"}


def process(path: Path, workdir: Path, options: ProcessingOptions) -> list[StepResult]:
    """Run probe, broadcast, lowband and waveform; stop after a failed probe."""
    state: dict[str, Any] = {}
    probe = run_step("probe", "ffprobe", media.tool_version,
                     lambda: _probe(path, options, state))
    if probe.outcome != "ok":
        return [probe]
    broadcast = run_step("broadcast", "ffmpeg", media.tool_version,
                         lambda: _broadcast(path, workdir, options))
    source = workdir / "broadcast.mp3" if broadcast.outcome == "ok" else path
    return [probe, broadcast,
            run_step("lowband", "ffmpeg", media.tool_version,
                     lambda: _lowband(source, workdir, options)),
            run_step("waveform", "ffmpeg", media.tool_version,
                     lambda: _waveform(path, workdir, options)),
            *likeness.sound_steps(path, options, has_sound=True)]   # near-duplicates


def _probe(path: Path, options: ProcessingOptions, state: dict[str, Any]) -> StepOutput:
    meta = media.describe(media.probe(path, options.tool_timeout))
    if meta["audio"] is None:
        raise StepSkipped("no audio stream")
    state["meta"] = meta
    return StepOutput(metadata=meta)


def _loudnorm(options: ProcessingOptions) -> str:
    return (f"loudnorm=I={options.broadcast_loudness_lufs}:TP={options.broadcast_true_peak_db}"
            f":LRA={LOUDNESS_RANGE_LU}")


def measure_loudness(path: Path, options: ProcessingOptions) -> dict[str, Any]:
    """First loudnorm pass: the input's loudness (LUFS), true peak, range and threshold
    after the broadcast channel layout is applied."""
    layout = _LAYOUTS[options.broadcast_channels]
    log = media.convert(path, "-", timeout=options.tool_timeout, what="loudness measurement",
                        streams=["a:0"],
                        output_args={"af": f"aformat=channel_layouts={layout},"
                                           f"{_loudnorm(options)}:print_format=json",
                                     "f": "null"})
    return media.last_json_object(log)


def _broadcast(path: Path, workdir: Path, options: ProcessingOptions) -> StepOutput:
    measured = measure_loudness(path, options)
    layout = _LAYOUTS[options.broadcast_channels]
    params: dict[str, Any] = {"codec": "mp3", "bitrate": BROADCAST_BITRATE, "cbr": True,
                              "sample_rate_hz": SAMPLE_RATE_HZ,
                              "channels": options.broadcast_channels,
                              "target_lufs": options.broadcast_loudness_lufs,
                              "true_peak_db": options.broadcast_true_peak_db,
                              "input_lufs": _float(measured.get("input_i"))}
    if params["input_lufs"] is None:         # digital silence: nothing to normalise
        chain, params["normalization"] = f"aformat=channel_layouts={layout}", "none (silent)"
    else:
        chain = (f"aformat=channel_layouts={layout},{_loudnorm(options)}"
                 f":measured_I={measured['input_i']}:measured_TP={measured['input_tp']}"
                 f":measured_LRA={measured['input_lra']}"
                 f":measured_thresh={measured['input_thresh']}"
                 f":offset={measured['target_offset']}:linear=true:print_format=json")
    target = workdir / "broadcast.mp3"
    with writing(target) as part:
        log = media.convert(path, part, timeout=options.tool_timeout, what="broadcast copy",
                            streams=["a:0"],
                            output_args={"af": f"{chain},aresample={SAMPLE_RATE_HZ}",
                                         "c:a": "libmp3lame", "b:a": BROADCAST_BITRATE,
                                         "ar": SAMPLE_RATE_HZ, "ac": options.broadcast_channels,
                                         "f": "mp3"})
    if params["input_lufs"] is not None:
        applied = media.last_json_object(log)
        params["normalization"] = applied.get("normalization_type")
        params["output_lufs"] = _float(applied.get("output_i"))
    return StepOutput(renditions=[Rendition("broadcast", target, "audio/mpeg", params)],
                      message=f"loudness normalisation: {params['normalization']}")


def _float(value: Any) -> float | None:
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    return number if math.isfinite(number) else None


def _lowband(source: Path, workdir: Path, options: ProcessingOptions) -> StepOutput:
    target = workdir / "lowband.mp3"
    with writing(target) as part:
        media.convert(source, part, timeout=options.tool_timeout, what="low-bandwidth copy",
                      streams=["a:0"],
                      output_args={"c:a": "libmp3lame", "b:a": LOWBAND_BITRATE,
                                   "ar": SAMPLE_RATE_HZ, "ac": 1, "f": "mp3"})
    params = {"codec": "mp3", "bitrate": LOWBAND_BITRATE, "cbr": True,
              "sample_rate_hz": SAMPLE_RATE_HZ, "channels": 1,
              "source": "broadcast" if source.name == "broadcast.mp3" else "original"}
    return StepOutput(renditions=[Rendition("lowband", target, "audio/mpeg", params)])


def _waveform(path: Path, workdir: Path, options: ProcessingOptions) -> StepOutput:
    graph = (f"[0:a:0]aformat=channel_layouts=mono,aresample={WAVEFORM_RATE_HZ},"
             f"showwavespic=s={WAVEFORM_SIZE}:colors={WAVEFORM_COLOUR}")
    target = workdir / "waveform.png"
    with writing(target) as part:
        media.convert(path, part, timeout=options.tool_timeout, what="waveform",
                      output_args={"filter_complex": graph, "frames:v": 1, "c:v": "png",
                                   "f": "image2", "update": 1})
        if not part.exists() or not part.stat().st_size:
            raise ProcessingError("ffmpeg drew no waveform (no decodable audio)",
                                  problem="audio.no_sound")
    width, height = (int(v) for v in WAVEFORM_SIZE.split("x"))
    return StepOutput(renditions=[Rendition("waveform", target, "image/png",
                                            {"width": width, "height": height})])
