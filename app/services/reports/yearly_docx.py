"""The yearly report as a Word document in the layout of Nghị định 30/2020/NĐ-CP.

A4, margins 20/20/30/15 mm, Times New Roman 13 pt (title 14 pt). At the top a
borderless two-column table of fixed widths (60 + 105 mm: the Quốc hiệu and the Tiêu
ngữ each fit one line): on the left the supervising body, the issuing body (bold) and
the number line ``Số: …/BC-…``; on the right the Quốc hiệu, the Tiêu ngữ and the place
and date line. Then the title ``BÁO CÁO`` and its subject, ``Kính gửi: …``, and:

- I. the figures of :func:`app.services.stats.plan_progress.compute_stats` (indicators,
  per lead unit, per commune, per month, per kind, language and channel);
- II. per plan task of the appendix: products made and aired, activities held and
  people reached, then each contributor's results under its name;
- III. and IV. the contributors' difficulties and proposals, each attributed;
  a contributor that has not submitted is named "… chưa gửi báo cáo";
- the signature block: Nơi nhận, the signer's title, room to sign, the signer's name.

Who issues, where, who signs and who receives come from
:mod:`app.services.reports.letterhead`. Pages are numbered from page 2, centred at the
top (the first page carries none); table header rows repeat on every page and rows
never split across pages; a short table keeps to one page with its heading. Nothing is
counted here.
"""
from __future__ import annotations

import re
from pathlib import Path
from xml.sax.saxutils import escape
from typing import Any, Optional, Sequence

from docx import Document
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml import OxmlElement, parse_xml
from docx.oxml.ns import nsdecls, qn
from docx.shared import Mm, Pt

from app.services.reports import wording as words
from app.services.reports.consolidation import SUBMITTED, Consolidation
from app.services.reports.letterhead import Letterhead
from app.services.stats.plan_progress import GroupRow, Stats

FONT = "Times New Roman"
BODY_PT, TITLE_PT, SMALL_PT, NOTE_PT = 13, 14, 12, 11
CENTER, JUSTIFY, LEFT, RIGHT = (WD_ALIGN_PARAGRAPH.CENTER, WD_ALIGN_PARAGRAPH.JUSTIFY,
                                WD_ALIGN_PARAGRAPH.LEFT, WD_ALIGN_PARAGRAPH.RIGHT)
TEXT_WIDTH_MM = 165                 # 210 - 30 - 15
TWIPS_PER_MM = 1440 / 25.4
CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f]")   # not allowed in XML
HEADER_COLUMNS_MM = (60, 105)       # the motto and Quốc hiệu need ~95 mm on one line
KEEP_TOGETHER = 12                  # a table of at most this many rows stays on one page


def _setup(document: Any) -> None:
    section = document.sections[0]
    section.page_width, section.page_height = Mm(210), Mm(297)
    section.top_margin, section.bottom_margin = Mm(20), Mm(20)
    section.left_margin, section.right_margin = Mm(30), Mm(15)
    section.header_distance = Mm(10)
    style = document.styles["Normal"]
    style.font.name, style.font.size = FONT, Pt(BODY_PT)
    style.element.get_or_add_rPr().get_or_add_rFonts().set(qn("w:eastAsia"), FONT)
    style.paragraph_format.space_after = Pt(6)
    _page_numbers(section)


def _page_numbers(section: Any) -> None:
    """A centred PAGE field at the top of every page but the first (Nghị định 30/2020,
    Phụ lục I: page numbers from page 2, centred in the top margin)."""
    section.different_first_page_header_footer = True
    paragraph = section.header.paragraphs[0]
    paragraph.alignment = CENTER
    run = paragraph.add_run()
    run.font.size, run.font.name = Pt(SMALL_PT), FONT
    for kind, text in (("begin", None), (None, "PAGE"), ("separate", None), (None, "2"),
                       ("end", None)):
        if kind:
            element = OxmlElement("w:fldChar")
            element.set(qn("w:fldCharType"), kind)
        elif text == "PAGE":
            element = OxmlElement("w:instrText")
            element.set(qn("xml:space"), "preserve")
            element.text = " PAGE "
        else:
            element = OxmlElement("w:t")
            element.text = text
        run._r.append(element)


def _para(container: Any, text: str = "", *, bold: bool = False, italic: bool = False,
          size: int = BODY_PT, align: Any = None, underline: bool = False,
          keep: bool = False) -> Any:
    paragraph = container.add_paragraph()
    if align is not None:
        paragraph.alignment = align
    if keep:
        paragraph.paragraph_format.keep_with_next = True
    if text:
        run = paragraph.add_run(text)
        if bold or italic or underline:
            run.bold, run.italic, run.underline = bold, italic, underline
        if size != BODY_PT:                 # the Normal style: Times New Roman 13 pt
            run.font.size = Pt(size)
    return paragraph


def _heading(document: Any, text: str) -> None:
    _para(document, text, bold=True, keep=True)


def _fixed_widths(table: Any, widths_mm: Sequence[float]) -> None:
    """Fixed layout with these column widths (Word and LibreOffice read the grid)."""
    table.autofit = False
    layout = OxmlElement("w:tblLayout")
    layout.set(qn("w:type"), "fixed")
    table._tbl.tblPr.append(layout)
    for column, width in zip(table.columns, widths_mm):
        column.width = Mm(width)
    for row in table.rows:
        for cell, width in zip(row.cells, widths_mm):
            cell.width = Mm(width)


def _row_flags(row: Any, *, header: bool = False) -> None:
    """Rows never split across pages; a header row repeats on every page."""
    properties = row._tr.get_or_add_trPr()
    properties.append(OxmlElement("w:cantSplit"))
    if header:
        properties.append(OxmlElement("w:tblHeader"))


def _cell_lines(cell: Any, lines: Sequence[tuple[str, dict]], align: Any = CENTER) -> None:
    cell.paragraphs[0]._element.getparent().remove(cell.paragraphs[0]._element)
    for text, style in lines:
        paragraph = _para(cell, text, align=align, **style)
        paragraph.paragraph_format.space_after = Pt(0)


def _heading_block(document: Any, head: Letterhead) -> None:
    """Supervising and issuing body and number (left); Quốc hiệu, Tiêu ngữ and the place
    and date line (right)."""
    table = document.add_table(rows=1, cols=2)        # default style: no borders
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    _fixed_widths(table, HEADER_COLUMNS_MM)
    left, right = table.rows[0].cells
    left_lines: list[tuple[str, dict]] = []
    if head.supervisor:
        left_lines.append((head.supervisor.upper(), {"size": SMALL_PT}))
    left_lines.append((head.issuer.upper(), {"bold": True, "size": SMALL_PT}))
    left_lines += [("———", {"size": SMALL_PT}), ("Số: ......./BC-.......", {})]
    _cell_lines(left, left_lines)
    _cell_lines(right, [(words.QUOC_HIEU, {"bold": True, "size": SMALL_PT}),
                        (words.TIEU_NGU, {"bold": True, "underline": True}),
                        ("", {}),
                        (head.date_line(), {"italic": True})])


def _text(value: Any) -> str:
    if value is None:
        return words.DASH
    if isinstance(value, float):
        return words.percent_words(value)
    if isinstance(value, int) and not isinstance(value, bool):
        return words.number_words(value)
    return str(value)


def _cell_xml(text: str, width: int, *, bold: bool, align: str, keep: bool) -> str:
    """One ``w:tc`` of a bordered table: 12 pt, no space after, ``align``."""
    run = f"<w:r><w:rPr>{'<w:b/>' if bold else ''}<w:sz w:val=\"{SMALL_PT * 2}\"/>" \
          f"</w:rPr><w:t xml:space=\"preserve\">{escape(CONTROL.sub('', text))}</w:t></w:r>" \
        if text else ""
    return (f"<w:tc><w:tcPr><w:tcW w:w=\"{width}\" w:type=\"dxa\"/></w:tcPr><w:p><w:pPr>"
            f"{'<w:keepNext/>' if keep else ''}<w:spacing w:after=\"0\"/>"
            f"<w:jc w:val=\"{align}\"/></w:pPr>{run}</w:p></w:tc>")


def _table(document: Any, header: Sequence[str], rows: Sequence[Sequence[Any]],
           widths: Optional[Sequence[float]] = None) -> None:
    """A bordered table ("Table Grid") of fixed column widths: the header row repeated
    on every page, rows never split, a short table kept on one page (each row kept with
    the next), figures right-aligned. Built as one piece of WordprocessingML (python-
    docx's cell API costs ~1 ms a cell; the report has thousands)."""
    widths = widths or [TEXT_WIDTH_MM / len(header)] * len(header)
    twips = [round(w * TWIPS_PER_MM) for w in widths]
    together = len(rows) <= KEEP_TOGETHER
    parts = [f"<w:tbl {nsdecls('w')}><w:tblPr><w:tblStyle w:val=\"TableGrid\"/>"
             "<w:tblW w:w=\"0\" w:type=\"auto\"/><w:tblLayout w:type=\"fixed\"/>"
             "<w:tblLook w:val=\"04A0\" w:firstRow=\"1\" w:lastRow=\"0\" "
             "w:firstColumn=\"1\" w:lastColumn=\"0\" w:noHBand=\"0\" w:noVBand=\"1\"/>"
             "</w:tblPr><w:tblGrid>"]
    parts += [f"<w:gridCol w:w=\"{w}\"/>" for w in twips]
    parts.append("</w:tblGrid><w:tr><w:trPr><w:cantSplit/><w:tblHeader/></w:trPr>")
    parts += [_cell_xml(text, w, bold=True, align="center", keep=True)
              for text, w in zip(header, twips)]
    parts.append("</w:tr>")
    for index, row in enumerate(rows):
        keep = together and index < len(rows) - 1
        parts.append("<w:tr><w:trPr><w:cantSplit/></w:trPr>")
        parts += [_cell_xml(_text(value), w, bold=False, keep=keep,
                            align="left" if isinstance(value, str) and value != words.DASH
                            else "right") for value, w in zip(row, twips)]
        parts.append("</w:tr>")
    parts.append("</w:tbl>")
    body = document.element.body
    body.insert(len(body) - 1, parse_xml("".join(parts)))     # before the sectPr
    document.add_paragraph()


def _group_rows(rows: Sequence[GroupRow]) -> list[list[Any]]:
    return [[r.label_vi if r.code is not None else words.NOT_SET, r.total, r.digitised,
             r.digitisation_rate.value, r.combined_share.value] for r in rows]


GROUP_HEAD = ("Tổng số", "Đã số hóa", "Tỷ lệ số hóa", "Tỷ lệ chung")
GROUP_WIDTHS = (65, 22, 24, 27, 27)


def _figures(document: Any, stats: Stats) -> None:
    _heading(document, "I. SỐ LIỆU THỰC HIỆN")
    _para(document, f"Kỳ báo cáo: {words.period_words(stats.scope.date_from, stats.scope.date_to)}."
          f" Tổng số sản phẩm truyền thông về quyền con người: "
          f"{words.number_words(stats.total)}; đã số hóa: {words.number_words(stats.digitised)}"
          f" ({words.percent_words(stats.digitisation_rate.value)}).", align=JUSTIFY)
    _heading(document, "1. Các chỉ tiêu so với mục tiêu của Kế hoạch")
    _table(document, ("Chỉ tiêu", "Số sản phẩm", "Trên tổng số", "Tỷ lệ", "Mục tiêu",
                      "Đánh giá"), [[line.label, line.numerator, line.denominator, line.value,
                                     line.target, line.verdict]
                                    for line in words.indicator_lines(stats)],
           (48, 19, 19, 19, 34, 26))
    for label, definition in words.INDICATORS.values():
        paragraph = _para(document, align=JUSTIFY)
        paragraph.add_run(f"{label}: ").italic = True
        paragraph.add_run(definition)
    _heading(document, "2. Theo đơn vị chủ trì")
    _table(document, ("Đơn vị",) + GROUP_HEAD, _group_rows(stats.by_unit), GROUP_WIDTHS)
    _heading(document, "3. Theo xã: sản phẩm, lượt phát sóng, lượt tải")
    aired = {r.code: r.count for r in stats.broadcasts_by_commune}
    fetched = {r.code: r.count for r in stats.downloads_by_commune}
    named = {r.code: r.label_vi for r in stats.broadcasts_by_commune + stats.downloads_by_commune}
    products = {r.code: r.total for r in stats.by_commune}
    named.update({r.code: r.label_vi for r in stats.by_commune})
    _table(document, ("Xã", "Sản phẩm", "Lượt phát sóng", "Lượt tải"),
           [[named[c] if c is not None else words.NO_COMMUNE, products.get(c, 0),
             aired.get(c, 0), fetched.get(c, 0)] for c in named], (75, 30, 30, 30))
    _heading(document, "4. Lượt phát sóng theo tháng")
    _table(document, ("Tháng", "Lượt phát sóng"),
           [[f"{r.month:02d}/{r.year}", r.count] for r in stats.broadcasts_by_month],
           (60, 40))
    for number, (title, rows) in enumerate((("Theo loại sản phẩm", stats.by_kind),
                                            ("Theo ngôn ngữ", stats.by_language),
                                            ("Theo kênh", stats.by_channel)), start=5):
        _heading(document, f"{number}. {title}")
        _table(document, (title.split(" ", 1)[1].capitalize(),) + GROUP_HEAD,
               _group_rows(rows), GROUP_WIDTHS)


def _paragraphs(text: str) -> list[str]:
    """Plain text as paragraphs (blank lines or line breaks separate them)."""
    return [line.strip() for line in (text or "").replace("\r", "").split("\n")
            if line.strip()]


def _attributed(document: Any, name: str, text: str) -> None:
    """``name: first paragraph`` then the further paragraphs, justified."""
    for index, part in enumerate(_paragraphs(text)):
        paragraph = _para(document, align=JUSTIFY)
        if index == 0:
            paragraph.add_run(f"- {name}: ").bold = True
        paragraph.add_run(part)


def _plan_tasks(document: Any, content: Consolidation) -> None:
    _heading(document, "1. Kết quả theo nhiệm vụ của Kế hoạch (Phụ lục)")
    header: tuple[str, ...] = ("Nhiệm vụ", "Sản phẩm", "Lượt phát sóng")
    widths: tuple[float, ...] = (85, 25, 25)
    if content.activities_known:
        header += ("Hoạt động", "Người tham dự", "Người được tập huấn")
        widths = (62, 18, 20, 20, 22, 23)
    rows = []
    for line in content.plan_tasks:
        row: list[Any] = [f"{line.code}. {line.label}", line.products, line.aired]
        if content.activities_known:
            row += [line.activities, line.participants, line.people_trained]
        rows.append(row)
    _table(document, header, rows, widths)


def _results(document: Any, content: Consolidation) -> None:
    _heading(document, words.NARRATIVE_HEADINGS[0])
    _plan_tasks(document, content)
    if not content.contributions:
        _para(document, words.NARRATIVE[0][1], italic=True, align=JUSTIFY)
        return
    _heading(document, "2. Kết quả của các đơn vị, địa phương")
    for entry in content.contributions:
        if entry.state not in SUBMITTED:
            _para(document, words.not_submitted(entry.unit_name), align=JUSTIFY)
            continue
        _para(document, entry.unit_name, bold=True, italic=True, keep=True)
        linked = words.linked_words(len(entry.product_ids), len(entry.activity_ids))
        text = entry.results or words.NOTHING_WRITTEN
        for index, part in enumerate(_paragraphs(text)):
            _para(document, part + (f" {linked}" if linked and index == len(
                _paragraphs(text)) - 1 else ""), align=JUSTIFY)


def _gathered(document: Any, index: int, content: Consolidation, attribute: str) -> None:
    """Section III or IV: each submitted contributor's text under its name, then the
    contributors that have not submitted."""
    _heading(document, words.NARRATIVE_HEADINGS[index])
    said = [e for e in content.submitted() if getattr(e, attribute).strip()]
    if not content.contributions:
        _para(document, words.NARRATIVE[index][1], italic=True, align=JUSTIFY)
        return
    for entry in said:
        _attributed(document, entry.unit_name, getattr(entry, attribute))
    if content.submitted() and not said:
        _para(document, words.NONE_RAISED[attribute], align=JUSTIFY)
    missing = content.missing()
    if missing:
        _para(document, words.missing_words(e.unit_name for e in missing), italic=True,
              align=JUSTIFY)
    if index == len(words.NARRATIVE_HEADINGS) - 1:      # the signature follows it
        document.paragraphs[-1].paragraph_format.keep_with_next = True


def _signature(document: Any, head: Letterhead) -> None:
    """Nơi nhận (left); the signer's title, room to sign and seal, the name (right)."""
    table = document.add_table(rows=1, cols=2)
    _fixed_widths(table, (70, 95))
    _row_flags(table.rows[0])
    left, right = table.rows[0].cells
    recipients = [("Nơi nhận:", {"bold": True, "italic": True, "size": SMALL_PT})]
    recipients += [("- Như trên;", {"size": NOTE_PT}), ("- Lưu: VT.", {"size": NOTE_PT})]
    _cell_lines(left, recipients, align=LEFT)
    lines: list[tuple[str, dict]] = [(t, {"bold": True}) for t in head.signer_title]
    lines += [("", {})] * 4
    lines.append((head.signer_name or words.SIGNER_BLANK, {"bold": True}))
    _cell_lines(right, lines)


def write_document(stats: Stats, head: Letterhead, content: Consolidation, year: int,
                   target: Path) -> None:
    """Write the report for ``stats`` to ``target`` (the caller makes that atomic)."""
    document = Document()
    _setup(document)
    _heading_block(document, head)
    _para(document, words.TITLE, bold=True, size=TITLE_PT, align=CENTER) \
        .paragraph_format.space_before = Pt(12)
    _para(document, words.SUBJECT.format(year=year), bold=True, size=TITLE_PT, align=CENTER)
    _para(document, "———", align=CENTER)
    _para(document, f"Kính gửi: {head.recipient or words.RECIPIENT_BLANK}.", align=CENTER)
    _figures(document, stats)
    _results(document, content)
    _gathered(document, 1, content, "difficulties")
    _gathered(document, 2, content, "proposals")
    _signature(document, head)
    document.save(str(target))
