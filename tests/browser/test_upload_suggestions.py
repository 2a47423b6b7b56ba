"""A producer uploads an article on the upload page; the suggestions that kho.js shows
once it is processed (built from status.json, no reload) offer "Bỏ qua" like the
server-rendered list, and a dismissed suggestion is gone from the product page."""
from __future__ import annotations

import re

import pytest

from tests.browser.conftest import screenshot
from tests.unit.ingest import document_factory as df

pytestmark = pytest.mark.browser

ARTICLE = ["Bảo vệ trẻ em và bình đẳng giới ở Kon Rẫy",
           "Hội Liên hiệp Phụ nữ huyện tuyên truyền phòng, chống xâm hại trẻ em gái "
           "cho bà con Xơ Đăng ở thôn Kon Bỉ."]
CEDAW = '[data-suggestion="convention:CEDAW"]'
CRC = '[data-suggestion="convention:CRC"]'


@pytest.mark.parametrize("width", [1280, 360])
def test_a_suggestion_is_dismissed_on_the_upload_page_right_after_processing(
        site, sign_in, tmp_path, width):
    from app.services.access.accounts import actor_by_name
    from app.services.catalogue.products import create_product

    pid = create_product(site.kho, actor_by_name(site.kho, "producer1"),
                         {"title": f"Kịch bản tải lên {width}"})
    page = sign_in("producer1", width=width)
    page.goto(f"{site.url}/products/{pid}/upload")
    assert page.locator(CEDAW).count() == 0              # nothing suggested yet
    page.evaluate("window.keptSinceUpload = true")       # lost if the page reloads
    page.set_input_files("#files", str(df.docx(tmp_path / "kịch bản.docx", ARTICLE)))
    suggestion = page.locator(f'[data-role="suggestions-slot"] {CEDAW}')
    suggestion.wait_for(timeout=60_000)
    assert page.evaluate("window.keptSinceUpload === true")   # built by kho.js in place
    assert page.evaluate("document.documentElement.scrollWidth") <= width
    screenshot(page, f"upload-suggestions-{width}px")
    dismiss = suggestion.get_by_role(
        "button", name=re.compile("Bỏ qua gợi ý Công ước về xóa bỏ mọi hình thức"))
    assert dismiss.inner_text() == "Bỏ qua"
    dismiss.click()
    page.wait_for_url(f"**/products/{pid}/upload")
    assert "Đã bỏ qua gợi ý" in page.locator("body").inner_text()
    assert page.locator(CEDAW).count() == 0 and page.locator(CRC).count() == 1
    page.goto(f"{site.url}/products/{pid}")
    assert page.locator(CEDAW).count() == 0
    assert page.locator(CRC).count() == 1                 # only the dismissed one goes
    assert "Biên tập viên đã bỏ qua gợi ý Công ước: Công ước về xóa bỏ mọi hình thức " \
           "phân biệt đối xử với phụ nữ" in page.locator("section.history").inner_text()


BAHNAR = ("Bơngai Bahnar oei tơ̆ tơring teh âu athei tơbăt tơdrong vei lăng bri 'long. Ƀok "
          "A Nhơn tơroi: inh păng bơ̆n rim năr năm jang tơ̆ mir, ưh kơ chă koh 'long lơ̆m bri.")
BDQ = '[data-suggestion="language:bdq"]'


@pytest.mark.parametrize("width", [1280, 360])
def test_a_bahnar_text_gets_a_ba_na_suggestion_that_says_why(site, sign_in, tmp_path, width):
    """The language sits with the themes on the upload page as soon as the file is
    processed, saying why; confirming it makes it the product's language."""
    from app.services.access.accounts import actor_by_name
    from app.services.catalogue.products import create_product

    pid = create_product(site.kho, actor_by_name(site.kho, "producer1"),
                         {"title": f"Bản tin phát thanh {width}"})
    page = sign_in("producer1", width=width)
    page.goto(f"{site.url}/products/{pid}/upload")
    bulletin = tmp_path / "ban-tin.txt"
    bulletin.write_text(BAHNAR, encoding="utf-8")
    page.set_input_files("#files", str(bulletin))
    suggestion = page.locator(f'[data-role="suggestions-slot"] {BDQ}')
    suggestion.wait_for(timeout=60_000)
    said = " ".join(suggestion.inner_text().split())
    assert said.startswith("Tiếng Ba Na (ngôn ngữ: có chữ ")
    assert said.endswith("thường gặp trong tiếng Ba Na) Bỏ qua")
    assert page.evaluate("document.documentElement.scrollWidth") <= width
    screenshot(page, f"upload-language-suggestion-{width}px")
    suggestion.get_by_role("checkbox").check()
    page.locator('[data-role="suggestions-slot"] form.suggestions > button[type="submit"]').click()
    page.wait_for_url(f"**/products/{pid}/upload")
    assert "Đã xác nhận 1 gợi ý" in page.locator("body").inner_text()
    page.goto(f"{site.url}/products/{pid}")
    assert "Tiếng Ba Na" in page.locator("section.metadata dl").inner_text()
    assert page.locator(BDQ).count() == 0
