"""Reading a Kho BagIt export for ``kho import``: open, recognise, verify.

:func:`open_kho_bag` refuses, with one message naming the file, anything that is not a
complete and intact Kho export, before the import writes a single row:

* not a folder, or no ``bagit.txt`` -> "is not a BagIt bag";
* a bag without ``Kho-Export-Version`` in bag-info.txt, or without Kho's metadata
  files -> "is a BagIt bag but not a Kho export";
* the ``bagit`` library's full validation (``Bag.validate()``: structure, Payload-Oxum,
  every payload and tag file against its SHA-256 manifest) fails -> the message names
  the first files that are missing, unexpected, truncated or altered. When the library
  stops at the Payload-Oxum count (a truncated file changes the byte total) without
  naming a file, the files are compared one by one to find it.
"""
from __future__ import annotations

import hashlib
import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterator

import bagit

from app.services.exports.bag_writer import EXPORT_VERSION
from archive.errors import Message, ValidationError
from archive.storage import CHUNK_BYTES

RECORDS = "data/metadata/records.jsonl"
FILES = "data/metadata/files.jsonl"
NAMED_AT_MOST = 5          # files named in one error message


@dataclass
class KhoBag:
    """A verified Kho export. ``entries`` maps payload paths to their SHA-256."""

    path: Path
    info: dict[str, str]
    entries: dict[str, str]

    @property
    def source(self) -> str:
        """The exporting repository's identifier (``Kho-Repository-Identifier``)."""
        return self.info.get("Kho-Repository-Identifier", "")

    def file(self, bag_path: str) -> Path:
        """The local file of a payload path listed in the manifest (ValidationError
        naming the path otherwise: metadata must not point outside the manifest)."""
        if bag_path not in self.entries:
            raise ValidationError("%(file)s is named in the metadata but not in the bag's "
                                  "manifest", field=bag_path, file=bag_path)
        return self.path / bag_path

    def records(self) -> Iterator[dict[str, Any]]:
        """The native records of ``records.jsonl``, one at a time."""
        yield from _jsonl(self.path / RECORDS, RECORDS)

    def files(self) -> Iterator[dict[str, Any]]:
        """The originals of ``files.jsonl``, one at a time."""
        yield from _jsonl(self.path / FILES, FILES)


def _jsonl(path: Path, name: str) -> Iterator[dict[str, Any]]:
    with open(path, encoding="utf-8") as handle:
        for number, line in enumerate(handle, start=1):
            if not line.strip():
                continue
            try:
                value = json.loads(line)
            except ValueError as exc:
                raise ValidationError("%(file)s line %(line)s is not JSON: %(reason)s",
                                      field=name, file=name, line=number,
                                      reason=str(exc)) from None
            if not isinstance(value, dict):
                raise ValidationError("%(file)s line %(line)s is not a JSON object",
                                      field=name, file=name, line=number)
            yield value


def _bag_error(path: Path, reason: object) -> ValidationError:
    return ValidationError("not a BagIt bag: %(reason)s", field=str(path), reason=reason)


def _not_kho(path: Path, reason: object) -> ValidationError:
    return ValidationError("a BagIt bag but not a Kho export (%(reason)s): kho import takes "
                           "a folder written by kho export --format bagit", field=str(path),
                           reason=reason)


def _damaged(path: Path, problems: list[Problem]) -> ValidationError:
    named = problems[:NAMED_AT_MOST]
    listed: list[object] = [p.text for p in named]
    if len(problems) > len(named):
        listed.append(Message("%(n)s more", n=len(problems) - len(named)))
    return ValidationError("the bag %(path)s is damaged, nothing was imported: %(problems)s",
                           field=named[0].file if named else str(path),
                           path=str(path), problems=listed)


def open_kho_bag(path: Path) -> KhoBag:
    """Open and fully verify the Kho export at ``path`` (reads every file once)."""
    path = Path(path)
    if not path.is_dir():
        raise _bag_error(path, Message("it is not a folder"))
    if not (path / "bagit.txt").is_file():
        raise _bag_error(path, Message("it has no bagit.txt"))
    try:
        bag = bagit.Bag(str(path))
    except bagit.BagError as exc:
        raise _bag_error(path, str(exc) or type(exc).__name__) from None
    version = bag.info.get("Kho-Export-Version")
    if version is None:
        raise _not_kho(path, Message("bag-info.txt has no Kho-Export-Version"))
    if version != EXPORT_VERSION:
        raise ValidationError("the bag was written by a Kho export of version %(version)s; "
                              "this Kho reads version %(supported)s", field=str(path),
                              version=version, supported=EXPORT_VERSION)
    _verify(bag, path)
    entries = {name.replace(os.sep, "/"): hashes.get("sha256", "")
               for name, hashes in bag.payload_entries().items()}
    for required in (RECORDS, FILES):
        if required not in entries:
            raise _not_kho(path, Message("%(file)s is missing", file=required))
    return KhoBag(path, dict(bag.info), entries)


def _verify(bag, path: Path) -> None:
    if "sha256" not in bag.algorithms:
        raise _not_kho(path, Message("it has no SHA-256 manifest"))
    try:
        bag.validate(processes=1)
    except bagit.BagValidationError as exc:
        problems = [_describe(detail) for detail in exc.details] or _diagnose(bag)
        raise _damaged(path, problems or [Problem(str(path), Message(exc.message))]) from None
    except bagit.BagError as exc:
        raise _damaged(path, [Problem(str(path), Message(str(exc)))]) from None


@dataclass(frozen=True)
class Problem:
    file: str
    text: Message


def _mismatch(name: str) -> Problem:
    return Problem(name, Message("%(file)s does not match its SHA-256 in the manifest "
                                 "(altered or truncated)", file=name))


def _missing(name: str) -> Problem:
    return Problem(name, Message("%(file)s is listed in the manifest but missing", file=name))


def _unexpected(name: str) -> Problem:
    return Problem(name, Message("%(file)s is in the bag but not in its manifest", file=name))


def _describe(detail) -> Problem:
    if isinstance(detail, bagit.ChecksumMismatch):
        return _mismatch(detail.path)
    if isinstance(detail, bagit.FileMissing):
        return _missing(detail.path)
    if isinstance(detail, bagit.UnexpectedFile):
        return _unexpected(detail.path)
    return Problem(str(getattr(detail, "path", "")), Message(str(detail)))


def _diagnose(bag) -> list[Problem]:
    """Name the files behind a failure the library reported without details."""
    only_manifest, only_disk = bag.compare_manifests_with_fs()
    problems = [_missing(p) for p in sorted(only_manifest)]
    problems += [_unexpected(p) for p in sorted(only_disk)]
    if problems:
        return problems
    for name, hashes in sorted(bag.entries.items()):
        expected = hashes.get("sha256")
        if expected and _sha256(Path(bag.path) / name) != expected.lower():
            problems.append(_mismatch(name))
    return problems


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        while chunk := handle.read(CHUNK_BYTES):
            digest.update(chunk)
    return digest.hexdigest()
