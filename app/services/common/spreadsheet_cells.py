"""Text cells that a spreadsheet opens as text, never runs as a formula.

The one rule for every CSV and XLSX Kho writes (exports, the bulk ingest QC report,
the yearly report's sheet): a cell whose text starts with ``=``, ``+``, ``-``, ``@``,
a tab or a carriage return (or their full-width forms, which Excel also reads as
formula starts) gets a leading ``'``, so Excel and LibreOffice show it as typed
instead of running it (CSV/formula injection, OWASP). Numbers, dates and empty cells
are left as they are.
"""
from __future__ import annotations

import csv
from typing import Any, Iterable, TextIO

FORMULA_STARTS = frozenset("=+-@\t\r\uff1d\uff0b\uff0d\uff20")


def neutralise(text: str) -> str:
    """``text`` safe to open in a spreadsheet: formula-looking cells get a ``'``."""
    return "'" + text if text and text[0] in FORMULA_STARTS else text


def neutral_cell(value: Any) -> Any:
    """:func:`neutralise` for text; any other value unchanged."""
    return neutralise(value) if isinstance(value, str) else value


class NeutralCsvWriter:
    """``csv.writer`` whose rows are written through :func:`neutral_cell`."""

    def __init__(self, out: TextIO, **options: Any) -> None:
        self._writer = csv.writer(out, **options)

    def writerow(self, row: Iterable[Any]) -> Any:
        return self._writer.writerow([neutral_cell(v) for v in row])

    def writerows(self, rows: Iterable[Iterable[Any]]) -> None:
        for row in rows:
            self.writerow(row)
