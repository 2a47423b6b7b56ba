"""Access on create and edit (issue 26): level, audience, embargo, protocol note,
each bad value refused naming its field, history, and harvesters' tombstones."""
from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import select

from app.services.access import accounts
from app.services.access.actors import Actor
from app.services.catalogue import products
from app.services.common.clock import local_today
from archive.errors import PreconditionFailed, ValidationError
from archive.harvests import Tombstone
from archive.models import Product, ProductChange, Unit

PRODUCER = Actor(1, "sx", "producer")
ADMIN = Actor(2, "qt", "admin")


@pytest.fixture
def users(kho):
    accounts.add_user(kho, "sx", "producer", "12345678")
    accounts.add_user(kho, "qt", "admin", "12345678")


def _product(kho):
    with kho.transaction() as s:
        return s.scalars(select(Product)).one()


def _errors(kho, data, product_id=None):
    with pytest.raises(ValidationError) as err:
        if product_id is None:
            products.create_product(kho, PRODUCER, {"title": "Lễ cúng lúa mới", **data})
        else:
            products.update_product(kho, PRODUCER, product_id, data)
    return err.value.fields


def test_a_new_product_is_public_without_embargo(kho, users):
    pid = products.create_product(kho, PRODUCER, {"title": "Tranh cổ động"})
    with kho.transaction() as s:
        p = s.get(Product, pid)
        assert (p.access_level, p.embargo_until, p.protocol_note) == ("public", None, "")


def test_restricted_to_a_commune_and_a_role_with_a_protocol_note(kho, users):
    day = local_today(kho.settings) + timedelta(days=30)
    pid = products.create_product(kho, PRODUCER, {
        "title": "Lễ cúng lúa mới của người Xơ Đăng",
        "access": {"level": "restricted",
                   "audience": {"units": ["xa-dak-koi-2025"], "roles": ["office"]}},
        "embargo_until": day.strftime("%d/%m/%Y"),
        "protocol_note": "Chỉ nghe trong làng; không phát lại trong mùa tang."})
    with kho.transaction() as s:
        p = s.get(Product, pid)
        unit = s.scalar(select(Unit).where(Unit.code == "xa-dak-koi-2025"))
        assert p.access_level == "restricted" and p.embargo_until == day
        assert [a.unit_id for a in p.audience_units] == [unit.id]
        assert [a.role for a in p.audience_roles] == ["office"]
        assert p.protocol_note.startswith("Chỉ nghe trong làng")
        created = s.scalar(select(ProductChange).where(ProductChange.action == "create"))
        assert created.changes["access_level"] == [None, "restricted"]
        assert created.changes["audience_units"] == [None, ["xa-dak-koi-2025"]]


def test_levels_are_accepted_by_vietnamese_label_and_bare_string(kho, users):
    pid = products.create_product(kho, PRODUCER, {"title": "Phỏng vấn", "access": "Nội bộ"})
    assert _product(kho).access_level == "internal"
    products.update_product(kho, PRODUCER, pid, {"access": {"level": "khong pho bien"}})
    assert _product(kho).access_level == "closed"


@pytest.mark.parametrize("data, field, words", [
    ({"access": "secret"}, "access", "secret"),
    ({"access": {"level": "restricted"}}, "access", "audience"),
    ({"access": {"level": "restricted", "audience": {"units": ["xa-atlantis"]}}},
     "access.audience.units", "xa-atlantis"),
    ({"access": {"level": "restricted", "audience": {"roles": ["king"]}}},
     "access.audience.roles", "king"),
    ({"access": {"level": "public", "colour": "red"}}, "access", "colour"),
    ({"access": ["public"]}, "access", "level"),
    ({"embargo_until": "01/01/2001"}, "embargo_until", "past"),
    ({"embargo_until": "2999-01-01"}, "embargo_until", "10 years"),
    ({"embargo_until": "31/02/2030"}, "embargo_until", "not a real date"),
    ({"protocol_note": "x" * 2001}, "protocol_note", "2000"),
    ({"sensitive": True}, "sensitive", "access"),
])
def test_each_bad_access_value_is_refused_naming_its_field(kho, users, data, field, words):
    fields = _errors(kho, data)
    assert field in fields
    from archive.errors import Message

    text = fields[field].render(lambda s: s) if isinstance(fields[field], Message) \
        else str(fields[field])
    assert words in text
    with kho.transaction() as s:
        assert s.scalar(select(Product.id)) is None


def test_an_audience_unit_that_merged_names_its_successor(kho, users):
    fields = _errors(kho, {"access": {"level": "restricted",
                                      "audience": {"units": ["xa-dak-to-lung"]}}})
    text = fields["access.audience.units"].render(lambda s: s)
    assert "Đăk Tơ Lung" in text and "xa-dak-koi-2025" in text and "30/06/2025" in text


def test_an_embargo_already_recorded_may_stay_when_other_fields_change(kho, users):
    pid = products.create_product(kho, PRODUCER, {"title": "Phóng sự"})
    with kho.transaction() as s:       # an embargo set long ago, now passed
        s.get(Product, pid).embargo_until = date(2025, 1, 15)
    products.update_product(kho, PRODUCER, pid, {"title": "Phóng sự mới",
                                                 "embargo_until": "15/01/2025"})
    assert _product(kho).title == "Phóng sự mới"
    assert "embargo_until" in _errors(kho, {"embargo_until": "16/01/2025"}, pid)


def test_a_level_other_than_restricted_keeps_no_audience(kho, users):
    pid = products.create_product(kho, PRODUCER, {
        "title": "Phỏng vấn", "access": {"level": "restricted",
                                         "audience": {"roles": ["office"]}}})
    changes = products.update_product(kho, PRODUCER, pid, {"access": "internal"})
    assert changes["access_level"] == ["restricted", "internal"]
    assert changes["audience_roles"] == [["office"], []]
    with kho.transaction() as s:
        assert s.get(Product, pid).audience_roles == []


def test_an_edit_of_the_audience_alone_keeps_the_level(kho, users):
    pid = products.create_product(kho, PRODUCER, {
        "title": "Phỏng vấn", "access": {"level": "restricted",
                                         "audience": {"roles": ["office"]}}})
    products.update_product(kho, PRODUCER, pid, {"access": {"audience": {
        "units": ["xa-dak-koi-2025"], "roles": []}}})
    with kho.transaction() as s:
        p = s.get(Product, pid)
        assert p.access_level == "restricted" and p.audience_roles == []
        assert len(p.audience_units) == 1


def test_a_public_product_closed_leaves_a_tombstone_and_opened_again_loses_it(kho, users):
    pid = products.create_product(kho, PRODUCER, {"title": "Tranh cổ động"})
    products.update_product(kho, PRODUCER, pid, {"access": "closed"})
    with kho.transaction() as s:
        assert s.get(Tombstone, pid).reason == "access"
    products.update_product(kho, PRODUCER, pid, {"access": "public"})
    with kho.transaction() as s:
        assert s.get(Tombstone, pid) is None


def test_an_embargo_on_a_public_product_hides_it_from_harvesters(kho, users):
    pid = products.create_product(kho, PRODUCER, {"title": "Phóng sự hội nghị"})
    day = local_today(kho.settings) + timedelta(days=10)
    products.update_product(kho, PRODUCER, pid, {"embargo_until": day.isoformat()})
    with kho.transaction() as s:
        assert s.get(Tombstone, pid) is not None


def test_deleting_a_product_never_harvestable_leaves_no_tombstone(kho, users):
    closed = products.create_product(kho, PRODUCER, {"title": "Hồ sơ", "access": "closed"})
    public = products.create_product(kho, PRODUCER, {"title": "Tranh"})
    products.delete_product(kho, ADMIN, closed)
    products.delete_product(kho, ADMIN, public)
    with kho.transaction() as s:
        assert s.get(Tombstone, closed) is None
        assert s.get(Tombstone, public).reason == "deleted"


def test_two_admins_changing_the_level_at_once_one_wins_the_other_is_refused(kho, users):
    pid = products.create_product(kho, PRODUCER, {"title": "Phỏng vấn"})
    with kho.transaction() as s:
        version = s.get(Product, pid).version
    products.update_product(kho, ADMIN, pid, {"access": "closed"}, if_version=version)
    with pytest.raises(PreconditionFailed):
        products.update_product(kho, ADMIN, pid, {"access": "internal"}, if_version=version)
    assert _product(kho).access_level == "closed"


def test_levels_are_relabelled_by_admins_but_no_level_is_added(kho, users):
    from app.services.catalogue import vocabulary_admin
    from app.services.catalogue.vocabularies import list_vocabulary

    vocabulary_admin.update_term(kho, ADMIN, "access_level", "internal",
                                 label_vi="Nội bộ cơ quan", label_en="Internal", active=True)
    assert {e.code: e.label_vi for e in list_vocabulary(kho, "access_levels")}["internal"] \
        == "Nội bộ cơ quan"
    pid = products.create_product(kho, PRODUCER, {"title": "Phỏng vấn",
                                                  "access": "Nội bộ cơ quan"})
    with kho.transaction() as s:
        assert s.get(Product, pid).access_level == "internal"
    with pytest.raises(ValidationError) as err:
        vocabulary_admin.add_term(kho, ADMIN, "access_level", "secret", label_vi="Mật")
    assert err.value.field == "code"
    assert [e.code for e in list_vocabulary(kho, "consent_uses")] == [
        "radio", "website", "social", "exhibition", "archive"]
