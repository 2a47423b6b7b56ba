"""Sign in and out, the rate limit, CSRF, language choice."""
from __future__ import annotations

from tests.unit.web.conftest import PASSWORD, Browser


def test_pages_send_signed_out_visitors_to_sign_in(browser):
    for url in ("/search", "/products/new", "/admin/users", "/broadcasts"):
        response = browser.get(url)
        assert response.status_code == 302
        assert response.headers["Location"].startswith("/login?next=")


def test_sign_in_then_out(browser, users):
    response = browser.login(users["producer"])
    assert response.status_code == 302 and response.headers["Location"] == "/search"
    page = browser.get("/search").get_data(as_text=True)
    assert "producer1" in page
    browser.post("/logout", token_from="/search")
    assert browser.get("/search").status_code == 302


def test_wrong_password_is_refused_with_a_message(browser, users):
    response = browser.login(users["producer"], "not-the-password")
    assert response.status_code == 401
    assert "sai tên đăng nhập hoặc mật khẩu" in response.get_data(as_text=True).lower()


def test_sign_in_goes_back_to_the_page_asked_for_but_never_off_site(browser, users):
    data = {"username": users["office"], "password": PASSWORD, "next": "/broadcasts"}
    assert browser.post("/login", data).headers["Location"] == "/broadcasts"
    other = Browser(browser.client.application.test_client())
    data["next"] = "//evil.example/x"
    assert other.post("/login", data).headers["Location"] == "/search"


def test_login_is_rate_limited_per_address_and_user(app, browser, users):
    limit = app.extensions["kho"].settings.login_rate_limit
    for _ in range(limit):
        assert browser.login(users["producer"], "wrong-password").status_code == 401
    blocked = browser.login(users["producer"], PASSWORD)
    assert blocked.status_code == 429
    # another user name from the same address is not blocked
    assert browser.login(users["office"]).status_code == 302


def test_disabled_account_cannot_sign_in(app, browser, users, actors):
    from app.services.access.account_admin import update_user

    update_user(app.extensions["kho"], actors["admin"], actors["office"].user_id, active=False)
    assert browser.login(users["office"]).status_code == 401


def test_forms_without_csrf_token_are_rejected(as_role, product_id):
    b = as_role("admin")
    response = b.client.post(f"/products/{product_id}/delete", data={"confirm": "yes"})
    assert response.status_code == 400
    assert b.get(f"/products/{product_id}").status_code == 200


def test_sign_in_form_needs_csrf_token(browser, users):
    response = browser.client.post("/login", data={"username": users["admin"],
                                                   "password": PASSWORD})
    assert response.status_code == 400


def test_vietnamese_by_default_english_on_request(as_role):
    b = as_role("office")
    assert "Tìm kiếm" in b.get("/search").get_data(as_text=True)
    response = b.get("/lang/en?next=/search")
    assert response.status_code == 302 and response.headers["Location"] == "/search"
    page = b.get("/search").get_data(as_text=True)
    assert ">Search<" in page and 'lang="en"' in page
    b.get("/lang/vi")
    assert 'lang="vi"' in b.get("/search").get_data(as_text=True)


def test_pages_are_vietnamese_whatever_the_browser_says_until_english_is_chosen(app, users):
    b = Browser(app.test_client())
    en_us = {"Accept-Language": "en-US,en;q=0.9"}     # common on Vietnamese phones
    login = b.get("/login", headers=en_us).get_data(as_text=True)
    assert 'lang="vi"' in login and "Đăng nhập" in login
    b.login(users["office"])
    page = b.get("/search", headers=en_us).get_data(as_text=True)
    assert 'lang="vi"' in page and "Tìm kiếm" in page
    b.get("/lang/en?next=/search")                    # the person chooses English
    assert 'lang="en"' in b.get("/search", headers={"Accept-Language": "vi"}).get_data(
        as_text=True)


def test_a_chosen_language_follows_the_user_to_another_device(app, users):
    phone = Browser(app.test_client())
    phone.login(users["office"])
    phone.get("/lang/en?next=/search")
    laptop = Browser(app.test_client())        # no language cookie there yet
    laptop.login(users["office"])
    assert 'lang="en"' in laptop.get("/search", headers={"Accept-Language": "vi"}).get_data(as_text=True)
    laptop.get("/lang/vi")                      # a choice on this device wins here ...
    assert 'lang="vi"' in laptop.get("/search").get_data(as_text=True)
    other = Browser(app.test_client())
    other.login(users["producer"])              # ... and another user is not affected
    assert 'lang="vi"' in other.get("/search", headers={"Accept-Language": "vi"}).get_data(as_text=True)


def test_a_next_address_with_a_newline_or_backslash_goes_to_a_safe_page(browser, users):
    assert browser.get("/lang/en?next=/search%0d%0aSet-Cookie:x=1").headers["Location"] == "/"
    data = {"username": users["office"], "password": PASSWORD, "next": "/search\nX-Evil: 1"}
    assert browser.post("/login", data).headers["Location"] == "/search"
    other = Browser(browser.client.application.test_client())
    data["next"] = "/\\evil.example/x"
    assert other.post("/login", data).headers["Location"] == "/search"
