"""Broadcast logs: "aired on <date> on <commune> radio", per product and per commune;
one log by id, and its withdrawal (audited; it then counts nowhere)."""
from __future__ import annotations

from flask import Response, jsonify, request

from app.api.common import actor, blueprint, json_object, kho, year_arg
from app.services.broadcasts import withdrawal
from app.services.broadcasts import log
from app.services.catalogue import product_view


@blueprint.post("/products/<int:product_id>/broadcasts")
def log_broadcast(product_id: int) -> tuple[Response, int]:
    row = log.log_broadcast_data(kho(), actor(), product_id, json_object())
    return jsonify(row), 201


@blueprint.get("/products/<int:product_id>/broadcasts")
def product_broadcasts(product_id: int) -> Response:
    product_view.require_visible(kho(), actor(), product_id)
    rows = log.list_broadcasts(kho(), actor(), request.args.get("commune") or None,
                                      year_arg(), product_id=product_id)
    return jsonify(broadcasts=rows)


@blueprint.get("/broadcasts")
def broadcast_list() -> Response:
    rows = log.list_broadcasts(kho(), actor(), request.args.get("commune") or None,
                                      year_arg())
    return jsonify(broadcasts=rows)


@blueprint.get("/broadcasts/<int:broadcast_id>")
def broadcast_one(broadcast_id: int) -> Response:
    return jsonify(withdrawal.get_broadcast(kho(), actor(), broadcast_id))


@blueprint.post("/broadcasts/<int:broadcast_id>/withdraw")
def withdraw(broadcast_id: int) -> Response:
    return jsonify(withdrawal.withdraw_broadcast(kho(), actor(), broadcast_id))
