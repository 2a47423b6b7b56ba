"""The people part of the OpenAPI document: attendance lists and their import, people
(merge, split), staff counts, spokespersons, the people figures, and the ``people`` and
``activities`` blocks of ``/stats`` (:mod:`app.api.openapi` merges them in)."""
from __future__ import annotations

from typing import Any

from app.api.openapi_parts import COMMON_ERRORS, error, json_body, nullable, param, ref

TEXT = {"type": "string"}
COUNT = {"type": "integer", "minimum": 0}
SHARE = {"type": "number", "minimum": 0}
ACTIVITY_ID = param("activity_id", "path", {"type": "integer"}, "Activity id")
PERSON_ID = param("person_id", "path", {"type": "integer"}, "Person id")
YEAR = param("year", "query", {"type": "integer", "minimum": 1900, "maximum": 2999}, "Year",
             required=True)
PERSONAL = ("Personal data: office and admin tokens of the units that hold it only "
            "(others 403, or 404 outside their units).")


def people_schemas() -> dict[str, Any]:
    group = {"type": "object", "required": ["code", "trained", "staff", "share"],
             "properties": {
                 "unit": TEXT, "unit_label": TEXT, "code": TEXT, "label_vi": TEXT,
                 "label_en": TEXT, "target_share": nullable("number"),
                 "trained": COUNT, "staff": COUNT, "share": SHARE,
                 "to_train": nullable("integer"), "met": nullable("boolean")},
             "description": "People trained (each once) / staff of the group; to_train: "
                            "people still to train to reach target_share (1.0 or 0.7)"}
    line = {"type": "object", "properties": {
        "code": nullable("string"), "label_vi": TEXT, "label_en": TEXT, "activities": COUNT,
        "participants": COUNT, "women": COUNT, "ethnic_minority": COUNT}}
    problem = {"type": "object", "required": ["message"], "properties": {
        "row": nullable("integer"), "column": nullable("string"), "message": TEXT}}
    return {
        "PeopleGroup": group,
        "PeopleBlock": {"type": "object", "required": ["year", "trained", "by_group",
                                                       "by_unit", "spokespersons"],
                        "properties": {
            "year": {"type": "integer"}, "rollup": {"type": "boolean"}, "trained": COUNT,
            "by_group": {"type": "array", "items": ref("PeopleGroup")},
            "by_unit": {"type": "array", "items": ref("PeopleGroup")},
            "spokespersons": {"type": "object", "properties": {
                "bodies": COUNT, "designated": COUNT, "share": SHARE,
                "target_share": SHARE, "press_briefings": COUNT,
                "by_body": {"type": "array", "items": {"type": "object", "properties": {
                    "unit": TEXT, "unit_label": TEXT, "designated": {"type": "boolean"},
                    "press_briefings": COUNT}}}}}}},
        "ActivitiesBlock": {"type": "object", "required": ["year", "total", "participants"],
                            "properties": {
            "year": {"type": "integer"}, "total": COUNT, "participants": COUNT,
            "women": COUNT, "ethnic_minority": COUNT,
            "by_kind": {"type": "array", "items": line},
            "by_plan_task": {"type": "array", "items": line}}},
        "AttendanceImport": {"type": "object", "required": ["imported", "problems"],
                             "properties": {
            "activity_id": {"type": "integer"}, "imported": {"type": "boolean"},
            "rows": COUNT, "added": COUNT, "new_people": COUNT, "already_listed": COUNT,
            "import_id": nullable("integer"), "encoding": TEXT,
            "notes": {"type": "array", "items": TEXT},
            "problems": {"type": "array", "items": problem}}},
    }


def people_paths() -> dict[str, Any]:
    missing = error("No such activity or person (or outside this account's units)")
    ok = json_body({"type": "object"}, "Saved")
    body = {"required": True, "content": {"application/json": {"schema": {"type": "object"}}}}
    return {
        "/activities/{activity_id}/attendance": {
            "parameters": [ACTIVITY_ID],
            "get": {"operationId": "activityAttendance",
                    "summary": "The people on the activity's attendance list. " + PERSONAL,
                    "responses": {"200": json_body({"type": "object"}, "The list"),
                                  "404": missing, **COMMON_ERRORS}},
            "post": {"operationId": "importAttendance",
                     "summary": "Import an attendance sheet (CSV or XLSX; headers Họ và tên, "
                                "Đơn vị, Chức vụ, Nhóm đối tượng, Dân tộc, Giới tính, Ngày): "
                                "whole or not at all. " + PERSONAL,
                     "parameters": [param("filename", "query", TEXT, "The sheet's name"),
                                    param("dry_run", "query", {"type": "boolean"},
                                          "Check only; write nothing")],
                     "requestBody": {"required": True, "content": {
                         "application/octet-stream": {"schema": {"type": "string",
                                                                 "format": "binary"}},
                         "multipart/form-data": {"schema": {"type": "object", "properties": {
                             "file": {"type": "string", "format": "binary"}}}}}},
                     "responses": {
                         "200": json_body(ref("AttendanceImport"), "Imported (or checked)"),
                         "422": json_body({"oneOf": [ref("AttendanceImport"), ref("Error")]},
                                          "Problems, one per line naming row and column: "
                                          "nothing was imported (or a bad parameter)"),
                         "404": missing, "413": error("Larger than 20 MB"),
                         **COMMON_ERRORS}}},
        "/people": {"get": {
            "operationId": "people", "summary": "People of this account's units, for the "
            "correction screen. " + PERSONAL,
            "parameters": [param("q", "query", TEXT, "Part of the name (diacritics optional)")],
            "responses": {"200": json_body({"type": "object"}, "People"), **COMMON_ERRORS}}},
        "/people/merge": {"post": {
            "operationId": "mergePeople", "summary": "Merge people into one (body "
            "{keep: id, merge: [ids]}); the figures are recounted",
            "requestBody": body,
            "responses": {"200": json_body({"type": "object"}, "Merged"), "404": missing,
                          **COMMON_ERRORS}}},
        "/people/{person_id}/split": {"parameters": [PERSON_ID], "post": {
            "operationId": "splitPerson", "summary": "Move attendances to a new namesake "
            "(body {attendances: [ids], name?})", "requestBody": body,
            "responses": {"201": json_body({"type": "object"}, "Split"), "404": missing,
                          **COMMON_ERRORS}}},
        "/people/figures": {"get": {
            "operationId": "peopleFigures", "summary": "People trained per target group and "
            "unit against staff and target (100 %, 70 %), spokesperson mechanism, activities "
            "(office and admin)",
            "parameters": [param("year", "query", {"type": "integer", "minimum": 1900,
                                                   "maximum": 2999}, "Year (default: this year)"),
                           param("unit", "query", TEXT, "Unit code (units it replaced included)"),
                           param("commune", "query", TEXT, "Commune code"),
                           param("rollup", "query", {"type": "boolean", "default": True},
                                 "false: old units as they were")],
            "responses": {"200": json_body({"type": "object", "properties": {
                "people": ref("PeopleBlock"), "activities": ref("ActivitiesBlock")}},
                "Figures"), **COMMON_ERRORS}}},
        "/people/staff": {
            "get": {"operationId": "staffCounts", "summary": "Staff per unit and target group "
                    "of a year (the denominators)", "parameters": [YEAR],
                    "responses": {"200": json_body({"type": "object"}, "Staff counts"),
                                  **COMMON_ERRORS}},
            "put": {"operationId": "setStaffCount", "summary": "Record a unit's staff in a "
                    "target group for a year (body {unit, year, target_group, staff})",
                    "requestBody": body, "responses": {"200": ok, **COMMON_ERRORS}}},
        "/people/spokespersons": {
            "get": {"operationId": "spokespersons", "summary": "Spokesperson records of the "
                    "administrative bodies for a year", "parameters": [YEAR],
                    "responses": {"200": json_body({"type": "object"}, "Records"),
                                  **COMMON_ERRORS}},
            "put": {"operationId": "setSpokesperson", "summary": "Record a body's spokesperson "
                    "(body {unit, year, designated, name, position, note})",
                    "requestBody": body, "responses": {"200": ok, **COMMON_ERRORS}}},
    }
