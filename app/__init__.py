"""Kho web application factory: pages, JSON API, locale, CSRF, cookies, headers."""
from __future__ import annotations

import uuid
from typing import Any, Mapping
from urllib.parse import urlsplit

from flask import Flask, g, request
from flask.sessions import SecureCookieSessionInterface

from archive.base import fits_id
from archive.errors import NotFound


class _SessionCookies(SecureCookieSessionInterface):
    """Session cookie marked Secure when the request came over HTTPS (or settings say so)."""

    def get_cookie_secure(self, app: Flask) -> bool:
        return bool(app.config.get("SESSION_COOKIE_SECURE")) or request.is_secure


def create_app(settings: Any = None, overrides: Mapping[str, Any] | None = None) -> Flask:
    """Build the Flask app from Settings (or the usual configuration sources).

    Nothing is connected here; the runtime opens engines and storage on first use.
    """
    from app.bootstrap import Kho
    from config import load_settings

    settings = settings or load_settings(overrides)
    app = Flask(__name__)
    from app.json_body import FastJSONProvider

    app.json = FastJSONProvider(app)     # API bodies written by orjson (app/json_body.py)
    app.request_class = _spooling_request(settings.spool_dir, settings.max_upload_bytes)
    app.config.update(SECRET_KEY=settings.secret_key or "testing-only",
                      MAX_CONTENT_LENGTH=None, TESTING=settings.testing,
                      SESSION_COOKIE_HTTPONLY=True, SESSION_COOKIE_SAMESITE="Lax",
                      SESSION_COOKIE_SECURE=settings.session_cookie_secure,
                      SESSION_COOKIE_NAME="kho_session", SEND_FILE_MAX_AGE_DEFAULT=3600,
                      WTF_CSRF_TIME_LIMIT=None, WTF_CSRF_SSL_STRICT=False,
                      BABEL_DEFAULT_LOCALE=settings.default_locale,
                      BABEL_DEFAULT_TIMEZONE=settings.timezone)
    app.session_interface = _SessionCookies()
    app.extensions["kho"] = Kho(settings)
    app.before_request(_assign_request_id)
    app.url_value_preprocessor(_ids_in_range)
    from app.ops import register_ops

    register_ops(app)              # request clock, log line, metrics, /metrics
    _setup_babel(app)
    from app import web

    web.register_web(app)  # registers the early upload-size check before CSRF
    csrf = _setup_csrf(app)
    _register_api(app, csrf)
    from app.oai import register_oai

    register_oai(app, csrf)
    app.after_request(_security_headers)
    if settings.trusted_proxies:
        from werkzeug.middleware.proxy_fix import ProxyFix

        n = settings.trusted_proxies  # X-Forwarded-* set by this many proxies in front
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=n, x_proto=n, x_host=n)
    return app


def _spooling_request(spool_dir, limit: int):
    """A Request class whose multipart files are buffered in Kho's spool folder.

    Werkzeug buffers every uploaded file bigger than 500 kB in a temporary file of
    the system temp folder, which is often small or in memory; uploads may be 4 GiB,
    so they go where intake spools them anyway (setting ``spool_path``), into a
    :class:`~app.services.common.spool.SpoolFile` that hashes and counts them as they
    arrive and that intake then takes over: each file is written to disk once.
    """
    from flask import Request

    from app.services.common.spool import SpoolFile

    class SpoolingRequest(Request):
        def _get_file_stream(self, total_content_length, content_type, filename=None,
                             content_length=None):
            if total_content_length is not None and total_content_length <= 500 * 1024:
                return super()._get_file_stream(total_content_length, content_type,
                                                filename, content_length)
            return SpoolFile(spool_dir, limit, filename or "")

    return SpoolingRequest


def _ids_in_range(endpoint: str | None, values: dict[str, Any] | None) -> None:
    """A number in a URL larger than any row id (``archive.base.MAX_ID``: 2147483648,
    a 20-digit id) is "not found" on every door before any view runs, instead of
    reaching PostgreSQL's INTEGER columns as a 500 "integer out of range". (Checked
    after routing, so the answer is 404, not the 405 a failing converter would give.)"""
    for name, value in (values or {}).items():
        if isinstance(value, int) and not fits_id(value):
            raise NotFound("nothing has the number %(id)s", field=name, id=value)


def _assign_request_id() -> None:
    incoming = request.headers.get("X-Request-ID", "")
    g.request_id = incoming if 8 <= len(incoming) <= 64 and incoming.isalnum() else \
        uuid.uuid4().hex


def _select_locale() -> str:
    """The pages' language: the one the person chose (``?lang=``, else the cookie set by
    the header's language link and by signing in to an account that chose one), else
    Vietnamese — whatever the browser's ``Accept-Language`` says: phones in Vietnam are
    often set to en-US, and Kho's users read Vietnamese first. (The JSON API answers in
    the client's ``Accept-Language``: a program asks for what it parses.)"""
    from app.i18n import LOCALE_COOKIE, LOCALES

    chosen = request.args.get("lang") or request.cookies.get(LOCALE_COOKIE)
    return chosen if chosen in LOCALES else "vi"


def _setup_babel(app: Flask) -> None:
    from flask_babel import Babel

    from app.web import page_gettext

    Babel(app, locale_selector=_select_locale)
    page_gettext.install(app)       # the catalogue looked up once a request, not per string


def _setup_csrf(app: Flask):
    from flask_wtf.csrf import CSRFProtect

    return CSRFProtect(app)


def _register_api(app: Flask, csrf) -> None:
    from app import api

    csrf.exempt(api.blueprint)
    app.register_blueprint(api.blueprint)


def _storage_origin(settings: Any) -> str:
    """The S3 origin media may be redirected to (presigned URLs), or ""."""
    if settings.storage != "s3":
        return ""
    endpoint = settings.s3_endpoint_url
    if endpoint:
        parts = urlsplit(endpoint)
        return f"{parts.scheme}://{parts.netloc}"
    return "https://*.amazonaws.com"


def content_security_policy(settings: Any) -> str:
    """The CSP header value: no inline script or style, media only from Kho (and S3)."""
    extra = _storage_origin(settings)
    media = f" {extra}" if extra else ""
    return ("default-src 'self'; script-src 'self'; style-src 'self'; "
            f"img-src 'self' data: blob:{media}; media-src 'self' blob:{media}; "
            "object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'")


def _security_headers(response):
    from flask import current_app

    settings = current_app.extensions["kho"].settings
    headers = response.headers
    headers.setdefault("Content-Security-Policy", content_security_policy(settings))
    headers.setdefault("X-Content-Type-Options", "nosniff")
    headers.setdefault("Referrer-Policy", "same-origin")
    headers.setdefault("X-Frame-Options", "DENY")
    headers.setdefault("Cross-Origin-Opener-Policy", "same-origin")
    if response.mimetype == "text/html" and "Cache-Control" not in headers:
        headers["Cache-Control"] = "no-store"  # pages carry personal data and CSRF tokens
    if getattr(g, "request_id", None):
        headers["X-Request-ID"] = g.request_id
    if request.is_secure:
        headers.setdefault("Strict-Transport-Security", "max-age=31536000")
    return response
