"""The search use case: turn request parameters into a SearchQuery for the actor."""
from __future__ import annotations

from typing import Any, Mapping

from app.bootstrap import Kho
from app.services.actors import Actor
from app.services.product_input import parse_date
from archive.errors import ValidationError
from archive.text import normalize_text
from search_index import FACET_FIELDS, SORTS, SearchQuery, SearchResult

MAX_PER_PAGE = 100


def build_query(actor: Actor, params: Mapping[str, Any]) -> SearchQuery:
    """Parse ``q``, facet filters (repeatable), ``from``/``to`` dates, ``sort``, ``page``.

    ``params`` may be a werkzeug MultiDict (``getlist``) or a plain dict of lists/strings.
    Raises ValidationError naming the bad parameter.
    """
    def values(name: str) -> list[str]:
        if hasattr(params, "getlist"):
            raw = params.getlist(name)
        else:
            raw = params.get(name, [])
            raw = raw if isinstance(raw, list) else [raw]
        return [normalize_text(str(v)) for v in raw if str(v).strip()]

    def integer(name: str, default: int, low: int, high: int) -> int:
        got = values(name)
        try:
            n = int(got[0]) if got else default
        except ValueError:
            raise ValidationError("not a number: %(value)s", field=name, value=got[0]) from None
        return max(low, min(high, n))

    sort = (values("sort") or ["relevance"])[0]
    if sort not in SORTS:
        raise ValidationError("unknown sort %(sort)s; use %(choices)s", field="sort",
                              sort=sort, choices=", ".join(SORTS))
    dates = {}
    for name in ("from", "to"):
        got = values(name)
        try:
            dates[name] = parse_date(got[0]) if got else None
        except ValueError:
            raise ValidationError("not a date: %(value)s (use dd/mm/yyyy)", field=name,
                                  value=got[0]) from None
    filters = {f: values(f) for f in FACET_FIELDS if values(f)}
    return SearchQuery(text=" ".join(values("q")), filters=filters, date_from=dates["from"],
                       date_to=dates["to"], sort=sort, page=integer("page", 1, 1, 10_000),
                       per_page=integer("per_page", 20, 1, MAX_PER_PAGE),
                       include_sensitive=actor.can("product.view_sensitive"),
                       facets=list(FACET_FIELDS[:9]))


def search(kho: Kho, actor: Actor, params: Mapping[str, Any]) -> SearchResult:
    actor.require("product.view")
    return kho.index.search(build_query(actor, params))
