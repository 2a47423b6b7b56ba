"""The main pages in a real browser: upload a video and a poster, search without
diacritics, play the preview, download the broadcast MP3, log a broadcast."""
from __future__ import annotations

import re
from pathlib import Path

import pytest

from tests.browser.conftest import PASSWORD, screenshot, wait_true
from tests.unit.ingest import media_factory
from tests.unit.web.media import png_bytes, wav_file

pytestmark = pytest.mark.browser

READY_TIMEOUT_MS = 90_000


def _create_product(page, site, title: str, shot: str = "") -> str:
    """Fill the metadata form; returns the product id (the page is then the upload page)."""
    page.goto(f"{site.url}/products/new")
    if shot:
        screenshot(page, shot)
    page.fill('input[name="title"]', title)
    page.select_option('select[name="kind"]', index=1)
    page.locator('input[name="themes"]').first.check()
    page.locator('input[name="languages"]').first.check()
    page.fill('input[name="produced_on"]', "15/08/2025")
    page.click("form.metadata-form button[type=submit]")
    page.wait_for_url(re.compile(r".*/products/\d+/upload$"))
    return re.search(r"/products/(\d+)/upload", page.url).group(1)


def _upload(page, files: list[Path]) -> None:
    page.set_input_files('input[type="file"]', [str(f) for f in files])
    page.wait_for_selector('[data-role="product-status"].ready', timeout=READY_TIMEOUT_MS)


def _drop(page, path: Path) -> None:
    """Drop a file on the drop zone the way a browser does (a DataTransfer with a File)."""
    transfer = page.evaluate_handle(
        """([name, bytes]) => { const dt = new DataTransfer();
             dt.items.add(new File([new Uint8Array(bytes)], name, {type: 'image/png'}));
             return dt; }""", [path.name, list(path.read_bytes())])
    page.dispatch_event('[data-role="dropzone"]', "drop", {"dataTransfer": transfer})


@pytest.fixture(scope="module")
def media(tmp_path_factory):
    folder = tmp_path_factory.mktemp("media")
    video = media_factory.video(folder / "phong-su.mp4", seconds=3, size="320x240")
    poster = folder / "áp phích.png"
    poster.write_bytes(png_bytes((640, 400), "Quyen tre em"))
    audio = wav_file(folder / "bản tin.wav", seconds=3)
    return {"video": video, "poster": poster, "audio": audio}


@pytest.fixture(scope="module")
def products():
    return {}


def test_producer_uploads_video_and_poster(site, sign_in, media, products):
    page = sign_in("producer1")
    products["video"] = _create_product(page, site, "Phóng sự Quyền trẻ em ở Kon Rẫy",
                                        shot="product-new")
    page.set_input_files('input[type="file"]', str(media["video"]))
    _drop(page, media["poster"])
    wait_true(page, "() => document.querySelectorAll("
                    "'[data-role=\"upload-list\"] > li .status.ready').length == 2",
              timeout_ms=READY_TIMEOUT_MS)
    rows = page.locator('[data-role="upload-list"] > li')     # notices are nested lists
    assert rows.count() == 2
    assert page.locator("progress").first.evaluate("p => p.value") == 100
    suggestion = page.locator('[data-role="suggestions"] input[name="confirm"][value="convention:CRC"]')
    suggestion.wait_for()                       # shown after processing, without reload
    screenshot(page, "upload")
    suggestion.check()
    page.click('[data-role="suggestions"] > button[type="submit"]')     # Confirm, not a Dismiss
    page.wait_for_selector(".flash.ok")
    page.goto(f"{site.url}/products/{products['video']}")
    assert "Công ước về quyền trẻ em" in page.locator("section.metadata dl").inner_text()


def test_search_without_diacritics_finds_the_video(site, sign_in, products):
    page = sign_in("producer1")
    page.fill('input[name="q"]', "quyen tre em kon ray")
    page.click("form.searchbox button[type=submit]")
    hit = page.locator(f'a[href="/products/{products["video"]}"]')
    assert hit.count() == 1
    assert page.locator(".hit mark").count() >= 1
    assert page.locator(".hit img.thumb").count() == 1
    screenshot(page, "search")
    narrow = sign_in("producer1", width=360)
    narrow.goto(f"{site.url}/search?q=quyen")
    assert narrow.evaluate("document.documentElement.scrollWidth") <= 360
    screenshot(narrow, "search-360px")


def test_video_preview_plays_and_seeks(site, sign_in, products):
    page = sign_in("producer1")
    page.goto(f"{site.url}/products/{products['video']}")
    video = page.locator("video")
    assert video.count() == 1
    page.evaluate("""() => { const v = document.querySelector('video');
                             v.muted = true; return v.play(); }""")
    wait_true(page, "() => document.querySelector('video').readyState >= 2 && "
                    "document.querySelector('video').currentTime > 0")
    page.evaluate("() => { document.querySelector('video').currentTime = 2.0; }")
    wait_true(page, "() => document.querySelector('video').currentTime >= 2.0")
    assert page.locator("img.image-preview").count() == 1  # the poster PNG's preview
    screenshot(page, "product")


def test_commune_downloads_the_broadcast_mp3(site, sign_in, media, products):
    producer = sign_in("producer1")
    products["audio"] = _create_product(producer, site, "Bản tin pháp luật tháng 8")
    _upload(producer, [media["audio"]])
    page = sign_in("xa1", width=360)
    page.goto(f"{site.url}/products/{products['audio']}")
    with page.expect_download() as caught:
        page.click("#broadcast-mp3")
    download = caught.value
    assert download.suggested_filename == \
        f"{products['audio']}-ban-tin-phap-luat-thang-8-ban-phat-thanh.mp3"
    data = Path(download.path()).read_bytes()
    assert data[:3] == b"ID3" or data[0] == 0xFF
    screenshot(page, "product-commune-360px")


def test_commune_logs_a_broadcast(site, sign_in, products):
    page = sign_in("xa1")
    page.goto(f"{site.url}/products/{products['audio']}")
    assert re.fullmatch(r"\d\d/\d\d/\d{4}", page.input_value('input[name="aired_on"]'))
    page.fill('input[name="aired_on"]', "20/08/2025")
    page.get_by_role("radio", name="Sáng").check()          # the part of the day
    page.fill('input[name="note"]', "Phát lúc 6 giờ sáng")
    page.click(".broadcast-form button[type=submit]")
    page.wait_for_selector(".flash.ok")
    assert "20/08/2025" in page.locator(".broadcast-list").inner_text()
    page.goto(f"{site.url}/broadcasts")
    assert "Bản tin pháp luật tháng 8" in page.locator("table").inner_text()
    screenshot(page, "broadcasts")


def test_admin_pages_render(site, sign_in):
    page = sign_in("admin1")
    page.goto(f"{site.url}/admin/users")
    assert page.locator("table.admin-table tr").count() >= 4
    screenshot(page, "admin-users")
    page.goto(f"{site.url}/admin/units")
    screenshot(page, "admin-units")
    page.goto(f"{site.url}/lang/en?next=/search")
    assert page.locator("html").get_attribute("lang") == "en"
    assert page.locator("nav.main-nav").inner_text().startswith("Search")
    screenshot(page, "search-english")


def test_admin_moves_a_commune_account_to_another_commune(site, sign_in):
    # The commune select sits in its own table cell and belongs to the row's form
    # through the form= attribute, which only a real browser honours.
    page = sign_in("admin1")
    page.goto(f"{site.url}/admin/users")
    row = page.locator("tr", has_text="xa1")
    select = row.locator('select[name="unit"]')      # units of today, grouped by level
    current = select.input_value()
    communes = select.locator('optgroup[data-level="commune"] option')
    other = next(v for v in communes.evaluate_all("os => os.map(o => o.value)")
                 if v and v != current)
    select.select_option(other)
    row.locator('form[action$="/users/%s"] button' % row.get_attribute("id").split("-")[1]).click()
    page.wait_for_load_state()
    assert page.locator(".flash").count() >= 1
    assert page.locator("tr", has_text="xa1").locator('select[name="unit"]').input_value() == other


def test_a_phone_set_to_english_gets_vietnamese_until_the_person_chooses(site, chromium):
    # en-US is the language of many phones sold in Viet Nam: the browser's wish is not
    # the person's choice. The "English" link in the header is.
    context = chromium.new_context(viewport={"width": 360, "height": 800}, locale="en-US",
                                   extra_http_headers={"Accept-Language": "en-US,en;q=0.9"})
    try:
        page = context.new_page()
        page.goto(f"{site.url}/login")
        assert page.locator("html").get_attribute("lang") == "vi"
        assert "Đăng nhập" in page.locator("main").inner_text()
        page.fill('input[name="username"]', "xa1")
        page.fill('input[name="password"]', PASSWORD)
        page.click('button[type="submit"]')
        page.wait_for_url("**/search")
        assert page.locator("html").get_attribute("lang") == "vi"
        page.get_by_role("link", name="English").click()
        page.wait_for_url("**/search*")
        assert page.locator("html").get_attribute("lang") == "en"
        assert page.locator("nav.main-nav").inner_text().startswith("Search")
    finally:
        context.close()
