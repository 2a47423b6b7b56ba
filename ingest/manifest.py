"""Reading bulk-ingest manifests and finding the files they name. Pure data: no database.

A manifest is a CSV (UTF-8, UTF-8 with BOM or Windows-1258; ``,``, ``;`` or tab) or XLSX
sheet, one row per product. Headers are English or Vietnamese, matched without regard to
case or diacritics; every cell is NFC-normalised. Row numbers are those a spreadsheet
shows. File cells name files (``;`` or ``|`` between them) relative to the manifest's
folder (or a folder given) or absolute; they are matched to the files found under the
folders given by NFC-normalised path, so an NFD name written by macOS matches an NFC cell;
a path leaving those folders (``../../etc/passwd``) is refused. :func:`plan_batch` puts
it together: rows with their files (or why not), and the files no row names.
"""
from __future__ import annotations

import csv
import io
import os
import re
import unicodedata
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any, Iterable, Iterator, Optional

from archive.errors import ValidationError
from archive.text import fold, normalize_text

# field name (as app.services.products expects it, plus "files") -> accepted headers,
# written folded (lower case, no diacritics, single spaces).
COLUMN_ALIASES: dict[str, tuple[str, ...]] = {
    "title": ("title", "tieu de", "ten", "ten san pham", "ten tac pham"),
    "description": ("description", "mo ta", "noi dung", "tom tat"),
    "kind": ("kind", "type", "loai", "loai san pham", "the loai"),
    "languages": ("languages", "language", "ngon ngu"),
    "themes": ("themes", "theme", "chu de"),
    "conventions": ("conventions", "convention", "cong uoc"),
    "plan_task": ("plan task", "task", "nhiem vu", "nhiem vu ke hoach"),
    "lead_unit": ("lead unit", "don vi chu tri", "chu tri"),
    "cooperating_units": ("cooperating units", "cooperating unit", "don vi phoi hop",
                          "phoi hop"),
    "communes": ("communes", "commune", "xa", "xa thi tran", "dia ban"),
    "channels": ("channels", "channel", "kenh", "kenh phat hanh", "kenh truyen thong"),
    "produced_on": ("date", "produced on", "ngay", "ngay san xuat"),
    "tags": ("tags", "tag", "keywords", "tu khoa"),
    "rights_note": ("rights note", "rights", "ban quyen", "ghi chu ban quyen"),
    "sensitive": ("sensitive", "restricted", "han che", "nhay cam"),
    "files": ("files", "file", "file path", "file paths", "path", "paths", "tep", "tep tin",
              "ten tep", "duong dan", "duong dan tep"),
}
_FIELD_OF = {alias: name for name, aliases in COLUMN_ALIASES.items() for alias in aliases}
HEADER_SEARCH_ROWS = 10          # title rows above the header that we look past
SNIFF_BYTES = 64 * 1024          # characters of a CSV given to csv.Sniffer
XLSX_SUFFIXES = (".xlsx", ".xlsm")
_FILE_SEPARATORS = re.compile(r"[;|\n]")
_HEADER_NOISE = re.compile(r"\(.*?\)|[*:]")
_HEADER_SPACES = re.compile(r"[\s_\-./]+")


class ManifestError(ValidationError):
    """The manifest as a whole cannot be used (unreadable, no header): a usage error."""


@dataclass
class ManifestRow:
    """One product row. ``values``: product fields (non-empty cells, plus ``title``)."""

    number: int
    values: dict[str, Any]
    files: list[str]


@dataclass
class Manifest:
    """A parsed manifest. ``columns``: field -> header as written in the sheet."""

    path: Path
    rows: list[ManifestRow]
    columns: dict[str, str]
    unknown_columns: list[str] = field(default_factory=list)
    encoding: str = ""
    delimiter: str = ""


def header_field(header: str) -> Optional[str]:
    """The product field a header names, or None: ``"Tiêu đề (*)"`` -> ``"title"``."""
    key = _HEADER_SPACES.sub(" ", fold(_HEADER_NOISE.sub(" ", normalize_text(header)))).strip()
    if key in _FIELD_OF:
        return _FIELD_OF[key]
    numbered = _FIELD_OF.get(re.sub(r" \d+$", "", key))     # "Tệp 2": several file columns
    return numbered if numbered == "files" else None


def read_manifest(path: Path) -> Manifest:
    """Parse a CSV or XLSX manifest. Raises ManifestError naming the file and reason."""
    path = Path(path)
    try:
        if path.suffix.lower() in XLSX_SUFFIXES or _is_zip(path):
            table, encoding, delimiter = _read_xlsx(path), "xlsx", ""
        else:
            text, encoding = decode_csv_bytes(path.read_bytes())
            delimiter = sniff_delimiter(text)
            table = list(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter))
    except Exception as exc:  # noqa: BLE001 - zip, XML, codec, OS: all mean "unreadable"
        raise ManifestError("cannot read manifest %(file)s: %(reason)s", field="manifest",
                            file=str(path), reason=str(exc) or type(exc).__name__) from exc
    manifest = _from_table(path, table)
    manifest.encoding, manifest.delimiter = encoding, delimiter
    return manifest


def _is_zip(path: Path) -> bool:
    with open(path, "rb") as handle:
        return handle.read(4) == b"PK\x03\x04"


def decode_csv_bytes(data: bytes) -> tuple[str, str]:
    """Text and encoding name: UTF-8 with or without BOM, UTF-16 with BOM, else cp1258.

    Windows-1258 writes most Vietnamese letters as base letter + combining tone mark;
    cells are NFC-normalised afterwards, so both spellings end up the same.
    """
    if data.startswith(b"\xef\xbb\xbf"):
        return data[3:].decode("utf-8"), "utf-8-sig"
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return data.decode("utf-16"), "utf-16"
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        return data.decode("cp1258"), "cp1258"


def sniff_delimiter(text: str) -> str:
    """``,``, ``;`` or tab: csv.Sniffer's answer if the header line has it, else the
    one the header line holds most often (``,`` when it holds none)."""
    header = text.split("\n", 1)[0]
    try:
        found = csv.Sniffer().sniff(text[:SNIFF_BYTES], delimiters=",;\t").delimiter
        if found in header:
            return found
    except csv.Error:
        pass
    counts = {d: header.count(d) for d in (",", ";", "\t")}
    best = max(counts, key=counts.get)
    return best if counts[best] else ","


def _read_xlsx(path: Path) -> list[list[Any]]:
    """Cell values of the first sheet (openpyxl read-only: a row at a time)."""
    from openpyxl import load_workbook

    book = load_workbook(path, read_only=True, data_only=True)
    try:
        sheet = book.worksheets[0]
        return [list(row) for row in sheet.iter_rows(values_only=True)]
    finally:
        book.close()


def cell_text(value: Any) -> Any:
    """A cell as NFC text; dates stay dates; ``23482.0`` becomes ``"23482"``."""
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return normalize_text(str(value)).strip()


def _find_header(table: list[list[Any]]) -> int:
    for index, row in enumerate(table[:HEADER_SEARCH_ROWS]):
        fields = {header_field(str(c)) for c in row if c not in (None, "")}
        if fields & {"title", "files"}:
            return index
    return 0


def _from_table(path: Path, table: list[list[Any]]) -> Manifest:
    if not table:
        raise ManifestError("manifest %(file)s is empty", field="manifest", file=str(path))
    start = _find_header(table)
    columns: dict[str, str] = {}
    positions: dict[int, str] = {}
    unknown: list[str] = []
    for index, raw in enumerate(table[start]):
        header = cell_text(raw)
        if not header:
            continue
        name = header_field(str(header))
        if name is None:
            unknown.append(str(header))
        elif name in columns and name != "files":
            unknown.append(f"{header} (repeats '{columns[name]}')")
        else:
            columns.setdefault(name, str(header))
            positions[index] = name
    if "title" not in columns:
        raise ManifestError("manifest %(file)s has no title column (Tiêu đề / title); "
                            "headers found: %(found)s", field="manifest", file=str(path),
                            found=", ".join(str(c) for c in table[start] if c) or "none")
    rows = [r for r in (_row(start + i + 2, cells, positions)
                        for i, cells in enumerate(table[start + 1:])) if r is not None]
    return Manifest(path, rows, columns, unknown)


def _row(number: int, cells: list[Any], positions: dict[int, str]) -> Optional[ManifestRow]:
    """A ManifestRow, or None for a blank line."""
    values: dict[str, Any] = {}
    files: list[str] = []
    for index, name in positions.items():
        value = cell_text(cells[index]) if index < len(cells) else ""
        if value != "" and name == "files":
            files += split_file_cell(str(value))
        elif value != "":
            values[name] = value
    if not values and not files:
        return None
    values.setdefault("title", "")
    return ManifestRow(number, values, files)


def split_file_cell(value: str) -> list[str]:
    """File names of one cell: ``;``, ``|`` or line breaks separate them."""
    return [p.strip() for p in _FILE_SEPARATORS.split(normalize_text(value)) if p.strip()]


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
    """A file cell that names no usable file; the message says which and why."""


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
        raise FileProblem(f"'{cell}' is outside the folders given; refused")
    for key in inside:
        same_case = found.by_casefold.get(key.casefold(), [])
        match = found.by_key.get(key) or (same_case[0] if len(same_case) == 1 else None)
        if match is None and len(same_case) > 1:
            raise FileProblem(f"'{cell}' matches several files differing only in case")
        if match is None and os.path.isfile(key):
            match = Path(key)            # e.g. a hidden file named explicitly
        if match is not None:
            if not found.under_roots(path_key(os.path.realpath(match)), real=True):
                raise FileProblem(f"'{cell}' links outside the folders given; refused")
            return match
    raise FileProblem(f"'{cell}' not found under the folders given")


# --- planning: rows and their files ------------------------------------------------

@dataclass
class PlannedRow:
    """A product to make. ``files``: (name as shown, path or None when not found)."""

    number: Optional[int]
    key: str
    values: dict[str, Any]
    files: list[tuple[str, Optional[Path]]]
    problems: list[str] = field(default_factory=list)
    columns: dict[str, str] = field(default_factory=dict)

    @property
    def label(self) -> str:
        return f"row {self.number}" if self.number is not None else f"'{self.files[0][0]}'"

    def column(self, name: str) -> str:
        return f"column '{self.columns[name]}'" if name in self.columns else name


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
    warnings = ([f"unknown column(s) ignored: {', '.join(manifest.unknown_columns)}"]
                if manifest.unknown_columns else [])
    return Batch(rows, unlisted, warnings, manifest.path)


def _plan_row(manifest: Manifest, source: ManifestRow, found: FoundFiles) -> PlannedRow:
    row = PlannedRow(source.number, f"manifest {path_key(manifest.path)} row {source.number}",
                     source.values, [], columns=manifest.columns)
    if not source.files:
        row.problems.append(f"{row.column('files')}: no file given")
    for cell in dict.fromkeys(source.files):
        try:
            path = locate(cell, manifest.path.parent, found)
            row.files.append((found.display(path, manifest.path.parent), path))
        except FileProblem as problem:
            row.files.append((cell, None))
            row.problems.append(f"file {problem}")
    return row
