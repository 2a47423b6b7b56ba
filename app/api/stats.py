"""``GET /api/v1/stats``: the office's figures (office and admin tokens only).

Query parameters ``from``, ``to`` (ISO dates), ``unit`` (lead unit code), ``commune``
(unit or GSO code), ``rollup`` (``false`` shows old communes as they were). The body is
:func:`app.services.stats.plan_progress.stats_json`, the same as ``kho stats --json``.
"""
from __future__ import annotations

from flask import Response, jsonify, request

from app.api.base import actor, blueprint, kho
from app.services.stats import plan_progress


@blueprint.get("/stats")
def stats_figures() -> Response:
    figures = plan_progress.request_stats(kho(), actor(), request.args.to_dict(flat=True))
    return jsonify(plan_progress.stats_json(figures))
