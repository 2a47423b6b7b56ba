"""The processing dispatcher: run the steps for a file's media category.

Pure steps over local files: no database, storage or queue. Each step is recorded as
its own :class:`StepResult` (the caller turns them into provenance events); a failed
step does not stop independent later ones, but a failed or empty probe stops the file.
Outputs are written into ``workdir`` under fixed names (see :data:`OUTPUT_NAMES`); a
re-run first removes those names and any ``*.part`` left by a killed run, so retries
never leave duplicates or stale files.

Step names and renditions by category:
  image: probe, derivatives (thumbnail, preview), ocr (text)
  video: probe, poster (poster, thumbnail), proxy (proxy), subtitles (caption tracks)
  audio: probe, broadcast (broadcast), lowband (lowband), waveform (waveform)
  pdf:   probe, text (text), derivatives (thumbnail, preview), ocr (text; image-only PDFs)
  images, PDFs (first page), audio and video (sound) end with likeness: a fingerprint
  for near-duplicates (``StepResult.likeness``, ingest/likeness.py), never a failure
  text:  probe, [encoding], text (text) — .docx, .odt and plain text (ingest/documents.py);
         pdf has [encoding] after text; [encoding] only for text typed in a legacy
         Vietnamese encoding, converted or suspected (ingest/legacy_text.py)
  other: probe (skipped) — unless the name claims a media type, then that category's
         steps run and the probe fails with the tool's own message (a corrupt "video").
"""
from __future__ import annotations

from pathlib import Path
from typing import Any

from archive import problems
from ingest import audio, documents, images, likeness, ocr, pdf, video
from ingest.detect import Detection
from ingest.results import (FAILED, OK, SKIPPED, ProcessingOptions, Rendition, StepOutput,
                            StepResult, StepSkipped, run_step, write_text)

OCR_MIN_SHORT_SIDE_PX = 200        # smaller images are icons or thumbnails, not text
OUTPUT_NAMES = ("thumbnail.jpg", "preview.jpg", "poster.jpg", "proxy.mp4", "broadcast.mp3",
                "lowband.mp3", "waveform.png", "text.txt")
_SCRATCH_PATTERNS = ("*.part", "ocr-input.png", "ocr-page-*.png", "ocr-pages.txt",
                     "subtitles-*.vtt")

__all__ = ["FAILED", "OK", "SKIPPED", "OUTPUT_NAMES", "Detection", "ProcessingOptions",
           "Rendition", "StepResult", "process", "process_image"]


def process(path: Path, detection: Detection, workdir: Path,
            options: ProcessingOptions) -> list[StepResult]:
    """All steps for ``path`` (already identified as ``detection``), outputs in ``workdir``.

    ``workdir`` belongs to this one file (its fixed-name outputs are replaced).
    Never raises for a bad file: failures are StepResults with outcome ``failed``.
    """
    path, workdir = Path(path), Path(workdir)
    workdir.mkdir(parents=True, exist_ok=True)
    clear_outputs(workdir)
    category = detection.category
    if category == "other":
        category = detection.declared_category       # try, so the tool says what is wrong
    if category == "text":       # the content's type, else the one the name claims
        media_type = detection.media_type if detection.category == "text" \
            else detection.declared_type or ""
        return documents.process(path, workdir, options, media_type)
    runners = {"image": process_image, "video": video.process, "audio": audio.process,
               "pdf": pdf.process}
    runner = runners.get(category)
    if runner is None:
        return [StepResult(step="probe", tool="kho", tool_version="", outcome=SKIPPED,
                           message=f"no processing for {detection.media_type}")]
    results = runner(path, workdir, options)
    for r in results:           # "media.truncated" on a video is "video.truncated"
        if r.problem:
            r.problem = problems.for_category(r.problem, category)
    return results


def clear_outputs(workdir: Path) -> None:
    """Remove fixed-name outputs and scratch files of an earlier (maybe killed) run."""
    for name in OUTPUT_NAMES:
        (workdir / name).unlink(missing_ok=True)
    for pattern in _SCRATCH_PATTERNS:
        for leftover in workdir.glob(pattern):
            leftover.unlink(missing_ok=True)


def process_image(path: Path, workdir: Path, options: ProcessingOptions) -> list[StepResult]:
    """Image steps: probe (header, EXIF), derivatives, OCR (when enabled and big enough)."""
    state: dict[str, Any] = {}
    probe = run_step("probe", "Pillow", images.tool_version,
                     lambda: _image_probe(path, options, state))
    if probe.outcome != OK:
        return [probe]
    derivatives = run_step("derivatives", "Pillow", images.tool_version,
                           lambda: StepOutput(renditions=images.make_derivatives(
                               path, workdir, options.image_max_pixels, options.thumbnail_px,
                               options.preview_px)))
    state["decoded"] = derivatives.outcome == OK
    return [probe, derivatives,
            run_step("ocr", "tesseract", ocr.tool_version,
                     lambda: _image_ocr(path, workdir, options, state)),
            *likeness.picture_steps(workdir, options)]


def _image_probe(path: Path, options: ProcessingOptions, state: dict[str, Any]) -> StepOutput:
    metadata = images.describe(path, options.image_max_pixels)
    state["short_side"] = min(metadata["width"], metadata["height"])
    return StepOutput(metadata=metadata)


def _image_ocr(path: Path, workdir: Path, options: ProcessingOptions,
               state: dict[str, Any]) -> StepOutput:
    if not options.ocr_enabled:
        raise StepSkipped("OCR disabled")
    if not state["decoded"]:
        raise StepSkipped("image could not be decoded")
    if state["short_side"] < OCR_MIN_SHORT_SIDE_PX:
        raise StepSkipped(f"image under {OCR_MIN_SHORT_SIDE_PX} px on its short side")
    source = images.ocr_input(path, workdir, options.image_max_pixels)
    try:
        text = ocr.recognise([source], options.ocr_languages, options.tool_timeout, workdir)
    finally:
        if source != path:
            source.unlink(missing_ok=True)
    if not text:
        return StepOutput(message="no text found", text="")
    target = workdir / "text.txt"
    write_text(target, text)
    params = {"languages": options.ocr_languages, "source": "ocr"}
    return StepOutput(renditions=[Rendition("text", target, "text/plain; charset=utf-8", params)],
                      metadata={"characters": len(text)}, text=text)
