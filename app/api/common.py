"""Plumbing of the JSON API under ``/api/v1``: the blueprint, bearer-token sign-in,
JSON errors and request parsing shared by the resource modules. No rules here.

Every route except ``/healthz`` and ``/openapi.json`` needs ``Authorization: Bearer
<token>`` (tokens from ``kho user token NAME``). Errors are JSON objects
``{"error": code, "message": text, "fields": {field: text}}`` with the status from
:mod:`app.errors`; an unexpected error answers 500 with a ``request_id`` that is also
in the log next to the traceback. Messages follow ``Accept-Language`` (vi or en,
English by default).
"""
from __future__ import annotations

import logging
import re
import uuid
from typing import Any, Callable, Optional

from flask import Blueprint, Response, current_app, g, jsonify, request, url_for
from werkzeug.exceptions import HTTPException

from app.errors import HTTP_MESSAGES, UNEXPECTED, http_error_code, outage, outcome, public_error
from app.i18n import gettext_for
from app.services.access import accounts
from app.services.files import downloads
from app.services.files import intake
from app.services.catalogue import product_view, suggestions, vocabularies
from archive.errors import AuthenticationRequired, KhoError, ValidationError

blueprint = Blueprint("api", __name__, url_prefix="/api/v1")
log = logging.getLogger("kho.api")

PUBLIC_ENDPOINTS = frozenset({"api.healthz", "api.openapi"})


# --- plumbing -------------------------------------------------------------------

def kho():
    return current_app.extensions["kho"]


def actor():
    return g.api_actor


def gettext():
    locale = request.accept_languages.best_match(["vi", "en"]) or "en"
    return gettext_for(locale)


def error(status: int, code: str, message: str, fields: dict | None = None,
           **extra: Any) -> Response:
    response = jsonify(error=code, message=message, fields=fields or {}, **extra)
    response.status_code = status
    if status == 401:
        response.headers["WWW-Authenticate"] = 'Bearer realm="kho"'
    return response


@blueprint.record_once
def _exempt_from_csrf(state) -> None:
    """Bearer-token requests carry no cookie, so form CSRF tokens do not apply."""
    csrf = state.app.extensions.get("csrf")
    if csrf is not None:
        csrf.exempt(blueprint)


@blueprint.before_request
def authenticate() -> None:
    if not getattr(g, "request_id", None):   # create_app may have given one already
        g.request_id = uuid.uuid4().hex[:16]
    if request.endpoint in PUBLIC_ENDPOINTS:
        return
    scheme, _, token = request.headers.get("Authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise AuthenticationRequired("send the header Authorization: Bearer <API token>",
                                     field="Authorization")
    g.api_actor = accounts.actor_for_token(kho(), token.strip())


@blueprint.errorhandler(KhoError)
def kho_error(err: KhoError) -> Response:
    translate = gettext()
    shown = public(err)
    return error(outcome(err).http_status, err.code, shown.render(translate),
                 shown.render_fields(translate))


def public(err: KhoError) -> KhoError:
    """``err`` as a client may see it: one about the machine (storage folder, object
    key, endpoint) is logged with the request id and answered in plain words."""
    if err.private:
        log.warning("request %s: %s", getattr(g, "request_id", "-"), err)
    return public_error(err)


@blueprint.errorhandler(HTTPException)
def http_error(err: HTTPException) -> Response:
    status = err.code or 400
    message = gettext()(HTTP_MESSAGES[status]) if status in HTTP_MESSAGES else \
        (err.description or err.name)
    if status == 413:   # a chunked body grew past the request limit while being read
        return kho_error(intake.request_too_large(kho().settings))
    response = error(status, http_error_code(status), message)
    if getattr(err, "valid_methods", None):
        response.headers["Allow"] = ", ".join(sorted(err.valid_methods))
    return response


@blueprint.errorhandler(Exception)
def unexpected_error(err: Exception) -> Response:
    request_id = getattr(g, "request_id", None) or uuid.uuid4().hex[:16]
    known = outage(err)            # database gone, spool disk full: 503/507, not 500
    if known is not None:
        log.error("request %s %s %s: %s: %s", request_id, request.method, request.path,
                  known.code, err)
        return kho_error(known)
    log.exception("request %s %s %s failed", request_id, request.method, request.path)
    message = gettext()("unexpected error; quote request id %(id)s") % {"id": request_id}
    return error(UNEXPECTED.http_status, "internal", message, request_id=request_id)


@blueprint.after_request
def add_request_id(response: Response) -> Response:
    if getattr(g, "request_id", None):
        response.headers.setdefault("X-Request-ID", g.request_id)
    return response


NOT_TEXT = "not valid text (it contains a lone surrogate, U+D800 to U+DFFF)"


def _is_text(value: Any) -> bool:
    """False if a JSON value holds a string with an unpaired surrogate (``"\\ud800"``
    is valid JSON but no Unicode text: it cannot be stored or shown).

    Walks with an explicit stack: a body nested hundreds deep parses, and must not
    then exhaust Python's recursion limit here.
    """
    pending = [value]
    while pending:
        item = pending.pop()
        if isinstance(item, str):
            try:
                item.encode("utf-8")
            except UnicodeEncodeError:
                return False
        elif isinstance(item, dict):
            pending.extend(item.keys())
            pending.extend(item.values())
        elif isinstance(item, list):
            pending.extend(item)
    return True


def json_object() -> dict[str, Any]:
    """The request's JSON object; ValidationError naming ``body``, or each field
    whose value (or name) is not valid text."""
    try:
        data = request.get_json(silent=True)
    except RecursionError:       # [[[[…]]]] 100,000 deep: Python's parser gives up
        raise ValidationError("the JSON body is nested too deeply", field="body") from None
    if not isinstance(data, dict):
        raise ValidationError("send a JSON object (Content-Type: application/json)",
                              field="body")
    bad = [k.encode("utf-8", "backslashreplace").decode("utf-8")
           for k, v in data.items() if not (_is_text(k) and _is_text(v))]
    if bad:
        raise ValidationError("%(names)s: not valid text (it contains a lone surrogate, "
                              "U+D800 to U+DFFF)", field=bad[0],
                              fields={name: NOT_TEXT for name in bad}, names=", ".join(bad))
    return data


def rendition_url(product_id: int, file_id: int, name: str) -> str:
    return url_for("api.rendition", product_id=product_id, file_id=file_id, rendition=name)


def track_url(product_id: int, file_id: int, track_id: int) -> str:
    return url_for("api.track", product_id=product_id, file_id=file_id, track_id=track_id)


def product_json(product_id: int) -> dict[str, Any]:
    """The product view with a ``url`` on the product, each file (its original) and
    each rendition; a failed file's problem (and its ``error``) in the requester's
    language."""
    data = product_view.product_view(kho(), actor(), product_id)
    data["url"] = url_for("api.product", product_id=product_id)
    reader = gettext()
    for f in data["files"]:
        f["url"] = rendition_url(product_id, f["id"], downloads.ORIGINAL)
        if f["problem"]:     # the sentence in the requester's language (Accept-Language)
            f["problem"]["message"] = f["error"] = f["problem"]["message"].render(reader)
        for r in f["renditions"]:
            r["url"] = rendition_url(product_id, f["id"], r["name"])
        for t in f["tracks"]:      # caption and transcript tracks: WebVTT, problems by line
            t["url"] = track_url(product_id, f["id"], t["id"])
            for problem in t["problems"]:
                problem["message"] = problem["message"].render(reader)
    data["suggestions"] = _with_reasons(data["suggestions"], reader)
    if data.get("download_warning"):     # consent does not allow radio: in their language
        data["download_warning"] = data["download_warning"].render(reader)
    return data


def _with_reasons(found: list[dict], reader: Callable[[str], str]) -> list[dict]:
    """The suggestions, each language one with its ``reason`` in the requester's
    language (why it was suggested: letters and words, the title naming it, or the
    language identifier)."""
    if not any(s.get("kind") == suggestions.LANGUAGE for s in found):
        return found
    locale = request.accept_languages.best_match(["vi", "en"]) or "en"
    labels = {e.code: e.label(locale) for e in vocabularies.list_vocabulary(kho(), "languages")}
    out = []
    for s in found:
        why = suggestions.reason(s, labels.get(s["code"], s["code"]))
        out.append(dict(s, reason=why.render(reader)) if why is not None else s)
    return out


# one or more entity tags (RFC 9110 §8.8.3), or *: the pattern the document states
ENTITY_TAGS = re.compile(r'^\s*(\*|(W/)?"[\x21\x23-\x7e]*"(\s*,\s*(W/)?"[\x21\x23-\x7e]*")*)\s*$')


def if_match_header() -> str | None:
    """The ``If-Match`` header (None when absent). A header that is not a list of
    entity tags or ``*`` cannot be understood: KhoError (400) naming ``If-Match``;
    well-formed tags that name no version are the caller's 412."""
    raw = request.headers.get("If-Match")
    if raw is not None and not ENTITY_TAGS.match(raw):
        raise KhoError("If-Match must be entity tags in double quotes, such as \"3\", "
                       "or *", field="If-Match")
    return raw


def if_match_versions(no_version: Callable[[str], KhoError]) -> Optional[frozenset[int]]:
    """Versions the client's ``If-Match`` accepts (strong tags ``"3"``); None without the
    header or with ``*``. A header naming no version (a weak or foreign tag, which never
    matches under RFC 9110's strong comparison) raises ``no_version(header)`` — the
    resource's own 412 — at once; a malformed one is 400 (:func:`if_match_header`)."""
    raw = if_match_header()
    if raw is None or raw.strip() == "*":
        return None
    versions = frozenset(int(tag[1:-1]) for tag in (t.strip() for t in raw.split(","))
                         if len(tag) > 2 and tag[0] == tag[-1] == '"' and tag[1:-1].isdigit()
                         and len(tag) < 20)
    if not versions:
        raise no_version(raw.strip()[:80])
    return versions


def year_arg() -> int | None:
    """``?year=`` as a number (None when absent); ValidationError for a non-number."""
    from app.services.common.parameters import parse_year

    return parse_year(request.args.get("year"))
