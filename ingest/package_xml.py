"""Reading the XML parts of a ZIP package (a .docx or .odt) safely, for their text.

* **Zip bombs**: no part is read past :data:`MAX_PART_BYTES` *uncompressed* — the
  header's size is checked first, then the bytes are counted while inflating.
* **XML attacks** (billion laughs, external entities): the expat parser refuses any
  document type declaration, so no entity can be declared, let alone expanded or
  fetched.
* Word: text runs (``w:t``), tabs and breaks, paragraphs on their own lines; deleted
  tracked changes, field codes and the fallback copies kept for old readers
  (``mc:Fallback``) are left out. OpenDocument: paragraphs and headings with their
  spaces (``text:s``), tabs and line breaks; comments and note citations are left out.

Every error is a ProcessingError naming the file (``%(name)s``).
"""
from __future__ import annotations

import zipfile
from pathlib import Path
from typing import Any, Callable, Iterator
from xml.parsers import expat

from archive.errors import ProcessingError, Quantity
from archive.text import normalize_text

MAX_PART_BYTES = 64 * 1024 * 1024   # uncompressed bytes read from one XML part
MAX_TEXT_CHARS = 5_000_000          # characters of text kept (about 2,000 pages)
CHUNK = 64 * 1024
UNREADABLE = "document.unreadable"  # the producer's sentence (archive.problems)
# what Python's zipfile inflates; others (deflate64, PPMd …) are refused by name first
READABLE_METHODS = frozenset({zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED, zipfile.ZIP_BZIP2,
                              zipfile.ZIP_LZMA})

W = "http://schemas.openxmlformats.org/wordprocessingml/2006/main "
MC = "http://schemas.openxmlformats.org/markup-compatibility/2006 "
TEXT = "urn:oasis:names:tc:opendocument:xmlns:text:1.0 "
OFFICE = "urn:oasis:names:tc:opendocument:xmlns:office:1.0 "
META = "urn:oasis:names:tc:opendocument:xmlns:meta:1.0 "
DC = "http://purl.org/dc/elements/1.1/ "
EXT = "http://schemas.openxmlformats.org/officeDocument/2006/extended-properties "


class _Refused(Exception):
    """Raised inside the XML handlers to stop a hostile or oversized part."""


def read_part(package: zipfile.ZipFile, part: str, path: Path, limit: int) -> bytes:
    """The whole of a small ``part`` (at most ``limit`` bytes, else refused)."""
    return b"".join(chunks(package, part, path, limit))


def chunks(package: zipfile.ZipFile, part: str, path: Path,
           limit: int | None = None) -> Iterator[bytes]:
    """The inflated bytes of ``part``, refusing past ``limit`` bytes (default
    :data:`MAX_PART_BYTES`): the header's size is checked first, then the bytes are
    counted while inflating — a zip bomb stops after ``limit`` bytes at most."""
    limit = MAX_PART_BYTES if limit is None else limit
    info = package.getinfo(part)
    if info.flag_bits & 0x1:
        raise ProcessingError("%(name)s is password-protected: save it without a "
                              "password and upload it again", problem="document.encrypted",
                              name=path.name)
    if info.compress_type not in READABLE_METHODS:
        raise ProcessingError("%(name)s stores %(part)s with a ZIP compression method Kho "
                              "cannot read (number %(method)s): save it again from the "
                              "editor and upload it", problem=UNREADABLE, name=path.name,
                              part=part, method=info.compress_type)
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
                           "refused as a possible zip bomb", problem="document.too_large",
                           name=path.name,
                           limit=Quantity(limit), part=part)


def parse(package: zipfile.ZipFile, part: str, path: Path, start: Callable,
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
        for chunk in chunks(package, part, path):
            parser.Parse(chunk, False)
        parser.Parse(b"", True)
    except _Refused:
        raise ProcessingError("%(name)s was refused: %(part)s declares a document type "
                              "(XML entities are not accepted in documents)",
                              problem=UNREADABLE, name=path.name, part=part) from None
    except expat.ExpatError as exc:
        raise ProcessingError("%(name)s is damaged: %(part)s is not well-formed XML",
                              problem=UNREADABLE, name=path.name, part=part,
                              detail=str(exc)) from None


class Collector:
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


class DocxText(Collector):
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
        elif name == W + "softHyphen":
            # Word saves U+00AD so; in a TCVN3 (.VnTime) run it is the letter ư
            # (ingest.legacy_text converts it; text cleaning drops it otherwise)
            self.add("\u00ad")

    def end(self, name: str) -> None:
        if name in self.HIDDEN:
            self.hidden -= 1
        elif name in self.TEXT_ELEMENTS:
            self.inside -= 1
        elif name == W + "p":
            self.add("\n")


class OdtText(Collector):
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


def paragraphs(package: zipfile.ZipFile, part: str, path: Path,
                collector: Collector) -> str:
    parse(package, part, path, collector.start, collector.end, collector.chars)
    return "".join(collector.out)


def fields(package: zipfile.ZipFile, part: str, path: Path, elements: dict[str, str],
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

    parse(package, part, path, start, end, chars)
    return {key: normalize_text(" ".join(value.split()))
            for key, value in found.items() if value.strip()}
