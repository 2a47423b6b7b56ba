"""Logging a broadcast on a phone (360 px, Chromium): a refused date is said beside the
form with what was typed kept, a good one is confirmed beside the form, and a log is
withdrawn after confirming; then it is gone from the list."""
from __future__ import annotations

from datetime import timedelta

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import screenshot
from tests.unit.web.media import wav_file


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


def test_commune_logs_and_withdraws_a_broadcast_on_a_phone(site, sign_in, aired_product):
    from app.services.common.clock import local_today

    page = sign_in("xa1", width=360)
    page.goto(f"{site.url}/products/{aired_product}")
    future = (local_today(site.kho.settings) + timedelta(days=3)).strftime("%d/%m/%Y")
    page.fill('input[name="aired_on"]', future)
    page.fill('input[name="note"]', "Phát lúc 6 giờ sáng")
    page.click(".broadcast-form button[type=submit]")
    error = page.locator(".broadcast-outcome.error")
    error.wait_for()
    assert error.inner_text().startswith(f"Ngày phát: ngày {future} chưa đến")
    assert error.is_visible() and _near(page, ".broadcast-outcome", ".broadcast-form") < 40
    top = error.bounding_box()["y"]
    assert 0 <= top < 900                                  # on screen, not far above
    assert page.input_value('input[name="aired_on"]') == future        # kept as typed
    assert page.input_value('input[name="note"]') == "Phát lúc 6 giờ sáng"
    expect(page.locator('input[name="aired_on"]')).to_be_focused()   # the cursor is there
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    screenshot(page, "broadcast-refused-360px")

    page.fill('input[name="aired_on"]', "20/08/2025")
    page.click(".broadcast-form button[type=submit]")
    ok = page.locator(".broadcast-outcome.ok")
    ok.wait_for()
    assert ok.inner_text().startswith("Đã ghi nhận: phát ngày 20/08/2025 trên đài xã ")
    assert _near(page, ".broadcast-outcome", ".broadcast-form") < 40
    assert 0 <= ok.bounding_box()["y"] < 900
    item = page.locator(".broadcast-list li", has_text="20/08/2025")
    assert item.count() == 1
    screenshot(page, "broadcast-logged-360px")

    item.locator("summary", has_text="Rút lại").click()      # asks first
    confirm = item.locator("button", has_text="Có, rút lại")
    assert confirm.is_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    screenshot(page, "broadcast-withdraw-confirm-360px")
    confirm.click()
    done = page.locator(".broadcast-outcome.ok", has_text="Đã rút lại")
    done.wait_for()
    assert "20/08/2025" in done.inner_text()
    assert page.locator(".broadcast-list li", has_text="20/08/2025").count() == 0
    page.goto(f"{site.url}/broadcasts")
    assert "Bản tin an toàn giao thông" not in page.locator("table").inner_text()
    screenshot(page, "broadcast-withdrawn-list-360px")


def test_the_refused_form_and_the_open_withdraw_step_pass_axe(site, sign_in, aired_product):
    from tests.browser.test_accessibility import _violations

    page = sign_in("xa1", width=360, bypass_csp=True)      # axe is injected by the test
    page.goto(f"{site.url}/products/{aired_product}")
    page.fill('input[name="aired_on"]', "31/02/2025")
    page.click(".broadcast-form button[type=submit]")
    page.locator(".broadcast-outcome.error").wait_for()
    assert "31/02/2025 không phải là ngày có thật" in page.inner_text(".broadcast-outcome")
    assert _violations(page) == []
    page.fill('input[name="aired_on"]', "21/08/2025")
    page.click(".broadcast-form button[type=submit]")
    page.locator(".broadcast-outcome.ok").wait_for()
    page.locator(".broadcast-list li", has_text="21/08/2025").locator("summary").click()
    assert _violations(page) == []
