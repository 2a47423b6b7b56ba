"""The office opens the targets dashboard in Chromium at 1280 px and on a 360 px phone:
the figures read the Vietnamese way, the SVG charts are drawn (non-zero boxes), the page
does not scroll sideways; the yearly report's buttons are on the first screen and follow
the filters, its deadline is that report's; a year is picked, not typed; units that no
longer exist say so; no projection from two years; the distance to each target is said
in products; lagging communes are marked; on a phone every table row is a card with
every value on screen. Screenshots go next to the others."""
from __future__ import annotations

import re

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


def _report_year_and_deadline(page) -> tuple[str, str]:
    report = page.locator("#report")
    year = re.fullmatch(r"Báo cáo năm (\d{4})", report.locator("h2").inner_text()).group(1)
    due = re.search(r"Hạn nộp(?: là hôm nay,)? \d\d/\d\d/(\d{4})",
                    report.locator(".deadline").inner_text()).group(1)
    return year, due


@pytest.mark.parametrize("width", [1280, 360])
def test_the_report_buttons_are_on_the_first_screen_and_follow_the_filters(
        site, sign_in, office, width):
    page = sign_in(office, width=width)
    page.goto(f"{site.url}/dashboard")
    buttons = page.locator("#report a.button")
    assert buttons.count() == 2
    for i in range(2):
        box = buttons.nth(i).bounding_box()
        assert box["y"] + box["height"] <= 900, f"a report button ends at {box} px"
    year, due = _report_year_and_deadline(page)
    assert due == year                              # the deadline of the report offered
    assert f"year={year}" in buttons.first.get_attribute("href")
    page.select_option('select[name="commune"]', "xa-kon-braih-2025")
    page.select_option('select[name="unit"]', "trung-tam-vhttdltt-kon-ray")
    page.click('.dash-filters button[type="submit"]')
    page.wait_for_url("**/dashboard?*commune=xa-kon-braih-2025*")
    for i in range(2):
        href = buttons.nth(i).get_attribute("href")
        assert "commune=xa-kon-braih-2025" in href and "unit=trung-tam-vhttdltt-kon-ray" in href
    assert "Xã Kon Braih" in page.locator("#report").inner_text()
    box = buttons.last.bounding_box()
    assert box["y"] + box["height"] <= 900
    with page.expect_download() as download:
        buttons.first.click()
    # the file is named for what it covers, so two narrowed reports never overwrite
    assert download.value.suggested_filename == \
        f"bao-cao-{year}-trung-tam-vhttdltt-kon-ray-xa-kon-braih-2025.xlsx"


def test_choosing_a_year_from_the_picker_filters(site, sign_in, office):
    page = sign_in(office, width=360)
    page.goto(f"{site.url}/dashboard")
    options = page.locator('select[name="year"] option').all_inner_texts()
    assert [o for o in options if o.isdigit()] == ["2023", "2024", "2025", "2026", "2027",
                                                   "2028"]
    page.select_option('select[name="year"]', "2025")
    page.click('.dash-filters button[type="submit"]')
    page.wait_for_url("**/dashboard?*year=2025*")
    assert "2 sản phẩm trong phạm vi" in page.locator(".scope").inner_text()
    assert "01/01/2025 – 31/12/2025" in page.locator(".scope").inner_text()
    assert page.locator('select[name="year"]').input_value() == "2025"
    assert _report_year_and_deadline(page) == ("2025", "2025")
    assert "year=2025" in page.locator("#report a.button").first.get_attribute("href")
    # the custom range is still there: picking it opens the dates, typing one picks it
    page.select_option('select[name="year"]', "custom")
    page.fill('input[name="from"]', "01/06/2024")
    page.fill('input[name="to"]', "31/12/2024")
    assert page.locator('select[name="year"]').input_value() == "custom"
    page.click('.dash-filters button[type="submit"]')
    page.wait_for_url("**/dashboard?*from=01%2F06%2F2024*")
    assert "1 sản phẩm trong phạm vi" in page.locator(".scope").inner_text()


def test_units_that_no_longer_exist_are_labelled(site, sign_in, office):
    page = sign_in(office)
    page.goto(f"{site.url}/dashboard?rollup=false")
    unit_options = page.locator('select[name="unit"] option')
    assert unit_options.filter(has_text="Xã Đăk Kôi").all_inner_texts() == [
        "Xã Đăk Kôi", "Xã Đăk Kôi (đã sáp nhập)"]
    communes = page.locator("#by_commune").inner_text()
    assert "Xã Tân Lập (đã sáp nhập)" in communes


def test_no_projection_from_two_years_of_data(site, sign_in, office):
    page = sign_in(office)
    page.goto(f"{site.url}/dashboard?commune=xa-kon-braih-2025")    # 2024 and 2025 only
    trend = page.locator("#trend").inner_text()
    assert "vào năm 2028" not in trend
    assert "Chưa đủ số liệu để dự báo (cần 3 năm có sản phẩm, mới có 2)." in trend
    assert page.locator("svg.trend line.projection").count() == 0


@pytest.mark.parametrize("width", [1280, 360])
def test_distance_to_target_and_lagging_communes(site, sign_in, office, width):
    page = sign_in(office, width=width)
    page.goto(f"{site.url}/dashboard")
    assert page.locator("#digitisation_rate .to-target").inner_text() \
        == "Còn 3 sản phẩm cần số hóa."
    assert page.locator("#foreign_language_share .to-target").inner_text() \
        == "Cần thêm 1 sản phẩm tiếng nước ngoài để đạt 15,0 %."
    assert page.locator("#ethnic_language_share .to-target").inner_text() == "Đã đạt mức 15,0 %."
    section = page.locator("#by_commune")
    assert "“Chậm”: xã hiện hành" in section.locator(".lag-rule").inner_text()
    marked = section.locator("tbody tr", has=page.locator(".lag-badge"))
    assert marked.count() == 1
    assert marked.first.inner_text().startswith("Xã Đăk Rve Chậm")
    assert marked.first.locator(".lag-badge").is_visible()


def test_on_a_phone_every_table_row_is_a_card_with_every_value(site, sign_in, office):
    page = sign_in(office, width=360)
    page.goto(f"{site.url}/dashboard")
    # every table's, row's and cell's geometry read in one call (one round trip per
    # cell took 26 s); the page is laid out once, so nothing moves between the reads
    tables = page.evaluate("""() => [...document.querySelectorAll('table.numbers')].map(t => {
        const box = e => e.getBoundingClientRect();
        return {sideways: t.parentElement.scrollWidth - t.parentElement.clientWidth,
                head: box(t.querySelector('thead')).height,
                rows: [...t.querySelectorAll('tbody tr')].map(r => ({
                    x: box(r).x, width: box(r).width,
                    name: box(r.querySelector('td')).width,
                    cells: [...r.querySelectorAll('td[data-label]')].map(c => ({
                        x: box(c).x, width: box(c).width, height: box(c).height,
                        hidden: getComputedStyle(c).visibility === 'hidden',
                        before: getComputedStyle(c, '::before').content,
                        label: c.getAttribute('data-label'), text: c.innerText}))}))};
    })""")
    assert len(tables) >= 9 and sum(len(t["rows"]) for t in tables) >= 30
    for table in tables:
        assert table["sideways"] <= 0, "a table scrolls sideways"
        assert table["head"] <= 1                         # for screen readers
        for row in table["rows"]:
            assert row["x"] >= 0 and row["x"] + row["width"] <= 360
            assert row["name"] >= row["width"] - 30       # the whole card wide
            for cell in row["cells"]:
                assert cell["width"] > 0 and cell["height"] > 0 and not cell["hidden"]
                assert cell["x"] >= 0 and cell["x"] + cell["width"] <= 360
                assert cell["before"].strip('"') == cell["label"]
                assert cell["text"].strip(), "a value is missing"
    # a long name wraps by words, never one word per line
    name = page.locator("#by_unit tbody tr td").first
    assert name.inner_text().startswith("Phòng Giáo dục và Đào tạo")
    assert name.bounding_box()["height"] < 4 * 24
    screenshot(page, "dashboard-cards-360px")
