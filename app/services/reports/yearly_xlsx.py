"""The yearly report as an Excel workbook (openpyxl, write-only: bounded memory).

Sheets, all in Vietnamese: ``Tổng hợp`` (indicators against the targets, with their
definitions), ``Theo đơn vị`` and ``Theo xã`` (the indicators per lead unit and per
commune, with broadcasts and downloads per commune), ``Phân loại`` (kind, language,
channel, theme, plan task), ``Danh sách sản phẩm`` (one row per product, streamed from
the database) and ``Lượt phát sóng theo tháng`` (airings per commune and month).

Two more sheets carry sections II–IV of the document: ``Theo nhiệm vụ`` (per plan task
of the appendix: products made and aired, activities and people reached) and ``Báo cáo
đơn vị`` (each expected contributor: state, date, results, difficulties, proposals).

Numbers are number cells (``#,##0``) and shares are percent cells (``0.0%``) holding the
share rounded by the one rule of every share (:func:`app.i18n.percent_tenths`),
so the workbook reads as the document and the page; a month or year that has not come
yet reads "–". Every sheet has a frozen header row, widths that fit Vietnamese text and
an autofilter; long text wraps and its row is made tall enough for it (rows never
overlap). Printed: A4 landscape, one page wide, the header row repeated on every page,
the issuing body at the top and "Trang n / m" at the foot.
Figures come from :func:`app.services.stats.plan_progress.compute_stats`; nothing is counted here.
"""
from __future__ import annotations

from copy import copy
from pathlib import Path
from typing import Any, Iterable, Optional, Sequence
from weakref import WeakKeyDictionary

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter

from app.i18n import percent_tenths
from app.services.reports import wording as words
from app.services.reports.consolidation import Consolidation
from app.services.reports.letterhead import Letterhead
from app.services.activities.people_view import ReportSheets
from app.services.reports.activity_sheets import write_activity_sheets
from app.services.reports.product_list import ProductLine
from app.services.stats.plan_progress import EMPTY, GroupRow, Stats, Tally

PERCENT = "0.0%"
INTEGER = "#,##0"
HEADER_FONT = Font(bold=True)
HEADER_FILL = PatternFill("solid", fgColor="DDEBF7")
WRAP = Alignment(wrap_text=True, vertical="top")
TOP = Alignment(vertical="top")    # a row taller for wrapped text reads from its top
YEAR = "0"                          # a year is a number without a thousands separator
MAX_WIDTH = 70             # characters; longer text wraps
PRODUCT_WIDTHS = (8, 46, 16, 18, 20, 18, 26, 26, 10, 16, 9)
TYPED = (1, 2, 3, 4, 5, 6, 7)     # the product list's text columns (title, labels, names)
LINE_HEIGHT = 15.0         # points per line of wrapped 11 pt text
STATES = {"missing": "Chưa gửi báo cáo", "draft": "Đang soạn, chưa gửi báo cáo",
          "submitted": "Đã gửi", "returned": "Bị trả lại, chưa gửi lại",
          "accepted": "Đã tiếp nhận"}


class _Sheet:
    """One write-only sheet: header row frozen and filtered, widths from the rows.

    Small sheets are buffered so their widths can be measured; the product list is
    written straight through (:meth:`stream`) with fixed widths.
    """

    def __init__(self, book: Workbook, title: str, header: Sequence[str],
                 head: Optional[Letterhead] = None) -> None:
        self.ws = book.create_sheet(title)
        self.header = list(header)
        self.rows: list[list[Any]] = []
        self.widths: list[float] = []
        # the style of each kind of cell, set once per workbook (assigning a font or an
        # alignment hashes it to find its index: a third of the small sheets' cost)
        self.styles: dict[Any, Any] = _STYLES.setdefault(book, {})
        _print_setup(self.ws, head)

    def add(self, *cells: Any) -> None:
        self.rows.append(list(cells))

    def _prepare(self, widths: Sequence[float]) -> None:
        ws = self.ws
        self.widths = list(widths)
        for index, width in enumerate(widths, start=1):
            ws.column_dimensions[get_column_letter(index)].width = width
        ws.freeze_panes = "A2"
        self._height(1, self.header)
        ws.append([self._cell(h, header=True) for h in self.header])

    def _height(self, row: int, values: Sequence[Any]) -> None:
        """Make row ``row`` tall enough for its wrapped text (Excel and LibreOffice keep
        a written height; without one a wrapped cell may spill over its neighbours)."""
        lines = 1
        for value, width in zip(values, self.widths):
            if isinstance(value, str) and len(value) > width - 2:
                lines = max(lines, _lines(value, width))
        if lines > 1:
            self.ws.row_dimensions[row].height = lines * LINE_HEIGHT

    def _filter(self, rows: int) -> None:
        """Autofilter over the header and ``rows`` data rows (written at save time)."""
        self.ws.auto_filter.ref = f"A1:{get_column_letter(len(self.header))}{rows + 1}"

    def _cell(self, value: Any, header: bool = False) -> WriteOnlyCell:
        cell = WriteOnlyCell(self.ws, value=value.value if isinstance(value, _Fmt) else value)
        if isinstance(value, str) and value.startswith("="):
            cell.data_type = "s"        # a title "=HYPERLINK(…)" is text, never a formula
        if header:
            key: Any = "header"
        elif isinstance(value, _Fmt):
            key = value.number_format
        elif isinstance(value, int) and not isinstance(value, bool):
            key = INTEGER
        elif isinstance(value, str) and (len(value) > MAX_WIDTH or "\n" in value):
            key = "wrap"
        elif isinstance(value, str) and value == words.DASH:
            key = "dash"
        else:
            key = "top"
        style = self.styles.get(key)
        if style is None:       # the first cell of its kind in the workbook
            (_STYLE_OF.get(key) or _styled(alignment=TOP, number_format=key))(cell)
            self.styles[key] = copy(cell._style)
        else:                   # the same style indices, without hashing the styles
            cell._style = copy(style)
        return cell

    def close(self) -> None:
        """Write the buffered rows, the widths measured on them."""
        self._prepare([_width([self.header[i]] + [r[i] for r in self.rows if i < len(r)])
                       for i in range(len(self.header))])
        for number, row in enumerate(self.rows, start=2):
            self._height(number, [v.value if isinstance(v, _Fmt) else v for v in row])
            self.ws.append([self._cell(v) for v in row])
        self._filter(len(self.rows))

    def stream(self, rows: Iterable[list[Any]], widths: Sequence[float]) -> int:
        """Write ``rows`` as they come (plain values: numbers stay number cells; text
        that could be read as a formula already wrapped by :meth:`text`); returns how
        many were written."""
        self._prepare(widths)
        count = 0
        append = self.ws.append
        for row in rows:
            append(row)
            count += 1
        self._filter(count)
        return count


    def text(self, value: Any) -> Any:
        """``value`` for :meth:`stream`: text that openpyxl would take for a formula (it
        starts with ``=``; producers type titles) becomes a text cell."""
        if isinstance(value, str) and value.startswith("="):
            cell = WriteOnlyCell(self.ws, value=value)
            cell.data_type = "s"
            return cell
        return value


def _styled(font: Any = None, fill: Any = None, alignment: Any = None,
            number_format: Optional[str] = None) -> Any:
    def apply(cell: WriteOnlyCell) -> None:
        if font is not None:
            cell.font, cell.fill = font, fill
        if number_format is not None:
            cell.number_format = number_format
        cell.alignment = alignment
    return apply


_STYLE_OF = {"header": _styled(HEADER_FONT, HEADER_FILL, WRAP),
             PERCENT: _styled(alignment=TOP, number_format=PERCENT),
             YEAR: _styled(alignment=TOP, number_format=YEAR),
             INTEGER: _styled(alignment=TOP, number_format=INTEGER),
             "wrap": _styled(alignment=WRAP),
             "dash": _styled(alignment=Alignment(horizontal="right", vertical="top")),
             "top": _styled(alignment=TOP)}
_STYLES: "WeakKeyDictionary[Workbook, dict[Any, Any]]" = WeakKeyDictionary()


class _Fmt:
    """A value with an explicit number format (percent cells)."""

    __slots__ = ("value", "number_format")

    def __init__(self, value: float, number_format: str = PERCENT) -> None:
        self.value, self.number_format = value, number_format


def _print_setup(ws: Any, head: Optional[Letterhead]) -> None:
    """A4 landscape, one page wide (as many pages tall as needed), the header row
    repeated on every printed page, the issuing body at the top, page n of m below."""
    ws.page_setup.orientation = "landscape"
    ws.page_setup.paperSize = "9"        # A4
    ws.page_setup.fitToWidth, ws.page_setup.fitToHeight = 1, 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    ws.print_title_rows = "1:1"
    ws.page_margins.left = ws.page_margins.right = 0.5
    ws.page_margins.top = ws.page_margins.bottom = 0.75
    ws.page_margins.header = ws.page_margins.footer = 0.3
    if head is not None:
        ws.oddHeader.left.text = head.issuer
        ws.oddHeader.right.text = ws.title
    ws.oddFooter.center.text = "Trang &P / &N"


def _lines(text: str, width: float) -> int:
    """Lines ``text`` takes wrapped in a column ``width`` characters wide."""
    usable = max(1, int(width) - 2)
    return sum(max(1, -(-len(part) // usable)) for part in text.split("\n"))


def _share(value: float) -> "_Fmt":
    """A percent cell holding the share rounded by the one rule (0.1 %, half to even),
    so that Excel's own rounding of the cell (half away from zero) cannot differ."""
    return _Fmt(float(percent_tenths(value)) / 100)


def _width(values: Iterable[Any]) -> float:
    """Characters wide enough for the longest value (Vietnamese marks are narrow,
    capitals and bold headers wide: +2), at most MAX_WIDTH."""
    longest = 0
    for value in values:
        text = (str(value.value) if value.number_format == YEAR else f"{value.value:.1%}") \
            if isinstance(value, _Fmt) else \
            f"{value:,}" if isinstance(value, int) else str(value if value is not None else "")
        longest = max(longest, len(text))
    return min(MAX_WIDTH, max(8, longest + 2))


def _tally_cells(row: Tally) -> list[Any]:
    return [row.total, row.digitised, _share(row.digitisation_rate.value),
            _share(row.ethnic_language_share.value), _share(row.foreign_language_share.value),
            _share(row.digital_platform_share.value), _share(row.combined_share.value)]


def _summary(book: Workbook, stats: Stats, head: Optional[Letterhead]) -> None:
    sheet = _Sheet(book, "Tổng hợp", ("Chỉ tiêu", "Số sản phẩm", "Trên tổng số", "Tỷ lệ",
                                      "Mục tiêu", "Đánh giá", "Cách tính"), head)
    sheet.add("Tổng số sản phẩm trong phạm vi", stats.total, stats.total,
              _share(1.0 if stats.total else 0.0), "", "",
              words.period_words(stats.scope.date_from, stats.scope.date_to))
    for line in words.indicator_lines(stats):
        sheet.add(line.label, line.numerator, line.denominator, _share(line.value), line.target,
                  line.verdict, line.definition)
    sheet.close()


def _groups(book: Workbook, title: str, first: str, rows: list[GroupRow],
            head: Optional[Letterhead] = None) -> None:
    sheet = _Sheet(book, title, (first,) + words.TALLY_COLUMNS, head)
    for row in rows:
        sheet.add(row.label_vi if row.code is not None else words.NOT_SET, *_tally_cells(row))
    sheet.close()


def _communes(book: Workbook, stats: Stats, head: Optional[Letterhead]) -> None:
    """Products, broadcasts and downloads per commune: every commune that has any of
    them (a commune that only downloads still shows that it uses the archive)."""
    sheet = _Sheet(book, "Theo xã", ("Xã",) + words.TALLY_COLUMNS
                   + ("Lượt phát sóng", "Lượt tải"), head)
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


def _classification(book: Workbook, stats: Stats, head: Optional[Letterhead]) -> None:
    sheet = _Sheet(book, "Phân loại", ("Nhóm", "Giá trị") + words.TALLY_COLUMNS, head)
    for group, rows in (("Loại sản phẩm", stats.by_kind), ("Ngôn ngữ", stats.by_language),
                        ("Kênh", stats.by_channel), ("Chủ đề", stats.by_theme),
                        ("Nhiệm vụ kế hoạch", stats.by_plan_task),
                        ("Năm", None)):
        if rows is None:
            for y in stats.by_year:
                future = y.year > stats.today.year
                sheet.add(group, _Fmt(y.year, YEAR),
                          *([words.DASH] * len(words.TALLY_COLUMNS) if future
                            else _tally_cells(y)))
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


def _broadcast_months(book: Workbook, stats: Stats, head: Optional[Letterhead]) -> None:
    months = _months(stats)
    sheet = _Sheet(book, "Lượt phát sóng theo tháng",
                   ["Xã"] + [f"{m:02d}/{y}" for y, m in months] + ["Cộng"], head)
    table: dict[Optional[str], dict[tuple[int, int], int]] = {}
    labels: dict[Optional[str], str] = {}
    for r in stats.broadcasts_by_commune_month:
        table.setdefault(r.code, {})[(r.year, r.month)] = r.count
        labels[r.code] = r.label_vi
    now = (stats.today.year, stats.today.month)
    for code, by_month in table.items():
        counts = [by_month.get(key, 0) for key in months]
        sheet.add(labels[code], *[words.DASH if key > now and not n else n
                                  for key, n in zip(months, counts)], sum(counts))
    sheet.close()


def _plan_tasks(book: Workbook, content: Consolidation, head: Optional[Letterhead]) -> None:
    """Section II: per plan task of the appendix."""
    header = ["Mã", "Nhiệm vụ", "Sản phẩm", "Lượt phát sóng"]
    if content.activities_known:
        header += ["Hoạt động", "Người tham dự", "Người được tập huấn"]
    sheet = _Sheet(book, "Theo nhiệm vụ", header, head)
    for line in content.plan_tasks:
        row: list[Any] = [line.code, line.label, line.products, line.aired]
        if content.activities_known:
            row += [line.activities, line.participants, line.people_trained]
        sheet.add(*row)
    sheet.close()


def _contributions(book: Workbook, content: Consolidation,
                   head: Optional[Letterhead]) -> None:
    """Sections II–IV: each expected contributor, its state and its texts."""
    sheet = _Sheet(book, "Báo cáo đơn vị", ("Đơn vị", "Tình trạng", "Ngày gửi", "Đúng hạn",
                                            "Kết quả", "Khó khăn, vướng mắc",
                                            "Đề xuất, kiến nghị", "Sản phẩm kèm theo",
                                            "Hoạt động kèm theo"), head)
    for c in content.contributions:
        sent = c.submitted_at.strftime("%d/%m/%Y") if c.submitted_at else ""
        timely = "" if c.on_time is None else words.YES if c.on_time else words.NO
        sheet.add(c.unit_name, STATES.get(c.state, c.state), sent, timely,
                  c.results or "", c.difficulties or "", c.proposals or "",
                  len(c.product_ids), len(c.activity_ids))
    sheet.close()


def _product_cells(sheet: _Sheet, line: ProductLine) -> list[Any]:
    """One product's row; nothing (not an empty text cell) where it has nothing."""
    cells = [line.id, line.title, line.kind or None, "; ".join(line.languages) or None,
             "; ".join(line.channels) or None, line.plan_task or None,
             line.lead_unit or None, "; ".join(line.communes) or None,
             words.YES if line.digitised else words.NO, line.broadcasts, line.downloads]
    for index in TYPED:                     # only typed text can look like a formula
        if cells[index] and cells[index][:1] == "=":
            cells[index] = sheet.text(cells[index])
    return cells


def write_workbook(stats: Stats, lines: Iterable[ProductLine], target: Path, *,
                   head: Optional[Letterhead] = None,
                   content: Optional[Consolidation] = None,
                   activities: Optional[ReportSheets] = None) -> int:
    """Write the workbook for ``stats`` to ``target`` (the caller makes that atomic);
    ``head`` prints the issuing body on every page, ``content`` adds the plan-task and
    contributors' sheets.

    ``lines`` is consumed once, as it streams. Returns the number of product rows.
    """
    book = Workbook(write_only=True)
    _summary(book, stats, head)
    _groups(book, "Theo đơn vị", "Đơn vị chủ trì", stats.by_unit, head)
    _communes(book, stats, head)
    _classification(book, stats, head)
    if content is not None:
        _plan_tasks(book, content, head)
        if content.contributions:
            _contributions(book, content, head)
    if activities is not None:     # "Hoạt động", "Người được tập huấn"
        write_activity_sheets(activities, lambda title, header: _Sheet(book, title, header, head),
                              _share)
    listing = _Sheet(book, "Danh sách sản phẩm", words.PRODUCT_COLUMNS, head)
    written = listing.stream((_product_cells(listing, line) for line in lines),
                             PRODUCT_WIDTHS)
    _broadcast_months(book, stats, head)
    book.save(str(target))
    return written
