"""The native record of a product: every field as plain data, and which products a
stream of them selects, in which order (streams are read by ``bulk_read.iter_views``).

One record serves every way metadata leaves Kho (OAI-PMH ``kho`` and ``oai_dc``, the
JSONL/CSV/DC-XML/BagIt exports), so all of them say the same thing. A record is a dict
of str, int, bool, None, lists and dicts: dates are ISO 8601 (``2024-05-31``), times
ISO 8601 in UTC with offset, sizes in bytes. No Flask here: URLs are built from
``settings.public_url`` (default ``http://<host>:<port>``).

The **datestamp** of a record is ``products.updated_at``: every change of metadata,
files or processing bumps it. Streams are in keyset order over (datestamp, id), never
OFFSET, so a reader resuming "after (datestamp, id)" neither skips nor repeats a
product that was not edited meanwhile; an edited product moves to the end (its new
datestamp) and is met again there.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, timezone
from typing import Any, Optional

from sqlalchemy import and_, func, or_, select
from sqlalchemy.orm import Session, defer, selectinload
from sqlalchemy.sql.elements import ColumnElement

from app.services.common.clock import iso_datetime
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
)


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
    """Which records: ``scope`` public (never sensitive products) or all; changed at
    or after ``since`` and before ``before`` (exclusive, UTC); in ``set``; strictly
    after the keyset position ``after`` = (datestamp, id)."""

    scope: str = "public"
    since: Optional[datetime] = None
    before: Optional[datetime] = None
    set: Optional[SetSpec] = None
    after: Optional[tuple[datetime, int]] = None

    def __post_init__(self) -> None:
        if self.scope not in SCOPES:
            raise ValidationError("unknown scope %(scope)s (use public or all)",
                                  field="scope", scope=self.scope)


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


def conditions(query: RecordQuery) -> list[ColumnElement[bool]]:
    """WHERE clauses selecting the products of ``query`` (keyset position included)."""
    where: list[ColumnElement[bool]] = []
    if query.scope == "public":
        where.append(Product.sensitive.is_(False))
    if query.since is not None:
        where.append(Product.updated_at >= as_utc(query.since))
    if query.before is not None:
        where.append(Product.updated_at < as_utc(query.before))
    if query.set is not None:
        where.append(set_condition(query.set))
    if query.after is not None:
        stamp, last_id = as_utc(query.after[0]), query.after[1]
        where += [Product.updated_at >= stamp,      # a range the datestamp index serves
                  or_(Product.updated_at > stamp, Product.id > last_id)]
    return where


def count_products(session: Session, query: RecordQuery) -> int:
    """How many products ``query`` selects (deleted records not counted)."""
    return session.scalar(select(func.count(Product.id)).where(*conditions(query))) or 0


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
    """One original: name, SHA-256 (hex), size (bytes), media type, status, and its
    renditions with download URLs."""
    return {"id": f.id, "file_name": f.original_filename, "sha256": f.sha256,
            "size": f.size, "media_type": f.media_type, "category": f.category,
            "status": f.status, "created_at": iso_datetime(f.created_at),
            "renditions": [_rendition(settings, f, d) for d in f.derivatives]}


def record_of(product: Product, settings: Settings, *, ready_only: bool = True
              ) -> dict[str, Any]:
    """The native record of a loaded product (see :data:`RECORD_LOAD`).

    ``ready_only`` lists only files whose processing is finished (what is published);
    pass False for backups, which carry every original. ``metadata_only`` is True when
    no file is listed (an exhibition, a campaign not yet scanned).
    """
    files = [f for f in product.files if f.status == "ready" or not ready_only]
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
        "sensitive": product.sensitive, "status": product.status,
        "created_at": iso_datetime(product.created_at),
        "updated_at": iso_datetime(product.updated_at),
        "sets": set_specs(product), "metadata_only": not files,
        "files": [file_record(settings, f) for f in files],
    }

