"""Text documents — Word ``.docx``, OpenDocument ``.odt`` and plain ``.txt`` — identified
by content and read for their text (category ``text``).

Steps: ``probe`` (open and read the document: format, encoding, title, author, page
and word counts where the file says them), ``encoding`` when the text was typed in a
legacy Vietnamese encoding (TCVN3, VNI, VISCII: converted to Unicode by
:mod:`ingest.legacy_text`, or kept and named when the reading is not sure) and ``text``
(the ``text`` rendition, ``text.txt`` in UTF-8 NFC, which the catalogue stores as the
file's searchable text).

Both formats are ZIP packages of XML, read with the standard library only and safely
(:mod:`ingest.package_xml`: parts capped in size while inflating, no DTDs); a package
with more than :data:`MAX_ENTRIES` entries is refused, and an OLE file under a
``.docx`` name (an encrypted document, or an old ``.doc``) is named as such. Plain text
is decoded by :mod:`ingest.plaintext`.

Every error is a ProcessingError naming the file (``%(name)s``).
"""
from __future__ import annotations

import zipfile
import zlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable
from xml.parsers import expat

from archive.errors import ProcessingError, Quantity
from ingest import legacy_text, package_xml, plaintext
from ingest.package_xml import DC, EXT, META
from ingest.results import (OK, ProcessingOptions, Rendition, StepOutput, StepResult,
                            clean_pages, run_step, write_text)

DOCX_TYPE = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
ODT_TYPE = "application/vnd.oasis.opendocument.text"
ZIP_TYPE = "application/zip"
UNREADABLE = package_xml.UNREADABLE  # the producer's sentence (archive.problems)
TEXT_TYPES = (DOCX_TYPE, ODT_TYPE, plaintext.PLAIN_TYPE)
MAX_ENTRIES = 10_000                # entries in one package (a real article has < 100)
OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_OOXML_TYPES = {"word/document.xml": DOCX_TYPE,
                "xl/workbook.xml": "application/vnd.openxmlformats-officedocument."
                                   "spreadsheetml.sheet",
                "ppt/presentation.xml": "application/vnd.openxmlformats-officedocument."
                                        "presentationml.presentation"}
# every package type :func:`sniff_zip` can name besides Word and OpenDocument text
PACKAGE_TYPES = tuple(_OOXML_TYPES.values()) + (
    "application/vnd.oasis.opendocument.spreadsheet",
    "application/vnd.oasis.opendocument.presentation")


@dataclass
class Document:
    """A document's text (NFC, paragraphs on their own lines) and facts about it;
    ``legacy``: what :mod:`ingest.legacy_text` found in its text (None: nothing)."""

    text: str
    metadata: dict[str, Any] = field(default_factory=dict)
    legacy: legacy_text.Repair | None = None


def tool_version() -> str:
    """The XML parser and codecs used: ``expat 2.5.0, python 3.11.7``."""
    return f"{expat.EXPAT_VERSION.replace('_', ' ')}, {plaintext.tool_version()}"


# --------------------------------------------------------------------- identification

def sniff_zip(path: Path) -> str:
    """What a ZIP file holds: Word, OpenDocument (by its ``mimetype`` entry), Excel,
    PowerPoint, or :data:`ZIP_TYPE` for any other (or unreadable) archive."""
    try:
        with zipfile.ZipFile(path) as package:
            names = set(package.namelist())
            if "mimetype" in names:
                declared = package_xml.read_part(package, "mimetype", path, limit=200)
                value = declared.decode("ascii", "replace").strip()
                if value.startswith("application/vnd.oasis.opendocument.") or \
                        value == "application/epub+zip":
                    return value
            if "[Content_Types].xml" in names:
                for part, media_type in _OOXML_TYPES.items():
                    if part in names:
                        return media_type
    # an unreadable or encrypted mimetype entry (refused by package_xml): a plain ZIP
    except (zipfile.BadZipFile, ProcessingError, OSError, EOFError, zlib.error, ValueError):
        pass
    return ZIP_TYPE


def sniff_text(path: Path) -> str | None:
    """``text/plain`` for a file whose start reads as text (see :mod:`ingest.plaintext`)."""
    return plaintext.sniff(path)


# ------------------------------------------------------------------------- processing

def process(path: Path, workdir: Path, options: ProcessingOptions,
            media_type: str) -> list[StepResult]:
    """Probe and text steps for a document of ``media_type`` (one of
    :data:`TEXT_TYPES`; for a misnamed file, the type its name claims)."""
    state: dict[str, Any] = {}
    probe = run_step("probe", "kho documents", tool_version,
                     lambda: _probe(path, media_type, state))
    if probe.outcome != OK:
        return [probe]
    return [probe, *legacy_text.provenance(state["document"].legacy),
            run_step("text", "kho documents", tool_version, lambda: _text(workdir, state))]


def _probe(path: Path, media_type: str, state: dict[str, Any]) -> StepOutput:
    document = read_document(path, media_type)
    state["document"] = document
    return StepOutput(metadata=document.metadata)


def _text(workdir: Path, state: dict[str, Any]) -> StepOutput:
    document: Document = state["document"]
    if not document.text:
        return StepOutput(message="no text found", text="")
    target = workdir / "text.txt"
    write_text(target, document.text)
    source = document.metadata.get("format", "")
    return StepOutput(renditions=[Rendition("text", target, "text/plain; charset=utf-8",
                                            {"source": source})],
                      metadata={"characters": len(document.text)}, text=document.text)


def read_document(path: Path, media_type: str) -> Document:
    """The text and facts of the document at ``path``; ProcessingError naming the file
    when it is corrupt, hostile, encrypted or not what ``media_type`` says."""
    path = Path(path)
    if media_type == DOCX_TYPE:
        return _read_package(path, "docx", _docx)
    if media_type == ODT_TYPE:
        return _read_package(path, "odt", _odt)
    decoded, facts = plaintext.read(path)
    text = _clean(decoded.text)
    return Document(text=text, metadata=dict(facts, words=len(text.split())),
                    legacy=decoded.legacy)


def _is_ole(path: Path) -> bool:
    """An OLE compound file: what Word writes for an encrypted .docx and an old .doc."""
    with open(path, "rb") as handle:
        return handle.read(8) == OLE_MAGIC


def _clean(text: str) -> str:
    """NFC, spaces and line breaks as the catalogue stores text; capped in length."""
    return clean_pages([text[:package_xml.MAX_TEXT_CHARS]])


def _repaired(text: str) -> tuple[str, legacy_text.Repair | None]:
    """A package's raw text with legacy-encoded lines converted, then cleaned (the
    repair comes first: cleaning drops the soft hyphen that is TCVN3's ư)."""
    repair = legacy_text.repair_legacy_text(text)
    return _clean(repair.text), repair if (repair.encoding or repair.suspected) else None


def _read_package(path: Path, fmt: str,
                  reader: Callable[[zipfile.ZipFile, Path], Document]) -> Document:
    word = {"docx": "a Word document", "odt": "an OpenDocument text"}[fmt]
    if _is_ole(path):
        raise ProcessingError("%(name)s is a password-protected Office file or an old Word "
                              ".doc: save it as .docx or .odt without a password and upload "
                              "it again", problem=UNREADABLE, name=path.name)
    if not zipfile.is_zipfile(path):
        raise ProcessingError("%(name)s is not %(what)s: it is not a ZIP package "
                              "(an old .doc, or a damaged or renamed file?)",
                              problem=UNREADABLE, name=path.name, what=word)
    try:
        with zipfile.ZipFile(path) as package:
            if len(package.infolist()) > MAX_ENTRIES:
                raise ProcessingError("%(name)s has more than %(count)s parts: refused",
                                      problem=UNREADABLE, name=path.name,
                                      count=Quantity(MAX_ENTRIES))
            document = reader(package, path)
    except (zipfile.BadZipFile, EOFError, zlib.error, ValueError) as exc:
        raise ProcessingError("%(name)s is damaged: its ZIP package cannot be read",
                              problem=UNREADABLE, name=path.name, detail=str(exc)) from None
    document.metadata["format"] = fmt
    return document


def _docx(package: zipfile.ZipFile, path: Path) -> Document:
    names = set(package.namelist())
    if "word/document.xml" not in names:
        raise ProcessingError("%(name)s is a ZIP archive but not a Word document "
                              "(it has no word/document.xml)", problem=UNREADABLE,
                              name=path.name)
    parts = ["word/document.xml"] + [p for p in ("word/footnotes.xml", "word/endnotes.xml")
                                     if p in names]
    text = "\n".join(package_xml.paragraphs(package, part, path, package_xml.DocxText())
                     for part in parts)
    metadata: dict[str, Any] = {}
    if "docProps/core.xml" in names:
        metadata.update(package_xml.fields(package, "docProps/core.xml", path,
                                           {DC + "title": "title", DC + "creator": "author"}))
    if "docProps/app.xml" in names:
        metadata.update(_counts(package_xml.fields(package, "docProps/app.xml", path,
                                                   {EXT + "Pages": "pages"})))
    text, legacy = _repaired(text)
    return Document(text=text, metadata=dict(metadata, words=len(text.split())),
                    legacy=legacy)


def _odt(package: zipfile.ZipFile, path: Path) -> Document:
    names = set(package.namelist())
    declared = package_xml.read_part(package, "mimetype", path, 200).strip() \
        if "mimetype" in names else b""
    if declared != ODT_TYPE.encode() or "content.xml" not in names:
        raise ProcessingError("%(name)s is a ZIP archive but not an OpenDocument text "
                              "(no text mimetype or content.xml)", problem=UNREADABLE,
                              name=path.name)
    text, legacy = _repaired(package_xml.paragraphs(package, "content.xml", path,
                                                    package_xml.OdtText()))
    metadata: dict[str, Any] = {}
    if "meta.xml" in names:
        found = package_xml.fields(
            package, "meta.xml", path, {DC + "title": "title", DC + "creator": "author"},
            attributes={META + "document-statistic": {META + "page-count": "pages"}})
        metadata.update(_counts(found))
    return Document(text=text, metadata=dict(metadata, words=len(text.split())),
                    legacy=legacy)


def _counts(found: dict[str, str]) -> dict[str, Any]:
    """Page counts as numbers (a file's own, possibly stale, count; dropped if absurd)."""
    out: dict[str, Any] = dict(found)
    if "pages" in out:
        value = out.pop("pages")
        if value.isdigit() and 0 < int(value) < 100_000:
            out["pages"] = int(value)
    return out
