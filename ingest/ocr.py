"""Tesseract OCR through a subprocess, with a timeout — the only tesseract caller.

Language models come from Debian packages (``tesseract-ocr-vie``); ``languages`` is
tesseract's ``-l`` value, e.g. ``vie`` or ``vie+eng``. A missing model is a clear
ProcessingError naming the ``<lang>.traineddata`` file to install. Tesseract is run with
``OMP_THREAD_LIMIT=1`` unless the environment sets it: the pipeline already runs one
job per core, and OpenMP threads on top of that make OCR slower, not faster.
"""
from __future__ import annotations

import functools
import os
import re
from pathlib import Path
from typing import Sequence

from archive.errors import ProcessingError
from ingest.media import run_tool
from ingest.results import clean_pages

TESSERACT = "tesseract"
_LANGUAGES = re.compile(r"^[A-Za-z_]+(\+[A-Za-z_]+)*$")


@functools.lru_cache(maxsize=None)
def tool_version() -> str:
    """Tesseract's version, e.g. ``5.3.0`` (from ``tesseract --version``)."""
    done = run_tool([TESSERACT, "--version"], 30, what="tesseract version")
    output = (done.stdout + done.stderr).decode("utf-8", "replace")
    match = re.search(r"tesseract\s+v?(\S+)", output)
    return match.group(1) if match else "unknown"


def installed_languages(timeout: float = 30) -> tuple[set[str], str]:
    """The installed language models and the folder tesseract reads them from."""
    done = run_tool([TESSERACT, "--list-langs"], timeout, what="tesseract --list-langs")
    lines = (done.stdout + done.stderr).decode("utf-8", "replace").splitlines()
    folder = ""
    if lines and '"' in lines[0]:
        folder = lines[0].split('"')[1]
    return {line.strip() for line in lines[1:] if line.strip()}, folder


def check_languages(languages: str, timeout: float = 30) -> list[str]:
    """The requested language codes; raises ProcessingError naming missing models."""
    if not _LANGUAGES.match(languages or ""):
        raise ProcessingError(f"invalid OCR language setting {languages!r} "
                              "(expected codes like vie or vie+eng)", field="ocr_languages",
                              problem="ocr.setting")
    wanted = languages.split("+")
    have, folder = installed_languages(timeout)
    missing = [code for code in wanted if code not in have]
    if missing:
        files = ", ".join(f"{code}.traineddata" for code in missing)
        where = f" in {folder}" if folder else ""
        raise ProcessingError(f"OCR language model missing: {files} not found{where} "
                              "(install tesseract-ocr-<lang>, e.g. tesseract-ocr-vie)",
                              problem="ocr.language_missing", languages=", ".join(missing))
    return wanted


def recognise(images: Sequence[Path], languages: str, timeout: float, workdir: Path) -> str:
    """OCR text of ``images`` (in order; pages separated by form feeds), normalised.

    Several images go to one tesseract run through a list file (the model loads once).
    ``timeout`` is in seconds for the whole run. Raises ProcessingError.
    """
    check_languages(languages, timeout)
    if len(images) == 1:
        source = str(images[0])
    else:
        listing = workdir / "ocr-pages.txt"
        listing.write_text("".join(f"{p}\n" for p in images), encoding="utf-8")
        source = str(listing)
    env = dict(os.environ)
    env.setdefault("OMP_THREAD_LIMIT", "1")
    args = [TESSERACT, source, "stdout", "-l", languages]
    done = run_tool(args, timeout, what="tesseract", env=env)
    return clean_pages(done.stdout.decode("utf-8", "replace").split("\f"))
