"""JSON API under ``/api/v1``: parse input, call a service, render JSON. No rules here.

Every route except ``/healthz`` and ``/openapi.json`` needs ``Authorization: Bearer
<token>`` (tokens from ``kho user token NAME``). Errors are JSON objects
``{"error": code, "message": text, "fields": {field: text}}`` with the status from
:mod:`app.errors`; an unexpected error answers 500 with a ``request_id`` that is also
in the log next to the traceback. Messages follow ``Accept-Language`` (vi or en,
English by default).
"""
from __future__ import annotations

import logging
import uuid
from typing import Any

from flask import (Blueprint, Response, current_app, g, jsonify, redirect, request,
                   url_for)
from werkzeug.exceptions import HTTPException

from app.errors import UNEXPECTED, outcome
from app.i18n import gettext_for
from app.services import (accounts, broadcasts, downloads, instance, intake, products,
                          search as search_service, views, vocabularies)
from archive.errors import AuthenticationRequired, KhoError, TooLarge, ValidationError
from archive.storage import content_disposition

blueprint = Blueprint("api", __name__, url_prefix="/api/v1")
log = logging.getLogger("kho.api")

PUBLIC_ENDPOINTS = frozenset({"api.healthz", "api.openapi"})
HTTP_CODES = {400: "bad_request", 401: "unauthorized", 403: "forbidden", 404: "not_found",
              405: "method_not_allowed", 413: "too_large", 415: "unsupported_media_type"}


# --- plumbing -------------------------------------------------------------------

def _kho():
    return current_app.extensions["kho"]


def _actor():
    return g.api_actor


def _gettext():
    locale = request.accept_languages.best_match(["vi", "en"]) or "en"
    return gettext_for(locale)


def _error(status: int, code: str, message: str, fields: dict | None = None,
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
    g.api_actor = accounts.actor_for_token(_kho(), token.strip())


@blueprint.errorhandler(KhoError)
def kho_error(err: KhoError) -> Response:
    gettext = _gettext()
    return _error(outcome(err).http_status, err.code, err.render(gettext),
                  err.render_fields(gettext))


@blueprint.errorhandler(HTTPException)
def http_error(err: HTTPException) -> Response:
    status = err.code or 400
    message = err.description or err.name
    if status == 413:   # a chunked body grew past the request limit while being read
        return kho_error(intake.request_too_large(_kho().settings))
    return _error(status, HTTP_CODES.get(status, "error"), message)


@blueprint.errorhandler(Exception)
def unexpected_error(err: Exception) -> Response:
    request_id = getattr(g, "request_id", None) or uuid.uuid4().hex[:16]
    log.exception("request %s %s %s failed", request_id, request.method, request.path)
    message = _gettext()("unexpected error; quote request id %(id)s") % {"id": request_id}
    return _error(UNEXPECTED.http_status, "internal", message, request_id=request_id)


@blueprint.after_request
def add_request_id(response: Response) -> Response:
    if getattr(g, "request_id", None):
        response.headers.setdefault("X-Request-ID", g.request_id)
    return response


NOT_TEXT = "not valid text (it contains a lone surrogate, U+D800 to U+DFFF)"


def _is_text(value: Any) -> bool:
    """False if a JSON value holds a string with an unpaired surrogate (``"\\ud800"``
    is valid JSON but no Unicode text: it cannot be stored or shown)."""
    if isinstance(value, str):
        try:
            value.encode("utf-8")
        except UnicodeEncodeError:
            return False
        return True
    if isinstance(value, dict):
        return all(_is_text(k) and _is_text(v) for k, v in value.items())
    if isinstance(value, list):
        return all(_is_text(v) for v in value)
    return True


def _json_object() -> dict[str, Any]:
    """The request's JSON object; ValidationError naming ``body``, or each field
    whose value (or name) is not valid text."""
    data = request.get_json(silent=True)
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


def _rendition_url(product_id: int, file_id: int, name: str) -> str:
    return url_for("api.rendition", product_id=product_id, file_id=file_id, rendition=name)


def _product_json(product_id: int) -> dict[str, Any]:
    """The product view with a ``url`` on the product, each file (its original) and
    each rendition."""
    data = views.product_view(_kho(), _actor(), product_id)
    data["url"] = url_for("api.product", product_id=product_id)
    for f in data["files"]:
        f["url"] = _rendition_url(product_id, f["id"], downloads.ORIGINAL)
        for r in f["renditions"]:
            r["url"] = _rendition_url(product_id, f["id"], r["name"])
    return data


# --- products -------------------------------------------------------------------

@blueprint.post("/products")
def create_product() -> tuple[Response, int, dict]:
    product_id = products.create_product(_kho(), _actor(), _json_object())
    return jsonify(_product_json(product_id)), 201, {
        "Location": url_for("api.product", product_id=product_id)}


@blueprint.get("/products/<int:product_id>")
def product(product_id: int) -> Response:
    return jsonify(_product_json(product_id))


@blueprint.patch("/products/<int:product_id>")
def update_product(product_id: int) -> Response:
    products.update_product(_kho(), _actor(), product_id, _json_object())
    return jsonify(_product_json(product_id))


@blueprint.delete("/products/<int:product_id>")
def delete_product(product_id: int) -> tuple[str, int]:
    products.delete_product(_kho(), _actor(), product_id)
    return "", 204


@blueprint.get("/products/<int:product_id>/history")
def product_history(product_id: int) -> Response:
    rows = products.product_history(_kho(), _actor(), product_id)
    return jsonify(history=[{**row, "at": views.iso_datetime(row["at"])} for row in rows])


# --- files ----------------------------------------------------------------------

def _receive_one(product_id: int, upload) -> dict[str, Any]:
    name = upload.filename or "file"
    got = intake.receive(_kho(), _actor(), product_id, upload.stream, name)
    return {"filename": got.filename, "file_id": got.file_id, "sha256": got.sha256,
            "size": got.size, "media_type": got.media_type,
            "type_mismatch": got.type_mismatch, "duplicate": got.duplicate or None,
            "duplicate_of": got.duplicate_of,
            "url": _rendition_url(product_id, got.file_id, downloads.ORIGINAL)}


@blueprint.post("/products/<int:product_id>/files")
def upload_files(product_id: int) -> tuple[Response, int]:
    kho, actor = _kho(), _actor()
    actor.require("file.upload")
    # before reading a large body; the whole body is capped by app.web's guard
    # (intake.request_limit), each file by intake while it is spooled
    views.require_visible(kho, actor, product_id)
    uploads = [u for u in request.files.getlist("file") if u.filename or u.content_length]
    if not uploads:
        raise ValidationError("send the file(s) as multipart/form-data field 'file'",
                              field="file")
    results, failures = [], []
    for upload in uploads:
        try:
            results.append(_receive_one(product_id, upload))
        except (TooLarge, ValidationError) as err:
            failures.append(err)
            results.append({"filename": upload.filename, "error": err.code,
                            "message": err.render(_gettext())})
    if len(failures) == len(uploads):   # nothing stored: the first error, naming all
        for err in failures[1:]:
            failures[0].fields.update(err.fields)
        raise failures[0]
    return jsonify(files=results, product=_product_json(product_id)), 201


@blueprint.get("/products/<int:product_id>/files/<int:file_id>/<rendition>")
def rendition(product_id: int, file_id: int, rendition: str) -> Response:
    found = downloads.open_rendition(_kho(), _actor(), product_id, file_id, rendition)
    if found.presigned_url:
        return redirect(found.presigned_url, 302)
    headers = {"Accept-Ranges": "bytes", "X-Content-Type-Options": "nosniff",
               "Content-Disposition": content_disposition(found.filename),
               "Cache-Control": "private, max-age=3600"}
    try:
        span = downloads.parse_range(request.headers.get("Range"), found.size)
    except downloads.RangeNotSatisfiable as err:
        response = _error(416, "range_not_satisfiable", err.render(_gettext()),
                          err.render_fields(_gettext()))
        response.headers["Content-Range"] = f"bytes */{found.size}"
        return response
    start, end = span or (0, found.size - 1)
    status = 206 if span else 200
    if span:
        headers["Content-Range"] = f"bytes {start}-{end}/{found.size}"
    body = found.iter_range(start, end) if found.size and request.method != "HEAD" else []
    response = Response(body, status=status, headers=headers, content_type=found.media_type,
                        direct_passthrough=True)
    response.content_length = max(0, end - start + 1)
    return response


# --- search and vocabularies ----------------------------------------------------

def _hit_json(hit, thumbnail_file: int | None) -> dict[str, Any]:
    return {"id": hit.id, "title": hit.title, "title_html": hit.title_html,
            "snippet": hit.snippet, "kind": hit.kind or None, "languages": hit.languages,
            "year": hit.year, "status": hit.status or None,
            "produced_on": hit.produced_on.isoformat() if hit.produced_on else None,
            "url": url_for("api.product", product_id=hit.id),
            "thumbnail_url": (_rendition_url(hit.id, thumbnail_file, "thumbnail")
                              if thumbnail_file else None)}


@blueprint.get("/search")
def search() -> Response:
    result = search_service.search(_kho(), _actor(), request.args)
    thumbs = views.thumbnails(_kho(), [h.id for h in result.hits])
    return jsonify(total=result.total, page=result.page, per_page=result.per_page,
                   hits=[_hit_json(h, thumbs.get(h.id)) for h in result.hits],
                   facets=result.facets)


def _entry_json(entry) -> dict[str, Any]:
    return {"code": entry.code, "label_vi": entry.label_vi, "label_en": entry.label_en,
            **entry.flags}


@blueprint.get("/vocabularies")
def vocabulary_lists() -> Response:
    lists = vocabularies.all_vocabularies(_kho())
    return jsonify({name: [_entry_json(e) for e in entries] for name, entries in lists.items()})


@blueprint.get("/vocabularies/<name>")
def vocabulary(name: str) -> Response:
    if name not in vocabularies.vocabulary_names():
        raise ValidationError("unknown vocabulary %(name)s; choose one of %(choices)s",
                              field="name", name=repr(name),
                              choices=", ".join(vocabularies.vocabulary_names()))
    entries = vocabularies.list_vocabulary(_kho(), name)
    return jsonify(name=name, entries=[_entry_json(e) for e in entries])


# --- broadcasts -----------------------------------------------------------------

@blueprint.post("/products/<int:product_id>/broadcasts")
def log_broadcast(product_id: int) -> tuple[Response, int]:
    data = _json_object()
    unknown = sorted(set(data) - {"aired_on", "commune", "note"})
    if unknown:
        raise ValidationError("unknown field(s): %(names)s", field=unknown[0],
                              fields={k: "unknown field" for k in unknown},
                              names=", ".join(unknown))
    row = broadcasts.log_broadcast(_kho(), _actor(), product_id, data.get("aired_on"),
                                   data.get("commune"), data.get("note") or "")
    return jsonify(row), 201


def _year_arg() -> int | None:
    raw = request.args.get("year", "").strip()
    if not raw:
        return None
    if not raw.isdigit():
        raise ValidationError("not a year: %(value)s", field="year", value=raw)
    return int(raw)


@blueprint.get("/products/<int:product_id>/broadcasts")
def product_broadcasts(product_id: int) -> Response:
    views.require_visible(_kho(), _actor(), product_id)
    rows = broadcasts.list_broadcasts(_kho(), _actor(), request.args.get("commune") or None,
                                      _year_arg(), product_id=product_id)
    return jsonify(broadcasts=rows)


@blueprint.get("/broadcasts")
def broadcast_list() -> Response:
    rows = broadcasts.list_broadcasts(_kho(), _actor(), request.args.get("commune") or None,
                                      _year_arg())
    return jsonify(broadcasts=rows)


# --- service --------------------------------------------------------------------

@blueprint.get("/openapi.json")
def openapi() -> Response:
    from app.openapi import document

    return jsonify(document())


@blueprint.get("/healthz")
def healthz() -> tuple[Response, int]:
    checks = instance.health(_kho())
    ok = all(v == "ok" for v in checks.values())
    return jsonify(status="ok" if ok else "unavailable", checks=checks), (200 if ok else 503)
