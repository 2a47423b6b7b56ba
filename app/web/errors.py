"""Error pages: domain errors, HTTP errors and unexpected ones as a page in the
reader's language (or JSON for scripts), and the early refusal of oversized bodies."""
from __future__ import annotations

import logging

from flask import Flask, g, jsonify, redirect, render_template, request, url_for
from flask_babel import gettext as _
from werkzeug.exceptions import HTTPException

from app.errors import HTTP_MESSAGES, UNEXPECTED, http_error_code, outage, outcome
from app.web.common import current_actor, error_fields, error_message, kho, wants_json
from archive.errors import AuthenticationRequired, KhoError

log = logging.getLogger("kho.web")


def register_error_pages(app: Flask) -> None:
    """Install the body-size guard and the error handlers on ``app``."""
    app.before_request(_reject_oversized_body)
    app.register_error_handler(KhoError, _kho_error)
    app.register_error_handler(HTTPException, _http_error)
    app.register_error_handler(Exception, _unexpected_error)


def _kho_error(error: KhoError):
    if isinstance(error, AuthenticationRequired) and not wants_json():
        return redirect(url_for("auth.login", next=request.full_path.rstrip("?")))
    status = outcome(error).http_status
    if error.code == "forbidden" and current_actor() is None and not wants_json():
        return redirect(url_for("auth.login", next=request.full_path.rstrip("?")))
    message = error_message(error)
    if wants_json():
        return jsonify(error=error.code, message=message, fields=error_fields(error)), status
    return render_template("error.html", status=status, message=message,
                           ask_for=_ask_for(error)), status


def _ask_for(error: KhoError):
    """The product a 403 page offers the access-request form for (a restricted product
    outside the reader's audience: ``field="access"`` with its id and title), else None."""
    params = getattr(error, "params", None) or {}
    if error.code != "forbidden" or error.field != "access" or "product_id" not in params:
        return None
    from app.services.access.requests import pending_for

    try:
        pending = pending_for(kho(), current_actor(), int(params["product_id"]))
    except Exception:  # noqa: BLE001 - the error page must render even so
        pending = None
    return {"product_id": params["product_id"], "title": params.get("title", ""),
            "pending": pending}




def _http_error(error: HTTPException):
    status = error.code or 500
    if status < 400:
        return error
    if status == 413:   # a chunked body grew past the request limit while being read
        from app.services.files.intake import request_too_large

        return _kho_error(request_too_large(kho().settings))
    message = _(HTTP_MESSAGES.get(status, "Something went wrong."))
    headers = {"Allow": ", ".join(sorted(error.valid_methods))} \
        if getattr(error, "valid_methods", None) else {}
    if wants_json():
        return jsonify(error=http_error_code(status), message=message, fields={}), status, \
            headers
    return render_template("error.html", status=status, message=message), status, headers


def _unexpected_error(error: Exception):
    if isinstance(error, HTTPException):
        return _http_error(error)
    request_id = getattr(g, "request_id", "-")
    known = outage(error)          # database gone, spool disk full: 503/507, not 500
    if known is not None:
        log.error("request %s: %s: %s", request_id, known.code, error)
        if "actor" not in g:       # the page header must not ask the database again
            g.actor = None
        return _kho_error(known)
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

    The cap (:func:`app.services.files.intake.request_limit`) is generous: several files at
    the per-file limit ``max_upload_bytes``, which intake enforces on each file while
    streaming it, naming the file and keeping the others of the same request.
    """
    from app.services.files.intake import request_limit, request_too_large

    settings = kho().settings
    limit = request_limit(settings)
    if request.content_length is not None and request.content_length > limit:
        raise request_too_large(settings)
    request.max_content_length = limit
