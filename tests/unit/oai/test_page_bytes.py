"""Every OAI-PMH response is byte for byte what it was before the page got cheaper
(issue 27, part 4): the kept ``oai_dc`` elements, the XML text fast path and the kept
vocabularies change the CPU a page costs, never a byte a harvester receives.

The catalogue holds what is hardest to write: Vietnamese and ethnic-language text
(Bahnar, Xơ Đăng, Ê Đê), markup characters, quotes, line breaks and characters XML
cannot carry, a file, an embargo that opened by the calendar and one still held,
records withdrawn by deletion, by an edit of their access and by a consent that ended,
and a product whose consent never allowed the website. Its times are fixed, so the
whole conversation (every verb, both formats, every page through its tokens) has one
known answer, taken from the code before the change (commit 10e8421)."""
from __future__ import annotations

import hashlib
import re
from datetime import date, datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import text, update

from app.services.catalogue import products
from app.services.common import clock
from app.services.oai.provider import respond
from app.services.records import bulk_read, dublin_core, xml_text
from archive.access import ProductConsent
from archive.harvests import Tombstone
from archive.models import File, Product
from tests.unit.oai.conftest import ADMIN, valid
from tests.unit.services.records.test_xml_text import attr_in_full, text_in_full

URL = "http://kho.test/oai"
VIETNAM = ZoneInfo("Asia/Ho_Chi_Minh")
TODAY = date(2027, 3, 1)                                  # the harvest's day, in Vietnam
NOW = datetime.combine(TODAY, time(9), VIETNAM).astimezone(timezone.utc)
FIRST = datetime(2026, 11, 2, 3, 4, 5, tzinfo=timezone.utc)   # products' times: FIRST + n h
# the sha256 of the whole conversation written by the code before the change (commit
# 10e8421), less the picture's bytes (:func:`_without_image_bytes`)
KNOWN = "4c17802c9776b3bdaa2b1d2748bea451f5a3d0bece5e757cab87df6830a9d9df"
FULL = {"description": "Phóng sự về quyền trẻ em\ntrong gia đình\tvà nhà trường",
        "kind": "radio-feature", "languages": "vie; bdq", "themes": ["intl-law"],
        "conventions": "CRC", "plan_task": "3.3", "lead_unit": "trung-tam-vhttdltt-kon-ray",
        "communes": "xa-dak-rve-2025", "cooperating_units": "cong-an-kon-ray",
        "channels": "commune-radio", "produced_on": "31/05/2024",
        "tags": "trẻ em, quyền, A&B <mới>", "rights_note": 'CC BY 4.0 "ghi nguồn"'}


@pytest.fixture
def catalogue(kho, make, monkeypatch):
    """Product ids by role; times fixed; Kho's clock at :data:`NOW`."""
    kho.settings = kho.settings.replace(oai_page_size=2)
    made = {
        "full": make("Quyền trẻ em", image=True, **FULL),
        "bahnar": make("Tơdrong hnam ƀôk kră", kind="video", languages="bdq",
                       description="Xơ Đăng: Tơdrá 'Hmâu ngế; Ê Đê: Klei hriê ƀuôn sang",
                       tags="Bahnar, Xơ Đăng, Ê Đê", lead_unit="trung-tam-vhttdltt-kon-ray",
                       communes="xa-dak-rve-2025", produced_on="15/08/2025"),
        "markup": make('Lễ hội "Cầu mùa" & <đêm> nhạc', kind="poster",
                       description="Dòng 1\r\nDòng 2 > 1 & 'trích'"),
        "opened": make("Lễ cúng lúa mới", kind="video",
                       embargo_until=(date.today() + timedelta(days=3)).isoformat()),
        "held": make("Bản ghi còn hạn chế", kind="video",
                     embargo_until=(date.today() + timedelta(days=3)).isoformat()),
        "deleted": make("Sản phẩm đã xóa", kind="poster"),
        "closed": make("Sản phẩm đã đóng", kind="poster", languages="vie"),
        "lapsed": make("Đồng ý đã hết hạn", kind="poster"),
        "radio": make("Chỉ phát thanh", kind="poster"),
        "plain": make("Bản tin xã", kind="web-article", languages="vie; sed",
                      produced_on="01/01/2026"),
    }
    with kho.transaction() as s:
        s.add(ProductConsent(product_id=made["lapsed"], given_by="Già làng A Blưn",
                             uses=["radio", "website"], until=date(2027, 1, 31)))
        s.add(ProductConsent(product_id=made["radio"], given_by="Y Bơ", uses=["radio"],
                             until=None))
    products.delete_product(kho, ADMIN, made["deleted"])
    products.update_product(kho, ADMIN, made["closed"], {"access": "closed"})
    with kho.transaction() as s:       # typed updates: times stored as Kho stores them
        for n, pid in enumerate(sorted(made.values())):
            at = FIRST + timedelta(hours=n)
            s.execute(update(Product).where(Product.id == pid)
                      .values(created_at=at, updated_at=at))
            s.execute(update(File).where(File.product_id == pid)
                      .values(created_at=at, updated_at=at))
            s.execute(update(Tombstone).where(Tombstone.product_id == pid)
                      .values(datestamp=at + timedelta(days=1)))
        # characters XML cannot carry, as a paste from a word processor leaves them
        s.execute(update(Product).where(Product.id == made["plain"])
                  .values(title="Tiêu đề\x0b dán\ufffe từ Word"))
        s.execute(update(Product).where(Product.id == made["opened"])
                  .values(embargo_until=date(2027, 2, 15)))
        s.execute(update(Product).where(Product.id == made["held"])
                  .values(embargo_until=date(2027, 6, 1)))
    monkeypatch.setattr(clock, "utcnow", lambda: NOW)
    return made


def _call(kho, pairs: list[tuple[str, str]]) -> str:
    xml = "".join(respond(kho, URL, pairs, now=NOW))
    valid(xml)
    return xml


def _pages(kho, verb: str, prefix: str) -> list[str]:
    out = [_call(kho, [("verb", verb), ("metadataPrefix", prefix)])]
    while (token := re.search(r"<resumptionToken[^>]*>([^<]+)<", out[-1])) is not None:
        out.append(_call(kho, [("verb", verb), ("resumptionToken", token.group(1))]))
    return out


def conversation(kho, made: dict[str, int]) -> list[str]:
    """Every response a harvester can get from this catalogue, in a fixed order."""
    out = [_call(kho, [("verb", "Identify")]), _call(kho, [("verb", "ListSets")]),
           _call(kho, [("verb", "ListMetadataFormats")])]
    for prefix in ("oai_dc", "kho"):
        out += _pages(kho, "ListRecords", prefix) + _pages(kho, "ListIdentifiers", prefix)
        for pid in sorted(made.values()) + [999_999]:
            out.append(_call(kho, [("verb", "GetRecord"), ("metadataPrefix", prefix),
                                   ("identifier", f"oai:kho.local:{pid}")]))
    return out


def _forget() -> None:
    bulk_read._vocabularies.clear()
    dublin_core._fragments.clear()


def _written_in_full(monkeypatch) -> None:
    """The writers as they were before the fast paths: every value escaped in full,
    every ``oai_dc`` element written again."""
    monkeypatch.setattr(xml_text, "text", text_in_full)
    monkeypatch.setattr(xml_text, "attr", attr_in_full)
    monkeypatch.setattr(dublin_core, "FRAGMENTS_KEPT", 0)
    monkeypatch.setattr(dublin_core, "_fragments", _NeverKept())


class _NeverKept(dict):
    def __setitem__(self, key, value) -> None:
        pass


def test_the_conversation_is_the_known_answer_of_the_code_before(kho, catalogue):
    _forget()
    cold = conversation(kho, catalogue)
    warm = conversation(kho, catalogue)          # from kept vocabularies and elements
    assert warm == cold
    joined = "\n".join(cold)
    # what the catalogue is made of reached the harvester, and what must not did not
    assert "Tơdrong hnam ƀôk kră" in joined and "Xơ Đăng: Tơdrá 'Hmâu ngế" in joined
    assert "Lễ hội &quot;Cầu mùa&quot; &amp; &lt;đêm&gt; nhạc" not in joined   # text, not attr
    assert "Lễ hội \"Cầu mùa\" &amp; &lt;đêm&gt; nhạc" in joined
    assert "Tiêu đề dán từ Word" in joined and "\x0b" not in joined
    assert "Lễ cúng lúa mới" in joined and "2027-02-14T17:00:00Z" in joined
    assert "Bản ghi còn hạn chế" not in joined and "Chỉ phát thanh" not in joined
    assert joined.count('status="deleted"') >= 3 and "Già làng" not in joined
    assert hashlib.sha256(_without_image_bytes(joined).encode()).hexdigest() == KNOWN


def _without_image_bytes(xml: str) -> str:
    """The conversation less the hash and sizes of the picture and its renditions
    (bytes another Pillow may encode otherwise; everything else is Kho's)."""
    xml = re.sub(r"<kho:sha256>[0-9a-f]{64}</kho:sha256>", "<kho:sha256/>", xml)
    xml = re.sub(r"<kho:size>[0-9]+</kho:size>", "<kho:size/>", xml)
    return re.sub(r' size="[0-9]+"', ' size=""', xml)


def test_the_fast_writers_write_what_the_full_writers_write(kho, catalogue, monkeypatch):
    _forget()
    fast = conversation(kho, catalogue)
    with monkeypatch.context() as patch:
        _written_in_full(patch)
        _forget()
        full = conversation(kho, catalogue)
    assert len(fast) == len(full) > 40
    for a, b in zip(fast, full):
        assert a == b


def test_a_renamed_label_is_in_the_next_page_not_a_kept_element(kho, catalogue):
    first = _pages(kho, "ListRecords", "oai_dc")
    old = '<dc:type xml:lang="vi">Video</dc:type>'
    assert any(old in page for page in first)
    with kho.transaction() as s:
        s.execute(text("UPDATE terms SET label_vi = 'Phim tài liệu' "
                       "WHERE vocabulary = 'kind' AND code = 'video'"))
        s.execute(text("UPDATE units SET name = 'Xã Đăk Rve (mới)' "
                       "WHERE code = 'xa-dak-rve-2025'"))
    again = "".join(_pages(kho, "ListRecords", "oai_dc"))
    assert old not in again and '<dc:type xml:lang="vi">Phim tài liệu</dc:type>' in again
    assert "<dc:coverage>Xã Đăk Rve (mới) (23479)</dc:coverage>" in again
    assert "<dc:coverage>Xã Đăk Rve (23479)</dc:coverage>" not in again
