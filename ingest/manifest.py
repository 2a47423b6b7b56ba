"""Reading bulk-ingest manifests. Pure data: no database (files: ingest.batch).

A manifest is a CSV (UTF-8, UTF-8 with BOM, a legacy Vietnamese encoding — TCVN3, VNI,
VISCII — or Windows-1258; ``,``, ``;`` or tab) or XLSX sheet, one row per product.
Headers are English or Vietnamese, matched without regard to case or diacritics; every
cell is NFC-normalised. Text typed in a legacy font (a CSV saved in TCVN3, or cells typed
in ``.VnTime``) is converted to Unicode by :mod:`ingest.legacy_text` and the manifest
says so (``legacy``). Row numbers are those a spreadsheet shows.
"""
from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any, Optional

from archive.errors import Message, ValidationError
from archive.text import fold, normalize_text
from ingest.legacy_tables import ENCODINGS
from ingest.legacy_text import decode_legacy_bytes, repair_cells

# field name (as app.services.catalogue.products expects it, plus "files") -> accepted headers,
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
    # access (issue 26): a level by code or Vietnamese label ("Nội bộ"), its audience
    # (unit codes or names and role codes, ";"-separated), the embargo date and the
    # community-protocol note; the old yes/no column still reads: yes → closed
    "access": ("access", "access level", "level", "muc do tiep can", "muc tiep can",
               "tiep can", "che do tiep can"),
    "audience": ("audience", "doi tuong", "doi tuong duoc xem", "doi tuong tiep can"),
    "embargo_until": ("embargo", "embargo until", "embargo_until", "cam cong bo den ngay",
                      "chua cong bo den ngay", "cong bo tu ngay"),
    "protocol_note": ("protocol note", "protocol", "ghi chu phong tuc", "quy uoc cong dong",
                      "phong tuc"),
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
    """One product row. ``values``: product fields (non-empty cells, plus ``title``);
    ``legacy``: the legacy encoding its text was converted from ("" for none)."""

    number: int
    values: dict[str, Any]
    files: list[str]
    legacy: str = ""


@dataclass
class Manifest:
    """A parsed manifest. ``columns``: field -> header as written in the sheet;
    ``legacy``: the legacy encoding (``tcvn3``, ``vni``, ``viscii``) its text was
    converted from, ``legacy_suspected`` the one it may hold, kept as it is."""

    path: Path
    rows: list[ManifestRow]
    columns: dict[str, str]
    unknown_columns: list[str] = field(default_factory=list)
    encoding: str = ""
    delimiter: str = ""
    legacy: str = ""
    legacy_suspected: str = ""


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
    table, repair = repair_cells(table)            # cells typed in a legacy font
    legacy = encoding if encoding in ENCODINGS else repair.encoding or ""
    manifest = _from_table(path, table)
    manifest.encoding, manifest.delimiter = encoding, delimiter
    manifest.legacy, manifest.legacy_suspected = legacy, repair.suspected or ""
    if legacy:
        for row in manifest.rows:
            if any(isinstance(v, str) and not v.isascii() for v in row.values.values()):
                row.legacy = legacy
    return manifest


def _is_zip(path: Path) -> bool:
    with open(path, "rb") as handle:
        return handle.read(4) == b"PK\x03\x04"


def decode_csv_bytes(data: bytes) -> tuple[str, str]:
    """Text and encoding name: UTF-8 with or without BOM, UTF-16 with BOM, a legacy
    Vietnamese encoding when :func:`ingest.legacy_text.decode_legacy_bytes` recognises
    one surely (``tcvn3``, ``vni``, ``viscii``: converted), else cp1258.

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
        legacy = decode_legacy_bytes(data)
        if legacy.converted:
            return legacy.text, str(legacy.encoding)
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
    # openpyxl takes ~0.6 s to import: only a manifest that is a spreadsheet pays for it
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
            unknown.append(Message("%(header)s (repeats '%(other)s')", header=str(header),
                                   other=columns[name]))
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
    return ManifestRow(number, access_values(values), files)


# account roles (archive.accounts.ROLES; ingest reads no database model)
ROLES = ("admin", "producer", "commune", "office")
# the old "sensitive" column's yes words (app.services.common.parameters.TRUE_WORDS)
_YES = frozenset({"1", "true", "yes", "on", "co", "x"})


def access_values(values: dict[str, Any]) -> dict[str, Any]:
    """A row's access cells as the services take them: ``access`` as
    ``{"level", "audience": {"units", "roles"}}`` when an audience is given (a role
    code such as ``office`` among its items is a role, anything else a unit), and the
    old ``sensitive`` column as a level (yes → ``closed``, anything else → ``public``)
    when no access column is filled."""
    values = dict(values)
    sensitive = values.pop("sensitive", None)
    if sensitive is not None and "access" not in values:
        values["access"] = "closed" if fold(str(sensitive)).strip() in _YES else "public"
    audience = values.pop("audience", None)
    if audience is not None:
        items = [normalize_text(p).strip() for p in re.split(r"[;,|\n]", str(audience))]
        items = [i for i in items if i]
        values["access"] = {"level": values.get("access") or "restricted", "audience": {
            "units": [i for i in items if i.lower() not in ROLES],
            "roles": [i.lower() for i in items if i.lower() in ROLES]}}
    return values


def split_file_cell(value: str) -> list[str]:
    """File names of one cell: ``;``, ``|`` or line breaks separate them."""
    return [p.strip() for p in _FILE_SEPARATORS.split(normalize_text(value)) if p.strip()]
