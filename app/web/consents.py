"""The access part of a product page's editing (issue 26): consents with their scanned
forms (add, remove, the form's download) and a file's own access level. The rules are
:mod:`app.services.catalogue.consents` and :mod:`app.services.catalogue.file_access`."""
from __future__ import annotations

from flask import Blueprint, Response, flash, redirect, request, url_for
from flask_babel import gettext as _

from app.services.catalogue import consents, file_access
from app.uploads import sent_filename
from app.web.common import current_actor, error_message, kho, signed_in
from app.web.labels import level_label
from archive.errors import KhoError, ValidationError
from archive.storage import content_disposition

bp = Blueprint("consents", __name__)


def _back(product_id: int):
    return redirect(url_for("product.product_page", product_id=product_id) + "#access")


@bp.route("/products/<int:product_id>/consents", methods=["POST"])
@signed_in
def add_consent(product_id: int):
    """Record a consent from the product page's form (the scan optional)."""
    upload = request.files.get("form")
    stream, name = None, ""
    if upload is not None and upload.filename:
        stream, name = upload.stream, sent_filename(upload.headers, upload.filename)
    data = {"given_by": request.form.get("given_by", ""),
            "uses": [u for u in request.form.getlist("uses") if u],
            "until": request.form.get("until", ""), "note": request.form.get("note", "")}
    try:
        consents.add_consent(kho(), current_actor(), product_id, data, stream, name)
    except ValidationError as exc:
        flash(error_message(exc), "error")
    else:
        flash(_("Consent of %(who)s recorded.", who=data["given_by"].strip()), "ok")
    return _back(product_id)


@bp.route("/products/<int:product_id>/consents/<int:consent_id>/remove", methods=["POST"])
@signed_in
def remove_consent(product_id: int, consent_id: int):
    consents.remove_consent(kho(), current_actor(), product_id, consent_id)
    flash(_("Consent removed; its scanned form stays in the archive."), "ok")
    return _back(product_id)


@bp.route("/products/<int:product_id>/consents/<int:consent_id>/form")
@signed_in
def consent_form(product_id: int, consent_id: int) -> Response:
    found = consents.open_form(kho(), current_actor(), product_id, consent_id)
    return Response(found.chunks, mimetype=found.media_type, headers={
        "Content-Length": str(found.size),
        "Content-Disposition": content_disposition(found.filename)})


@bp.route("/products/<int:product_id>/files/<int:file_id>/access", methods=["POST"])
@signed_in
def file_level(product_id: int, file_id: int):
    """A file's own access level (empty: as its product)."""
    try:
        level = file_access.set_file_level(kho(), current_actor(), product_id, file_id,
                                           request.form.get("access_level") or None)
    except KhoError as exc:
        if not isinstance(exc, ValidationError):
            raise
        flash(error_message(exc), "error")
    else:
        flash(_("File access saved: %(level)s.", level=level_label(level))
              if level else _("File access saved: as the product."), "ok")
    return _back(product_id)
