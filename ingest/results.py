"""Plain types shared by the processing steps, and the runner that records one step.

Kept apart from :mod:`ingest.steps` (the dispatcher) so the per-category modules can
use them without importing the dispatcher that imports them.
"""
from __future__ import annotations

import os
import traceback
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Iterator

from archive.errors import ProcessingError
from archive.problems import json_params
from archive.text import normalize_text

OK, FAILED, SKIPPED = "ok", "failed", "skipped"
DETAIL_LIMIT = 2048


@dataclass(frozen=True)
class ProcessingOptions:
    """Knobs of the pipeline as plain values (built from the instance settings by
    ``app.services.processing.pipeline.options_from``).

    ``tool_timeout`` is in seconds and applies to every ffmpeg/ffprobe/tesseract call.
    Loudness in LUFS, true peak in dBTP, sizes in pixels.
    """

    tool_timeout: float = 3600
    ocr_enabled: bool = True
    ocr_languages: str = "vie"
    broadcast_loudness_lufs: float = -23.0
    broadcast_true_peak_db: float = -1.0
    broadcast_channels: int = 1
    proxy_max_height: int = 720
    image_max_pixels: int = 180_000_000
    thumbnail_px: int = 320
    preview_px: int = 1280
    near_duplicates: bool = True      # fingerprints for near-duplicates (ingest.likeness)


@dataclass(frozen=True)
class Likeness:
    """A fingerprint for finding near-duplicates (:mod:`ingest.likeness`): ``kind``
    "image" with ``image_hash`` (the 64-bit perceptual hash: look-up keys) and
    ``image_fine`` (the 256-bit one: the comparison), or "audio" with ``values``
    (Chromaprint's raw values, little-endian unsigned 32-bit) covering ``seconds``."""

    kind: str
    image_hash: int | None = None
    image_fine: int | None = None
    values: bytes = b""
    seconds: float = 0.0


@dataclass
class Rendition:
    """A derivative written into the work folder under a fixed file name."""

    name: str          # thumbnail | preview | poster | proxy | broadcast | lowband | waveform | text
    path: Path
    media_type: str
    params: dict = field(default_factory=dict)


@dataclass
class StepResult:
    """What one step did: the provenance event the caller records."""

    step: str
    tool: str
    tool_version: str
    outcome: str                      # ok | failed | skipped
    message: str = ""                 # English, for the log and provenance event
    detail: str = ""                  # tool's stderr tail (last ~2 KB) on failure
    problem: str = ""                 # failed: what the producer is told (archive.problems)
    params: dict = field(default_factory=dict)    # the problem's values (JSON)
    metadata: dict = field(default_factory=dict)
    renditions: list[Rendition] = field(default_factory=list)
    text: str | None = None
    likeness: Likeness | None = None  # a fingerprint for near-duplicates


@dataclass
class StepOutput:
    """What a step action returns when it succeeds."""

    metadata: dict = field(default_factory=dict)
    renditions: list[Rendition] = field(default_factory=list)
    text: str | None = None
    message: str = ""
    likeness: Likeness | None = None


class StepSkipped(Exception):
    """Raised by a step action that has nothing to do; the message says why."""


def run_step(step: str, tool: str, version: Callable[[], str],
             action: Callable[[], StepOutput]) -> StepResult:
    """Run ``action`` and record it as a StepResult; never raises for a failed step.

    ProcessingError -> ``failed`` with its message, detail and problem code (``tool.failed``
    when it names none); StepSkipped -> ``skipped``; any other exception (a bug or an
    unexpected library error) -> ``failed`` (``processing.internal``) naming the exception, with the traceback tail as detail, so one file cannot stop a batch.
    """
    result = StepResult(step=step, tool=tool, tool_version=_safe_version(version), outcome=OK)
    try:
        output = action()
    except ProcessingError as exc:
        result.outcome, result.message, result.detail = FAILED, exc.message, exc.detail
        result.problem = exc.problem or "tool.failed"
        result.params = json_params(exc.params)
        return result
    except StepSkipped as exc:
        result.outcome, result.message = SKIPPED, str(exc)
        return result
    except Exception as exc:  # noqa: BLE001 - recorded, not swallowed silently
        result.outcome, result.problem = FAILED, "processing.internal"
        result.message = f"unexpected {type(exc).__name__}: {exc}"
        result.detail = traceback.format_exc()[-DETAIL_LIMIT:]
        return result
    result.metadata, result.renditions = output.metadata, output.renditions
    result.text, result.message = output.text, output.message
    result.likeness = output.likeness
    return result


def _safe_version(version: Callable[[], str]) -> str:
    try:
        return version()
    except Exception:  # noqa: BLE001 - a missing tool shows up in the step itself
        return "unknown"


@contextmanager
def writing(target: Path) -> Iterator[Path]:
    """Yield a ``<target>.part`` path to write; on success it replaces ``target`` atomically.

    A run killed mid-write leaves only the ``.part`` file (removed by the next run), so
    re-running never yields a half-written derivative under its final name.
    """
    part = target.with_name(target.name + ".part")
    part.unlink(missing_ok=True)
    try:
        yield part
        os.replace(part, target)
    finally:
        part.unlink(missing_ok=True)


def write_text(target: Path, text: str) -> None:
    """Write UTF-8 text atomically (see :func:`writing`)."""
    with writing(target) as part:
        part.write_text(text, encoding="utf-8")


def json_safe(value: Any) -> Any:
    """``value`` reduced to JSON types (numbers, strings, lists, dicts); others -> str."""
    if value is None or isinstance(value, (bool, int, str)):
        return value
    if isinstance(value, float):
        return value if value == value and abs(value) != float("inf") else None
    if isinstance(value, dict):
        return {str(k): json_safe(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [json_safe(v) for v in value]
    return str(value)


def clean_pages(pages: list[str]) -> str:
    """Extracted or OCR text as the catalogue stores it: each page normalised
    (:func:`archive.text.normalize_text`: NFC, spaces, control characters), pages joined
    by form feeds, empty trailing pages dropped."""
    cleaned = [normalize_text(page) for page in pages]
    while cleaned and not cleaned[-1]:
        cleaned.pop()
    return "\f".join(cleaned)
