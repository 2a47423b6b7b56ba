"""The yearly contributions and the activities register, used in Chromium as the people
who use them would: a commune office (Xã Đăk Kôi) on its phone, the province's Sở
VHTTDL office, a producer and a commune radio account.

Every page is checked at 360 px with axe-core (no serious or critical violation, folds
opened) and must not scroll sideways; the controls touched are reached with Tab and
found by their visible label. Screenshots go to tests/browser/screenshots/ (both widths).
"""
from __future__ import annotations

import json
import re

import pytest

from tests.browser.conftest import PASSWORD, screenshot
from tests.browser.test_accessibility import _violations

pytestmark = pytest.mark.browser

COMMUNE = "xa-dak-koi-2025"
PROVINCE = "so-vhttdl-quang-ngai-2025"
PAGE = f"/contributions/{COMMUNE}/2026"
RESULTS = ("Tổ chức 3 hội nghị phổ biến Nghị định về quyền trẻ em.\n\n"
           "Phát 12 bản tin trên loa truyền thanh, bằng tiếng Việt và tiếng Xơ Đăng.")
TITLE = "Tập huấn kỹ năng tuyên truyền pháp luật cho người dân thôn Đăk Kôi"


@pytest.fixture(scope="module")
def accounts(site):
    """Office accounts of the commune and of the province's Sở, a commune radio account."""
    from app.services.access.accounts import add_user

    add_user(site.kho, "vh-dakkoi", "office", PASSWORD, unit=COMMUNE,
             display_name="Văn hóa xã Đăk Kôi")
    add_user(site.kho, "vh-so", "office", PASSWORD, unit=PROVINCE,
             display_name="Phòng Thông tin Sở")
    add_user(site.kho, "loa-dakkoi", "commune", PASSWORD, unit=COMMUNE)
    return site


def _looks_right(page, name: str) -> None:
    """No sideways scrolling, no blocking axe violation; a screenshot for the eye."""
    page.wait_for_load_state("networkidle")
    width = page.viewport_size["width"]
    screenshot(page, f"{name}-{width}")
    sizes = page.evaluate("() => [document.scrollingElement.scrollWidth,"
                          " document.scrollingElement.clientWidth]")
    assert sizes[0] <= sizes[1], f"{name} scrolls sideways at {width} px: {sizes}"
    if width <= 360:
        found = _violations(page)
        assert not found, json.dumps(found, ensure_ascii=False, indent=1)


def _tab_to(page, target, limit: int = 120) -> None:
    """Press Tab from the top of the page until ``target`` has the focus."""
    page.evaluate("() => { document.activeElement && document.activeElement.blur();"
                  " window.scrollTo(0, 0); }")
    handle = target.element_handle()
    for _ in range(limit):
        page.keyboard.press("Tab")
        if page.evaluate("(el) => el === document.activeElement", handle):
            return
    raise AssertionError(f"not reachable with Tab: {target}")


def _open(sign_in, username: str, width: int):
    return sign_in(username, width=width, bypass_csp=True)


def _at_a_desk(sign_in, site, username: str, pages: dict[str, str]) -> None:
    """The same pages at 1280 px: a screenshot each, nothing wider than the window."""
    page = _open(sign_in, username, 1280)
    for name, path in pages.items():
        assert page.goto(site.url + path).status == 200, path
        _looks_right(page, name)


def _nav(page, name: str) -> None:
    main_nav = page.get_by_role("navigation", name="Chính")
    main_nav.get_by_role("link", name=name, exact=True).click()


def test_a_commune_files_its_2026_contribution_and_the_province_returns_then_accepts(
        accounts, sign_in):
    xa = _open(sign_in, "vh-dakkoi", 360)
    _nav(xa, "Báo cáo đơn vị")
    owed = xa.locator("#owed-contributions")
    assert "Báo cáo đơn vị cần gửi" in owed.inner_text()
    _looks_right(xa, "contributions-commune-owes")
    link = owed.get_by_role("link", name="Báo cáo năm 2026")
    _tab_to(xa, link)
    xa.keyboard.press("Enter")
    xa.wait_for_url(f"**{PAGE}")
    assert xa.locator("h1").inner_text().startswith("Báo cáo năm 2026: Xã Đăk Kôi")
    _looks_right(xa, "contribution-form")

    results = xa.get_by_label("Kết quả", exact=True)
    _tab_to(xa, results)
    xa.keyboard.type(RESULTS)                        # Enter twice: a new paragraph
    xa.get_by_label("Khó khăn, vướng mắc").fill("Thiếu loa ở thôn Kon Rơ Wang.")
    xa.get_by_label("Đề xuất, kiến nghị").fill("Cấp thêm 2 cụm loa không dây.")
    submit = xa.get_by_role("button", name="Gửi báo cáo")
    _tab_to(xa, submit)
    xa.keyboard.press("Enter")
    xa.wait_for_url("**done=submit")
    assert xa.get_by_role("status").inner_text() == "Đã gửi cơ quan tổng hợp."
    assert xa.locator("strong.state-submitted").inner_text() == "Đã gửi"
    shown = xa.locator(".contribution-text .paragraphs").first.inner_text()
    assert shown == RESULTS, "the paragraphs are kept as typed"
    _looks_right(xa, "contribution-submitted")

    so = _open(sign_in, "vh-so", 360)
    _nav(so, "Báo cáo đơn vị")
    board = so.locator("main").inner_text()
    assert "Sở Văn hóa, Thể thao và Du lịch tỉnh Quảng Ngãi — 2026" in board
    row = so.locator("table.contribution-checklist tr", has_text="Xã Đăk Kôi")
    assert "Đã gửi" in row.inner_text()
    assert "1/3 đơn vị đã gửi báo cáo" in so.locator("p.total").inner_text()
    _looks_right(so, "contributions-checklist")
    _tab_to(so, row.get_by_role("link", name="Xã Đăk Kôi"))
    so.keyboard.press("Enter")
    so.wait_for_url(f"**{PAGE}")
    assert "Thiếu loa ở thôn Kon Rơ Wang." in so.locator(".contribution-text").inner_text()
    _looks_right(so, "contribution-review")
    reason = so.get_by_label("Lý do trả lại")
    _tab_to(so, reason)
    so.keyboard.type("Bổ sung số người dân tộc thiểu số được tập huấn.\nGửi lại trước 15/12.")
    back = so.get_by_role("button", name="Trả lại đơn vị")
    _tab_to(so, back)
    so.keyboard.press("Enter")
    so.wait_for_url("**done=return")
    assert so.get_by_role("status").inner_text() == "Đã trả lại đơn vị kèm lý do."
    assert so.locator("strong.state-returned").inner_text() == "Bị trả lại"

    xa.goto(accounts.url + "/contributions")
    assert "Bị trả lại" in xa.locator("#owed-contributions").inner_text()
    xa.locator("#owed-contributions").get_by_role("link", name="Báo cáo năm 2026").click()
    warning = xa.locator(".flash.warning").inner_text()
    assert "Cơ quan tổng hợp đã trả lại. Lý do" in warning
    assert "Bổ sung số người dân tộc thiểu số được tập huấn.\nGửi lại trước 15/12." in warning
    assert xa.get_by_label("Kết quả", exact=True).input_value() == RESULTS
    _looks_right(xa, "contribution-returned")
    _at_a_desk(sign_in, accounts, "vh-dakkoi", {"contributions-commune-owes": "/contributions",
                                                "contribution-returned": PAGE})
    xa.get_by_label("Kết quả", exact=True).press("Control+End")
    xa.keyboard.type("\n\nĐã tập huấn 40 người, trong đó 25 người Xơ Đăng.")
    xa.get_by_role("button", name="Gửi báo cáo").click()
    xa.wait_for_url("**done=submit")
    assert xa.locator("strong.state-submitted").inner_text() == "Đã gửi"

    so.goto(accounts.url + PAGE)
    accept = so.get_by_role("button", name="Chấp nhận")
    _tab_to(so, accept)
    so.keyboard.press("Enter")
    so.wait_for_url("**done=accept")
    assert so.get_by_role("status").inner_text() == "Đã chấp nhận."
    text = so.locator(".contribution-text .paragraphs").first.inner_text()
    assert text.endswith("\n\nĐã tập huấn 40 người, trong đó 25 người Xơ Đăng.")
    history = so.locator(".contribution-history").inner_text()
    assert "Bổ sung số người dân tộc thiểu số" in history and "Đã chấp nhận" in history
    _looks_right(so, "contribution-accepted")
    _nav(so, "Báo cáo đơn vị")
    assert "Đã chấp nhận" in so.locator("table.contribution-checklist tr",
                                         has_text="Xã Đăk Kôi").inner_text()
    _at_a_desk(sign_in, accounts, "vh-so", {"contributions-checklist": "/contributions",
                                            "contribution-accepted": PAGE})


def test_an_office_records_a_training_found_without_diacritics(accounts, sign_in):
    office = _open(sign_in, "vh-dakkoi", 360)
    _nav(office, "Hoạt động")
    _looks_right(office, "activities-empty")
    record = office.get_by_role("link", name="Ghi nhận hoạt động")
    _tab_to(office, record)
    office.keyboard.press("Enter")
    office.wait_for_url("**/activities/new")
    _looks_right(office, "activity-form")

    kind = office.get_by_label("Loại hoạt động")
    _tab_to(office, kind)
    kind.select_option("training")
    office.get_by_label("Tiêu đề").fill(TITLE)
    office.get_by_label("Ngày bắt đầu").fill("12/09/2026")
    office.get_by_label("Ngày kết thúc").fill("13/09/2026")
    office.get_by_label("Đơn vị tổ chức").select_option(COMMUNE)
    office.get_by_label("Xã, phường nơi tổ chức").select_option([COMMUNE])
    office.get_by_label("Nhiệm vụ kế hoạch").select_option("2.2")
    office.get_by_label("Địa điểm").fill("Hội trường UBND xã Đăk Kôi")
    citizens = office.get_by_label("Nhân dân: Tổng số")
    above = citizens.locator("xpath=preceding-sibling::span[1]")
    assert above.is_visible() and above.inner_text() == "Tổng số"   # the phone sees it
    _tab_to(office, citizens)
    office.keyboard.type("40")
    office.get_by_label("Nhân dân: Nữ").fill("22")
    office.get_by_label("Nhân dân: Dân tộc thiểu số").fill("45")   # more than the total
    office.get_by_label("Cán bộ, công chức làm công tác quản lý thông tin, truyền thông: "
                        "Tổng số").fill("6")
    office.get_by_role("button", name="Lưu", exact=True).click()
    error = office.locator("#error-participants")
    assert "không thể nhiều hơn tổng số (40)" in error.inner_text()
    assert office.get_by_label("Tiêu đề").input_value() == TITLE
    _looks_right(office, "activity-form-refused")

    office.get_by_label("Nhân dân: Dân tộc thiểu số").fill("25")
    save = office.get_by_role("button", name="Lưu", exact=True)
    _tab_to(office, save)
    office.keyboard.press("Enter")
    office.wait_for_url(re.compile(r".*/activities/\d+$"))
    assert office.get_by_role("heading", level=1).inner_text() == TITLE
    facts = office.locator(".activity-facts").inner_text()
    assert "Tập huấn, bồi dưỡng" in facts and "12/09/2026 – 13/09/2026" in facts
    foot = office.locator("#participants tfoot").inner_text().split()
    assert foot[-3:] == ["46", "22", "25"]
    fold = office.locator("details.danger-zone > summary")
    _tab_to(office, fold)
    office.keyboard.press("Enter")                               # the fold, open
    assert office.get_by_role("button", name="Đồng ý xóa").is_visible()
    _looks_right(office, "activity-detail-office")
    detail = office.url

    _nav(office, "Hoạt động")
    listed = office.locator("table.activity-table tbody").inner_text()
    assert TITLE in listed and "12/09/2026 – 13/09/2026" in listed
    cell = office.get_by_role("cell", name=re.compile(TITLE)).bounding_box()
    table = office.locator("table.activity-table").bounding_box()
    assert cell["width"] >= 0.8 * table["width"], "on a phone the title gets a whole line"
    _looks_right(office, "activities-list")

    radio = _open(sign_in, "loa-dakkoi", 360)
    box = radio.locator('main input[type="search"]').first
    box.fill("tap huan dak koi")
    box.press("Enter")
    radio.wait_for_url("**/search?**")
    _looks_right(radio, "search-products-tab")
    tab = radio.locator("[data-role=activities-tab]")
    assert tab.inner_text() == "Hoạt động"
    _tab_to(radio, tab)
    radio.keyboard.press("Enter")
    radio.wait_for_url("**/activities?q=tap+huan+dak+koi")
    assert radio.locator("p.total").inner_text() == "1 hoạt động"
    assert radio.get_by_role("link", name=TITLE).is_visible()
    assert radio.get_by_role("link", name="Ghi nhận hoạt động").count() == 0
    _looks_right(radio, "activities-search-tab")
    radio.get_by_role("link", name=TITLE).click()
    assert "Chỉ hiển thị số lượng" in radio.locator("#participants").inner_text()
    _looks_right(radio, "activity-detail-commune")

    producer = _open(sign_in, "producer1", 360)
    producer.goto(detail)
    assert producer.locator("details.danger-zone").count() == 0
    assert producer.get_by_role("link", name="Báo cáo đơn vị").count() == 0
    assert "Chỉ hiển thị số lượng" in producer.locator("#participants").inner_text()
    _looks_right(producer, "activity-detail-producer")
    _at_a_desk(sign_in, accounts, "vh-dakkoi", {
        "activities-list": "/activities", "activity-form": "/activities/new",
        "activities-search-tab": "/activities?q=tap+huan+dak+koi",
        "activity-detail-office": detail.removeprefix(accounts.url)})
