"""People trained and the spokesperson mechanism: attendance lists and their import,
the people of the correction screen (merge, split), staff counts, spokespersons and the
people figures. Rules: :mod:`app.services.activities` (attendance_import,
people_matching, people_view, spokespersons).

Names, positions and ethnic groups are personal data: office and admin tokens of the
activity's (or person's) units only; others get 403, or 404 outside their units.
"""
from __future__ import annotations

from typing import Any

from flask import Response, jsonify, request

from app.api.common import actor, blueprint, gettext, json_object, kho
from app.services.activities import (attendance_import, people_matching, people_view,
                                     spokespersons)
from app.services.common.parameters import parse_bool
from archive.errors import ValidationError


def _flag(name: str) -> bool:
    raw = request.args.get(name, "")
    try:
        return bool(raw) and parse_bool(raw)
    except ValueError:
        raise ValidationError("not yes or no: %(value)s", field=name, value=raw) from None


def _outcome(out: Any) -> dict[str, Any]:
    reader = gettext()
    return {"activity_id": out.activity_id, "imported": out.imported, "rows": out.rows,
            "added": out.added, "new_people": out.new_people,
            "already_listed": out.already_listed, "import_id": out.import_id,
            "encoding": out.encoding,
            "notes": [n.render(reader) for n in out.notes],
            "problems": [{"row": p.row, "column": p.column, "message": p.render(reader)}
                         for p in out.problems]}


@blueprint.get("/activities/<int:activity_id>/attendance")
def attendance(activity_id: int) -> Response:
    rows = people_view.attendance_list(kho(), actor(), activity_id)
    return jsonify(activity_id=activity_id, people=[{
        "person_id": r.person_id, "row": r.row, "name": r.name, "unit": r.unit,
        "position": r.position, "target_group": r.target_group,
        "ethnic_group": r.ethnic_group, "sex": r.sex} for r in rows])


@blueprint.post("/activities/<int:activity_id>/attendance")
def import_attendance(activity_id: int) -> tuple[Response, int]:
    upload = request.files.get("file")
    stream = upload.stream if upload is not None else request.stream
    name = (upload.filename if upload is not None else None) or \
        request.args.get("filename") or "sheet"
    out = attendance_import.import_attendance_stream(kho(), actor(), activity_id, stream,
                                                     name, dry_run=_flag("dry_run"))
    return jsonify(_outcome(out)), 200 if not out.problems else 422


@blueprint.get("/people")
def people() -> Response:
    rows = people_matching.list_people(kho(), actor(), request.args.get("q", ""))
    return jsonify(people=[{"id": p.id, "name": p.name, "unit": p.unit, "position": p.position,
                            "homonym": p.homonym, "attendances": p.attendances} for p in rows])


@blueprint.post("/people/merge")
def merge() -> Response:
    data = json_object()
    keep, others = data.get("keep"), data.get("merge") or []
    if not isinstance(keep, int) or not isinstance(others, list) or \
            not all(isinstance(i, int) for i in others):
        raise ValidationError("send {\"keep\": id, \"merge\": [ids]}", field="body")
    moved = people_matching.merge_people(kho(), actor(), keep, others)
    return jsonify(kept=keep, merged=others, attendances_moved=moved)


@blueprint.post("/people/<int:person_id>/split")
def split(person_id: int) -> tuple[Response, int]:
    data = json_object()
    ids = data.get("attendances") or []
    if not isinstance(ids, list) or not all(isinstance(i, int) for i in ids):
        raise ValidationError("send {\"attendances\": [ids]}", field="attendances")
    new_id = people_matching.split_person(kho(), actor(), person_id, ids, data.get("name"))
    return jsonify(person_id=person_id, new_person_id=new_id), 201


@blueprint.get("/people/figures")
def figures() -> Response:
    fig = people_view.request_people(kho(), actor(), request.args.to_dict(flat=True))
    return jsonify(people=people_view.people_json(fig),
                   activities=people_view.activities_json(fig))


@blueprint.get("/people/staff")
def staff() -> Response:
    year = request.args.get("year", "")
    lines = spokespersons.staff_counts(kho(), actor(), year)
    return jsonify(year=int(year), staff=[{"unit": s.unit_code, "unit_label": s.unit,
                                          "target_group": s.group_code, "label_vi": s.group,
                                          "staff": s.staff} for s in lines])


@blueprint.put("/people/staff")
def set_staff() -> Response:
    d = json_object()
    spokespersons.set_staff_count(kho(), actor(), d.get("unit", ""), d.get("year", ""),
                                  d.get("target_group", ""), d.get("staff", ""))
    return jsonify(saved=True)


@blueprint.get("/people/spokespersons")
def bodies() -> Response:
    year = request.args.get("year", "")
    lines = spokespersons.spokespersons(kho(), actor(), year)
    return jsonify(year=int(year), spokespersons=[{
        "unit": s.unit_code, "unit_label": s.unit, "designated": s.designated,
        "name": s.name, "position": s.position, "note": s.note} for s in lines])


@blueprint.put("/people/spokespersons")
def set_body() -> Response:
    d = json_object()
    designated = d.get("designated")
    if not isinstance(designated, bool):
        raise ValidationError("true or false", field="designated")
    spokespersons.set_spokesperson(kho(), actor(), d.get("unit", ""), d.get("year", ""),
                                   designated, d.get("name", ""), d.get("position", ""),
                                   d.get("note", ""))
    return jsonify(saved=True)
