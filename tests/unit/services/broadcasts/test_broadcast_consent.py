"""A broadcast log is a use of the product Kho performs: it is refused (422 naming
``consent``) when the product's consents do not allow the radio on the airing day —
a consent without radio, or one that had ended by then — and the refusal names who
gave the consent and what it allows, in Vietnamese on the Vietnamese doors."""
from __future__ import annotations

import pytest

from app.services.access import accounts
from app.services.broadcasts import log
from app.services.catalogue import products
from app.services.catalogue.consents import add_consent
from app.services.access.actors import Actor
from archive.errors import ValidationError
from tests.broadcast_copies import give_broadcast_copy

ADMIN = Actor(None, "operator", "system")


@pytest.fixture
def airable(kho):
    accounts.add_user(kho, "sx", "producer", "12345678")
    producer = accounts.actor_by_name(kho, "sx")

    def make(title: str = "Lời kể của già làng") -> int:
        pid = products.create_product(kho, producer, {"title": title, "kind": "radio-feature"})
        give_broadcast_copy(kho, pid)
        return pid

    return make


def vietnamese(err: ValidationError) -> str:
    from app.i18n import gettext_for

    return err.render(gettext_for("vi"))


def test_a_consent_without_radio_refuses_the_log_naming_it(kho, airable):
    pid = airable()
    add_consent(kho, ADMIN, pid, {"given_by": "Bà Y Hlen", "uses": ["website", "exhibition"]})
    with pytest.raises(ValidationError) as err:
        log.log_broadcast(kho, ADMIN, pid, "02/08/2025", commune_code="xa-dak-rve-2025")
    assert err.value.field == "consent"
    assert "Bà Y Hlen" in err.value.message and "Website; Exhibition" in err.value.message
    text = vietnamese(err.value)
    assert "sự đồng ý của Bà Y Hlen chỉ cho phép Trang thông tin điện tử; Triển lãm" in text
    assert log.list_broadcasts(kho, ADMIN, product_id=pid) == []


def test_a_consent_is_read_on_the_airing_day(kho, airable):
    pid = airable()
    add_consent(kho, ADMIN, pid, {"given_by": "Ông A Blưn", "uses": ["radio"],
                                  "until": "01/08/2025"})
    # aired while the consent ran (logged later): allowed
    assert log.log_broadcast(kho, ADMIN, pid, "01/08/2025",
                             commune_code="xa-dak-rve-2025")["aired_on"] == "2025-08-01"
    with pytest.raises(ValidationError) as err:
        log.log_broadcast(kho, ADMIN, pid, "02/08/2025", commune_code="xa-dak-rve-2025")
    assert err.value.field == "consent"
    text = vietnamese(err.value)
    assert "Ông A Blưn (mục đích: Phát thanh) đã hết hạn ngày 01/08/2025" in text
    assert "02/08/2025" in text


def test_without_consents_or_with_radio_allowed_the_log_is_kept(kho, airable):
    free, agreed = airable("Bản tin"), airable("Bài hát ru")
    add_consent(kho, ADMIN, agreed, {"given_by": "Nghệ nhân Đinh Thị Hải",
                                     "uses": ["radio", "website"]})
    for pid in (free, agreed):
        assert log.log_broadcast(kho, ADMIN, pid, "02/08/2025",
                                 commune_code="xa-dak-rve-2025")["product_id"] == pid
