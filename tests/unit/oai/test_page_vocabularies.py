"""The vocabularies an OAI-PMH page reads are kept per process while the terms and
units tables are unchanged (records/bulk_read.py ``vocabularies``): a page written
from the kept views is byte for byte the page written after reading them again, and
each record in it is the record GetRecord writes from ORM objects; a term or unit
renamed — by the service or by raw SQL — is in the very next page."""
from __future__ import annotations

import re
from datetime import datetime, timezone

import pytest
from sqlalchemy import select, text, update

from app.services.oai.provider import respond
from app.services.records import bulk_read
from archive.models import Term, Unit
from tests.unit.oai.conftest import valid

NOW = datetime(2026, 12, 7, 8, 0, tzinfo=timezone.utc)
URL = "http://kho.test/oai"
META = {"kind": "radio-feature", "languages": "vie; bdq", "themes": ["intl-law"],
        "lead_unit": "trung-tam-vhttdltt-kon-ray", "communes": "xa-dak-rve-2025",
        "cooperating_units": "cong-an-kon-ray", "produced_on": "31/05/2024"}


@pytest.fixture
def catalogue(kho, make):
    kho.settings = kho.settings.replace(oai_page_size=2)
    return [make(f"Sản phẩm {n}", **META) for n in range(5)]


def page(kho, token: str | None = None) -> str:
    pairs = [("verb", "ListRecords")] + ([("resumptionToken", token)] if token
                                         else [("metadataPrefix", "oai_dc")])
    xml = "".join(respond(kho, URL, pairs, now=NOW))
    valid(xml)
    return xml


def token_of(xml: str) -> str:
    return re.search(r"<resumptionToken[^>]*>([^<]+)<", xml).group(1)


def records_of(xml: str) -> list[str]:
    return re.findall(r"<record>.*?</record>", xml)


def forget() -> None:
    bulk_read._vocabularies.clear()


def test_a_page_from_kept_vocabularies_is_the_page_read_afresh(kho, catalogue):
    forget()
    cold = page(kho)                     # reads the vocabularies and keeps them
    assert len(bulk_read._vocabularies) == 1
    warm = page(kho)                     # from the kept views
    forget()
    again = page(kho)
    assert cold == warm == again and len(records_of(cold)) == 2
    # and every record is what GetRecord writes from ORM objects (no bulk read)
    for record in records_of(page(kho)) + records_of(page(kho, token_of(cold))):
        identifier = re.search(r"<identifier>([^<]+)<", record).group(1)
        single = "".join(respond(kho, URL, [("verb", "GetRecord"), ("identifier", identifier),
                                            ("metadataPrefix", "oai_dc")], now=NOW))
        assert record in single


def test_a_renamed_term_and_unit_are_in_the_next_page(kho, catalogue):
    first = page(kho)
    assert "Xã Đăk Rve" in first
    with kho.transaction() as s:
        label = s.scalar(select(Term.label_vi).where(Term.vocabulary == "kind",
                                                     Term.code == "radio-feature"))
        s.execute(update(Term).where(Term.vocabulary == "kind", Term.code == "radio-feature")
                  .values(label_vi="Chương trình phát thanh"))
    old = f'<dc:type xml:lang="vi">{label}</dc:type>'
    assert old in first
    second = page(kho, token_of(first))
    assert '<dc:type xml:lang="vi">Chương trình phát thanh</dc:type>' in second
    assert old not in second
    # raw SQL, no ORM event: the digest is read from the tables themselves
    with kho.transaction() as s:
        s.execute(text("UPDATE units SET name = 'Xã Đăk Rve Mới' WHERE code = 'xa-dak-rve-2025'"))
    third = page(kho, token_of(second))
    assert "Xã Đăk Rve Mới (23479)" in third
    # the first page again, as a fresh read would write it
    again = page(kho)
    forget()
    assert again == page(kho) and "Xã Đăk Rve Mới" in again and old not in again


def test_the_digest_changes_with_every_column_the_views_carry(kho, catalogue):
    with kho.transaction() as s:
        digests = [bulk_read.vocabulary_digest(s)]
    changes = [update(Term).where(Term.code == "vie").values(label_en="Vietnamese!"),
               update(Term).where(Term.code == "vie").values(position=99),
               # (it has none) "" then NULL: the digest tells them apart
               update(Unit).where(Unit.code == "cong-an-kon-ray").values(gso_code=""),
               update(Unit).where(Unit.code == "cong-an-kon-ray").values(gso_code=None),
               update(Unit).where(Unit.code == "cong-an-kon-ray").values(consolidates=True)]
    for change in changes:
        with kho.transaction() as s:
            s.execute(change)
        with kho.transaction() as s:
            digests.append(bulk_read.vocabulary_digest(s))
    # each change changes it (the NULL put back gives the state, and digest, of before)
    assert all(a != b for a, b in zip(digests, digests[1:]))
    assert digests[4] == digests[2]
    with kho.transaction() as s:       # and a column no view carries changes nothing
        s.execute(update(Unit).where(Unit.code == "cong-an-kon-ray")
                  .values(signer_name="Nguyễn Văn A"))
    with kho.transaction() as s:
        assert bulk_read.vocabulary_digest(s) == digests[-1]


def test_the_publisher_chosen_from_the_kept_units_is_the_one_queried(kho, catalogue):
    from dataclasses import replace
    from datetime import date

    from app.services.records.publisher import publisher_among, publisher_name

    overridden = replace(kho.settings, report_issuer="Trung tâm lưu trữ tỉnh")
    with kho.transaction() as s:
        units = bulk_read.vocabularies(s).units.values()
        for day in (date(2024, 11, 1), date(2025, 6, 30), date(2025, 7, 1), date(2026, 12, 7)):
            for settings in (kho.settings, overridden):
                assert publisher_among(units, settings, day) == \
                    publisher_name(s, settings, day)
        assert publisher_among(units, kho.settings, date(2024, 11, 1)) != \
            publisher_among(units, kho.settings, date(2025, 7, 1))
    # and ListRecords names it as GetRecord does
    assert "<dc:publisher>Sở Văn hóa, Thể thao và Du lịch tỉnh Quảng Ngãi</dc:publisher>" \
        in page(kho)
