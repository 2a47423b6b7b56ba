"""Exports carry access and follow consent (issue 26): the public profile holds only the
harvestable products, each saying its level, embargo and allowed uses (Dublin Core
rights, the native record); the full bag carries audience, protocol note, consents and
their scanned forms, and ``kho import`` restores them."""
from __future__ import annotations

import csv
import io
from datetime import date, datetime, time, timedelta, timezone
from pathlib import Path
from zoneinfo import ZoneInfo

import bagit
import pytest
from lxml import etree

from app.services.catalogue import products
from app.services.common import clock
from app.services.common.clock import local_today
from app.services.exports import packages
from app.services.imports import catalogue_import
from app.services.instance.setup import init_instance
from app.services.records import native
from archive.access import ProductConsent
from archive.models import File, Product
from tests import export_catalogue
from tests.conftest import make_settings
from tests.export_catalogue import FORM, FORM_SHA, jsonl, manifest

SCHEMAS = Path(__file__).resolve().parents[3] / "schemas"
OPERATOR = packages.OPERATOR_ACTOR
DC = "{http://purl.org/dc/elements/1.1/}"


@pytest.fixture
def catalogue(kho):
    return export_catalogue.build(kho)


def run(kho, fmt: str, out: Path, **options):
    return packages.export(kho, OPERATOR, packages.ExportRequest(format=fmt, out=out, **options))


def test_public_records_say_their_access_and_carry_no_consent_giver(kho, catalogue, tmp_path):
    run(kho, "jsonl", tmp_path / "public.jsonl")
    records = jsonl(tmp_path / "public.jsonl")
    assert [r["id"] for r in records] == [catalogue.poster, catalogue.radio]
    for record in records:
        assert record["access"] == {"level": "public"} and record["embargo_until"] is None
        assert record["allowed_uses"] == ["radio", "website", "social", "exhibition", "archive"]
        assert "consents" not in record
    run(kho, "csv", tmp_path / "public.csv")
    rows = list(csv.DictReader(io.StringIO((tmp_path / "public.csv").read_text("utf-8-sig"),
                                           newline="")))
    assert {r["access_level"] for r in rows} == {"public"}
    assert rows[0]["allowed_uses"] == "radio;website;social;exhibition;archive"
    assert "sensitive" not in rows[0]


def test_the_full_bag_carries_audience_embargo_note_consents_and_forms(kho, catalogue, tmp_path):
    run(kho, "bagit", tmp_path / "all", scope="all")
    assert bagit.Bag(str(tmp_path / "all")).validate()
    records = {r["id"]: r for r in jsonl(tmp_path / "all/data/metadata/records.jsonl")}
    secret = records[catalogue.secret]
    assert secret["access"] == {"level": "restricted",
                                "audience": {"units": ["xa-dak-rve-2025"], "roles": ["office"]}}
    assert secret["embargo_until"] == (date.today() + timedelta(days=400)).isoformat()
    assert secret["protocol_note"] == "Chỉ xem trong dịp lễ của làng."
    (consent,) = secret["consents"]
    assert (consent["given_by"], consent["uses"], consent["until"], consent["note"]) == \
        ("Già làng A Thút", ["radio"], "2030-12-31", "Đồng ý bằng lời")
    path = f"data/originals/{FORM_SHA[:2]}/{FORM_SHA[2:4]}/{FORM_SHA}"
    assert consent["evidence"]["path"] == path and consent["evidence"]["sha256"] == FORM_SHA
    assert manifest(tmp_path / "all")[path] == FORM_SHA
    assert (tmp_path / "all" / path).read_bytes() == FORM
    assert secret["allowed_uses"] == ["radio"]
    # the bag's Dublin Core says it too, and still validates
    dc = etree.parse(str(tmp_path / "all/data/metadata/records.dc.xml"))
    schema = etree.XMLSchema(etree.parse(str(SCHEMAS / "oai_dc.xsd")))
    texts = {}
    for record in dc.getroot().findall("{urn:kho:export:1.0}record"):
        schema.assertValid(etree.ElementTree(record[0]))
        texts[record.get("identifier")] = [e.text for e in record.iter(f"{DC}rights")]
    (rights,) = texts[f"oai:kho.local:{catalogue.secret}"]
    assert rights.startswith("Mức độ tiếp cận: Hạn chế (theo đối tượng) [restricted].")
    assert "[uses radio]" in rights and "Phát thanh" in rights and "[embargo " in rights


def test_an_import_of_the_full_bag_restores_access_and_consent_forms(kho, catalogue, tmp_path):
    run(kho, "bagit", tmp_path / "all", scope="all")
    other = Kho_for(tmp_path)
    try:
        catalogue_import.import_bag(other, OPERATOR, tmp_path / "all")
        with other.transaction() as s:
            product = s.get(Product, catalogue.secret)
            assert product.access_level == "restricted"
            assert product.protocol_note == "Chỉ xem trong dịp lễ của làng."
            assert [a.role for a in product.audience_roles] == ["office"]
            assert len(product.audience_units) == 1
            (consent,) = product.consents
            assert consent.uses == ["radio"] and consent.evidence_sha256 == FORM_SHA
            key = consent.evidence_key
        with other.storage.open(key) as stored:
            assert stored.read() == FORM
    finally:
        other.close()


def Kho_for(tmp_path: Path):
    from app.bootstrap import Kho

    runtime = Kho(make_settings(tmp_path / "other"))
    init_instance(runtime)
    return runtime


def _consent(kho, pid: int, uses: list[str]) -> None:
    with kho.transaction() as s:
        s.add(ProductConsent(product_id=pid, given_by="Người kể chuyện", uses=uses))


def test_the_public_profile_leaves_out_what_consent_or_embargo_keeps_back(
        kho, catalogue, tmp_path, monkeypatch):
    _consent(kho, catalogue.radio, ["radio"])                 # not the website
    producer = Actor_of(kho)
    day = local_today(kho.settings) + timedelta(days=2)
    held = products.create_product(kho, producer, {"title": "Phóng sự hội nghị",
                                                   "embargo_until": day.isoformat()})
    run(kho, "jsonl", tmp_path / "now.jsonl")
    assert [r["id"] for r in jsonl(tmp_path / "now.jsonl")] == [catalogue.poster]
    # its day, no command run: an export since that day's start has it
    moment = datetime.combine(day, time(9), ZoneInfo("Asia/Ho_Chi_Minh")).astimezone(timezone.utc)
    monkeypatch.setattr(clock, "utcnow", lambda: moment)
    start = native.embargo_start(day)
    run(kho, "jsonl", tmp_path / "day.jsonl", since=start.isoformat())
    assert [r["id"] for r in jsonl(tmp_path / "day.jsonl")] == [held]


def test_a_file_stricter_than_its_public_product_stays_out_of_the_public_bag(
        kho, catalogue, tmp_path):
    with kho.transaction() as s:
        for f in s.query(File).filter(File.product_id == catalogue.poster):
            f.access_level = "closed"
    run(kho, "bagit", tmp_path / "bag")
    assert not any(catalogue.poster_sha in p for p in manifest(tmp_path / "bag"))
    (poster, _radio) = jsonl(tmp_path / "bag/data/metadata/records.jsonl")
    assert poster["files"] == [] and poster["metadata_only"] is True


def Actor_of(kho):
    from app.services.access import accounts

    return accounts.actor_by_name(kho, "sx")
