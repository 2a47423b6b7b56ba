"""The yearly report as a Word document in the layout of Nghị định 30/2020/NĐ-CP.

A4, margins 20/20/30/15 mm, Times New Roman 13 pt (title 14 pt). At the top a
borderless two-column table: the issuing body (setting ``report_issuer``; a ``|``
separates a supervising body above it) with the number line ``Số: …/BC-…`` on the
left, the Quốc hiệu and Tiêu ngữ with the place and date line on the right. Then the
title ``BÁO CÁO`` and its subject, ``Kính gửi: <report_recipient>``, section I with
the figures and tables filled in from :func:`app.services.stats.plan_progress.compute_stats`,
headed sections II–IV for the narrative the office writes itself, and the signature
block. Nothing is counted here.
"""
from __future__ import annotations

from pathlib import Path
from typing import Any, Sequence

from docx import Document
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml.ns import qn
from docx.shared import Mm, Pt

from app.services.reports import wording as words
from app.services.stats.plan_progress import GroupRow, Stats

FONT = "Times New Roman"
BODY_PT, TITLE_PT, SMALL_PT = 13, 14, 12
CENTER, JUSTIFY = WD_ALIGN_PARAGRAPH.CENTER, WD_ALIGN_PARAGRAPH.JUSTIFY


def _setup(document: Any) -> None:
    section = document.sections[0]
    section.page_width, section.page_height = Mm(210), Mm(297)
    section.top_margin, section.bottom_margin = Mm(20), Mm(20)
    section.left_margin, section.right_margin = Mm(30), Mm(15)
    style = document.styles["Normal"]
    style.font.name, style.font.size = FONT, Pt(BODY_PT)
    style.element.get_or_add_rPr().get_or_add_rFonts().set(qn("w:eastAsia"), FONT)
    style.paragraph_format.space_after = Pt(6)


def _para(container: Any, text: str = "", *, bold: bool = False, italic: bool = False,
          size: int = BODY_PT, align: Any = None, underline: bool = False) -> Any:
    paragraph = container.add_paragraph()
    if align is not None:
        paragraph.alignment = align
    if text:
        run = paragraph.add_run(text)
        run.bold, run.italic, run.underline = bold, italic, underline
        run.font.size, run.font.name = Pt(size), FONT
    return paragraph


def _cell_lines(cell: Any, lines: Sequence[tuple[str, dict]]) -> None:
    cell.paragraphs[0]._element.getparent().remove(cell.paragraphs[0]._element)
    for text, style in lines:
        paragraph = _para(cell, text, align=CENTER, **style)
        paragraph.paragraph_format.space_after = Pt(0)


def _heading_block(document: Any, issuer: str) -> None:
    """Issuing body and number (left), Quốc hiệu, Tiêu ngữ and date (right)."""
    parts = [p.strip() for p in issuer.split("|") if p.strip()] or [issuer]
    table = document.add_table(rows=1, cols=2)        # default style: no borders
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    left, right = table.rows[0].cells
    left.width, right.width = Mm(65), Mm(100)
    left_lines = [(p.upper(), {"size": SMALL_PT}) for p in parts[:-1]]
    left_lines.append((parts[-1].upper(), {"bold": True, "size": SMALL_PT}))
    left_lines += [("———", {"size": SMALL_PT}), ("Số: ......./BC-.......", {})]
    _cell_lines(left, left_lines)
    _cell_lines(right, [(words.QUOC_HIEU, {"bold": True, "size": SMALL_PT}),
                        (words.TIEU_NGU, {"bold": True, "underline": True}),
                        ("", {}),
                        (f"{words.PLACE}, ngày ... tháng ... năm ...", {"italic": True})])


def _table(document: Any, header: Sequence[str], rows: Sequence[Sequence[Any]]) -> None:
    table = document.add_table(rows=1, cols=len(header))
    table.style = "Table Grid"
    for cell, text in zip(table.rows[0].cells, header):
        cell.text = ""
        run = cell.paragraphs[0].add_run(text)
        run.bold, run.font.size = True, Pt(SMALL_PT)
    for row in rows:
        cells = table.add_row().cells
        for cell, value in zip(cells, row):
            cell.text = ""
            run = cell.paragraphs[0].add_run(_text(value))
            run.font.size = Pt(SMALL_PT)
    document.add_paragraph()


def _text(value: Any) -> str:
    if isinstance(value, float):
        return words.percent_words(value)
    if isinstance(value, int) and not isinstance(value, bool):
        return words.number_words(value)
    return str(value)


def _group_rows(rows: Sequence[GroupRow]) -> list[list[Any]]:
    return [[r.label_vi if r.code is not None else words.NOT_SET, r.total, r.digitised,
             r.digitisation_rate.value, r.combined_share.value] for r in rows]


def _figures(document: Any, stats: Stats) -> None:
    _para(document, "I. SỐ LIỆU THỰC HIỆN", bold=True)
    _para(document, f"Kỳ báo cáo: {words.period_words(stats.scope.date_from, stats.scope.date_to)}."
          f" Tổng số sản phẩm truyền thông về quyền con người: "
          f"{words.number_words(stats.total)}; đã số hóa: {words.number_words(stats.digitised)}"
          f" ({words.percent_words(stats.digitisation_rate.value)}).", align=JUSTIFY)
    _para(document, "1. Các chỉ tiêu so với mục tiêu của Kế hoạch", bold=True)
    _table(document, ("Chỉ tiêu", "Số sản phẩm", "Trên tổng số", "Tỷ lệ", "Mục tiêu",
                      "Đánh giá"), [[line.label, line.numerator, line.denominator, line.value,
                                     line.target, line.verdict]
                                    for line in words.indicator_lines(stats)])
    for label, definition in words.INDICATORS.values():
        paragraph = _para(document, align=JUSTIFY)
        paragraph.add_run(f"{label}: ").italic = True
        paragraph.add_run(definition)
    _para(document, "2. Theo đơn vị chủ trì", bold=True)
    head = ("", "Tổng số", "Đã số hóa", "Tỷ lệ số hóa", "Tỷ lệ chung")
    _table(document, ("Đơn vị",) + head[1:], _group_rows(stats.by_unit))
    _para(document, "3. Theo xã: sản phẩm, lượt phát sóng, lượt tải", bold=True)
    aired = {r.code: r.count for r in stats.broadcasts_by_commune}
    fetched = {r.code: r.count for r in stats.downloads_by_commune}
    named = {r.code: r.label_vi for r in stats.broadcasts_by_commune + stats.downloads_by_commune}
    products = {r.code: r.total for r in stats.by_commune}
    named.update({r.code: r.label_vi for r in stats.by_commune})
    _table(document, ("Xã", "Sản phẩm", "Lượt phát sóng", "Lượt tải"),
           [[named[c] if c is not None else words.NO_COMMUNE, products.get(c, 0),
             aired.get(c, 0), fetched.get(c, 0)] for c in named])
    _para(document, "4. Lượt phát sóng theo tháng", bold=True)
    _table(document, ("Tháng", "Lượt phát sóng"),
           [[f"{r.month:02d}/{r.year}", r.count] for r in stats.broadcasts_by_month])


def _signature(document: Any, issuer: str) -> None:
    signer = "TRƯỞNG PHÒNG" if issuer.split("|")[-1].strip().lower().startswith("phòng") \
        else "THỦ TRƯỞNG CƠ QUAN"
    table = document.add_table(rows=1, cols=2)
    left, right = table.rows[0].cells
    _cell_lines(left, [("Nơi nhận:", {"bold": True, "italic": True, "size": SMALL_PT}),
                       ("- Như trên;", {"size": 11}), ("- Lưu: VT.", {"size": 11})])
    for paragraph in left.paragraphs:
        paragraph.alignment = WD_ALIGN_PARAGRAPH.LEFT
    _cell_lines(right, [(signer, {"bold": True}), ("(Ký, ghi rõ họ tên, đóng dấu)",
                                                   {"italic": True})])


def write_document(stats: Stats, issuer: str, recipient: str, year: int,
                   target: Path) -> None:
    """Write the report for ``stats`` to ``target`` (the caller makes that atomic)."""
    document = Document()
    _setup(document)
    _heading_block(document, issuer)
    _para(document, words.TITLE, bold=True, size=TITLE_PT, align=CENTER) \
        .paragraph_format.space_before = Pt(12)
    _para(document, words.SUBJECT.format(year=year), bold=True, size=TITLE_PT, align=CENTER)
    _para(document, "———", align=CENTER)
    _para(document, f"Kính gửi: {recipient}.", align=CENTER)
    _figures(document, stats)
    for number, (heading, hint) in zip(("II", "III", "IV"), words.NARRATIVE):
        _para(document, f"{number}. {heading.upper()}", bold=True)
        _para(document, hint, italic=True, align=JUSTIFY)
    _signature(document, issuer)
    document.save(str(target))
