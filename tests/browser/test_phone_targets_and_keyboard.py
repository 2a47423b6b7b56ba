"""Daily use on a phone and with the keyboard (issue 24, points 3, 7 and 8), in Chromium.

Commune radio staff work on phones: every control they can tap is at least 44 × 44 px
at 360 px (header, facets, admin sub-menu, buttons, fields, "Hủy"...). The search box
has the focus when the search page opens, the results come before the filters in
keyboard order (a "Chuyển đến kết quả" link first), and a commune account finds the
broadcast log form right under the broadcast MP3 button. After a server-side form
error the focus is on the error summary. Things are said in words: file types, the
preservation page, what a save changed, the broadcast MP3's download name.
"""
from __future__ import annotations

import io
import json
import re

import pytest

from tests.browser.conftest import PASSWORD, screenshot
from tests.unit.ingest.media_factory import text_pdf
from tests.unit.web.media import png_bytes, wav_file

pytestmark = pytest.mark.browser

PHONE = 360
DESK = 1280
QUERY = "chuong+trinh+muc+tieu"

# every control a finger or the keyboard reaches; a checkbox is tapped through its label
TARGETS_JS = """() => {
  const found = [];
  const controls = document.querySelectorAll('a[href], button, input:not([type=hidden]), '
    + 'select, textarea, summary, [tabindex]:not([tabindex="-1"])');
  for (const el of controls) {
    if (el.classList.contains('skip-link')) continue;   // off screen until focused
    if (el.matches('audio, video')) continue;           // the browser's own controls
    let target = el;
    if (el.matches('input[type=checkbox], input[type=radio]') && el.closest('label')) {
      target = el.closest('label');
    }
    const box = target.getBoundingClientRect();
    if (box.width === 0 && box.height === 0) continue;  // not shown
    if (getComputedStyle(target).visibility === 'hidden') continue;
    if (box.width < 44 || box.height < 44) {
      const words = (el.innerText || el.value || el.getAttribute('aria-label') || el.name
                     || '').trim().replace(/\\s+/g, ' ').slice(0, 40);
      found.push(`${el.tagName.toLowerCase()} "${words}" ${Math.round(box.width)}×`
                 + `${Math.round(box.height)}`);
    }
  }
  return found;
}"""
OPEN_FOLDS_JS = "() => document.querySelectorAll('details').forEach(d => { d.open = true; })"


@pytest.fixture(scope="module")
def catalogue(site, tmp_path_factory) -> dict[str, int]:
    """A radio feature with a processed WAV (broadcast MP3) and a poster, a booklet PDF
    with a text layer (its "Nội dung văn bản" fold), all found by one query."""
    from app.services.access.accounts import actor_by_name
    from app.services.catalogue.products import create_product
    from app.services.catalogue.vocabularies import list_vocabulary
    from app.services.files.intake import receive
    from app.services.search.indexing import update_now

    kho = site.kho
    producer = actor_by_name(kho, "producer1")

    def first(vocabulary: str) -> str:
        return list_vocabulary(kho, vocabulary)[0].code

    feature = create_product(kho, producer, {
        "title": "Chương trình mục tiêu: bản tin sáng", "kind": "radio-feature",
        "languages": [first("languages")], "themes": [first("themes")],
        "produced_on": "02/09/2025"})
    folder = tmp_path_factory.mktemp("targets")
    audio = wav_file(folder / "bản tin.wav", seconds=2)
    with audio.open("rb") as stream:
        receive(kho, producer, feature, stream, audio.name)
    receive(kho, producer, feature, io.BytesIO(png_bytes((480, 320), "Muc tieu")),
            "áp phích.png")
    booklet = create_product(kho, producer, {"title": "Chương trình mục tiêu: sổ tay",
                                             "kind": "publication"})
    pdf = text_pdf(folder / "so-tay.pdf", ["Chuong trinh muc tieu " * 40, "Trang hai"])
    with pdf.open("rb") as stream:
        receive(kho, producer, booklet, stream, pdf.name)
    update_now(kho, [feature, booklet])
    return {"feature": feature, "booklet": booklet}


def _page(chromium, site, username: str | None, width: int = PHONE):
    context = chromium.new_context(viewport={"width": width, "height": 800}, locale="vi-VN",
                                   accept_downloads=True, bypass_csp=True)
    page = context.new_page()
    page.set_default_timeout(30_000)
    if username:
        page.goto(f"{site.url}/login")
        page.fill('input[name="username"]', username)
        page.fill('input[name="password"]', PASSWORD)
        page.click('button[type="submit"]')
        page.wait_for_url("**/search")
    return context, page


def _small_targets(page, path: str, site) -> list[str]:
    response = page.goto(site.url + path)
    assert response.status in (200, 404), path
    page.evaluate(OPEN_FOLDS_JS)
    return page.evaluate(TARGETS_JS)


# --- 3. targets a finger can hit ---------------------------------------------------

def test_every_control_is_at_least_44_px_on_a_phone(site, chromium, catalogue):
    feature, booklet = catalogue["feature"], catalogue["booklet"]
    pages = {
        None: ["/login"],
        "xa1": [f"/search?q={QUERY}", f"/products/{feature}", f"/products/{booklet}",
                "/khong-co-trang-nay"],
        "producer1": [f"/products/{feature}", f"/products/{feature}/edit", "/products/new"],
        "admin1": [f"/search?q={QUERY}", f"/products/{feature}",
                   f"/products/{booklet}/delete", "/admin/users",
                   "/admin/tokens", "/admin/vocabularies", "/admin/vocabularies/themes",
                   "/admin/vocabularies/languages", "/admin/units?level=province",
                   "/admin/exports/", "/admin/preservation/"],
    }
    small: dict[str, list[str]] = {}
    for username, paths in pages.items():
        context, page = _page(chromium, site, username)
        try:
            for path in paths:
                found = _small_targets(page, path, site)
                if found:
                    small[f"{username} {path}"] = found
            if username == "admin1":
                page.goto(f"{site.url}/admin/tokens")
                screenshot(page, "targets-admin-tokens-360")
        finally:
            context.close()
    assert small == {}, json.dumps(small, ensure_ascii=False, indent=1)


def test_the_header_and_the_skip_links_are_44_px_when_focused(site, chromium, catalogue):
    context, page = _page(chromium, site, "xa1")
    try:
        page.goto(f"{site.url}/search?q={QUERY}")
        header = page.locator("header.top a, header.top button")
        boxes = [header.nth(i).bounding_box() for i in range(header.count())]
        assert boxes and min(b["height"] for b in boxes) >= 44
        assert min(b["width"] for b in boxes) >= 44
        for link in page.locator(".skip-link").all():
            link.focus()
            box = link.bounding_box()
            assert box["height"] >= 44 and box["y"] >= 0
        screenshot(page, "targets-search-360")
    finally:
        context.close()


# --- 3. the keyboard: search box, results before filters, skip links ---------------

WHERE_JS = """() => { const e = document.activeElement;
  if (e.closest('.hit')) return 'hit';
  if (e.closest('.search-filters')) return 'filters';
  return e.className === 'skip-link' ? 'skip:' + e.textContent.trim()
         : (e.tagName + ' ' + (e.name || e.textContent.trim())).slice(0, 40); }"""


def _tabs_to_first_hit(page, most: int = 12) -> list[str]:
    visited = []
    for _ in range(most):
        page.keyboard.press("Tab")
        visited.append(page.evaluate(WHERE_JS))
        if visited[-1] == "hit":
            break
    return visited


@pytest.mark.parametrize("width", [PHONE, DESK])
def test_the_search_box_has_the_focus_and_the_results_come_before_the_filters(
        site, chromium, catalogue, width):
    context, page = _page(chromium, site, "xa1", width)
    try:
        # straight after signing in: the search box has the focus
        assert page.evaluate("document.activeElement.name") == "q"
        page.keyboard.type("chuong trinh muc tieu")
        page.keyboard.press("Enter")
        page.wait_for_url(re.compile(r".*q=chuong"))
        page.locator(".results .hit").first.wait_for()
        assert page.evaluate("document.activeElement.name") == "q"
        visited = _tabs_to_first_hit(page)
        assert visited[-1] == "hit" and len(visited) <= 4, visited   # sort, button, tab
        assert "filters" not in visited
        # from the top of the page: the skip links are the first two stops
        firsts = page.evaluate("""() => [...document.querySelectorAll(
            'a[href], button, input:not([type=hidden]), select, summary')].slice(0, 2)
            .map(e => e.textContent.trim())""")
        assert firsts == ["Chuyển đến nội dung chính", "Chuyển đến kết quả"]
        page.locator('.skip-link[href="#results"]').focus()
        page.keyboard.press("Enter")
        assert page.evaluate("document.activeElement.id") == "results"
        page.keyboard.press("Tab")
        page.keyboard.press("Tab")                      # past "Hoạt động"
        assert page.evaluate(WHERE_JS) == "hit"
        # the filters still show: beside the results on a desk, one control above on a phone
        filters = page.locator("details.search-filters").bounding_box()
        hit = page.locator(".results .hit").first.bounding_box()
        if width == DESK:
            assert filters["x"] + filters["width"] <= hit["x"]
        else:
            assert filters["y"] + filters["height"] <= hit["y"]
        screenshot(page, f"search-keyboard-{width}")
    finally:
        context.close()


# --- 3. the broadcast log right under the MP3 for commune staff --------------------

def test_a_commune_account_logs_the_broadcast_right_under_the_mp3(site, chromium, catalogue):
    product = f"{site.url}/products/{catalogue['feature']}"
    context, page = _page(chromium, site, "xa1")
    try:
        page.goto(product)
        mp3 = page.locator("#broadcast-mp3").bounding_box()
        form = page.locator("form.broadcast-form").bounding_box()
        assert 0 <= form["y"] - (mp3["y"] + mp3["height"]) < 100   # only its heading between
        submit = page.locator("form.broadcast-form button[type=submit]")
        assert submit.inner_text() == "Ghi nhận đã phát"
        assert submit.bounding_box()["y"] < 1200                    # not ~3,000 px down
        assert page.locator("section.previews").bounding_box()["y"] > form["y"]
        page.locator("#broadcast-mp3").focus()
        for presses in range(1, 8):
            page.keyboard.press("Tab")
            if submit.evaluate("b => b === document.activeElement"):
                break
        assert presses <= 5                      # date (and time), note, the button
        screenshot(page, "product-commune-log-360")
        with page.expect_download() as caught:
            page.click("#broadcast-mp3")
        assert caught.value.suggested_filename.endswith("-ban-phat-thanh.mp3")
    finally:
        context.close()
    context, page = _page(chromium, site, "producer1")
    try:                                         # producers keep the log after the files
        page.goto(product)
        files = page.locator("section.files").bounding_box()
        assert page.locator("section.broadcasts").bounding_box()["y"] > files["y"]
    finally:
        context.close()


# --- 7. focus on the error summary after a server-side error -----------------------

def _focused_error(page) -> str:
    return page.evaluate("""() => { const e = document.activeElement;
        return e.dataset.role === 'error-summary' ? e.innerText.trim() : ''; }""")


def test_after_a_server_side_error_the_focus_is_on_the_error_summary(site, chromium):
    context, page = _page(chromium, site, None)
    try:
        page.goto(f"{site.url}/login")
        page.fill('input[name="username"]', "xa1")
        page.fill('input[name="password"]', "khong-dung-mat-khau")
        page.click('button[type="submit"]')
        page.wait_for_selector(".error-summary")
        assert "sai tên đăng nhập hoặc mật khẩu" in _focused_error(page)
        page.keyboard.press("Tab")                # the link to the field, then the field
        page.keyboard.press("Enter")
        assert page.evaluate("document.activeElement.name") == "password"
        screenshot(page, "login-error-360")
    finally:
        context.close()
    context, page = _page(chromium, site, "admin1")
    try:
        page.goto(f"{site.url}/admin/users")
        page.fill("#n-username", "xa.moi")
        page.fill("#n-password", "123")
        page.click("#add-user button[type=submit]")
        page.wait_for_selector("#add-user .error-summary")
        assert _focused_error(page).startswith("Chưa thêm người dùng:")
        # a refused row of a long table: the focus (and so the view) on its message
        page.goto(f"{site.url}/admin/units?level=province")
        row = page.locator("table.admin-table tbody tr").first
        row.locator('input[name="valid_from"]').fill("02/02/2025")
        row.locator('input[name="valid_to"]').fill("01/01/2025")
        row.locator("button[type=submit]").click()
        page.wait_for_selector("p.field-error")
        page.wait_for_load_state()
        assert "Hiệu lực đến" in _focused_error(page)
        box = page.locator("p.field-error").bounding_box()
        assert 0 <= box["y"] < 800                      # on screen
        # a refused user row comes back as a message on /admin/users#user-…: the browser
        # skips autofocus with a #fragment, the page script moves the focus
        page.goto(f"{site.url}/admin/users")
        own = page.locator("tr", has_text="admin1")
        own.locator('input[name="active"]').uncheck()
        own.locator('button:has-text("Lưu")').click()
        page.wait_for_selector(".flash.error")
        page.wait_for_load_state()
        assert "#user-" in page.url
        assert "admin1 · " in _focused_error(page)
        screenshot(page, "admin-user-row-error-360")
        page.goto(f"{site.url}/products/new")
        page.fill("#f-title", "Bản tin lỗi ngày")
        page.select_option("#f-kind", index=1)
        page.fill("#f-produced_on", "31/02/2025")
        page.click("form.metadata-form button[type=submit]")
        page.wait_for_selector(".error-summary")
        assert "Ngày sản xuất: 31/02/2025 không phải là ngày có thật" in _focused_error(page)
    finally:
        context.close()


# --- 8. words --------------------------------------------------------------------------

def test_what_people_read_is_said_in_words(site, chromium, catalogue):
    context, page = _page(chromium, site, "admin1", DESK)
    try:
        page.goto(f"{site.url}/products/{catalogue['feature']}")
        facts = page.locator(".file-facts").first.inner_text()
        assert "Loại tệp: Âm thanh WAV" in facts and "audio/" not in facts
        technical = page.locator("details.technical").first
        assert not technical.locator("dd").first.is_visible()          # folded
        technical.locator("summary").click()
        assert "audio/x-wav" in technical.inner_text() or "audio/wav" in technical.inner_text()
        assert "Âm thanh MP3 (audio/mpeg)" in technical.inner_text()

        page.goto(f"{site.url}/admin/preservation/")
        main = page.locator("main")
        assert "replica_storage" not in main.inner_text()               # until unfolded
        assert "kho fixity" not in main.inner_text()
        page.locator("details.technicians > summary").click()
        assert "kho fixity --repair" in main.inner_text()

        page.goto(f"{site.url}/admin/vocabularies")
        page.click("text=Chủ đề")
        page.wait_for_url("**/admin/vocabularies/themes")
        assert page.locator("h1").inner_text() == "Chủ đề"

        page.goto(f"{site.url}/admin/units?level=province")
        row = page.locator("table.admin-table tbody tr:not(.disabled)").first
        name = row.locator('input[name="name"]')
        name.fill(name.input_value() + " (mới)")
        row.locator('input[name="valid_from"]').fill("02/07/2025")
        row.locator("button[type=submit]").click()
        page.wait_for_selector(".flash.ok")
        assert re.fullmatch(r"Đã lưu đơn vị «.+ \(mới\)»: đổi tên, ngày hiệu lực\.",
                            page.locator(".flash.ok").inner_text())
        screenshot(page, "admin-unit-saved-1280")
    finally:
        context.close()
    context, page = _page(chromium, site, None, PHONE)
    try:
        from app.services.access.account_admin import update_user
        from app.services.access.accounts import actor_by_name

        admin, disabled = actor_by_name(site.kho, "admin1"), actor_by_name(site.kho, "xa1")
        update_user(site.kho, admin, disabled.user_id, active=False)
        try:
            page.goto(f"{site.url}/login")
            page.fill('input[name="username"]', "xa1")
            page.fill('input[name="password"]', "khong-dung")
            page.click('button[type="submit"]')
            assert "sai tên đăng nhập hoặc mật khẩu" in _focused_error(page)
            page.fill('input[name="password"]', PASSWORD)
            page.click('button[type="submit"]')
            page.wait_for_selector("text=tài khoản này đã bị ngừng sử dụng")
            assert "hãy nhờ người quản trị Kho cho dùng lại" in _focused_error(page)
        finally:
            update_user(site.kho, admin, disabled.user_id, active=True)
    finally:
        context.close()
