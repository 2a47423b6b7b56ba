"""The OpenAPI 3.1 description of ``/api/v1`` (served at ``/api/v1/openapi.json``).

Kept as Python data next to ``app/api.py``; a test checks that every route the API
serves (and each of its methods) is described here, and validates the document.
"""
from __future__ import annotations

from typing import Any

VERSION = "1.0.0"


def _ref(name: str) -> dict[str, str]:
    return {"$ref": f"#/components/schemas/{name}"}


def _json(schema: dict[str, Any], description: str) -> dict[str, Any]:
    return {"description": description, "content": {"application/json": {"schema": schema}}}


def _error(description: str) -> dict[str, Any]:
    return _json(_ref("Error"), description)


def _nullable(type_name: str, **extra: Any) -> dict[str, Any]:
    return {"type": [type_name, "null"], **extra}


def _param(name: str, where: str, schema: dict[str, Any], description: str,
           required: bool = False) -> dict[str, Any]:
    return {"name": name, "in": where, "required": required or where == "path",
            "schema": schema, "description": description}


PRODUCT_ID = _param("product_id", "path", {"type": "integer"}, "Product id")
FILE_ID = _param("file_id", "path", {"type": "integer"}, "File id (an original of the product)")
IF_MATCH = _param("If-Match", "header", {"type": "string"},
                  "Optional: the ETag of the product as the client last read it; a "
                  "changed product answers 412 instead of being overwritten")
COMMON_ERRORS = {"401": _error("Missing, unknown or revoked bearer token"),
                 "403": _error("The role may not do this"),
                 "500": _error("Unexpected error; the body carries a request_id"),
                 "503": _error("The catalogue database (or the storage) is not reachable "
                               "right now; try again later")}


def _catalogue_schemas() -> dict[str, Any]:
    term = {"type": "object", "required": ["code", "label_vi", "label_en"], "properties": {
        "code": {"type": "string"}, "label_vi": {"type": "string"},
        "label_en": {"type": "string"}}}
    unit = {"type": "object", "required": ["code", "name"], "properties": {
        "code": {"type": "string"}, "name": {"type": "string"}}}
    rendition = {"type": "object", "required": ["name", "media_type", "size", "url"],
                 "properties": {
                     "name": {"type": "string", "examples": ["thumbnail", "broadcast"]},
                     "media_type": {"type": "string"},
                     "size": {"type": "integer", "description": "bytes"},
                     "url": {"type": "string", "description": "download (Range supported)"}}}
    file = {"type": "object", "properties": {
        "id": {"type": "integer"}, "original_filename": {"type": "string"},
        "media_type": {"type": "string"}, "category": {"type": "string"},
        "sha256": {"type": "string"}, "size": {"type": "integer", "description": "bytes"},
        "status": {"type": "string", "enum": ["queued", "processing", "ready", "failed"]},
        "error": _nullable("string"), "type_mismatch": {"type": "boolean"},
        "declared_type": _nullable("string"), "technical": {"type": "object"},
        "created_at": {"type": "string", "format": "date-time"},
        "url": {"type": "string", "description": "download of the original"},
        "renditions": {"type": "array", "items": _ref("Rendition")}}}
    return {"Term": term, "Unit": unit, "Rendition": rendition, "File": file,
            "Product": _product_schema(), "ProductInput": _product_input_schema()}


def _product_schema() -> dict[str, Any]:
    return {"type": "object", "properties": {
        "id": {"type": "integer"}, "url": {"type": "string"},
        "title": {"type": "string"}, "description": {"type": "string"},
        "kind": {"oneOf": [_ref("Term"), {"type": "null"}]},
        "languages": {"type": "array", "items": _ref("Term")},
        "themes": {"type": "array", "items": _ref("Term")},
        "conventions": {"type": "array", "items": _ref("Term")},
        "channels": {"type": "array", "items": _ref("Term")},
        "plan_task": {"oneOf": [_ref("Term"), {"type": "null"}]},
        "lead_unit": {"oneOf": [_ref("Unit"), {"type": "null"}]},
        "cooperating_units": {"type": "array", "items": _ref("Unit")},
        "communes": {"type": "array", "items": _ref("Unit")},
        "produced_on": _nullable("string", format="date"),
        "tags": {"type": "array", "items": {"type": "string"}},
        "suggestions": {"type": "array", "items": {"type": "object"}},
        "rights_note": {"type": "string"}, "sensitive": {"type": "boolean"},
        "status": {"type": "string", "enum": ["draft", "processing", "ready", "failed"]},
        "created_at": {"type": "string", "format": "date-time"},
        "updated_at": {"type": "string", "format": "date-time"},
        "created_by": _nullable("string"), "updated_by": _nullable("string"),
        "version": {"type": "integer", "description": "metadata version, +1 per edit; "
                    "the ETag header is this number in quotes"},
        "files": {"type": "array", "items": _ref("File")}}}


def _product_input_schema() -> dict[str, Any]:
    return {
        "type": "object", "additionalProperties": False,
        "description": "List fields take a list of codes or a ';'-separated string. "
                       "Dates: ISO or dd/mm/yyyy. Unknown fields are rejected (422).",
        "properties": {
            "title": {"type": "string", "maxLength": 500},
            "description": {"type": "string"}, "kind": {"type": "string"},
            "languages": _codes(), "themes": _codes(), "conventions": _codes(),
            "channels": _codes(), "communes": _codes(), "cooperating_units": _codes(),
            "tags": _codes(), "plan_task": {"type": "string"},
            "lead_unit": {"type": "string"}, "produced_on": {"type": "string"},
            "rights_note": {"type": "string"}, "sensitive": {"type": "boolean"}}}


def _exchange_schemas() -> dict[str, Any]:
    """Errors, upload results, search hits, vocabulary entries."""
    return {
        "Error": {"type": "object", "required": ["error", "message", "fields"], "properties": {
            "error": {"type": "string", "description": "stable machine code",
                      "examples": ["invalid", "not_found", "forbidden", "unauthorized",
                                   "too_large", "conflict", "internal"]},
            "message": {"type": "string", "description": "human text (Accept-Language)"},
            "fields": {"type": "object", "additionalProperties": {"type": "string"},
                       "description": "field or file name -> what is wrong with it"},
            "request_id": {"type": "string", "description": "only on 500"}}},
        "UploadResult": {"type": "object", "properties": {
            "filename": {"type": "string"}, "file_id": {"type": "integer"},
            "sha256": {"type": "string"}, "size": {"type": "integer"},
            "media_type": {"type": "string"}, "type_mismatch": {"type": "boolean"},
            "duplicate": {"type": ["string", "null"],
                          "enum": ["same-product", "stored-before", None]},
            "duplicate_of": _nullable("integer"), "url": {"type": "string"},
            "processing": {"type": "string", "enum": ["queued", "pending", ""],
                           "description": "pending: the job queue did not answer; the "
                           "file is kept and processing starts when the queue is back"},
            "error": {"type": "string", "description": "only when this file failed"},
            "message": {"type": "string"}}},
        "Hit": {"type": "object", "properties": {
            "id": {"type": "integer"}, "title": {"type": "string"},
            "title_html": {"type": "string"},
            "snippet": {"type": "string", "description": "HTML; matches in <mark>"},
            "kind": _nullable("string"), "languages": {"type": "array",
                                                       "items": {"type": "string"}},
            "year": _nullable("integer"), "status": _nullable("string"),
            "produced_on": _nullable("string", format="date"), "url": {"type": "string"},
            "thumbnail_url": _nullable("string")}},
        "SearchResult": {"type": "object", "properties": {
            "total": {"type": "integer"}, "page": {"type": "integer"},
            "per_page": {"type": "integer"}, "hits": {"type": "array", "items": _ref("Hit")},
            "facets": {"type": "object", "description": "facet -> value -> count",
                       "additionalProperties": {"type": "object", "additionalProperties":
                                                {"type": "integer"}}}}},
        "Entry": {"type": "object", "required": ["code", "label_vi", "label_en"],
                  "additionalProperties": True,
                  "description": "Plus flags of the vocabulary (ethnic_minority, foreign, "
                                 "digital_platform, media, level, successor, current…)",
                  "properties": {"code": {"type": "string"}, "label_vi": {"type": "string"},
                                 "label_en": {"type": "string"}}},
    }


def _broadcast_schemas() -> dict[str, Any]:
    """Broadcast logs, history entries and the health report."""
    return {
        "HistoryEntry": {"type": "object", "required": ["type", "action", "at"], "properties": {
            "type": {"type": "string", "enum": ["change", "event"]},
            "action": {"type": "string", "examples": ["create", "update", "file.receive",
                                                      "broadcast.log"]},
            "at": {"type": "string", "format": "date-time"}, "user": _nullable("string"),
            "changes": {"type": "object", "description": "field -> [old, new] (changes)"},
            "tool": {"type": "string"}, "tool_version": {"type": "string"},
            "outcome": {"type": "string"}, "detail": {"type": "string"},
            "file_id": _nullable("integer")}},
        "BroadcastInput": {"type": "object", "required": ["aired_on"],
                           "additionalProperties": False, "properties": {
                               "aired_on": {"type": "string",
                                            "description": "ISO or dd/mm/yyyy; not future"},
                               "commune": {"type": "string",
                                           "description": "admin: required; commune "
                                                          "staff: their own (default)"},
                               "note": {"type": "string", "maxLength": 1000}}},
        "Broadcast": {"type": "object", "properties": {
            "id": {"type": "integer"}, "product_id": {"type": "integer"},
            "product_title": {"type": "string"}, "commune": _ref("Unit"),
            "aired_on": {"type": "string", "format": "date"}, "note": {"type": "string"},
            "logged_by": _nullable("string"),
            "created_at": {"type": "string", "format": "date-time"}}},
        "Health": {"type": "object", "properties": {
            "status": {"type": "string", "enum": ["ok", "degraded", "unavailable"],
                       "description": "degraded: every component answers but a copy of "
                                      "an original is faulty or the replica lags"},
            "checks": {"type": "object", "additionalProperties": {"type": "string"},
                       "description": "database, storage, index, queue, fixity (and "
                                      "replica when configured) -> ok, 'degraded: …' "
                                      "with the count, or a reason"}}},
    }


# Originals only: the SHA-256 of the whole file, so a client can verify what it got.
DIGEST_HEADERS = {
    "Repr-Digest": {"description": "sha-256=:<base64>: of the whole original (RFC 9530)",
                    "schema": {"type": "string"}},
    "Digest": {"description": "sha-256=<base64> of the whole original (RFC 3230)",
               "schema": {"type": "string"}}}


def _codes() -> dict[str, Any]:
    return {"oneOf": [{"type": "array", "items": {"type": "string"}}, {"type": "string"}]}


def _product_paths() -> dict[str, Any]:
    product = _json(_ref("Product"), "The product")
    body = {"required": True, "content": {"application/json": {"schema": _ref("ProductInput")}}}
    invalid = _error("Invalid metadata; fields names each bad field")
    missing = _error("No such product (or hidden from this role)")
    versioned = {**product, "headers": {"ETag": {"schema": {"type": "string"}, "description":
                                                 "the product's version, for If-Match"}}}
    stale = _error("If-Match names another version: the product changed since the "
                   "client read it; nothing was written (GET it again)")
    return {
        "/products": {"post": {
            "operationId": "createProduct", "summary": "Create a product from metadata",
            "requestBody": body, "responses": {
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
                                     "409": _error("Logged as aired by communes: kept for "
                                                   "the yearly report"),
                                     "412": stale, **COMMON_ERRORS}}},
    }


def _file_paths() -> dict[str, Any]:
    missing = _error("No such product (or hidden from this role)")
    return {
        "/products/{product_id}/history": {"parameters": [PRODUCT_ID], "get": {
            "operationId": "productHistory", "summary": "Edits and provenance events, "
                                                       "newest first",
            "responses": {"200": _json({"type": "object", "properties": {"history": {
                "type": "array", "items": _ref("HistoryEntry")}}}, "History"),
                "404": missing, **COMMON_ERRORS}}},
        "/products/{product_id}/files": {"parameters": [PRODUCT_ID], "post": {
            "operationId": "uploadFiles",
            "summary": "Upload one or more originals (multipart field 'file', repeatable)",
            "description": "Each file may have up to max_upload_bytes: a larger one is "
                           "refused in its own result (error too_large, naming it) and "
                           "the other files are stored. The whole body may carry at most "
                           "8 x max_upload_bytes + 64 KiB. Processing is queued.",
            "requestBody": {"required": True, "content": {"multipart/form-data": {
                "schema": {"type": "object", "properties": {"file": {
                    "type": "array", "items": {"type": "string", "format": "binary"}}}}}}},
            "responses": {
                "201": _json({"type": "object", "properties": {
                    "files": {"type": "array", "items": _ref("UploadResult")},
                    "product": _ref("Product")}}, "Received (per-file results)"),
                "404": missing, "413": _error("Every file is over the per-file limit, or "
                                              "the body is over the request limit; "
                                              "nothing stored"),
                "422": _error("No file, or every file was rejected"),
                "507": _error("The server's disk for uploads in transit is full; nothing "
                              "stored"), **COMMON_ERRORS}}},
        "/products/{product_id}/files/{file_id}/{rendition}": {
            "parameters": [PRODUCT_ID, FILE_ID, _param(
                "rendition", "path", {"type": "string"},
                "'original' or a rendition name (thumbnail, preview, poster, proxy, "
                "broadcast, lowband, waveform, text)")],
            "get": {"operationId": "download", "summary": "The bytes (HTTP Range supported)",
                    "parameters": [_param("Range", "header", {"type": "string"},
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
                        "404": _error("No such product, file or rendition"),
                        "416": _error("Range Not Satisfiable (Content-Range: bytes */size)"),
                        **COMMON_ERRORS}}},
    }


def _other_paths() -> dict[str, Any]:
    text = {"type": "string"}
    facet_params = [_param(name, "query", {"type": "array", "items": text},
                           "Facet filter (repeatable; OR within, AND across)")
                    for name in ("kind", "languages", "themes", "conventions", "plan_task",
                                 "lead_unit", "communes", "channels", "year", "status",
                                 "digital_platform", "ethnic_language")]
    commune = _param("commune", "query", text, "Commune code (commune staff: their own)")
    year = _param("year", "query", {"type": "integer"}, "Year of the air date")
    return {
        **_broadcast_paths(commune, year),
        "/search": {"get": {
            "operationId": "search", "summary": "Full-text search with facets",
            "parameters": [_param("q", "query", text, "Words (diacritics optional)"),
                           *facet_params,
                           _param("from", "query", text, "Produced on or after (date)"),
                           _param("to", "query", text, "Produced on or before (date)"),
                           _param("sort", "query", {"type": "string", "enum": [
                               "relevance", "newest", "title"]}, "Order"),
                           _param("page", "query", {"type": "integer", "minimum": 1}, "Page"),
                           _param("per_page", "query", {"type": "integer", "minimum": 1,
                                                        "maximum": 100}, "Hits per page")],
            "responses": {"200": _json(_ref("SearchResult"), "Hits and facet counts"),
                          "422": _error("Bad parameter"), **COMMON_ERRORS}}},
        "/vocabularies": {"get": {
            "operationId": "vocabularies", "summary": "Every controlled list",
            "responses": {"200": _json({"type": "object", "additionalProperties": {
                "type": "array", "items": _ref("Entry")}}, "name -> entries"),
                **COMMON_ERRORS}}},
        "/vocabularies/{name}": {"get": {
            "operationId": "vocabulary", "summary": "One controlled list",
            "parameters": [_param("name", "path", {"type": "string", "enum": [
                "kinds", "themes", "conventions", "languages", "channels", "plan_tasks",
                "communes", "units"]}, "List name")],
            "responses": {"200": _json({"type": "object", "properties": {
                "name": text, "entries": {"type": "array", "items": _ref("Entry")}}},
                "Entries"), "422": _error("Unknown list"), **COMMON_ERRORS}}},
        "/openapi.json": {"get": {"operationId": "openapi", "security": [],
                                  "summary": "This document",
                                  "responses": {"200": {"description": "OpenAPI 3.1"}}}},
        "/healthz": {"get": {"operationId": "health", "security": [],
                             "summary": "Database, storage, index and queue",
                             "responses": {"200": _json(_ref("Health"), "All answer (ok, or degraded)"),
                                           "503": _json(_ref("Health"), "Something is down")}}},
    }


def _broadcast_paths(commune: dict[str, Any], year: dict[str, Any]) -> dict[str, Any]:
    broadcasts = _json({"type": "object", "properties": {
        "broadcasts": {"type": "array", "items": _ref("Broadcast")}}}, "Broadcast logs")
    return {
        "/products/{product_id}/broadcasts": {
            "parameters": [PRODUCT_ID],
            "post": {"operationId": "logBroadcast", "summary": "Log that a commune aired it",
                     "requestBody": {"required": True, "content": {"application/json": {
                         "schema": _ref("BroadcastInput")}}},
                     "responses": {"201": _json(_ref("Broadcast"), "Logged"),
                                   "404": _error("No such product (or hidden)"),
                                   "409": _error("Already logged for that commune and day"),
                                   "422": _error("Bad date, commune or note"),
                                   **COMMON_ERRORS}},
            "get": {"operationId": "productBroadcasts", "summary": "Logs of one product",
                    "parameters": [commune, year],
                    "responses": {"200": broadcasts, "404": _error("No such product"),
                                  **COMMON_ERRORS}}},
        "/broadcasts": {"get": {"operationId": "broadcasts", "summary": "Broadcast logs",
                                "parameters": [commune, year],
                                "responses": {"200": broadcasts,
                                              "422": _error("Bad commune or year"),
                                              **COMMON_ERRORS}}},
    }


def _stats_paths() -> dict[str, Any]:
    text = {"type": "string"}
    return {"/stats": {"get": {
        "operationId": "stats", "summary": "The office's figures: targets of Decision 1079",
        "description": "Office and admin tokens only. Fractions are 0..1, computed from the "
                       "exact counts in `counts`. See docs/DASHBOARD.md for definitions.",
        "parameters": [
            _param("from", "query", {"type": "string", "format": "date"},
                   "Produced on or after (ISO date); undated products by their day of "
                   "creation in Vietnam"),
            _param("to", "query", {"type": "string", "format": "date"},
                   "Produced on or before (ISO date)"),
            _param("unit", "query", text, "Lead unit code (units it replaced included)"),
            _param("commune", "query", text, "Commune code or GSO code (communes it "
                                             "absorbed in 2025 included)"),
            _param("rollup", "query", {"type": "boolean", "default": True},
                   "false: show old communes as they were instead of their successors")],
        "responses": {"200": _json(_ref("Stats"), "Indicators, target verdicts, breakdowns"),
                      "422": _error("Bad date, unit, commune or unknown parameter"),
                      **COMMON_ERRORS}}}}


def _stats_schemas() -> dict[str, Any]:
    share = {"type": "number", "minimum": 0, "maximum": 1}
    counts = {name: {"type": "integer"} for name in (
        "total", "digitised", "ethnic_language", "foreign_language", "digital_platform",
        "combined", "online")}
    rates = {name: share for name in (
        "digitisation_rate", "online_rate", "ethnic_language_share",
        "foreign_language_share", "digital_platform_share", "combined_share")}
    labelled = {"code": _nullable("string", description="null: not set / no commune"),
                "label_vi": {"type": "string"}, "label_en": {"type": "string"}}
    row = {"type": "object", "properties": {**labelled, **counts, **rates}}
    year_row = {"type": "object", "properties": {"year": {"type": "integer"}, **counts, **rates}}
    count_row = {"type": "object", "properties": {**labelled, "count": {"type": "integer"}}}
    month_row = {"type": "object", "properties": {"year": {"type": "integer"},
                                                  "month": {"type": "integer"},
                                                  "count": {"type": "integer"}}}
    verdict = {"type": "string", "enum": ["below", "within", "above", "no_data"]}
    rows = {name: {"type": "array", "items": _ref("StatsRow")} for name in (
        "by_unit", "by_commune", "by_kind", "by_language", "by_channel", "by_theme",
        "by_plan_task")}
    return {"StatsRow": row, "StatsCount": count_row, "Stats": {
        "type": "object",
        "required": ["total", "digitised", "digitisation_rate", "online_rate",
                     "ethnic_language_share", "foreign_language_share",
                     "digital_platform_share", "combined_share", "target", "by_year",
                     "by_unit", "by_commune", "by_kind", "by_language", "by_channel",
                     "broadcasts_by_commune", "downloads_by_commune"],
        "properties": {
            "scope": {"type": "object", "properties": {
                "from": _nullable("string"), "to": _nullable("string"),
                "unit": _nullable("string"), "commune": _nullable("string"),
                "rollup": {"type": "boolean"}}},
            "today": {"type": "string", "format": "date"},
            "total": {"type": "integer"}, "digitised": {"type": "integer"}, **rates,
            "counts": {"type": "object", "properties": counts},
            "target": {"type": "object", "properties": {
                "band_min": share, "band_max": share, "verdict": verdict}},
            "verdicts": {"type": "object", "additionalProperties": verdict},
            "by_year": {"type": "array", "items": year_row}, **rows,
            "broadcasts_by_commune": {"type": "array", "items": _ref("StatsCount")},
            "downloads_by_commune": {"type": "array", "items": _ref("StatsCount")},
            "broadcasts_by_month": {"type": "array", "items": month_row},
            "broadcasts_by_commune_month": {"type": "array", "items": {
                "type": "object", "properties": {**labelled, **month_row["properties"]}}},
            "projection": {"type": "object", "properties": {
                "year": {"type": "integer"}, "combined_share": _nullable("number"),
                "digitisation_rate": _nullable("number"),
                "basis_years": {"type": "array", "items": {"type": "integer"}}}},
            "deadline": {"type": "object", "properties": {
                "date": {"type": "string", "format": "date"},
                "days_left": {"type": "integer"}}}}}}


def document(server_url: str = "/api/v1") -> dict[str, Any]:
    """The OpenAPI document as a JSON-ready dict (built on each call; it is small)."""
    return {
        "openapi": "3.1.0",
        "info": {"title": "Kho API", "version": VERSION,
                 "description": "Catalogue and archive of communication products. "
                                "Errors: {error, message, fields}."},
        "servers": [{"url": server_url}],
        "security": [{"bearer": []}],
        "paths": {**_product_paths(), **_file_paths(), **_other_paths(), **_stats_paths()},
        "components": {
            "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer",
                                           "description": "API token (kho token create)"}},
            "schemas": {**_catalogue_schemas(), **_exchange_schemas(),
                        **_broadcast_schemas(), **_stats_schemas()}},
    }
