"""What harvesters get follows access and consent (issue 26): only harvestable products
(public, not embargoed, consents allowing the website) are records; an embargo opens
by the calendar and is new to an incremental harvest on its day, with no command run;
a product that stops being harvestable, by an edit or by a consent ending, is a deleted
record to harvesters."""
from __future__ import annotations

from datetime import date, datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest

from app.services.catalogue import products
from app.services.common import clock
from app.services.common.clock import local_today
from app.services.records import native
from archive.access import ProductConsent
from archive.harvests import Tombstone
from archive.models import File
from tests.unit.oai.conftest import ADMIN, NS, PRODUCER, error_code
from tests.unit.oai.test_oai_protocol import identifiers

VIETNAM = ZoneInfo("Asia/Ho_Chi_Minh")


def move_clock(monkeypatch, day: date, hour: int = 1) -> datetime:
    """Kho's clock (what "today" in Vietnam is read from) at ``hour`` o'clock in
    Vietnam on ``day``; returns that moment in UTC."""
    moment = datetime.combine(day, time(hour), VIETNAM).astimezone(timezone.utc)
    monkeypatch.setattr(clock, "utcnow", lambda: moment)
    return moment


def z(moment: datetime) -> str:
    return moment.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def headers(doc) -> dict[str, tuple[str, str | None]]:
    """identifier -> (datestamp, status) of every header of a list response."""
    return {h.findtext("o:identifier", namespaces=NS): (h.findtext("o:datestamp", namespaces=NS),
                                                        h.get("status"))
            for h in doc.iterfind(".//o:header", NS)}


def oid(pid: int) -> str:
    return f"oai:kho.local:{pid}"


def test_the_datestamp_of_an_embargo_day_is_its_start_in_vietnam_in_utc():
    assert native.embargo_start(date(2027, 1, 15)) == datetime(2027, 1, 14, 17, tzinfo=timezone.utc)
    start = native.embargo_start(date(2027, 1, 15))
    assert native.first_day_from(start) == date(2027, 1, 15)
    assert native.first_day_from(start + timedelta(microseconds=1)) == date(2027, 1, 16)
    assert native.first_day_from(start - timedelta(seconds=1)) == date(2027, 1, 15)


def test_an_embargoed_product_appears_to_an_incremental_harvest_on_its_day(
        kho, make, oai_call, monkeypatch):
    day = local_today(kho.settings) + timedelta(days=3)
    open_now = make("Công khai", kind="poster")
    held = make("Lễ cúng lúa mới", kind="video", embargo_until=day.isoformat())
    assert identifiers(oai_call(verb="ListIdentifiers", metadataPrefix="oai_dc")) == [oid(open_now)]
    assert error_code(oai_call(verb="GetRecord", identifier=oid(held),
                               metadataPrefix="oai_dc")) == "idDoesNotExist"
    # the evening before, in Vietnam: still held
    move_clock(monkeypatch, day - timedelta(days=1), hour=23)
    assert identifiers(oai_call(verb="ListIdentifiers", metadataPrefix="oai_dc")) == [oid(open_now)]
    # its day: nothing was run, nothing was edited, and a harvest from that day gets it
    move_clock(monkeypatch, day, hour=0)
    start = native.embargo_start(day)
    assert z(start) == f"{(day - timedelta(days=1)).isoformat()}T17:00:00Z"
    since = oai_call(verb="ListIdentifiers", metadataPrefix="oai_dc", **{"from": z(start)})
    assert headers(since) == {oid(held): (z(start), None)}
    by_day = oai_call(verb="ListIdentifiers", metadataPrefix="oai_dc",
                      **{"from": (day - timedelta(days=1)).isoformat()})
    assert oid(held) in identifiers(by_day)
    after = oai_call(verb="ListIdentifiers", metadataPrefix="oai_dc",
                     **{"from": z(start + timedelta(seconds=1))})
    assert error_code(after) == "noRecordsMatch"
    before = oai_call(verb="ListIdentifiers", metadataPrefix="oai_dc",
                      until=z(start - timedelta(seconds=1)))
    assert identifiers(before) == [oid(open_now)]
    assert identifiers(oai_call(verb="ListIdentifiers", metadataPrefix="oai_dc",
                                set="kind:video")) == [oid(held)]
    record = oai_call(verb="GetRecord", identifier=oid(held), metadataPrefix="oai_dc")
    assert record.findtext(".//o:header/o:datestamp", namespaces=NS) == z(start)
    rights = [e.text for e in record.iterfind(".//dc:rights", NS)]
    assert any(f"[embargo {day.isoformat()}]" in text and "Phổ biến từ ngày" in text
               for text in rights)


def test_a_public_product_put_under_embargo_is_deleted_then_new_on_its_day(
        kho, make, oai_call, monkeypatch):
    pid = make("Phóng sự hội nghị", kind="video")
    day = local_today(kho.settings) + timedelta(days=5)
    products.update_product(kho, PRODUCER, pid, {"embargo_until": day.isoformat()})
    listed = headers(oai_call(verb="ListIdentifiers", metadataPrefix="oai_dc"))
    assert listed[oid(pid)][1] == "deleted"
    gone_at = listed[oid(pid)][0]
    move_clock(monkeypatch, day, hour=8)
    listed = headers(oai_call(verb="ListIdentifiers", metadataPrefix="oai_dc"))
    assert listed == {oid(pid): (z(native.embargo_start(day)), None)}
    assert listed[oid(pid)][0] > gone_at
    # the tombstone row stays (a later hiding rewrites it), but is not listed
    with kho.transaction() as s:
        assert s.get(Tombstone, pid) is not None


def test_pages_merge_embargo_openings_with_edits_in_datestamp_order(
        kho, make, oai_call, monkeypatch):
    kho.settings = kho.settings.replace(oai_page_size=2)
    today = local_today(kho.settings)
    early = [make(f"Mở ngày 2 #{i}", embargo_until=(today + timedelta(days=2)).isoformat())
             for i in range(3)]
    late = make("Mở ngày 4", embargo_until=(today + timedelta(days=4)).isoformat())
    plain = [make(f"Công khai #{i}") for i in range(3)]
    move_clock(monkeypatch, today + timedelta(days=6))
    seen, doc = [], oai_call(verb="ListIdentifiers", metadataPrefix="oai_dc")
    while True:
        seen += [(h.findtext("o:datestamp", namespaces=NS), h.findtext("o:identifier",
                                                                        namespaces=NS))
                 for h in doc.iterfind(".//o:header", NS)]
        token = doc.findtext(".//o:resumptionToken", namespaces=NS)
        if not token:
            break
        doc = oai_call(verb="ListIdentifiers", resumptionToken=token)
    ids = [i for _stamp, i in seen]
    assert ids == [oid(p) for p in plain + early + [late]]          # no repeat, none lost
    assert [s for s, _i in seen] == sorted(s for s, _i in seen)
    with kho.transaction() as s:
        assert native.count_products(s, native.RecordQuery(
            today=today + timedelta(days=6))) == 7
        assert native.count_products(s, native.RecordQuery(
            today=today + timedelta(days=3))) == 6


def _consent(kho, pid: int, uses: list[str], until: date | None) -> None:
    with kho.transaction() as s:
        s.add(ProductConsent(product_id=pid, given_by="Già làng A Blưn", uses=uses, until=until))


def test_consent_without_the_website_keeps_a_product_from_harvesters(kho, make, oai_call):
    radio_only = make("Lời kể của già làng")
    both = make("Bài hát ru")
    _consent(kho, radio_only, ["radio"], None)
    _consent(kho, both, ["radio", "website"], None)
    assert identifiers(oai_call(verb="ListIdentifiers", metadataPrefix="oai_dc")) == [oid(both)]
    doc = oai_call(verb="GetRecord", identifier=oid(both), metadataPrefix="oai_dc")
    rights = [e.text for e in doc.iterfind(".//dc:rights", NS)]
    assert any("Phát thanh, Trang thông tin điện tử [uses radio website]" in r for r in rights)
    assert "Già làng" not in "".join(rights)                 # who consented is not public


def test_a_consent_that_ends_is_a_deletion_from_the_day_after(kho, make, oai_call, monkeypatch):
    today = local_today(kho.settings)
    until = today + timedelta(days=2)
    pid = make("Phỏng vấn nghệ nhân", kind="video")
    never = make("Chưa từng công khai", access="internal")
    _consent(kho, pid, ["website"], until)
    _consent(kho, never, ["website"], until)
    move_clock(monkeypatch, until, hour=23)             # its last day: still a record
    assert headers(oai_call(verb="ListIdentifiers", metadataPrefix="oai_dc"))[oid(pid)][1] is None
    move_clock(monkeypatch, until + timedelta(days=1), hour=6)
    went = native.embargo_start(until + timedelta(days=1))
    listed = headers(oai_call(verb="ListIdentifiers", metadataPrefix="oai_dc",
                              **{"from": z(went)}))
    assert listed == {oid(pid): (z(went), "deleted")}   # the internal one is never told of
    assert oai_call(verb="GetRecord", identifier=oid(pid),
                    metadataPrefix="oai_dc").find(".//o:header", NS).get("status") == "deleted"
    with kho.transaction() as s:
        assert s.get(Tombstone, pid).reason == "consent"
        assert s.get(Tombstone, never) is None


def test_a_file_stricter_than_its_public_product_is_not_in_its_record(kho, make, oai_call):
    pid = make("Phỏng vấn", image=True)
    from app.services.processing import pipeline
    with kho.transaction() as s:
        fid = s.query(File.id).filter(File.product_id == pid).scalar()
    pipeline.process_file(kho, fid)
    doc = oai_call(verb="GetRecord", identifier=oid(pid), metadataPrefix="kho")
    assert doc.find(".//kho:file", NS) is not None
    with kho.transaction() as s:
        s.get(File, fid).access_level = "closed"
    doc = oai_call(verb="GetRecord", identifier=oid(pid), metadataPrefix="kho")
    assert doc.find(".//kho:file", NS) is None
    assert doc.find(".//kho:files", NS).get("metadataOnly") == "true"


@pytest.mark.parametrize("level", ["internal", "closed"])
def test_sets_name_no_year_only_a_hidden_product_has(kho, make, oai_call, level):
    make("Công khai", produced_on="2024-03-01")
    make("Ẩn", access=level, produced_on="2018-03-01")
    specs = [e.text for e in oai_call(verb="ListSets").iterfind(".//o:setSpec", NS)]
    assert "year:2024" in specs and "year:2018" not in specs


def test_admins_edit_back_to_public_brings_the_record_back(kho, make, oai_call):
    pid = make("Bản tin")
    products.update_product(kho, ADMIN, pid, {"access": "closed"})
    assert headers(oai_call(verb="ListIdentifiers", metadataPrefix="oai_dc"))[oid(pid)][1] \
        == "deleted"
    products.update_product(kho, ADMIN, pid, {"access": "public"})
    assert headers(oai_call(verb="ListIdentifiers", metadataPrefix="oai_dc"))[oid(pid)][1] is None


def test_each_page_is_an_index_range_not_a_sort_of_the_catalogue(kho, make):
    """The two streams a public list reads are ordered by an index (``updated_at``,
    ``embargo_until``): SQLite's plan has no temporary sort, whatever the window and
    keyset position (what keeps page 1,000 of a 100,000-product harvest as cheap as
    page 1)."""
    from archive.models import Product as P

    make("Công khai")
    assert kho.engine.dialect.name == "sqlite"   # test_oai_postgres.py leaves it out
    moment = datetime(2026, 1, 1, tzinfo=timezone.utc)
    for query in (native.RecordQuery(), native.RecordQuery(since=moment,
                                                           before=moment + timedelta(days=9)),
                  native.RecordQuery(after=(moment, 5), since=moment)):
        streams = native.streams(query)
        assert len(streams) == 2
        with kho.transaction() as s:
            for stream, index in zip(streams, ("ix_products_updated_at",
                                               "ix_products_embargo_until")):
                stmt = stream.select(P.id, dialect="sqlite").limit(3)
                sql = str(stmt.compile(kho.engine, compile_kwargs={"literal_binds": True}))
                plan = " | ".join(str(row[-1]) for row in s.connection().exec_driver_sql(
                    f"EXPLAIN QUERY PLAN {sql}"))
                assert "TEMP B-TREE FOR ORDER BY" not in plan, plan
                assert index in plan, plan


@pytest.mark.parametrize("uses,told", [(["website", "radio"], True), (["radio"], False)])
def test_deleting_a_product_whose_consent_ended_tells_harvesters_if_it_was_harvested(
        kho, make, oai_call, uses, told):
    from archive.models import Product

    pid = make("Phỏng vấn cũ", kind="video")
    today = local_today(kho.settings)
    with kho.transaction() as s:
        s.get(Product, pid).created_at = datetime.now(timezone.utc) - timedelta(days=30)
        s.add(ProductConsent(product_id=pid, given_by="Ông A", uses=uses,
                             until=today - timedelta(days=3)))
    products.delete_product(kho, ADMIN, pid)           # no harvest ran since the lapse
    listed = headers(oai_call(verb="ListIdentifiers", metadataPrefix="oai_dc")) \
        if told else {}
    assert (oid(pid) in listed) is told
    with kho.transaction() as s:
        assert (s.get(Tombstone, pid) is not None) is told
