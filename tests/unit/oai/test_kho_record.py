"""Kho's own record, version 2.0 (issue 26): a harvester reads from it the access a
product has — level (code and Vietnamese label), embargo date, the uses its consents
allow, the community-protocol note — and applies Kho's rule; never who consented.
Every response is validated against kho-record-2.0.xsd by ``oai_call``; 1.0 stays
served for the records harvested before."""
from __future__ import annotations

import urllib.request
from datetime import timedelta
from pathlib import Path

from lxml import etree
from sqlalchemy import select

from app.services.common.clock import local_today
from app.services.records import kho_xml
from app.services.records.native import RECORD_LOAD, record_of
from archive.models import File, Product
from tests.unit.oai.conftest import NS, SCHEMAS, served
from tests.unit.oai.test_access_harvest import _consent, move_clock, oid

STATIC = Path(SCHEMAS).parents[1] / "app" / "static" / "schemas"
KHO = "{urn:kho:record:2.0}"


def _access(doc) -> etree._Element:
    found = doc.find(".//kho:record/kho:access", NS)
    assert found is not None, "the record carries no access"
    return found


def test_an_embargo_opened_product_carries_its_level_embargo_uses_and_note(
        kho, make, oai_call, monkeypatch):
    day = local_today(kho.settings) + timedelta(days=5)
    pid = make("Lễ cúng lúa mới", kind="video", embargo_until=day.isoformat(),
               protocol_note="Chỉ phát sau mùa gặt; không cắt đoạn khấn.")
    _consent(kho, pid, ["radio", "website"], None)
    move_clock(monkeypatch, day, hour=8)              # its day: open to harvesters
    doc = oai_call(verb="GetRecord", identifier=oid(pid), metadataPrefix="kho")
    record = doc.find(".//kho:record", NS)
    assert record.get("version") == "2.0"
    access = _access(doc)
    level = access.find("kho:level", NS)
    assert (level.get("code"), level.text) == ("public", "Công khai")
    assert access.findtext("kho:embargoUntil", namespaces=NS) == day.isoformat()
    uses = access.findall("kho:allowedUses/kho:use", NS)
    assert [(u.get("code"), u.text) for u in uses] == [
        ("radio", "Phát thanh"), ("website", "Trang thông tin điện tử")]
    assert access.findtext("kho:protocolNote", namespaces=NS) == \
        "Chỉ phát sau mùa gặt; không cắt đoạn khấn."
    # the boolean of 1.0 is gone; who consented is personal data, never harvested
    assert record.find(f"{KHO}sensitive") is None
    assert "Già làng" not in etree.tostring(doc, encoding="unicode")


def test_a_product_without_consents_or_embargo_allows_every_use(kho, make, oai_call):
    pid = make("Bản tin tuần")
    listed = oai_call(verb="ListRecords", metadataPrefix="kho")
    access = _access(listed)
    assert access.find("kho:embargoUntil", NS) is None
    assert [u.get("code") for u in access.iterfind("kho:allowedUses/kho:use", NS)] == [
        "radio", "website", "social", "exhibition", "archive"]
    assert access.findtext("kho:protocolNote", namespaces=NS) == ""
    assert listed.findtext(".//o:identifier", namespaces=NS) == oid(pid)


def test_a_backup_record_says_which_file_is_stricter_and_still_validates(kho, make):
    """Harvesters never get a stricter file (it is left out of a public record); a
    record of every file (a backup) names the file's own level."""
    pid = make("Phỏng vấn", image=True, access="internal")
    with kho.transaction() as s:
        s.scalars(select(File).where(File.product_id == pid)).one().access_level = "closed"
    with kho.transaction() as s:
        product = s.scalar(select(Product).options(*RECORD_LOAD).where(Product.id == pid))
        xml = kho_xml.kho_xml(record_of(product, kho.settings, ready_only=False),
                              kho.settings)
    schema = etree.XMLSchema(etree.parse(str(STATIC / "kho-record-2.0.xsd")))
    doc = etree.fromstring(xml.encode())
    assert schema.validate(doc), schema.error_log
    assert doc.find(f"{KHO}files/{KHO}file").get("accessLevel") == "closed"
    assert doc.find(f"{KHO}access/{KHO}level").get("code") == "internal"


def test_list_metadata_formats_names_version_1_1(kho, oai_call):
    doc = oai_call(verb="ListMetadataFormats")
    formats = {f.findtext("o:metadataPrefix", namespaces=NS):
               (f.findtext("o:schema", namespaces=NS),
                f.findtext("o:metadataNamespace", namespaces=NS))
               for f in doc.iterfind(".//o:metadataFormat", NS)}
    assert formats["kho"] == ("http://127.0.0.1:8000/static/schemas/kho-record-2.0.xsd",
                              "urn:kho:record:2.0")


def test_both_versions_of_the_schema_are_served(kho):
    """2.0 for today's records; 1.0 for the records harvested before it, whose
    schemaLocation still points at it."""
    with served(kho.settings) as url:
        bodies = {v: urllib.request.urlopen(
            url.replace("/oai", f"/static/schemas/kho-record-{v}.xsd"), timeout=30).read()
            for v in ("1.0", "2.0")}
    for version, body in bodies.items():
        schema = etree.fromstring(body)
        assert schema.get("targetNamespace") == f"urn:kho:record:{version}"
        etree.XMLSchema(schema)                       # a schema lxml can compile
        assert body == (STATIC / f"kho-record-{version}.xsd").read_bytes()
