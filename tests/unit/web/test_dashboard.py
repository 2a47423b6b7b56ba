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
    report = re.search(r'id="report".*?</section>', html, re.S).group(0)
    year = re.search(r"<h2[^>]*>Báo cáo năm (\d{4})</h2>", report).group(1)
    assert re.search(rf"Hạn nộp 25/11/{year}: (còn|đã qua) \d+ ngày\.|"
                     rf"Hạn nộp là hôm nay, 25/11/{year}\.", report)   # that report's deadline
    # how far each target is, in products (app/services/stats/targets.py)
    assert "Còn 3 sản phẩm cần số hóa." in html
    assert "Cần thêm 1 sản phẩm tiếng nước ngoài để đạt 15,0 %." in html
    assert "Còn 6 sản phẩm chưa đưa lên cơ sở dữ liệu dùng chung quốc gia." in html
    assert html.count("Đã đạt mức 15,0 %.") == 3          # ethnic, digital, combined


def test_the_trend_chart_is_svg_with_its_numbers_as_a_table(as_role, catalogue):
    html = page(as_role("office"))
    svg = re.search(r'<svg class="trend".*?</svg>', html, re.S).group(0)
    assert 'class="band"' in svg and "polyline" in svg and 'class="projection' in svg
    for year in range(2023, 2029):
        assert f">{year}</text>" in svg
    assert "Với tốc độ này: 100,0 % vào năm 2028" in html
    table = re.search(r'<table class="numbers stack" id="by-year">.*?</table>', html, re.S).group(0)
    cells = [re.sub(r"<[^>]+>", "", c) for c in re.findall(r"<td[^>]*>.*?</td>",
             re.search(r"<tr><td>2024</td>.*?</tr>", table).group(0))]
    assert cells == ["2024", "2", "1", "50,0 %", "50,0 %"]


def test_no_projection_from_two_years_of_data(as_role, catalogue):
    # Kon Braih (rolled up): products of 2024 and 2025 only
    html = page(as_role("office"), "/dashboard?commune=xa-kon-braih-2025")
    trend = re.search(r'id="trend".*?</section>', html, re.S).group(0)
    assert "vào năm 2028" not in trend and 'class="projection' not in trend
    assert "Chưa đủ số liệu để dự báo (cần 3 năm có sản phẩm, mới có 2)." in trend


def test_no_inline_styles_and_no_external_assets(as_role, catalogue):
    response = as_role("office").get("/dashboard")
    html = response.get_data(as_text=True)
    assert "style=" not in html and "<script>" not in html
    assert not re.search(r'(src|href)="https?://', html)
    assert "style-src 'self'" in response.headers["Content-Security-Policy"]


def test_breakdowns_and_usage_tables(as_role, catalogue):
    html = page(as_role("office"))
    commune = re.search(r'id="by_commune".*?</section>', html, re.S).group(0)
    assert re.search(r'<td>Xã Kon Braih</td><td data-label="Sản phẩm">3</td>'
                     r'<td data-label="Đã số hóa">2</td><td data-label="Tỷ lệ số hóa">66,7 %</td>',
                     commune)
    assert "Xã Tân Lập" not in commune                                # rolled up
    # the lagging rule is stated; Đăk Rve digitises 1 of 2 (50 %) against 4 of 7 (57,1 %)
    assert "“Chậm”: xã hiện hành chưa có sản phẩm nào" in commune and "Số xã chậm: 1" in commune
    lagging = re.findall(r'<tr class="lagging"><td>([^<]+) <strong class="lag-badge">Chậm</strong>'
                         r' <small class="lag-why">([^<]+)</small>', commune)
    assert lagging == [("Xã Đăk Rve", "tỷ lệ số hóa dưới mức chung 57,1 %")]
    use = re.search(r'id="use".*?</section>', html, re.S).group(0)
    assert re.search(r'<td>Xã Kon Braih</td><td data-label="[^"]+">3</td><td data-label="[^"]+">3</td>', use)
    assert re.search(r'<td>Xã Đăk Kôi</td><td data-label="[^"]+">0</td><td data-label="[^"]+">0</td>', use)
    for section in ("by_unit", "by_kind", "by_language", "by_channel", "by_theme",
                    "by_plan_task"):
        assert f'id="{section}"' in html


def test_filters_live_in_the_url_and_match_the_service(as_role, catalogue, kho_rt):
    html = page(as_role("office"),
                "/dashboard?from=2024-01-01&to=2024-12-31&commune=23497&rollup=false")
    assert '<option value="2024" selected>' in html                   # a calendar year
    assert 'name="from" inputmode="numeric" placeholder="dd/mm/yyyy" value=""' in html
    assert 'name="rollup" value="false" checked' in html
    # old communes as they were: the merged ones say so, and are not judged
    old = page(as_role("office"), "/dashboard?rollup=false")
    commune = re.search(r'id="by_commune".*?</section>', old, re.S).group(0)
    assert "<td>Xã Tân Lập (đã sáp nhập)</td>" in commune
    assert '<option value="xa-kon-braih-2025" selected>' in html
    assert 'href="/dashboard/report.xlsx?year=2024&commune=xa-kon-braih-2025"' in html
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


def test_the_year_picker_sets_the_period(as_role, catalogue):
    browser = as_role("office")
    html = page(browser, "/dashboard?year=2025&from=01/01/2023&to=31/12/2023")
    assert "Kỳ: 01/01/2025 – 31/12/2025." in html                       # the year wins
    assert '<option value="2025" selected>' in html and "2 sản phẩm trong phạm vi" in html
    assert 'href="/dashboard/report.docx?year=2025"' in html
    assert "Hạn nộp 25/11/2025: đã qua" in html or "Hạn nộp 25/11/2025: còn" in html
    custom = page(browser, "/dashboard?year=custom&from=01/03/2024&to=30/06/2024")
    assert '<option value="custom" selected>' in custom and 'value="01/03/2024"' in custom
    everything = page(browser, "/dashboard?year=all&from=01/03/2024&to=30/06/2024")
    assert '<option value="all" selected>' in everything and "7 sản phẩm trong phạm vi" in everything
    bad = browser.get("/dashboard?year=20x5")
    assert bad.status_code == 200 and 'class="flash error"' in bad.get_data(as_text=True)


def test_units_that_no_longer_exist_say_so(as_role, catalogue):
    html = page(as_role("office"))
    unit_picker = re.search(r'<select name="unit">.*?</select>', html, re.S).group(0)
    assert "<option value=\"xa-dak-koi\">Xã Đăk Kôi (đã sáp nhập)</option>" in unit_picker
    assert "<option value=\"xa-dak-koi-2025\">Xã Đăk Kôi</option>" in unit_picker
    assert "Trung tâm VH-TT-DL&TT huyện Kon Rẫy (không còn tồn tại)" in unit_picker
    by_unit = re.search(r'id="by_unit".*?</section>', html, re.S).group(0)
    assert "<td>Trung tâm VH-TT-DL&TT huyện Kon Rẫy (không còn tồn tại)</td>" in by_unit


def test_the_report_links_carry_the_unit_filter(as_role, catalogue):
    html = page(as_role("office"), "/dashboard?unit=phong-gddt-kon-ray")
    report = re.search(r'id="report".*?</section>', html, re.S).group(0)
    assert re.search(r'href="/dashboard/report.xlsx\?year=\d{4}&unit=phong-gddt-kon-ray"',
                     report)
    assert "Phòng Giáo dục và Đào tạo huyện Kon Rẫy (không còn tồn tại)" in report
