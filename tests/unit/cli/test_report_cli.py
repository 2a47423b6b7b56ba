"""``kho report --year YYYY --out FILE``: the workbook or document by extension, a
usage error naming --out for another one, and ``kill -9`` half-way leaves no
half-written file under the requested name."""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from datetime import datetime, timezone
from pathlib import Path

import pytest
from docx import Document
from openpyxl import load_workbook

from tests.unit.services.reports import report_catalogue

ROOT = Path(__file__).resolve().parents[3]


@pytest.fixture
def run(kho_cli):
    return kho_cli


def test_report_writes_a_workbook_with_the_figures(run, kho, tmp_path):
    catalogue = report_catalogue.build(kho)
    out = tmp_path / f"bao-cao-{catalogue.year}.xlsx"
    result = run("report", "--year", str(catalogue.year), "--out", str(out))
    assert result.exit_code == 0, result.output
    assert str(out) in result.output and "4 sản phẩm" in result.output
    summary = {r[0]: r for r in load_workbook(out)["Tổng hợp"].iter_rows(values_only=True)}
    assert summary["Tỷ lệ số hóa"][1:4] == (2, 4, 0.5)
    assert summary["Tỷ lệ chung (dân tộc thiểu số, nước ngoài, nền tảng số)"][1:4] == \
        (2, 4, 0.5)


def test_report_writes_a_document_by_extension(run, kho, tmp_path):
    catalogue = report_catalogue.build(kho)
    out = tmp_path / "bao-cao.docx"
    result = run("--lang", "en", "report", "--year", str(catalogue.year), "--out", str(out))
    assert result.exit_code == 0, result.output
    assert "Report of" in result.output
    texts = [p.text for p in Document(str(out)).paragraphs]
    assert "BÁO CÁO" in texts


@pytest.mark.parametrize("name", ["bao-cao.pdf", "bao-cao"])
def test_another_extension_is_a_usage_error_naming_out(run, kho, tmp_path, name):
    result = run("report", "--out", str(tmp_path / name))
    assert result.exit_code == 2
    assert "'--out'" in result.output and ".xlsx" in result.output and name in result.output
    assert not (tmp_path / name).exists()


def test_a_year_that_is_not_one_is_refused(run, kho, tmp_path):
    result = run("report", "--year", "123456", "--out", str(tmp_path / "r.xlsx"))
    assert result.exit_code == 2 and "year" in result.output
    assert not (tmp_path / "r.xlsx").exists()


def _many_products(kho, year: int, count: int) -> None:
    """``count`` products of ``year`` written in one bulk insert (a big product list)."""
    from sqlalchemy import insert

    from archive.models import Product

    at = datetime(year, 6, 1, tzinfo=timezone.utc)
    with kho.engine.begin() as conn:
        conn.execute(insert(Product.__table__), [
            {"title": f"Sản phẩm tuyên truyền quyền con người số {i}", "description": "",
             "produced_on": at.date(), "tags": [], "suggestions": [], "rights_note": "",
             "status": "draft", "created_at": at, "updated_at": at}
            for i in range(count)])


def test_kill_9_half_way_leaves_no_half_written_report(run, kho, tmp_path):
    _many_products(kho, 2024, 15_000)
    out = tmp_path / "bao-cao-2024.xlsx"
    out.write_bytes(b"the report of last week")            # an older copy stays whole
    part = out.with_name(out.name + ".part")
    process = subprocess.Popen([sys.executable, "-m", "app", "report", "--year", "2024",
                                "--out", str(out)],
                               env={**os.environ, "PYTHONPATH": str(ROOT)},
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 120
    while not (part.exists() and part.stat().st_size > 0):      # writing the file now
        assert process.poll() is None and time.monotonic() < deadline
        time.sleep(0.002)
    process.send_signal(signal.SIGKILL)
    process.wait()
    assert out.read_bytes() == b"the report of last week"
    result = run("report", "--year", "2024", "--out", str(out))
    assert result.exit_code == 0, result.output
    assert not part.exists()
    listed = load_workbook(out, read_only=True)["Danh sách sản phẩm"]
    assert sum(1 for _ in listed.iter_rows(values_only=True)) == 15_001   # header + rows


def test_a_unit_that_cannot_issue_on_the_date_is_told_which_to_pick(run, kho, tmp_path):
    catalogue = report_catalogue.build(kho)
    out = tmp_path / "bao-cao.docx"
    result = run("report", "--year", str(catalogue.year), "--out", str(out),
                 "--issuer", "phong-vhtt-kon-ray", "--date", "01/12/2026")
    assert result.exit_code != 0
    assert "đã kết thúc hoạt động ngày 30/06/2025" in result.output
    assert "Sở Văn hóa, Thể thao và Du lịch tỉnh Quảng Ngãi" in result.output
    assert not out.exists() and not list(tmp_path.glob("*.part"))
    dated = run("report", "--year", str(catalogue.year), "--out", str(out),
                "--issuer", "phong-vhtt-kon-ray", "--date", "20/06/2025")
    assert dated.exit_code == 0, dated.output
    heading = Document(str(out)).tables[0].rows[0].cells
    assert "PHÒNG VĂN HÓA VÀ THÔNG TIN" in heading[0].text
    assert heading[1].text.splitlines()[-1] == "Kon Rẫy, ngày 20 tháng 6 năm 2025"
