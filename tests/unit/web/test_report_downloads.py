"""The dashboard's report buttons: ``/dashboard/report.xlsx`` and ``.docx?year=``,
for office and admin accounts only, named ``bao-cao-<year>.<ext>`` (with the unit's or
commune's code when narrowed)."""
from __future__ import annotations

import io

import pytest
from docx import Document
from openpyxl import load_workbook

from tests.unit.services.reports import report_catalogue
from tests.unit.web.conftest import Browser


@pytest.fixture
def catalogue(kho_rt):
    return report_catalogue.build(kho_rt)


def _signed_in(app, username: str) -> Browser:
    browser = Browser(app.test_client())
    assert browser.login(username, report_catalogue.PASSWORD).status_code == 302
    return browser


def test_office_downloads_the_workbook_of_a_year(app, catalogue):
    answer = _signed_in(app, "vanphong").get(f"/dashboard/report.xlsx?year={catalogue.year}")
    assert answer.status_code == 200
    assert answer.mimetype == \
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    assert f'filename=bao-cao-{catalogue.year}.xlsx' in answer.headers["Content-Disposition"]
    book = load_workbook(io.BytesIO(answer.data))
    summary = {r[0]: r for r in book["Tổng hợp"].iter_rows(values_only=True)}
    assert summary["Tỷ lệ số hóa"][1:4] == (2, 4, 0.5)
    assert len(list(book["Danh sách sản phẩm"].iter_rows())) == 5


def test_admin_downloads_the_document_and_nothing_stays_in_the_spool(app, kho_rt, catalogue):
    answer = _signed_in(app, "quantri").get(f"/dashboard/report.docx?year={catalogue.year}")
    assert answer.status_code == 200
    assert f'filename=bao-cao-{catalogue.year}.docx' in answer.headers["Content-Disposition"]
    texts = [p.text for p in Document(io.BytesIO(answer.data)).paragraphs]
    assert "BÁO CÁO" in texts and any(t.startswith("Kính gửi: ") for t in texts)
    assert list(kho_rt.settings.spool_dir.glob("bao-cao-*")) == []


def test_without_a_year_the_report_is_of_this_year(app, kho_rt, catalogue):
    from app.services.common.clock import local_today

    answer = _signed_in(app, "vanphong").get("/dashboard/report.xlsx")
    year = local_today(kho_rt.settings).year
    assert f'filename=bao-cao-{year}.xlsx' in answer.headers["Content-Disposition"]
    rows = list(load_workbook(io.BytesIO(answer.data))["Danh sách sản phẩm"]
                .iter_rows(min_row=2, values_only=True))
    assert [r[0] for r in rows] == [catalogue.undated]


@pytest.mark.parametrize("username", ["sx", "daixa"])
def test_producer_and_commune_accounts_get_403(app, catalogue, username):
    answer = _signed_in(app, username).get("/dashboard/report.xlsx")
    assert answer.status_code == 403
    assert "bao-cao" not in answer.headers.get("Content-Disposition", "")


def test_signed_out_visitors_are_sent_to_sign_in(app, catalogue):
    answer = app.test_client().get("/dashboard/report.docx")
    assert answer.status_code == 302 and "/login" in answer.headers["Location"]


@pytest.mark.parametrize("year", ["20x6", "123456"])
def test_a_year_that_is_not_one_is_422_naming_it(app, catalogue, year):
    answer = _signed_in(app, "vanphong").get(f"/dashboard/report.xlsx?year={year}")
    assert answer.status_code == 422
    assert "năm" in answer.get_data(as_text=True)


def test_another_format_is_404(app, catalogue):
    assert _signed_in(app, "vanphong").get("/dashboard/report.pdf").status_code == 404


def test_the_issuing_unit_and_date_are_chosen_and_an_ended_unit_is_refused(app, catalogue):
    browser = _signed_in(app, "vanphong")
    refused = browser.get(f"/dashboard/report.docx?year={catalogue.year}"
                          "&issuer=phong-vhtt-kon-ray&date=01/12/2026")
    assert refused.status_code == 422
    assert refused.mimetype == "text/html"               # a sentence, no file
    page = refused.get_data(as_text=True)
    assert "đã kết thúc hoạt động ngày 30/06/2025" in page
    assert "so-vhttdl-quang-ngai-2025" in page
    answer = browser.get(f"/dashboard/report.docx?year={catalogue.year}"
                         "&issuer=phong-vhtt-kon-ray&date=20/06/2025")
    assert answer.status_code == 200
    heading = Document(io.BytesIO(answer.data)).tables[0].rows[0].cells
    assert heading[0].text.splitlines()[:2] == ["UBND HUYỆN KON RẪY",
                                                "PHÒNG VĂN HÓA VÀ THÔNG TIN"]


def test_the_dashboard_filters_narrow_the_report(app, catalogue):
    office = _signed_in(app, "vanphong")
    answer = office.get(f"/dashboard/report.xlsx?year={catalogue.year}&unit=phong-vhtt-kon-ray")
    assert answer.status_code == 200
    summary = {r[0]: r for r in load_workbook(io.BytesIO(answer.data))["Tổng hợp"]
               .iter_rows(values_only=True)}
    assert summary["Tỷ lệ số hóa"][1:4] == (0, 1, 0.0)               # the poster only
    assert (f"filename=bao-cao-{catalogue.year}-phong-vhtt-kon-ray.xlsx"
            in answer.headers["Content-Disposition"])                   # its own name
    by_commune = office.get(f"/dashboard/report.docx?year={catalogue.year}"
                            "&commune=xa-kon-braih-2025")
    assert by_commune.status_code == 200
    texts = [p.text for p in Document(io.BytesIO(by_commune.data)).paragraphs]
    assert any("Kon Braih" in t for t in texts)                        # it issues the report
    assert (f"filename=bao-cao-{catalogue.year}-xa-kon-braih-2025.docx"
            in by_commune.headers["Content-Disposition"])
    unknown = office.get(f"/dashboard/report.xlsx?year={catalogue.year}&unit=khong-co")
    assert unknown.status_code == 422 and "khong-co" in unknown.get_data(as_text=True)
