"""ffmpeg and ffprobe, with a timeout on every call — the only ffmpeg-python importer.

ffmpeg-python builds the command line (``ffmpeg.compile``); we run it ourselves with
a timeout (ffmpeg-python's ``.run()`` cannot time out) and under ``ingest.children``,
so a tool never outlives the consumer that started it. On a timeout the tool's
process group is killed and we raise
:class:`archive.errors.ProcessingError` saying so. Every failure keeps the tool's own
stderr tail (last ~2 KB) in ``ProcessingError.detail`` so a person can see why.
"""
from __future__ import annotations

import functools
import json
import re
import subprocess
from pathlib import Path
from typing import Any, Mapping, Sequence

import ffmpeg

from archive.errors import ProcessingError
from ingest import children

STDERR_TAIL_BYTES = 2048
_GLOBAL_ARGS = ("-hide_banner", "-nostdin", "-nostats")


def stderr_tail(data: bytes | str | None, limit: int = STDERR_TAIL_BYTES) -> str:
    """The last ``limit`` bytes of a tool's stderr as text (undecodable bytes replaced)."""
    if not data:
        return ""
    raw = data.encode("utf-8", "replace") if isinstance(data, str) else data
    return raw[-limit:].decode("utf-8", "replace").strip()


def run_tool(args: Sequence[str], timeout: float, *, what: str,
             env: Mapping[str, str] | None = None,
             ok_codes: tuple[int, ...] = (0,)) -> subprocess.CompletedProcess:
    """Run ``args`` (stdin closed), capture output, raise on timeout or an exit status
    not in ``ok_codes``.

    ``timeout`` is in seconds. ``what`` names the operation in error messages. Used for
    ffmpeg/ffprobe here, for tesseract by :mod:`ingest.ocr` and fpcalc by
    :mod:`ingest.likeness` (same timeout and tail rules).
    Raises ProcessingError with the stderr tail as ``detail``.
    """
    try:
        # the tool ends with the consumer that runs it, kill -9 included
        child = children.start(list(args), stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                               stderr=subprocess.PIPE, env=env)
    except FileNotFoundError:
        raise ProcessingError("%(what)s: %(tool)s is not installed", problem="tool.missing",
                              what=what, tool=Path(args[0]).name) from None
    try:
        stdout, stderr = child.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        children.stop(child)
        _, stderr = child.communicate()
        raise ProcessingError("%(what)s: %(tool)s timed out after %(seconds)s s",
                              problem="tool.timeout", detail=stderr_tail(stderr), what=what,
                              tool=Path(args[0]).name, seconds=f"{timeout:g}") from None
    finally:
        if child.poll() is None:     # interrupted while waiting: take the tool along
            children.stop(child)
            child.wait()
        children.ended(child)
    done = subprocess.CompletedProcess(list(args), child.returncode, stdout, stderr)
    if done.returncode not in ok_codes:
        tail = stderr_tail(done.stderr)
        last = tail.splitlines()[-1] if tail else f"exit status {done.returncode}"
        raise ProcessingError(f"{what} failed: {last}", detail=tail,
                              problem=failure_problem(args[0], tail))
    return done


# what ffmpeg and ffprobe say about a file that ends too early, or is no media at all
_TRUNCATED = re.compile(r"moov atom not found|partial file|truncat|end of file|"
                        r"invalid nal unit size|packet too small|stream ends prematurely",
                        re.IGNORECASE)
_UNREADABLE = re.compile(r"invalid data found|could not find codec parameters|"
                         r"unknown format|no such stream|does not contain any stream|"
                         r"invalid argument|header missing", re.IGNORECASE)


def failure_problem(tool: str, tail: str) -> str:
    """The problem code of a media tool that exited with an error (``archive.problems``):
    a cut-short file, an unreadable one, or the tool's own failure."""
    if Path(tool).name not in ("ffmpeg", "ffprobe"):
        return "tool.failed"
    if _TRUNCATED.search(tail):
        return "media.truncated"
    if _UNREADABLE.search(tail) or Path(tool).name == "ffprobe":
        return "media.unreadable"
    return "tool.failed"


@functools.lru_cache(maxsize=None)
def tool_version() -> str:
    """ffmpeg's version string, e.g. ``5.1.9-0+deb12u1`` (from ``ffmpeg -version``)."""
    done = run_tool(["ffmpeg", "-version"], 30, what="ffmpeg version")
    match = re.search(r"ffmpeg version (\S+)", done.stdout.decode("utf-8", "replace"))
    return match.group(1) if match else "unknown"


def probe(path: Path, timeout: float) -> dict[str, Any]:
    """ffprobe's JSON description (``format`` and ``streams``) of a local file.

    Raises ProcessingError when ffprobe cannot read the file (with its stderr tail),
    times out after ``timeout`` seconds, or finds no streams.
    """
    args = ["ffprobe", "-v", "error", "-print_format", "json", "-show_format",
            "-show_streams", str(path)]
    done = run_tool(args, timeout, what="ffprobe")
    try:
        data = json.loads(done.stdout.decode("utf-8", "replace") or "{}")
    except ValueError:
        raise ProcessingError("ffprobe returned unreadable output", problem="tool.failed",
                              detail=stderr_tail(done.stdout)) from None
    if not data.get("streams"):
        raise ProcessingError("ffprobe found no audio or video streams",
                              problem="media.no_streams", detail=stderr_tail(done.stderr))
    return data


def convert(source: Path | str, target: Path | str, *, timeout: float,
            input_args: Mapping[str, Any] | None = None,
            output_args: Mapping[str, Any] | None = None,
            streams: Sequence[str] = (), what: str = "ffmpeg") -> str:
    """Run one ffmpeg conversion ``source`` -> ``target`` and return ffmpeg's stderr text.

    ``input_args``/``output_args`` are ffmpeg options as ffmpeg-python keywords, e.g.
    ``{"c:v": "libx264", "vf": "scale=640:360"}``. ``streams`` picks input streams
    (ffmpeg ``-map`` specifiers such as ``"v:0"``, ``"a:0?"``); empty lets ffmpeg choose.
    ``target`` may be ``"-"`` with ``f="null"`` for a measuring pass. Existing targets
    are overwritten. Raises ProcessingError.
    """
    source_node = ffmpeg.input(str(source), **dict(input_args or {}))
    picked = [source_node[spec] for spec in streams] or [source_node]
    stream = ffmpeg.output(*picked, str(target), **dict(output_args or {}))
    stream = stream.global_args(*_GLOBAL_ARGS)
    args = ffmpeg.compile(stream, cmd="ffmpeg", overwrite_output=True)
    done = run_tool(args, timeout, what=what)
    return done.stderr.decode("utf-8", "replace")


def last_json_object(text: str) -> dict[str, Any]:
    """The last ``{...}`` block printed in a tool's log (e.g. loudnorm's measurement)."""
    end = text.rfind("}")
    start = text.rfind("{", 0, end)
    if start < 0 or end < 0:
        raise ProcessingError("expected a JSON block in ffmpeg's output",
                              detail=stderr_tail(text))
    try:
        return json.loads(text[start:end + 1])
    except ValueError:
        raise ProcessingError("unreadable JSON block in ffmpeg's output",
                              detail=stderr_tail(text)) from None


def describe(info: dict[str, Any]) -> dict[str, Any]:
    """The catalogue-worthy facts of an ffprobe result (JSON-safe; units in the keys).

    ``duration_s`` seconds, ``bit_rate_bps`` bits/s, ``size_bytes``; ``video`` and
    ``audio`` describe the first stream of each kind (None when absent). Video
    ``display_width``/``display_height`` apply the sample aspect ratio and rotation.
    """
    fmt = info.get("format") or {}
    streams = info.get("streams") or []
    video = next((s for s in streams if s.get("codec_type") == "video"
                  and not (s.get("disposition") or {}).get("attached_pic")), None)
    audio = next((s for s in streams if s.get("codec_type") == "audio"), None)
    return {
        "container": fmt.get("format_name"),
        "duration_s": _number(fmt.get("duration"), float),
        "bit_rate_bps": _number(fmt.get("bit_rate"), int),
        "size_bytes": _number(fmt.get("size"), int),
        "video": _describe_video(video) if video else None,
        "audio": _describe_audio(audio) if audio else None,
    }


def _describe_video(stream: dict[str, Any]) -> dict[str, Any]:
    width, height = int(stream.get("width") or 0), int(stream.get("height") or 0)
    sar = _ratio(stream.get("sample_aspect_ratio")) or 1.0
    rotation = _rotation(stream)
    display_w, display_h = round(width * sar), height
    if rotation % 180:
        display_w, display_h = display_h, display_w
    return {
        "codec": stream.get("codec_name"), "profile": stream.get("profile"),
        "pix_fmt": stream.get("pix_fmt"), "width": width, "height": height,
        "sample_aspect_ratio": stream.get("sample_aspect_ratio"), "rotation": rotation,
        "display_width": display_w, "display_height": display_h,
        "fps": round(_ratio(stream.get("avg_frame_rate")) or 0.0, 3) or None,
        "bit_rate_bps": _number(stream.get("bit_rate"), int),
    }


def _describe_audio(stream: dict[str, Any]) -> dict[str, Any]:
    return {
        "codec": stream.get("codec_name"), "channels": _number(stream.get("channels"), int),
        "channel_layout": stream.get("channel_layout"),
        "sample_rate_hz": _number(stream.get("sample_rate"), int),
        "bit_rate_bps": _number(stream.get("bit_rate"), int),
    }


def _number(value: Any, kind: type) -> Any:
    try:
        return kind(float(value)) if kind is int else kind(value)
    except (TypeError, ValueError):
        return None


def _ratio(value: Any) -> float | None:
    """``"30000/1001"`` or ``"16:15"`` -> float; None for missing or ``0/0``."""
    if not value:
        return None
    top, _, bottom = str(value).replace(":", "/").partition("/")
    try:
        result = float(top) / float(bottom or 1)
    except (ValueError, ZeroDivisionError):
        return None
    return result or None


def _rotation(stream: dict[str, Any]) -> int:
    for side in stream.get("side_data_list") or []:
        if "rotation" in side:
            return int(float(side["rotation"])) % 360
    rotate = (stream.get("tags") or {}).get("rotate")
    return int(float(rotate)) % 360 if rotate else 0
