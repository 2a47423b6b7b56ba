"""The public service routes: the OpenAPI document and the health check."""
from __future__ import annotations

import logging

from flask import Response, jsonify

from app.api.common import blueprint, kho
from app.services.instance.setup import public_health
from app.services.preservation.status import overall
from app.services.search.sync import node_status

log = logging.getLogger("kho.health")


@blueprint.get("/openapi.json")
def openapi() -> Response:
    from app.api.openapi import document

    return jsonify(document())


@blueprint.get("/healthz")
def healthz() -> tuple[Response, int]:
    """``ok`` or ``degraded`` (a copy of an original is faulty, the replica lags, the
    job consumer is being restarted: still serving) answer 200; ``unavailable`` (a
    component does not answer) 503, without naming hosts, folders or buckets. On a
    search writer or reader, ``search`` gives its role, the generation it serves (or
    published), the writer's newest and the lag in seconds."""
    checks, full = public_health(kho())
    status = overall(full)
    if status == "unavailable":           # the details for the operator, not the public
        log.warning("healthz: %s", "; ".join(f"{name}: {line}" for name, line in full.items()
                                              if line != "ok"))
    body = {"status": status, "checks": checks}
    search = node_status(kho())           # a search writer or reader: generations and lag
    if search is not None:
        body["search"] = search.as_dict()
    return jsonify(body), (503 if status == "unavailable" else 200)
