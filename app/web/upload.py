"""Creating a product and adding its files.

Files arrive two ways at the same route: the page's script sends each file as the raw
request body (``X-File-Name`` header, progress shown per file), and without script the
form posts ``multipart/form-data``. Either way the bytes go straight to
``services.intake.receive`` which streams them to a spool file and enforces the limit.
"""
from __future__ import annotations

from urllib.parse import unquote

from flask import (Blueprint, flash, jsonify, redirect, render_template, request, url_for)
from flask_babel import gettext as _

from app.errors import outcome
from app.uploads import sent_filename
from app.web.common import current_actor, error_fields, error_message, kho, signed_in
from app.web.forms import form_values, metadata_from_form, pickers
from app.web.views import product_view, status_label, term_label
from archive.errors import KhoError, ValidationError
from archive.text import normalize_filename

bp = Blueprint("upload", __name__)


@bp.route("/products/new", methods=["GET", "POST"])
@signed_in
def new_product():
    from app.services.products import create_product

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
    return render_template("upload.html", p=product, status_label=status_label,
                           term_label=term_label,
                           max_bytes=kho().settings.max_upload_bytes)


def _receive_one(product_id: int, stream, filename: str,
                 declared_size: int | None = None) -> dict:
    from app.services.intake import receive

    got = receive(kho(), current_actor(), product_id, stream, filename,
                  declared_size=declared_size)
    return {"file_id": got.file_id, "name": got.filename, "size": got.size,
            "media_type": got.media_type, "type_mismatch": got.type_mismatch,
            "duplicate": got.duplicate, "duplicate_of": got.duplicate_of,
            "processing": got.processing,
            "notice": _("The file is kept, but the job queue is not reachable right now: "
                        "its processing starts as soon as the queue is back.")
            if got.processing == "pending" else ""}


@bp.route("/products/<int:product_id>/files", methods=["POST"])
@signed_in
def add_files(product_id: int):
    """Raw body (script) -> JSON; multipart form (no script) -> back to the page."""
    if request.mimetype == "multipart/form-data":
        return _add_multipart(product_id)
    name = unquote(request.headers.get("X-File-Name", "")) or "file"
    try:
        # the body is this one file: a Content-Length over the limit is refused unread
        received = _receive_one(product_id, request.stream, name, request.content_length)
    except KhoError as exc:
        return jsonify(error=exc.code, message=error_message(exc), fields=error_fields(exc)), \
            outcome(exc).http_status
    received["status_url"] = url_for("product.product_status", product_id=product_id)
    return jsonify(received), 201


def _add_multipart(product_id: int):
    current_actor().require("file.upload")
    uploads = [f for f in request.files.getlist("files") if f and f.filename]
    if not uploads:
        flash(_("Choose at least one file."), "error")
    for upload in uploads:
        try:
            got = _receive_one(product_id, upload.stream,
                               sent_filename(upload.headers, upload.filename))
        except KhoError as exc:
            if exc.code not in ("invalid", "too_large"):
                raise  # forbidden / not found: the error page with its status
            shown = normalize_filename(sent_filename(upload.headers, upload.filename))
            flash(f"{shown}: {error_message(exc)}", "error")
        else:
            note = _(" (already stored before)") if got["duplicate"] else ""
            flash(_("Received %(name)s", name=got["name"]) + note, "ok")
            if got["notice"]:
                flash(got["notice"], "warning")
    return redirect(url_for("upload.upload_page", product_id=product_id))


@bp.route("/products/<int:product_id>/suggestions", methods=["POST"])
@signed_in
def confirm_suggestions(product_id: int):
    """Confirm the ticked suggested themes/conventions (values ``theme:code``)."""
    from app.services.tagging import confirm

    chosen = request.form.getlist("confirm")
    for value in chosen:
        kind, _sep, code = value.partition(":")
        confirm(kho(), current_actor(), product_id, kind, code)
    if chosen:
        flash(_("Confirmed %(n)d suggestion(s).", n=len(chosen)), "ok")
    back = request.form.get("back") or "upload"
    endpoint = "upload.upload_page" if back == "upload" else "product.product_page"
    return redirect(url_for(endpoint, product_id=product_id))
