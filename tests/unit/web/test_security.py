"""Security headers, cookies, escaping, size limit, unexpected errors."""
from __future__ import annotations

from app import content_security_policy


def test_every_response_has_the_security_headers(browser, as_role, product_id):
    for response in (browser.get("/login"), as_role("office").get(f"/products/{product_id}"),
                     browser.get("/static/kho.css"), browser.get("/no-such-page")):
        csp = response.headers["Content-Security-Policy"]
        assert "script-src 'self'" in csp and "unsafe-inline" not in csp
        assert "frame-ancestors 'none'" in csp
        assert response.headers["X-Content-Type-Options"] == "nosniff"
        assert response.headers["Referrer-Policy"] == "same-origin"
        assert len(response.headers["X-Request-ID"]) >= 8
        if response.mimetype == "text/html":
            assert response.headers["Cache-Control"] == "no-store"


def test_csp_allows_the_s3_origin_for_media_when_storage_is_s3(web_settings):
    settings = web_settings.replace(storage="s3", s3_bucket="kho",
                                    s3_endpoint_url="http://127.0.0.1:9000/")
    csp = content_security_policy(settings)
    assert "media-src 'self' blob: http://127.0.0.1:9000" in csp
    assert "img-src 'self' data: blob: http://127.0.0.1:9000" in csp
    assert "9000" not in content_security_policy(web_settings)


def test_pages_have_no_inline_script_or_style(as_role, product_id):
    b = as_role("admin")
    for url in ("/search", f"/products/{product_id}", "/products/new",
                f"/products/{product_id}/upload", "/admin/users"):
        page = b.get(url).get_data(as_text=True)
        assert "<script>" not in page and " style=" not in page and "onclick" not in page
        assert "<style" not in page


def test_session_cookie_is_httponly_and_samesite(browser, users):
    response = browser.login(users["office"])
    cookie = response.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie and "Secure" not in cookie


def test_session_cookie_is_secure_over_https(app, users):
    from tests.unit.web.conftest import Browser

    b = Browser(app.test_client())
    token = b.token("/login")
    response = b.client.post("/login", base_url="https://localhost",
                             data={"username": users["office"],
                                   "password": "correct-horse-battery", "csrf_token": token})
    assert "Secure" in response.headers["Set-Cookie"]


def test_script_in_a_title_shows_as_text(kho_rt, actors, as_role):
    from app.services.search.indexing import update_now
    from app.services.catalogue.products import create_product

    pid = create_product(kho_rt, actors["producer"],
                         {"title": "<script>alert(1)</script> Nước sạch"})
    update_now(kho_rt, [pid])
    b = as_role("office")
    for url in (f"/products/{pid}", "/search?q=nuoc"):
        page = b.get(url).get_data(as_text=True)
        assert "<script>alert(1)</script>" not in page
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page


def test_body_declared_larger_than_the_limit_is_refused_before_reading(app, as_role,
                                                                       product_id):
    kho = app.extensions["kho"]
    kho.settings = kho.settings.replace(max_upload_bytes=1000)
    b = as_role("producer")
    response = b.client.post(f"/products/{product_id}/files", data=b"x" * 200_000,
                             headers={"Content-Type": "application/octet-stream",
                                      "X-CSRFToken": b.token("/search")})
    assert response.status_code == 413


def test_upload_above_the_limit_is_stopped_while_streaming(app, as_role, product_id):
    kho = app.extensions["kho"]
    kho.settings = kho.settings.replace(max_upload_bytes=1000)
    b = as_role("producer")
    response = b.client.post(f"/products/{product_id}/files", data=b"x" * 5000,
                             headers={"Content-Type": "application/octet-stream",
                                      "X-CSRFToken": b.token("/search"),
                                      "X-File-Name": "big.bin", "Accept": "application/json"})
    assert response.status_code == 413
    assert response.get_json()["error"] == "too_large"
    assert "big.bin" in response.get_json()["message"]
    page = b.get(f"/products/{product_id}").get_data(as_text=True)
    assert "big.bin" not in page
    assert not list(kho.settings.spool_dir.glob("upload-*"))


def test_unexpected_errors_show_a_request_number_but_no_internals(app, as_role, monkeypatch):
    import app.services.search.queries as search_service

    def broken(*args, **kwargs):
        raise RuntimeError("secret internal detail /srv/kho")

    monkeypatch.setattr(search_service, "search", broken)
    app.config["PROPAGATE_EXCEPTIONS"] = False
    response = as_role("office").get("/search")
    page = response.get_data(as_text=True)
    assert response.status_code == 500
    assert "secret internal detail" not in page
    assert response.headers["X-Request-ID"] in page


def test_behind_a_trusted_tls_proxy_the_cookie_is_secure(web_settings, users, app):
    from app import create_app
    from tests.unit.web.conftest import Browser

    behind_proxy = create_app(web_settings.replace(trusted_proxies=1))
    behind_proxy.extensions["kho"] = app.extensions["kho"]   # same users and database
    b = Browser(behind_proxy.test_client())
    token = b.token("/login")
    response = b.client.post("/login", headers={"X-Forwarded-Proto": "https"},
                             data={"username": users["office"],
                                   "password": "correct-horse-battery", "csrf_token": token})
    assert "Secure" in response.headers["Set-Cookie"]
    assert response.headers["Strict-Transport-Security"].startswith("max-age=")
    untrusted = Browser(app.test_client())             # the same header is ignored by default
    token = untrusted.token("/login")
    plain = untrusted.client.post("/login", headers={"X-Forwarded-Proto": "https"},
                                  data={"username": users["office"],
                                        "password": "correct-horse-battery",
                                        "csrf_token": token})
    assert "Secure" not in plain.headers["Set-Cookie"]
