"""Products: create, read, edit, delete, history; consents (with their scanned forms)
and each file's own access level (issue 26)."""
from __future__ import annotations

from typing import Optional

from flask import Response, jsonify, request, url_for

from app.api.common import actor, blueprint, if_match_versions, json_object, kho, \
    product_json
from app.services.catalogue import consents, file_access, products
from app.services.common.clock import iso_datetime
from app.uploads import sent_filename
from archive.errors import PreconditionFailed, ValidationError
from archive.storage import content_disposition


def _versioned(data: dict) -> Response:
    """The product JSON with its version as ETag (for If-Match on PATCH/DELETE)."""
    for consent in data.get("consents", []):
        if consent.get("evidence"):
            consent["evidence"]["url"] = url_for("api.consent_form", product_id=data["id"],
                                                 consent_id=consent["id"])
    response = jsonify(data)
    response.headers["ETag"] = f'"{data["version"]}"'
    return response


def if_match() -> Optional[frozenset[int]]:
    """Versions the client's ``If-Match`` accepts for a product (see
    :func:`app.api.common.if_match_versions`)."""
    return if_match_versions(lambda value: PreconditionFailed(
        "If-Match %(value)s names no version of this product (send the ETag of a GET, "
        "e.g. \"3\")", field="If-Match", value=value))


@blueprint.post("/products")
def create_product() -> tuple[Response, int]:
    product_id = products.create_product(kho(), actor(), json_object())
    response = _versioned(product_json(product_id))
    response.headers["Location"] = url_for("api.product", product_id=product_id)
    return response, 201


@blueprint.get("/products/<int:product_id>")
def product(product_id: int) -> Response:
    return _versioned(product_json(product_id))


@blueprint.patch("/products/<int:product_id>")
def update_product(product_id: int) -> Response:
    products.update_product(kho(), actor(), product_id, json_object(), if_version=if_match())
    return _versioned(product_json(product_id))


@blueprint.delete("/products/<int:product_id>")
def delete_product(product_id: int) -> tuple[str, int]:
    products.delete_product(kho(), actor(), product_id, if_version=if_match())
    return "", 204


@blueprint.get("/products/<int:product_id>/history")
def product_history(product_id: int) -> Response:
    rows = products.product_history(kho(), actor(), product_id)
    return jsonify(history=[{**row, "at": iso_datetime(row["at"])} for row in rows])


@blueprint.post("/products/<int:product_id>/consents")
def add_consent(product_id: int) -> tuple[Response, int]:
    """A consent from a JSON object, or from a multipart form whose ``form`` part is
    the scanned form (the other fields as form fields, ``uses`` repeated or
    ``;``-separated). Answers the product (201), the new consent last."""
    upload = request.files.get("form")
    if request.mimetype == "multipart/form-data":
        data = {k: (request.form.getlist(k) if k == "uses" else request.form.get(k))
                for k in request.form}
    else:
        data = json_object()
    stream, name = None, ""
    if upload is not None and (upload.filename or upload.content_length):
        stream, name = upload.stream, sent_filename(upload.headers, upload.filename)
    consents.add_consent(kho(), actor(), product_id, data, stream, name,
                         if_version=if_match())
    return _versioned(product_json(product_id)), 201


@blueprint.delete("/products/<int:product_id>/consents/<int:consent_id>")
def remove_consent(product_id: int, consent_id: int) -> tuple[str, int]:
    consents.remove_consent(kho(), actor(), product_id, consent_id, if_version=if_match())
    return "", 204


@blueprint.get("/products/<int:product_id>/consents/<int:consent_id>/form")
def consent_form(product_id: int, consent_id: int) -> Response:
    found = consents.open_form(kho(), actor(), product_id, consent_id)
    return Response(found.chunks, mimetype=found.media_type, headers={
        "Content-Length": str(found.size),
        "Content-Disposition": content_disposition(found.filename)})


@blueprint.patch("/products/<int:product_id>/files/<int:file_id>")
def update_file(product_id: int, file_id: int) -> Response:
    """A file's own ``access_level`` (null: as its product); answers the product."""
    data = json_object()
    unknown = sorted(set(data) - {"access_level"})
    if unknown:
        raise ValidationError("unknown field(s): %(names)s", field=unknown[0],
                              names=", ".join(unknown))
    file_access.set_file_level(kho(), actor(), product_id, file_id, data.get("access_level"),
                               if_version=if_match())
    return _versioned(product_json(product_id))
