"""The data shapes of the OpenAPI document (``components/schemas``): products, files,
errors, upload results, search hits, vocabularies, broadcasts, statistics."""
from __future__ import annotations

from typing import Any

from app.api.openapi_consents import product_access_input, product_access_properties
from app.api.openapi_parts import nullable, ref
from app.services.catalogue import product_input as limits
from app.services.common.parameters import FALSE_WORDS, TRUE_WORDS

BOOLEAN_WORDS = sorted(TRUE_WORDS | FALSE_WORDS)


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
        "error": {**nullable("string"), "description": "failed files: the problem in the "
                  "requester's language (Accept-Language), as problem.message"},
        "problem": {"oneOf": [ref("Problem"), {"type": "null"}]},
        "type_mismatch": {"type": "boolean"},
        "declared_type": nullable("string"), "technical": {"type": "object"},
        "created_at": {"type": "string", "format": "date-time"},
        "access_level": {"oneOf": [{"type": "null"}, {"type": "string", "enum": [
            "internal", "restricted", "closed"]}], "description": "stricter than its "
            "product (issue 26); null: as its product"},
        "url": {"type": "string", "description": "download of the original"},
        "renditions": {"type": "array", "items": ref("Rendition")},
        "tracks": {"type": "array", "items": ref("Track"),
                   "description": "caption and transcript tracks (audio and video files)"},
        "near_duplicates": {"type": "array", "items": ref("NearDuplicate"),
                            "description": "files of other products this one looks or "
                            "sounds like, nearest first (found when it was processed)"}}}
    near = {"type": "object", "required": ["product_id", "file_id", "kind", "distance",
                                           "answer"],
            "description": "a near-duplicate: a re-scan, a resized or re-compressed "
            "picture, a re-encoded, trimmed or louder bulletin of a file of another "
            "product", "properties": {
                "product_id": {"type": "integer", "description": "the other product"},
                "file_id": {"type": "integer", "description": "its file"},
                "kind": {"type": "string", "enum": ["image", "audio"], "description":
                         "image: pictures and PDF first pages (perceptual hash); audio: "
                         "sound of audio and video files (Chromaprint)"},
                "distance": {"type": "number", "minimum": 0, "maximum": 1, "description":
                             "share of the fingerprints' bits that differ (0: the same "
                             "picture or sound); audio at the best alignment"},
                "answer": {"type": ["string", "null"], "enum": ["same", "different", None],
                           "description": "a producer's answer: the same work (the "
                           "figures count the later product once) or a different work; "
                           "null: not answered"},
                "title": {"type": "string", "description": "the other product's title"},
                "filename": {"type": "string", "description": "the other file's name"},
                "answered_by": nullable("string", description="who answered (full name)"),
                "answered_at": nullable("string", format="date-time")}}
    track = {"type": "object", "required": ["id", "kind", "language", "url"], "properties": {
        "id": {"type": "integer"},
        "kind": {"type": "string", "enum": ["captions", "transcript"]},
        "language": {"type": "string", "description": "a code of the languages vocabulary"},
        "label": {"type": "string"}, "machine_generated": {"type": "boolean"},
        "source": {"type": "string", "enum": ["upload", "embedded", "import"]},
        "original_filename": {"type": "string"}, "media_type": {"type": "string"},
        "sha256": {"type": "string"}, "size": {"type": "integer", "description": "bytes"},
        "encoding": {"type": "string"}, "cues": {"type": "integer"},
        "words": {"type": "integer"},
        "end_s": {"type": "number", "description": "seconds: when the last cue ends"},
        "problems": {"type": "array", "description": "cues that end after the media (by "
                     "line), found once the media's length was measured",
                     "items": {"type": "object"}},
        "created_at": {"type": "string", "format": "date-time"},
        "url": {"type": "string", "description": "the track as WebVTT; ?original=1: the "
                "file as received"}}}
    problem = {"type": "object", "required": ["code", "params", "message", "tool_output"],
               "description": "why a file failed and what to do", "properties": {
                   "code": {"type": "string", "description": "stable problem code",
                            "examples": ["video.truncated", "image.bomb", "pdf.encrypted",
                                         "tool.timeout", "processing.failed"]},
                   "params": {"type": "object", "description": "the code's values"},
                   "message": {"type": "string", "description": "what happened and what to "
                               "do, in the requester's language (Accept-Language)"},
                   "tool_output": {"type": "string",
                                   "description": "the processing program's own output"},
                   "retry_helps": {"type": "boolean",
                                   "description": "whether processing the same file again "
                                   "can help (a problem of the server or its programs); "
                                   "false: the file itself is at fault — replace it"}}}
    return {"Term": term, "Unit": unit, "Rendition": rendition, "File": file,
            "Problem": problem, "Track": track, "NearDuplicate": near,
            "Product": _product_schema(), "ProductInput": _product_input_schema()}


def _product_schema() -> dict[str, Any]:
    return {"type": "object", "properties": {
        "id": {"type": "integer"}, "url": {"type": "string"},
        "title": {"type": "string"}, "description": {"type": "string"},
        "kind": {"oneOf": [ref("Term"), {"type": "null"}]},
        "languages": {"type": "array", "items": ref("Term")},
        "themes": {"type": "array", "items": ref("Term")},
        "conventions": {"type": "array", "items": ref("Term")},
        "channels": {"type": "array", "items": ref("Term")},
        "plan_task": {"oneOf": [ref("Term"), {"type": "null"}]},
        "lead_unit": {"oneOf": [ref("Unit"), {"type": "null"}]},
        "cooperating_units": {"type": "array", "items": ref("Unit")},
        "communes": {"type": "array", "items": ref("Unit")},
        "produced_on": nullable("string", format="date"),
        "tags": {"type": "array", "items": {"type": "string"}},
        "suggestions": {"type": "array", "items": {"type": "object"}, "description":
                        "suggested themes, conventions and languages, not yet confirmed: "
                        "kind, code, score, matched; a language also has by (orthography, "
                        "classifier, named), letters, words, named and reason (why, in the "
                        "requester's language)"},
        "rights_note": {"type": "string"}, **product_access_properties(),
        "status": {"type": "string", "enum": ["draft", "processing", "ready", "failed"],
                   "description": "ready with warnings > 0: ready, with a warning (some "
                   "files failed beside usable ones); failed: every file failed"},
        "warnings": {"type": "integer", "minimum": 0,
                     "description": "how many of its files failed processing"},
        "created_at": {"type": "string", "format": "date-time"},
        "updated_at": {"type": "string", "format": "date-time"},
        "created_by": nullable("string", description="login name"),
        "updated_by": nullable("string", description="login name"),
        "created_by_name": nullable("string", description="the creator's full "
                                    "(display) name, their login name when none is set"),
        "updated_by_name": nullable("string", description="the last editor's full "
                                    "(display) name, their login name when none is set"),
        "version": {"type": "integer", "description": "metadata version, +1 per edit; "
                    "the ETag header is this number in quotes"},
        "files": {"type": "array", "items": ref("File")}}}


def _product_input_schema() -> dict[str, Any]:
    return {
        "type": "object", "additionalProperties": False,
        "description": "List fields take a list of codes or a ';'-separated string. "
                       "Dates: ISO or dd/mm/yyyy. Unknown fields are rejected (422). "
                       "null clears a field (as an empty value does); a title cannot be "
                       "cleared. The old sensitive flag is gone: a request sending it is "
                       "refused (422 naming sensitive); send access.",
        "properties": _or_null({
            "title": {"type": "string", "minLength": 1, "maxLength": limits.MAX_TITLE,
                      "pattern": "\\S", "description": "required when creating"},
            "description": _text(limits.MAX_DESCRIPTION), "kind": _text(limits.MAX_CODE),
            **{name: _codes(name) for name in limits.LIST_FIELDS},
            "plan_task": _text(limits.MAX_CODE), "lead_unit": _text(limits.MAX_CODE),
            "produced_on": _text(limits.MAX_DATE),
            "rights_note": _text(limits.MAX_RIGHTS_NOTE)}) | product_access_input()}


def _text(limit: int) -> dict[str, Any]:
    return {"type": "string", "maxLength": limit}


def _codes(name: str) -> dict[str, Any]:
    """A list field: a list of codes, or one ';'-separated string (the limits of
    ``app.services.catalogue.product_input``)."""
    count, chars = limits.list_limits(name)
    return {"oneOf": [{"type": "array", "maxItems": count,
                       "items": {"type": "string", "maxLength": chars}},
                      {"type": "string", "maxLength": count * (chars + 1)}]}


def _or_null(properties: dict[str, Any]) -> dict[str, Any]:
    """Each text property also accepting a number (spreadsheet cells: written as text),
    and each but the title also JSON null (the service reads it as empty)."""
    def widened(schema: dict[str, Any]) -> dict[str, Any]:
        return {**schema, "type": ["string", "number"]} if schema.get("type") == "string" \
            else schema

    return {name: widened(schema) if name == "title"
            else {"anyOf": [widened(schema), {"type": "null"}], **(
                {"description": schema["description"]} if "description" in schema else {})}
            for name, schema in properties.items()}


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
            "duplicate_of": nullable("integer"),
            "duplicate_product": {**nullable("integer"), "description": "the product that "
                                  "holds the same content first"},
            "kind_mismatch": {"type": "boolean", "description": "the file's type does not "
                              "fit the product's kind (kept, with this warning)"},
            "expected": {"type": "array", "items": {"type": "string"},
                         "description": "when kind_mismatch: the media the kind holds"},
            "url": {"type": "string"},
            "processing": {"type": "string", "enum": ["queued", "pending", ""],
                           "description": "pending: the job queue did not answer; the "
                           "file is kept and processing starts when the queue is back"},
            "error": {"type": "string", "description": "only when this file failed"},
            "message": {"type": "string"},
            "near_duplicates": {"type": "array", "items": ref("NearDuplicate"),
                                "description": "found when the file is processed: "
                                "here when that happened at once, else empty and in the "
                                "product's JSON once it is done"},
            "track_id": {"type": "integer", "description": "a caption file (.vtt, .srt): "
                         "the track it became; file_id is the audio or video file it "
                         "belongs to"},
            "track": {"type": "object", "description": "a caption file: kind, language, "
                      "machine_generated, cues"}}},
        "Hit": {"type": "object", "properties": {
            "id": {"type": "integer"}, "title": {"type": "string"},
            "title_html": {"type": "string"},
            "snippet": {"type": "string", "description": "HTML; matches in <mark>"},
            "kind": nullable("string"), "languages": {"type": "array",
                                                       "items": {"type": "string"}},
            "year": nullable("integer"), "status": nullable("string"),
            "produced_on": nullable("string", format="date"), "url": {"type": "string"},
            "thumbnail_url": nullable("string"),
            "duration_s": nullable("number", description="seconds of its sound or video"),
            "broadcast_copy": {"type": "boolean"}, "broadcast_url": nullable("string"),
            "waveform_url": nullable("string"),
            "cue": {"oneOf": [{"type": "null"}, {"type": "object", "properties": {
                "file_id": {"type": "integer"}, "track_id": {"type": "integer"},
                "kind": {"type": "string", "enum": ["captions", "transcript"]},
                "start_s": {"type": "number", "description": "when it is said, seconds"},
                "html": {"type": "string", "description": "the cue's text; matches in "
                         "<mark>"}}}],
                "description": "the words were found in a caption or transcript track: "
                "the first cue that says them"}}},
        "SearchResult": {"type": "object", "properties": {
            "total": {"type": "integer"}, "page": {"type": "integer"},
            "per_page": {"type": "integer"}, "hits": {"type": "array", "items": ref("Hit")},
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
                                                      "broadcast.log", "broadcast.withdraw"]},
            "at": {"type": "string", "format": "date-time"},
            "user": nullable("string", description="login name; null for the "
                                        "system (processing jobs)"),
            "user_name": nullable("string", description="the person's full "
                                             "(display) name, their login name when none is set"),
            "changes": {"type": "object", "description": "field -> [old, new] (changes)"},
            "tool": {"type": "string"}, "tool_version": {"type": "string"},
            "outcome": {"type": "string"}, "detail": {"type": "string"},
            "file_id": nullable("integer")}},
        "BroadcastInput": {"type": "object", "required": ["aired_on"],
                           "additionalProperties": False, "properties": {
                               "aired_on": {"type": "string", "minLength": 1,
                                            "description": "ISO or dd/mm/yyyy; not future; "
                                                           "a day the commune existed"},
                               "slot": nullable("string", maxLength=20, description=(
                                   "the part of the day it aired in: morning, noon, "
                                   "afternoon, evening (or sáng, trưa, chiều, tối); one "
                                   "log per product, commune, day and slot. Left out or "
                                   "null: not known (one such log per day)")),
                               "commune": {"type": "string",
                                           "description": "admin: required; commune "
                                                          "staff: their own (default)"},
                               "note": {"type": "string", "maxLength": 1000}}},
        "Broadcast": {"type": "object", "properties": {
            "id": {"type": "integer"}, "product_id": {"type": "integer"},
            "product_title": {"type": "string"}, "commune": ref("Unit"),
            "aired_on": {"type": "string", "format": "date"},
            "slot": {"type": ["string", "null"],
                     "enum": ["morning", "noon", "afternoon", "evening", None],
                     "description": "the part of the day; null: not known (logs "
                                    "written before slots existed, or given none)"},
            "note": {"type": "string"},
            "logged_by": nullable("string"),
            "logged_by_name": nullable("string", description="display name"),
            "created_at": {"type": "string", "format": "date-time"},
            "withdrawn_at": nullable("string", format="date-time",
                                     description="null while the log counts"),
            "withdrawn_by": nullable("string"),
            "may_withdraw": {"type": "boolean",
                             "description": "whether the caller may withdraw it now"}}},
        "Health": {"type": "object", "properties": {
            "status": {"type": "string", "enum": ["ok", "degraded", "unavailable"],
                       "description": "degraded: every component answers but a copy of "
                                      "an original is faulty or the replica lags"},
            "checks": {"type": "object", "additionalProperties": {"type": "string"},
                       "description": "database, storage, index, queue, fixity (and "
                                      "replica when configured, search on a search writer "
                                      "or reader) -> ok, 'degraded: …' with the count, or "
                                      "a reason"},
            "search": {"type": "object", "description": "on a search writer or reader only: "
                       "role, generation served (reader) or published (writer; -1: none), "
                       "the writer's newest, seconds since the newest not yet applied was "
                       "written (0: caught up)", "properties": {
                           "role": {"type": "string", "enum": ["writer", "reader"]},
                           "generation": {"type": "integer"},
                           "latest_generation": {"type": "integer"},
                           "lag_seconds": {"type": "number", "minimum": 0}}}}},
    }


# Originals only: the SHA-256 of the whole file, so a client can verify what it got.
def _stats_schemas() -> dict[str, Any]:
    share = {"type": "number", "minimum": 0, "maximum": 1}
    counts = {name: {"type": "integer"} for name in (
        "total", "digitised", "ethnic_language", "foreign_language", "digital_platform",
        "combined", "online")}
    rates = {name: share for name in (
        "digitisation_rate", "online_rate", "ethnic_language_share",
        "foreign_language_share", "digital_platform_share", "combined_share")}
    labelled = {"code": nullable("string", description="null: not set / no commune"),
                "label_vi": {"type": "string"}, "label_en": {"type": "string"}}
    row = {"type": "object", "properties": {**labelled, **counts, **rates}}
    year_row = {"type": "object", "properties": {"year": {"type": "integer"}, **counts, **rates}}
    count_row = {"type": "object", "properties": {**labelled, "count": {"type": "integer"}}}
    month_row = {"type": "object", "properties": {"year": {"type": "integer"},
                                                  "month": {"type": "integer"},
                                                  "count": {"type": "integer"}}}
    verdict = {"type": "string", "enum": ["below", "within", "above", "no_data"]}
    rows = {name: {"type": "array", "items": ref("StatsRow")} for name in (
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
                "from": nullable("string"), "to": nullable("string"),
                "unit": nullable("string"), "commune": nullable("string"),
                "rollup": {"type": "boolean"},
                # the token's unit when the account sees only its unit's part
                "account_unit": nullable("string")}},
            "today": {"type": "string", "format": "date"},
            "total": {"type": "integer"}, "digitised": {"type": "integer"}, **rates,
            "counts": {"type": "object", "properties": counts},
            "target": {"type": "object", "properties": {
                "band_min": share, "band_max": share, "verdict": verdict}},
            "verdicts": {"type": "object", "additionalProperties": verdict},
            "by_year": {"type": "array", "items": year_row}, **rows,
            "broadcasts_by_commune": {"type": "array", "items": ref("StatsCount"),
                                      "description": "airings (broadcast logs in force: "
                                                     "one per airing) per commune"},
            "downloads_by_commune": {"type": "array", "items": ref("StatsCount")},
            "broadcasts_by_month": {"type": "array", "items": month_row,
                                    "description": "airings per month"},
            "broadcasts_by_commune_month": {"type": "array", "description": "airings per "
                                            "commune and month", "items": {
                "type": "object", "properties": {**labelled, **month_row["properties"]}}},
            "projection": {"type": "object", "properties": {
                "year": {"type": "integer"}, "combined_share": nullable("number"),
                "digitisation_rate": nullable("number"),
                "basis_years": {"type": "array", "items": {"type": "integer"}}}},
            "deadline": {"type": "object", "properties": {
                "date": {"type": "string", "format": "date"},
                "days_left": {"type": "integer"}}},
            # people trained and activities of the period's year (app/api/openapi_people.py)
            "people": ref("PeopleBlock"), "activities": ref("ActivitiesBlock")}}}




def components() -> dict[str, Any]:
    """Every named schema of the document."""
    return {**_catalogue_schemas(), **_exchange_schemas(), **_broadcast_schemas(),
            **_stats_schemas()}
