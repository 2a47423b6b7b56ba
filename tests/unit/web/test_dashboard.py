"""The dashboard page: office and admin only, the service's figures in Vietnamese
formats, the SVG charts with their tables, the filters in the URL, links to act on."""
from __future__ import annotations

import re
from html import unescape

import pytest

from app.services.stats import plan_progress
from app.services.access.actors import Actor
from tests.unit.services.stats.test_stats import _build


@pytest.fixture
def catalogue(kho_rt):
    return _build(kho_rt)


def page(browser, url: str = "/dashboard") -> str:
    response = browser.get(url)
    assert response.status_code == 200, response.status_code
    return unescape(response.get_data(as_text=True))


def figure(html: str, name: str) -> str:
    block = re.search(rf'id="{name}".*?class="big-figure"[^>]*>([^<]+)<', html, re.S)
    assert block, name
    return block.group(1)


def test_office_sees_every_indicator_the_vietnamese_way(as_role, catalogue):
    html = page(as_role("office"))
    assert figure(html, "digitisation_rate") == "57,1 %"            # 4/7
    assert figure(html, "combined_share") == "57,1 %"
    assert figure(html, "ethnic_language_share") == "28,6 %"
    assert figure(html, "foreign_language_share") == "14,3 %"
    assert figure(html, "digital_platform_share") == "28,6 %"
    assert figure(html, "online_rate") == "14,3 %"
    assert "4 trên 7 sản phẩm" in html and "vượt mức chỉ tiêu" in html
    assert "dưới mức chỉ tiêu" in html                                # the foreign share
    assert "Mục tiêu 15,0 % – 20,0 %" in html
    assert re.search(r"Còn \d+ ngày đến hạn nộp báo cáo năm \(25/11/\d{4}\)", html)


def test_the_trend_chart_is_svg_with_its_numbers_as_a_table(as_role, catalogue):
    html = page(as_role("office"))
    svg = re.search(r'<svg class="trend".*?</svg>', html, re.S).group(0)
    assert 'class="band"' in svg and "polyline" in svg and 'class="projection' in svg
    for year in range(2023, 2029):
        assert f">{year}</text>" in svg
    assert "Với tốc độ này: 100,0 % vào năm 2028" in html
    table = re.search(r'<table class="numbers" id="by-year">.*?</table>', html, re.S).group(0)
    assert re.search(r"<td>2024</td><td>2</td><td>1</td><td>50,0 %</td><td>50,0 %</td>", table)


def test_no_inline_styles_and_no_external_assets(as_role, catalogue):
    response = as_role("office").get("/dashboard")
    html = response.get_data(as_text=True)
    assert "style=" not in html and "<script>" not in html
    assert not re.search(r'(src|href)="https?://', html)
    assert "style-src 'self'" in response.headers["Content-Security-Policy"]


def test_breakdowns_and_usage_tables(as_role, catalogue):
    html = page(as_role("office"))
    commune = re.search(r'id="by_commune".*?</section>', html, re.S).group(0)
    assert re.search(r"<td>Xã Kon Braih</td><td>3</td><td>2</td><td>66,7 %</td>", commune)
    assert "Xã Tân Lập" not in commune                                # rolled up
    use = re.search(r'id="use".*?</section>', html, re.S).group(0)
    assert re.search(r"<td>Xã Kon Braih</td><td>3</td><td>3</td>", use)
    assert re.search(r"<td>Xã Đăk Kôi</td><td>0</td><td>0</td>", use)
    for section in ("by_unit", "by_kind", "by_language", "by_channel", "by_theme",
                    "by_plan_task"):
        assert f'id="{section}"' in html


def test_filters_live_in_the_url_and_match_the_service(as_role, catalogue, kho_rt):
    html = page(as_role("office"),
                "/dashboard?from=2024-01-01&to=2024-12-31&commune=23497&rollup=false")
    assert 'name="from" inputmode="numeric" placeholder="dd/mm/yyyy" value="01/01/2024"' in html and 'name="rollup" value="false" checked' in html
    assert '<option value="xa-kon-braih-2025" selected>' in html
    expected = plan_progress.compute_stats(kho_rt, Actor(None, "o", "office"), plan_progress.parse_scope(
        kho_rt, {"from": "2024-01-01", "to": "2024-12-31", "commune": "23497",
                 "rollup": "false"}))
    assert expected.total == 0
    assert "0 sản phẩm trong phạm vi" in html
    kb = page(as_role("office"), "/dashboard?commune=xa-kon-braih-2025")
    assert "3 sản phẩm trong phạm vi" in kb and figure(kb, "digitisation_rate") == "66,7 %"


def test_a_bad_filter_is_named_on_the_page(as_role):
    response = as_role("office").get("/dashboard?from=31/02/2024")
    assert response.status_code == 200
    html = unescape(response.get_data(as_text=True))
    assert "31/02/2024" in html and 'class="flash error"' in html
    assert 'class="big-figure"' not in html


def test_what_to_do_next_links_to_the_products(as_role, catalogue):
    html = page(as_role("office"))
    todo = re.search(r'id="next".*?</section>', html, re.S).group(0)
    assert "Sản phẩm chưa số hóa: 3" in todo and "Tệp xử lý lỗi: 2" in todo
    for name in ("P1", "P2", "P6"):
        assert f'href="/products/{catalogue[name]}"' in todo
    assert "Tệp âm thanh bị hỏng hoặc không phải là âm thanh — hãy tải lên lại bản gốc" \
        in unescape(todo)                  # the problem in Vietnamese
    assert 'href="/broadcasts?commune=xa-dak-koi-2025"' in todo


@pytest.mark.parametrize("role", ["producer", "commune"])
def test_other_roles_get_403_and_no_menu_link(as_role, role):
    browser = as_role(role)
    assert browser.get("/dashboard").status_code == 403
    assert 'href="/dashboard"' not in browser.get("/search").get_data(as_text=True)


def test_menu_link_for_office_and_admin(as_role):
    for role in ("office", "admin"):
        assert 'href="/dashboard"' in as_role(role).get("/search").get_data(as_text=True)


def test_english_and_report_buttons(as_role, catalogue):
    browser = as_role("office")
    browser.get("/lang/en")
    html = unescape(browser.get("/dashboard").get_data(as_text=True))
    assert figure(html, "digitisation_rate") == "57.1%"
    assert "At this pace: 100.0% in 2028" in html
    assert 'href="/dashboard/report.xlsx?year=' in html
    assert 'href="/dashboard/report.docx?year=' in html
