"""A real third-party harvester (sickle) harvests /oai over HTTP from waitress:
whole lists across many resumption tokens, incrementally by ``from``, by set, with
deleted records, while products are edited in parallel; and bad input over GET and POST."""
from __future__ import annotations

import random
import threading
import time
import urllib.parse
import urllib.request

import pytest
from sickle import Sickle, oaiexceptions

from app.services.catalogue import products
from tests.unit.oai.conftest import ADMIN, NS, PRODUCER, served, valid


@pytest.fixture
def small_pages(kho):
    kho.settings = kho.settings.replace(oai_page_size=4)
    return kho.settings


def numeric_id(identifier: str) -> int:
    return int(identifier.rsplit(":", 1)[1])


def fetch(url: str, pairs=None, post: bool = False) -> bytes:
    body = urllib.parse.urlencode(pairs or [])
    request = urllib.request.Request(url if post else f"{url}?{body}",
                                     data=body.encode() if post else None)
    with urllib.request.urlopen(request, timeout=30) as response:
        assert response.status == 200
        assert response.headers["Content-Type"] == "text/xml; charset=utf-8"
        return response.read()


def test_full_harvest_of_both_formats_across_many_tokens(kho, make, small_pages):
    ids = [make(f"Sản phẩm số {n}", kind="video" if n % 2 else "poster",
                languages="vie;sed") for n in range(18)]
    with served(small_pages) as url:
        harvester = Sickle(url)
        identify = harvester.Identify()
        assert identify.deletedRecord == "persistent" and identify.baseURL == url
        records = list(harvester.ListRecords(metadataPrefix="oai_dc"))
        natives = list(harvester.ListRecords(metadataPrefix="kho"))
        formats = [f.metadataPrefix for f in harvester.ListMetadataFormats()]
        sets = [s.setSpec for s in harvester.ListSets()]
    assert [numeric_id(r.header.identifier) for r in records] == ids     # 5 pages, in order
    assert records[0].metadata["title"] == ["Sản phẩm số 0"]
    assert records[0].metadata["language"] == ["vie", "sed"]
    assert [numeric_id(r.header.identifier) for r in natives] == ids
    assert formats == ["oai_dc", "kho"] and "kind:video" in sets


def test_incremental_harvest_by_from(kho, make, small_pages):
    ids = [make(f"Sản phẩm {n}") for n in range(10)]
    with served(small_pages) as url:
        harvester = Sickle(url)
        first = list(harvester.ListIdentifiers(metadataPrefix="oai_dc"))
        last_stamp = max(h.datestamp for h in first)
        edited = [ids[2], ids[7]]
        time.sleep(1.1)        # the next change is in a later second than the last harvest
        for pid in edited:
            products.update_product(kho, PRODUCER, pid, {"tags": "đã sửa"})
        since = [h for h in harvester.ListIdentifiers(metadataPrefix="oai_dc",
                                                      **{"from": last_stamp})]
    changed = [numeric_id(h.identifier) for h in since if h.datestamp > last_stamp]
    assert changed == edited
    # from is inclusive: what shares the last harvest's second may come again, nothing older
    assert all(h.datestamp >= last_stamp for h in since)


def test_harvest_by_set_and_deleted_records(kho, make, small_pages):
    videos = [make(f"Video {n}", kind="video", lead_unit="cong-an-kon-ray") for n in range(5)]
    make("Áp phích", kind="poster", produced_on="2023-04-05")
    products.delete_product(kho, ADMIN, videos[1])
    products.update_product(kho, PRODUCER, videos[3], {"access": "closed"})
    with served(small_pages) as url:
        harvester = Sickle(url)
        by_kind = list(harvester.ListRecords(metadataPrefix="oai_dc", set="kind:video"))
        by_unit = list(harvester.ListIdentifiers(metadataPrefix="kho",
                                                 set="unit:cong-an-kon-ray"))
        by_year = list(harvester.ListIdentifiers(metadataPrefix="kho", set="year:2023"))
        live_only = list(harvester.ListRecords(metadataPrefix="oai_dc", set="kind:video",
                                               ignore_deleted=True))
    deleted = {numeric_id(r.header.identifier) for r in by_kind if r.header.deleted}
    assert deleted == {videos[1], videos[3]}
    assert {numeric_id(r.header.identifier) for r in live_only} == {videos[0], videos[2],
                                                                     videos[4]}
    assert {numeric_id(h.identifier) for h in by_unit} == set(videos)
    assert [h.setSpecs for h in by_year] == [["kind:poster", "year:2023"]]


def test_harvest_while_products_are_edited_loses_nothing(kho, make, small_pages):
    ids = [make(f"Sản phẩm {n}", kind="video") for n in range(60)]
    stop, edits = threading.Event(), []
    rng = random.Random(11)

    def edit() -> None:
        while not stop.is_set():
            pid = rng.choice(ids)
            products.update_product(kho, PRODUCER, pid, {"tags": f"lần {len(edits)}"})
            edits.append(pid)

    with served(small_pages) as url:
        editor = threading.Thread(target=edit)
        editor.start()
        try:
            headers = list(Sickle(url).ListIdentifiers(metadataPrefix="oai_dc"))
        finally:
            stop.set()
            editor.join()
    assert edits, "the editor made no change during the harvest"
    seen: dict[int, list[str]] = {}
    for h in headers:
        seen.setdefault(numeric_id(h.identifier), []).append(h.datestamp)
    assert set(seen) == set(ids)                             # nothing lost
    for pid, stamps in seen.items():
        if len(stamps) > 1:                                  # met again only after an edit,
            assert pid in edits and stamps == sorted(stamps)  # each time a newer version
    untouched = set(ids) - set(edits)
    assert all(len(seen[pid]) == 1 for pid in untouched)     # nothing else duplicated


def test_sickle_sees_protocol_errors(kho, make, small_pages):
    make()
    with served(small_pages) as url:
        harvester = Sickle(url)
        with pytest.raises(oaiexceptions.CannotDisseminateFormat):
            harvester.GetRecord(identifier="oai:kho.local:1", metadataPrefix="marc21")
        with pytest.raises(oaiexceptions.IdDoesNotExist):
            harvester.GetRecord(identifier="oai:kho.local:404", metadataPrefix="oai_dc")
        with pytest.raises(oaiexceptions.BadArgument):
            list(harvester.ListRecords(metadataPrefix="oai_dc", **{"from": "31/12/2024"}))
        with pytest.raises(oaiexceptions.BadResumptionToken):
            list(harvester.ListRecords(resumptionToken="forged.token"))
        with pytest.raises(oaiexceptions.NoRecordsMatch):
            list(harvester.ListRecords(metadataPrefix="oai_dc", set="kind:poster"))


@pytest.mark.parametrize("pairs,code", [
    ([("verb", "Explode")], "badVerb"),
    ([("verb", "Identify"), ("verb", "ListSets")], "badVerb"),
    ([("verb", "ListRecords"), ("metadataPrefix", "oai_dc"), ("metadataPrefix", "oai_dc")],
     "badArgument"),
    ([("verb", "ListRecords"), ("metadataPrefix", "oai_dc"), ("from", "2025-01-01"),
      ("until", "2024-01-01")], "badArgument"),
    ([("verb", "ListRecords"), ("metadataPrefix", "oai_dc"), ("until", "yesterday")],
     "badArgument"),
    ([("verb", "Identify"), ("metadataPrefix", "oai_dc")], "badArgument"),
])
def test_bad_input_over_get_and_post(kho, make, small_pages, pairs, code):
    make()
    with served(small_pages) as url:
        answers = [valid(fetch(url, pairs)), valid(fetch(url, pairs, post=True))]
    for doc in answers:
        assert doc.find("o:error", NS).get("code") == code


def test_post_needs_no_csrf_token_and_answers_like_get(kho, make, small_pages):
    pid = make("Quyền trẻ em")
    pairs = [("verb", "GetRecord"), ("identifier", f"oai:kho.local:{pid}"),
             ("metadataPrefix", "kho")]
    with served(small_pages) as url:
        by_get, by_post = valid(fetch(url, pairs)), valid(fetch(url, pairs, post=True))
    for doc in (by_get, by_post):
        assert doc.find("o:error", NS) is None
        assert doc.findtext(".//kho:title", namespaces=NS) == "Quyền trẻ em"


def test_kho_serves_the_versioned_schema_of_its_format(kho, make, small_pages):
    from lxml import etree

    pid = make("Quyền trẻ em", image=True, kind="photo")
    pairs = [("verb", "GetRecord"), ("identifier", f"oai:kho.local:{pid}"),
             ("metadataPrefix", "kho")]
    with served(small_pages) as url:
        body = urllib.request.urlopen(url.replace("/oai", "/static/schemas/kho-record-2.0.xsd"),
                                      timeout=30).read()
        record = valid(fetch(url, pairs)).find(".//kho:record", NS)
    served_schema = etree.XMLSchema(etree.fromstring(body))
    assert etree.fromstring(body).get("targetNamespace") == "urn:kho:record:2.0"
    assert served_schema.validate(etree.ElementTree(record)), served_schema.error_log


def test_parallel_harvests_note_each_product_once(kho, make, small_pages):
    from sqlalchemy import select

    from archive.harvests import Publication
    from archive.models import Product

    ids = [make(f"Sản phẩm {n}") for n in range(20)]
    counts, errors = [], []

    def harvest(url: str) -> None:
        try:
            counts.append(len(list(Sickle(url).ListRecords(metadataPrefix="kho"))))
        except Exception as exc:  # noqa: BLE001 - reported by the assertion below
            errors.append(exc)

    with served(small_pages, threads=6) as url:
        harvesters = [threading.Thread(target=harvest, args=(url,)) for _ in range(4)]
        for t in harvesters:
            t.start()
        for t in harvesters:
            t.join()
    assert errors == [] and counts == [len(ids)] * 4
    with kho.transaction() as s:
        rows = {p.product_id: p.version_at for p in s.scalars(select(Publication))}
        stamps = {p.id: p.updated_at for p in s.scalars(select(Product))}
    assert rows == stamps                      # one row per product, its current version
