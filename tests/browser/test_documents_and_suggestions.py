"""A producer uploads a news article as .docx: its text shows on the product page and a
commune officer finds it typing without diacritics; on a phone the producer dismisses a
suggestion that does not fit, and it stays away when the file is processed again."""
from __future__ import annotations

import re

import pytest

from tests.browser.conftest import SCREENSHOTS
from tests.unit.ingest import document_factory as df

pytestmark = pytest.mark.browser

ARTICLE = ["Bảo vệ trẻ em và bình đẳng giới ở Kon Rẫy",
           "Hội Liên hiệp Phụ nữ huyện tuyên truyền phòng, chống xâm hại trẻ em gái "
           "cho bà con Xơ Đăng ở thôn Kon Bỉ."]


@pytest.fixture(scope="module")
def product(site):
    from app.services.access.accounts import actor_by_name
    from app.services.catalogue.products import create_product

    return create_product(site.kho, actor_by_name(site.kho, "producer1"),
                          {"title": "Bài viết tháng 6"})


def _fits(page, width: int) -> None:
    assert page.evaluate("document.documentElement.scrollWidth") <= width


def test_an_uploaded_docx_is_read_shown_and_found(site, sign_in, product, tmp_path):
    page = sign_in("producer1", width=1280)
    page.goto(f"{site.url}/products/{product}/upload")
    page.set_input_files("#files", str(df.docx(tmp_path / "bài viết.docx", ARTICLE)))
    page.wait_for_selector('.upload-list .status.ready', timeout=60_000)
    page.goto(f"{site.url}/products/{product}")
    page.click("details.text summary")                   # "Văn bản trích xuất"
    assert "phòng, chống xâm hại trẻ em gái" in page.locator("details.text pre").inner_text()
    officer = sign_in("xa1", width=360)
    officer.goto(f"{site.url}/search?q=xam+hai+tre+em+gai")
    assert officer.locator(f'a[href="/products/{product}"]').count() >= 1


def test_dismissing_a_suggestion_on_a_phone(site, sign_in, tmp_path):
    from app.services.processing import pipeline
    from app.services.access.accounts import actor_by_name
    from app.services.files.intake import receive
    from app.services.catalogue.products import create_product

    producer = actor_by_name(site.kho, "producer1")
    pid = create_product(site.kho, producer, {"title": "Kịch bản phát thanh số 7"})
    with df.docx(tmp_path / "kich-ban.docx", ARTICLE).open("rb") as stream:
        file_id = receive(site.kho, producer, pid, stream, "kịch bản.docx").file_id
    page = sign_in("producer1", width=360)
    page.goto(f"{site.url}/products/{pid}")
    suggestion = page.locator('[data-suggestion="convention:CEDAW"]')
    assert suggestion.count() == 1
    _fits(page, 360)
    SCREENSHOTS.mkdir(exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / "suggestions-360px.png"), full_page=True)
    suggestion.get_by_role("button", name=re.compile("Bỏ qua")).click()
    page.wait_for_load_state("load")
    assert "Đã bỏ qua gợi ý" in page.locator("body").inner_text()
    assert page.locator('[data-suggestion="convention:CEDAW"]').count() == 0
    assert page.locator('[data-suggestion="convention:CRC"]').count() == 1   # others stay
    _fits(page, 360)
    assert pipeline.process_file(site.kho, file_id, force=True) == "ready"
    page.reload()
    assert page.locator('[data-suggestion="convention:CEDAW"]').count() == 0
    assert page.locator('[data-suggestion="convention:CRC"]').count() == 1
