"""The access-request part of the OpenAPI document: ask to see a restricted product,
one's own requests and the owning office's queue, grant / refuse / withdraw
(:mod:`app.api.openapi` merges it in; the rules are
:mod:`app.services.access.requests`)."""
from __future__ import annotations

from typing import Any

from app.api.openapi_parts import (COMMON_ERRORS, PRODUCT_ID, error, json_body, nullable,
                                   param, ref)

TEXT = {"type": "string"}
REQUEST_ID = param("request_id", "path", {"type": "integer"}, "Access request id")
VERSION_FIELD = {"type": ["integer", "string", "null"],
                 "description": "Optional: the request's version as the client read it; "
                                "another is a 409 naming version"}


def access_request_schemas() -> dict[str, Any]:
    return {
        "AccessRequest": {"type": "object", "required": [
            "id", "product_id", "reason", "status", "grant_until", "active", "version"],
            "properties": {
                "id": {"type": "integer"}, "product_id": {"type": "integer"},
                "product_title": {**nullable("string"), "description":
                                  "null when the requester may no longer learn of it"},
                "requester": nullable("string"), "requester_name": nullable("string"),
                "reason": TEXT,
                "status": {"enum": ["pending", "granted", "refused", "withdrawn"]},
                "grant_until": {**nullable("string", format="date"),
                                "description": "the last day (in Vietnam) a grant holds"},
                "active": {"type": "boolean",
                           "description": "granted and grant_until not passed"},
                "decision_reason": {**TEXT, "description": "why refused (or a grant's note)"},
                "decided_by": nullable("string"), "decided_by_name": nullable("string"),
                "decided_at": nullable("string", format="date-time"),
                "created_at": nullable("string", format="date-time"),
                "version": {"type": "integer", "description": "+1 on each change"}}},
        "AccessRequestList": {"type": "object", "required": ["access_requests"],
                              "properties": {"access_requests": {
                                  "type": "array", "items": ref("AccessRequest")}}},
    }


def access_request_paths() -> dict[str, Any]:
    one = json_body(ref("AccessRequest"), "The request")
    missing = error("No such request for this account (or outside the office's part)")
    taken = error("No longer pending (another officer decided, or it was withdrawn), or "
                  "the version sent is not the current one: nothing was saved")

    def body(required: list[str], **props: Any) -> dict[str, Any]:
        return {"required": bool(required), "content": {"application/json": {"schema": {
            "type": "object", "required": required, "properties": props}}}}
    return {
        "/products/{product_id}/access-requests": {"parameters": [PRODUCT_ID], "post": {
            "operationId": "askAccess", "summary": "Ask to see a restricted product",
            "description": "A signed-in account that may not see a restricted product "
                           "(not embargoed) asks the owning office, saying why. Audited "
                           "(access.request).",
            "requestBody": body(["reason"], reason={**TEXT, "maxLength": 2000}),
            "responses": {"201": one,
                          "404": error("No such product, or one the account may not know "
                                       "of (closed, embargoed)"),
                          "409": error("A request of this account for it is pending"),
                          "422": error("No reason, or the account already sees the "
                                       "product (product_id)"), **COMMON_ERRORS}}},
        "/access-requests": {"get": {
            "operationId": "accessRequests",
            "summary": "One's own requests, or the office's queue",
            "parameters": [
                param("queue", "query", {"type": "string", "enum": ["0", "1", "true",
                                                                      "false"]},
                      "1: the requests for the products this account's office owns "
                      "(office, producer and admin accounts; others 403)"),
                param("status", "query", {"enum": ["pending", "granted", "refused",
                                                   "withdrawn", "all"]},
                      "With queue=1: which requests (pending by default); ignored without it")],
            "responses": {"200": json_body(ref("AccessRequestList"), "Newest first"),
                          **COMMON_ERRORS}}},
        "/access-requests/{request_id}": {"parameters": [REQUEST_ID], "get": {
            "operationId": "getAccessRequest", "summary": "One request (its requester or "
                                                          "the deciding office)",
            "responses": {"200": one, "404": missing, **COMMON_ERRORS}}},
        "/access-requests/{request_id}/grant": {"parameters": [REQUEST_ID], "post": {
            "operationId": "grantAccess", "summary": "Grant until a date (the owning office)",
            "description": "The product opens to the requester until grant_until (its last "
                           "day, from today to 366 days ahead), then closes by itself. "
                           "Audited (access.grant).",
            "requestBody": body(["grant_until"], grant_until={**TEXT, "format": "date"},
                                note=TEXT, version=VERSION_FIELD),
            "responses": {"200": one, "404": missing, "409": taken,
                          "422": error("grant_until missing, in the past or more than a "
                                       "year ahead"), **COMMON_ERRORS}}},
        "/access-requests/{request_id}/refuse": {"parameters": [REQUEST_ID], "post": {
            "operationId": "refuseAccess", "summary": "Refuse with a reason (the owning "
                                                      "office)",
            "description": "The requester reads the reason. Audited (access.refuse).",
            "requestBody": body(["reason"], reason={**TEXT, "maxLength": 2000},
                                version=VERSION_FIELD),
            "responses": {"200": one, "404": missing, "409": taken,
                          "422": error("No reason"), **COMMON_ERRORS}}},
        "/access-requests/{request_id}/withdraw": {"parameters": [REQUEST_ID], "post": {
            "operationId": "withdrawAccessRequest",
            "summary": "Withdraw one's own pending request (audited: access.withdraw)",
            "requestBody": body([], version=VERSION_FIELD),
            "responses": {"200": one, "404": missing, "409": taken, **COMMON_ERRORS}}},
    }
