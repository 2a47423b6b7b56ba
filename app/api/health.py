"""The public service routes: the OpenAPI document and the health check."""
from __future__ import annotations

from flask import Response, jsonify

from app.api.base import blueprint, kho
from app.services import instance


@blueprint.get("/openapi.json")
def openapi() -> Response:
    from app.api.openapi import document

    return jsonify(document())


@blueprint.get("/healthz")
def healthz() -> tuple[Response, int]:
    checks = instance.health(kho())
    ok = all(v == "ok" for v in checks.values())
    return jsonify(status="ok" if ok else "unavailable", checks=checks), (200 if ok else 503)
