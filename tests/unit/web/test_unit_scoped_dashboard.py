"""A commune office signs in and sees only its commune's figures on the dashboard and in
its report; a second commune's office sees its own; the province office sees both; a
filter outside the part is the 403 page naming the unit. The admin sets the unit."""
from __future__ import annotations

import io
import re
from html import unescape

import pytest
from openpyxl import load_workbook

from tests.unit.services.stats.unit_part_catalogue import OFFICES, PART, PASSWORD, build
from tests.unit.web.conftest import Browser


@pytest.fixture
def offices(app, kho_rt):
    build(kho_rt)

    def sign_in(name: str) -> Browser:
        b = Browser(app.test_client())
        assert b.login(name, PASSWORD).status_code == 302
        return b
    return sign_in


def _scope_line(html: str) -> str:
    return re.sub(r"\s+", " ", re.search(r'<p class="scope">(.*?)</p>', html, re.S).group(1))


@pytest.mark.parametrize("account", list(OFFICES))
def test_each_office_sees_its_part_on_the_dashboard(offices, account):
    html = unescape(offices(account).get("/dashboard").get_data(as_text=True))
    line = _scope_line(html)
    assert f"{len(PART[account])} sản phẩm trong phạm vi" in line
    if OFFICES[account]:
        assert "Chỉ phần của" in line
    else:
        assert "Chỉ phần của" not in line


def test_the_commune_office_sees_its_commune_only(offices):
    html = unescape(offices("vh.dakkoi").get("/dashboard").get_data(as_text=True))
    assert "Chỉ phần của Xã Đăk Kôi" in _scope_line(html)
    picker = re.search(r'<select name="commune">.*?</select>', html, re.S).group(0)
    assert "Xã Đăk Kôi" in picker and "Xã Đăk Rve" not in picker     # offers its part only
    other = unescape(offices("vh.dakrve").get("/dashboard").get_data(as_text=True))
    assert "Chỉ phần của Xã Đăk Rve" in _scope_line(other)


def test_a_filter_outside_the_part_is_forbidden_naming_it(offices):
    response = offices("vh.dakkoi").get("/dashboard?commune=xa-dak-rve-2025")
    assert response.status_code == 403
    assert "Xã Đăk Rve nằm ngoài phần của Xã Đăk Kôi" in unescape(response.get_data(as_text=True))
    assert offices("so.vhttdl").get("/dashboard?commune=xa-dak-rve-2025").status_code == 200


def test_the_report_download_is_the_part(offices):
    for account, total in (("vh.dakkoi", 3), ("vh.dakrve", 2), ("so.vhttdl", 6)):
        response = offices(account).get("/dashboard/report.xlsx?year=2025")
        assert response.status_code == 200, account
        book = load_workbook(io.BytesIO(response.get_data()), read_only=True)
        titles = {c for ws in book.worksheets for row in ws.iter_rows(values_only=True)
                  for c in row if isinstance(c, str) and re.fullmatch(r"Sản phẩm [A-Z]\d", c)}
        assert len(titles) == total, (account, titles)
    assert offices("vh.dakkoi").get("/dashboard/report.docx?year=2025").status_code == 200


def test_the_admin_sets_an_accounts_unit_grouped_by_level(as_role, kho_rt, actors):
    b = as_role("admin")
    page = b.get("/admin/users").get_data(as_text=True)
    assert '<optgroup label="Cấp xã" data-level="commune">' in page
    assert '<optgroup label="Cấp tỉnh" data-level="province">' in page
    uid = actors["office"].user_id
    done = b.post(f"/admin/users/{uid}", {"role": "office", "active": "on",
                                          "unit": "xa-dak-koi-2025"},
                  token_from="/admin/users", follow_redirects=True).get_data(as_text=True)
    row = re.search(rf'<tr id="user-{uid}"[^>]*>(.*?)</tr>', done, re.S).group(1)
    assert re.search(r'<option value="xa-dak-koi-2025" selected>Xã Đăk Kôi</option>', row)
    refused = b.post("/admin/users", {"username": "moi", "role": "office",
                                      "unit": "phong-vhtt-kon-ray", "password": PASSWORD},
                     token_from="/admin/users")
    assert refused.status_code == 422
    assert "phong-vhtt-kon-ray" in unescape(refused.get_data(as_text=True))


def test_the_broadcasts_page_lists_the_part(offices):
    html = unescape(offices("vh.dakkoi").get("/broadcasts").get_data(as_text=True))
    table = re.search(r"<tbody>.*?</tbody>", html, re.S).group(0)
    assert "Xã Đăk Kôi" in table and "Xã Đăk Rve" not in table
    picker = re.search(r'<select name="commune".*?</select>', html, re.S).group(0)
    assert "Xã Đăk Rve" not in picker
    everything = unescape(offices("vanphong").get("/broadcasts").get_data(as_text=True))
    assert "Xã Đăk Rve" in re.search(r"<tbody>.*?</tbody>", everything, re.S).group(0)
