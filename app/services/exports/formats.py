"""Writing native records as JSON Lines and as CSV that opens correctly in Excel.

JSONL: one native record (``app.services.records.native``) per line, UTF-8 without BOM,
``\\n`` line ends, keys as the native format names them, dates ISO 8601 (datestamps in
UTC with ``Z``).

CSV (RFC 4180 with Excel's expectations):

* UTF-8 **with BOM** (Excel otherwise reads Vietnamese as Windows-1252 mojibake),
  comma separated, every cell quoted when needed, CRLF line ends;
* lists (languages, themes, communes, files …) are joined with ``;`` in one cell;
* dates as ``dd/mm/yyyy`` (``--dates vn``, the default; datestamps as
  ``dd/mm/yyyy HH:MM:SS`` in the configured time zone) or ISO 8601 (``--dates iso``;
  datestamps in UTC);
* a cell that starts with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return
  (or their full-width forms) is prefixed with ``'`` so Excel and LibreOffice show it as
  text instead of running it as a formula (CSV/formula injection, OWASP).
"""
from __future__ import annotations

import csv
import io
from datetime import date, datetime, timezone, tzinfo
from typing import Any, Callable, Iterable, Optional

import msgspec

from app.services.common.spreadsheet_cells import FORMULA_STARTS, neutralise  # noqa: F401
from archive.errors import ValidationError

BOM = "\ufeff"
LIST_SEPARATOR = ";"
DATE_STYLES = ("vn", "iso")


def _json_default(value: Any) -> Any:
    if isinstance(value, datetime):
        return iso_datetime(value)
    if isinstance(value, date):
        return value.isoformat()
    raise TypeError(f"{type(value).__name__} is not JSON serialisable")


# msgspec writes the same bytes as json.dumps(ensure_ascii=False, separators=(",", ":"))
# for records (str, int, bool, None, lists, dicts), about 4 times faster: with the
# standard library, encoding took a third of an export's time (benchmarks/export_bench.py).
_ENCODER = msgspec.json.Encoder(enc_hook=_json_default)


def jsonl_line(record: dict[str, Any]) -> bytes:
    """One JSON Lines line (UTF-8, letters as they are, ends with ``\\n``) for ``record``."""
    return _ENCODER.encode(record) + b"\n"


def iso_datetime(value: datetime) -> str:
    """UTC, second precision, ``Z`` suffix (OAI-PMH's datestamp form)."""
    if value.tzinfo is None:
        value = value.replace(tzinfo=timezone.utc)
    return value.astimezone(timezone.utc).replace(microsecond=0).strftime("%Y-%m-%dT%H:%M:%SZ")


class CellFormat:
    """Turns a record value into CSV cell text under a date style and time zone."""

    def __init__(self, dates: str, zone: tzinfo) -> None:
        self.dates = dates
        self.zone = zone

    def text(self, value: Any) -> str:
        if value is None:
            return ""
        if isinstance(value, bool):
            return "true" if value else "false"
        if isinstance(value, datetime):
            if self.dates == "iso":
                return iso_datetime(value)
            aware = value if value.tzinfo else value.replace(tzinfo=timezone.utc)
            return aware.astimezone(self.zone).strftime("%d/%m/%Y %H:%M:%S")
        if isinstance(value, date):
            return value.isoformat() if self.dates == "iso" else value.strftime("%d/%m/%Y")
        if isinstance(value, (list, tuple)):
            return LIST_SEPARATOR.join(self.text(v) for v in value)
        return str(value)

    def cell(self, value: Any) -> str:
        return neutralise(self.text(value))


class CsvWriter:
    """Writes rows to a binary stream as UTF-8 CSV with BOM (see the module text)."""

    def __init__(self, out: Callable[[bytes], Any], header: Iterable[str]) -> None:
        self._out = out
        self._buffer = io.StringIO()
        self._csv = csv.writer(self._buffer, lineterminator="\r\n")
        self._out(BOM.encode("utf-8"))
        self.row(header)

    def row(self, cells: Iterable[str]) -> None:
        self._csv.writerow(cells)
        self._out(self._buffer.getvalue().encode("utf-8"))
        self._buffer.seek(0)
        self._buffer.truncate()


def parse_dates_option(value: Optional[str]) -> str:
    """``vn`` (default) or ``iso``; anything else is a ValidationError naming --dates."""
    style = (value or "vn").strip().lower()
    if style not in DATE_STYLES:
        raise ValidationError("unknown date style %(value)s: use vn (dd/mm/yyyy) or iso",
                              field="dates", value=value)
    return style
