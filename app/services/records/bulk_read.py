"""Products of an export window, read in bulk for :func:`app.services.records.native.record_of`.

Why not ORM ``Product`` objects (as a single record is read, with ``RECORD_LOAD``): building them with their relationships costs
about 0.3 ms per product (measured in benchmarks/export_bench.py), which keeps an
export of 100,000 products under 5,000 records/s. Here each batch of BATCH products
is read with one plain SELECT per table (products, their terms, communes and
cooperating units, files, derivatives) and handed to ``record_of`` as light read-only
views with the attributes it reads (plain attributes, not ORM descriptors: reading an
ORM attribute costs about 1 µs, and a record reads a few dozen); vocabularies are
loaded once, as views too. The record mapping
stays the one in :mod:`app.services.records.native` (tests/unit/services/exports/test_exports.py checks that
both paths give identical records).

Streams are in (datestamp, id) keyset order: the keyset streams of ``native.streams``
merged (each view carries its ``datestamp``, aware UTC); one read transaction for the
whole window.
"""
from __future__ import annotations

import heapq
from collections import defaultdict
from itertools import islice
from typing import Any, Iterator

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.services.records.native import RecordQuery, Stream, as_utc, embargo_start, streams
from archive.access import ProductAudienceRole, ProductAudienceUnit, ProductConsent
from archive.catalogue import product_communes, product_cooperating, product_terms
from archive.models import Derivative, File, Product, Term, Unit
from archive.tracks import CaptionTrack

BATCH = 2000          # products per round of queries


class RowView:
    """Read-only attribute access to one row (a column name per attribute)."""

    def __init__(self, values: dict[str, Any]) -> None:
        self.__dict__.update(values)


class ProductView(RowView):
    """What ``record_of`` and ``set_specs`` read of a product. ``terms_of`` gives what
    ``Product.terms_of`` gives (terms of one vocabulary by position, then code), grouped
    once per product instead of sorted again on each call."""

    codes_of = Product.codes_of

    def __init__(self, values: dict[str, Any]) -> None:
        super().__init__(values)
        grouped: dict[str, list[RowView]] = defaultdict(list)
        for term in sorted(self.terms, key=lambda t: (t.position, t.code)):
            grouped[term.vocabulary].append(term)
        self._grouped = grouped

    def terms_of(self, vocabulary: str) -> list[RowView]:
        return list(self._grouped.get(vocabulary, ()))


# file columns only a bag needs (extracted text can be long): left out of other formats
BAG_ONLY_FILE_COLUMNS = ("technical", "text", "problem", "problem_params", "error_detail",
                         "declared_type",
                         "type_mismatch", "attempts", "updated_at", "created_by_id")
# product columns no record reads (JSON decoded for nothing otherwise)
UNUSED_PRODUCT_COLUMNS = ("suggestions",)


def _rows(session: Session, columns, where) -> list[dict[str, Any]]:
    return [dict(row._mapping) for row in session.execute(select(*columns).where(where))]


def _files(session: Session, product_ids: list[int], full: bool) -> dict[int, list[RowView]]:
    table = File.__table__
    columns = [c for c in table.c if full or c.name not in BAG_ONLY_FILE_COLUMNS]
    files = _rows(session, columns, table.c.product_id.in_(product_ids))
    derivatives: dict[int, list[RowView]] = defaultdict(list)
    if files:
        # by product ids, as every other query of the batch: an IN list of file ids would
        # have another length each batch, and SQLite keeps a prepared statement per
        # distinct text (up to 128 of them, ~0.2 MB each for 2,000 parameters)
        derivative = Derivative.__table__
        found = _rows(session, derivative.c,
                      derivative.c.file_id.in_(select(table.c.id).where(
                          table.c.product_id.in_(product_ids))))
        for d in sorted(found, key=lambda d: d["name"]):       # File.derivatives order
            derivatives[d["file_id"]].append(RowView(d))
    tracks = _tracks(session, product_ids) if full and files else {}
    by_product: dict[int, list[RowView]] = defaultdict(list)
    for f in sorted(files, key=lambda f: f["id"]):             # Product.files order
        f["derivatives"] = derivatives.get(f["id"], [])
        f["tracks"] = tracks.get(f["id"], [])
        by_product[f["product_id"]].append(RowView(f))
    return by_product


def _tracks(session: Session, product_ids: list[int]) -> dict[int, list[RowView]]:
    """Caption and transcript tracks of the batch's files (a bag carries them), by file
    id in File.tracks order."""
    table, files = CaptionTrack.__table__, File.__table__
    found = _rows(session, table.c, table.c.file_id.in_(
        select(files.c.id).where(files.c.product_id.in_(product_ids))))
    out: dict[int, list[RowView]] = defaultdict(list)
    for t in sorted(found, key=lambda t: t["id"]):
        out[t["file_id"]].append(RowView(t))
    return out


def _links(session: Session, table, ids: list[int], target: str) -> dict[int, list[int]]:
    out: dict[int, list[int]] = defaultdict(list)
    for product_id, other in session.execute(
            select(table.c.product_id, table.c[target]).where(table.c.product_id.in_(ids))):
        out[product_id].append(other)
    return out


def _vocabulary(session: Session, model) -> dict[int, RowView]:
    return {row["id"]: RowView(row) for row in _rows(session, model.__table__.c, True)}


def _stream_rows(session: Session, stream: Stream, columns, batch: int, zone: str
                 ) -> Iterator[tuple[Any, int, dict[str, Any]]]:
    stmt = stream.select(*columns, dialect=session.get_bind().dialect.name)
    result = session.execute(stmt, execution_options={"yield_per": batch})
    for row in result:
        p = dict(row._mapping)
        p["datestamp"] = as_utc(p["updated_at"]) if stream.plain \
            else embargo_start(p["embargo_until"], zone)
        yield p["datestamp"], p["id"], p


def _grouped(session: Session, table, ids: list[int]) -> dict[int, list[RowView]]:
    out: dict[int, list[RowView]] = defaultdict(list)
    for row in _rows(session, table.c, table.c.product_id.in_(ids)):
        out[row["product_id"]].append(RowView(row))
    return out


def iter_views(session: Session, query: RecordQuery, batch: int = BATCH, *,
               full_files: bool = False) -> Iterator[ProductView]:
    """Product views of ``query`` in (datestamp, id) order, ``batch`` at a time.
    ``full_files``: also every file column a bag carries (technical data, text…)."""
    terms = _vocabulary(session, Term)
    units = _vocabulary(session, Unit)
    columns = [c for c in Product.__table__.c if c.name not in UNUSED_PRODUCT_COLUMNS]
    parts = [_stream_rows(session, s, columns, batch, query.zone) for s in streams(query)]
    merged = parts[0] if len(parts) == 1 else heapq.merge(*parts, key=lambda r: r[:2])
    while True:
        products = [row[2] for row in islice(merged, batch)]
        if not products:
            return
        ids = [p["id"] for p in products]
        term_links = _links(session, product_terms, ids, "term_id")
        commune_links = _links(session, product_communes, ids, "unit_id")
        cooperating_links = _links(session, product_cooperating, ids, "unit_id")
        # the audience is in full records only (backups, scope all): two queries less
        # per batch for the public scope
        audience_units = _grouped(session, ProductAudienceUnit.__table__, ids) \
            if query.scope == "all" else {}
        audience_roles = _grouped(session, ProductAudienceRole.__table__, ids) \
            if query.scope == "all" else {}
        consents = _grouped(session, ProductConsent.__table__, ids)
        files = _files(session, ids, full_files)
        for p in products:
            pid = p["id"]
            p["kind"] = terms.get(p["kind_id"])
            p["plan_task"] = terms.get(p["plan_task_id"])
            p["lead_unit"] = units.get(p["lead_unit_id"])
            p["terms"] = [terms[i] for i in term_links.get(pid, [])]
            p["communes"] = [units[i] for i in commune_links.get(pid, [])]
            p["cooperating_units"] = [units[i] for i in cooperating_links.get(pid, [])]
            p["audience_units"] = sorted(audience_units.get(pid, []), key=lambda a: a.unit_id)
            p["audience_codes"] = sorted(units[a.unit_id].code if a.unit_id in units
                                         else str(a.unit_id) for a in p["audience_units"])
            p["audience_roles"] = sorted(audience_roles.get(pid, []), key=lambda a: a.role)
            p["consents"] = sorted(consents.get(pid, []), key=lambda c: c.id)
            p["files"] = files.get(pid, [])
            yield ProductView(p)
