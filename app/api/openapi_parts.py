"""Building blocks of the OpenAPI document: references, parameters and the error
responses every operation shares. :mod:`app.api.openapi_schemas` and
:mod:`app.api.openapi` build on them."""
from __future__ import annotations

from typing import Any

VERSION = "1.0.0"


def ref(name: str) -> dict[str, str]:
    return {"$ref": f"#/components/schemas/{name}"}


def json_body(schema: dict[str, Any], description: str) -> dict[str, Any]:
    return {"description": description, "content": {"application/json": {"schema": schema}}}


def error(description: str) -> dict[str, Any]:
    return json_body(ref("Error"), description)


def nullable(type_name: str, **extra: Any) -> dict[str, Any]:
    return {"type": [type_name, "null"], **extra}


def param(name: str, where: str, schema: dict[str, Any], description: str,
           required: bool = False) -> dict[str, Any]:
    return {"name": name, "in": where, "required": required or where == "path",
            "schema": schema, "description": description}


PRODUCT_ID = param("product_id", "path", {"type": "integer"}, "Product id")
FILE_ID = param("file_id", "path", {"type": "integer"}, "File id (an original of the product)")
BROADCAST_ID = param("broadcast_id", "path", {"type": "integer"}, "Broadcast log id")
# a date in a query: ISO, dd/mm/yyyy or a bare year; empty means not given
QUERY_DATE = {"type": "string",
              "pattern": r"^(|\d{4}-\d{2}-\d{2}|\d{2}/\d{2}/\d{4}|\d{4})$"}
# one or more entity tags (RFC 9110), or *; Kho's tags are the version in quotes
ENTITY_TAGS = r'^\s*(\*|(W/)?"[\x21\x23-\x7e]*"(\s*,\s*(W/)?"[\x21\x23-\x7e]*")*)\s*$'
IF_MATCH = param("If-Match", "header", {"type": "string", "pattern": ENTITY_TAGS},
                  "Optional: the ETag of the product as the client last read it; a "
                  "changed product answers 412 instead of being overwritten")
COMMON_ERRORS = {"400": error("The request cannot be understood (e.g. a malformed "
                              "If-Match header)"),
                 "401": error("Missing, unknown or revoked bearer token"),
                 "403": error("The role may not do this"),
                 "500": error("Unexpected error; the body carries a request_id"),
                 "503": error("The catalogue database (or the storage) is not reachable "
                               "right now; try again later")}


DIGEST_HEADERS = {
    "Repr-Digest": {"description": "sha-256=:<base64>: of the whole original (RFC 9530)",
                    "schema": {"type": "string"}},
    "Digest": {"description": "sha-256=<base64> of the whole original (RFC 3230)",
               "schema": {"type": "string"}}}


def codes() -> dict[str, Any]:
    return {"oneOf": [{"type": "array", "items": {"type": "string"}}, {"type": "string"}]}
