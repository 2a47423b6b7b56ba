"""Activities: list (filters, folded words), record, read, replace fields, delete,
history, evidence files. Rules: :mod:`app.services.activities`."""
from __future__ import annotations

from typing import Optional

from flask import Response, jsonify, request, url_for

from app.api.common import actor, blueprint, if_match_versions, json_object, kho
from app.services.activities import evidence, register
from app.services.activities.activity_record import as_record
from app.services.activities.register import ActivityFilter
from app.services.common.clock import iso_datetime
from app.services.common.parameters import date_error, parse_date, parse_year
from archive.errors import PreconditionFailed, ValidationError
from archive.storage import content_disposition


def _if_match() -> Optional[frozenset[int]]:
    return if_match_versions(lambda value: PreconditionFailed(
        "If-Match %(value)s names no version of this activity (send the ETag of a GET, "
        "e.g. \"3\")", field="If-Match", value=value))


def _one(activity_id: int) -> Response:
    activity, people = register.get_activity(kho(), actor(), activity_id)
    data = as_record(activity)
    data["people_visible"] = people
    response = jsonify(data)
    response.headers["ETag"] = f'"{data["version"]}"'
    return response


def _day(name: str):
    raw = request.args.get(name, "")
    try:
        return parse_date(raw)
    except ValueError:
        raise ValidationError("%(problem)s", field=name, problem=date_error(raw)) from None


def _int(name: str, default: int) -> int:
    raw = request.args.get(name, "")
    if not raw:
        return default
    if not raw.isdigit() or len(raw) > 6:
        raise ValidationError("a whole number expected", field=name)
    return int(raw)


@blueprint.get("/activities")
def activity_list() -> Response:
    f = ActivityFilter(q=request.args.get("q", ""), kind=request.args.get("kind", ""),
                       plan_task=request.args.get("plan_task", ""),
                       unit=request.args.get("unit", ""),
                       year=parse_year(request.args.get("year")),
                       since=_day("from"), until=_day("to"))
    page = register.list_activities(kho(), actor(), f, page=_int("page", 1),
                                    per_page=_int("per_page", 50))
    return jsonify(total=page.total, page=page.page, per_page=page.per_page,
                   activities=[as_record(a) for a in page.items])


@blueprint.post("/activities")
def create_activity() -> tuple[Response, int]:
    activity_id = register.create_activity(kho(), actor(), json_object())
    response = _one(activity_id)
    response.headers["Location"] = url_for("api.activity", activity_id=activity_id)
    return response, 201


@blueprint.get("/activities/<int:activity_id>")
def activity(activity_id: int) -> Response:
    return _one(activity_id)


@blueprint.put("/activities/<int:activity_id>")
def update_activity(activity_id: int) -> Response:
    register.update_activity(kho(), actor(), activity_id, json_object(), if_version=_if_match())
    return _one(activity_id)


@blueprint.delete("/activities/<int:activity_id>")
def delete_activity(activity_id: int) -> tuple[str, int]:
    register.delete_activity(kho(), actor(), activity_id, if_version=_if_match())
    return "", 204


@blueprint.get("/activities/<int:activity_id>/history")
def activity_history(activity_id: int) -> Response:
    rows = register.activity_history(kho(), actor(), activity_id)
    return jsonify(history=[{**r, "at": iso_datetime(r["at"])} for r in rows])


@blueprint.post("/activities/<int:activity_id>/evidence")
def add_evidence(activity_id: int) -> tuple[Response, int]:
    name = request.args.get("filename") or request.headers.get("X-Filename") or "file"
    added = evidence.add_evidence(kho(), actor(), activity_id, request.stream, name,
                                  kind=request.args.get("kind", "other"))
    return jsonify(id=added.id, sha256=added.sha256, size=added.size,
                   media_type=added.media_type, filename=added.filename,
                   duplicate=added.duplicate), 200 if added.duplicate else 201


@blueprint.get("/activities/<int:activity_id>/evidence/<int:evidence_id>")
def evidence_file(activity_id: int, evidence_id: int) -> Response:
    found = evidence.open_evidence(kho(), actor(), activity_id, evidence_id)
    return Response(found.chunks, mimetype=found.media_type, headers={
        "Content-Length": str(found.size),
        "Content-Disposition": content_disposition(found.filename)})
