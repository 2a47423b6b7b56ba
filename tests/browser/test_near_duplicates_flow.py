"""Issue 25, near-duplicates in Chromium (at 1280 px and on a 360 px phone): a producer
uploads a re-scan of a poster another product already holds; the upload page says at
once which product it looks like (a link to it) and offers "Cùng một tác phẩm" /
"Khác tác phẩm"; the answer is kept (the page comes back saying so, the button stays
pressed) and the first product's page names the second, where the answer can change.
"""
from __future__ import annotations

import pytest

from tests.browser.conftest import screenshot
from tests.unit.ingest import likeness_media as made

pytestmark = pytest.mark.browser


def _product(site, title: str, poster=None, name: str = "") -> tuple[int, int | None]:
    from app.services.access.accounts import actor_by_name
    from app.services.catalogue.products import create_product
    from app.services.files.intake import receive

    producer = actor_by_name(site.kho, "producer1")
    pid = create_product(site.kho, producer, {"title": title, "kind": "poster"})
    if poster is None:
        return pid, None
    with poster.open("rb") as stream:
        return pid, receive(site.kho, producer, pid, stream, name).file_id


def _open(sign_in, width: int):
    phone = {"has_touch": True, "is_mobile": True} if width == 360 else {}
    return sign_in("producer1", width=width, **phone)


def _fits(page, width: int) -> None:
    assert page.evaluate("document.documentElement.scrollWidth") <= width


@pytest.mark.parametrize("width", [1280, 360])
def test_a_rescan_is_flagged_on_upload_and_the_answer_is_kept(site, sign_in, tmp_path, width):
    source = made.poster(50 + width, layout=1)
    poster = made.save(source, tmp_path / "tranh.jpg")
    scan = made.save(made.rescan(source, width, 1.0), tmp_path / "tranh-quet-lai.jpg")
    first, _file = _product(site, f"Tranh cổ động nước sạch ({width} px)", poster,
                            "tranh-goc.jpg")
    second, _none = _product(site, f"Tranh quét lại ({width} px)")
    page = _open(sign_in, width)
    page.goto(f"{site.url}/products/{second}/upload")
    page.set_input_files("#files", str(scan))
    flag = page.locator(".upload-list li.notice.near_duplicate")
    flag.wait_for()
    assert "Ảnh này gần giống tranh-goc.jpg trong sản phẩm" in flag.inner_text()
    link = flag.get_by_role("link", name=f"sản phẩm #{first}")
    assert link.get_attribute("href") == f"/products/{first}"
    same = flag.get_by_role("button", name="Cùng một tác phẩm")
    assert same.is_visible() and flag.get_by_role("button", name="Khác tác phẩm").is_visible()
    _fits(page, width)
    screenshot(page, f"near-duplicate-upload-{width}")

    same.click()                     # posts, and the upload page comes back
    page.wait_for_url(f"**/products/{second}/upload")
    assert f"Đã ghi nhận: cùng một tác phẩm với sản phẩm #{first}" in \
        page.locator("main").inner_text()
    kept = page.locator('[data-role="near-duplicates"]')
    assert "đã trả lời: cùng một tác phẩm" in kept.inner_text()
    assert kept.get_by_role("button", name="Cùng một tác phẩm").get_attribute(
        "aria-pressed") == "true"
    _fits(page, width)

    # the first product names the second, and the answer can change there
    page.goto(f"{site.url}/products/{first}")
    named = page.locator('.file-card [data-role="near-duplicates"]')
    assert named.get_by_role("link", name=f"sản phẩm #{second}").get_attribute(
        "href") == f"/products/{second}"
    assert "đã trả lời: cùng một tác phẩm" in named.inner_text()
    named.get_by_role("button", name="Khác tác phẩm").click()
    page.wait_for_url(f"**/products/{first}")
    assert f"Đã ghi nhận: tác phẩm khác với sản phẩm #{second}." in \
        page.locator("main").inner_text()
    named = page.locator('.file-card [data-role="near-duplicates"]')
    assert "đã trả lời: khác tác phẩm" in named.inner_text()
    assert "là tác phẩm khác với tranh-quet-lai.jpg" in \
        page.locator("section.history").inner_text()
    _fits(page, width)
    screenshot(page, f"near-duplicate-product-{width}")
