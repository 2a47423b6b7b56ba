"""The yearly report as printed: both files rendered to PDF by LibreOffice (Debian's
``libreoffice-writer-nogui`` / ``-calc-nogui``, ``.ci/system-deps test``) and read back
with poppler's ``pdftotext -layout``: the motto and the Quốc hiệu each on one line, page
numbers from page 2, the workbook one page wide per sheet in landscape, and shares
rounded alike in both files."""
from __future__ import annotations

import os
import re
from datetime import date
import subprocess
from pathlib import Path

import pytest
from openpyxl import load_workbook

from tests.unit.services.reports import report_catalogue

def to_pdf(source: Path) -> Path:
    """``source`` converted by LibreOffice headless, with a profile of its own (so
    parallel test processes never share one)."""
    profile = source.parent / "lo-profile"
    subprocess.run(["soffice", f"-env:UserInstallation=file://{profile}", "--headless",
                    "--convert-to", "pdf", "--outdir", str(source.parent), str(source)],
                   check=True, capture_output=True, timeout=180)
    return source.with_suffix(".pdf")


def pages(pdf: Path) -> list[str]:
    """The text of each page, laid out as printed."""
    text = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], check=True,
                          capture_output=True, text=True, timeout=60).stdout
    return text.split("\f")[:-1] if text.endswith("\f") else text.split("\f")


def page_size_mm(pdf: Path, page: int = 1) -> tuple[int, int]:
    info = subprocess.run(["pdfinfo", "-f", str(page), "-l", str(page), str(pdf)],
                          check=True, capture_output=True, text=True).stdout
    width, height = re.search(r"Page\s+\d+ size:\s+([\d.]+) x ([\d.]+)", info).groups()
    return round(float(width) * 25.4 / 72), round(float(height) * 25.4 / 72)


@pytest.fixture
def printed(kho, tmp_path):
    """Both files of the known catalogue's year, as PDF pages."""
    from app.services.access.accounts import actor_by_name
    from app.services.reports.yearly import write_report

    catalogue = report_catalogue.build(kho)
    office = actor_by_name(kho, "vanphong")
    out = {}
    for fmt in ("docx", "xlsx"):
        path = tmp_path / f"bao-cao-{fmt}.{fmt}"
        write_report(kho, office, catalogue.year, path)
        out[fmt] = to_pdf(path)
    look = os.environ.get("KHO_REPORT_PDF_DIR")     # keep the pages to look at them
    if look:
        for pdf in out.values():
            Path(look).mkdir(parents=True, exist_ok=True)
            (Path(look) / pdf.name).write_bytes(pdf.read_bytes())
    return out


def test_the_document_prints_the_motto_on_one_line_and_numbers_pages_from_two(printed):
    pdf = printed["docx"]
    assert page_size_mm(pdf) == (210, 297)                     # A4 portrait
    text = pages(pdf)
    assert 3 <= len(text) <= 8, len(text)
    first = [line.strip() for line in text[0].splitlines() if line.strip()]
    assert any(line.endswith("Độc lập - Tự do - Hạnh phúc") for line in first), first[:8]
    assert any(line.endswith("CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM") for line in first)
    assert first[0] != "1"                                      # no number on page 1
    for number, page in enumerate(text[1:], start=2):
        top = next(line.strip() for line in page.splitlines() if line.strip())
        assert top == str(number), (number, top)
    last = "\n".join(text[-1].splitlines())
    assert "GIÁM ĐỐC" in last and "Nơi nhận:" in last


def test_the_workbook_prints_each_sheet_one_page_wide_in_landscape(printed):
    pdf = printed["xlsx"]
    width, height = page_size_mm(pdf)
    assert (width, height) == (297, 210)                       # A4 landscape
    sheets = load_workbook(pdf.with_suffix(".xlsx"), read_only=True).sheetnames
    text = pages(pdf)
    assert len(text) == len(sheets), (len(text), sheets)      # one page per sheet
    for number, (page, title) in enumerate(zip(text, sheets), start=1):
        lines = [line for line in page.splitlines() if line.strip()]
        assert lines[0].strip().startswith("Sở Văn hóa, Thể thao và Du lịch")   # issuer
        assert lines[-1].strip() == f"Trang {number} / {len(sheets)}"
    years = next(page for page in text if "Nhiệm vụ kế hoạch" in page and "Năm" in page)
    assert "2.023" not in years and "2,023" not in years      # a year is not a number
    for future in range(date.today().year + 1, 2029):          # plan years to come
        assert re.search(rf"Năm\s+{future}(\s+–){{7}}", years), future   # read "–"


def test_shares_read_the_same_in_both_files(printed):
    document = "\n".join(pages(printed["docx"]))
    workbook = "\n".join(pages(printed["xlsx"]))
    assert "50,0 %" in document
    assert "50.0%" in workbook or "50,0%" in workbook or "50,0 %" in workbook
