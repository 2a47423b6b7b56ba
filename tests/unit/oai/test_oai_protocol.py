"""OAI-PMH 2.0 protocol: every verb, every error condition, resumption tokens and
deleted records. Every response is validated against the OAI-PMH, oai_dc and kho
schemas (the ``oai_call`` fixture fails a test whose response does not validate)."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import select

from app.services.oai import resumption_tokens
from app.services.catalogue import products
from archive.harvests import Publication
from archive.models import Product
from tests.unit.oai.conftest import ADMIN, NS, PRODUCER, error_code


def identifiers(doc):
    return [e.text for e in doc.iterfind(".//o:header/o:identifier", NS)]


def token_of(doc):
    found = doc.find(".//o:resumptionToken", NS)
    return found


def test_identify(kho, make, oai_call):
    make()
    doc = oai_call(verb="Identify")
    assert doc.findtext(".//o:repositoryName", namespaces=NS) == kho.settings.oai_repository_name
    assert doc.findtext(".//o:deletedRecord", namespaces=NS) == "persistent"
    assert doc.findtext(".//o:granularity", namespaces=NS) == "YYYY-MM-DDThh:mm:ssZ"
    assert doc.findtext(".//o:baseURL", namespaces=NS) == "http://kho.test/oai"
    assert doc.findtext(".//o:earliestDatestamp", namespaces=NS).startswith(
        str(datetime.now(timezone.utc).year))
    oai_id = "{http://www.openarchives.org/OAI/2.0/oai-identifier}"
    assert doc.findtext(f".//{oai_id}sampleIdentifier") == "oai:kho.local:1"


def test_identify_leaves_out_the_identifier_scheme_for_a_name_that_is_no_domain(kho, oai_call):
    kho.settings = kho.settings.replace(oai_repository_identifier="kho_konray")
    doc = oai_call(verb="Identify")
    assert doc.find(".//o:description", NS) is None


def test_identify_of_an_empty_repository(kho, oai_call):
    doc = oai_call(verb="Identify")
    assert doc.findtext(".//o:earliestDatestamp", namespaces=NS) == "1970-01-01T00:00:00Z"


def test_list_metadata_formats(kho, make, oai_call):
    pid = make()
    for doc in (oai_call(verb="ListMetadataFormats"),
                oai_call(verb="ListMetadataFormats", identifier=f"oai:kho.local:{pid}")):
        prefixes = [e.text for e in doc.iterfind(".//o:metadataPrefix", NS)]
        assert prefixes == ["oai_dc", "kho"]
        schemas = [e.text for e in doc.iterfind(".//o:schema", NS)]
        assert schemas[1].endswith("/static/schemas/kho-record-2.0.xsd")
        namespaces = [e.text for e in doc.iterfind(".//o:metadataNamespace", NS)]
        assert namespaces[1] == "urn:kho:record:2.0"
    assert error_code(oai_call(verb="ListMetadataFormats", identifier="oai:kho.local:999")) \
        == "idDoesNotExist"


def test_list_sets(kho, make, oai_call):
    make(kind="video", produced_on="2024-03-01")
    make(access="internal", produced_on="2019-03-01")
    doc = oai_call(verb="ListSets")
    specs = [e.text for e in doc.iterfind(".//o:setSpec", NS)]
    assert specs[:4] == ["kind", "language", "unit", "year"]
    assert {"kind:video", "language:sed", "unit:cong-an-kon-ray", "year:2024"} <= set(specs)
    assert "year:2019" not in specs            # only an internal product has it
    assert error_code(oai_call(verb="ListSets", resumptionToken="abc")) == "badResumptionToken"


@pytest.mark.parametrize("prefix", ["oai_dc", "kho"])
def test_get_record_in_both_formats(kho, make, oai_call, prefix):
    pid = make("Quyền trẻ em", image=True, kind="radio-feature", languages="vie")
    doc = oai_call(verb="GetRecord", identifier=f"oai:kho.local:{pid}", metadataPrefix=prefix)
    assert identifiers(doc) == [f"oai:kho.local:{pid}"]
    assert [e.text for e in doc.iterfind(".//o:setSpec", NS)] == ["kind:radio-feature",
                                                                  "language:vie"]
    if prefix == "oai_dc":
        assert doc.findtext(".//dc:title", namespaces=NS) == "Quyền trẻ em"
    else:
        assert doc.find(".//kho:file/kho:sha256", NS).text


@pytest.mark.parametrize("identifier", ["oai:kho.local:999", "oai:other.org:1", "1",
                                        "oai:kho.local:99999999999999999999999",
                                        "oai:kho.local:01"])
def test_get_record_of_no_such_item(kho, make, oai_call, identifier):
    make()
    doc = oai_call(verb="GetRecord", identifier=identifier, metadataPrefix="oai_dc")
    assert error_code(doc) == "idDoesNotExist"
    assert doc.find("o:request", NS).get("identifier") == identifier   # echoed


@pytest.mark.parametrize("level", ["internal", "restricted", "closed"])
def test_products_that_are_not_public_are_never_disseminated(kho, make, oai_call, level):
    audience = {"audience": {"roles": ["office"]}} if level == "restricted" else {}
    hidden = make("Hạn chế", access={"level": level, **audience})
    visible = make("Công khai")
    doc = oai_call(verb="ListRecords", metadataPrefix="kho")
    assert identifiers(doc) == [f"oai:kho.local:{visible}"]
    assert b"H\xe1\xba\xa1n ch\xe1\xba\xbf" not in __import__("lxml.etree").etree.tostring(doc)
    assert error_code(oai_call(verb="GetRecord", identifier=f"oai:kho.local:{hidden}",
                               metadataPrefix="oai_dc")) == "idDoesNotExist"


def test_cannot_disseminate_format(kho, make, oai_call):
    pid = make()
    for args in ({"verb": "ListRecords", "metadataPrefix": "marc21"},
                 {"verb": "ListIdentifiers", "metadataPrefix": "marc21"},
                 {"verb": "GetRecord", "metadataPrefix": "marc21",
                  "identifier": f"oai:kho.local:{pid}"}):
        assert error_code(oai_call(**args)) == "cannotDisseminateFormat"


BAD_VERB = [[], [("verb", "Harvest")], [("verb", "")], [("verb", "identify")],
            [("verb", "Identify"), ("verb", "Identify")]]


@pytest.mark.parametrize("pairs", BAD_VERB)
def test_bad_verb(kho, oai_call, pairs):
    doc = oai_call(pairs=pairs or [("foo", "bar")])
    assert error_code(doc) == "badVerb"
    assert dict(doc.find("o:request", NS).attrib) == {}      # base URL only


BAD_ARGUMENTS = [
    [("verb", "Identify"), ("set", "kind")],                              # unknown for the verb
    [("verb", "ListRecords")],                                           # metadataPrefix missing
    [("verb", "ListRecords"), ("metadataPrefix", "oai_dc"), ("colour", "red")],
    [("verb", "ListRecords"), ("metadataPrefix", "oai_dc"), ("metadataPrefix", "kho")],
    [("verb", "ListRecords"), ("metadataPrefix", "oai_dc"), ("from", "2024-1-1")],
    [("verb", "ListRecords"), ("metadataPrefix", "oai_dc"), ("from", "2024-02-30")],
    [("verb", "ListRecords"), ("metadataPrefix", "oai_dc"), ("from", "2024-01-01T00:00:00")],
    [("verb", "ListRecords"), ("metadataPrefix", "oai_dc"), ("until", "2024-01-01T25:00:00Z")],
    [("verb", "ListRecords"), ("metadataPrefix", "oai_dc"), ("from", "")],
    [("verb", "ListRecords"), ("metadataPrefix", "oai_dc"), ("from", "2024-03-01"),
     ("until", "2024-02-01")],                                           # from after until
    [("verb", "ListRecords"), ("metadataPrefix", "oai_dc"), ("from", "2024-01-01"),
     ("until", "2024-02-01T00:00:00Z")],                                 # mixed granularity
    [("verb", "ListIdentifiers"), ("resumptionToken", "x"), ("metadataPrefix", "oai_dc")],
    [("verb", "ListRecords"), ("metadataPrefix", "oai_dc"), ("set", "kind video")],
    [("verb", "GetRecord"), ("identifier", "oai:kho.local:1")],
    [("verb", "GetRecord"), ("metadataPrefix", "oai_dc")],
    [("verb", "ListMetadataFormats"), ("identifier", "")],
    [("verb", "ListSets"), ("set", "kind")],
]


@pytest.mark.parametrize("pairs", BAD_ARGUMENTS)
def test_bad_argument(kho, make, oai_call, pairs):
    make()
    doc = oai_call(pairs=pairs)
    assert error_code(doc) == "badArgument", doc.findtext("o:error", namespaces=NS)
    assert dict(doc.find("o:request", NS).attrib) == {}
    assert doc.findtext("o:error", namespaces=NS)       # a reason a person can read


def test_no_records_match(kho, make, oai_call):
    make(kind="video")
    for args in ({"from": "2999-01-01"}, {"set": "kind:poster"}, {"set": "colour:red"},
                 {"until": "2000-01-01T00:00:00Z"}):
        doc = oai_call(verb="ListIdentifiers", metadataPrefix="oai_dc", **args)
        assert error_code(doc) == "noRecordsMatch"
        assert doc.find("o:request", NS).get("verb") == "ListIdentifiers"


def test_from_and_until_are_inclusive_at_their_granularity(kho, make, oai_call):
    pid = make()
    with kho.transaction() as s:
        stamp = s.get(Product, pid).updated_at.replace(tzinfo=timezone.utc)
    second = stamp.strftime("%Y-%m-%dT%H:%M:%SZ")
    day = stamp.strftime("%Y-%m-%d")
    for window in ({"from": second}, {"until": second}, {"from": second, "until": second},
                   {"from": day, "until": day}):
        doc = oai_call(verb="ListIdentifiers", metadataPrefix="oai_dc", **window)
        assert identifiers(doc) == [f"oai:kho.local:{pid}"], window
        assert doc.findtext(".//o:datestamp", namespaces=NS) == second
    later = (stamp + timedelta(seconds=1)).strftime("%Y-%m-%dT%H:%M:%SZ")
    assert error_code(oai_call(verb="ListIdentifiers", metadataPrefix="oai_dc",
                               **{"from": later})) == "noRecordsMatch"


def test_the_last_possible_until_means_no_upper_bound(kho, make, oai_call):
    pid = make()
    for until in ("9999-12-31", "9999-12-31T23:59:59Z"):
        doc = oai_call(verb="ListIdentifiers", metadataPrefix="oai_dc", until=until)
        assert identifiers(doc) == [f"oai:kho.local:{pid}"], until


def test_pages_follow_resumption_tokens_to_the_end(kho, make, oai_call, monkeypatch):
    kho.settings = kho.settings.replace(oai_page_size=3)
    ids = [make(f"sản phẩm {n}") for n in range(8)]
    doc = oai_call(verb="ListRecords", metadataPrefix="oai_dc")
    seen, cursors = identifiers(doc), []
    token = token_of(doc)
    while token is not None and token.text:
        assert token.get("completeListSize") == "8"
        assert token.get("expirationDate")
        cursors.append(token.get("cursor"))
        doc = oai_call(verb="ListRecords", resumptionToken=token.text)
        assert doc.find("o:request", NS).get("resumptionToken") == token.text
        seen += identifiers(doc)
        token = token_of(doc)
    assert token is not None and token.text is None        # the last page: empty token
    assert token.get("cursor") == "6" and cursors == ["0", "3"]
    assert seen == [f"oai:kho.local:{i}" for i in ids]


def test_a_list_that_fits_one_page_has_no_token(kho, make, oai_call):
    make()
    assert token_of(oai_call(verb="ListIdentifiers", metadataPrefix="kho")) is None


def test_tokens_are_signed_bound_to_their_verb_and_expire(kho, make, oai_call):
    kho.settings = kho.settings.replace(oai_page_size=1)
    make(), make()
    token = token_of(oai_call(verb="ListIdentifiers", metadataPrefix="oai_dc")).text
    payload, mac = token.split(".")
    state = resumption_tokens.verify(token, kho.settings.secret_key, "ListIdentifiers",
                              datetime.now(timezone.utc))
    expired = resumption_tokens.sign(resumption_tokens.ListState(**{**state.__dict__, "expires": 1}),
                              kho.settings.secret_key)
    other_key = resumption_tokens.sign(state, "another-secret")
    tampered = payload[:-2] + ("A" if payload[-2] != "A" else "B") + payload[-1] + "." + mac
    for bad, verb in ((expired, "ListIdentifiers"), (other_key, "ListIdentifiers"),
                      (tampered, "ListIdentifiers"), ("garbage", "ListIdentifiers"),
                      ("Zm9v.YmFy", "ListIdentifiers"), (token, "ListRecords")):
        doc = oai_call(verb=verb, resumptionToken=bad)
        assert error_code(doc) == "badResumptionToken", bad
    assert "expired" in oai_call(verb="ListIdentifiers", resumptionToken=expired) \
        .findtext("o:error", namespaces=NS)


def test_deleted_and_hidden_products_are_reported_deleted(kho, make, oai_call):
    gone = make("Bị xoá", kind="video")
    hidden = make("Bị ẩn", kind="video")
    kept = make("Còn lại", kind="poster")
    never_public = make("Luôn hạn chế", kind="video", access="closed")
    products.delete_product(kho, ADMIN, gone)
    products.update_product(kho, PRODUCER, hidden, {"access": "internal"})
    products.delete_product(kho, ADMIN, never_public)
    doc = oai_call(verb="ListRecords", metadataPrefix="oai_dc")
    headers = {h.findtext("o:identifier", namespaces=NS): h.get("status")
               for h in doc.iterfind(".//o:header", NS)}
    assert headers == {f"oai:kho.local:{kept}": None, f"oai:kho.local:{gone}": "deleted",
                       f"oai:kho.local:{hidden}": "deleted"}
    deleted = [r for r in doc.iterfind(".//o:record", NS)
               if r.find("o:header", NS).get("status") == "deleted"]
    assert len(deleted) == 2 and all(r.find("o:metadata", NS) is None for r in deleted)
    by_set = oai_call(verb="ListIdentifiers", metadataPrefix="oai_dc", set="kind:video")
    assert sorted(identifiers(by_set)) == sorted([f"oai:kho.local:{gone}",
                                                  f"oai:kho.local:{hidden}"])
    record = oai_call(verb="GetRecord", identifier=f"oai:kho.local:{gone}",
                      metadataPrefix="kho")
    assert record.find(".//o:header", NS).get("status") == "deleted"
    assert error_code(oai_call(verb="GetRecord", identifier=f"oai:kho.local:{never_public}",
                               metadataPrefix="kho")) == "idDoesNotExist"
    # made public again: a record once more, with a newer datestamp
    products.update_product(kho, PRODUCER, hidden, {"access": "public"})
    again = oai_call(verb="GetRecord", identifier=f"oai:kho.local:{hidden}",
                     metadataPrefix="oai_dc")
    assert again.find(".//o:header", NS).get("status") is None
    assert again.findtext(".//dc:title", namespaces=NS) == "Bị ẩn"


def test_records_sent_are_noted_as_published(kho, make, oai_call):
    first, second = make("một"), make("hai")
    oai_call(verb="ListIdentifiers", metadataPrefix="oai_dc")       # headers only: not sent
    with kho.transaction() as s:
        assert s.scalars(select(Publication)).all() == []
    oai_call(verb="ListRecords", metadataPrefix="oai_dc")
    products.update_product(kho, PRODUCER, second, {"title": "hai (sửa)"})
    oai_call(verb="GetRecord", identifier=f"oai:kho.local:{second}", metadataPrefix="kho")
    with kho.transaction() as s:
        rows = {p.product_id: p for p in s.scalars(select(Publication))}
        stamps = {p.id: p.updated_at for p in s.scalars(select(Product))}
    assert set(rows) == {first, second} and {p.via for p in rows.values()} == {"oai"}
    assert all(rows[i].version_at == stamps[i] for i in (first, second))   # current versions


def test_post_arguments_are_the_same_request(kho, make, oai_call):
    # the door passes form pairs exactly like query pairs; here: order and repeats kept
    make()
    doc = oai_call(pairs=[("metadataPrefix", "oai_dc"), ("verb", "ListIdentifiers")])
    assert error_code(doc) is None and len(identifiers(doc)) == 1


def test_a_response_the_harvester_did_not_take_to_the_end_is_not_counted(kho, make):
    from app.services.oai.provider import respond

    make(), make()
    chunks = respond(kho, "http://kho.test/oai", [("verb", "ListRecords"),
                                                  ("metadataPrefix", "oai_dc")])
    next(chunks), next(chunks)       # the envelope and the first record went out…
    chunks.close()                   # …then the connection dropped
    with kho.transaction() as s:
        assert s.scalars(select(Publication)).all() == []


def test_the_publisher_is_the_body_that_exists_on_the_day(kho, make, oai_call, monkeypatch):
    """dc:publisher names the body consolidating the plan's reporting that day, from the
    units table: the district's office before 1/7/2025, the province's department after
    (the district level is gone); the setting report_issuer still overrides."""
    from datetime import datetime, timezone

    from app.services.oai import provider

    pid = make("Quyền trẻ em", image=True)
    ask = dict(verb="GetRecord", identifier=f"oai:kho.local:{pid}", metadataPrefix="oai_dc")
    assert oai_call(**ask).findtext(".//dc:publisher", namespaces=NS) == \
        "Sở Văn hóa, Thể thao và Du lịch tỉnh Quảng Ngãi"
    monkeypatch.setattr(provider, "utcnow", lambda: datetime(2024, 11, 1, tzinfo=timezone.utc))
    assert oai_call(**ask).findtext(".//dc:publisher", namespaces=NS) == \
        "Phòng Văn hóa và Thông tin huyện Kon Rẫy"
    from dataclasses import replace

    from app.services.records.publisher import publisher_name

    with kho.transaction() as s:
        overridden = replace(kho.settings, report_issuer="Trung tâm lưu trữ tỉnh")
        assert publisher_name(s, overridden, datetime(2026, 1, 1).date()) == \
            "Trung tâm lưu trữ tỉnh"
