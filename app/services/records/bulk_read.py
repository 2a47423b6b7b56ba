"""Products of an export window, read in bulk for :func:`app.services.records.native.record_of`.

Why not ORM ``Product`` objects (as a single record is read, with ``RECORD_LOAD``): building them with their relationships costs
about 0.3 ms per product (measured in benchmarks/export_bench.py), which keeps an
export of 100,000 products under 5,000 records/s. Here each batch of BATCH products
is read with one plain SELECT per table (products, their terms, communes and
cooperating units, files, derivatives) and handed to ``record_of`` as light read-only
views with the attributes it reads (plain attributes, not ORM descriptors: reading an
ORM attribute costs about 1 µs, and a record reads a few dozen). The batch's SELECTs
are built once per process (their product ids are an expanding parameter): building
a statement costs more than running it for a page of 100 products. The record mapping
stays the one in :mod:`app.services.records.native` (tests/unit/services/exports/test_exports.py checks that
both paths give identical records).

The vocabularies (terms, units) are views too, read once per process for each state
of their tables (:func:`vocabularies`): an OAI-PMH page of 100 records spent about a
sixth of its time reading the 400 units and 100 terms again. Each read first asks the
database for a digest of the columns the views carry (computed in SQL: one row back,
under 1 ms), so a renamed term or unit is in the very next page or export.

Streams are in (datestamp, id) keyset order: the keyset streams of ``native.streams``
merged (each view carries its ``datestamp``, aware UTC); one read transaction for the
whole window.
"""
from __future__ import annotations

import hashlib
import heapq
from collections import defaultdict
from dataclasses import dataclass
from functools import lru_cache
from itertools import islice
from typing import Any, Iterator, Optional

from sqlalchemy import bindparam, select, text
from sqlalchemy.orm import Session

from app.services.records.native import RecordQuery, Stream, as_utc, embargo_start, streams
from archive.access import ProductAudienceRole, ProductAudienceUnit, ProductConsent
from archive.catalogue import product_communes, product_cooperating, product_terms
from archive.models import Derivative, File, Product, Term, Unit
from archive.tracks import CaptionTrack

BATCH = 2000          # products per round of queries
# the columns of the vocabulary views: what records read (codes, labels, the order of
# a product's terms; a unit's name and GSO code) and what names the publisher
# (records/publisher.py). The digest covers exactly these, so a view is never stale.
TERM_COLUMNS = ("id", "vocabulary", "code", "label_vi", "label_en", "position")
UNIT_COLUMNS = ("id", "code", "name", "gso_code", "level", "valid_from", "valid_to",
                "consolidates")
KEEP = 4              # vocabulary states kept per process (several databases: tests)


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


@dataclass(frozen=True)
class Vocabularies:
    """Terms and units by id as read-only views (:data:`TERM_COLUMNS`,
    :data:`UNIT_COLUMNS`), and the digest of the table state they were read from.
    Shared by every page and thread of a process: never change a view."""

    digest: str
    terms: dict[int, RowView]
    units: dict[int, RowView]


_vocabularies: dict[str, Vocabularies] = {}


def _sqlite_part(table: str, columns: tuple[str, ...]) -> str:
    # NULL as U+001E, columns joined by U+001F: neither can be in a name or label
    # (XML cannot carry them, and the forms refuse control characters)
    row = "||char(31)||".join(f'ifnull("{c}",char(30))' for c in columns)
    return (f"(SELECT group_concat(x, char(10)) FROM "
            f"(SELECT {row} AS x FROM {table} ORDER BY id))")


def _postgres_part(table: str, columns: tuple[str, ...]) -> str:
    row = ", ".join(f'"{c}"' for c in columns)
    return f"(SELECT md5(string_agg(ROW({row})::text, E'\\n' ORDER BY id)) FROM {table})"


@lru_cache(maxsize=None)
def _digest_statement(dialect: str):
    part = _postgres_part if dialect == "postgresql" else _sqlite_part
    return text(f"SELECT {part('terms', TERM_COLUMNS)}, {part('units', UNIT_COLUMNS)}")


def vocabulary_digest(session: Session) -> str:
    """A digest of the vocabulary views' columns in the terms and units tables (hex):
    one statement; the text is put together in the database (SQLite) or hashed there
    (PostgreSQL, md5), so only one row comes back. Equal digests mean equal views."""
    dialect = session.get_bind().dialect.name
    terms, units = session.connection().execute(_digest_statement(dialect)).one()
    return hashlib.blake2b(f"{terms}\x00{units}".encode(), digest_size=16).hexdigest()


def _vocabulary(session: Session, table: str, columns: tuple[str, ...]) -> dict[int, RowView]:
    stmt = _columns_statement(table, columns)
    return {row["id"]: RowView(row) for row in _rows(session, stmt, {})}


@lru_cache(maxsize=None)
def _columns_statement(table: str, columns: tuple[str, ...]):
    model = {"terms": Term, "units": Unit}[table]
    return select(*(model.__table__.c[c] for c in columns))


def vocabularies(session: Session) -> Vocabularies:
    """The terms and units as views, read once per process for each state of the
    tables (:func:`vocabulary_digest`, asked on every call). A state that changed
    while it was being read is used for this call and not kept."""
    digest = vocabulary_digest(session)
    found = _vocabularies.get(digest)
    if found is not None:
        return found
    found = Vocabularies(digest, _vocabulary(session, "terms", TERM_COLUMNS),
                         _vocabulary(session, "units", UNIT_COLUMNS))
    if vocabulary_digest(session) == digest:
        if len(_vocabularies) >= KEEP:      # (clear: atomic, whatever other threads do)
            _vocabularies.clear()
        _vocabularies[digest] = found
    return found


# file columns only a bag needs (extracted text can be long): left out of other formats
BAG_ONLY_FILE_COLUMNS = ("technical", "text", "problem", "problem_params", "error_detail",
                         "declared_type",
                         "type_mismatch", "attempts", "updated_at", "created_by_id")
# product columns no record reads (JSON decoded for nothing otherwise)
UNUSED_PRODUCT_COLUMNS = ("suggestions",)


def _rows(session: Session, stmt, params: dict[str, Any]) -> list[dict[str, Any]]:
    # fetchall: the rows in one call of the driver, not a fetchone per row
    result = session.connection().execute(stmt, params)
    keys = list(result.keys())
    return [dict(zip(keys, row)) for row in result.fetchall()]


def _ids() -> Any:
    return bindparam("ids", expanding=True)


@lru_cache(maxsize=None)
def _statements(full: bool) -> dict[str, Any]:
    """The batch's SELECTs, built once (``ids``: the batch's product ids)."""
    files, derivative, tracks = File.__table__, Derivative.__table__, CaptionTrack.__table__
    file_ids = select(files.c.id).where(files.c.product_id.in_(_ids()))
    out = {
        "files": select(*(c for c in files.c if full or c.name not in BAG_ONLY_FILE_COLUMNS))
        .where(files.c.product_id.in_(_ids())),
        # by product ids, as every other query of the batch: an IN list of file ids
        # would have another length each batch, and SQLite keeps a prepared statement
        # per distinct text (up to 128 of them, ~0.2 MB each for 2,000 parameters)
        "derivatives": select(*derivative.c).where(derivative.c.file_id.in_(file_ids)),
        "tracks": select(*tracks.c).where(tracks.c.file_id.in_(file_ids)),
    }
    for name, table, target in (("terms", product_terms, "term_id"),
                                ("communes", product_communes, "unit_id"),
                                ("cooperating", product_cooperating, "unit_id")):
        out[name] = select(table.c.product_id, table.c[target]).where(
            table.c.product_id.in_(_ids()))
    for name, model in (("audience_units", ProductAudienceUnit),
                        ("audience_roles", ProductAudienceRole), ("consents", ProductConsent)):
        table = model.__table__
        out[name] = select(*table.c).where(table.c.product_id.in_(_ids()))
    return out


def _files(session: Session, product_ids: list[int], full: bool) -> dict[int, list[RowView]]:
    stmts, ids = _statements(full), {"ids": product_ids}
    files = _rows(session, stmts["files"], ids)
    derivatives: dict[int, list[RowView]] = defaultdict(list)
    if files:
        found = _rows(session, stmts["derivatives"], ids)
        for d in sorted(found, key=lambda d: d["name"]):       # File.derivatives order
            derivatives[d["file_id"]].append(RowView(d))
    tracks = _tracks(session, stmts["tracks"], ids) if full and files else {}
    by_product: dict[int, list[RowView]] = defaultdict(list)
    for f in sorted(files, key=lambda f: f["id"]):             # Product.files order
        f["derivatives"] = derivatives.get(f["id"], [])
        f["tracks"] = tracks.get(f["id"], [])
        by_product[f["product_id"]].append(RowView(f))
    return by_product


def _tracks(session: Session, stmt, ids: dict[str, Any]) -> dict[int, list[RowView]]:
    """Caption and transcript tracks of the batch's files (a bag carries them), by file
    id in File.tracks order."""
    out: dict[int, list[RowView]] = defaultdict(list)
    for t in sorted(_rows(session, stmt, ids), key=lambda t: t["id"]):
        out[t["file_id"]].append(RowView(t))
    return out


def _links(session: Session, stmt, ids: dict[str, Any]) -> dict[int, list[int]]:
    out: dict[int, list[int]] = defaultdict(list)
    for product_id, other in session.connection().execute(stmt, ids).fetchall():
        out[product_id].append(other)
    return out


def _stream_rows(session: Session, stream: Stream, columns, batch: int, zone: str,
                 limit: Optional[int]) -> Iterator[tuple[Any, int, dict[str, Any]]]:
    stmt = stream.select(*columns, dialect=session.get_bind().dialect.name)
    # on the connection: plain rows, not the ORM's result machinery
    connection = session.connection()
    if limit is not None:          # a page: no server-side cursor needed
        result = connection.execute(stmt.limit(limit))
    else:
        result = connection.execute(stmt, execution_options={"yield_per": batch})
    keys = list(result.keys())
    # row by row (not fetchall): the merge takes from the embargo stream only the rows
    # it needs, and each row costs about 6 µs to convert (dates, JSON)
    for row in result:
        p = dict(zip(keys, row))
        p["datestamp"] = as_utc(p["updated_at"]) if stream.plain \
            else embargo_start(p["embargo_until"], zone)
        yield p["datestamp"], p["id"], p


def _grouped(session: Session, stmt, ids: dict[str, Any]) -> dict[int, list[RowView]]:
    out: dict[int, list[RowView]] = defaultdict(list)
    for row in _rows(session, stmt, ids):
        out[row["product_id"]].append(RowView(row))
    return out


def iter_views(session: Session, query: RecordQuery, batch: int = BATCH, *,
               full_files: bool = False, limit: Optional[int] = None,
               vocabulary: Optional[Vocabularies] = None) -> Iterator[ProductView]:
    """Product views of ``query`` in (datestamp, id) order, ``batch`` at a time.
    ``full_files``: also every file column a bag carries (technical data, text…).
    ``limit``: at most that many (a page: each stream is read with a LIMIT instead of
    a server-side cursor). ``vocabulary``: the :func:`vocabularies` the caller already
    has (read here otherwise)."""
    vocab = vocabulary or vocabularies(session)
    terms, units = vocab.terms, vocab.units
    columns = [c for c in Product.__table__.c if c.name not in UNUSED_PRODUCT_COLUMNS]
    parts = [_stream_rows(session, s, columns, batch, query.zone, limit)
             for s in streams(query)]
    merged = parts[0] if len(parts) == 1 else heapq.merge(*parts, key=lambda r: r[:2])
    if limit is not None:
        merged = islice(merged, limit)
    stmts = _statements(full_files)
    while True:
        products = [row[2] for row in islice(merged, batch)]
        if not products:
            return
        ids = {"ids": [p["id"] for p in products]}
        term_links = _links(session, stmts["terms"], ids)
        commune_links = _links(session, stmts["communes"], ids)
        cooperating_links = _links(session, stmts["cooperating"], ids)
        # the audience is in full records only (backups, scope all): two queries less
        # per batch for the public scope
        audience_units = _grouped(session, stmts["audience_units"], ids) \
            if query.scope == "all" else {}
        audience_roles = _grouped(session, stmts["audience_roles"], ids) \
            if query.scope == "all" else {}
        consents = _grouped(session, stmts["consents"], ids)
        files = _files(session, ids["ids"], full_files)
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
