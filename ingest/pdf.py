"""PDF publication steps: probe, text layer, first-page derivatives, OCR of image-only
PDFs, and one page rendered for reading on a screen — the only pypdfium2 importer.

A text layer typed in a legacy Vietnamese font (TCVN3 ``.VnTime``, VNI, VISCII) is
converted to Unicode by :mod:`ingest.legacy_text` before it is cleaned and stored; the
``encoding`` step after ``text`` says so (or names the encoding it suspects and keeps
the text when the reading is not sure).

Renditions: ``thumbnail.jpg``/``preview.jpg`` of page 1 (rendered here, encoded by
:mod:`ingest.images`) and ``text.txt`` (text/plain, UTF-8, pages separated by form
feeds) from the text layer, or from OCR when the PDF is image-only (fewer than
``MIN_CHARS_PER_PAGE`` characters per page on the first ``OCR_MAX_PAGES`` pages).

PDFium is not thread-safe, even across documents, so every PDFium call here holds
``_PDFIUM_LOCK`` (the worker may run jobs in threads); OCR runs outside the lock.
"""
from __future__ import annotations

import math
import threading
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Iterator

import pypdfium2 as pdfium

from archive.errors import ProcessingError
from archive.text import normalize_text
from ingest import images, legacy_text, likeness, ocr
from ingest.results import (ProcessingOptions, Rendition, StepOutput, StepResult, StepSkipped,
                            clean_pages, json_safe, run_step, write_text)

OCR_MAX_PAGES = 20                 # image-only PDFs: OCR at most this many first pages
OCR_DPI = 300
OCR_MAX_PAGE_PIXELS = 40_000_000   # big posters are rendered below OCR_DPI to stay in memory
MIN_CHARS_PER_PAGE = 20            # fewer non-blank characters per page: image-only
POINTS_PER_INCH = 72
PAGE_MAX_HEIGHT_PX = 4000         # a reading page of a tall, narrow sheet stops here
_PASSWORD_ERRORS = {4, 6}          # FPDF_ERR_PASSWORD, FPDF_ERR_SECURITY
_PDFIUM_LOCK = threading.Lock()
_METADATA_KEYS = ("Title", "Author", "Subject", "Keywords", "Creator", "Producer",
                  "CreationDate", "ModDate")


def tool_version() -> str:
    """pypdfium2 and PDFium versions, e.g. ``5.1.0 (pdfium 7350)``."""
    return f"{pdfium.version.PYPDFIUM_INFO} (pdfium {pdfium.version.PDFIUM_INFO.build})"


@contextmanager
def opened(path: Path) -> Iterator[pdfium.PdfDocument]:
    """The document, under the PDFium lock; clear ProcessingErrors for locked/corrupt files."""
    with _PDFIUM_LOCK:
        try:
            document = pdfium.PdfDocument(str(path))
        except pdfium.PdfiumError as exc:
            if getattr(exc, "err_code", None) in _PASSWORD_ERRORS:
                raise ProcessingError("PDF is encrypted (needs a password or an unsupported "
                                      "security handler): cannot read it", detail=str(exc),
                                      problem="pdf.encrypted") from None
            raise ProcessingError(f"PDF is corrupt or unreadable: {exc}", detail=str(exc),
                                  problem="pdf.corrupt") from None
        try:
            yield document
        finally:
            document.close()


def process(path: Path, workdir: Path, options: ProcessingOptions) -> list[StepResult]:
    """Run probe, text, derivatives and OCR (image-only PDFs); stop after a failed probe."""
    state: dict[str, Any] = {}
    probe = run_step("probe", "pypdfium2", tool_version, lambda: _probe(path, state))
    if probe.outcome != "ok":
        return [probe]
    text = run_step("text", "pypdfium2", tool_version, lambda: _text(path, workdir, state))
    return [probe, text, *legacy_text.provenance(state.get("legacy"), "text layer"),
            run_step("derivatives", "pypdfium2", tool_version,
                     lambda: _derivatives(path, workdir, options)),
            run_step("ocr", "tesseract", ocr.tool_version,
                     lambda: _ocr(path, workdir, options, state)),
            *likeness.picture_steps(workdir, options)]     # the first page's fingerprint


def _probe(path: Path, state: dict[str, Any]) -> StepOutput:
    with opened(path) as document:
        pages = len(document)
        if pages == 0:
            raise ProcessingError("PDF has no pages", problem="pdf.empty")
        width, height = document[0].get_size()
        info = document.get_metadata_dict(skip_empty=True)
    state["pages"] = pages
    found = {key.lower(): normalize_text(str(info[key]))
             for key in _METADATA_KEYS if info.get(key)}
    return StepOutput(metadata=json_safe({
        "pages": pages, "info": found,
        "page_width_mm": round(width / POINTS_PER_INCH * 25.4, 1),
        "page_height_mm": round(height / POINTS_PER_INCH * 25.4, 1)}))


def _text(path: Path, workdir: Path, state: dict[str, Any]) -> StepOutput:
    pages_text = []
    with opened(path) as document:
        for index in range(len(document)):
            page = document[index]
            textpage = page.get_textpage()
            pages_text.append(textpage.get_text_bounded())
            textpage.close()
            page.close()
    repair = legacy_text.repair_legacy_text("\f".join(pages_text))
    if repair.encoding:
        pages_text = repair.text.split("\f")
    state["legacy"] = repair
    text = clean_pages(pages_text)
    sample = pages_text[:OCR_MAX_PAGES]
    visible = sum(len("".join(t.split())) for t in sample)
    image_only = visible < MIN_CHARS_PER_PAGE * len(sample)
    state["image_only"] = image_only
    metadata = {"characters": len(text), "image_only": image_only,
                "pages_with_text": sum(1 for t in pages_text if t.strip())}
    if image_only:
        return StepOutput(metadata=metadata, message="no text layer: image-only PDF")
    write_text(workdir / "text.txt", text)
    rendition = Rendition("text", workdir / "text.txt", "text/plain; charset=utf-8",
                          {"source": "pdf text layer"})
    return StepOutput(metadata=metadata, renditions=[rendition], text=text)


def _render(document: pdfium.PdfDocument, index: int, longest_px: float | None,
            dpi: float | None = None, max_pixels: int | None = None, grayscale: bool = False):
    """Page ``index`` as a PIL image: fitted to ``longest_px`` or at ``dpi``."""
    page = document[index]
    width, height = page.get_size()
    scale = longest_px / max(width, height) if longest_px else dpi / POINTS_PER_INCH
    if max_pixels and width * height * scale * scale > max_pixels:
        scale = math.sqrt(max_pixels / (width * height))
    bitmap = page.render(scale=scale, grayscale=grayscale)
    image = bitmap.to_pil()
    page.close()
    return image


def _derivatives(path: Path, workdir: Path, options: ProcessingOptions) -> StepOutput:
    with opened(path) as document:
        image = _render(document, 0, options.preview_px)
    renditions = images.save_derivatives(image, workdir, options.thumbnail_px, options.preview_px)
    for rendition in renditions:
        rendition.params["page"] = 1
    return StepOutput(renditions=renditions)


def _ocr(path: Path, workdir: Path, options: ProcessingOptions,
         state: dict[str, Any]) -> StepOutput:
    if not state.get("image_only"):
        raise StepSkipped("PDF has a text layer" if "image_only" in state
                          else "text layer not read")
    if not options.ocr_enabled:
        raise StepSkipped("OCR disabled")
    count = min(state["pages"], OCR_MAX_PAGES)
    page_files = [workdir / f"ocr-page-{n:03d}.png" for n in range(1, count + 1)]
    try:
        for index, target in enumerate(page_files):
            with opened(path) as document:
                image = _render(document, index, None, OCR_DPI, OCR_MAX_PAGE_PIXELS, True)
            images.save_ocr_page(image, target)
        text = ocr.recognise(page_files, options.ocr_languages, options.tool_timeout, workdir)
    finally:
        for target in page_files:
            target.unlink(missing_ok=True)
        (workdir / "ocr-pages.txt").unlink(missing_ok=True)
    params = {"languages": options.ocr_languages, "pages": count, "dpi": OCR_DPI,
              "source": "ocr"}
    write_text(workdir / "text.txt", text)
    note = f"OCR of the first {count} of {state['pages']} pages" if count < state["pages"] else ""
    return StepOutput(metadata={"ocr_pages": count, "characters": len(text)}, message=note,
                      renditions=[Rendition("text", workdir / "text.txt",
                                            "text/plain; charset=utf-8", params)],
                      text=text)


def render_page(path: Path, page: int, width_px: int, target: Path) -> dict[str, int]:
    """Page ``page`` (1-based) of the PDF at ``path`` written to ``target`` as JPEG for
    reading on a screen: ``width_px`` wide, or narrower when the page is so tall that
    it would pass ``PAGE_MAX_HEIGHT_PX``. Returns the image's ``width`` and ``height``
    in pixels (plus ``pages``, the document's page count).

    Raises ProcessingError for an unreadable or encrypted PDF and for a page number
    outside ``1..pages`` (naming both).
    """
    with opened(path) as document:
        pages = len(document)
        if not 1 <= page <= pages:
            raise ProcessingError("the PDF has %(pages)s pages: there is no page %(page)s",
                                  field="page", pages=pages, page=page)
        sheet = document[page - 1]
        width, height = sheet.get_size()
        sheet.close()
        scale = min(width_px / width, PAGE_MAX_HEIGHT_PX / height)
        image = _render(document, page - 1, max(width, height) * scale)
    size = images.save_page(image, target)
    return {**size, "pages": pages}
