"""Reading an attendance sheet (danh sách tham dự) into checked rows. No database.

A sheet is a CSV (UTF-8, UTF-8 with BOM or Windows-1258; ``,``, ``;`` or tab, as
manifests are: :mod:`ingest.manifest`) or the first sheet of an XLSX workbook, one
participant per row under a header row (title rows above it are skipped). Headers are
matched without regard to case or diacritics: ``Họ và tên`` / ``Ho va ten``, ``Đơn vị``,
``Chức vụ``, ``Nhóm đối tượng``, ``Dân tộc``, ``Giới tính``, and optionally ``Ngày``
(the day the person attended) and the ignored ``STT`` / ``Ký tên`` / ``Ghi chú``.

Problems are :class:`Problem` lines (row as a spreadsheet shows it, the column as the
sheet spells it, an English template translated by each door). This module finds what
the sheet alone can tell (columns, empty names, bad sex values, duplicate rows, the same
person twice, legacy encodings); :mod:`app.services.activities.attendance_import` adds
what needs the catalogue (units, target groups, the activity's dates and counts).

Legacy encodings: a sheet typed in an old font (TCVN3 ``.VnTime``, VNI, VISCII — a CSV
saved in that code page, or cells typed in it) is converted to Unicode by
:mod:`ingest.legacy_text`, judged on the whole sheet, with a note naming the file. When
the sheet only *may* be in one (too few names to be sure), its cells that would convert
are problems: names feed the people register, where a garbled name would count a
person twice, so the sheet is refused rather than guessed.
"""
from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass, field
from functools import cached_property, lru_cache
from datetime import date
from pathlib import Path
from typing import Any, Optional

from app.services.activities.attendance_xlsx import read_values
from archive.errors import Message
from archive.text import fold, normalize_text
from ingest.legacy_tables import ENCODINGS, NAMES as LEGACY_NAMES
from ingest.legacy_text import repair_cells, repair_legacy_text
from ingest.manifest import cell_text, decode_csv_bytes, sniff_delimiter

COLUMNS: dict[str, tuple[str, ...]] = {
    "name": ("ho va ten", "ho ten", "ho va ten nguoi tham du", "ten", "name", "full name"),
    "unit": ("don vi", "co quan", "co quan don vi", "don vi cong tac", "noi cong tac", "unit"),
    "position": ("chuc vu", "chuc danh", "position"),
    "target_group": ("nhom doi tuong", "doi tuong", "nhom", "target group", "group"),
    "ethnic_group": ("dan toc", "ethnic group", "ethnicity"),
    "sex": ("gioi tinh", "gioi", "sex", "gender"),
    "attended_on": ("ngay", "ngay tham du", "ngay tham gia", "date"),
}
IGNORED = ("stt", "tt", "so thu tu", "no", "ky ten", "chu ky", "ghi chu", "signature", "note")
REQUIRED = ("name", "unit", "target_group")
_FIELD_OF = {alias: name for name, aliases in COLUMNS.items() for alias in aliases}
_NOISE = re.compile(r"\(.*?\)|[*:]")
_SPACES = re.compile(r"[\s_\-./]+")
HEADER_SEARCH_ROWS = 10
SEX_WORDS = {"nam": "male", "male": "male", "m": "male", "nu": "female", "female": "female",
             "f": "female"}
# the Kinh majority: every other ethnic group counts as an ethnic minority
MAJORITY = ("kinh", "viet", "nguoi kinh")
# the Vietnamese names of the columns, for problems about a column the sheet lacks
# folded text of a cell: units, groups, positions repeat down a sheet
folded = lru_cache(maxsize=65536)(fold)
COLUMN_WORDS = {"name": "Họ và tên", "unit": "Đơn vị", "position": "Chức vụ",
                "target_group": "Nhóm đối tượng", "ethnic_group": "Dân tộc",
                "sex": "Giới tính", "attended_on": "Ngày"}


@dataclass(frozen=True)
class Problem:
    """One problem of a sheet: ``row`` (None: the whole sheet), ``column`` (as written
    in the sheet, or the standard Vietnamese name), ``message`` (a Message)."""

    row: Optional[int]
    column: Optional[str]
    message: Message

    def render(self, gettext: Any) -> str:
        """One line in ``gettext``'s language: "Dòng 7, cột «Họ và tên»: …"."""
        text = self.message.render(gettext)
        if self.row is not None and self.column:
            return gettext("Row %(row)s, column %(column)s: %(problem)s") % {
                "row": self.row, "column": self.column, "problem": text}
        if self.row is not None:
            return gettext("Row %(row)s: %(problem)s") % {"row": self.row, "problem": text}
        if self.column:
            return gettext("Column %(column)s: %(problem)s") % {
                "column": self.column, "problem": text}
        return text


@dataclass
class SheetRow:
    """One participant as written (NFC text, converted from a legacy encoding when it
    was)."""

    number: int
    name: str
    unit: str
    target_group: str
    position: str = ""
    ethnic_group: str = ""
    sex: str = ""                       # "male", "female" or ""
    attended_on: Optional[date] = None

    @cached_property
    def key(self) -> tuple[str, str]:
        """(folded name, folded unit): who the row names."""
        return folded(self.name), folded(self.unit)

    @property
    def ethnic_minority(self) -> bool:
        return bool(self.ethnic_group) and folded(self.ethnic_group) not in MAJORITY


@dataclass
class Sheet:
    """The rows of a sheet and what is wrong with it (empty ``problems``: usable)."""

    rows: list[SheetRow]
    columns: dict[str, str]                 # field -> header as written
    problems: list[Problem] = field(default_factory=list)
    notes: list[Message] = field(default_factory=list)      # conversions done
    encoding: str = ""
    legacy: str = ""                    # the legacy encoding its text was converted from


def header_field(header: str) -> Optional[str]:
    """The field a header names, ``"ignored"`` for STT / signature columns, or None."""
    key = _SPACES.sub(" ", fold(_NOISE.sub(" ", normalize_text(header)))).strip()
    if key in _FIELD_OF:
        return _FIELD_OF[key]
    return "ignored" if key in IGNORED else None


def read_table(path: Path) -> tuple[list[list[Any]], str]:
    """Cell values of a CSV or the first XLSX sheet, and the encoding name."""
    data = Path(path).read_bytes()
    if data[:4] == b"PK\x03\x04":
        from openpyxl import load_workbook

        fast = read_values(Path(path))
        if fast is not None:
            return fast, "xlsx"

        book = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
        try:
            return [list(r) for r in book.worksheets[0].iter_rows(values_only=True)], "xlsx"
        finally:
            book.close()
    text, encoding = decode_csv_bytes(data)
    return list(csv.reader(io.StringIO(text, newline=""), delimiter=sniff_delimiter(text))), \
        encoding


def read_sheet(path: Path, name: str = "") -> Sheet:
    """Parse and check an attendance sheet (``name``: the file's name as its sender
    knows it, for the notes). Unreadable files give one problem line."""
    try:
        table, encoding = read_table(path)
    except Exception as exc:  # noqa: BLE001 - zip, XML, codec, OS: all mean "unreadable"
        return Sheet([], {}, [Problem(None, None, Message(
            "cannot read the sheet: %(reason)s", reason=str(exc) or type(exc).__name__))])
    sheet = parse_table(table, name or Path(path).name,
                        legacy=encoding if encoding in ENCODINGS else "")
    sheet.encoding = encoding
    return sheet


def _find_header(table: list[list[Any]]) -> int:
    for index, row in enumerate(table[:HEADER_SEARCH_ROWS]):
        if "name" in {header_field(str(c)) for c in row if c not in (None, "")}:
            return index
    return 0


def parse_table(table: list[list[Any]], filename: str = "", legacy: str = "") -> Sheet:
    """Rows and sheet-level problems of a table of cells (see the module docstring);
    ``filename`` names the sheet in notes, ``legacy`` is the encoding its bytes were
    converted from."""
    if not any(any(c not in (None, "") for c in r) for r in table):
        return Sheet([], {}, [Problem(None, None, Message("the sheet is empty"))])
    table, repair = repair_cells(table)
    legacy = legacy or repair.encoding or ""
    start = _find_header(table)
    columns: dict[str, str] = {}
    positions: dict[int, str] = {}
    problems: list[Problem] = []
    for index, raw in enumerate(table[start]):
        header = str(cell_text(raw))
        if not header:
            continue
        name = header_field(header)
        if name is None:
            problems.append(Problem(start + 1, header, Message(
                "unknown column; the columns are Họ và tên, Đơn vị, Chức vụ, Nhóm đối "
                "tượng, Dân tộc, Giới tính, Ngày")))
        elif name != "ignored" and name in columns:
            problems.append(Problem(start + 1, header, Message(
                "the column repeats %(other)s", other=columns[name])))
        elif name != "ignored":
            columns[name] = header
            positions[index] = name
    for name in REQUIRED:
        if name not in columns:
            problems.append(Problem(None, COLUMN_WORDS[name], Message("the column is missing")))
    sheet = Sheet([], columns, problems, legacy=legacy)
    if legacy:
        sheet.notes.append(Message("%(file)s: names typed in %(encoding)s, an old font, "
                                   "were converted to Unicode", file=filename or "—",
                                   encoding=LEGACY_NAMES[legacy]))
    if any(name not in columns for name in REQUIRED):
        return sheet
    seen: dict = {}
    for offset, cells in enumerate(table[start + 1:]):
        row = _row(start + offset + 2, cells, positions, columns, sheet,
                   repair.suspected, seen)
        if row is not None:
            sheet.rows.append(row)
    _duplicates(sheet)
    if not sheet.rows and not sheet.problems:
        sheet.problems.append(Problem(None, None, Message("the sheet lists nobody")))
    return sheet


def _clean(value: Any, suspected: Optional[str]) -> tuple[Any, bool]:
    """(NFC text of a cell, whether it looks typed in the ``suspected`` encoding)."""
    text = cell_text(value)
    if isinstance(text, date):
        return text.strftime("%d/%m/%Y"), False
    looks = bool(suspected) and isinstance(value, str) and \
        repair_legacy_text(value, suspected).converted
    return text, looks


def _text(value: Any, number: int, column: str, sheet: Sheet, suspected: Optional[str],
          seen: dict) -> str:
    """A cell's text; units, groups, positions repeat down a sheet, so each distinct
    value is cleaned once (``seen``)."""
    key = (type(value), value)
    if key not in seen:
        seen[key] = _clean(value, suspected)
    text, looks = seen[key]
    if looks:
        sheet.problems.append(Problem(number, column, Message(
            "%(value)s looks typed in %(encoding)s, an old font, but the sheet is too short "
            "to convert it surely; convert the sheet to Unicode (for instance with Unikey's "
            "converter) and import it again", value=text,
            encoding=LEGACY_NAMES[str(suspected)])))
    return text


def _row(number: int, cells: list[Any], positions: dict[int, str], columns: dict[str, str],
         sheet: Sheet, suspected: Optional[str], seen: dict) -> Optional[SheetRow]:
    values: dict[str, Any] = {}
    for index, name in positions.items():
        raw = cells[index] if index < len(cells) else None
        if name == "attended_on":
            values[name] = raw
            continue
        values[name] = _text(raw, number, columns[name], sheet, suspected, seen)
    if not any(v not in (None, "") for v in values.values()):
        return None                                   # a blank line
    row = SheetRow(number, values.get("name", ""), values.get("unit", ""),
                   values.get("target_group", ""), values.get("position", ""),
                   values.get("ethnic_group", ""))
    for name in REQUIRED:
        if not getattr(row, name):
            sheet.problems.append(Problem(number, columns[name], Message(
                "empty name") if name == "name" else Message("the cell is empty")))
    raw_sex = values.get("sex", "")
    if raw_sex:
        row.sex = SEX_WORDS.get(folded(raw_sex), "")
        if not row.sex:
            sheet.problems.append(Problem(number, columns["sex"], Message(
                "%(value)s is not Nam or Nữ", value=raw_sex)))
    if "attended_on" in values and values["attended_on"] not in (None, ""):
        row.attended_on = _day(values["attended_on"], number, columns["attended_on"], sheet)
    return row


def _day(raw: Any, number: int, column: str, sheet: Sheet) -> Optional[date]:
    from app.services.common.parameters import parse_date

    value = cell_text(raw)
    if isinstance(value, date):
        return value
    try:
        return parse_date(str(value))
    except ValueError:
        sheet.problems.append(Problem(number, column, Message(
            "not a date: %(value)s (use dd/mm/yyyy)", value=str(value))))
        return None


def _duplicates(sheet: Sheet) -> None:
    """A row repeated word for word, and the same person (name + unit) twice."""
    whole: dict[tuple, int] = {}
    person: dict[tuple[str, str], int] = {}
    column = sheet.columns.get("name", COLUMN_WORDS["name"])
    for row in sheet.rows:
        if not row.name:
            continue
        exact = (row.key, folded(row.position), folded(row.target_group),
                 folded(row.ethnic_group), row.sex, row.attended_on)
        if exact in whole:
            sheet.problems.append(Problem(row.number, None, Message(
                "the row repeats row %(row)s", row=whole[exact])))
        elif row.key in person:
            sheet.problems.append(Problem(row.number, column, Message(
                "%(name)s of %(unit)s is already listed in row %(row)s",
                name=row.name, unit=row.unit, row=person[row.key])))
        whole.setdefault(exact, row.number)
        person.setdefault(row.key, row.number)
