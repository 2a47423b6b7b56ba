"""Logging broadcasts in Chromium, on a phone (360 px) and a desk (1280 px): a feature
aired in the morning and again in the evening is two logs, both shown; an airing dated
before the commune existed is refused naming the commune, beside the form, with what
was typed kept; after a refused log the address bar holds the product page, so a reload
sends nothing again; a log is withdrawn after confirming, then it is gone from the list.
"""
from __future__ import annotations

from datetime import timedelta

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import screenshot
from tests.unit.web.media import wav_file

pytestmark = pytest.mark.browser

PHONE, DESK = 360, 1280
DAY = {PHONE: "20/08/2025", DESK: "21/08/2025"}      # one product: a day per width


@pytest.fixture(scope="module")
def aired_product(site, tmp_path_factory) -> int:
    """A radio feature whose WAV was processed for real (its broadcast MP3 exists)."""
    from app.services.access.accounts import actor_by_name
    from app.services.files.intake import receive
    from app.services.catalogue.products import create_product

    producer = actor_by_name(site.kho, "producer1")
    pid = create_product(site.kho, producer, {"title": "Bản tin an toàn giao thông",
                                              "kind": "radio-feature"})
    wav = wav_file(tmp_path_factory.mktemp("audio") / "ban-tin.wav", seconds=2)
    with wav.open("rb") as stream:
        receive(site.kho, producer, pid, stream, "bản tin.wav")
    return pid


def _near(page, first: str, second: str) -> float:
    """Vertical pixels between the bottom of ``first`` and the top of ``second``."""
    a, b = page.locator(first).bounding_box(), page.locator(second).bounding_box()
    return abs(b["y"] - (a["y"] + a["height"])) if b["y"] > a["y"] else \
        abs(a["y"] - (b["y"] + b["height"]))


def _log(page, day: str, slot: str, note: str = "") -> None:
    """Fill the form as a person does (the date, one tap on the part of the day) and
    send it."""
    page.fill('input[name="aired_on"]', day)
    page.get_by_role("radio", name=slot).check()
    page.fill('input[name="note"]', note)
    page.click(".broadcast-form button[type=submit]")


def _logs_in_force(site, pid: int) -> int:
    from app.services.access.actors import SYSTEM
    from app.services.broadcasts.log import list_broadcasts

    return len(list_broadcasts(site.kho, SYSTEM, product_id=pid))


@pytest.mark.parametrize("width", [PHONE, DESK])
def test_a_feature_aired_morning_and_evening_is_logged_twice(site, sign_in, aired_product,
                                                             width):
    page = sign_in("xa1", width=width)
    page.goto(f"{site.url}/products/{aired_product}")
    chips = page.locator(".slot-choice label")
    assert chips.all_inner_texts() == ["Sáng", "Trưa", "Chiều", "Tối"]
    assert all(box["height"] >= 44 and box["width"] >= 44
               for box in (chip.bounding_box() for chip in chips.all()))   # a finger's size
    day = DAY[width]
    _log(page, day, "Sáng", "Bản tin sáng")
    ok = page.locator(".broadcast-outcome.ok")
    expect(ok).to_contain_text(f"Đã ghi nhận: phát buổi sáng ngày {day} trên đài xã ")
    _log(page, day, "Tối", "Phát lại buổi tối")
    expect(ok).to_contain_text(f"Đã ghi nhận: phát buổi tối ngày {day} trên đài xã ")
    assert _near(page, ".broadcast-outcome", ".broadcast-form") < 40
    assert 0 <= ok.bounding_box()["y"] < 900                 # on screen, not far above
    items = page.locator(".broadcast-list li", has_text=day)
    assert items.count() == 2
    assert items.nth(0).inner_text().startswith(f"Đã phát buổi tối ngày {day}")
    assert items.nth(1).inner_text().startswith(f"Đã phát buổi sáng ngày {day}")
    assert page.evaluate("document.documentElement.scrollWidth") <= width
    screenshot(page, f"broadcast-two-airings-{width}px")
    page.goto(f"{site.url}/broadcasts")
    rows = page.locator(".broadcast-table tbody tr", has_text=day)
    assert rows.count() == 2 and "Tối" in rows.nth(0).inner_text()
    assert page.evaluate("document.documentElement.scrollWidth") <= width
    screenshot(page, f"broadcast-list-two-airings-{width}px")


@pytest.mark.parametrize("width", [PHONE, DESK])
def test_an_airing_before_the_commune_existed_is_refused_and_a_reload_sends_nothing(
        site, sign_in, aired_product, width):
    page = sign_in("xa1", width=width)
    product = f"{site.url}/products/{aired_product}"
    page.goto(product)
    before = _logs_in_force(site, aired_product)
    _log(page, "01/01/2019", "Chiều", "Phát lúc 17 giờ")
    error = page.locator(".broadcast-outcome.error")
    error.wait_for()
    assert error.inner_text().startswith(
        f"Ngày phát: {site.commune} chỉ tồn tại từ 01/07/2025; ngày 01/01/2019 thuộc về "
        "đơn vị cũ: ")
    assert error.is_visible() and _near(page, ".broadcast-outcome", ".broadcast-form") < 40
    assert 0 <= error.bounding_box()["y"] < 900
    assert page.url == f"{product}#broadcasts"       # the product page, not the form's target
    assert page.input_value('input[name="aired_on"]') == "01/01/2019"     # kept as typed
    assert page.input_value('input[name="note"]') == "Phát lúc 17 giờ"
    expect(page.get_by_role("radio", name="Chiều")).to_be_checked()
    expect(page.locator('input[name="aired_on"]')).to_be_focused()   # the cursor is there
    assert page.evaluate("document.documentElement.scrollWidth") <= width
    screenshot(page, f"broadcast-refused-{width}px")

    page.reload()                                    # a plain GET: nothing is sent again
    page.locator("#broadcasts").wait_for()
    assert page.url == f"{product}#broadcasts"
    assert page.locator(".broadcast-outcome").count() == 0          # said once
    assert page.input_value('input[name="aired_on"]') != "01/01/2019"   # a fresh form
    assert _logs_in_force(site, aired_product) == before


def test_commune_staff_withdraw_a_log_after_confirming(site, sign_in, aired_product):
    from app.services.common.clock import local_today

    page = sign_in("xa1", width=PHONE)
    page.goto(f"{site.url}/products/{aired_product}")
    future = (local_today(site.kho.settings) + timedelta(days=3)).strftime("%d/%m/%Y")
    _log(page, future, "Trưa")
    error = page.locator(".broadcast-outcome.error")
    error.wait_for()
    assert error.inner_text().startswith(f"Ngày phát: ngày {future} chưa đến")
    _log(page, "22/08/2025", "Trưa")
    page.locator(".broadcast-outcome.ok").wait_for()
    item = page.locator(".broadcast-list li", has_text="22/08/2025")
    assert item.count() == 1
    item.locator("summary", has_text="Rút lại").click()      # asks first
    confirm = item.locator("button", has_text="Có, rút lại")
    assert confirm.is_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE
    screenshot(page, "broadcast-withdraw-confirm-360px")
    confirm.click()
    done = page.locator(".broadcast-outcome.ok", has_text="Đã rút lại")
    done.wait_for()
    assert "buổi trưa ngày 22/08/2025" in done.inner_text()
    assert page.locator(".broadcast-list li", has_text="22/08/2025").count() == 0
    page.goto(f"{site.url}/broadcasts")
    assert "22/08/2025" not in page.locator("table").inner_text()
    screenshot(page, "broadcast-withdrawn-list-360px")


def test_the_refused_form_and_the_open_withdraw_step_pass_axe(site, sign_in, aired_product):
    from tests.browser.test_accessibility import _violations

    page = sign_in("xa1", width=PHONE, bypass_csp=True)    # axe is injected by the test
    page.goto(f"{site.url}/products/{aired_product}")
    _log(page, "31/02/2025", "Sáng")
    page.locator(".broadcast-outcome.error").wait_for()
    assert "31/02/2025 không phải là ngày có thật" in page.inner_text(".broadcast-outcome")
    assert _violations(page) == []
    _log(page, "23/08/2025", "Sáng")
    page.locator(".broadcast-outcome.ok").wait_for()
    page.locator(".broadcast-list li", has_text="23/08/2025").locator("summary").click()
    assert _violations(page) == []
