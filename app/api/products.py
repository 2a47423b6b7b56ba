"""Products: create, read, edit, delete, history."""
from __future__ import annotations

from typing import Optional

from flask import Response, jsonify, url_for

from app.api.common import actor, blueprint, if_match_versions, json_object, kho, \
    product_json
from app.services.catalogue import products
from app.services.common.clock import iso_datetime
from archive.errors import PreconditionFailed


def _versioned(data: dict) -> Response:
    """The product JSON with its version as ETag (for If-Match on PATCH/DELETE)."""
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
