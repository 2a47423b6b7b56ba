"""The search use case: turn request parameters into a SearchQuery for the actor."""
from __future__ import annotations

from typing import Any, Mapping

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from app.bootstrap import Kho
from app.services.actors import Actor
from app.services.product_input import parse_date
from archive.errors import Quantity, ValidationError
from archive.models import IndexBacklog, Product, Unit
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
        if not low <= n <= high:
            raise ValidationError("must be a whole number from %(low)s to %(high)s",
                                  field=name, low=Quantity(low), high=Quantity(high))
        return n

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


# Facet filters whose values are units; see _units_carried_by.
UNIT_FILTERS = ("communes", "lead_unit")


def search(kho: Kho, actor: Actor, params: Mapping[str, Any]) -> SearchResult:
    """Run a search for ``actor`` (sensitive products only for those allowed).

    A unit filter (commune, lead unit) given by unit code or GSO code also matches the
    units it replaced: after the 2025 merger, staff of the new commune find the
    archive filed under the communes it absorbed.
    """
    actor.require("product.view")
    query = build_query(actor, params)
    with kho.transaction() as session:
        if any(name in query.filters for name in UNIT_FILTERS):
            units = list(session.scalars(select(Unit)))
            for name in UNIT_FILTERS:
                if name in query.filters:
                    query.filters[name] = _units_carried_by(units, query.filters[name])
        query.exclude_ids = _not_yet_hidden(session, query.include_sensitive)
    return kho.index.search(query)


def _not_yet_hidden(session: Session, include_sensitive: bool) -> frozenset[int]:
    """Products the index may still show but the reader must not see right now.

    A change reaches the index after the commit (the worker drains ``index_backlog``),
    and not at all while the worker is down. Until then the catalogue is the truth:
    a product waiting there that was deleted, or made sensitive (for readers who may
    not see sensitive products), is left out of hits, totals and facet counts. The
    backlog is small (it is drained in seconds), so this costs one indexed query.
    """
    gone_or_hidden = Product.id.is_(None)
    if not include_sensitive:
        gone_or_hidden = or_(gone_or_hidden, Product.sensitive.is_(True))
    return frozenset(session.scalars(
        select(IndexBacklog.product_id)
        .outerjoin(Product, Product.id == IndexBacklog.product_id)
        .where(gone_or_hidden)))


def _units_carried_by(units: list[Unit], codes: list[str]) -> list[str]:
    """``codes`` (unit or current GSO codes) plus every unit whose successors lead to one."""
    by_code = {u.code: u for u in units}
    by_gso = {u.gso_code: u for u in units if u.gso_code and u.valid_to is None}
    wanted = {by_code.get(c) or by_gso.get(c) for c in codes} - {None}
    out = [c for c in codes if c not in by_code and c not in by_gso]  # unknown: match nothing
    out += [unit.code for unit in units if wanted.intersection(unit.lineage())]
    return out
