"""``GET /api/v1/stats``: the office's figures (office and admin tokens only).

Query parameters ``from``, ``to`` (ISO dates), ``unit`` (lead unit code), ``commune``
(unit or GSO code), ``rollup`` (``false`` shows old communes as they were). The body is
:func:`app.services.stats.plan_progress.stats_json`, the same as ``kho stats --json``.
A token of an account with a unit gets its unit's part without any filter (the service
narrows the scope; a unit or commune outside it is 403 naming it).
"""
from __future__ import annotations

from flask import Response, jsonify, request

from app.api.common import actor, blueprint, kho
from app.services.activities import people_view
from app.services.stats import cache, people_part, plan_progress


@blueprint.get("/stats")
def stats_figures() -> Response:
    marks = cache.fingerprint(kho())          # what every figure depends on, read once
    figures = plan_progress.request_stats(kho(), actor(), request.args.to_dict(flat=True),
                                          marks)
    body = plan_progress.stats_json(figures)
    people = people_part.scope_people(kho(), actor(), figures.scope, marks)
    body.update(people_view.stats_blocks(people))                  # people, activities
    return jsonify(body)
