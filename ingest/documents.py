"""Text documents — Word ``.docx``, OpenDocument ``.odt`` and plain ``.txt`` — identified
by content and read for their text (category ``text``).

Steps: ``probe`` (open and read the document: format, encoding, title, author, page
and word counts where the file says them) and ``text`` (the ``text`` rendition,
``text.txt`` in UTF-8 NFC, which the catalogue stores as the file's searchable text).

Both formats are ZIP packages of XML, read with the standard library only:

* **Zip bombs**: no part is read past :data:`MAX_PART_BYTES` *uncompressed* — counted
  while inflating, not taken from the (forgeable) header — and a package with more than
  :data:`MAX_ENTRIES` entries is refused.
* **XML attacks** (billion laughs, external entities): the expat parser refuses any
  document type declaration, so no entity can be declared, let alone expanded or
  fetched.
* Deleted tracked changes, field codes, comments and the fallback copies Word keeps
  for old readers are left out; tables, text boxes and footnotes are kept.

Every error is a ProcessingError naming the file (``%(name)s``).
"""
from __future__ import annotations

import zipfile
import zlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Iterator
from xml.parsers import expat

from archive.errors import ProcessingError, Quantity
from archive.text import normalize_text
from ingest import plaintext
from ingest.results import (OK, ProcessingOptions, Rendition, StepOutput, StepResult,
                            clean_pages, run_step, write_text)

DOCX_TYPE = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
ODT_TYPE = "application/vnd.oasis.opendocument.text"
ZIP_TYPE = "application/zip"
UNREADABLE = plaintext.UNREADABLE   # the producer's sentence (archive.problems)
TEXT_TYPES = (DOCX_TYPE, ODT_TYPE, plaintext.PLAIN_TYPE)
MAX_PART_BYTES = 64 * 1024 * 1024   # uncompressed bytes read from one XML part
MAX_ENTRIES = 10_000                # entries in one package (a real article has < 100)
MAX_TEXT_CHARS = 5_000_000          # characters of text kept (about 2,000 pages)
CHUNK = 64 * 1024
_OOXML_TYPES = {"word/document.xml": DOCX_TYPE,
                "xl/workbook.xml": "application/vnd.openxmlformats-officedocument."
                                   "spreadsheetml.sheet",
                "ppt/presentation.xml": "application/vnd.openxmlformats-officedocument."
                                        "presentationml.presentation"}
# every package type :func:`sniff_zip` can name besides Word and OpenDocument text
PACKAGE_TYPES = tuple(_OOXML_TYPES.values()) + (
    "application/vnd.oasis.opendocument.spreadsheet",
    "application/vnd.oasis.opendocument.presentation")

W = "http://schemas.openxmlformats.org/wordprocessingml/2006/main "
MC = "http://schemas.openxmlformats.org/markup-compatibility/2006 "
TEXT = "urn:oasis:names:tc:opendocument:xmlns:text:1.0 "
OFFICE = "urn:oasis:names:tc:opendocument:xmlns:office:1.0 "
META = "urn:oasis:names:tc:opendocument:xmlns:meta:1.0 "
DC = "http://purl.org/dc/elements/1.1/ "
EXT = "http://schemas.openxmlformats.org/officeDocument/2006/extended-properties "


class _Refused(Exception):
    """Raised inside the XML handlers to stop a hostile or oversized part."""


@dataclass
class Document:
    """A document's text (NFC, paragraphs on their own lines) and facts about it."""

    text: str
    metadata: dict[str, Any] = field(default_factory=dict)


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
                declared = _read_part(package, "mimetype", path, limit=200)
                value = declared.decode("ascii", "replace").strip()
                if value.startswith("application/vnd.oasis.opendocument."):
                    return value
            if "[Content_Types].xml" in names:
                for part, media_type in _OOXML_TYPES.items():
                    if part in names:
                        return media_type
    except (zipfile.BadZipFile, ProcessingError, OSError, EOFError, zlib.error,
            NotImplementedError, RuntimeError, ValueError):
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
    return [probe, run_step("text", "kho documents", tool_version,
                            lambda: _text(workdir, state))]


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
    return Document(text=text, metadata=dict(facts, words=len(text.split())))


def _clean(text: str) -> str:
    """NFC, spaces and line breaks as the catalogue stores text; capped in length."""
    return clean_pages([text[:MAX_TEXT_CHARS]])


def _read_package(path: Path, fmt: str,
                  reader: Callable[[zipfile.ZipFile, Path], Document]) -> Document:
    word = {"docx": "a Word document", "odt": "an OpenDocument text"}[fmt]
    if not zipfile.is_zipfile(path):
        raise ProcessingError("%(name)s is not %(what)s: it is not a ZIP package "
                              "(an old .doc, or a damaged or renamed file?)",
                              problem=UNREADABLE, name=path.name, what=word)
    try:
        with zipfile.ZipFile(path) as package:
            if len(package.infolist()) > MAX_ENTRIES:
                raise ProcessingError("%(name)s has more than %(count)s parts: refused",
                                      problem=UNREADABLE, name=path.name, count=Quantity(MAX_ENTRIES))
            document = reader(package, path)
    except (zipfile.BadZipFile, EOFError, zlib.error, NotImplementedError,
            ValueError) as exc:
        raise ProcessingError("%(name)s is damaged: its ZIP package cannot be read",
                              problem=UNREADABLE, name=path.name, detail=str(exc)) from None
    document.metadata["format"] = fmt
    return document


def _docx(package: zipfile.ZipFile, path: Path) -> Document:
    names = set(package.namelist())
    if "word/document.xml" not in names:
        raise ProcessingError("%(name)s is a ZIP archive but not a Word document "
                              "(it has no word/document.xml)", problem=UNREADABLE, name=path.name)
    parts = ["word/document.xml"] + [p for p in ("word/footnotes.xml", "word/endnotes.xml")
                                     if p in names]
    text = "\n".join(_paragraphs(package, part, path, _DocxText()) for part in parts)
    metadata: dict[str, Any] = {}
    if "docProps/core.xml" in names:
        metadata.update(_fields(package, "docProps/core.xml", path,
                                {DC + "title": "title", DC + "creator": "author"}))
    if "docProps/app.xml" in names:
        metadata.update(_counts(_fields(package, "docProps/app.xml", path,
                                        {EXT + "Pages": "pages"})))
    text = _clean(text)
    return Document(text=text, metadata=dict(metadata, words=len(text.split())))


def _odt(package: zipfile.ZipFile, path: Path) -> Document:
    names = set(package.namelist())
    declared = _read_part(package, "mimetype", path, 200).strip() if "mimetype" in names \
        else b""
    if declared != ODT_TYPE.encode() or "content.xml" not in names:
        raise ProcessingError("%(name)s is a ZIP archive but not an OpenDocument text "
                              "(no text mimetype or content.xml)", problem=UNREADABLE, name=path.name)
    text = _clean(_paragraphs(package, "content.xml", path, _OdtText()))
    metadata: dict[str, Any] = {}
    if "meta.xml" in names:
        found = _fields(package, "meta.xml", path,
                        {DC + "title": "title", DC + "creator": "author"},
                        attributes={META + "document-statistic": {META + "page-count":
                                                                  "pages"}})
        metadata.update(_counts(found))
    return Document(text=text, metadata=dict(metadata, words=len(text.split())))


def _counts(found: dict[str, str]) -> dict[str, Any]:
    """Page counts as numbers (a file's own, possibly stale, count; dropped if absurd)."""
    out: dict[str, Any] = dict(found)
    if "pages" in out:
        value = out.pop("pages")
        if value.isdigit() and 0 < int(value) < 100_000:
            out["pages"] = int(value)
    return out


# ------------------------------------------------------------------------ safe reading

def _read_part(package: zipfile.ZipFile, part: str, path: Path, limit: int) -> bytes:
    return b"".join(_chunks(package, part, path, limit))


def _chunks(package: zipfile.ZipFile, part: str, path: Path,
            limit: int | None = None) -> Iterator[bytes]:
    """The inflated bytes of ``part``, refusing past ``limit`` bytes (default
    :data:`MAX_PART_BYTES`): the header's size is checked first, then the bytes are
    counted while inflating — a zip bomb stops after ``limit`` bytes at most."""
    limit = MAX_PART_BYTES if limit is None else limit
    info = package.getinfo(part)
    if info.flag_bits & 0x1:
        raise ProcessingError("%(name)s is password-protected: save it without a "
                              "password and upload it again", problem=UNREADABLE, name=path.name)
    if info.file_size > limit:
        raise _too_big(path, part, limit)
    seen = 0
    with package.open(info) as stream:
        while chunk := stream.read(CHUNK):
            seen += len(chunk)
            if seen > limit:
                raise _too_big(path, part, limit)
            yield chunk


def _too_big(path: Path, part: str, limit: int) -> ProcessingError:
    return ProcessingError("%(name)s expands to more than %(limit)s bytes (%(part)s): "
                           "refused as a possible zip bomb", problem=UNREADABLE, name=path.name,
                           limit=Quantity(limit), part=part)


def _parse(package: zipfile.ZipFile, part: str, path: Path, start: Callable,
           end: Callable, chars: Callable) -> None:
    """Stream ``part`` through expat with the handlers given; DTDs refused."""
    parser = expat.ParserCreate(namespace_separator=" ")
    parser.SetParamEntityParsing(expat.XML_PARAM_ENTITY_PARSING_NEVER)

    def no_dtd(*_args: Any) -> None:
        raise _Refused("DTD")

    parser.StartDoctypeDeclHandler = no_dtd
    parser.EntityDeclHandler = no_dtd
    parser.ExternalEntityRefHandler = no_dtd
    parser.StartElementHandler, parser.EndElementHandler = start, end
    parser.CharacterDataHandler = chars
    parser.buffer_text = True
    try:
        for chunk in _chunks(package, part, path):
            parser.Parse(chunk, False)
        parser.Parse(b"", True)
    except _Refused:
        raise ProcessingError("%(name)s was refused: %(part)s declares a document type "
                              "(XML entities are not accepted in documents)",
                              problem=UNREADABLE, name=path.name, part=part) from None
    except expat.ExpatError as exc:
        raise ProcessingError("%(name)s is damaged: %(part)s is not well-formed XML",
                              problem=UNREADABLE, name=path.name, part=part, detail=str(exc)) from None


class _Collector:
    """Text of a document body: subclasses say what starts/ends a paragraph."""

    def __init__(self) -> None:
        self.out: list[str] = []
        self.size = 0
        self.hidden = 0           # depth inside skipped elements (comments, fallbacks)
        self.inside = 0           # depth inside elements whose character data is text

    def add(self, text: str) -> None:
        if self.hidden or self.size > MAX_TEXT_CHARS:
            return
        self.out.append(text)
        self.size += len(text)

    def chars(self, data: str) -> None:
        if self.inside:
            self.add(data)


class _DocxText(_Collector):
    TEXT_ELEMENTS = {W + "t"}
    HIDDEN = {MC + "Fallback", W + "del", W + "delText", W + "instrText"}

    def start(self, name: str, attrs: dict) -> None:
        if name in self.HIDDEN:
            self.hidden += 1
        elif name in self.TEXT_ELEMENTS:
            self.inside += 1
        elif name == W + "tab":
            self.add("\t")
        elif name in (W + "br", W + "cr"):
            self.add("\n")

    def end(self, name: str) -> None:
        if name in self.HIDDEN:
            self.hidden -= 1
        elif name in self.TEXT_ELEMENTS:
            self.inside -= 1
        elif name == W + "p":
            self.add("\n")


class _OdtText(_Collector):
    PARAGRAPHS = {TEXT + "p", TEXT + "h"}
    HIDDEN = {OFFICE + "annotation", TEXT + "note-citation", TEXT + "tracked-changes"}

    def start(self, name: str, attrs: dict) -> None:
        if name in self.HIDDEN:
            self.hidden += 1
        elif name in self.PARAGRAPHS:
            self.inside += 1
        elif name == TEXT + "s":
            count = attrs.get(TEXT + "c", "1")
            self.add(" " * min(int(count) if count.isdigit() else 1, 100))
        elif name == TEXT + "tab":
            self.add("\t")
        elif name == TEXT + "line-break":
            self.add("\n")

    def end(self, name: str) -> None:
        if name in self.HIDDEN:
            self.hidden -= 1
        elif name in self.PARAGRAPHS:
            self.inside -= 1
            self.add("\n")


def _paragraphs(package: zipfile.ZipFile, part: str, path: Path,
                collector: _Collector) -> str:
    _parse(package, part, path, collector.start, collector.end, collector.chars)
    return "".join(collector.out)


def _fields(package: zipfile.ZipFile, part: str, path: Path, elements: dict[str, str],
            attributes: dict[str, dict[str, str]] | None = None) -> dict[str, str]:
    """Short text of the named ``elements`` (and named attributes of ``attributes``'
    elements) in a metadata part, as ``{key: value}``; empty values are left out."""
    found: dict[str, str] = {}
    current: list[str] = []
    attributes = attributes or {}

    def start(name: str, attrs: dict) -> None:
        if name in elements:
            current.append(name)
            found.setdefault(elements[name], "")
        for attr, key in attributes.get(name, {}).items():
            if attr in attrs:
                found[key] = attrs[attr]

    def end(name: str) -> None:
        if current and current[-1] == name:
            current.pop()

    def chars(data: str) -> None:
        if current and len(found[elements[current[-1]]]) < 1000:
            found[elements[current[-1]]] += data

    _parse(package, part, path, start, end, chars)
    return {key: normalize_text(" ".join(value.split()))
            for key, value in found.items() if value.strip()}
