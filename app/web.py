"""Server-rendered pages: shared plumbing (who is signed in, errors, template helpers).

The pages themselves live in ``app/web_*.py`` blueprints; each parses input, calls a
service and renders a template. Role rules live in the services (``Actor.require``),
never here.
"""
from __future__ import annotations

import functools
import logging
from datetime import date, datetime
from typing import Any, Callable
from urllib.parse import urlsplit

from flask import (Flask, current_app, g, jsonify, redirect, render_template, request,
                   session, url_for)
from flask_babel import format_date, format_datetime, format_decimal, get_locale
from flask_babel import gettext as _
from werkzeug.exceptions import HTTPException

from app.errors import UNEXPECTED, outcome
from archive.errors import AuthenticationRequired, KhoError, render_message

log = logging.getLogger("kho.web")
# what a browser form posts; any other request body comes from a script (the upload
# page's, or an API-like client), which gets its errors as JSON
_FORM_TYPES = frozenset({"", "application/x-www-form-urlencoded", "multipart/form-data",
                         "text/plain"})


def register_web(app: Flask) -> None:
    from app import (web_admin, web_auth, web_broadcast, web_edit, web_product, web_search,
                     web_upload)

    app.before_request(_reject_oversized_body)
    for module in (web_auth, web_search, web_product, web_upload, web_edit, web_broadcast,
                   web_admin):
        app.register_blueprint(module.bp)
    app.add_url_rule("/", "index", index)
    app.register_error_handler(KhoError, _kho_error)
    app.register_error_handler(HTTPException, _http_error)
    app.register_error_handler(Exception, _unexpected_error)
    from app.web_labels import suggestion_label

    app.jinja_env.globals.update(current_actor=current_actor, locale_code=locale_code,
                                 can=can, label_of=suggestion_label)
    app.jinja_env.filters.update(vn_date=vn_date, vn_datetime=vn_datetime, number=number,
                                 filesize=filesize, vn_iso=vn_iso, vn_iso_time=vn_iso_time,
                                 change_value=change_value, message=message_text)


def kho():
    """The runtime (:class:`app.bootstrap.Kho`) of this app."""
    return current_app.extensions["kho"]


# --- who is signed in --------------------------------------------------------------

SESSION_STAMP = "stamp"   # session key: stamp of the password the user signed in with


def current_actor():
    """The signed-in Actor or None.

    A disabled account counts as signed out, and so does a session opened before the
    user's password was set again (its stamp no longer matches).
    """
    if "actor" not in g:
        from app.services import accounts

        uid = session.get("uid")
        g.actor = (accounts.actor_for_session(kho(), uid, session.get(SESSION_STAMP))
                   if isinstance(uid, int) else None)
    return g.actor


def can(action: str) -> bool:
    actor = current_actor()
    return bool(actor and actor.can(action))


def signed_in(view: Callable) -> Callable:
    """Pages for signed-in users: others are sent to the sign-in page."""
    @functools.wraps(view)
    def wrapper(*args: Any, **kwargs: Any):
        if current_actor() is None:
            return redirect(url_for("auth.login", next=request.full_path.rstrip("?")))
        return view(*args, **kwargs)
    return wrapper


def safe_next(target: str | None, default: str = "/search") -> str:
    """A local path to go back to (never another site)."""
    if not target:
        return default
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return default
    return target


# --- formatting --------------------------------------------------------------------

def locale_code() -> str:
    return str(get_locale() or "vi")


def vn_date(value: date | datetime | None) -> str:
    """dd/mm/yyyy in Vietnamese, d MMM yyyy in English."""
    if value is None:
        return ""
    if isinstance(value, datetime):
        value = value.date()
    return format_date(value, "dd/MM/yyyy" if locale_code() == "vi" else "d MMM yyyy")


def vn_datetime(value: datetime | None) -> str:
    if value is None:
        return ""
    pattern = "HH:mm dd/MM/yyyy" if locale_code() == "vi" else "d MMM yyyy HH:mm"
    return format_datetime(value, pattern)


def vn_iso(value: str | None) -> str:
    """An ISO date (or date-time) string shown as :func:`vn_date`."""
    return vn_date(date.fromisoformat(value[:10])) if value else ""


def vn_iso_time(value: str | None) -> str:
    return vn_datetime(datetime.fromisoformat(value)) if value else ""


def number(value: float | int | None, pattern: str | None = None) -> str:
    """1.234,5 in Vietnamese; 1,234.5 in English."""
    return "" if value is None else format_decimal(value, pattern)


def change_value(value: Any) -> str:
    """One side of an audited change, readable: lists joined, empty as ∅."""
    if value in (None, "", [], False):
        return "∅" if value is not False else _("no")
    if value is True:
        return _("yes")
    if isinstance(value, (list, tuple)):
        return ", ".join(str(v) for v in value)
    if isinstance(value, str) and len(value) == 10 and value[4] == "-" and value[7] == "-":
        try:
            return vn_date(date.fromisoformat(value))
        except ValueError:
            return value
    return str(value)


def filesize(value: int | None) -> str:
    if value is None:
        return ""
    for unit, size in (("GB", 1024 ** 3), ("MB", 1024 ** 2), ("kB", 1024)):
        if value >= size:
            return f"{format_decimal(value / size, '#,##0.0')} {unit}"
    return f"{format_decimal(value)} B"


# --- errors ------------------------------------------------------------------------

def wants_json() -> bool:
    """JSON for the API, ``*.json`` routes, clients asking for it, and script-sent
    bodies (e.g. the raw-body upload), whose other errors are JSON too."""
    return request.path.startswith("/api/") or request.path.endswith(".json") or \
        request.accept_mimetypes.best == "application/json" or \
        request.mimetype not in _FORM_TYPES


def error_message(error: KhoError) -> str:
    return error.render(_, number)


def error_fields(error: KhoError) -> dict[str, str]:
    """The error's per-field messages in the page's language."""
    return error.render_fields(_, number)


def message_text(value: Any) -> str:
    """A field message (``archive.errors.Message`` or text) in the page's language."""
    return render_message(value, _, number)


def _kho_error(error: KhoError):
    if isinstance(error, AuthenticationRequired) and not wants_json():
        return redirect(url_for("auth.login", next=request.full_path.rstrip("?")))
    status = outcome(error).http_status
    if error.code == "forbidden" and current_actor() is None and not wants_json():
        return redirect(url_for("auth.login", next=request.full_path.rstrip("?")))
    message = error_message(error)
    if wants_json():
        return jsonify(error=error.code, message=message, fields=error_fields(error)), status
    return render_template("error.html", status=status, message=message), status


_HTTP_MESSAGES = {
    400: "The request could not be understood (the form may have expired: reload the page).",
    403: "You may not do this.",
    404: "This page does not exist, or you may not see it.",
    405: "This action is not allowed here.",
    416: "The requested byte range is not available.",
}


def _http_error(error: HTTPException):
    status = error.code or 500
    if status < 400:
        return error
    if status == 413:   # a chunked body grew past the request limit while being read
        from app.services.intake import request_too_large

        return _kho_error(request_too_large(kho().settings))
    message = _(_HTTP_MESSAGES.get(status, "Something went wrong."))
    if wants_json():
        return jsonify(error="http_%d" % status, message=message, fields={}), status
    return render_template("error.html", status=status, message=message), status


def _unexpected_error(error: Exception):
    if isinstance(error, HTTPException):
        return _http_error(error)
    request_id = getattr(g, "request_id", "-")
    log.exception("unexpected error (request %s)", request_id)
    status = UNEXPECTED.http_status
    message = _("An unexpected error happened. Please tell the administrator the "
                "request number %(id)s.", id=request_id)
    if wants_json():
        return jsonify(error="unexpected", message=message, fields={}), status
    return render_template("error.html", status=status, message=message), status


def _reject_oversized_body():
    """Refuse a body declared larger than one request may carry before reading it, and
    stop reading a chunked one that grows past that (413).

    The cap (:func:`app.services.intake.request_limit`) is generous: several files at
    the per-file limit ``max_upload_bytes``, which intake enforces on each file while
    streaming it, naming the file and keeping the others of the same request.
    """
    from app.services.intake import request_limit, request_too_large

    settings = kho().settings
    limit = request_limit(settings)
    if request.content_length is not None and request.content_length > limit:
        raise request_too_large(settings)
    request.max_content_length = limit


# --- small routes ------------------------------------------------------------------

def index():
    return redirect(url_for("search.search_page") if current_actor() else
                    url_for("auth.login"))
