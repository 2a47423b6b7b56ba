"""The yearly report as an Excel workbook (openpyxl, write-only: bounded memory).

Sheets, all in Vietnamese: ``Tổng hợp`` (indicators against the targets, with their
definitions), ``Theo đơn vị`` and ``Theo xã`` (the indicators per lead unit and per
commune, with broadcasts and downloads per commune), ``Phân loại`` (kind, language,
channel, theme, plan task), ``Danh sách sản phẩm`` (one row per product, streamed from
the database) and ``Phát sóng theo tháng`` (broadcasts per commune and month).

Numbers are number cells and shares are percent cells (``0.0%``), never text; every
sheet has a frozen header row, widths that fit Vietnamese text and an autofilter.
Figures come from :func:`app.services.stats.plan_progress.compute_stats`; nothing is counted here.
"""
from __future__ import annotations

from pathlib import Path
from typing import Any, Iterable, Optional, Sequence

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter

from app.services.reports import wording as words
from app.services.reports.product_list import ProductLine
from app.services.stats.plan_progress import EMPTY, GroupRow, Stats, Tally

PERCENT = "0.0%"
INTEGER = "#,##0"
HEADER_FONT = Font(bold=True)
HEADER_FILL = PatternFill("solid", fgColor="DDEBF7")
WRAP = Alignment(wrap_text=True, vertical="top")
MAX_WIDTH = 70             # characters; longer text wraps
PRODUCT_WIDTHS = (8, 60, 22, 24, 28, 22, 34, 34, 10, 12, 10)


class _Sheet:
    """One write-only sheet: header row frozen and filtered, widths from the rows.

    Small sheets are buffered so their widths can be measured; the product list is
    written straight through (:meth:`stream`) with fixed widths.
    """

    def __init__(self, book: Workbook, title: str, header: Sequence[str]) -> None:
        self.ws = book.create_sheet(title)
        self.header = list(header)
        self.rows: list[list[Any]] = []

    def add(self, *cells: Any) -> None:
        self.rows.append(list(cells))

    def _prepare(self, widths: Sequence[float]) -> None:
        ws = self.ws
        for index, width in enumerate(widths, start=1):
            ws.column_dimensions[get_column_letter(index)].width = width
        ws.freeze_panes = "A2"
        ws.append([self._cell(h, header=True) for h in self.header])

    def _filter(self, rows: int) -> None:
        """Autofilter over the header and ``rows`` data rows (written at save time)."""
        self.ws.auto_filter.ref = f"A1:{get_column_letter(len(self.header))}{rows + 1}"

    def _cell(self, value: Any, header: bool = False) -> WriteOnlyCell:
        cell = WriteOnlyCell(self.ws, value=value.value if isinstance(value, _Fmt) else value)
        if isinstance(value, str) and value.startswith("="):
            cell.data_type = "s"        # a title "=HYPERLINK(…)" is text, never a formula
        if header:
            cell.font, cell.fill, cell.alignment = HEADER_FONT, HEADER_FILL, WRAP
        elif isinstance(value, _Fmt):
            cell.number_format = value.number_format
        elif isinstance(value, int) and not isinstance(value, bool):
            cell.number_format = INTEGER
        elif isinstance(value, str) and len(value) > MAX_WIDTH:
            cell.alignment = WRAP
        return cell

    def close(self) -> None:
        """Write the buffered rows, the widths measured on them."""
        self._prepare([_width([self.header[i]] + [r[i] for r in self.rows if i < len(r)])
                       for i in range(len(self.header))])
        for row in self.rows:
            self.ws.append([self._cell(v) for v in row])
        self._filter(len(self.rows))

    def stream(self, rows: Iterable[list[Any]], widths: Sequence[float]) -> int:
        """Write ``rows`` as they come (plain values: numbers stay number cells);
        returns how many were written."""
        self._prepare(widths)
        count = 0
        for row in rows:
            self.ws.append([self._text(v) for v in row])
            count += 1
        self._filter(count)
        return count


    def _text(self, value: Any) -> Any:
        """``value`` as written by :meth:`stream`: text that openpyxl would take for a
        formula (it starts with ``=``; producers type titles) stays text."""
        if isinstance(value, str) and value.startswith("="):
            cell = WriteOnlyCell(self.ws, value=value)
            cell.data_type = "s"
            return cell
        return value


class _Fmt:
    """A value with an explicit number format (percent cells)."""

    __slots__ = ("value", "number_format")

    def __init__(self, value: float, number_format: str = PERCENT) -> None:
        self.value, self.number_format = value, number_format


def _width(values: Iterable[Any]) -> float:
    """Characters wide enough for the longest value (Vietnamese marks are narrow,
    capitals and bold headers wide: +2), at most MAX_WIDTH."""
    longest = 0
    for value in values:
        text = f"{value.value:.1%}" if isinstance(value, _Fmt) else \
            f"{value:,}" if isinstance(value, int) else str(value if value is not None else "")
        longest = max(longest, len(text))
    return min(MAX_WIDTH, max(8, longest + 2))


def _tally_cells(row: Tally) -> list[Any]:
    return [row.total, row.digitised, _Fmt(row.digitisation_rate.value),
            _Fmt(row.ethnic_language_share.value), _Fmt(row.foreign_language_share.value),
            _Fmt(row.digital_platform_share.value), _Fmt(row.combined_share.value)]


def _summary(book: Workbook, stats: Stats) -> None:
    sheet = _Sheet(book, "Tổng hợp", ("Chỉ tiêu", "Số sản phẩm", "Trên tổng số", "Tỷ lệ",
                                      "Mục tiêu", "Đánh giá", "Cách tính"))
    sheet.add("Tổng số sản phẩm trong phạm vi", stats.total, stats.total,
              _Fmt(1.0 if stats.total else 0.0), "", "",
              words.period_words(stats.scope.date_from, stats.scope.date_to))
    for line in words.indicator_lines(stats):
        sheet.add(line.label, line.numerator, line.denominator, _Fmt(line.value), line.target,
                  line.verdict, line.definition)
    sheet.close()


def _groups(book: Workbook, title: str, first: str, rows: list[GroupRow]) -> None:
    sheet = _Sheet(book, title, (first,) + words.TALLY_COLUMNS)
    for row in rows:
        sheet.add(row.label_vi if row.code is not None else words.NOT_SET, *_tally_cells(row))
    sheet.close()


def _communes(book: Workbook, stats: Stats) -> None:
    """Products, broadcasts and downloads per commune: every commune that has any of
    them (a commune that only downloads still shows that it uses the archive)."""
    sheet = _Sheet(book, "Theo xã", ("Xã",) + words.TALLY_COLUMNS
                   + ("Lượt phát sóng", "Lượt tải"))
    tallies = {r.code: r for r in stats.by_commune}
    aired = {r.code: r for r in stats.broadcasts_by_commune}
    fetched = {r.code: r for r in stats.downloads_by_commune}
    codes = list(tallies) + [c for c in list(aired) + list(fetched) if c not in tallies]
    for code in dict.fromkeys(codes):
        named = tallies.get(code) or aired.get(code) or fetched[code]
        label = named.label_vi if code is not None else words.NO_COMMUNE
        tally = tallies.get(code, EMPTY)
        sheet.add(label, *_tally_cells(tally), aired[code].count if code in aired else 0,
                  fetched[code].count if code in fetched else 0)
    sheet.close()


def _classification(book: Workbook, stats: Stats) -> None:
    sheet = _Sheet(book, "Phân loại", ("Nhóm", "Giá trị") + words.TALLY_COLUMNS)
    for group, rows in (("Loại sản phẩm", stats.by_kind), ("Ngôn ngữ", stats.by_language),
                        ("Kênh", stats.by_channel), ("Chủ đề", stats.by_theme),
                        ("Nhiệm vụ kế hoạch", stats.by_plan_task),
                        ("Năm", None)):
        if rows is None:
            for y in stats.by_year:
                sheet.add(group, y.year, *_tally_cells(y))
            continue
        for row in rows:
            sheet.add(group, row.label_vi if row.code is not None else words.NOT_SET,
                      *_tally_cells(row))
    sheet.close()


def _months(stats: Stats) -> list[tuple[int, int]]:
    """(year, month) columns: every month of the period when it is bounded (a quiet
    month shows as 0), else the months that have broadcasts."""
    seen = {(r.year, r.month) for r in stats.broadcasts_by_commune_month}
    first, last = stats.scope.date_from, stats.scope.date_to
    if first and last and (last.year - first.year) * 12 + last.month - first.month < 36:
        span = [(first.year + (first.month - 1 + k) // 12, (first.month - 1 + k) % 12 + 1)
                for k in range((last.year - first.year) * 12 + last.month - first.month + 1)]
        return sorted(seen | set(span))
    return sorted(seen)


def _broadcast_months(book: Workbook, stats: Stats) -> None:
    months = _months(stats)
    sheet = _Sheet(book, "Phát sóng theo tháng",
                   ["Xã"] + [f"{m:02d}/{y}" for y, m in months] + ["Cộng"])
    table: dict[Optional[str], dict[tuple[int, int], int]] = {}
    labels: dict[Optional[str], str] = {}
    for r in stats.broadcasts_by_commune_month:
        table.setdefault(r.code, {})[(r.year, r.month)] = r.count
        labels[r.code] = r.label_vi
    for code, by_month in table.items():
        counts = [by_month.get(key, 0) for key in months]
        sheet.add(labels[code], *counts, sum(counts))
    sheet.close()


def _product_cells(line: ProductLine) -> list[Any]:
    return [line.id, line.title, line.kind, "; ".join(line.languages),
            "; ".join(line.channels), line.plan_task, line.lead_unit, "; ".join(line.communes),
            words.YES if line.digitised else words.NO, line.broadcasts, line.downloads]


def write_workbook(stats: Stats, lines: Iterable[ProductLine], target: Path) -> int:
    """Write the workbook for ``stats`` to ``target`` (the caller makes that atomic).

    ``lines`` is consumed once, as it streams. Returns the number of product rows.
    """
    book = Workbook(write_only=True)
    _summary(book, stats)
    _groups(book, "Theo đơn vị", "Đơn vị chủ trì", stats.by_unit)
    _communes(book, stats)
    _classification(book, stats)
    listing = _Sheet(book, "Danh sách sản phẩm", words.PRODUCT_COLUMNS)
    written = listing.stream((_product_cells(line) for line in lines), PRODUCT_WIDTHS)
    _broadcast_months(book, stats)
    book.save(str(target))
    return written
