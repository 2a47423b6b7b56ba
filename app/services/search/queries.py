"""The search use case: turn request parameters into a SearchQuery for the actor,
and the media facts a page of hits shows (duration, broadcast copy, waveform)."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Iterable, Mapping, Optional

from sqlalchemy import and_, exists, false, or_, select
from sqlalchemy.orm import Session

from app.bootstrap import Kho
from app.services.access.actors import Actor, sees_fileless_drafts
from app.services.access.visibility import (Viewer, file_clause, index_filter, viewer_for,
                                            visible_clause)
from app.services.common.clock import local_today
from app.services.common.parameters import parse_date, parse_year
from archive.errors import Quantity, ValidationError
from archive.models import Derivative, File, IndexBacklog, Product, Unit
from archive.text import normalize_text
from search_index import (FACET_FIELDS, FLAG_FIELDS, SEES_EVERYTHING, SORTS, AccessFilter,
                          SearchQuery, SearchResult)

MAX_PER_PAGE = 100
FLAG_VALUES = ("true", "false")
FIRST_YEAR, LAST_YEAR = 1900, 2999     # the ``year`` facet filter
# Facets counted for every search: the ones the page shows, plus the broadcast-copy,
# captions and transcript flags (the page shows their "true" counts beside the filters).
COUNTED_FACETS = (*FACET_FIELDS[:9], "broadcast_copy", "has_captions", "has_transcript")
def build_query(actor: Actor, params: Mapping[str, Any]) -> SearchQuery:
    """Parse ``q``, facet filters (repeatable), ``from``/``to`` dates, ``sort``, ``page``.

    Who may find what is not decided here: :func:`search` sets the query's ``access``
    from the actor's viewer (the default is a signed-in account's open levels).

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
    for year in filters.get("year", []):      # an integer 1900–2999, as the API says
        if not FIRST_YEAR <= (parse_year(year) or 0) <= LAST_YEAR:
            raise ValidationError("must be a whole number from %(low)s to %(high)s",
                                  field="year", low=FIRST_YEAR, high=LAST_YEAR)
    for name in FLAG_FIELDS:
        wrong = [v for v in filters.get(name, []) if v not in FLAG_VALUES]
        if wrong:
            raise ValidationError("%(value)s is not true or false", field=name, value=wrong[0])
    return SearchQuery(text=" ".join(values("q")), filters=filters, date_from=dates["from"],
                       date_to=dates["to"], sort=sort, page=integer("page", 1, 1, 10_000),
                       per_page=integer("per_page", 20, 1, MAX_PER_PAGE),
                       include_fileless_drafts=sees_fileless_drafts(actor),
                       facets=list(COUNTED_FACETS))


# Facet filters whose values are units; see _units_carried_by.
UNIT_FILTERS = ("communes", "lead_unit")


def search(kho: Kho, actor: Actor, params: Mapping[str, Any]) -> SearchResult:
    """Run a search for ``actor``: hits, totals and facet counts hold only the products
    the one access rule lets them see today (:mod:`app.services.access.visibility`:
    level, audience, owning office, grants, embargo read against today's Vietnamese
    date, so an embargo opens on its day with nothing reindexed); drafts without files
    not for commune staff (see :func:`sees_fileless_drafts`).

    A unit filter (commune, lead unit) given by unit code or GSO code also matches the
    units it replaced: after the 2025 merger, staff of the new commune find the
    archive filed under the communes it absorbed.
    """
    actor.require("product.view")
    query = build_query(actor, params)
    with kho.transaction() as session:
        viewer = viewer_for(session, actor, local_today(kho.settings))
        query.access = access_filter(viewer)
        if any(name in query.filters for name in UNIT_FILTERS):
            units = list(session.scalars(select(Unit)))
            for name in UNIT_FILTERS:
                if name in query.filters:
                    query.filters[name] = _units_carried_by(units, query.filters[name])
        query.exclude_ids = _not_yet_hidden(session, viewer, query.include_fileless_drafts)
    return kho.index.search(query)


def access_filter(viewer: Viewer) -> AccessFilter:
    """The index's form of :func:`app.services.access.visibility.index_filter`."""
    rule = index_filter(viewer)
    if rule.everything:
        return SEES_EVERYTHING
    return AccessFilter(everything=False, tokens=rule.tokens, owned=rule.owned,
                        granted=rule.granted, today=rule.today)


def _not_yet_hidden(session: Session, viewer: Viewer,
                    include_fileless_drafts: bool = True) -> frozenset[int]:
    """Products the index may still show but the reader must not see right now.

    A change reaches the index after the commit (the worker drains ``index_backlog``),
    and not at all while the worker is down. Until then the catalogue is the truth:
    a product waiting there that was deleted, whose access now hides it from this
    viewer (a level, audience, embargo or owner changed: :func:`visible_clause`, the
    same rule as the index filter, read on the catalogue's current rows) or left
    without files as a draft (for commune staff) is left out of hits, totals and facet
    counts. So is one with a file whose own level differs from the product's, for a
    viewer who does not own it: its text may still be in the indexed document (a file
    made stricter a moment ago), and such text is only left out at the next flush
    (:func:`app.services.search.indexing.to_indexed`). A stale index during a level
    change therefore never shows more than the catalogue allows (a product made *more*
    visible appears after the flush). The backlog is small (it is drained in seconds),
    so this costs one indexed query.
    """
    # as "no visible row exists", so a NULL anywhere in the rule hides rather than shows
    shown = select(Product.id).where(Product.id == IndexBacklog.product_id,
                                     visible_clause(viewer, Product))
    if not viewer.sees_all:
        stricter_file = exists().where(File.product_id == Product.id,
                                       File.access_level.is_not(None),
                                       File.access_level != Product.access_level)
        owner = Product.lead_unit_id.in_(sorted(viewer.owned)) if viewer.owned else false()
        shown = shown.where(or_(~stricter_file, owner))
    if not include_fileless_drafts:
        shown = shown.where(or_(Product.status != "draft",
                                exists().where(File.product_id == Product.id)))
    return frozenset(session.scalars(select(IndexBacklog.product_id).where(~shown.exists())))


def _units_carried_by(units: list[Unit], codes: list[str]) -> list[str]:
    """``codes`` (unit or current GSO codes) plus every unit whose successors lead to one."""
    by_code = {u.code: u for u in units}
    by_gso = {u.gso_code: u for u in units if u.gso_code and u.valid_to is None}
    wanted = {by_code.get(c) or by_gso.get(c) for c in codes} - {None}
    out = [c for c in codes if c not in by_code and c not in by_gso]  # unknown: match nothing
    out += [unit.code for unit in units if wanted.intersection(unit.lineage())]
    return out


@dataclass(frozen=True)
class HitMedia:
    """What a page of hits shows of a product's files, besides its thumbnail.

    ``duration_s``: seconds of its main sound or moving picture (the file with the
    broadcast copy, else its first audio or video file), None when unknown.
    ``broadcast_file`` / ``waveform_file``: id of the first file with that rendition.
    """

    duration_s: Optional[float] = None
    broadcast_file: Optional[int] = None
    waveform_file: Optional[int] = None


def hit_media(kho: Kho, product_ids: Iterable[int], actor: Actor) -> dict[int, HitMedia]:
    """product id -> :class:`HitMedia` for the products that have audio or video or a
    broadcast copy (one query for a page of hits; others are left out). Only files
    ``actor`` may see count (:func:`app.services.access.visibility.file_clause`): a
    raw recording closed beyond its open product gives no duration, player or
    waveform to a commune's page of hits."""
    ids = sorted(set(product_ids))
    if not ids:
        return {}
    with kho.transaction() as session:
        viewer = viewer_for(session, actor, local_today(kho.settings))
        rows = session.execute(
            select(File.product_id, File.id, File.category, File.technical, Derivative.name)
            .join(Product, Product.id == File.product_id)
            .outerjoin(Derivative, and_(Derivative.file_id == File.id,
                                        Derivative.name.in_(("broadcast", "waveform"))))
            .where(File.product_id.in_(ids), file_clause(viewer, File, Product))
            .order_by(File.product_id, File.id)).all()
    files: dict[int, dict[int, dict]] = {}
    for product_id, file_id, category, technical, rendition in rows:
        entry = files.setdefault(product_id, {}).setdefault(
            file_id, {"category": category, "technical": technical or {}, "names": set()})
        if rendition:
            entry["names"].add(rendition)
    return {pid: media for pid, by_file in files.items()
            if (media := _media_of(by_file)) != HitMedia()}


def _media_of(by_file: dict[int, dict]) -> HitMedia:
    def first(name: str) -> Optional[int]:
        return next((fid for fid, f in by_file.items() if name in f["names"]), None)

    broadcast = first("broadcast")
    timed = [fid for fid, f in by_file.items() if f["category"] in ("audio", "video")]
    main = broadcast if broadcast is not None else (timed[0] if timed else None)
    duration = by_file[main]["technical"].get("duration_s") if main is not None else None
    return HitMedia(duration_s=float(duration) if isinstance(duration, (int, float))
                    and duration > 0 else None,
                    broadcast_file=broadcast, waveform_file=first("waveform"))
