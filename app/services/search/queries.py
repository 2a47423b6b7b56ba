"""The search use case: turn request parameters into a SearchQuery for the actor,
and the media facts a page of hits shows (duration, broadcast copy, waveform)."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Iterable, Mapping, Optional

from sqlalchemy import and_, exists, or_, select
from sqlalchemy.orm import Session

from app.bootstrap import Kho
from app.services.access.actors import Actor, sees_fileless_drafts
from app.services.common.parameters import parse_date, parse_year
from archive.errors import Quantity, ValidationError
from archive.models import Derivative, File, IndexBacklog, Product, Unit
from archive.text import normalize_text
from search_index import FACET_FIELDS, FLAG_FIELDS, SORTS, SearchQuery, SearchResult

MAX_PER_PAGE = 100
FLAG_VALUES = ("true", "false")
FIRST_YEAR, LAST_YEAR = 1900, 2999     # the ``year`` facet filter
# Facets counted for every search: the ones the page shows, plus the broadcast-copy,
# captions and transcript flags (the page shows their "true" counts beside the filters).
COUNTED_FACETS = (*FACET_FIELDS[:9], "broadcast_copy", "has_captions", "has_transcript")
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
                       include_sensitive=actor.can("product.view_sensitive"),
                       include_fileless_drafts=sees_fileless_drafts(actor),
                       facets=list(COUNTED_FACETS))


# Facet filters whose values are units; see _units_carried_by.
UNIT_FILTERS = ("communes", "lead_unit")


def search(kho: Kho, actor: Actor, params: Mapping[str, Any]) -> SearchResult:
    """Run a search for ``actor`` (sensitive products only for those allowed, drafts
    without files not for commune staff: see :func:`sees_fileless_drafts`).

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
        query.exclude_ids = _not_yet_hidden(session, query.include_sensitive,
                                            query.include_fileless_drafts)
    return kho.index.search(query)


def _not_yet_hidden(session: Session, include_sensitive: bool,
                    include_fileless_drafts: bool = True) -> frozenset[int]:
    """Products the index may still show but the reader must not see right now.

    A change reaches the index after the commit (the worker drains ``index_backlog``),
    and not at all while the worker is down. Until then the catalogue is the truth:
    a product waiting there that was deleted, made sensitive (for readers who may
    not see sensitive products) or left without files as a draft (for commune staff)
    is left out of hits, totals and facet counts. The backlog is small (it is drained
    in seconds), so this costs one indexed query.
    """
    gone_or_hidden = Product.id.is_(None)
    if not include_sensitive:
        gone_or_hidden = or_(gone_or_hidden, Product.sensitive.is_(True))
    if not include_fileless_drafts:
        has_files = exists().where(File.product_id == Product.id)
        gone_or_hidden = or_(gone_or_hidden, and_(Product.status == "draft", ~has_files))
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


def hit_media(kho: Kho, product_ids: Iterable[int]) -> dict[int, HitMedia]:
    """product id -> :class:`HitMedia` for the products that have audio or video or a
    broadcast copy (one query for a page of hits; others are left out)."""
    ids = sorted(set(product_ids))
    if not ids:
        return {}
    with kho.transaction() as session:
        rows = session.execute(
            select(File.product_id, File.id, File.category, File.technical, Derivative.name)
            .outerjoin(Derivative, and_(Derivative.file_id == File.id,
                                        Derivative.name.in_(("broadcast", "waveform"))))
            .where(File.product_id.in_(ids)).order_by(File.product_id, File.id)).all()
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
