"""The native record of a product: every field as plain data, and which products a
stream of them selects, in which order (streams are read by ``bulk_read.iter_views``).

One record serves every way metadata leaves Kho (OAI-PMH ``kho`` and ``oai_dc``, the
JSONL/CSV/DC-XML/BagIt exports), so all of them say the same thing. A record is a dict
of str, int, bool, None, lists and dicts: dates are ISO 8601 (``2024-05-31``), times
ISO 8601 in UTC with offset, sizes in bytes. No Flask here: URLs are built from
``settings.public_url`` (default ``http://<host>:<port>``).

The **datestamp** of a record is ``products.updated_at`` (every change of metadata,
files, processing or access bumps it) or, for an embargoed product whose embargo day
came after its last change, the start of that day in Vietnam (setting ``timezone``),
written in UTC like every datestamp: ``embargo_until`` 2027-01-15 gives
2027-01-14T17:00:00Z. So a product that opens by itself on its embargo day is new to
an incremental harvest from that day, though nothing was run and nothing changed in
its row (:func:`datestamp_of`). Streams are in keyset order over (datestamp, id),
never OFFSET, so a reader resuming "after (datestamp, id)" neither skips nor repeats a
product that was not edited meanwhile; an edited product moves to the end (its new
datestamp) and is met again there.

The public scope is what harvesters get: :func:`app.services.access.visibility.harvestable_clause`
(public, not embargoed, consents allowing the website, on the query's Vietnamese
``today``). It is read as two keyset streams merged by (datestamp, id), so every page
is an index range, not a sort of the catalogue (:func:`streams`): products whose
datestamp is their ``updated_at`` (the ``updated_at`` index), and products whose
embargo day is later than their last change (the ``embargo_until`` index; the
datestamp is a function of that date alone). ``from``/``until`` windows and the keyset
position are translated into each stream's own column exactly.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache
from datetime import date, datetime, time, timedelta, timezone
from typing import Any, Optional
from zoneinfo import ZoneInfo

from sqlalchemy import DateTime, and_, bindparam, case, func, or_, select, true
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.orm import Session, defer, selectinload
from sqlalchemy.sql.elements import ColumnElement
from sqlalchemy.sql.functions import FunctionElement

from app.services.access.visibility import harvestable_clause
from app.services.records.access_fields import access_record
from app.services.common.clock import iso_datetime
from archive.base import utcnow
from archive.errors import ValidationError
from archive.models import Derivative, File, Product, Term, Unit
from config import Settings

SCOPES = ("public", "all")
SET_KINDS = ("kind", "language", "unit", "year")
# the characters OAI-PMH allows in one part of a setSpec
SET_PART = re.compile(r"[A-Za-z0-9\-_.!~*'()]+")
BATCH = 500    # products loaded per round trip while streaming

# what a record needs, loaded in one query per relation; big columns a record does not
# show (OCR text of files, technical metadata, suggestions) stay in the database
RECORD_LOAD = (
    defer(Product.suggestions),
    selectinload(Product.terms).defer(Term.media), selectinload(Product.communes),
    selectinload(Product.cooperating_units), selectinload(Product.kind).defer(Term.media),
    selectinload(Product.plan_task).defer(Term.media), selectinload(Product.lead_unit),
    selectinload(Product.files).defer(File.text).defer(File.technical)
    .defer(File.error_detail).selectinload(File.derivatives).defer(Derivative.params),
    selectinload(Product.audience_units), selectinload(Product.audience_roles),
    selectinload(Product.consents),
)
DEFAULT_ZONE = Settings.timezone


@dataclass(frozen=True)
class SetSpec:
    """A selective-harvesting set: ``kind:video``, ``language:sed``, ``unit:<code>``,
    ``year:2024``; ``value`` None is the whole family (``kind``: every product with a
    kind), as OAI-PMH set hierarchy asks (``kind:video`` is inside ``kind``)."""

    family: str
    value: Optional[str] = None

    def __str__(self) -> str:
        return self.family if self.value is None else f"{self.family}:{self.value}"


def parse_set(spec: str) -> SetSpec:
    """``"kind:video"`` -> SetSpec. Raises ValidationError (field ``set``) for a family
    other than kind/language/unit/year, a malformed value or a year that is no year."""
    family, _, value = spec.partition(":")
    if family not in SET_KINDS or (value and not SET_PART.fullmatch(value)) \
            or (":" in spec and not value):
        raise ValidationError("unknown set %(set)s (use kind:, language:, unit: or year:)",
                              field="set", set=spec)
    if family == "year" and value and not re.fullmatch(r"\d{4}", value):
        raise ValidationError("unknown set %(set)s (a year has four digits)", field="set",
                              set=spec)
    return SetSpec(family, value or None)


@dataclass(frozen=True)
class RecordQuery:
    """Which records: ``scope`` public (the harvestable products on ``today``, a
    Vietnamese date; None: today in ``zone``) or all; datestamp at or after ``since``
    and before ``before`` (exclusive, UTC); in ``set``; strictly after the keyset
    position ``after`` = (datestamp, id). ``zone`` is the setting ``timezone``: the
    zone embargo days start in."""

    scope: str = "public"
    since: Optional[datetime] = None
    before: Optional[datetime] = None
    set: Optional[SetSpec] = None
    after: Optional[tuple[datetime, int]] = None
    today: Optional[date] = field(default=None, compare=False)
    zone: str = field(default=DEFAULT_ZONE, compare=False)

    def __post_init__(self) -> None:
        if self.scope not in SCOPES:
            raise ValidationError("unknown scope %(scope)s (use public or all)",
                                  field="scope", scope=self.scope)

    @property
    def day(self) -> date:
        """The Vietnamese date the access rule is read on."""
        return self.today or utcnow().astimezone(ZoneInfo(self.zone)).date()


def as_utc(value: datetime) -> datetime:
    """Aware UTC datetime; naive values (SQLite reads them so) are taken as UTC."""
    return value.replace(tzinfo=timezone.utc) if value.tzinfo is None \
        else value.astimezone(timezone.utc)


def _has_term(vocabulary: str, code: Optional[str]) -> ColumnElement[bool]:
    condition = [Term.vocabulary == vocabulary]
    if code is not None:
        condition.append(Term.code == code)
    return Product.terms.any(and_(*condition))


def set_condition(spec: SetSpec) -> ColumnElement[bool]:
    """SQL condition on products for membership of ``spec``."""
    if spec.family == "kind":
        return Product.kind_id.is_not(None) if spec.value is None else \
            Product.kind.has(Term.code == spec.value)
    if spec.family == "language":
        return _has_term("language", spec.value)
    if spec.family == "unit":
        return Product.lead_unit_id.is_not(None) if spec.value is None else \
            Product.lead_unit.has(Unit.code == spec.value)
    if spec.value is None:
        return Product.produced_on.is_not(None)
    year = int(spec.value)
    return Product.produced_on.between(date(year, 1, 1), date(year, 12, 31))


def embargo_start(day: date, zone: str = DEFAULT_ZONE) -> datetime:
    """The start of ``day`` in ``zone`` (Vietnam), as an aware UTC datetime."""
    return datetime.combine(day, time(), ZoneInfo(zone)).astimezone(timezone.utc)


def first_day_from(moment: datetime, zone: str = DEFAULT_ZONE) -> date:
    """The first day whose start (:func:`embargo_start`) is at or after ``moment``."""
    local = as_utc(moment).astimezone(ZoneInfo(zone))
    return local.date() if local.time() == time() else local.date() + timedelta(days=1)


def datestamp_of(product: Any, zone: str = DEFAULT_ZONE) -> datetime:
    """A record's datestamp (aware UTC): ``updated_at``, or the start of its embargo
    day in ``zone`` when that is later (see the module docstring)."""
    stamp = as_utc(product.updated_at)
    if product.embargo_until is not None:
        stamp = max(stamp, embargo_start(product.embargo_until, zone))
    return stamp


class _EmbargoStart(FunctionElement):
    """SQL: the start of the day in a date column, in a zone, as a UTC time comparable
    with ``updated_at`` (PostgreSQL: ``AT TIME ZONE``; SQLite: the zone's offset as a
    modifier, text in the format SQLAlchemy stores times in)."""

    type = DateTime(timezone=True)
    inherit_cache = True
    name = "embargo_start"


@compiles(_EmbargoStart, "postgresql")
def _embargo_start_pg(element, compiler, **kw) -> str:
    day, zone, _modifier = list(element.clauses)
    return (f"(CAST({compiler.process(day, **kw)} AS TIMESTAMP) "
            f"AT TIME ZONE {compiler.process(zone, **kw)})")


@compiles(_EmbargoStart)
def _embargo_start_sqlite(element, compiler, **kw) -> str:
    day, _zone, modifier = list(element.clauses)
    return (f"(strftime('%Y-%m-%d %H:%M:%f', {compiler.process(day, **kw)}, "
            f"{compiler.process(modifier, **kw)}) || '000')")


def embargo_start_sql(column: Any, zone: str = DEFAULT_ZONE, on: Optional[date] = None
                      ) -> ColumnElement:
    """:func:`embargo_start` of a date column in SQL (SQLite applies ``zone``'s offset
    on ``on``; Vietnam has one offset all year)."""
    offset = ZoneInfo(zone).utcoffset(datetime.combine(on or date.today(), time()))
    minutes = -int(offset.total_seconds() // 60)
    return _EmbargoStart(column, bindparam(None, zone), bindparam(None, f"{minutes:+d} minutes"))


@dataclass(frozen=True)
class Stream:
    """One keyset-ordered part of a query's products: WHERE clauses, ORDER BY, and
    ``plain`` True when its datestamp is ``updated_at`` (else the embargo day's start)."""

    where: list
    order_by: tuple
    plain: bool
    index: str                    # the index the order walks
    rule: Optional[ColumnElement[bool]] = None     # the access rule (public scope)

    @property
    def conditions(self) -> list:
        return list(self.where) + ([self.rule] if self.rule is not None else [])

    def select(self, *columns: Any, dialect: str = ""):
        """SELECT ``columns`` of the stream's products in its order. On SQLite the access
        rule is made opaque to the planner (a CASE), which would otherwise walk the
        ``access_level`` index — 97 % of a catalogue is public — and sort the whole
        catalogue for every page, instead of walking :attr:`index`; PostgreSQL
        weighs the LIMIT with its statistics and gets the rule as it is."""
        where = list(self.where)
        if self.rule is not None:
            where.append(case((self.rule, 1), else_=0) == 1 if dialect == "sqlite"
                         else self.rule)
        return select(*columns).where(*where).order_by(*self.order_by)


def _plain_stream(query: RecordQuery, where: list) -> Stream:
    where = list(where)
    if query.since is not None:
        where.append(Product.updated_at >= as_utc(query.since))
    if query.before is not None:
        where.append(Product.updated_at < as_utc(query.before))
    if query.after is not None:
        stamp, last_id = as_utc(query.after[0]), query.after[1]
        where += [Product.updated_at >= stamp,      # a range the datestamp index serves
                  or_(Product.updated_at > stamp, Product.id > last_id)]
    return Stream(where, (Product.updated_at, Product.id), True, "ix_products_updated_at",
                  _rule(query))


def _embargo_stream(query: RecordQuery, where: list) -> Stream:
    """Harvestable products whose embargo day started after their last change: their
    datestamp is that start, a function of ``embargo_until`` alone, so windows and the
    keyset position become ranges of that date."""
    where = list(where)
    if query.since is not None:
        where.append(Product.embargo_until >= first_day_from(query.since, query.zone))
    if query.before is not None:
        where.append(Product.embargo_until < first_day_from(query.before, query.zone))
    if query.after is not None:
        stamp, last_id = as_utc(query.after[0]), query.after[1]
        day = first_day_from(stamp, query.zone)
        if embargo_start(day, query.zone) == stamp:
            where.append(or_(Product.embargo_until > day,
                             and_(Product.embargo_until == day, Product.id > last_id)))
        else:
            where.append(Product.embargo_until >= day)
    return Stream(where, (Product.embargo_until, Product.id), False,
                  "ix_products_embargo_until", _rule(query))


# the access rule built once per day and process (immutable; ~0.5 ms, 3 times a page)
harvestable_on = lru_cache(maxsize=8)(harvestable_clause)


def _rule(query: RecordQuery) -> Optional[ColumnElement[bool]]:
    return harvestable_on(query.day) if query.scope == "public" else None


def streams(query: RecordQuery) -> list[Stream]:
    """The keyset streams whose merge by (datestamp, id) is ``query``'s products: one
    for scope all (datestamp ``updated_at``: a backup follows changes, not the
    calendar), two for the public scope (see the module docstring)."""
    where = [set_condition(query.set)] if query.set is not None else []
    if query.scope != "public":
        return [_plain_stream(query, where)]
    opened_later = and_(Product.embargo_until.is_not(None),
                        embargo_start_sql(Product.embargo_until, query.zone, query.day)
                        > Product.updated_at)
    return [_plain_stream(query, where + [~opened_later]),
            _embargo_stream(query, where + [opened_later])]


def conditions(query: RecordQuery) -> list[ColumnElement[bool]]:
    """WHERE clauses selecting the products of ``query`` (keyset position included)
    in one statement (an OR of the streams: for counts and tests, not for paging)."""
    parts = [and_(true(), *s.conditions) for s in streams(query)]
    return [parts[0] if len(parts) == 1 else or_(*parts)]


def count_products(session: Session, query: RecordQuery) -> int:
    """How many products ``query`` selects (deleted records not counted)."""
    return sum(session.scalar(select(func.count(Product.id)).where(*s.conditions)) or 0
               for s in streams(query))


def set_specs(product: Product) -> list[str]:
    """The sets a product is in: ``kind:<code>``, ``language:<code>`` each,
    ``unit:<lead unit code>``, ``year:<yyyy>`` of produced_on (codes that OAI-PMH
    could not carry in a setSpec are left out)."""
    specs = []
    if product.kind is not None:
        specs.append(f"kind:{product.kind.code}")
    specs += [f"language:{code}" for code in product.codes_of("language")]
    if product.lead_unit is not None:
        specs.append(f"unit:{product.lead_unit.code}")
    if product.produced_on is not None:
        specs.append(f"year:{product.produced_on.year:04d}")
    return [s for s in specs if SET_PART.fullmatch(s.partition(":")[2])]


def base_url(settings: Settings) -> str:
    """Where Kho's pages are: ``public_url`` or ``http://<host>:<port>``, no trailing /."""
    return (settings.public_url or f"http://{settings.host}:{settings.port}").rstrip("/")


def product_url(settings: Settings, product_id: int) -> str:
    """The stable URL of a product's page (its identifier in Dublin Core)."""
    return f"{base_url(settings)}/products/{product_id}"


def rendition_url(settings: Settings, product_id: int, file_id: int, name: str) -> str:
    """Download URL of a rendition (or ``original``) of a file."""
    return f"{base_url(settings)}/products/{product_id}/files/{file_id}/{name}?download=1"


def _term(term: Optional[Term]) -> Optional[dict[str, str]]:
    if term is None:
        return None
    return {"code": term.code, "label_vi": term.label_vi, "label_en": term.label_en or ""}


def _unit(unit: Optional[Unit]) -> Optional[dict[str, Any]]:
    if unit is None:
        return None
    return {"code": unit.code, "name": unit.name, "gso_code": unit.gso_code}


def _rendition(settings: Settings, f: File, d: Derivative) -> dict[str, Any]:
    return {"name": d.name, "media_type": d.media_type, "size": d.size,
            "url": rendition_url(settings, f.product_id, f.id, d.name)}


def file_record(settings: Settings, f: File) -> dict[str, Any]:
    """One original: name, SHA-256 (hex), size (bytes), media type, status, its own
    access level (None: as its product), and its renditions with download URLs."""
    return {"id": f.id, "file_name": f.original_filename, "sha256": f.sha256,
            "size": f.size, "media_type": f.media_type, "category": f.category,
            "status": f.status, "access_level": f.access_level,
            "created_at": iso_datetime(f.created_at),
            "renditions": [_rendition(settings, f, d) for d in f.derivatives]}


def record_of(product: Product, settings: Settings, *, ready_only: bool = True,
              today: Optional[date] = None) -> dict[str, Any]:
    """The native record of a loaded product (see :data:`RECORD_LOAD`).

    ``ready_only`` lists only files whose processing is finished (what is published);
    pass False for backups, which carry every original and the full access fields
    (:func:`access_record`). ``metadata_only`` is True when no file is listed (an
    exhibition, a campaign not yet scanned). ``today``: the Vietnamese date consents
    are read on (None: today in the setting ``timezone``).
    """
    # a public record lists the files as open as their product: a file stricter than
    # a public product (its raw recording closed) is not disseminated
    files = [f for f in product.files if not ready_only
             or (f.status == "ready" and f.access_level in (None, "public"))]
    day = today or utcnow().astimezone(ZoneInfo(settings.timezone)).date()
    return {
        "id": product.id, "url": product_url(settings, product.id),
        "title": product.title, "description": product.description or "",
        "kind": _term(product.kind),
        "languages": [_term(t) for t in product.terms_of("language")],
        "themes": [_term(t) for t in product.terms_of("theme")],
        "conventions": [_term(t) for t in product.terms_of("convention")],
        "channels": [_term(t) for t in product.terms_of("channel")],
        "plan_task": _term(product.plan_task), "lead_unit": _unit(product.lead_unit),
        "cooperating_units": [_unit(u) for u in sorted(product.cooperating_units,
                                                       key=lambda u: u.code)],
        "communes": [_unit(u) for u in sorted(product.communes, key=lambda u: u.code)],
        "produced_on": product.produced_on.isoformat() if product.produced_on else None,
        "tags": list(product.tags or []), "rights": product.rights_note or "",
        **access_record(product, day, full=not ready_only),
        "status": product.status,
        "created_at": iso_datetime(product.created_at),
        "updated_at": iso_datetime(product.updated_at),
        "sets": set_specs(product), "metadata_only": not files,
        "files": [file_record(settings, f) for f in files],
    }
