"""Creating a product and adding its files.

Files arrive two ways at the same route: the page's script sends each file as the raw
request body (``X-File-Name`` header, progress shown per file), and without script the
form posts ``multipart/form-data``. Either way the request is checked once
(``intake.open_upload``: may upload, may see the product) before its body is read, and
the bytes go straight to ``intake.receive_into`` which streams them to a spool file and
enforces the limit.
"""
from __future__ import annotations

from urllib.parse import unquote

from flask import (Blueprint, flash, jsonify, redirect, render_template, request, url_for)
from flask_babel import gettext as _
from markupsafe import Markup, escape

from app.errors import outcome
from app.services.catalogue.products import create_product
from app.services.catalogue.suggestions import confirm
from app.services.files import failed_files, intake
from app.uploads import sent_filename
from app.web.common import current_actor, error_fields, error_message, kho, signed_in
from app.web.formatting import number
from app.web.forms import form_values, metadata_from_form, pickers
from app.web.views import product_view, status_label, term_label
from archive.errors import Conflict, KhoError, NotFound, ValidationError, human_bytes
from archive.text import normalize_filename

bp = Blueprint("upload", __name__)


@bp.route("/products/new", methods=["GET", "POST"])
@signed_in
def new_product():
    actor = current_actor()
    actor.require("product.create")
    errors: dict = {}
    if request.method == "POST":
        try:
            product_id = create_product(kho(), actor, metadata_from_form(request.form))
        except ValidationError as exc:
            errors = exc.fields
        else:
            flash(_("Product created. Now add its files."), "ok")
            return redirect(url_for("upload.upload_page", product_id=product_id))
    values = form_values(form=request.form if request.method == "POST" else None)
    return render_template("product_new.html", v=values, errors=errors, pickers=pickers()), \
        (422 if errors else 200)


@bp.route("/products/<int:product_id>/upload")
@signed_in
def upload_page(product_id: int):
    current_actor().require("file.upload")
    product = product_view(product_id)
    limit = kho().settings.max_upload_bytes
    return render_template("upload.html", p=product, status_label=status_label,
                           term_label=term_label, max_bytes=limit,
                           max_text=size_text(limit))


def size_text(size: int) -> str:
    """A size in bytes in human units, the page's way: ``4 GB``, ``1,5 MB``."""
    return human_bytes(size, number)


def category_label(category: str) -> str:
    """A media category in words (the kinds' ``media`` use these codes)."""
    words = {"audio": _("Audio"), "video": _("Video"), "image": _("Image"), "pdf": _("PDF"),
             "text": _("Text")}
    return words.get(category, category)


def _notices(got) -> list[dict]:
    """What the uploader should know about a received file, each as ``text`` (and a
    ``url`` to follow): a duplicate with a link to where it already is, a file whose
    type does not fit the product's kind, a queue that is not answering."""
    notices = []
    if got.duplicate == "same-product":
        notices.append({"code": "duplicate", "text": _(
            "This file is already in this product: nothing was added."),
            "url": url_for("product.product_page", product_id=got.product_id)})
    elif got.duplicate:
        notices.append({"code": "duplicate", "text": _(
            "This file is already in the archive: product #%(id)s. It is added here too, "
            "stored once.", id=got.duplicate_product), "link": _(
                "product #%(id)s", id=got.duplicate_product),
            "url": url_for("product.product_page", product_id=got.duplicate_product)})
    if got.kind_mismatch:
        notices.append({"code": "kind_mismatch", "text": _(
            "This file is %(category)s, which does not fit the kind “%(kind)s” (it holds "
            "%(expected)s). The file was kept — check that it belongs to this product.",
            category=category_label(got.category), kind=term_label(got.kind),
            expected=", ".join(category_label(c) for c in got.expected))})
    if got.processing == "pending":
        notices.append({"code": "pending", "text": _(
            "The file is kept, but the job queue is not reachable right now: its "
            "processing starts as soon as the queue is back.")})
    return notices


def _receive_one(destination: intake.Destination, stream, filename: str,
                 declared_size: int | None = None) -> dict:
    got = intake.receive_into(kho(), destination, stream, filename,
                              declared_size=declared_size)
    notices = _notices(got)
    return {"file_id": got.file_id, "name": got.filename, "size": got.size,
            "media_type": got.media_type, "type_mismatch": got.type_mismatch,
            "duplicate": got.duplicate, "duplicate_of": got.duplicate_of,
            "duplicate_product": got.duplicate_product, "kind_mismatch": got.kind_mismatch,
            "processing": got.processing, "notices": notices,
            "notice": " ".join(n["text"] for n in notices if n["code"] == "pending")}


def _flash_notice(notice: dict) -> None:
    """A notice as a flash message; a duplicate's "product #2" links to that product."""
    text = escape(notice["text"])
    if notice.get("link") and notice.get("url"):
        link = Markup('<a href="%s">%s</a>') % (notice["url"], notice["link"])
        text = Markup(str(text).replace(str(escape(notice["link"])), link, 1))
    flash(text, "ok" if notice["code"] == "duplicate" else "warning")


@bp.route("/products/<int:product_id>/files", methods=["POST"])
@signed_in
def add_files(product_id: int):
    """Raw body (script) -> JSON; multipart form (no script) -> back to the page."""
    if request.mimetype == "multipart/form-data":
        return _add_multipart(product_id)
    name = unquote(request.headers.get("X-File-Name", "")) or "file"
    try:
        destination = intake.open_upload(kho(), current_actor(), product_id)
        # the body is this one file: a Content-Length over the limit is refused unread
        received = _receive_one(destination, request.stream, name, request.content_length)
    except KhoError as exc:
        return jsonify(error=exc.code, message=error_message(exc), fields=error_fields(exc)), \
            outcome(exc).http_status
    received["status_url"] = url_for("product.product_status", product_id=product_id)
    return jsonify(received), 201


def _add_multipart(product_id: int):
    # checked before the form's body is read; forbidden / not found: the error page
    destination = intake.open_upload(kho(), current_actor(), product_id)
    uploads = [f for f in request.files.getlist("files") if f and f.filename]
    if not uploads:
        flash(_("Choose at least one file."), "error")
    for upload in uploads:
        try:
            got = _receive_one(destination, upload.stream,
                               sent_filename(upload.headers, upload.filename))
        except KhoError as exc:
            if exc.code not in ("invalid", "too_large"):
                raise  # forbidden / not found: the error page with its status
            shown = normalize_filename(sent_filename(upload.headers, upload.filename))
            flash(f"{shown}: {error_message(exc)}", "error")
        else:
            flash(_("Received %(name)s", name=got["name"]), "ok")
            for notice in got["notices"]:
                _flash_notice(notice)
    return redirect(url_for("upload.upload_page", product_id=product_id))


def _back_to(product_id: int):
    """Where a retry or removal returns: the page the button was on."""
    endpoint = "upload.upload_page" if request.form.get("back") == "upload" \
        else "product.product_page"
    return redirect(url_for(endpoint, product_id=product_id))


@bp.route("/products/<int:product_id>/files/<int:file_id>/retry", methods=["POST"])
@signed_in
def retry_file(product_id: int, file_id: int):
    """Thử lại: process a failed file again (producers and admins)."""
    try:
        queued, name = failed_files.retry_file(kho(), current_actor(), product_id, file_id)
    except (Conflict, NotFound) as exc:
        flash(error_message(exc), "error")
        return _back_to(product_id)
    flash(_("%(name)s is being processed again.", name=name), "ok")
    if queued == "pending":
        flash(_("The job queue is not reachable right now: processing starts as soon as "
                "the queue is back."), "warning")
    return _back_to(product_id)


@bp.route("/products/<int:product_id>/files/<int:file_id>/remove", methods=["POST"])
@signed_in
def remove_file(product_id: int, file_id: int):
    """Gỡ tệp: remove a failed file from the product (its record stays in the history)."""
    try:
        removed = failed_files.remove_file(kho(), current_actor(), product_id, file_id)
    except (Conflict, NotFound) as exc:
        flash(error_message(exc), "error")
        return _back_to(product_id)
    flash(_("%(name)s was removed from the product; the history keeps a record of it.",
            name=removed["filename"]), "ok")
    return _back_to(product_id)


@bp.route("/products/<int:product_id>/suggestions", methods=["POST"])
@signed_in
def confirm_suggestions(product_id: int):
    """Confirm the ticked suggested themes/conventions (values ``theme:code``)."""
    chosen = request.form.getlist("confirm")
    for value in chosen:
        kind, _sep, code = value.partition(":")
        confirm(kho(), current_actor(), product_id, kind, code)
    if chosen:
        flash(_("Confirmed %(n)d suggestion(s).", n=len(chosen)), "ok")
    back = request.form.get("back") or "upload"
    endpoint = "upload.upload_page" if back == "upload" else "product.product_page"
    return redirect(url_for(endpoint, product_id=product_id))
