"""The activities part of the OpenAPI document: paths under ``/activities`` and the
``Activity``, ``ActivityInput`` and ``ActivityHistoryEntry`` schemas
(:mod:`app.api.openapi` merges them in)."""
from __future__ import annotations

from typing import Any

from app.api.openapi_parts import (COMMON_ERRORS, ENTITY_TAGS, QUERY_DATE, error, json_body,
                                   nullable, param, ref)

ACTIVITY_ID = param("activity_id", "path", {"type": "integer"}, "Activity id")
EVIDENCE_ID = param("evidence_id", "path", {"type": "integer"}, "Evidence file id")
IF_MATCH = param("If-Match", "header", {"type": "string", "pattern": ENTITY_TAGS},
                 "Optional: the ETag of the activity as the client last read it; a "
                 "changed activity answers 412 instead of being overwritten")
TEXT = {"type": "string"}
UNIT = {"type": "object", "properties": {"code": TEXT, "name": TEXT}}
TERM = {"type": "object", "properties": {"code": TEXT, "label_vi": TEXT, "label_en": TEXT}}
REQUIRED = ["kind", "title", "starts_on", "organiser"]


def activity_schemas() -> dict[str, Any]:
    count = {"type": "integer", "minimum": 0}
    codes = {"oneOf": [{"type": "array", "items": TEXT}, TEXT]}
    return {
        "ActivityInput": {"type": "object", "additionalProperties": False, "properties": {
            "kind": {**TEXT, "description": "code or label of the activity_kind vocabulary"},
            "title": {**TEXT, "maxLength": 500},
            "starts_on": {**TEXT, "description": "first day: ISO or dd/mm/yyyy"},
            "ends_on": {**TEXT, "description": "last day; empty or left out: one day"},
            "organiser": {**TEXT, "description": "unit code, GSO code or name, as the "
                                                  "unit was on those days"},
            "communes": {**codes, "description": "units where it took place, valid on "
                                                  "its days"},
            "plan_task": {**TEXT, "description": "plan task code, e.g. 2.2"},
            "place": {**TEXT, "maxLength": 500}, "description": TEXT,
            "participants": {"type": "array", "items": {
                "type": "object", "required": ["target_group", "total"], "properties": {
                    "target_group": TEXT, "total": count, "women": count,
                    "ethnic_minority": count},
                "description": "women and ethnic_minority at most total"}},
            "products": {"type": "array", "items": {
                "type": "object", "required": ["product_id", "use"], "properties": {
                    "product_id": {"type": "integer"},
                    "use": {"type": "string", "enum": ["shown", "aired", "handed_out"]}}}}}},
        "Activity": {"type": "object", "required": ["id", "kind", "title", "starts_on",
                                                     "ends_on", "organiser", "version"],
                     "properties": {
            "id": {"type": "integer"}, "kind": TERM, "title": TEXT,
            "starts_on": {"type": "string", "format": "date"},
            "ends_on": {"type": "string", "format": "date"},
            "organiser": UNIT, "communes": {"type": "array", "items": UNIT},
            "plan_task": {"oneOf": [TERM, {"type": "null"}]}, "place": TEXT,
            "description": TEXT,
            "participants": {"type": "array", "items": {"type": "object", "properties": {
                "target_group": TEXT, "label_vi": TEXT,
                "target_percent": nullable("integer"), "total": count, "women": count,
                "ethnic_minority": count}}},
            "participants_total": count,
            "products": {"type": "array", "items": {"type": "object", "properties": {
                "product_id": {"type": "integer"}, "use": TEXT,
                "title": nullable("string")}},
                "description": "the linked products this account may see"},
            "products_hidden": {"type": "integer", "minimum": 0,
                                "description": "how many linked products this account may "
                                               "not see (not named)"},
            "evidence": {"type": "array", "items": {"type": "object", "properties": {
                "id": {"type": "integer"}, "kind": TEXT, "filename": TEXT, "media_type": TEXT,
                "size": count, "sha256": TEXT}}},
            "version": {"type": "integer"},
            "people_visible": {"type": "boolean", "description": "whether this account may "
                               "see the participants' names (office and admin accounts "
                               "of the activity's units)"},
            "created_at": nullable("string"), "updated_at": nullable("string")}},
        "ActivityHistoryEntry": {"type": "object", "properties": {
            "action": TEXT, "changes": {"type": "object"}, "at": nullable("string"),
            "user": nullable("string"), "user_name": nullable("string")}},
    }


def activity_paths() -> dict[str, Any]:
    one = json_body(ref("Activity"), "The activity (counts only, never names)")
    versioned = {**one, "headers": {"ETag": {"schema": TEXT, "description":
                                             "the activity's version, for If-Match"}}}
    invalid = error("Invalid fields; fields names each bad one")
    missing = error("No such activity (or outside this account's units)")
    stale = error("If-Match names another version: nothing was written (GET it again)")
    new = {"required": True, "content": {"application/json": {"schema": {
        "allOf": [ref("ActivityInput")], "required": REQUIRED}}}}
    body = {"required": True, "content": {"application/json": {"schema": ref("ActivityInput")}}}
    page = {"type": "integer", "minimum": 1, "maximum": 100_000}
    return {
        "/activities": {
            "get": {"operationId": "activities", "summary": "Activities this account sees, "
                    "newest first",
                    "parameters": [param("q", "query", TEXT, "Words in title, description or "
                                         "place (diacritics optional)"),
                                   param("kind", "query", TEXT, "Activity kind code"),
                                   param("plan_task", "query", TEXT, "Plan task code"),
                                   param("unit", "query", TEXT, "Organiser or commune code"),
                                   param("year", "query", {"type": "integer", "minimum": 1900,
                                                           "maximum": 2999}, "Year"),
                                   param("from", "query", QUERY_DATE, "Ends on or after"),
                                   param("to", "query", QUERY_DATE, "Starts on or before"),
                                   param("page", "query", page, "Page"),
                                   param("per_page", "query", {"type": "integer", "minimum": 1,
                                                               "maximum": 500}, "Per page")],
                    "responses": {"200": json_body({"type": "object", "properties": {
                        "total": {"type": "integer"}, "page": {"type": "integer"},
                        "per_page": {"type": "integer"},
                        "activities": {"type": "array", "items": ref("Activity")}}},
                        "One page"), "422": error("Bad parameter"), **COMMON_ERRORS}},
            "post": {"operationId": "createActivity", "summary": "Record an activity "
                     "(producer, office, admin)", "requestBody": new,
                     "responses": {"201": {**versioned, "headers": {
                         "Location": {"schema": TEXT}, "ETag": {"schema": TEXT}}},
                         "422": invalid, **COMMON_ERRORS}}},
        "/activities/{activity_id}": {
            "parameters": [ACTIVITY_ID],
            "get": {"operationId": "getActivity", "summary": "One activity",
                    "responses": {"200": versioned, "404": missing, **COMMON_ERRORS}},
            "put": {"operationId": "updateActivity", "summary": "Change the fields sent "
                    "(fields left out keep their values; audited)", "requestBody": body,
                    "parameters": [IF_MATCH],
                    "responses": {"200": versioned, "404": missing, "412": stale,
                                  "422": invalid, **COMMON_ERRORS}},
            "delete": {"operationId": "deleteActivity", "summary": "Delete (office, admin; "
                       "audited)", "parameters": [IF_MATCH],
                       "responses": {"204": {"description": "Deleted"}, "404": missing,
                                     "412": stale, **COMMON_ERRORS}}},
        "/activities/{activity_id}/history": {"parameters": [ACTIVITY_ID], "get": {
            "operationId": "activityHistory", "summary": "Audit trail, newest first",
            "responses": {"200": json_body({"type": "object", "properties": {"history": {
                "type": "array", "items": ref("ActivityHistoryEntry")}}}, "History"),
                "404": missing, **COMMON_ERRORS}}},
        "/activities/{activity_id}/evidence": {"parameters": [ACTIVITY_ID], "post": {
            "operationId": "addActivityEvidence", "summary": "Store an evidence file (the "
            "request body is the file's bytes)",
            "parameters": [param("filename", "query", TEXT, "The file's name"),
                           param("kind", "query", {"type": "string", "enum": [
                               "photo", "attendance_sheet", "minutes", "other"]}, "Kind")],
            "requestBody": {"required": True, "content": {"application/octet-stream": {
                "schema": {"type": "string", "format": "binary"}}}},
            "responses": {"201": json_body({"type": "object"}, "Stored (SHA-256, size)"),
                          "200": json_body({"type": "object"}, "Already there"),
                          "404": missing, "413": error("Over max_upload_bytes"),
                          **COMMON_ERRORS}}},
        "/activities/{activity_id}/evidence/{evidence_id}": {
            "parameters": [ACTIVITY_ID, EVIDENCE_ID], "get": {
                "operationId": "activityEvidence", "summary": "The evidence file's bytes "
                "(attendance sheets: office and admin accounts of the activity's units only)",
                "responses": {"200": {"description": "The file"}, "404": missing,
                              **COMMON_ERRORS}}},
    }
