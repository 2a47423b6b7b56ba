"""Issue 24, a producer's second round in Chromium (at 1280 px and on a 360 px phone):

- leaving the upload page while a file is being sent is asked first (the browser's
  "leave site?" dialog) and the "Xong: xem sản phẩm" link waits, disabled, until the
  file is received — or failed;
- a text file named .jpg is said at once to be really plain text ("văn bản thuần"),
  with a link that replaces it; the replacement keeps the history and says "đã thay";
- a video cut short offers "Thay tệp", not a "Thử lại" that would fail again; a
  problem of the moment does offer "Thử lại"; "Gỡ tệp" asks before it removes, and the
  history still names the removed file;
- commune staff read no integrity-check lines; producers find them folded, in words.

The requests that send files are held (Playwright routes) to keep a file "being sent"
as long as the test needs, then let go or aborted: nothing waits on a clock.
"""
from __future__ import annotations

import pytest

from tests.browser.conftest import screenshot
from tests.unit.ingest import media_factory
from tests.unit.web.media import png_bytes

pytestmark = pytest.mark.browser

NOT_A_PICTURE = "Ghi chú phỏng vấn bà con thôn Kon Bỉ về nước sạch.\n".encode() * 30


def _product(site, title: str, kind: str = "radio-feature") -> int:
    from app.services.access.accounts import actor_by_name
    from app.services.catalogue.products import create_product

    return create_product(site.kho, actor_by_name(site.kho, "producer1"),
                          {"title": title, "kind": kind})


def _open(sign_in, username: str, width: int):
    phone = {"has_touch": True, "is_mobile": True} if width == 360 else {}
    return sign_in(username, width=width, **phone)


def _fits(page, width: int) -> None:
    assert page.evaluate("document.documentElement.scrollWidth") <= width


def _until(page, condition, what: str, tries: int = 300) -> None:
    """Let Playwright deliver its events (routes, dialogs) until ``condition()``."""
    for _ in range(tries):
        if condition():
            return
        page.wait_for_timeout(100)
    raise AssertionError(f"never happened: {what}")


def _history(page) -> str:
    return page.locator("section.history ol.history-list").inner_text()


@pytest.mark.parametrize("width", [1280, 360])
def test_leaving_while_a_file_is_sent_is_asked_and_done_waits(site, sign_in, tmp_path,
                                                              width):
    pid = _product(site, f"Bản tin đang gửi ({width} px)")
    wav = media_factory.tone(tmp_path / "ban-tin.wav", seconds=1, rate=22050 + width)
    other = media_factory.tone(tmp_path / "ban-tin-2.wav", seconds=1, rate=16000 + width)
    page = _open(sign_in, "producer1", width)
    held, dialogs = [], []
    page.route(f"**/products/{pid}/files", lambda route: held.append(route))
    page.on("dialog", lambda dialog: (dialogs.append(dialog.type), dialog.dismiss()))
    page.goto(f"{site.url}/products/{pid}/upload")
    done = page.locator('[data-role="upload-done"]')
    wait = page.locator('[data-role="upload-wait"]')
    assert done.get_attribute("aria-disabled") is None and not wait.is_visible()

    page.set_input_files("#files", str(wav))
    _until(page, lambda: held, "the upload request")           # being sent, held here
    assert done.get_attribute("aria-disabled") == "true" and done.is_disabled()
    assert wait.is_visible() and "hãy ở lại trang này" in wait.inner_text()
    assert page.locator(".upload-list .status.sending").count() == 1
    _fits(page, width)
    screenshot(page, f"upload-sending-{width}")
    done.click(force=True)                      # pressed anyway: disabled, nothing happens
    assert page.url.endswith(f"/products/{pid}/upload") and dialogs == []

    page.locator("main h1 a").click(no_wait_after=True)         # any link away
    _until(page, lambda: dialogs, "the leave-site dialog")
    assert dialogs == ["beforeunload"]                          # asked; "stay" chosen
    assert page.url.endswith(f"/products/{pid}/upload")
    assert page.locator(".upload-list .status.sending").count() == 1   # still sending

    held.pop().continue_()                                      # the file goes through
    page.wait_for_selector('.upload-list [data-role="upload-state"].processing, '
                           '.upload-list .status.ready', timeout=60_000)
    page.wait_for_selector('[data-role="upload-done"]:not([aria-disabled])')
    assert not wait.is_visible() and done.is_enabled()

    page.set_input_files("#files", str(other))                  # one that fails
    _until(page, lambda: held, "the second upload request")
    assert done.get_attribute("aria-disabled") == "true"
    held.pop().abort()
    page.wait_for_selector(".upload-list .status.failed")
    assert "Chưa gửi được" in page.locator(".upload-list .status.failed").inner_text()
    page.wait_for_selector('[data-role="upload-done"]:not([aria-disabled])')

    done.click()                                                # nothing in flight: leaves
    page.wait_for_url(f"**/products/{pid}")
    assert dialogs == ["beforeunload"]                          # not asked again


@pytest.mark.parametrize("width", [1280, 360])
def test_a_text_file_named_jpg_is_said_to_be_text_and_replaced_keeping_the_history(
        site, sign_in, tmp_path, width):
    pid = _product(site, f"Ảnh bìa bản tin ({width} px)", kind="photo")
    wrong = tmp_path / "anh-bia.jpg"
    wrong.write_bytes(NOT_A_PICTURE + str(width).encode())
    right = tmp_path / "anh-bia-that.png"
    right.write_bytes(png_bytes(text=f"Kon Ray {width}"))
    page = _open(sign_in, "producer1", width)
    page.goto(f"{site.url}/products/{pid}/upload")
    page.set_input_files("#files", str(wrong))
    notice = page.locator(".upload-list .notice.type_mismatch")
    notice.wait_for(timeout=60_000)
    said = notice.inner_text()
    assert "đuôi .jpg, tức là ảnh JPEG" in said and "nội dung thật là văn bản thuần" in said
    assert "hãy thay tệp" in said
    _fits(page, width)
    screenshot(page, f"upload-jpg-is-text-{width}")

    notice.locator("a", has_text="thay tệp").click()
    page.wait_for_url(f"**/products/{pid}/files/*/replace?back=upload")
    assert "Thay anh-bia.jpg" in page.locator("h1").inner_text()
    assert "nội dung thật là văn bản thuần" in page.locator('[data-role="replace-reason"]'
                                                            ).inner_text()
    _fits(page, width)
    page.set_input_files('[data-role="replacement"]', str(right))
    page.locator('[data-role="replace-send"]').click()
    page.wait_for_url(f"**/products/{pid}/upload")
    assert "Đã thay anh-bia.jpg bằng anh-bia-that.png." in page.locator(
        ".flash.ok").first.inner_text()

    page.goto(f"{site.url}/products/{pid}")
    files = page.locator("section.files").inner_text()
    assert "anh-bia-that.png" in files and "anh-bia.jpg" not in files
    history = _history(page)
    assert "Biên tập viên đã thay tệp anh-bia.jpg bằng anh-bia-that.png" in history
    assert "Biên tập viên đã tải lên tệp anh-bia.jpg" in history     # kept, with its name
    assert "Biên tập viên đã tạo sản phẩm" in history
    _fits(page, width)


@pytest.mark.parametrize("width", [1280, 360])
def test_a_cut_short_video_is_replaced_not_retried_and_removing_asks_first(
        site, sign_in, tmp_path, width):
    import io

    from app.services.access.accounts import actor_by_name
    from app.services.files.intake import receive
    from archive.models import File

    producer = actor_by_name(site.kho, "producer1")
    pid = _product(site, f"Phóng sự video bị cắt ({width} px)", kind="video")
    whole = media_factory.video(tmp_path / "phong-su.mp4", seconds=2,
                                size="320x240" if width == 1280 else "240x160")
    data = whole.read_bytes()
    receive(site.kho, producer, pid, io.BytesIO(data[: len(data) // 3]), "phong-su-cat.mp4")
    moment = receive(site.kho, producer, pid, io.BytesIO(data[: len(data) // 4]),
                     "phong-su-ngan.mp4")
    with site.kho.transaction() as s:       # as if the server had been too busy for it
        f = s.get(File, moment.file_id)
        f.problem, f.problem_params = "tool.timeout", {"seconds": 600}

    page = _open(sign_in, "producer1", width)
    page.goto(f"{site.url}/products/{pid}")
    cut = page.locator('.previews figure', has_text="phong-su-cat.mp4").locator(
        ".file-problem")
    assert "Tệp video bị cắt cụt" in cut.locator(".error-text").inner_text()
    assert cut.locator('[data-role="retry-file"]').count() == 0        # would fail again
    assert cut.locator('[data-role="replace-file"]').inner_text() == "Thay tệp"
    busy = page.locator('.previews figure', has_text="phong-su-ngan.mp4").locator(
        ".file-problem")
    assert "kéo dài quá 600 giây" in busy.locator(".error-text").inner_text()
    assert busy.locator('[data-role="retry-file"]').inner_text() == "Thử lại"
    _fits(page, width)
    screenshot(page, f"cut-short-video-{width}")

    busy.locator('[data-role="retry-file"]').click()            # processed again: cut short
    page.wait_for_url(f"**/products/{pid}")
    busy = page.locator('.previews figure', has_text="phong-su-ngan.mp4").locator(
        ".file-problem")
    assert "Tệp video bị cắt cụt" in busy.locator(".error-text").inner_text()
    assert busy.locator('[data-role="retry-file"]').count() == 0

    busy.locator('[data-role="remove-file"]').click()           # asks first
    confirm = busy.locator('[data-role="confirm-remove"]')
    assert confirm.is_visible()
    assert "Gỡ phong-su-ngan.mp4 khỏi sản phẩm này?" in busy.locator(
        ".confirm-remove").inner_text()
    assert page.locator('.previews figure', has_text="phong-su-ngan.mp4").count() == 1
    confirm.click()
    page.wait_for_url(f"**/products/{pid}")
    assert "Đã gỡ phong-su-ngan.mp4 khỏi sản phẩm" in page.locator(
        ".flash.ok").first.inner_text()
    history = _history(page)
    assert "Biên tập viên đã gỡ tệp phong-su-ngan.mp4" in history
    assert "Biên tập viên đã tải lên tệp phong-su-ngan.mp4" in history
    assert "tệp tệp" not in history and "không còn trong sản phẩm" not in history
    assert "đã yêu cầu xử lý lại" not in history                # folded away

    page.locator('.previews figure', has_text="phong-su-cat.mp4").locator(
        '[data-role="replace-file"]').click()
    page.wait_for_url(f"**/products/{pid}/files/*/replace?back=product")
    page.set_input_files('[data-role="replacement"]', str(whole))
    page.locator('[data-role="replace-send"]').click()
    page.wait_for_url(f"**/products/{pid}", timeout=120_000)
    assert page.locator(".file-problem").count() == 0
    assert page.locator('[data-role="product-status"]').inner_text() == "Sẵn sàng"
    history = _history(page)
    assert "Biên tập viên đã thay tệp phong-su-cat.mp4 bằng phong-su.mp4" in history
    assert "Biên tập viên đã tải lên tệp phong-su-cat.mp4" in history
    _fits(page, width)


def test_commune_staff_read_no_integrity_checks_producers_find_them_folded(
        site, sign_in, tmp_path):
    from app.services.access.accounts import actor_by_name
    from app.services.files.intake import receive
    from app.services.preservation import fixity

    producer = actor_by_name(site.kho, "producer1")
    pid = _product(site, "Bản tin được kiểm tra định kỳ")
    wav = media_factory.tone(tmp_path / "kiem-tra.wav", seconds=1, rate=11025)
    with wav.open("rb") as stream:
        receive(site.kho, producer, pid, stream, "kiem-tra.wav")
    for _ in range(3):                                          # three audit rounds
        fixity.run(site.kho, fixity.select_targets(site.kho, product_id=pid))
    checked = "Đã kiểm tra: bản lưu của tệp kiem-tra.wav còn nguyên vẹn"

    commune = _open(sign_in, "xa1", 360)
    commune.goto(f"{site.url}/products/{pid}")
    history = commune.locator("section.history").inner_text()
    assert "Biên tập viên đã tải lên tệp kiem-tra.wav" in history
    assert checked not in commune.content() and "bản MP3 phát thanh" not in history
    assert commune.locator("section.history details").count() == 0
    _fits(commune, 360)

    page = _open(sign_in, "producer1", 1280)
    page.goto(f"{site.url}/products/{pid}")
    assert checked not in _history(page)
    folded = page.locator("section.history details.history-work")
    assert folded.locator("summary").inner_text().startswith("Xử lý và kiểm tra tự động")
    assert not folded.locator("ol").is_visible()
    folded.locator("summary").click()
    lines = folded.locator("ol").inner_text()
    assert lines.count(checked) == 3 and "Đã tạo bản MP3 phát thanh" in lines
    assert "fixity.check" not in lines and " · ok" not in lines


@pytest.mark.parametrize("width", [1280, 360])
def test_the_pages_that_fix_files_have_no_serious_accessibility_violations(
        site, sign_in, width):
    import io
    import json

    from app.services.access.accounts import actor_by_name
    from app.services.files.intake import receive
    from tests.browser.test_accessibility import _violations

    producer = actor_by_name(site.kho, "producer1")
    pid = _product(site, f"Tệp cần sửa ({width} px)", kind="photo")
    receive(site.kho, producer, pid, io.BytesIO(NOT_A_PICTURE + b"a11y" + bytes([width % 7])),
            "anh-bia.jpg")
    bad = receive(site.kho, producer, pid, io.BytesIO(b"ID3\x04" + bytes(range(256)) * 9
                                                      + str(width).encode()), "hong.mp3")
    phone = {"has_touch": True, "is_mobile": True} if width == 360 else {}
    page = sign_in("producer1", width=width, bypass_csp=True, **phone)   # to inject axe
    found = {}
    for path in (f"/products/{pid}", f"/products/{pid}/upload",
                 f"/products/{pid}/files/{bad.file_id}/replace"):
        page.goto(site.url + path)
        page.wait_for_load_state("networkidle")
        violations = _violations(page)
        if violations:
            found[path] = violations
        _fits(page, width)
    assert not found, json.dumps(found, ensure_ascii=False, indent=1)
