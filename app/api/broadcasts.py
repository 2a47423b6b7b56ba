"""Broadcast logs: "aired on <date> on <commune> radio", per product and per commune."""
from __future__ import annotations

from flask import Response, jsonify, request

from app.api.base import actor, blueprint, json_object, kho, year_arg
from app.services import broadcasts, views
from archive.errors import ValidationError


@blueprint.post("/products/<int:product_id>/broadcasts")
def log_broadcast(product_id: int) -> tuple[Response, int]:
    data = json_object()
    unknown = sorted(set(data) - {"aired_on", "commune", "note"})
    if unknown:
        raise ValidationError("unknown field(s): %(names)s", field=unknown[0],
                              fields={k: "unknown field" for k in unknown},
                              names=", ".join(unknown))
    row = broadcasts.log_broadcast(kho(), actor(), product_id, data.get("aired_on"),
                                   data.get("commune"), data.get("note") or "")
    return jsonify(row), 201


@blueprint.get("/products/<int:product_id>/broadcasts")
def product_broadcasts(product_id: int) -> Response:
    views.require_visible(kho(), actor(), product_id)
    rows = broadcasts.list_broadcasts(kho(), actor(), request.args.get("commune") or None,
                                      year_arg(), product_id=product_id)
    return jsonify(broadcasts=rows)


@blueprint.get("/broadcasts")
def broadcast_list() -> Response:
    rows = broadcasts.list_broadcasts(kho(), actor(), request.args.get("commune") or None,
                                      year_arg())
    return jsonify(broadcasts=rows)
