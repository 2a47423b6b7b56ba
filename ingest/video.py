"""Video steps: probe, poster frame (+ thumbnail), web proxy.

Renditions (fixed names in the work folder):
- ``poster.jpg`` (image/jpeg): one frame at 10 % of the duration (1 s if unknown),
  fitted inside ``preview_px``; ``thumbnail.jpg`` is made from it by :mod:`ingest.images`.
- ``proxy.mp4`` (video/mp4): H.264 (yuv420p, main profile) + AAC, ``+faststart`` so it
  plays while downloading, short side at most ``proxy_max_height`` (720p), even sizes.
  When the original already is H.264 yuv420p + AAC (or silent) at or below that size,
  the streams are copied into a fresh MP4 (``mode: copy``) instead of re-encoded:
  seconds instead of minutes, and no generation loss.
- ``subtitles-<n>.vtt`` (text/vtt): each text subtitle stream inside the file (MP4
  ``mov_text``, MKV SubRip/ASS/WebVTT) as WebVTT, with the stream's language and title
  in its params. These are not renditions: the processing job makes them caption tracks
  of the file (``app.services.captions.embedded``), kept like originals. Picture-based
  subtitles (DVD, PGS) have no text and are left alone.
"""
from __future__ import annotations

from pathlib import Path
from typing import Any

from archive.errors import ProcessingError
from ingest import images, likeness, media
from ingest.results import (ProcessingOptions, Rendition, StepOutput, StepResult, StepSkipped,
                            run_step, writing)

POSTER_FRACTION = 0.10
POSTER_FALLBACK_S = 1.0
POSTER_QUALITY = 3                 # ffmpeg mjpeg -q:v (2 best .. 31 worst)
PROXY_CRF = 23
PROXY_PRESET = "veryfast"
PROXY_AUDIO_BITRATE = "128k"
SUBTITLE_PREFIX = "subtitles-"     # renditions that are caption tracks, not derivatives
TEXT_SUBTITLES = ("mov_text", "subrip", "srt", "webvtt", "ass", "ssa", "text")


def process(path: Path, workdir: Path, options: ProcessingOptions) -> list[StepResult]:
    """Run probe, poster and proxy; stop after a failed probe."""
    state: dict[str, Any] = {}
    probe = run_step("probe", "ffprobe", media.tool_version,
                     lambda: _probe(path, options, state))
    if probe.outcome != "ok":
        return [probe]
    return [probe,
            run_step("poster", "ffmpeg", media.tool_version,
                     lambda: _poster(path, workdir, options, state["meta"])),
            run_step("proxy", "ffmpeg", media.tool_version,
                     lambda: _proxy(path, workdir, options, state["meta"])),
            run_step("subtitles", "ffmpeg", media.tool_version,
                     lambda: _subtitles(path, workdir, options, state["subtitles"])),
            *likeness.sound_steps(path, options,     # near-duplicates: by the sound
                                  has_sound=state["meta"]["audio"] is not None)]


def _probe(path: Path, options: ProcessingOptions, state: dict[str, Any]) -> StepOutput:
    info = media.probe(path, options.tool_timeout)
    meta = media.describe(info)
    state["subtitles"] = [s for s in info.get("streams") or []
                          if s.get("codec_type") == "subtitle"]
    if meta["video"] is None:
        raise StepSkipped("no video stream")
    width, height = meta["video"].get("display_width"), meta["video"].get("display_height")
    if not (width and height and width > 0 and height > 0):
        # random or damaged bytes can pass for a stream with no picture size
        raise ProcessingError(f"{path.name}: the video stream has no picture size: the "
                              "file is damaged or not a video", problem="video.no_picture")
    state["meta"] = meta
    return StepOutput(metadata=meta)


def fit_even(width: int, height: int, box_w: int, box_h: int) -> tuple[int, int]:
    """``width``×``height`` shrunk (never enlarged) into ``box_w``×``box_h``, even sizes."""
    scale = min(1.0, box_w / width, box_h / height)
    return max(2, round(width * scale / 2) * 2), max(2, round(height * scale / 2) * 2)


def _poster(path: Path, workdir: Path, options: ProcessingOptions,
            meta: dict[str, Any]) -> StepOutput:
    video = meta["video"]
    duration = meta.get("duration_s")
    at = round(duration * POSTER_FRACTION, 3) if duration else POSTER_FALLBACK_S
    width, height = fit_even(video["display_width"], video["display_height"],
                             options.preview_px, options.preview_px)
    target = workdir / "poster.jpg"
    with writing(target) as part:
        for seek in (at, 0.0):      # a wrong duration can seek past the end: retry at 0
            media.convert(path, part, timeout=options.tool_timeout, what="poster frame",
                          input_args={"ss": seek}, streams=["v:0"],
                          output_args={"frames:v": 1, "vf": f"scale={width}:{height},setsar=1",
                                       "q:v": POSTER_QUALITY, "c:v": "mjpeg",
                                       "pix_fmt": "yuvj420p", "f": "image2", "update": 1})
            if part.exists() and part.stat().st_size:
                break
        else:
            raise ProcessingError("no frame could be decoded for the poster",
                                  problem="video.no_frame")
    poster = Rendition("poster", target, "image/jpeg",
                       {"at_s": seek, "width": width, "height": height, "format": "JPEG"})
    thumbnail = images.make_thumbnail(target, workdir, options.thumbnail_px,
                                      options.image_max_pixels)
    return StepOutput(renditions=[poster, thumbnail])


def proxy_plan(meta: dict[str, Any], max_height: int) -> dict[str, Any]:
    """How to make the proxy: ``{"mode": "copy"}`` or the encode settings (sizes in px)."""
    video, audio = meta["video"], meta["audio"]
    short_side = min(video["display_width"], video["display_height"])
    square_pixels = video.get("sample_aspect_ratio") in (None, "1:1", "0:1")
    if (video["codec"] == "h264" and video["pix_fmt"] == "yuv420p" and square_pixels
            and short_side <= max_height and (audio is None or audio["codec"] == "aac")):
        return {"mode": "copy", "video_codec": "h264",
                "audio_codec": "aac" if audio else None, "faststart": True}
    scale = min(1.0, max_height / short_side)
    width, height = fit_even(video["display_width"], video["display_height"],
                             round(video["display_width"] * scale) or 2,
                             round(video["display_height"] * scale) or 2)
    return {"mode": "encode", "video_codec": "h264", "preset": PROXY_PRESET, "crf": PROXY_CRF,
            "width": width, "height": height, "faststart": True,
            "audio_codec": "aac" if audio else None,
            "audio_bitrate": PROXY_AUDIO_BITRATE if audio else None,
            "audio_channels": min(2, audio["channels"] or 2) if audio else None}


def _proxy(path: Path, workdir: Path, options: ProcessingOptions,
           meta: dict[str, Any]) -> StepOutput:
    plan = proxy_plan(meta, options.proxy_max_height)
    args: dict[str, Any] = {"movflags": "+faststart", "f": "mp4"}
    if plan["mode"] == "copy":
        args["c"] = "copy"
    else:
        args.update({"c:v": "libx264", "preset": PROXY_PRESET, "crf": PROXY_CRF,
                     "profile:v": "main", "pix_fmt": "yuv420p",
                     "vf": f"scale={plan['width']}:{plan['height']},setsar=1"})
        if plan["audio_codec"]:
            args.update({"c:a": "aac", "b:a": PROXY_AUDIO_BITRATE,
                         "ac": plan["audio_channels"]})
    target = workdir / "proxy.mp4"
    with writing(target) as part:
        media.convert(path, part, timeout=options.tool_timeout, what="web proxy",
                      streams=["v:0", "a:0?"], output_args=args)
    return StepOutput(renditions=[Rendition("proxy", target, "video/mp4", plan)],
                      message="streams copied" if plan["mode"] == "copy" else "re-encoded")


def _subtitles(path: Path, workdir: Path, options: ProcessingOptions,
               streams: list[dict[str, Any]]) -> StepOutput:
    """Each text subtitle stream as WebVTT (``subtitles-<n>.vtt``, n counting subtitle
    streams from 0 as ffmpeg's ``s:n`` does); skipped when there is none."""
    texts = [(n, s) for n, s in enumerate(streams) if s.get("codec_name") in TEXT_SUBTITLES]
    if not texts:
        raise StepSkipped("no text subtitle stream" if not streams
                          else "only picture subtitles (no text)")
    found = []
    for n, stream in texts:
        target = workdir / f"{SUBTITLE_PREFIX}{n}.vtt"
        with writing(target) as part:
            media.convert(path, part, timeout=options.tool_timeout, what="subtitles",
                          streams=[f"s:{n}"], output_args={"c:s": "webvtt", "f": "webvtt"})
        tags = stream.get("tags") or {}
        found.append(Rendition(f"{SUBTITLE_PREFIX}{n}", target, "text/vtt", {
            "index": n, "codec": stream.get("codec_name"),
            "language": tags.get("language", "") if tags.get("language") != "und" else "",
            "title": tags.get("title", "")}))
    return StepOutput(renditions=found, message=f"{len(found)} subtitle stream(s) as WebVTT")
