"""The OpenAPI description of the yearly contributions (``/contributions/…``): paths and
data shapes, merged into the document by :mod:`app.api.openapi`. The limits stated
here are those of :mod:`app.services.contributions.rules`."""
from __future__ import annotations

from typing import Any

from app.api.openapi_parts import COMMON_ERRORS, error, json_body, nullable, param, ref
from app.services.contributions.rules import MAX_LINKS, MAX_TEXT, PLAN_YEARS

STATES = ["missing", "draft", "submitted", "returned", "accepted"]
YEAR = {"type": "integer", "minimum": PLAN_YEARS[0], "maximum": PLAN_YEARS[-1]}
UNIT = param("unit", "path", {"type": "string", "minLength": 1},
             "Code of the contributing unit (e.g. xa-dak-koi-2025)")
YEAR_PATH = param("year", "path", YEAR, "Year of the plan (2023–2028)")


def _text(what: str) -> dict[str, Any]:
    return {"type": "string", "maxLength": MAX_TEXT,
            "description": f"{what}: plain text, paragraphs separated by line breaks; "
                           f"stored NFC-normalised; at most {MAX_TEXT:,} characters"}


def contribution_schemas() -> dict[str, Any]:
    unit = {"type": "object", "required": ["code", "name"], "properties": {
        "code": {"type": "string"}, "name": {"type": "string"}}}
    ids = {"type": "array", "maxItems": MAX_LINKS, "items": {"type": "integer"}}
    return {
        "ContributionInput": {
            "type": "object", "additionalProperties": False,
            "description": "Fields to save; those left out keep their value",
            "properties": {
                "results": _text("Results of the year"),
                "difficulties": _text("Difficulties met"),
                "proposals": _text("Proposals"),
                "product_ids": {**ids, "description": f"Products linked (at most "
                                                     f"{MAX_LINKS}); replaces the list"},
                "activity_ids": {**ids, "description": f"Activities linked (at most "
                                                      f"{MAX_LINKS}); replaces the list"}}},
        "ContributionReturn": {
            "type": "object", "additionalProperties": False, "required": ["reason"],
            "properties": {"reason": {**_text("Why it is returned"), "minLength": 1}}},
        "Contribution": {
            "type": "object",
            "required": ["unit", "consolidator", "year", "state", "deadline", "results",
                         "difficulties", "proposals", "product_ids", "activity_ids",
                         "history"],
            "properties": {
                "unit": unit, "consolidator": {**unit, "description": "the body it goes to"},
                "year": {"type": "integer"}, "state": {"type": "string", "enum": STATES},
                "deadline": {"type": "string", "format": "date",
                             "description": "setting report_deadline of that year"},
                "days_left": {"type": "integer", "description": "negative once passed"},
                "results": {"type": "string"}, "difficulties": {"type": "string"},
                "proposals": {"type": "string"},
                "products": {"type": "array", "items": {"type": "object", "properties": {
                    "id": {"type": "integer"}, "title": {"type": "string"}}}},
                "product_ids": {"type": "array", "items": {"type": "integer"},
                                "description": "the linked products this account may see"},
                "products_hidden": {"type": "integer", "minimum": 0,
                                    "description": "how many linked products this account "
                                                   "may not see (not named; kept when "
                                                   "product_ids is replaced)"},
                "activity_ids": {"type": "array", "items": {"type": "integer"}},
                "submitted_at": nullable("string", format="date-time"),
                "submitted_by": nullable("string"),
                "on_time": {"type": ["boolean", "null"],
                            "description": "submitted on or before the deadline, "
                                           "Vietnam's date; null when not submitted"},
                "reviewed_at": nullable("string", format="date-time"),
                "reviewed_by": nullable("string"),
                "return_reason": {"type": "string"}, "version": {"type": "integer"},
                "may_edit": {"type": "boolean"}, "may_review": {"type": "boolean"},
                "limits": {"type": "object", "properties": {
                    "text": {"type": "integer"}, "links": {"type": "integer"}}},
                "history": {"type": "array", "items": {"type": "object", "properties": {
                    "action": {"type": "string", "enum": [
                        "contribution.save", "contribution.submit", "contribution.return",
                        "contribution.accept"]},
                    "state": {"type": "string"}, "detail": {"type": "string"},
                    "by": nullable("string"),
                    "at": {"type": "string", "format": "date-time"}}}}}},
        "ContributionChecklist": {
            "type": "object",
            "required": ["year", "unit", "deadline", "days_left", "counts", "contributors"],
            "properties": {
                "year": {"type": "integer"}, "unit": unit,
                "deadline": {"type": "string", "format": "date"},
                "days_left": {"type": "integer"},
                "counts": {"type": "object", "additionalProperties": {"type": "integer"},
                           "description": "expected, done (submitted or accepted), late, "
                                          "and one count per state"},
                "contributors": {"type": "array", "items": {"type": "object", "properties": {
                    "unit": {**unit, "properties": {**unit["properties"],
                                                    "level": {"type": "string"}}},
                    "state": {"type": "string", "enum": STATES},
                    "submitted_at": nullable("string", format="date-time"),
                    "on_time": {"type": ["boolean", "null"]},
                    "late": {"type": "boolean"},
                    "return_reason": {"type": "string"}}}},
                "bodies": {"type": "array", "items": unit}}},
        "OwedContribution": {"type": "object", "properties": {
            "unit": unit, "year": {"type": "integer"},
            "state": {"type": "string", "enum": STATES},
            "deadline": {"type": "string", "format": "date"},
            "days_left": {"type": "integer"}, "consolidator": unit}},
    }


def contribution_paths() -> dict[str, Any]:
    one = json_body(ref("Contribution"), "The contribution")
    unit_year = [UNIT, YEAR_PATH]
    refused = error("A year outside the plan, a unit not expected that year, a text "
                    "too long, an unknown field, product or activity (fields names it)")
    missing = error("No unit with that code")
    forbidden = error("The role may not, or the unit is outside the account's unit")
    closed = error("Already submitted and waiting for review, or accepted (the message "
                   "says when)")
    body = {"required": True, "content": {"application/json": {
        "schema": ref("ContributionInput")}}}
    errors = {**COMMON_ERRORS, "403": forbidden}
    return {
        "/contributions/checklist": {"get": {
            "operationId": "contributionChecklist",
            "summary": "Who was expected, who submitted, who is late, days left",
            "description": "For a consolidating body (default: the account's unit) and a "
                           "year. Office and admin accounts; the body must be in the "
                           "account's unit scope.",
            "parameters": [param("year", "query", YEAR, "Year of the plan", required=True),
                           param("unit", "query", {"type": "string"},
                                 "Code of the consolidating body")],
            "responses": {"200": json_body(ref("ContributionChecklist"), "The checklist"),
                          "404": missing,
                          "422": error("A year outside the plan, or a unit that did not "
                                       "exist on the deadline or collects nothing"),
                          **errors}}},
        "/contributions/owed": {"get": {
            "operationId": "contributionsOwed",
            "summary": "The contributions the account's unit still owes",
            "responses": {"200": json_body({"type": "object", "properties": {"owed": {
                "type": "array", "items": ref("OwedContribution")}}}, "Owed contributions"),
                **COMMON_ERRORS}}},
        "/contributions/{unit}/{year}": {
            "parameters": unit_year,
            "get": {"operationId": "getContribution",
                    "summary": "One unit's contribution for a year (state missing when "
                               "nothing was filed)",
                    "responses": {"200": one, "404": missing, "422": refused, **errors}},
            "put": {"operationId": "saveContribution",
                    "summary": "Save the draft (audited); a returned one may be changed too",
                    "requestBody": body,
                    "responses": {"200": one, "404": missing, "409": closed, "422": refused,
                                  **errors}}},
        "/contributions/{unit}/{year}/submit": {"parameters": unit_year, "post": {
            "operationId": "submitContribution",
            "summary": "Submit (saving the fields sent first); on time or late against "
                       "report_deadline on Vietnam's clock",
            "description": "Two submissions at once give one: the other answers 409.",
            "requestBody": {"required": False, "content": {"application/json": {
                "schema": ref("ContributionInput")}}},
            "responses": {"200": one, "404": missing, "409": closed, "422": refused,
                          **errors}}},
        "/contributions/{unit}/{year}/return": {"parameters": unit_year, "post": {
            "operationId": "returnContribution",
            "summary": "Send a submitted contribution back with a reason (consolidating "
                       "body)",
            "requestBody": {"required": True, "content": {"application/json": {
                "schema": ref("ContributionReturn")}}},
            "responses": {"200": one, "404": missing,
                          "409": error("Not submitted (a draft, returned or accepted)"),
                          "422": refused, **errors}}},
        "/contributions/{unit}/{year}/accept": {"parameters": unit_year, "post": {
            "operationId": "acceptContribution",
            "summary": "Accept a submitted contribution (consolidating body); final",
            "responses": {"200": one, "404": missing,
                          "409": error("Not submitted, or already accepted"),
                          "422": refused, **errors}}},
    }
