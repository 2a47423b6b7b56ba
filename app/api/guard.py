"""Requests must say only what the API document declares: a query parameter the
operation does not know (a typo such as ``langauges=``) is refused with 422 naming it,
instead of being silently ignored, and so is a value holding a control character. The declared names are read from
:mod:`app.api.openapi`, so the document and the checks cannot drift apart.
"""
from __future__ import annotations

import re
import unicodedata
from functools import lru_cache
from typing import Optional

from flask import request

from app.api.common import blueprint
from archive.errors import ValidationError

_RULE_PARAMETER = re.compile(r"<(?:[^:<>]+:)?([^<>]+)>")


@lru_cache(maxsize=None)
def declared_query(rule: str, method: str) -> Optional[frozenset[str]]:
    """Query parameter names the document declares for ``method`` on the Flask ``rule``
    (``/api/v1/products/<int:product_id>``); None when the operation is not in it."""
    from app.api.openapi import document

    path = _RULE_PARAMETER.sub(r"{\1}", rule)[len(blueprint.url_prefix or ""):]
    operations = document()["paths"].get(path, {})
    operation = operations.get("get" if method == "HEAD" else method.lower())
    if operation is None:
        return None
    parameters = operations.get("parameters", []) + operation.get("parameters", [])
    return frozenset(p["name"] for p in parameters if p.get("in") == "query")


@blueprint.before_request
def refuse_undeclared_query() -> None:
    if request.url_rule is None or request.method == "OPTIONS":
        return
    known = declared_query(request.url_rule.rule, request.method)
    unknown = sorted(set(request.args) - known) if known is not None else []
    controls = sorted(name for name, value in request.args.items(multi=True)
                      if any(unicodedata.category(c) == "Cc" for c in value))
    if controls:
        raise ValidationError("%(names)s: a control character is not text", field=controls[0],
                              fields={name: "a control character is not text"
                                      for name in controls}, names=", ".join(controls))
    if unknown:
        raise ValidationError("unknown parameter(s): %(names)s", field=unknown[0],
                              fields={name: "unknown parameter" for name in unknown},
                              names=", ".join(unknown))
