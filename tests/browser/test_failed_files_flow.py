"""A producer in Chromium: sending files shows "Đang tải lên… N %" then "Đã nhận, đang
xử lý"; a duplicate says where it already is, with a link; a file that failed reads
in Vietnamese with what to do, beside a ready one the product is "Sẵn sàng, có cảnh
báo"; a damaged file is offered Thay tệp rather than a Thử lại that would fail again,
and Gỡ tệp (after asking) takes it off —
at 1280 px and on a 360 px touch phone, where no drag-and-drop hint is shown."""
from __future__ import annotations

import pytest

from tests.browser.conftest import screenshot
from tests.unit.ingest import media_factory

pytestmark = pytest.mark.browser

# every text the upload row's state takes, in order (the page's own script sets them)
RECORD_STATES = """() => {
  window.__states = [];
  new MutationObserver(() => {
    document.querySelectorAll('[data-role="upload-state"]').forEach((el) => {
      const text = el.textContent;
      if (window.__states[window.__states.length - 1] !== text) { window.__states.push(text); }
    });
  }).observe(document.body, {subtree: true, childList: true, characterData: true});
}"""


def _product(site, title: str, kind: str = "radio-feature") -> int:
    from app.services.access.accounts import actor_by_name
    from app.services.catalogue.products import create_product

    return create_product(site.kho, actor_by_name(site.kho, "producer1"),
                          {"title": title, "kind": kind})


def _fits(page, width: int) -> None:
    assert page.evaluate("document.documentElement.scrollWidth") <= width


def test_sending_a_file_shows_its_progress_then_received(site, sign_in, tmp_path):
    pid = _product(site, "Bản tin thời sự sáng thứ hai")
    wav = media_factory.tone(tmp_path / "ban-tin.wav", seconds=2)
    page = sign_in("producer1", width=1280)
    page.goto(f"{site.url}/products/{pid}/upload")
    assert page.locator(".drop-hint").is_visible()          # a mouse: drag and drop
    assert not page.locator(".touch-hint").is_visible()
    page.evaluate(RECORD_STATES)
    page.set_input_files("#files", str(wav))
    page.wait_for_selector('.upload-list .status.ready', timeout=60_000)
    states = page.evaluate("window.__states")
    sending = [s for s in states if s.startswith("Đang tải lên…")]
    assert sending and all(s.endswith(" %") for s in sending), states
    assert "Đã nhận, đang xử lý" in states, states
    assert states.index(sending[0]) < states.index("Đã nhận, đang xử lý")
    assert page.locator('.upload-list .status.ready').first.inner_text() == "Sẵn sàng"

    other = _product(site, "Bản tin phát lại")               # the same bytes elsewhere
    page.goto(f"{site.url}/products/{other}/upload")
    page.set_input_files("#files", str(wav))
    notice = page.locator(".upload-list .notice.duplicate")
    notice.wait_for(timeout=60_000)
    assert notice.inner_text().startswith(f"Tệp này đã có trong kho: sản phẩm #{pid}.")
    screenshot(page, "upload-duplicate-1280")
    notice.locator("a").click()
    page.wait_for_url(f"**/products/{pid}")
    assert "Bản tin thời sự sáng thứ hai" in page.locator("h1").inner_text()


def test_a_phone_shows_no_drag_and_drop_hint(site, sign_in):
    pid = _product(site, "Phóng sự trên điện thoại")
    page = sign_in("producer1", width=360, has_touch=True, is_mobile=True)
    page.goto(f"{site.url}/products/{pid}/upload")
    assert page.evaluate("matchMedia('(hover: none), (pointer: coarse)').matches")
    assert not page.locator(".drop-hint").is_visible()
    assert page.locator(".touch-hint").is_visible()
    assert page.locator(".touch-hint").inner_text() == "Chọn tệp cần thêm:"
    assert "tối đa 4 GB mỗi tệp" in page.locator(".dropzone .hint").first.inner_text()
    _fits(page, 360)


@pytest.mark.parametrize("width", [1280, 360])
def test_a_damaged_file_is_offered_replace_then_removed(site, sign_in, tmp_path, width):
    from app.services.access.accounts import actor_by_name
    from app.services.files.intake import receive

    producer = actor_by_name(site.kho, "producer1")
    pid = _product(site, f"Phóng sự có tệp hỏng ({width} px)")
    wav = media_factory.tone(tmp_path / "tot.wav", seconds=1, rate=22050 + width)
    with wav.open("rb") as good:
        receive(site.kho, producer, pid, good, "tot.wav")
    junk = b"ID3\x04\x00\x00\x00\x00\x00\x00" + bytes(range(256)) * (20 + width // 100)
    import io
    receive(site.kho, producer, pid, io.BytesIO(junk), "hong.mp3")

    page = sign_in("producer1", width=width, **({"has_touch": True, "is_mobile": True}
                                                if width == 360 else {}))
    page.goto(f"{site.url}/products/{pid}")
    assert page.locator('[data-role="product-status"]').inner_text() == "Sẵn sàng, có cảnh báo"
    problem = page.locator(".previews .file-problem")
    assert problem.count() == 1
    sentence = problem.locator(".error-text").inner_text()
    assert sentence.startswith("Tệp âm thanh") and "hãy tải lên lại bản gốc" in sentence
    assert not problem.locator(".tool-output pre").is_visible()      # folded
    problem.locator(".tool-output summary").click()
    assert problem.locator(".tool-output pre").is_visible()
    _fits(page, width)
    screenshot(page, f"failed-file-{width}")

    # a damaged file fails again on a retry: "Thay tệp" is offered instead (a problem of
    # the moment keeps "Thử lại": tests/browser/test_upload_and_file_fixes.py)
    assert problem.locator('[data-role="retry-file"]').count() == 0
    assert problem.locator('[data-role="replace-file"]').inner_text() == "Thay tệp"

    problem.locator('[data-role="remove-file"]').click()    # asks first
    confirm = problem.locator('[data-role="confirm-remove"]')
    assert confirm.is_visible()
    assert "Gỡ hong.mp3 khỏi sản phẩm này?" in problem.locator(".confirm-remove").inner_text()
    confirm.click()
    page.wait_for_url(f"**/products/{pid}")
    assert "Đã gỡ hong.mp3 khỏi sản phẩm" in page.locator(".flash.ok").first.inner_text()
    assert page.locator(".file-problem").count() == 0
    assert page.locator('[data-role="product-status"]').inner_text() == "Sẵn sàng"
    _fits(page, width)
