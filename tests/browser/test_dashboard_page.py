"""The office opens the targets dashboard in Chromium at 1280 px and on a 360 px phone:
the figures read the Vietnamese way, the SVG charts are drawn (non-zero boxes), the page
does not scroll sideways; screenshots go next to the others."""
from __future__ import annotations

import pytest

from tests.browser.conftest import PASSWORD, screenshot
from tests.unit.services.stats.test_stats import _build


@pytest.fixture(scope="module")
def office(site):
    from app.services.access.accounts import add_user

    add_user(site.kho, "office1", "office", PASSWORD, display_name="Phòng VH-TT")
    _build(site.kho)
    return "office1"


def _box(page, selector: str) -> dict:
    box = page.locator(selector).first.bounding_box()
    assert box is not None, f"{selector} is not drawn"
    return box


@pytest.mark.parametrize("width", [1280, 360])
def test_office_reads_the_dashboard(site, sign_in, office, width):
    page = sign_in(office, width=width)
    page.click("nav.main-nav >> text=Chỉ tiêu")
    page.wait_for_url("**/dashboard")
    assert page.locator("h1").inner_text() == "Bảng theo dõi chỉ tiêu"
    assert page.locator("#digitisation_rate .big-figure").inner_text() == "57,1 %"
    assert page.locator("#combined_share .big-figure").inner_text() == "57,1 %"
    assert page.locator("#foreign_language_share .big-figure").inner_text() == "14,3 %"
    assert "vượt mức chỉ tiêu" in page.locator("#combined_share").inner_text()
    trend = _box(page, "svg.trend")
    assert trend["width"] > 250 and trend["height"] > 100
    line = _box(page, "svg.trend polyline.series-combined")
    assert line["width"] > 0 and line["height"] > 0
    assert _box(page, "svg.trend rect.band")["height"] > 0
    assert _box(page, "svg.trend line.projection")["width"] > 0
    assert _box(page, "#digitisation_rate svg.gauge rect.gauge-value")["width"] > 0
    assert _box(page, "#combined_share svg.gauge rect.gauge-band")["width"] > 0
    assert "Với tốc độ này: 100,0 % vào năm 2028" in page.locator("#trend").inner_text()
    sideways = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    assert sideways <= 0, f"the page scrolls sideways by {sideways} px"
    screenshot(page, "dashboard" if width > 360 else "dashboard-360px")


def test_filters_go_into_the_url(site, sign_in, office):
    page = sign_in(office)
    page.goto(f"{site.url}/dashboard")
    page.select_option('select[name="commune"]', "xa-kon-braih-2025")
    page.click('.dash-filters button[type="submit"]')
    page.wait_for_url("**/dashboard?*commune=xa-kon-braih-2025*")
    assert page.locator("#digitisation_rate .big-figure").inner_text() == "66,7 %"
    assert "3 sản phẩm trong phạm vi" in page.locator(".scope").inner_text()
