"""Finding the files a bulk ingest names and planning its rows. Pure data: no database.

File cells name files (``;`` or ``|`` between them) relative to the manifest's folder
(or a folder given) or absolute; they are matched to the files found under the folders
given by NFC-normalised path, so an NFD name written by macOS matches an NFC cell; a
path leaving those folders (``../../etc/passwd``) is refused. :func:`plan_batch` puts it
together: rows with their files (or why not), and the files no row names.
"""
from __future__ import annotations

import os
import re
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterable, Iterator, Optional

from archive.errors import Message
from archive.text import normalize_text
from ingest.legacy_tables import NAMES as LEGACY_NAMES
from ingest.manifest import Manifest, ManifestError, ManifestRow, read_manifest

def title_from_filename(name: str) -> str:
    """A product title from a file name: NFC, extension dropped, ``_``/``-`` as spaces."""
    stem = normalize_text(name)
    stem = stem.rsplit(".", 1)[0] if "." in stem.lstrip(".") else stem
    return re.sub(r"\s+", " ", re.sub(r"[_\-]+", " ", stem)).strip()


# --- finding the files --------------------------------------------------------------

def path_key(path: os.PathLike | str) -> str:
    """Comparable form of a path: absolute, normalised, NFC."""
    return unicodedata.normalize("NFC", os.path.normpath(os.path.abspath(os.fspath(path))))


class FileProblem(Exception):
    """A file cell that names no usable file; ``message`` (a Message) says which and why."""

    def __init__(self, template: str, cell: str) -> None:
        self.message = Message(template, cell=cell)
        super().__init__(str(self.message))


@dataclass
class FoundFiles:
    """Files found under the folders given, keyed by :func:`path_key`."""

    roots: list[Path]
    files: list[Path]
    by_key: dict[str, Path] = field(default_factory=dict)
    by_casefold: dict[str, list[Path]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        for f in self.files:
            self.by_key[path_key(f)] = f
            self.by_casefold.setdefault(path_key(f).casefold(), []).append(f)

    def under_roots(self, key: str, *, real: bool = False) -> bool:
        """Whether ``key`` lies in a folder given (``real``: symlinks resolved)."""
        roots = [os.path.realpath(r) if real else r for r in self.roots]
        return any(_within(key, path_key(root)) for root in roots)

    def display(self, path: Path, base: Optional[Path] = None) -> str:
        """The path as shown in reports: relative to ``base`` or a root, NFC."""
        key = path_key(path)
        for folder in ([base] if base else []) + self.roots:
            folder_key = path_key(folder)
            if key != folder_key and _within(key, folder_key):
                return os.path.relpath(key, folder_key)
        return key


def _within(key: str, folder_key: str) -> bool:
    return key == folder_key or key.startswith(folder_key.rstrip(os.sep) + os.sep)


def find_files(paths: Iterable[Path], *, exclude: Iterable[Path] = ()) -> FoundFiles:
    """Walk ``paths`` (files or folders, recursively), skipping hidden names and
    ``*.qc.csv`` reports; ``exclude`` lists files and folders to leave out (the
    manifest, Kho's own instance folder)."""
    skipped = [path_key(p) for p in exclude]
    roots = [Path(os.path.abspath(p)) for p in paths]
    found: list[Path] = []
    for root in roots:
        for f in _walk(root):
            key = path_key(f)
            if not any(_within(key, s) for s in skipped) \
                    and not f.name.lower().endswith(".qc.csv"):
                found.append(f)
    unique = list({path_key(f): f for f in found}.values())
    return FoundFiles(roots, unique)


def _walk(root: Path) -> Iterator[Path]:
    if root.is_file():
        yield root
        return
    for folder, dirs, names in os.walk(root):
        dirs[:] = sorted(d for d in dirs if not d.startswith("."))
        for name in sorted(names):
            if not name.startswith("."):
                yield Path(folder) / name


def locate(cell: str, base: Path, found: FoundFiles) -> Path:
    """The file a manifest cell names. Raises FileProblem (outside the folders given,
    not found, ambiguous). Tried relative to ``base`` (the manifest's folder), then to
    each folder given; Windows ``\\`` separators are accepted."""
    written = cell.replace("\\", "/") if os.sep == "/" else cell
    bases = [Path(written)] if os.path.isabs(written) else \
        [base / written] + [r / written for r in found.roots if r.is_dir()]
    inside = [path_key(b) for b in bases if found.under_roots(path_key(b))]
    if not inside:
        raise FileProblem("file '%(cell)s' is outside the folders given; refused", cell)
    for key in inside:
        same_case = found.by_casefold.get(key.casefold(), [])
        match = found.by_key.get(key) or (same_case[0] if len(same_case) == 1 else None)
        if match is None and len(same_case) > 1:
            raise FileProblem("file '%(cell)s' matches several files differing only in case",
                              cell)
        if match is None and os.path.isfile(key):
            match = Path(key)            # e.g. a hidden file named explicitly
        if match is not None:
            if not found.under_roots(path_key(os.path.realpath(match)), real=True):
                raise FileProblem("file '%(cell)s' links outside the folders given; refused",
                                  cell)
            return match
    raise FileProblem("file '%(cell)s' not found under the folders given", cell)


# --- planning: rows and their files ------------------------------------------------

@dataclass
class PlannedRow:
    """A product to make. ``files``: (name as shown, path or None when not found)."""

    number: Optional[int]
    key: str
    values: dict[str, Any]
    files: list[tuple[str, Optional[Path]]]
    problems: list[str] = field(default_factory=list)      # Messages
    columns: dict[str, str] = field(default_factory=dict)
    legacy: str = ""            # legacy encoding the row's text was converted from

    @property
    def label(self) -> str:
        return Message("row %(number)s", number=self.number) if self.number is not None \
            else f"'{self.files[0][0]}'"

    def column(self, name: str) -> str:
        return Message("column '%(header)s'", header=self.columns[name]) \
            if name in self.columns else name


@dataclass
class Batch:
    """What :func:`plan_batch` found: rows to run, files no row names, warnings."""

    rows: list[PlannedRow]
    unlisted: list[str]
    warnings: list[str]
    manifest: Optional[Path] = None


def plan_batch(paths: Iterable[Path], manifest_path: Optional[Path] = None, *,
               skip: Iterable[Path] = ()) -> Batch:
    """Read the manifest (ManifestError if unusable) and match its rows to the files
    found under ``paths`` (less those under ``skip``: Kho's own folders); without a
    manifest, one row per file found, titled after its name.

    A row's ``key`` (manifest path + row number, or the file's path) lets a later run
    recognise the product made for it."""
    paths, skip = [Path(p) for p in paths], list(skip)
    if manifest_path is None:
        found = find_files(paths, exclude=skip)
        rows = [PlannedRow(None, f"file {path_key(f)}",
                           {"title": title_from_filename(f.name) or normalize_text(f.name)},
                           [(found.display(f), f)]) for f in found.files]
        return Batch(rows, [], [])
    manifest = read_manifest(Path(manifest_path))
    if "files" not in manifest.columns:
        raise ManifestError("manifest %(file)s has no file column (Tệp / file)",
                            field="manifest", file=str(manifest_path))
    found = find_files(paths, exclude=[manifest.path, *skip])
    rows = [_plan_row(manifest, r, found) for r in manifest.rows]
    named = {path_key(p) for row in rows for _, p in row.files if p is not None}
    unlisted = [found.display(f, manifest.path.parent) for f in found.files
                if path_key(f) not in named]
    warnings = ([Message("unknown column(s) ignored: %(columns)s",
                         columns=", ".join(manifest.unknown_columns))]
                if manifest.unknown_columns else [])
    warnings += legacy_warnings(manifest)
    return Batch(rows, unlisted, warnings, manifest.path)


def legacy_warnings(manifest: Manifest) -> list[str]:
    """What the reader of the manifest is told about a legacy encoding, naming it."""
    if manifest.legacy:
        return [Message("%(file)s: text typed in %(encoding)s was converted to Unicode",
                        file=manifest.path.name, encoding=LEGACY_NAMES[manifest.legacy])]
    if manifest.legacy_suspected:
        return [Message("%(file)s may hold text typed in %(encoding)s; it was kept as it "
                        "is: check the titles", file=manifest.path.name,
                        encoding=LEGACY_NAMES[manifest.legacy_suspected])]
    return []


def _plan_row(manifest: Manifest, source: ManifestRow, found: FoundFiles) -> PlannedRow:
    row = PlannedRow(source.number, f"manifest {path_key(manifest.path)} row {source.number}",
                     source.values, [], columns=manifest.columns, legacy=source.legacy)
    if not source.files:
        row.problems.append(Message("%(column)s: no file given", column=row.column("files")))
    for cell in dict.fromkeys(source.files):
        try:
            path = locate(cell, manifest.path.parent, found)
            row.files.append((found.display(path, manifest.path.parent), path))
        except FileProblem as problem:
            row.files.append((cell, None))
            row.problems.append(problem.message)
    return row
