"""The public service routes: the OpenAPI document and the health check."""
from __future__ import annotations

from flask import Response, jsonify

from app.api.base import blueprint, kho
from app.services.instance.setup import health
from app.services.preservation.status import overall


@blueprint.get("/openapi.json")
def openapi() -> Response:
    from app.api.openapi import document

    return jsonify(document())


@blueprint.get("/healthz")
def healthz() -> tuple[Response, int]:
    """``ok`` or ``degraded`` (a copy of an original is faulty, the replica lags: still
    serving) answer 200; ``unavailable`` (a component does not answer) 503."""
    checks = health(kho())
    status = overall(checks)
    return jsonify(status=status, checks=checks), (503 if status == "unavailable" else 200)
