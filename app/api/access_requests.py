"""Access requests: ask to see a restricted product, list one's own requests (or the
owning office's queue with ``?queue=1``), and grant, refuse or withdraw one
(:mod:`app.services.access.requests`)."""
from __future__ import annotations

from flask import Response, jsonify, request

from app.api.common import actor, blueprint, json_object, kho
from app.services.access import requests
from app.services.common.parameters import parse_bool
from archive.errors import ValidationError


@blueprint.post("/products/<int:product_id>/access-requests")
def ask_access(product_id: int) -> tuple[Response, int]:
    body = json_object()
    return jsonify(requests.ask(kho(), actor(), product_id, body.get("reason"))), 201


@blueprint.get("/access-requests")
def access_requests() -> Response:
    try:
        office = parse_bool(request.args.get("queue") or "0")
    except ValueError:
        raise ValidationError("use 1 or 0", field="queue") from None
    status = request.args.get("status") or "pending"
    if status not in ("pending", "granted", "refused", "withdrawn", "all"):
        raise ValidationError("unknown status %(value)s", field="status", value=status)
    if not office:
        return jsonify(access_requests=requests.my_requests(kho(), actor()))
    return jsonify(access_requests=requests.queue(kho(), actor(),
                                                  None if status == "all" else status))


@blueprint.get("/access-requests/<int:request_id>")
def access_request(request_id: int) -> Response:
    return jsonify(requests.get_request(kho(), actor(), request_id))


@blueprint.post("/access-requests/<int:request_id>/grant")
def grant_access(request_id: int) -> Response:
    body = json_object()
    return jsonify(requests.grant(kho(), actor(), request_id, body.get("grant_until"),
                                  version=body.get("version"), note=body.get("note", "")))


@blueprint.post("/access-requests/<int:request_id>/refuse")
def refuse_access(request_id: int) -> Response:
    body = json_object()
    return jsonify(requests.refuse(kho(), actor(), request_id, body.get("reason"),
                                   version=body.get("version")))


@blueprint.post("/access-requests/<int:request_id>/withdraw")
def withdraw_access_request(request_id: int) -> Response:
    body = json_object() if request.get_data() else {}
    return jsonify(requests.withdraw(kho(), actor(), request_id, version=body.get("version")))
