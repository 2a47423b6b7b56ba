"""The yearly report as a Word document, read back with python-docx: the layout of
Nghị định 30/2020/NĐ-CP (issuing body, Quốc hiệu, Tiêu ngữ, number and date lines,
title, recipient, sections, signature) with the figures filled in."""
from __future__ import annotations

from dataclasses import replace

import pytest
from docx import Document
from docx.shared import Pt

from tests.unit.services.reports import report_catalogue


@pytest.fixture
def document(kho, tmp_path, monkeypatch):
    from app.services.access.accounts import actor_by_name
    from app.services.reports.yearly import write_report

    monkeypatch.setattr(kho, "settings", replace(
        kho.settings, report_issuer="UBND xã Đăk Rve | Phòng Văn hóa - Xã hội",
        report_recipient="Sở Văn hóa, Thể thao và Du lịch tỉnh Quảng Ngãi"))
    catalogue = report_catalogue.build(kho)
    out = tmp_path / "bao-cao.docx"
    written = write_report(kho, actor_by_name(kho, "vanphong"), catalogue.year, out)
    assert (written.format, written.products, written.listed) == ("docx", 4, None)
    return catalogue, Document(str(out))


def _texts(doc) -> list[str]:
    return [p.text for p in doc.paragraphs]


def test_heading_block_is_a_borderless_two_column_table(document):
    _, doc = document
    head = doc.tables[0]
    left, right = (cell.text.splitlines() for cell in head.rows[0].cells)
    assert left[:2] == ["UBND XÃ ĐĂK RVE", "PHÒNG VĂN HÓA - XÃ HỘI"]
    assert left[-1].startswith("Số: ") and "/BC-" in left[-1]
    assert right[0] == "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM"
    assert right[1] == "Độc lập - Tự do - Hạnh phúc"
    assert right[-1] == "Kon Rẫy, ngày ... tháng ... năm ..."
    assert head.style is None or head.style.name != "Table Grid"       # no borders
    issuing = head.rows[0].cells[0].paragraphs[1].runs[0]
    assert issuing.bold and not head.rows[0].cells[0].paragraphs[0].runs[0].bold
    assert head.rows[0].cells[1].paragraphs[0].runs[0].bold


def test_title_recipient_sections_and_signature(document):
    catalogue, doc = document
    texts = _texts(doc)
    title = texts.index("BÁO CÁO")
    assert str(catalogue.year) in texts[title + 1]
    assert "Kính gửi: Sở Văn hóa, Thể thao và Du lịch tỉnh Quảng Ngãi." in texts
    headings = [t for t in texts if t[:3] in ("I. ", "II.", "III", "IV.")]
    assert headings == ["I. SỐ LIỆU THỰC HIỆN", "II. KẾT QUẢ", "III. KHÓ KHĂN, VƯỚNG MẮC",
                        "IV. ĐỀ XUẤT, KIẾN NGHỊ"]
    signature = doc.tables[-1].rows[0].cells
    assert signature[0].text.startswith("Nơi nhận:")
    assert "THỦ TRƯỞNG CƠ QUAN" in signature[1].text or "TRƯỞNG PHÒNG" in signature[1].text


def test_figures_are_filled_in_with_vietnamese_formats(document):
    catalogue, doc = document
    body = "\n".join(_texts(doc))
    assert f"từ ngày 01/01/{catalogue.year} đến ngày 31/12/{catalogue.year}" in body
    assert "Tổng số sản phẩm truyền thông về quyền con người: 4; đã số hóa: 2 (50,0 %)" in body
    indicators = {row.cells[0].text: [c.text for c in row.cells[1:]]
                  for row in doc.tables[1].rows[1:]}
    assert indicators["Tỷ lệ số hóa"] == ["2", "4", "50,0 %",
                                          "100 % sản phẩm được số hóa (đến năm 2028)",
                                          "Dưới mục tiêu"]
    assert indicators["Tỷ lệ chung (dân tộc thiểu số, nước ngoài, nền tảng số)"] == \
        ["2", "4", "50,0 %", "15,0 % – 20,0 %", "Vượt mục tiêu"]
    assert indicators["Tỷ lệ sản phẩm bằng tiếng nước ngoài"][:3] == ["1", "4", "25,0 %"]
    communes = {row.cells[0].text: [c.text for c in row.cells[1:]]
                for row in doc.tables[3].rows[1:]}
    rve = next(v for k, v in communes.items() if k.endswith("Đăk Rve"))
    assert rve == ["1", "2", "0"]
    koi = next(v for k, v in communes.items() if k.endswith("Đăk Kôi"))
    assert koi == ["0", "0", "1"]
    months = [[c.text for c in row.cells] for row in doc.tables[4].rows[1:]]
    assert months == [[f"03/{catalogue.year}", "2"], [f"04/{catalogue.year}", "1"]]


def test_page_and_fonts_follow_the_decree(document):
    _, doc = document
    section = doc.sections[0]
    sizes = (section.page_width, section.page_height, section.top_margin,
             section.bottom_margin, section.left_margin, section.right_margin)
    assert [round(size.mm) for size in sizes] == [210, 297, 20, 20, 30, 15]   # A4
    normal = doc.styles["Normal"].font
    assert normal.name == "Times New Roman" and normal.size == Pt(13)
    title = next(p for p in doc.paragraphs if p.text == "BÁO CÁO")
    assert title.runs[0].bold and title.runs[0].font.size == Pt(14)
