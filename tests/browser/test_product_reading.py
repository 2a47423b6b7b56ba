"""Reading a product on a phone: a commune officer pages through a 3-page PDF at 360 px
(next, next, previous; no script needed, nothing wider than the screen), reads the
history in sentences without technical details; a producer at 1280 px unfolds them."""
from __future__ import annotations

import pytest

from tests.browser.conftest import PASSWORD, SCREENSHOTS

pytestmark = pytest.mark.browser


@pytest.fixture
def without_script(site, chromium):
    """A 360 px page signed in as the commune officer, JavaScript switched off."""
    context = chromium.new_context(viewport={"width": 360, "height": 800}, locale="vi-VN",
                                   java_script_enabled=False)
    page = context.new_page()
    page.set_default_timeout(30_000)
    page.goto(f"{site.url}/login")
    page.fill('input[name="username"]', "xa1")
    page.fill('input[name="password"]', PASSWORD)
    page.click('button[type="submit"]')
    page.wait_for_url("**/search")
    yield page
    context.close()


@pytest.fixture(scope="module")
def pdf_product(site, tmp_path_factory):
    from app.services.access.accounts import actor_by_name
    from app.services.files.intake import receive
    from app.services.catalogue.products import create_product
    from tests.unit.ingest.media_factory import text_pdf

    producer = actor_by_name(site.kho, "producer1")
    pid = create_product(site.kho, producer, {
        "title": "Luật trẻ em — tài liệu tuyên truyền",
        "description": "Tài liệu ba trang cho đài truyền thanh xã.\n\nĐọc trên điện thoại."})
    pdf = text_pdf(tmp_path_factory.mktemp("pdf") / "luat.pdf",
                   [f"Trang {n}: quyen tre em ban tin phap luat" for n in (1, 2, 3)])
    with pdf.open("rb") as stream:
        got = receive(site.kho, producer, pid, stream, "Luật trẻ em 2016.pdf")
    return pid, got.file_id


def _fits(page, width: int) -> None:
    assert page.evaluate("document.documentElement.scrollWidth") <= width


def _page_image_loaded(page) -> dict:
    page.wait_for_load_state("load")            # images included (no script to poll with)
    return page.evaluate("() => { const i = document.querySelector('img.pdf-page');"
                         " return {natural: i.naturalWidth, shown: i.getBoundingClientRect().width}; }")


def test_commune_officer_reads_a_pdf_page_by_page_at_360px(site, without_script,
                                                           pdf_product):
    pid, fid = pdf_product
    page = without_script                                  # plain links suffice
    page.goto(f"{site.url}/products/{pid}")
    _fits(page, 360)
    history = page.locator("section.history").inner_text()
    assert "Biên tập viên đã tải lên tệp Luật trẻ em 2016.pdf" in history
    assert "Biên tập viên đã tạo sản phẩm" in history
    assert "Chi tiết kỹ thuật" not in page.content() and "SHA-256" not in page.content()
    assert page.locator(".description p").count() == 2
    page.click("text=Đọc từng trang")
    assert page.locator(".pdf-position").first.inner_text() == "Trang 1/3"
    image = _page_image_loaded(page)
    assert image["natural"] == 1000 and image["shown"] <= 360
    _fits(page, 360)
    SCREENSHOTS.mkdir(exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / "pdf-page-360px.png"), full_page=True)
    page.locator("a[rel=next]").first.click()
    assert page.locator(".pdf-position").first.inner_text() == "Trang 2/3"
    page.locator("a[rel=next]").first.click()
    assert page.locator(".pdf-position").first.inner_text() == "Trang 3/3"
    assert page.locator("a[rel=next]").count() == 0               # the last page
    _page_image_loaded(page)
    _fits(page, 360)
    page.locator("a[rel=prev]").last.click()                      # the bottom pager
    assert page.locator(".pdf-position").first.inner_text() == "Trang 2/3"
    assert page.url.endswith(f"/products/{pid}/files/{fid}/pages/2")
    page.goto(f"{site.url}/products/{pid}/files/{fid}/pages/7")
    assert "không có trang 7: tệp PDF này có các trang từ 1 đến 3" in page.inner_text("main")
    page.click("text=Về trang 1")
    assert page.locator(".pdf-position").first.inner_text() == "Trang 1/3"


def test_producer_unfolds_the_technical_details(site, sign_in, pdf_product):
    pid, _ = pdf_product
    page = sign_in("producer1", width=1280)
    page.goto(f"{site.url}/products/{pid}")
    files = page.locator("section.files")
    assert "Số trang: 3" in files.inner_text()
    folded = files.locator("details.technical")
    assert not folded.locator("dd.hash").is_visible()
    folded.locator("summary").click()
    digest = folded.locator("dd.hash").inner_text()
    assert len(digest) == 64 and "application/pdf" in folded.inner_text()
    steps = page.locator("section.history details.technical")
    steps.locator("summary").click()
    assert "pypdfium2" in steps.inner_text()
    assert "pypdfium2" not in page.locator("section.history ol.history-list").inner_text()
    assert "Biên tập viên (" in page.locator("header .user").inner_text()
    page.screenshot(path=str(SCREENSHOTS / "product-pdf-1280px.png"), full_page=True)
    narrow = sign_in("producer1", width=360)
    narrow.goto(f"{site.url}/products/{pid}")
    narrow.locator("section.files details.technical summary").click()
    _fits(narrow, 360)
    narrow.screenshot(path=str(SCREENSHOTS / "product-pdf-producer-360px.png"), full_page=True)


@pytest.mark.parametrize("username,width", [("xa1", 360), ("producer1", 1280)])
def test_reader_and_product_page_have_no_serious_accessibility_violations(
        site, sign_in, pdf_product, username, width):
    import json

    from tests.browser.test_accessibility import _violations

    pid, fid = pdf_product
    page = sign_in(username, width=width, bypass_csp=True)      # to inject axe-core
    found = {}
    for path in (f"/products/{pid}", f"/products/{pid}/files/{fid}/pages/2",
                 f"/products/{pid}/files/{fid}/pages/9"):
        page.goto(site.url + path)
        page.wait_for_load_state("networkidle")
        if username == "producer1" and path == f"/products/{pid}":
            page.locator("details.technical summary").first.click()    # unfolded too
        violations = _violations(page)
        if violations:
            found[path] = violations
    assert not found, json.dumps(found, ensure_ascii=False, indent=1)
