"""The OpenAPI 3.1 description of ``/api/v1`` (served at ``/api/v1/openapi.json``).

Kept as Python data beside the resource modules (data shapes in
:mod:`app.api.openapi_schemas`, building blocks in :mod:`app.api.openapi_parts`); a test
checks that every route the API serves (and each of its methods) is described here and
validates the document, and Schemathesis holds the API to it.
"""
from __future__ import annotations

from typing import Any

from app.api.openapi_parts import (BROADCAST_ID, COMMON_ERRORS, DIGEST_HEADERS, FILE_ID,
                                   IF_MATCH, PRODUCT_ID, QUERY_DATE, VERSION, error,
                                   json_body, param, ref)
from app.api.openapi_access import access_request_paths, access_request_schemas
from app.api.openapi_consents import access_paths, access_schemas
from app.api.openapi_activities import activity_paths, activity_schemas
from app.api.openapi_people import people_paths, people_schemas
from app.api.openapi_contributions import contribution_paths, contribution_schemas
from app.api.openapi_schemas import components


def _product_paths() -> dict[str, Any]:
    product = json_body(ref("Product"), "The product")
    body = {"required": True, "content": {"application/json": {"schema": ref("ProductInput")}}}
    new = {"required": True, "content": {"application/json": {"schema": {
        "allOf": [ref("ProductInput")], "required": ["title"]}}}}
    invalid = error("Invalid metadata; fields names each bad field")
    missing = error("No such product (or hidden from this role)")
    versioned = {**product, "headers": {"ETag": {"schema": {"type": "string"}, "description":
                                                 "the product's version, for If-Match"}}}
    stale = error("If-Match names another version: the product changed since the "
                   "client read it; nothing was written (GET it again)")
    return {
        "/products": {"post": {
            "operationId": "createProduct", "summary": "Create a product from metadata",
            "requestBody": new, "responses": {
                "201": {**product, "headers": {"Location": {"schema": {"type": "string"}}}},
                "422": invalid, **COMMON_ERRORS}}},
        "/products/{product_id}": {
            "parameters": [PRODUCT_ID],
            "get": {"operationId": "getProduct", "summary": "Metadata, status and files",
                    "responses": {"200": versioned, "404": missing, **COMMON_ERRORS}},
            "patch": {"operationId": "updateProduct", "summary": "Change some fields "
                      "(audited)", "requestBody": body, "parameters": [IF_MATCH],
                      "responses": {"200": versioned, "404": missing, "412": stale,
                                    "422": invalid, **COMMON_ERRORS}},
            "delete": {"operationId": "deleteProduct", "summary": "Delete (admin; audited)",
                       "parameters": [IF_MATCH],
                       "responses": {"204": {"description": "Deleted"}, "404": missing,
                                     "409": error("Logged as aired by communes: kept for "
                                                   "the yearly report"),
                                     "412": stale, **COMMON_ERRORS}}},
    }


def _file_paths() -> dict[str, Any]:
    missing = error("No such product (or hidden from this role)")
    return {
        "/products/{product_id}/history": {"parameters": [PRODUCT_ID], "get": {
            "operationId": "productHistory", "summary": "Edits and provenance events, "
                                                       "newest first",
            "description": "Commune accounts get what people did (edits, files received, "
                           "replaced and removed, broadcasts of their commune), not the "
                           "archive's own work (processing steps, fixity checks, replica "
                           "copies, retries).",
            "responses": {"200": json_body({"type": "object", "properties": {"history": {
                "type": "array", "items": ref("HistoryEntry")}}}, "History"),
                "404": missing, **COMMON_ERRORS}}},
        "/products/{product_id}/files": {"parameters": [PRODUCT_ID], "post": {
            "operationId": "uploadFiles",
            "summary": "Upload one or more originals (multipart field 'file', repeatable)",
            "description": "A caption or transcript file (.vtt; .srt converted) becomes a "
                           "track of the product's audio or video file named like it "
                           "(ban-tin.vi.vtt -> ban-tin.mp3), else of the only one; its "
                           "problems are named by line (error invalid). "
                           "Each file may have up to max_upload_bytes: a larger one is "
                           "refused in its own result (error too_large, naming it) and "
                           "the other files are stored. The whole body may carry at most "
                           "8 x max_upload_bytes + 64 KiB. Processing is queued.",
            "requestBody": {"required": True, "content": {"multipart/form-data": {
                "schema": {"type": "object", "required": ["file"], "properties": {"file": {
                    "type": "array", "minItems": 1,
                    "items": {"type": "string", "format": "binary"}},
                    "track_kind": {"type": "string", "enum": ["captions", "transcript"],
                                   "description": "caption files (.vtt, .srt) of this "
                                   "request: what they are"},
                    "track_language": {"type": "string", "description": "caption files: "
                                       "a code of the languages vocabulary (vi, vie, bdq…)"},
                    "machine_generated": {"type": "string", "description": "caption "
                                          "files: yes/no, made by a speech-to-text tool"}}}}}},
            "responses": {
                "201": json_body({"type": "object", "properties": {
                    "files": {"type": "array", "items": ref("UploadResult")},
                    "product": ref("Product")}}, "Received (per-file results)"),
                "404": missing, "413": error("Every file is over the per-file limit, or "
                                              "the body is over the request limit; "
                                              "nothing stored"),
                "422": error("No file, or every file was rejected"),
                "507": error("The server's disk for uploads in transit is full; nothing "
                              "stored"), **COMMON_ERRORS}}},
        "/products/{product_id}/files/{file_id}/tracks/{track_id}": {
            "parameters": [PRODUCT_ID, FILE_ID, param(
                "track_id", "path", {"type": "integer"}, "A track of the file")],
            "get": {"operationId": "track", "summary": "A caption or transcript track as "
                    "WebVTT (an SRT file converted)",
                    "parameters": [param("original", "query", {"type": "string",
                                                               "enum": ["1"]},
                                         "1: the file as it was received")],
                    "responses": {
                        "200": {"description": "The track (text/vtt), or the file as "
                                               "received",
                                "content": {"text/vtt": {"schema": {"type": "string"}},
                                            "*/*": {"schema": {"type": "string",
                                                               "format": "binary"}}}},
                        "404": error("No such product, file or track"),
                        **COMMON_ERRORS}}},
        "/products/{product_id}/files/{file_id}/near-duplicates/{other_file_id}": {
            "parameters": [PRODUCT_ID, FILE_ID, param(
                "other_file_id", "path", {"type": "integer"},
                "the file of another product it was found near")],
            "put": {"operationId": "answerNearDuplicate",
                    "summary": "Answer whether a near-duplicate is the same work",
                    "description": "same: the same work (a re-scan, a re-encode): the "
                                   "office's figures count the later product once; "
                                   "different: another work. A later answer replaces "
                                   "an earlier one; both products' histories record it.",
                    "requestBody": {"required": True, "content": {"application/json": {
                        "schema": {"type": "object", "required": ["answer"], "properties": {
                            "answer": {"type": "string", "enum": ["same", "different"]}}}}}},
                    "responses": {
                        "200": json_body({"type": "object", "properties": {
                            "near_duplicates": {"type": "array",
                                                "items": ref("NearDuplicate")}}},
                            "The file's near-duplicates, with the answer"),
                        "404": error("No such product or file, no such near-duplicate, or "
                                     "the other product is hidden from this role"),
                        "422": error("answer is not same or different"),
                        **COMMON_ERRORS}}},
        "/products/{product_id}/files/{file_id}/{rendition}": {
            "parameters": [PRODUCT_ID, FILE_ID, param(
                "rendition", "path", {"type": "string"},
                "'original' or a rendition name (thumbnail, preview, poster, proxy, "
                "broadcast, lowband, waveform, text)")],
            "get": {"operationId": "download", "summary": "The bytes (HTTP Range supported)",
                    "parameters": [param("Range", "header", {"type": "string"},
                                          "One byte range: bytes=a-b, bytes=a- or bytes=-n")],
                    "responses": {
                        "200": {"description": "The whole file, Content-Disposition "
                                               "attachment <id>-<slug>.<ext>",
                                "headers": DIGEST_HEADERS,
                                "content": {"*/*": {"schema": {"type": "string",
                                                               "format": "binary"}}}},
                        "206": {"description": "Partial Content (Content-Range)",
                                "headers": DIGEST_HEADERS,
                                "content": {"*/*": {"schema": {"type": "string",
                                                               "format": "binary"}}}},
                        "302": {"description": "Redirect to a presigned URL (S3 storage)",
                                "headers": DIGEST_HEADERS},
                        "404": error("No such product, file or rendition"),
                        "416": error("Range Not Satisfiable (Content-Range: bytes */size)"),
                        **COMMON_ERRORS}}},
    }


def _other_paths() -> dict[str, Any]:
    text = {"type": "string"}
    facet_params = [param(name, "query", {"type": "array", "items": text},
                           "Facet filter (repeatable; OR within, AND across)")
                    for name in ("kind", "languages", "themes", "conventions", "plan_task",
                                 "lead_unit", "communes", "channels", "status")]
    facet_params.append(param("year", "query", {"type": "array", "items": {
        "type": "integer", "minimum": 1900, "maximum": 2999}},
        "Year of production (repeatable; OR within, AND across facets)"))
    flag = {"type": "array", "items": {"type": "string", "enum": ["true", "false"]}}
    facet_params += [param("digital_platform", "query", flag, "On a digital platform"),
                     param("ethnic_language", "query", flag, "In an ethnic-minority language"),
                     param("broadcast_copy", "query", flag,
                           "Has a broadcast MP3 (true) or not (false)"),
                     param("has_captions", "query", flag, "Has a captions track (true)"),
                     param("has_transcript", "query", flag, "Has a transcript track (true)")]
    commune = param("commune", "query", text, "Commune code (commune staff: their own)")
    year = param("year", "query", {"type": "integer", "minimum": 1900, "maximum": 2999},
                  "Year of the air date")
    return {
        **_broadcast_paths(commune, year),
        "/search": {"get": {
            "operationId": "search", "summary": "Full-text search with facets",
            "parameters": [param("q", "query", text, "Words (diacritics optional)"),
                           *facet_params,
                           param("from", "query", text, "Produced on or after (date)"),
                           param("to", "query", text, "Produced on or before (date)"),
                           param("sort", "query", {"type": "string", "enum": [
                               "", "relevance", "newest", "title"]},
                                 "Order (empty: relevance)"),
                           param("page", "query", {"type": "integer", "minimum": 1,
                                                    "maximum": 10_000}, "Page"),
                           param("per_page", "query", {"type": "integer", "minimum": 1,
                                                        "maximum": 100}, "Hits per page")],
            "responses": {"200": json_body(ref("SearchResult"), "Hits and facet counts"),
                          "422": error("Bad parameter"), **COMMON_ERRORS}}},
        "/vocabularies": {"get": {
            "operationId": "vocabularies", "summary": "Every controlled list",
            "responses": {"200": json_body({"type": "object", "additionalProperties": {
                "type": "array", "items": ref("Entry")}}, "name -> entries"),
                **COMMON_ERRORS}}},
        "/vocabularies/{name}": {"get": {
            "operationId": "vocabulary", "summary": "One controlled list",
            "parameters": [param("name", "path", {"type": "string", "enum": [
                "kinds", "themes", "conventions", "languages", "channels", "plan_tasks",
                "communes", "units", "activity_kinds", "target_groups"]}, "List name")],
            "responses": {"200": json_body({"type": "object", "properties": {
                "name": text, "entries": {"type": "array", "items": ref("Entry")}}},
                "Entries"), "422": error("Unknown list"), **COMMON_ERRORS}}},
        "/openapi.json": {"get": {"operationId": "openapi", "security": [],
                                  "summary": "This document",
                                  "responses": {"200": {"description": "OpenAPI 3.1"}}}},
        "/healthz": {"get": {"operationId": "health", "security": [],
                             "summary": "Database, storage, index and queue",
                             "responses": {"200": json_body(ref("Health"), "All answer (ok, or degraded)"),
                                           "503": json_body(ref("Health"), "Something is down")}}},
    }


def _broadcast_paths(commune: dict[str, Any], year: dict[str, Any]) -> dict[str, Any]:
    broadcasts = json_body({"type": "object", "properties": {
        "broadcasts": {"type": "array", "items": ref("Broadcast")}}}, "Broadcast logs")
    missing_log = error("No such log (or not visible to this role)")
    return {
        "/products/{product_id}/broadcasts": {
            "parameters": [PRODUCT_ID],
            "post": {"operationId": "logBroadcast", "summary": "Log that a commune aired it",
                     "description": "One log is one airing: the same product, commune, "
                                    "day and slot is logged once, so a retried request "
                                    "cannot count an airing twice (409). The commune is "
                                    "the one that existed on that day (422 naming the "
                                    "commune and its validity otherwise).",
                     "requestBody": {"required": True, "content": {"application/json": {
                         "schema": ref("BroadcastInput")}}},
                     "responses": {"201": json_body(ref("Broadcast"), "Logged"),
                                   "404": error("No such product (or hidden)"),
                                   "409": error("Already logged for that commune, day and "
                                                "slot, or the product has no broadcast "
                                                "MP3 or playable video (fields names "
                                                "product)"),
                                   "422": error("Bad date, slot, commune or note, or a "
                                                "commune that did not exist that day"),
                                   **COMMON_ERRORS}},
            "get": {"operationId": "productBroadcasts", "summary": "Logs of one product",
                    "parameters": [commune, year],
                    "responses": {"200": broadcasts, "404": error("No such product"),
                                  **COMMON_ERRORS}}},
        "/broadcasts": {"get": {"operationId": "broadcasts", "summary": "Broadcast logs "
                                "in force (withdrawn ones left out)",
                                "parameters": [commune, year],
                                "responses": {"200": broadcasts,
                                              "422": error("Bad commune or year"),
                                              **COMMON_ERRORS}}},
        "/broadcasts/{broadcast_id}": {"parameters": [BROADCAST_ID], "get": {
            "operationId": "getBroadcast", "summary": "One log, withdrawn or not",
            "responses": {"200": json_body(ref("Broadcast"), "The log"),
                          "404": missing_log, **COMMON_ERRORS}}},
        "/broadcasts/{broadcast_id}/withdraw": {"parameters": [BROADCAST_ID], "post": {
            "operationId": "withdrawBroadcast",
            "summary": "Withdraw a log (audited): it no longer counts anywhere",
            "description": "Whoever logged it may withdraw it on the day (Vietnam's) they "
                           "logged it; an admin at any time. The log stays readable with "
                           "withdrawn_at and withdrawn_by; the product's history gets a "
                           "broadcast.withdraw event.",
            "responses": {"200": json_body(ref("Broadcast"), "Withdrawn"),
                          "404": missing_log,
                          "409": error("Already withdrawn"), **COMMON_ERRORS}}},
    }


def _stats_paths() -> dict[str, Any]:
    text = {"type": "string"}
    return {"/stats": {"get": {
        "operationId": "stats", "summary": "The office's figures: targets of Decision 1079",
        "description": "Office and admin tokens only. Fractions are 0..1, computed from the "
                       "exact counts in `counts`. See docs/DASHBOARD.md for definitions. "
                       "An account with a unit gets its unit's part without any filter "
                       "(`scope.account_unit`); a unit or commune outside it is 403.",
        "parameters": [
            param("from", "query", QUERY_DATE,
                   "Produced on or after (ISO date); undated products by their day of "
                   "creation in Vietnam"),
            param("to", "query", QUERY_DATE,
                   "Produced on or before (ISO date; a bare year means its last day)"),
            param("unit", "query", text, "Lead unit code (units it replaced included)"),
            param("commune", "query", text, "Commune code or GSO code (communes it "
                                             "absorbed in 2025 included)"),
            param("rollup", "query", {"type": "boolean", "default": True},
                   "false: show old communes as they were instead of their successors")],
        "responses": {"200": json_body(ref("Stats"), "Indicators, target verdicts, breakdowns"),
                      "422": error("Bad date, unit, commune or unknown parameter"),
                      **COMMON_ERRORS}}}}


UNKNOWN_PARAMETER = error("A parameter the operation does not know (named in fields), "
                          "or a control character in a parameter's value")


def _with_parameter_refusals(paths: dict[str, Any]) -> dict[str, Any]:
    """Every operation may answer 422 for a query it does not declare (app.api.guard)."""
    for operations in paths.values():
        for method, operation in operations.items():
            if method in ("get", "post", "patch", "delete", "put"):
                operation["responses"].setdefault("422", UNKNOWN_PARAMETER)
    return paths


def document(server_url: str = "/api/v1") -> dict[str, Any]:
    """The OpenAPI document as a JSON-ready dict (built on each call; it is small)."""
    return {
        "openapi": "3.1.0",
        "info": {"title": "Kho API", "version": VERSION,
                 "description": "Catalogue and archive of communication products. "
                                "Errors: {error, message, fields}."},
        "servers": [{"url": server_url}],
        "security": [{"bearer": []}],
        "paths": _with_parameter_refusals({**_product_paths(), **_file_paths(),
                                           **_other_paths(), **_stats_paths(),
                                           **contribution_paths(), **activity_paths(),
                                           **people_paths(), **access_request_paths(),
                                           **access_paths()}),
        "components": {
            "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer",
                                           "description": "API token (kho token create)"}},
            "schemas": {**components(), **contribution_schemas(),
                        **activity_schemas(), **people_schemas(),
                        **access_request_schemas(), **access_schemas()}},
    }
