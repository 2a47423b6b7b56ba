"""The cell values of an XLSX workbook's first sheet, read straight from its XML.

openpyxl builds an object per cell even in read-only mode (2 s for a 5,000-row
attendance sheet, most of an import); the sheet needs values only, so this reads the
package's parts with expat through :mod:`ingest.package_xml` (size-capped against zip
bombs, document type declarations refused): the workbook's first sheet, the shared
strings (rich-text runs joined, phonetic guides left out) and, for numbers, whether
their style is a date. Rows keep the numbers a spreadsheet shows (empty rows are empty
lists). Anything unexpected raises; the caller then reads the file with openpyxl.
"""
from __future__ import annotations

import re
import zipfile
from datetime import date, datetime, timedelta
from pathlib import Path, PurePosixPath
from typing import Any, Optional

from ingest.package_xml import parse, read_part

MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main "
REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships "
PKG_REL = "http://schemas.openxmlformats.org/package/2006/relationships "
SMALL_PART = 8 * 1024 * 1024
DATE_FORMATS = frozenset(range(14, 23)) | {45, 46, 47}
_QUOTED = re.compile(r'"[^"]*"|\[[^\]]*\]|\\.')
EPOCH = datetime(1899, 12, 30)
_COLUMN = re.compile(r"[A-Z]+")


def _first_sheet(package: zipfile.ZipFile, path: Path) -> str:
    found: dict[str, str] = {}

    def start(name: str, attrs: dict) -> None:
        if name == MAIN + "sheet" and "rid" not in found:
            found["rid"] = attrs.get(REL + "id", "")
    parse(package, "xl/workbook.xml", path, start, lambda name: None, lambda data: None)
    targets: dict[str, str] = {}

    def rel(name: str, attrs: dict) -> None:
        if name == PKG_REL + "Relationship":
            targets[attrs.get("Id", "")] = attrs.get("Target", "")
    parse(package, "xl/_rels/workbook.xml.rels", path, rel, lambda name: None,
          lambda data: None)
    target = targets[found["rid"]]
    return target.lstrip("/") if target.startswith("/") else \
        str(PurePosixPath("xl") / target)


def _shared_strings(package: zipfile.ZipFile, path: Path) -> list[str]:
    if "xl/sharedStrings.xml" not in package.namelist():
        return []
    out: list[str] = []
    state = {"text": [], "in_t": False, "phonetic": 0}

    def start(name: str, attrs: dict) -> None:
        if name == MAIN + "si":
            state["text"] = []
        elif name == MAIN + "rPh":
            state["phonetic"] += 1
        elif name == MAIN + "t" and not state["phonetic"]:
            state["in_t"] = True

    def end(name: str) -> None:
        if name == MAIN + "si":
            out.append("".join(state["text"]))
        elif name == MAIN + "rPh":
            state["phonetic"] -= 1
        elif name == MAIN + "t":
            state["in_t"] = False

    def chars(data: str) -> None:
        if state["in_t"]:
            state["text"].append(data)
    parse(package, "xl/sharedStrings.xml", path, start, end, chars)
    return out


def _date_styles(package: zipfile.ZipFile, path: Path) -> set[int]:
    """Indexes of the cell styles whose number format is a date."""
    if "xl/styles.xml" not in package.namelist():
        return set()
    custom: dict[int, bool] = {}
    formats: list[int] = []
    depth = {"xfs": False}

    def start(name: str, attrs: dict) -> None:
        if name == MAIN + "numFmt":
            code = _QUOTED.sub("", attrs.get("formatCode", "")).lower()
            custom[int(attrs.get("numFmtId", "0"))] = any(c in code for c in "dy")
        elif name == MAIN + "cellXfs":
            depth["xfs"] = True
        elif name == MAIN + "xf" and depth["xfs"]:
            formats.append(int(attrs.get("numFmtId", "0")))

    def end(name: str) -> None:
        if name == MAIN + "cellXfs":
            depth["xfs"] = False
    parse(package, "xl/styles.xml", path, start, end, lambda data: None)
    return {i for i, f in enumerate(formats) if f in DATE_FORMATS or custom.get(f)}


def _column(ref: str) -> int:
    letters = _COLUMN.match(ref)
    number = 0
    for ch in letters.group(0) if letters else "":
        number = number * 26 + ord(ch) - 64
    return number - 1


def _number(raw: str, dated: bool) -> Any:
    value = float(raw)
    if dated:
        return (EPOCH + timedelta(days=value)).date() if value >= 1 else None
    return int(value) if value.is_integer() and abs(value) < 2 ** 53 else value


def read_first_sheet(path: Path) -> list[list[Any]]:
    """Rows of cell values (str, int, float, bool, date, None) of the first sheet."""
    path = Path(path)
    with zipfile.ZipFile(path) as package:
        read_part(package, "[Content_Types].xml", path, SMALL_PART)     # a real package
        sheet = _first_sheet(package, path)
        strings = _shared_strings(package, path)
        dates = _date_styles(package, path)
        rows: list[list[Any]] = []
        cell: dict[str, Any] = {}
        current: list[Any] = []

        def start(name: str, attrs: dict) -> None:
            if name == MAIN + "c":
                cell.clear()
                cell.update(ref=attrs.get("r", ""), t=attrs.get("t", "n"),
                            s=int(attrs.get("s", "0")), text=[], take=False)
            elif name in (MAIN + "v", MAIN + "t") and cell:
                cell["take"] = True
            elif name == MAIN + "row":
                number = int(attrs.get("r", len(rows) + 1))
                while len(rows) < number - 1:
                    rows.append([])
                current.clear()

        def end(name: str) -> None:
            if name in (MAIN + "v", MAIN + "t"):
                cell["take"] = False
            elif name == MAIN + "c":
                raw, kind = "".join(cell["text"]), cell["t"]
                value: Any
                if kind == "s":
                    value = strings[int(raw)] if raw else None
                elif kind in ("inlineStr", "str", "e"):
                    value = raw
                elif kind == "b":
                    value = raw == "1"
                elif kind == "d":
                    value = date.fromisoformat(raw[:10]) if raw else None
                else:
                    value = _number(raw, cell["s"] in dates) if raw else None
                index = _column(cell["ref"]) if cell["ref"] else len(current)
                while len(current) < index:
                    current.append(None)
                current.append(value)
                cell.clear()
            elif name == MAIN + "row":
                rows.append(list(current))

        def chars(data: str) -> None:
            if cell and cell["take"]:
                cell["text"].append(data)
        parse(package, sheet, path, start, end, chars)
        return rows


def read_values(path: Path) -> Optional[list[list[Any]]]:
    """:func:`read_first_sheet`, or None when the package is not what it expects."""
    try:
        return read_first_sheet(path)
    except Exception:  # noqa: BLE001 - any surprise: openpyxl reads it instead
        return None
