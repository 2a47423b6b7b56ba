"""An access request in Chromium on a phone (360 px): a commune's staff opens a ritual
restricted to another commune, reads why it is not shown and asks with a reason from
the same page; the admin grants it from the queue with the date picker; the staff is
told in the page header, reads the answer in Vietnamese and opens the product. No page
of the flow scrolls sideways at 360 px or has a serious axe-core violation."""
from __future__ import annotations

from datetime import timedelta

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import screenshot
from tests.browser.test_accessibility import _violations

pytestmark = pytest.mark.browser

PHONE = 360


@pytest.fixture(scope="module")
def ritual(site) -> int:
    from app.services.catalogue.vocabularies import list_vocabulary
    from tests.unit.services.access.test_requests import make_product

    own = next(e for e in list_vocabulary(site.kho, "communes") if e.flags["current"]).code
    other = "xa-kon-braih-2025" if own != "xa-kon-braih-2025" else "xa-dak-koi-2025"
    return make_product(site.kho, "Lễ cúng lúa mới của người Xơ Đăng", "restricted",
                        audience=(other,))


def _fits(page) -> None:
    """No sideways scrolling at 360 px, and no serious or critical axe violation."""
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE
    assert _violations(page) == []


def test_ask_grant_and_see_on_a_phone(site, sign_in, ritual):
    from app.services.common.clock import local_today

    staff = sign_in("xa1", width=PHONE, bypass_csp=True)      # to inject axe-core
    staff.goto(f"{site.url}/products/{ritual}")
    expect(staff.get_by_role("heading", name="Đề nghị được tiếp cận")).to_be_visible()
    _fits(staff)
    screenshot(staff, "access-request-form-360px")
    staff.get_by_label("Vì sao bạn cần tiếp cận sản phẩm này?").fill(
        "Phát lại trong chuyên mục văn hóa dân tộc")
    staff.get_by_role("button", name="Gửi đề nghị").click()
    staff.wait_for_url("**/access-requests")
    expect(staff.get_by_text("Đang chờ đơn vị quản lý quyết định")).to_be_visible()
    _fits(staff)

    admin = sign_in("admin1", width=PHONE, bypass_csp=True)
    admin.goto(f"{site.url}/access-requests/queue")
    expect(admin.get_by_text("Phát lại trong chuyên mục văn hóa dân tộc")).to_be_visible()
    until = local_today(site.kho.settings) + timedelta(days=14)
    admin.get_by_label("Cho phép đến hết ngày").fill(until.isoformat())
    _fits(admin)
    screenshot(admin, "access-request-queue-360px")
    admin.get_by_role("button", name="Cho phép", exact=True).click()
    expect(admin.locator(".flash.success")).to_contain_text("Đã cho phép xa1 tiếp cận")

    staff.goto(f"{site.url}/search")
    expect(staff.get_by_text("Yêu cầu truy cập của bạn có 1 câu trả lời mới.")).to_be_visible()
    staff.get_by_role("link", name="Xem câu trả lời").click()
    expect(staff.get_by_text(f"Đã cho phép đến hết ngày {until.strftime('%d/%m/%Y')}")) \
        .to_be_visible()
    _fits(staff)
    screenshot(staff, "access-request-granted-360px")
    staff.get_by_role("link", name="Lễ cúng lúa mới của người Xơ Đăng").click()
    expect(staff.get_by_role("heading", name="Lễ cúng lúa mới của người Xơ Đăng")).to_be_visible()
