"""Admins and producers on a 360 px phone in Chromium (issue 13): every admin page fits
without sideways scrolling, no page logs an invalid ``pattern``, the metadata pickers
are tapped (two languages picked by touch, saved), a token is revoked after a question,
and the delete page of an aired product says why it stays."""
from __future__ import annotations

import re
from datetime import date

import pytest

from tests.browser.conftest import PASSWORD, screenshot

pytestmark = pytest.mark.browser

PHONE = {"width": 360, "height": 780}


@pytest.fixture(scope="module")
def prepared(site, tmp_path_factory):
    """A token with a long label, an export receipt and an aired product, so the
    tables have rows to fit."""
    from app.services.exports import packages
    from app.services.access.accounts import actor_by_name, create_token
    from app.services.catalogue.products import create_product
    from archive.models import Broadcast, Unit
    from sqlalchemy import select

    kho = site.kho
    create_token(kho, "producer1", "máy quét của Trung tâm Văn hóa – Thông tin huyện")
    revocable = create_token(kho, "admin1", "thử thu hồi")
    packages.export(kho, packages.OPERATOR_ACTOR, packages.ExportRequest(
        format="jsonl", out=tmp_path_factory.mktemp("export") / "kho-toan-bo.jsonl"))
    producer = actor_by_name(kho, "producer1")
    aired = create_product(kho, producer, {"title": "Bản tin đã phát", "kind": "radio-feature",
                                           "produced_on": "01/08/2025"})
    with kho.transaction() as s:
        commune = s.scalar(select(Unit).where(Unit.code == "xa-dak-rve-2025"))
        for day in (2, 3, 4):
            s.add(Broadcast(product_id=aired, commune=commune, aired_on=date(2025, 8, day)))
    return {"aired": aired, "revocable": revocable}


def _phone(chromium, site, username: str, touch: bool = False):
    context = chromium.new_context(viewport=PHONE, locale="vi-VN", has_touch=touch,
                                   is_mobile=touch, device_scale_factor=1)
    page = context.new_page()
    page.set_default_timeout(30_000)
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type in ("error", "warning")
            else None)
    page.goto(f"{site.url}/login")
    page.fill('input[name="username"]', username)
    page.fill('input[name="password"]', PASSWORD)
    page.click('button[type="submit"]')
    page.wait_for_url("**/search")
    return context, page, errors


def _overflow(page) -> int:
    return page.evaluate("document.documentElement.scrollWidth")


def _try_patterns(page) -> int:
    """Type into every field with a ``pattern`` so Chromium compiles it (an invalid one
    is logged only then); the number of such fields."""
    return page.evaluate("""() => { const fields = document.querySelectorAll('input[pattern]');
        fields.forEach(f => { f.value = 'ab-1'; f.checkValidity(); }); return fields.length; }""")


ADMIN_PAGES = ["/admin/users", "/admin/tokens", "/admin/vocabularies",
               "/admin/vocabularies/kind", "/admin/vocabularies/theme",
               "/admin/vocabularies/convention", "/admin/vocabularies/language",
               "/admin/vocabularies/channel", "/admin/vocabularies/plan_task",
               "/admin/units", "/admin/exports/", "/admin/preservation/"]


def test_every_admin_page_fits_a_phone_and_logs_no_pattern_error(site, chromium, prepared):
    context, page, console = _phone(chromium, site, "admin1")
    try:
        widths, patterns = {}, 0
        for url in ADMIN_PAGES:
            page.goto(site.url + url)
            widths[url] = _overflow(page)
            patterns += _try_patterns(page)
        revoke = page.goto(f"{site.url}/admin/tokens") and \
            page.locator("a.button.danger").first.get_attribute("href")
        for url in (revoke, f"/products/{prepared['aired']}/delete", "/products/new",
                    f"/products/{prepared['aired']}/edit"):
            page.goto(site.url + url)
            widths[url] = _overflow(page)
            patterns += _try_patterns(page)
        screenshot(page, "product-edit-360")
        assert {u: w for u, w in widths.items() if w > 360} == {}
        assert patterns >= 8                     # the code fields were really tried
        assert [m for m in console if "pattern" in m.lower()] == []
        # the users table shows every column on the phone: the password field is on screen
        page.goto(f"{site.url}/admin/users")
        box = page.locator('input[name="password"][placeholder]').first.bounding_box()
        assert box["x"] >= 0 and box["x"] + box["width"] <= 360
        screenshot(page, "admin-users-360")
        page.goto(f"{site.url}/admin/tokens")
        screenshot(page, "admin-tokens-360")
        page.goto(f"{site.url}/admin/units")
        screenshot(page, "admin-units-360")
    finally:
        context.close()


def test_the_code_pattern_checks_input_in_chromium(site, chromium):
    """The pattern compiles (the browser validates with it) and refuses a bad code."""
    context, page, console = _phone(chromium, site, "admin1")
    try:
        page.goto(f"{site.url}/admin/vocabularies/language")
        code = page.locator("#n-code")
        code.fill("Gie Trieng")
        assert page.evaluate("document.querySelector('#n-code').validity.patternMismatch")
        code.fill("gie-trieng")
        assert page.evaluate("document.querySelector('#n-code').checkValidity()")
        page.fill("#n-label_vi", "Tiếng Giẻ Triêng")
        page.check('#add-term input[name="ethnic_minority"]')
        page.click("#add-term button[type=submit]")
        page.wait_for_selector(".flash.ok")
        row = page.locator('form[data-term="gie-trieng"]')
        assert row.locator('input[name="ethnic_minority"]').is_checked()
        assert [m for m in console if "pattern" in m.lower()] == []
    finally:
        context.close()


def test_a_producer_taps_two_languages_on_a_phone_and_they_are_saved(site, chromium):
    from app.services.access.accounts import actor_by_name
    from app.services.catalogue.product_view import product_view

    context, page, _console = _phone(chromium, site, "producer1", touch=True)
    try:
        page.goto(f"{site.url}/products/new")
        choices = page.locator("#f-languages .choices")
        # all options shown in full: no inner scroll box
        assert page.evaluate("e => e.scrollHeight <= e.clientHeight + 1",
                             choices.element_handle())
        rows = page.locator("#f-languages label.pick")
        heights = [rows.nth(i).bounding_box()["height"] for i in range(rows.count())]
        assert min(heights) >= 44
        page.fill("#f-title", "Bản tin song ngữ Xơ Đăng")
        page.select_option("#f-kind", index=1)
        for name in ("Tiếng Xơ Đăng", "Tiếng Việt"):
            row = page.locator("#f-languages label.pick", has_text=name).first
            row.scroll_into_view_if_needed()
            row.tap()
        assert page.locator("#f-languages input:checked").count() == 2
        page.fill("#f-produced_on", "31/02/2025")
        screenshot(page, "product-new-360")
        page.locator("form.metadata-form button[type=submit]").tap()
        page.wait_for_selector(".error-summary")
        assert "Ngày sản xuất: 31/02/2025 không phải là ngày có thật" in \
            page.inner_text(".error-summary")
        assert page.locator("#f-languages input:checked").count() == 2   # kept
        screenshot(page, "product-new-error-360")
        page.fill("#f-produced_on", "28/02/2025")
        page.locator("form.metadata-form button[type=submit]").tap()
        page.wait_for_url(re.compile(r".*/products/\d+/upload$"))
        product_id = int(re.search(r"/products/(\d+)/upload", page.url).group(1))
        view = product_view(site.kho, actor_by_name(site.kho, "producer1"), product_id)
        assert sorted(lang["label_vi"] for lang in view["languages"]) == \
            ["Tiếng Việt", "Tiếng Xơ Đăng"]
    finally:
        context.close()


def test_an_admin_revokes_a_token_after_the_question(site, chromium, prepared):
    from app.services.access.accounts import actor_for_token
    from archive.errors import AuthenticationRequired

    context, page, _console = _phone(chromium, site, "admin1")
    try:
        page.goto(f"{site.url}/admin/tokens")
        page.locator("tr", has_text="thử thu hồi").locator("a.button.danger").click()
        assert "Thu hồi mã API này?" in page.inner_text("main")
        assert actor_for_token(site.kho, prepared["revocable"]).username == "admin1"
        screenshot(page, "admin-token-revoke-360")
        page.click("button.danger")
        page.wait_for_selector(".flash.ok")
        with pytest.raises(AuthenticationRequired):
            actor_for_token(site.kho, prepared["revocable"])
    finally:
        context.close()


def test_the_delete_page_of_an_aired_product_explains_why_it_stays(site, chromium, prepared):
    context, page, _console = _phone(chromium, site, "admin1")
    try:
        page.goto(f"{site.url}/products/{prepared['aired']}/delete")
        text = page.inner_text("main")
        assert ("Sản phẩm này đã được ghi nhận phát 3 lần, không thể xoá vì các lượt phát "
                "được tính trong báo cáo năm") in text
        assert page.locator("button.danger").count() == 0
        screenshot(page, "product-delete-aired-360")
    finally:
        context.close()


def test_admin_pages_at_1280(site, chromium, prepared):
    context = chromium.new_context(viewport={"width": 1280, "height": 900}, locale="vi-VN")
    page = context.new_page()
    try:
        page.goto(f"{site.url}/login")
        page.fill('input[name="username"]', "admin1")
        page.fill('input[name="password"]', PASSWORD)
        page.click('button[type="submit"]')
        page.wait_for_url("**/search")
        for url, name in (("/admin/users", "admin-users-1280"),
                          ("/admin/tokens", "admin-tokens-1280"),
                          ("/admin/vocabularies/language", "admin-languages-1280"),
                          ("/products/new", "product-new-1280")):
            page.goto(site.url + url)
            assert _overflow(page) <= 1280, url
            screenshot(page, name)
    finally:
        context.close()


@pytest.mark.parametrize("width", [700, 1024])
def test_admin_pages_fit_tablets_too(site, chromium, prepared, width):
    """Between the phone layout (stacked rows) and a desktop the tables still fit."""
    context = chromium.new_context(viewport={"width": width, "height": 900}, locale="vi-VN")
    page = context.new_page()
    try:
        page.goto(f"{site.url}/login")
        page.fill('input[name="username"]', "admin1")
        page.fill('input[name="password"]', PASSWORD)
        page.click('button[type="submit"]')
        page.wait_for_url("**/search")
        wide = {}
        for url in ADMIN_PAGES:
            page.goto(site.url + url)
            if _overflow(page) > width:
                wide[url] = _overflow(page)
        assert wide == {}
    finally:
        context.close()
