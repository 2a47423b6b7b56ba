"""The templates' ``_()``/``gettext``: the request's catalogue looked up once.

Flask-Babel's own callables find the request's context, domain, locale and catalogue
again for every string (about 30 µs each); a dashboard of a province's 96 communes
says some 5,600 strings (a ``data-label`` per table cell), which cost a third of the
page. Here the catalogue (and the locale code the number filters read) is looked up
once a request and kept in its WSGI environ — per request, as Flask-Babel caches its
own locale and catalogue, so the answers are the same (Kho never changes a request's
language half-way: ``force_locale`` is not used).
"""
from __future__ import annotations

from typing import Any, Callable

from flask import Flask, has_request_context, request
from flask_babel import get_locale, get_translations


def _per_request(key: str, look_up: Callable[[], Any]) -> Any:
    """``look_up()`` once a request, kept in its WSGI environ under ``key`` (every
    time outside a request)."""
    if not has_request_context():
        return look_up()
    environ = request.environ
    if key not in environ:
        environ[key] = look_up()
    return environ[key]


def page_translations() -> Any:
    """The catalogue of the current request (Flask-Babel's)."""
    return _per_request("kho.translations", get_translations)


def page_locale() -> str:
    """The current request's locale code ("vi" or "en")."""
    return _per_request("kho.locale", lambda: str(get_locale() or "vi"))


def install(app: Flask) -> None:
    """Replace the Jinja i18n callables Flask-Babel installed (call after ``Babel``)."""
    app.jinja_env.install_gettext_callables(
        gettext=lambda s: page_translations().ugettext(s),
        ngettext=lambda s, p, n: page_translations().ungettext(s, p, n),
        newstyle=True,
        pgettext=lambda c, s: page_translations().upgettext(c, s),
        npgettext=lambda c, s, p, n: page_translations().unpgettext(c, s, p, n))
