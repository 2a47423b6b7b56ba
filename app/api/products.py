"""Products: create, read, edit, delete, history."""
from __future__ import annotations

from flask import Response, jsonify, url_for

from app.api.base import actor, blueprint, json_object, kho, product_json
from app.services import products, views


@blueprint.post("/products")
def create_product() -> tuple[Response, int, dict]:
    product_id = products.create_product(kho(), actor(), json_object())
    return jsonify(product_json(product_id)), 201, {
        "Location": url_for("api.product", product_id=product_id)}


@blueprint.get("/products/<int:product_id>")
def product(product_id: int) -> Response:
    return jsonify(product_json(product_id))


@blueprint.patch("/products/<int:product_id>")
def update_product(product_id: int) -> Response:
    products.update_product(kho(), actor(), product_id, json_object())
    return jsonify(product_json(product_id))


@blueprint.delete("/products/<int:product_id>")
def delete_product(product_id: int) -> tuple[str, int]:
    products.delete_product(kho(), actor(), product_id)
    return "", 204


@blueprint.get("/products/<int:product_id>/history")
def product_history(product_id: int) -> Response:
    rows = products.product_history(kho(), actor(), product_id)
    return jsonify(history=[{**row, "at": views.iso_datetime(row["at"])} for row in rows])
