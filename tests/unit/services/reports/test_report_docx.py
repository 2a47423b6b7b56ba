"""The yearly report as a Word document, read back with python-docx: the layout of
Nghị định 30/2020/NĐ-CP (issuing body, Quốc hiệu, Tiêu ngữ, number and date lines,
title, recipient, sections, signature) with the figures filled in, the reporting bodies
read from the unit table on the report's date, sections II–IV written from the plan
tasks and the contributors' reports, and the print settings (page numbers from page
2, repeated header rows, rows kept whole)."""
from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timezone

import pytest
from docx import Document
from docx.oxml.ns import qn
from docx.shared import Pt

from tests.unit.services.reports import report_catalogue


def _write(kho, catalogue, out, **options):
    from app.services.access.accounts import actor_by_name
    from app.services.reports.yearly import write_report

    return write_report(kho, actor_by_name(kho, "vanphong"), catalogue.year, out, **options)


@pytest.fixture
def document(kho, tmp_path):
    catalogue = report_catalogue.build(kho)
    out = tmp_path / "bao-cao.docx"
    written = _write(kho, catalogue, out)
    assert (written.format, written.products, written.listed) == ("docx", 4, None)
    return catalogue, Document(str(out))


def _file(kho, year: int, code: str, state: str, results: str = "", difficulties: str = "",
          proposals: str = "") -> None:
    """A contribution row as the contributions service leaves it."""
    from sqlalchemy import select

    from archive.contributions import Contribution
    from archive.models import Unit

    with kho.transaction() as session:
        unit_id = session.scalar(select(Unit.id).where(Unit.code == code))
        session.add(Contribution(
            unit_id=unit_id, year=year, state=state, results=results,
            difficulties=difficulties, proposals=proposals,
            submitted_at=datetime(year, 11, 20, 3, tzinfo=timezone.utc)
            if state in ("submitted", "accepted") else None))


def _texts(doc) -> list[str]:
    return [p.text for p in doc.paragraphs]


def test_heading_block_is_a_borderless_two_column_table(document):
    catalogue, doc = document
    head = doc.tables[0]
    left, right = (cell.text.splitlines() for cell in head.rows[0].cells)
    # reported after 1/7/2025: the province's department, under the province
    assert left[:2] == ["UBND TỈNH QUẢNG NGÃI", "SỞ VĂN HÓA, THỂ THAO VÀ DU LỊCH"]
    assert left[-1].startswith("Số: ") and "/BC-" in left[-1]
    assert right[0] == "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM"
    assert right[1] == "Độc lập - Tự do - Hạnh phúc"
    assert right[-1].startswith("Quảng Ngãi, ngày ... tháng ... năm ")
    assert head.style is None or head.style.name != "Table Grid"       # no borders
    issuing = head.rows[0].cells[0].paragraphs[1].runs[0]
    assert issuing.bold and not head.rows[0].cells[0].paragraphs[0].runs[0].bold
    assert head.rows[0].cells[1].paragraphs[0].runs[0].bold
    grid = [round(col.width.mm) for col in head.columns]
    assert grid == [60, 105]                  # room for the motto on one line


def test_title_recipient_sections_and_signature(document):
    catalogue, doc = document
    texts = _texts(doc)
    title = texts.index("BÁO CÁO")
    assert str(catalogue.year) in texts[title + 1]
    assert "Kính gửi: Ủy ban nhân dân tỉnh Quảng Ngãi." in texts
    headings = [t for t in texts if t[:3] in ("I. ", "II.", "III", "IV.")]
    assert headings == ["I. SỐ LIỆU THỰC HIỆN", "II. KẾT QUẢ", "III. KHÓ KHĂN, VƯỚNG MẮC",
                        "IV. ĐỀ XUẤT, KIẾN NGHỊ"]
    signature = doc.tables[-1].rows[0].cells
    assert signature[0].text.startswith("Nơi nhận:")
    lines = signature[1].text.splitlines()
    assert lines[0] == "GIÁM ĐỐC"
    assert lines[-1].startswith("……")         # room for the signer's name, under the title


def test_settings_override_the_issuer_and_recipient(kho, tmp_path):
    catalogue = report_catalogue.build(kho)
    kho.settings = replace(kho.settings, report_issuer="UBND xã Đăk Rve | Phòng Văn hóa - Xã hội",
                           report_recipient="Sở Văn hóa, Thể thao và Du lịch tỉnh Quảng Ngãi")
    out = tmp_path / "bao-cao.docx"
    _write(kho, catalogue, out)
    doc = Document(str(out))
    left = doc.tables[0].rows[0].cells[0].text.splitlines()
    assert left[:2] == ["UBND XÃ ĐĂK RVE", "PHÒNG VĂN HÓA - XÃ HỘI"]
    assert "Kính gửi: Sở Văn hóa, Thể thao và Du lịch tỉnh Quảng Ngãi." in _texts(doc)
    assert doc.tables[-1].rows[0].cells[1].text.splitlines()[0] == "TRƯỞNG PHÒNG"


def test_a_dated_report_of_the_district_office_before_the_merger(kho, tmp_path):
    catalogue = report_catalogue.build(kho)
    out = tmp_path / "bao-cao.docx"
    _write(kho, catalogue, out, issuer="phong-vhtt-kon-ray", on="20/06/2025")
    doc = Document(str(out))
    left, right = (c.text.splitlines() for c in doc.tables[0].rows[0].cells)
    assert left[:2] == ["UBND HUYỆN KON RẪY", "PHÒNG VĂN HÓA VÀ THÔNG TIN"]
    assert right[-1] == "Kon Rẫy, ngày 20 tháng 6 năm 2025"
    assert doc.tables[-1].rows[0].cells[1].text.splitlines()[0] == "TRƯỞNG PHÒNG"


def test_an_ended_unit_after_its_end_gets_a_sentence_and_no_file(kho, tmp_path):
    from archive.errors import ValidationError

    catalogue = report_catalogue.build(kho)
    folder = tmp_path / "bao-cao"
    folder.mkdir()
    with pytest.raises(ValidationError) as caught:
        _write(kho, catalogue, folder / "bao-cao.docx", issuer="phong-vhtt-kon-ray",
               on="01/12/2026")
    assert caught.value.field == "issuer"
    assert caught.value.params["code"] == "so-vhttdl-quang-ngai-2025"
    assert list(folder.iterdir()) == []          # nothing written, not even a .part


def test_sections_two_to_four_are_written_from_plan_tasks_and_contributions(kho, tmp_path):
    catalogue = report_catalogue.build(kho)
    _file(kho, catalogue.year, "xa-dak-rve-2025", "accepted",
          results="Đã phát 12 chương trình song ngữ.\n\nTổ chức 2 buổi tuyên truyền.",
          difficulties="Thiếu thiết bị thu âm.", proposals="Đề nghị hỗ trợ 1 bộ thu âm.")
    _file(kho, catalogue.year, "xa-kon-braih-2025", "draft", results="bản nháp chưa gửi")
    out = tmp_path / "bao-cao.docx"
    _write(kho, catalogue, out)
    doc = Document(str(out))
    texts = _texts(doc)
    body = "\n".join(texts)
    assert "[" not in body.split("II. KẾT QUẢ")[1]            # nothing stays bracketed
    tasks = next(t for t in doc.tables if t.rows[0].cells[0].text == "Nhiệm vụ")
    rows = {r.cells[0].text.split(".")[0] + "." + r.cells[0].text.split(".")[1][:1]:
            [c.text for c in r.cells[1:]] for r in tasks.rows[1:]}
    assert len(tasks.rows) - 1 >= 20 and "1.1" in rows and "6.2" in rows
    assert rows["3.3"][:2] == ["1", "2"]             # the feature, aired twice
    assert [c.text for c in tasks.rows[0].cells][3:] == ["Hoạt động", "Người tham dự",
                                                        "Người được tập huấn"]
    rve = texts.index("Xã Đăk Rve")
    assert texts[rve + 1] == "Đã phát 12 chương trình song ngữ."
    assert texts[rve + 2] == "Tổ chức 2 buổi tuyên truyền."
    assert "Xã Đăk Kôi chưa gửi báo cáo." in texts
    assert "Xã Kon Braih chưa gửi báo cáo." in texts           # a draft is not sent
    assert "bản nháp chưa gửi" not in body
    assert "- Xã Đăk Rve: Thiếu thiết bị thu âm." in texts
    assert "- Xã Đăk Rve: Đề nghị hỗ trợ 1 bộ thu âm." in texts
    assert texts.count("Chưa gửi báo cáo: Xã Đăk Kôi, Xã Kon Braih.") == 2   # III and IV


def test_a_communes_own_report_is_the_same_document_for_its_part(kho, tmp_path):
    catalogue = report_catalogue.build(kho)
    _file(kho, catalogue.year, "xa-dak-rve-2025", "submitted",
          results="Kết quả của xã.", difficulties="Khó khăn của xã.", proposals="")
    out = tmp_path / "bao-cao-xa.docx"
    _write(kho, catalogue, out, commune="xa-dak-rve-2025")
    doc = Document(str(out))
    left, right = (c.text.splitlines() for c in doc.tables[0].rows[0].cells)
    assert left[0] == "ỦY BAN NHÂN DÂN XÃ ĐĂK RVE"
    assert right[-1].startswith("Đăk Rve, ngày")
    texts = _texts(doc)
    assert "Kính gửi: Sở Văn hóa, Thể thao và Du lịch tỉnh Quảng Ngãi." in texts
    assert "Kết quả của xã." in texts and "- Xã Đăk Rve: Khó khăn của xã." in texts
    assert not any("Kon Braih" in t or "Đăk Kôi" in t for t in texts if "chưa gửi" in t)
    assert doc.tables[-1].rows[0].cells[1].text.splitlines()[:2] == \
        ["TM. ỦY BAN NHÂN DÂN", "CHỦ TỊCH"]


def test_print_settings_page_numbers_repeated_headers_whole_rows(document):
    _, doc = document
    section = doc.sections[0]
    assert section.different_first_page_header_footer      # no number on page 1
    header_xml = section.header._element.xml
    assert "PAGE" in header_xml
    assert section.header.paragraphs[0].alignment == 1      # centred
    assert not section.first_page_header.paragraphs[0].text
    for table in doc.tables[1:-1]:
        first = table.rows[0]._tr.trPr
        assert first is not None and first.find(qn("w:tblHeader")) is not None
        for row in table.rows:
            assert row._tr.trPr.find(qn("w:cantSplit")) is not None


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


def test_a_commune_office_account_reports_for_its_commune_and_no_other(kho, tmp_path):
    from app.services.access import accounts
    from app.services.reports.yearly import write_report
    from archive.errors import PermissionDenied

    catalogue = report_catalogue.build(kho)
    accounts.add_user(kho, "vhxh.dakrve", "office", report_catalogue.PASSWORD,
                      unit="xa-dak-rve-2025")
    office = accounts.actor_by_name(kho, "vhxh.dakrve")
    out = tmp_path / "bao-cao.docx"
    written = write_report(kho, office, catalogue.year, out)
    assert written.products == 1                   # the feature filed under Đăk Pne
    left = Document(str(out)).tables[0].rows[0].cells[0].text.splitlines()
    assert left[0] == "ỦY BAN NHÂN DÂN XÃ ĐĂK RVE"
    with pytest.raises(PermissionDenied) as refused:
        write_report(kho, office, catalogue.year, tmp_path / "khac.docx",
                     issuer="xa-kon-braih-2025")
    assert refused.value.field == "issuer"
    assert not (tmp_path / "khac.docx").exists()
