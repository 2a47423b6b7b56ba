"""The access part of the OpenAPI document (issue 26): a product's ``access``,
``embargo_until``, ``protocol_note`` and consents, the consent routes (with the scanned
form) and a file's own level (:mod:`app.api.openapi` merges it in; the rules are
:mod:`app.services.catalogue.access_input`, :mod:`~app.services.catalogue.consents`
and :mod:`~app.services.catalogue.file_access`)."""
from __future__ import annotations

from typing import Any

from app.api.openapi_parts import (COMMON_ERRORS, FILE_ID, IF_MATCH, PRODUCT_ID, error,
                                   json_body, nullable, param, ref)
from app.services.catalogue.access_input import MAX_EMBARGO_YEARS, MAX_PROTOCOL_NOTE
from archive.access import LEVELS, USES

LEVEL = {"type": "string", "enum": list(LEVELS), "description":
         "public: every signed-in account, and harvested; internal: every signed-in "
         "account; restricted: its audience and the owning office; closed: the owning "
         "office and admins. Input also takes the Vietnamese labels (\"Nội bộ\")"}
CONSENT_ID = param("consent_id", "path", {"type": "integer"}, "Consent id")
USE = {"type": "string", "enum": list(USES)}


def access_schemas() -> dict[str, Any]:
    """``Access``, ``AccessInput``, ``Consent``, ``ConsentInput``."""
    audience = {"type": "object", "additionalProperties": False, "properties": {
        "units": {"type": "array", "items": {"type": "string"}, "description":
                  "unit codes: their accounts and those of the units beneath them"},
        "roles": {"type": "array", "items": {"type": "string"},
                  "description": "roles whose every account may see it"}}}
    return {
        "Access": {"type": "object", "required": ["level"], "properties": {
            "level": LEVEL, "audience": audience}},
        "AccessInput": {"oneOf": [
            {"type": "string", "maxLength": 200, "description": "a level alone"},
            {"type": "object", "additionalProperties": False, "properties": {
                "level": {"type": ["string", "null"], "maxLength": 200, "description":
                          "left out: the product's level stays"},
                "audience": {**audience, "description": "needed when restricted; left "
                             "out: the product's audience stays"}}}],
            "description": "422 (field access, access.audience.units or "
                           "access.audience.roles) for an unknown level, a restricted "
                           "product without audience, an unknown unit or one that no "
                           "longer exists (the message names its successor), an unknown "
                           "role"},
        "Consent": {"type": "object", "required": ["id", "given_by", "uses", "until"],
                    "properties": {
                        "id": {"type": "integer"}, "given_by": {"type": "string"},
                        "uses": {"type": "array", "items": USE},
                        "until": {**nullable("string", format="date"),
                                  "description": "last day it holds; null: no end"},
                        "note": {"type": "string"},
                        "evidence": {"oneOf": [{"type": "null"}, {
                            "type": "object", "description": "the scanned form",
                            "properties": {"filename": {"type": "string"},
                                           "size": {"type": "integer"},
                                           "media_type": {"type": "string"},
                                           "url": {"type": "string"}}}]}}},
        "ConsentInput": {"type": "object", "required": ["given_by", "uses"],
                         "additionalProperties": False, "properties": {
                             "given_by": {"type": "string", "maxLength": 300},
                             "uses": {"oneOf": [{"type": "array", "items": {
                                 "type": "string"}}, {"type": "string"}],
                                 "description": "codes or Vietnamese labels of " +
                                 ", ".join(USES) + "; anything else: 422 naming uses"},
                             "until": {"type": ["string", "null"],
                                       "description": "ISO or dd/mm/yyyy; null: no end"},
                             "note": {"type": ["string", "null"], "maxLength": 2000}}},
    }


def product_access_properties() -> dict[str, Any]:
    """What the product JSON carries about its access (merged into ``Product``)."""
    return {
        "access": ref("Access"),
        "embargo_until": {**nullable("string", format="date"), "description":
                          "before this day (in Vietnam) only the owning office sees it; "
                          "it opens by itself on the day"},
        "protocol_note": {"type": "string",
                          "description": "the community's protocol, shown with it"},
        "consents": {"type": "array", "items": ref("Consent")},
        "allowed_uses": {"type": "array", "items": USE, "description":
                         "what every running consent allows today (all with none)"},
        "download_warning": {**nullable("string"), "description":
                             "when the consents do not allow the radio: the warning a "
                             "download carries, in the requester's language"},
    }


def product_access_input() -> dict[str, Any]:
    """The access fields of ``ProductInput``."""
    return {
        "access": ref("AccessInput"),
        "embargo_until": {"type": ["string", "null"], "maxLength": 40, "description":
                          f"ISO or dd/mm/yyyy; not in the past (when it changes), at most "
                          f"{MAX_EMBARGO_YEARS} years ahead; null or empty: none"},
        "protocol_note": {"type": ["string", "null"], "maxLength": MAX_PROTOCOL_NOTE},
    }


def access_paths() -> dict[str, Any]:
    product = json_body(ref("Product"), "The product")
    versioned = {**product, "headers": {"ETag": {"schema": {"type": "string"}}}}
    missing = error("No such product, consent or file (or hidden from this role)")
    stale = error("If-Match names another version: nothing was written")
    invalid = error("Invalid input: fields names each bad field")
    multipart = {"type": "object", "properties": {
        "given_by": {"type": "string"}, "uses": {"type": "array", "items": {"type": "string"}},
        "until": {"type": "string"}, "note": {"type": "string"},
        "form": {"type": "string", "contentMediaType": "application/octet-stream",
                 "description": "the scanned consent form (stored as an original)"}}}
    return {
        "/products/{product_id}/consents": {"parameters": [PRODUCT_ID], "post": {
            "operationId": "addConsent", "summary": "Record a consent (with its scanned "
            "form: multipart part \"form\")", "parameters": [IF_MATCH],
            "requestBody": {"required": True, "content": {
                "application/json": {"schema": ref("ConsentInput")},
                "multipart/form-data": {"schema": multipart}}},
            "responses": {"201": versioned, "404": missing, "412": stale, "422": invalid,
                          "413": error("The form is larger than the upload limit"),
                          **COMMON_ERRORS}}},
        "/products/{product_id}/consents/{consent_id}": {
            "parameters": [PRODUCT_ID, CONSENT_ID], "delete": {
                "operationId": "removeConsent", "summary": "Remove a consent (its form "
                "stays in the archive; audited)", "parameters": [IF_MATCH],
                "responses": {"204": {"description": "Removed"}, "404": missing,
                              "412": stale, **COMMON_ERRORS}}},
        "/products/{product_id}/consents/{consent_id}/form": {
            "parameters": [PRODUCT_ID, CONSENT_ID], "get": {
                "operationId": "consentForm", "summary": "The scanned consent form (roles "
                "that may edit the product)",
                "responses": {"200": {"description": "The form's bytes", "content": {
                    "application/octet-stream": {}}}, "404": missing, **COMMON_ERRORS}}},
        "/products/{product_id}/files/{file_id}": {
            "parameters": [PRODUCT_ID, FILE_ID], "patch": {
                "operationId": "updateFile", "summary": "A file's own access level",
                "parameters": [IF_MATCH], "requestBody": {"required": True, "content": {
                    "application/json": {"schema": {
                        "type": "object", "additionalProperties": False,
                        "properties": {"access_level": {
                            "type": ["string", "null"], "description":
                            "stricter than the product (a looser one: 422 naming "
                            "access_level); null: as the product"}}}}}},
                "responses": {"200": versioned, "404": missing, "412": stale,
                              "422": invalid, **COMMON_ERRORS}}},
    }
