"""Yearly contributions to the plan's report: a unit's part for a year (read, save as a
draft, submit), its review by the consolidating body (return with a reason, accept),
and that body's checklist. Rules: :mod:`app.services.contributions`."""
from __future__ import annotations

from flask import Response, jsonify, request

from app.api.common import actor, blueprint, json_object, kho
from app.services.contributions import checklist, filing
from app.services.contributions.contribution_view import get_contribution


@blueprint.get("/contributions/checklist")
def contribution_checklist() -> Response:
    return jsonify(checklist.checklist(kho(), actor(), request.args.get("year", ""),
                                       request.args.get("unit") or None))


@blueprint.get("/contributions/owed")
def contributions_owed() -> Response:
    return jsonify(owed=checklist.owed(kho(), actor()))


@blueprint.get("/contributions/<unit>/<year>")
def contribution(unit: str, year: str) -> Response:
    return jsonify(get_contribution(kho(), actor(), unit, year))


@blueprint.put("/contributions/<unit>/<year>")
def save_contribution(unit: str, year: str) -> Response:
    return jsonify(filing.save_contribution(kho(), actor(), unit, year, json_object()))


@blueprint.post("/contributions/<unit>/<year>/submit")
def submit_contribution(unit: str, year: str) -> Response:
    data = json_object() if request.get_data() else {}
    return jsonify(filing.submit_contribution(kho(), actor(), unit, year, data))


@blueprint.post("/contributions/<unit>/<year>/return")
def return_contribution(unit: str, year: str) -> Response:
    data = json_object()
    return jsonify(filing.return_contribution(kho(), actor(), unit, year, data.get("reason")))


@blueprint.post("/contributions/<unit>/<year>/accept")
def accept_contribution(unit: str, year: str) -> Response:
    return jsonify(filing.accept_contribution(kho(), actor(), unit, year))
