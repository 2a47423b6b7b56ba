"""The OAI-PMH data provider: what each checked request answers, from the catalogue.

Records are the public scope of :mod:`app.services.records.native` — the harvestable
products (:func:`app.services.access.visibility.harvestable`: public, not embargoed,
consents allowing the website, on today's Vietnamese date) — merged with the tombstones
of :mod:`app.services.records.tombstones` (deleted, hidden since they were harvestable,
or whose consent ended) in one (datestamp, id) order. Datestamps are UTC (OAI-PMH's
``YYYY-MM-DDThh:mm:ssZ``); a product that opened on its embargo day has that day's
start in Vietnam as datestamp (``2027-01-14T17:00:00Z`` for 15/01/2027), so an
incremental harvest from that day gets it as new with no command run. A list is
cut into pages of ``settings.oai_page_size``; each page after the first is named by a
signed resumption token holding the keyset position. Every ListRecords/GetRecord page
served is noted in ``publications`` (the dashboard's online rate) once it was sent.
"""
from __future__ import annotations

import heapq
import re
from datetime import date, datetime, timezone
from typing import Iterator, Optional, Sequence

from sqlalchemy import extract, func, select
from sqlalchemy.orm import Session

from app.bootstrap import Kho
from app.services.records import dublin_core
from app.services.records import kho_xml
from app.services.oai import requests
from app.services.oai import resumption_tokens
from app.services.oai import responses
from app.services.records import tombstones
from app.services.records.bulk_read import iter_views, vocabularies
from app.services.oai.answers import Answer, Entry, Header, ListPage
from app.services.records.publications import note_published
from app.services.records.publisher import publisher_among, publisher_name
from app.services.access.visibility import harvestable_clause
from app.services.common.clock import local_today
from app.services.records.native import (RECORD_LOAD, RecordQuery, SET_PART, as_utc,
                                         count_products, datestamp_of, parse_set, record_of,
                                         set_specs)
from archive.base import fits_id, utcnow
from archive.errors import ValidationError
from archive.harvests import Tombstone
from archive.models import Product, Term, Unit
from config import Settings

FAMILY_NAMES = {"kind": "Loại sản phẩm (kind)", "language": "Ngôn ngữ (language)",
                "unit": "Đơn vị chủ trì (lead unit)", "year": "Năm sản xuất (year produced)"}


def identifier_of(settings: Settings, product_id: int) -> str:
    return f"oai:{settings.oai_repository_identifier}:{product_id}"


def product_id_of(settings: Settings, identifier: str) -> Optional[int]:
    """The product id in ``oai:<repository>:<id>``, or None if it is not one of ours."""
    prefix = f"oai:{settings.oai_repository_identifier}:"
    rest = identifier[len(prefix):] if identifier.startswith(prefix) else ""
    if not re.fullmatch(r"[1-9][0-9]{0,18}", rest) or not fits_id(int(rest)):
        return None
    return int(rest)


def formats(settings: Settings) -> list[tuple[str, str, str]]:
    """(metadataPrefix, schema URL, namespace) of every format disseminated."""
    return [("oai_dc", dublin_core.OAI_DC_SCHEMA, dublin_core.OAI_DC_NS),
            ("kho", kho_xml.schema_url(settings), kho_xml.KHO_NS)]


def _metadata(settings: Settings, prefix: str, record: dict, publisher: str) -> str:
    if prefix == "kho":
        return kho_xml.kho_xml(record, settings)
    return dublin_core.oai_dc_xml(record, publisher=publisher)


def _check_prefix(settings: Settings, prefix: str) -> None:
    if prefix not in {f[0] for f in formats(settings)}:
        raise requests.OaiError("cannotDisseminateFormat",
                           f"metadataPrefix {prefix!r} is not disseminated (use oai_dc or kho)")


def _product_entry(settings: Settings, product, prefix: Optional[str],
                   publisher: str = "", today: Optional[date] = None) -> Entry:
    """``product``: a Product, or a bulk_read view of one (same attributes).
    ``today``: the Vietnamese date consents are read on (None: today)."""
    stamp = getattr(product, "datestamp", None) or datestamp_of(product, settings.timezone)
    if not prefix:
        return Entry(Header(identifier_of(settings, product.id), stamp,
                            set_specs(product), product_id=product.id))
    record = record_of(product, settings, today=today or local_today(settings))
    # the record's sets are the header's (set_specs of the same product)
    header = Header(identifier_of(settings, product.id), stamp, record["sets"],
                    product_id=product.id)
    return Entry(header, _metadata(settings, prefix, record, publisher))


def _tombstone_entry(settings: Settings, stone: Tombstone) -> Entry:
    return Entry(Header(identifier_of(settings, stone.product_id), as_utc(stone.datestamp),
                        stone.sets.split(), deleted=True, product_id=stone.product_id))


def _page(session: Session, settings: Settings, query: RecordQuery, size: int,
          prefix: Optional[str]) -> tuple[list[Entry], bool]:
    """Up to ``size`` entries after ``query.after``, and whether more follow."""
    vocabulary = vocabularies(session)        # read once per process and table state
    publisher = publisher_among(vocabulary.units.values(), settings,
                                utcnow().date()) if prefix else ""
    # plain SELECTs per relation (bulk_read), not ORM objects: a third of the cost;
    # each stream read with a LIMIT (no server-side cursor for a page)
    views = iter_views(session, query, batch=size + 1, limit=size + 1,
                       vocabulary=vocabulary)
    products = [(p.datestamp, p.id, p) for p in views]
    stones = [(as_utc(t.datestamp), t.product_id, t)
              for t in tombstones.iter_tombstones(session, query, limit=size + 1)]
    merged = list(heapq.merge(products, stones, key=lambda row: row[:2]))
    today = query.day
    entries = [_tombstone_entry(settings, row[2]) if isinstance(row[2], Tombstone)
               else _product_entry(settings, row[2], prefix, publisher, today)
               for row in merged[:size]]
    return entries, len(merged) > size


def _count(session: Session, query: RecordQuery) -> int:
    stones = session.scalar(select(func.count(Tombstone.product_id))
                            .where(*tombstones.conditions(query))) or 0
    return count_products(session, query) + stones


def _list_state(kho: Kho, request: requests.ListRequest, now: datetime) -> resumption_tokens.ListState:
    if request.resumption_token is not None:
        try:
            return resumption_tokens.verify(request.resumption_token, kho.settings.secret_key,
                                     request.verb, now)
        except resumption_tokens.BadToken as exc:
            raise requests.OaiError("badResumptionToken", str(exc)) from None
    _check_prefix(kho.settings, request.prefix)
    if request.set is not None:
        try:
            parse_set(request.set)
        except ValidationError:
            raise requests.OaiError("noRecordsMatch", f"there is no set {request.set}") from None
    us = resumption_tokens.to_us
    return resumption_tokens.ListState(
        request.verb, request.prefix, request.set or "",
        us(request.since) if request.since else None,
        us(request.before) if request.before else None, -2 ** 62, 0, 0, 0, 0)


def list_page(kho: Kho, request: requests.ListRequest, now: datetime) -> Answer:
    """One page of ListIdentifiers/ListRecords. OaiError for a bad token, an unknown
    format and an empty list."""
    state = _list_state(kho, request, now)
    rec = resumption_tokens.from_us
    today = local_today(kho.settings)
    query = RecordQuery(
        "public", rec(state.since_us) if state.since_us is not None else None,
        rec(state.before_us) if state.before_us is not None else None,
        parse_set(state.set) if state.set else None,
        (rec(state.after_us), state.after_id) if state.cursor else None,
        today=today, zone=kho.settings.timezone)
    size = max(1, kho.settings.oai_page_size)
    prefix = state.prefix if state.verb == "ListRecords" else None
    with kho.transaction() as session:
        tombstones.note_lapses(session, today, kho.settings.timezone)
        total = state.total or _count(session, RecordQuery(
            query.scope, query.since, query.before, query.set, today=today,
            zone=kho.settings.timezone))
        entries, more = _page(session, kho.settings, query, size, prefix)
    if not entries:   # (after a token: the rest moved past ``until`` meanwhile)
        raise requests.OaiError("noRecordsMatch", "no records match the request")
    sent = state.cursor + len(entries)
    total = max(total, sent + (1 if more else 0), 1)
    token, expires = None, None
    if more and entries:
        expires = now + resumption_tokens.LIFETIME
        last = entries[-1].header
        token = resumption_tokens.sign(resumption_tokens.ListState(
            state.verb, state.prefix, state.set, state.since_us, state.before_us,
            resumption_tokens.to_us(last.datestamp), last.product_id, sent, total,
            int(expires.timestamp())), kho.settings.secret_key)
    page = ListPage(entries, token, state.cursor, total, expires, not more)
    return Answer(state.verb, page, _published(entries) if prefix else [])


def _published(entries: Sequence[Entry]) -> list[tuple[int, datetime]]:
    return [(e.header.product_id, e.header.datestamp) for e in entries if not e.header.deleted]


def get_record(kho: Kho, request: requests.GetRecord) -> Answer:
    _check_prefix(kho.settings, request.prefix)
    entry = _find(kho, request.identifier, request.prefix)
    return Answer("GetRecord", entry, _published([entry]))


def _find(kho: Kho, identifier: str, prefix: Optional[str]) -> Entry:
    product_id = product_id_of(kho.settings, identifier)
    today = local_today(kho.settings)
    with kho.transaction() as session:
        if product_id is not None:
            tombstones.note_lapses(session, today, kho.settings.timezone)
            product = session.scalar(select(Product).options(*RECORD_LOAD)
                                     .where(Product.id == product_id,
                                            harvestable_clause(today)))
            if product is not None:
                return _product_entry(kho.settings, product, prefix, publisher_name(
                    session, kho.settings, utcnow().date()))
            stone = session.get(Tombstone, product_id)
            if stone is not None:
                return _tombstone_entry(kho.settings, stone)
    raise requests.OaiError("idDoesNotExist", f"{identifier} is not an item of this repository")


def list_metadata_formats(kho: Kho, request: requests.ListMetadataFormats) -> Answer:
    if request.identifier is not None:
        _find(kho, request.identifier, None)
    return Answer("ListMetadataFormats", formats(kho.settings))


def list_sets(kho: Kho, request: requests.ListSets) -> Answer:
    """Every set: the four families, kinds, languages, units and years produced."""
    if request.resumption_token is not None:
        raise requests.OaiError("badResumptionToken", "ListSets is answered in one response; "
                                                 "this repository issued no such token")
    sets = list(FAMILY_NAMES.items())
    with kho.transaction() as session:
        terms = session.scalars(select(Term).where(Term.vocabulary.in_(("kind", "language")))
                                .order_by(Term.vocabulary, Term.position, Term.code))
        sets += [(f"{t.vocabulary}:{t.code}", t.label_vi) for t in terms]
        sets += [(f"unit:{u.code}", u.name)
                 for u in session.scalars(select(Unit).order_by(Unit.code))]
        years = session.scalars(select(extract("year", Product.produced_on).label("y"))
                                .where(Product.produced_on.is_not(None),
                                       harvestable_clause(local_today(kho.settings)))
                                .distinct().order_by("y"))
        sets += [(f"year:{int(y):04d}", f"{int(y):04d}") for y in years]
    return Answer("ListSets", [(spec, name) for spec, name in sets
                               if all(SET_PART.fullmatch(p) for p in spec.split(":"))])


def identify(kho: Kho) -> Answer:
    with kho.transaction() as session:
        # a lower bound: a record's datestamp is never before its updated_at, and a
        # product that has been harvestable is public
        stamps = [session.scalar(select(func.min(Product.updated_at))
                                 .where(Product.access_level == "public")),
                  session.scalar(select(func.min(Tombstone.datestamp)))]
    known = [as_utc(s) for s in stamps if s is not None]
    earliest = min(known) if known else datetime(1970, 1, 1, tzinfo=timezone.utc)
    return Answer("Identify", earliest)


def record_publications(kho: Kho, published: Sequence[tuple[int, datetime]]) -> None:
    """Note that these records' versions were sent over OAI-PMH: one upsert statement
    executed with the page's rows (a prepared statement, not a page-sized SQL text)."""
    if not published:
        return
    at = utcnow()
    rows = list({pid: {"product_id": pid, "version_at": stamp, "via": "oai",
                       "receipt_id": None, "at": at} for pid, stamp in published}.values())
    with kho.transaction() as session:
        note_published(session, rows)


def _answer(kho: Kho, parsed: requests.Parsed, now: datetime) -> Answer:
    request = parsed.request
    if isinstance(request, requests.ListRequest):
        return list_page(kho, request, now)
    if isinstance(request, requests.GetRecord):
        return get_record(kho, request)
    if isinstance(request, requests.ListMetadataFormats):
        return list_metadata_formats(kho, request)
    if isinstance(request, requests.ListSets):
        return list_sets(kho, request)
    return identify(kho)


def respond(kho: Kho, base_url: str, pairs: Sequence[tuple[str, str]],
            now: Optional[datetime] = None) -> Iterator[str]:
    """The whole OAI-PMH answer to a request's (name, value) pairs, as XML chunks.

    The catalogue is read before the first chunk (errors are known up front); the
    chunks then stream record by record. Publications are noted after the last chunk
    was taken, so a harvester that hung up half-way is not counted.
    """
    now = (now or utcnow()).replace(microsecond=0)
    try:
        parsed = requests.parse(pairs)
    except requests.OaiError as exc:
        return responses.error_response(now, base_url, {}, exc)
    try:
        answer = _answer(kho, parsed, now)
    except requests.OaiError as exc:
        return responses.error_response(now, base_url, parsed.echo, exc)
    return _then_record(kho, responses.response(now, base_url, parsed.echo, answer, kho.settings),
                        answer.published)


def _then_record(kho: Kho, chunks: Iterator[str], published: list) -> Iterator[str]:
    yield from chunks
    record_publications(kho, published)
